//! The reader behind [`super::read`] and [`super::read_from`]: one pass over the input,
//! through a buffer when it is streamed. Log files (`{"Records":[...]}`) and top-level arrays
//! are walked element by element, so no more than one element is ever held; every other
//! value is held whole (up to [`MAX_VALUE`]) and judged by its top-level keys first
//! ([`json::object_keys`]): a record whose `eventSource` and `eventName` the sink does not
//! want is counted and never parsed.

use std::io::{self, Read};
use std::ops::Range;

use super::json::{self, Keys, Stop};
use super::{CLOUDTRAIL_DETAIL_TYPES, InputError, MAX_ARRAY_DEPTH, Sink};
use crate::cloudtrail::record::Record;
use crate::resource::ResourceSnapshot;

/// The largest value held whole; a larger one is reported and skipped.
pub const MAX_VALUE: usize = 64 << 20;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The buffer a streamed input is read through (it grows for a larger value).
const BUFFER: usize = 1 << 20;

/// Bytes to read: all in memory, or streamed through a buffer.
pub(crate) trait Feed {
    /// What is at hand.
    fn bytes(&self) -> &[u8];
    /// Drops the bytes before `keep` and reads more. False when the input has no more.
    fn more(&mut self, keep: usize) -> io::Result<bool>;
}

/// A text held in memory.
pub(crate) struct Memory<'t>(pub &'t [u8]);

impl Feed for Memory<'_> {
    fn bytes(&self) -> &[u8] {
        self.0
    }
    fn more(&mut self, _: usize) -> io::Result<bool> {
        Ok(false)
    }
}

/// A reader's bytes through a buffer.
pub(crate) struct Streamed<R> {
    reader: R,
    buf: Vec<u8>,
    len: usize,
    eof: bool,
    /// A read error met after some bytes: told on the next call.
    pending: Option<io::Error>,
}

impl<R: Read> Streamed<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self::with_capacity(reader, BUFFER)
    }

    pub(crate) fn with_capacity(reader: R, capacity: usize) -> Self {
        Streamed {
            reader,
            buf: vec![0; capacity.max(1)],
            len: 0,
            eof: false,
            pending: None,
        }
    }
}

impl<R: Read> Feed for Streamed<R> {
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn more(&mut self, keep: usize) -> io::Result<bool> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.eof {
            return Ok(false);
        }
        self.buf.copy_within(keep..self.len, 0);
        self.len -= keep;
        if self.len > self.buf.len() / 2 {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let before = self.len;
        while self.len < self.buf.len() {
            match self.reader.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if self.len > before => {
                    self.pending = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.len > before)
    }
}

/// Why reading stopped before the end of a value.
#[derive(Debug)]
pub(crate) enum Halt {
    Malformed { at: usize, message: &'static str },
    Truncated,
    TooLarge,
    Io(io::Error),
}

impl From<io::Error> for Halt {
    fn from(e: io::Error) -> Self {
        Halt::Io(e)
    }
}

/// Line numbers, counted as the reader moves forward (each byte once).
struct Lines {
    /// The line of the first byte at hand.
    base: u64,
    /// Bytes counted so far, and the line after them.
    counted: usize,
    line: u64,
}

impl Lines {
    fn new(first: u64) -> Lines {
        Lines {
            base: first,
            counted: 0,
            line: first,
        }
    }

    /// The line of `bytes[i]`.
    fn at(&mut self, bytes: &[u8], i: usize) -> u64 {
        let i = i.min(bytes.len());
        if i < self.counted {
            self.counted = 0;
            self.line = self.base;
        }
        self.line += json::count_newlines(&bytes[self.counted..i]);
        self.counted = i;
        self.line
    }
}

/// A parser error without its position, which counts from the start of the value, not of
/// the input (the reader gives the line).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).map_or_else(|| text.clone(), str::to_owned)
}

/// One pass over one input.
pub(crate) struct Reader<'s, F> {
    feed: F,
    origin: &'s str,
    sink: &'s mut dyn Sink,
    /// Where reading is, in `feed.bytes()`.
    pos: usize,
    lines: Lines,
    /// What the input is called in "the value does not end before the … does": `input` or
    /// `line`.
    unit: &'static str,
    /// Set while inside a streamed array or log file, where a malformed value ends the input.
    nested: bool,
}

impl<'s, F: Feed> Reader<'s, F> {
    pub(crate) fn new(feed: F, origin: &'s str, first_line: u64, sink: &'s mut dyn Sink) -> Self {
        Reader {
            feed,
            origin,
            sink,
            pos: 0,
            lines: Lines::new(first_line),
            unit: "input",
            nested: false,
        }
    }

    fn error(&mut self, line: u64, record: Option<usize>, message: impl Into<String>) {
        self.sink.error(InputError {
            origin: self.origin.to_owned(),
            line: Some(line),
            record,
            message: message.into(),
        });
    }

    fn line_at(&mut self, i: usize) -> u64 {
        self.lines.at(self.feed.bytes(), i)
    }

    fn error_at(&mut self, i: usize, index: Option<usize>, message: impl Into<String>) {
        let line = self.line_at(i);
        self.error(line, index, message);
    }

    fn too_deep(&mut self, at: usize, index: Option<usize>) {
        self.error_at(at, index, format!("nested more than {} levels deep", json::MAX_DEPTH));
    }

    /// Keeps the bytes from `pos` and reads more (then `pos` is 0). False at the end.
    fn refill(&mut self) -> Result<bool, Halt> {
        let line = self.line_at(self.pos);
        if !self.feed.more(self.pos)? {
            return Ok(false);
        }
        self.lines = Lines::new(line);
        self.pos = 0;
        Ok(true)
    }

    /// Runs `scan` from `pos`, reading more while the value goes on past the bytes at hand.
    fn complete<T>(&mut self, scan: impl Fn(&[u8], usize) -> Result<T, Stop>) -> Result<T, Halt> {
        loop {
            match scan(self.feed.bytes(), self.pos) {
                Ok(t) => return Ok(t),
                Err(Stop::Invalid { at, message }) => return Err(Halt::Malformed { at, message }),
                Err(Stop::Incomplete) if self.feed.bytes().len() - self.pos > MAX_VALUE => {
                    return Err(Halt::TooLarge);
                }
                Err(Stop::Incomplete) => {
                    if !self.refill()? {
                        return Err(Halt::Truncated);
                    }
                }
            }
        }
    }

    /// The next byte that is not whitespace (`pos` moves to it); `None` at the end.
    fn peek(&mut self) -> Result<Option<u8>, Halt> {
        loop {
            self.pos = json::skip_ws(self.feed.bytes(), self.pos);
            if let Some(&c) = self.feed.bytes().get(self.pos) {
                return Ok(Some(c));
            }
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    /// Skips a UTF-8 byte order mark at the very start.
    pub(crate) fn skip_bom(&mut self) {
        if self.peek_bytes(3).is_ok_and(|b| b.starts_with(BOM)) {
            self.pos += 3;
        }
    }

    fn peek_bytes(&mut self, n: usize) -> Result<&[u8], Halt> {
        while self.feed.bytes().len() - self.pos < n && self.refill()? {}
        Ok(&self.feed.bytes()[self.pos..])
    }

    /// Reports why reading stopped; returns where (for resuming on the next line).
    fn report(&mut self, halt: Halt) -> usize {
        let (at, message) = match halt {
            Halt::Malformed { at, message } => (at, format!("malformed JSON: {message}")),
            Halt::Truncated => (
                self.pos,
                format!("truncated JSON: the value does not end before the {} does", self.unit),
            ),
            Halt::TooLarge => (self.pos, format!("a value larger than {} MiB", MAX_VALUE >> 20)),
            Halt::Io(e) => (self.pos, format!("read failed: {e}")),
        };
        self.error_at(at, None, message);
        at
    }

    /// Moves past the next newline at or after `pos`; false at the end of the input.
    fn next_line(&mut self) -> bool {
        loop {
            if let Some(k) = memchr::memchr(b'\n', &self.feed.bytes()[self.pos..]) {
                self.pos += k + 1;
                return true;
            }
            self.pos = self.feed.bytes().len();
            if !matches!(self.refill(), Ok(true)) {
                return false;
            }
        }
    }

    /// The [`super::Layout::Stream`] layout: values one after another. When the first value
    /// read is one line ending at a line end, the input is taken for JSON lines and the rest
    /// read as [`Reader::lines`]. A value that cannot be read is reported, and reading goes on
    /// at the next line that opens (in its first column) with `{` or `[`, where a line of
    /// JSON lines or another document begins (the lines of a pretty-printed document are
    /// indented): after a broken record inside a log file, the rest of that file is lost.
    pub(crate) fn values(&mut self) {
        let mut decided = false;
        loop {
            match self.peek() {
                Ok(None) => return,
                Ok(Some(_)) => {}
                Err(halt) => {
                    self.report(halt);
                    return;
                }
            }
            let first_line = self.line_at(self.pos);
            match self.element(0) {
                Ok(()) if decided => {}
                Ok(()) => {
                    decided = true;
                    if self.line_at(self.pos) == first_line && self.line_ends_here() {
                        return self.lines();
                    }
                }
                Err(halt) => {
                    let io = matches!(halt, Halt::Io(_));
                    // A top-level value is retried from the line after its start (`pos` is
                    // still there); inside a log file or array, from the line of the error.
                    let (nested, start) = (std::mem::take(&mut self.nested), self.pos);
                    let at = self.report(halt);
                    self.pos = if nested { at } else { start };
                    if io || !self.next_opening_line() {
                        return;
                    }
                }
            }
        }
    }

    /// Only blanks from `pos` to the end of its line (or of the input).
    fn line_ends_here(&mut self) -> bool {
        loop {
            let bytes = self.feed.bytes();
            match bytes[self.pos..]
                .iter()
                .position(|&c| !matches!(c, b' ' | b'\t' | b'\r'))
            {
                Some(k) => return bytes[self.pos + k] == b'\n',
                None => match self.refill() {
                    Ok(true) => {}
                    Ok(false) => return true,
                    Err(_) => return false,
                },
            }
        }
    }

    /// Moves to the next line that opens with `{` or `[`; false at the end of the input.
    fn next_opening_line(&mut self) -> bool {
        loop {
            if !self.next_line() {
                return false;
            }
            match self.peek_bytes(1).map(|b| b.first().copied()) {
                Ok(Some(b'{' | b'[')) => return true,
                Ok(Some(_)) => {}
                _ => return false,
            }
        }
    }

    /// The [`super::Layout::Lines`] layout: each line a value (or a few); a bad one is
    /// reported and the next line is read.
    pub(crate) fn lines(&mut self) {
        let mut line = self.line_at(self.pos);
        loop {
            let rest = &self.feed.bytes()[self.pos..];
            let (found, rest_len) = (memchr::memchr(b'\n', rest), rest.len());
            let (end, next) = match found {
                Some(k) if k > MAX_VALUE => {
                    self.error(line, None, format!("a line longer than {} MiB", MAX_VALUE >> 20));
                    (self.pos, self.pos + k + 1)
                }
                Some(k) => (self.pos + k, self.pos + k + 1),
                None if rest_len > MAX_VALUE => {
                    self.error(line, None, format!("a line longer than {} MiB", MAX_VALUE >> 20));
                    if !self.next_line() {
                        return;
                    }
                    line += 1;
                    continue;
                }
                None => match self.refill() {
                    Ok(true) => continue,
                    Ok(false) if rest_len == 0 => return,
                    Ok(false) => (self.feed.bytes().len(), self.feed.bytes().len()),
                    Err(halt) => {
                        self.report(halt);
                        return;
                    }
                },
            };
            self.one_line(self.pos..end, line);
            self.pos = next;
            line += 1;
        }
    }

    /// The values on one line (usually one); one that cannot be read ends the line. A byte
    /// order mark opening the line is skipped (files joined by `cat`), so a line reads the
    /// same whether or not it starts the input or a [`super::Chunk`].
    fn one_line(&mut self, range: Range<usize>, line: u64) {
        let text = &self.feed.bytes()[range];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let text = text.strip_prefix(BOM).unwrap_or(text);
        let mut reader = Reader::new(Memory(text), self.origin, line, &mut *self.sink);
        reader.unit = "line";
        loop {
            let step = match reader.peek() {
                Ok(None) => return,
                Ok(Some(_)) => reader.element(0),
                Err(halt) => Err(halt),
            };
            if let Err(halt) = step {
                reader.report(halt);
                return;
            }
        }
    }

    /// One value at `pos` (the caller peeked a byte there), `depth` arrays down.
    fn element(&mut self, depth: usize) -> Result<(), Halt> {
        match self.feed.bytes()[self.pos] {
            b'{' => {
                if let Some(inside) = self.complete(json::log_file_opening)? {
                    self.pos = inside;
                    return self.log_file();
                }
                let keys = self.complete(json::object_keys)?;
                self.object(self.pos, &keys);
                self.pos = keys.end;
            }
            b'[' if depth >= MAX_ARRAY_DEPTH => {
                self.error_at(
                    self.pos,
                    None,
                    format!("arrays nested more than {MAX_ARRAY_DEPTH} deep"),
                );
                self.pos = self.complete(json::skip_value)?.end;
            }
            b'[' => {
                self.pos += 1;
                let nested = std::mem::replace(&mut self.nested, true);
                let mut first = true;
                while self.next_item(&mut first)? {
                    self.element(depth + 1)?;
                }
                self.nested = nested;
            }
            _ => {
                let skip: fn(&[u8], usize) -> Result<json::Skipped, Stop> =
                    if depth == 0 { json::skip_value } else { json::skip_inner };
                let end = self.complete(skip)?.end;
                self.error_at(
                    self.pos,
                    None,
                    "expected a JSON object (CloudTrail record, log file or EventBridge event)",
                );
                self.pos = end;
            }
        }
        Ok(())
    }

    /// In an array, moves to the next element: false after the closing `]`.
    fn next_item(&mut self, first: &mut bool) -> Result<bool, Halt> {
        match self.peek()? {
            None => return Err(Halt::Truncated),
            Some(b']') => {
                self.pos += 1;
                return Ok(false);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                if self.peek()?.is_none() {
                    return Err(Halt::Truncated);
                }
            }
            Some(_) if !*first => {
                return Err(Halt::Malformed {
                    at: self.pos,
                    message: "expected ',' or ']'",
                });
            }
            Some(_) => {}
        }
        *first = false;
        Ok(true)
    }

    /// A log file from inside its `Records` array to its end.
    fn log_file(&mut self) -> Result<(), Halt> {
        let nested = std::mem::replace(&mut self.nested, true);
        self.records()?;
        self.pos = self.complete(json::object_rest)?;
        self.nested = nested;
        Ok(())
    }

    /// The elements of a `Records` array, from inside it to after its `]`.
    fn records(&mut self) -> Result<(), Halt> {
        let (mut first, mut index) = (true, 0);
        while self.next_item(&mut first)? {
            if self.feed.bytes()[self.pos] == b'{' {
                let keys = self.complete(json::object_keys)?;
                self.record(self.pos, &keys, Some(index));
                self.pos = keys.end;
            } else {
                let end = self.complete(json::skip_inner)?.end;
                self.error_at(self.pos, Some(index), "record is not a JSON object");
                self.pos = end;
            }
            index += 1;
        }
        Ok(())
    }

    /// Reads the array at `range` (in memory) with `read` from just inside it.
    fn inner_array(&mut self, range: Range<usize>, read: impl FnOnce(&mut Reader<'_, Memory<'_>>) -> Result<(), Halt>) {
        let line = self.line_at(range.start);
        let bytes = &self.feed.bytes()[range];
        let mut reader = Reader::new(Memory(bytes), self.origin, line, &mut *self.sink);
        if bytes.first() != Some(&b'[') {
            return reader.error(line, None, "expected an array");
        }
        reader.pos = 1;
        if let Err(halt) = read(&mut reader) {
            reader.report(halt);
        }
    }

    /// A whole object at `start`: a log file, an EventBridge event, a record, a configuration
    /// item or a Config snapshot. The nesting limit applies to each record and item, not to
    /// what holds them (a record nested near the limit is read in an envelope or a log file
    /// as it is alone).
    fn object(&mut self, start: usize, keys: &Keys) {
        let bytes = self.feed.bytes();
        if let Some(records) = keys.records.clone() {
            self.inner_array(records, |r| r.records());
        } else if keys.detail_type.is_present() {
            let cloudtrail = keys
                .detail_type
                .get(bytes)
                .is_some_and(|t| CLOUDTRAIL_DETAIL_TYPES.contains(&t.as_ref()));
            match (cloudtrail, keys.detail.clone()) {
                (false, _) => self.sink.skipped(),
                (true, Some(detail)) if bytes[detail.start] == b'{' => match json::object_keys(bytes, detail.start) {
                    Ok(detail_keys) => self.record(detail.start, &detail_keys, None),
                    Err(_) => self.error_at(detail.start, None, "unreadable EventBridge detail"),
                },
                (true, Some(_)) => self.error_at(start, None, "EventBridge event detail is not an object"),
                (true, None) => self.error_at(start, None, "EventBridge event has no detail"),
            }
        } else if keys.event_source.is_present() || keys.event_name.is_present() {
            self.record(start, keys, None);
        } else if let Some(items) = keys.configuration_items.clone() {
            self.inner_array(items, |r| r.resources());
        } else if let (Some(items), true) = (keys.resources.clone(), keys.collected_at) {
            // An aidr inventory (`aidr inventory --format json`): its snapshots.
            self.inner_array(items, |r| r.resources());
        } else if keys.too_deep {
            self.too_deep(start, None);
        } else if keys.resource_type {
            self.resource(start..keys.end, None);
        } else {
            self.error_at(
                start,
                None,
                "not a CloudTrail record, CloudTrail log file, EventBridge event or configuration item (no eventName, Records, detail-type or resourceType)",
            );
        }
    }

    /// A record at `start`: counted only, when the sink does not want its kind; else parsed.
    fn record(&mut self, start: usize, keys: &Keys, index: Option<usize>) {
        let bytes = self.feed.bytes();
        if keys.too_deep {
            return self.too_deep(start, index);
        }
        if let (Some(source), Some(name)) = (keys.event_source.get(bytes), keys.event_name.get(bytes))
            && !source.is_empty()
            && !name.is_empty()
            && !self.sink.wants(&source, &name, &bytes[start..keys.end])
        {
            return self.sink.passed_over();
        }
        let problem = match serde_json::from_slice::<Record>(&bytes[start..keys.end]) {
            Ok(record) if record.has_source_and_name() => {
                let line = (!record.ignored.is_empty()).then(|| self.lines.at(bytes, start));
                for field in &record.ignored {
                    let at = InputError {
                        origin: self.origin.to_owned(),
                        line,
                        record: index,
                        message: format!("{}: expected {}, found {}", field.field, field.expected, field.found),
                    };
                    self.sink.ignored(field, at);
                }
                self.sink.raw_record(&record, &bytes[start..keys.end]);
                return;
            }
            Ok(_) => "not a CloudTrail record: no usable eventSource and eventName".to_owned(),
            Err(e) => format!("invalid CloudTrail record: {}", without_position(&e)),
        };
        self.error_at(start, index, problem);
    }

    /// The configuration items of an array, from inside it to after its `]`.
    fn resources(&mut self) -> Result<(), Halt> {
        let (mut first, mut index) = (true, 0);
        while self.next_item(&mut first)? {
            let item = self.complete(json::skip_inner)?;
            if item.too_deep {
                self.too_deep(self.pos, Some(index));
            } else {
                self.resource(self.pos..item.end, Some(index));
            }
            self.pos = item.end;
            index += 1;
        }
        Ok(())
    }

    /// A configuration item at `range`.
    fn resource(&mut self, range: Range<usize>, index: Option<usize>) {
        #[derive(serde::Deserialize)]
        struct Status<'a> {
            #[serde(rename = "configurationItemStatus", borrow)]
            status: Option<std::borrow::Cow<'a, str>>,
        }
        let raw = &self.feed.bytes()[range.clone()];
        let status = serde_json::from_slice::<Status>(raw).ok().and_then(|s| s.status);
        if status.is_some_and(|s| s.starts_with("ResourceDeleted")) {
            return self.sink.skipped();
        }
        match serde_json::from_slice::<ResourceSnapshot>(raw) {
            Ok(resource) => self.sink.resource(resource),
            Err(e) => {
                let message = format!("invalid configuration item: {}", without_position(&e));
                self.error_at(range.start, index, message);
            }
        }
    }
}
