//! A light, non-recursive scan of JSON text: where a value ends, and what the top-level keys of
//! an object say about it (is it a record, and of which `eventSource` and `eventName`), without
//! building anything. Nesting of any depth costs no stack; a value nested deeper than
//! [`MAX_DEPTH`] is still skipped to its end and flagged.
//!
//! The scan checks structure (strings closed, brackets matched, keys, colons and commas in
//! place) but not the spelling of numbers and literals: the parser that builds a record does.

use std::borrow::Cow;
use std::ops::Range;

use super::brackets::skip_loose;

/// Why a scan stopped before the end of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The value goes on past the end of the bytes.
    Incomplete,
    /// Not JSON: what was wrong, and the index where it was seen.
    Invalid { at: usize, message: &'static str },
}

/// Containers nested deeper than this (serde_json's own limit) make a value unreadable.
pub(crate) const MAX_DEPTH: usize = 128;

fn invalid<T>(at: usize, message: &'static str) -> Result<T, Stop> {
    Err(Stop::Invalid { at, message })
}

/// The index of the first byte at or after `i` that is not JSON whitespace.
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// The end (after the closing quote) of the string opening at `open`, and whether it holds
/// escapes.
#[inline]
pub(crate) fn string_end(b: &[u8], open: usize) -> Result<(usize, bool), Stop> {
    string_rest(b, open + 1)
}

/// [`string_end`] from `i`, inside the string (not on an escaped byte).
#[inline]
pub(crate) fn string_rest(b: &[u8], mut i: usize) -> Result<(usize, bool), Stop> {
    let mut escaped = false;
    loop {
        match quote_or_backslash(b, i) {
            None => return Err(Stop::Incomplete),
            Some(at) if b[at] == b'"' => return Ok((at + 1, escaped)),
            Some(at) => {
                escaped = true;
                i = at + 2;
            }
        }
    }
}

/// The first `"` or `\` at or after `i`. Most strings are short: eight bytes at a time in a
/// machine word beats a vector search's set-up.
#[inline]
fn quote_or_backslash(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    // A byte of `x` is zero: the lowest flagged byte is exact (higher ones may not be).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let found = zero(w ^ QUOTES) | zero(w ^ BACKSLASHES);
        if found != 0 {
            return Some(i + found.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    let tail = b.get(i..)?;
    tail.iter().position(|&c| c == b'"' || c == b'\\').map(|k| i + k)
}

/// The end of a number going on at `i`.
#[inline]
fn number_end(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9' | b'e' | b'E' | b'+' | b'-' | b'.') = b.get(i) {
        i += 1;
    }
    i
}

/// A value skipped: where it ends, and whether it nests deeper than [`MAX_DEPTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Skipped {
    pub end: usize,
    pub too_deep: bool,
}

/// Skips the value at `start` (after whitespace). A number or literal at the top level ends
/// at the end of the bytes; everything else that reaches it is [`Stop::Incomplete`].
pub(crate) fn skip_value(b: &[u8], start: usize) -> Result<Skipped, Stop> {
    // Bit d set: level d is an object. Levels past MAX_DEPTH are skipped loosely.
    let mut objects: u128 = 0;
    let mut depth = 0usize;
    let mut too_deep = false;
    let mut i = skip_ws(b, start);
    loop {
        // At a value.
        match b.get(i) {
            None => return Err(Stop::Incomplete),
            Some(b'"') => i = string_end(b, i)?.0,
            Some(b'{' | b'[') if depth == MAX_DEPTH => {
                i = skip_loose(b, i, 0)?.0;
                too_deep = true;
            }
            Some(&c @ (b'{' | b'[')) => {
                let object = c == b'{';
                objects = if object {
                    objects | 1 << depth
                } else {
                    objects & !(1 << depth)
                };
                depth += 1;
                i = skip_ws(b, i + 1);
                match (object, b.get(i)) {
                    (_, None) => return Err(Stop::Incomplete),
                    (true, Some(b'}')) | (false, Some(b']')) => {
                        depth -= 1;
                        i += 1;
                    }
                    (true, Some(_)) => {
                        i = key(b, i)?;
                        continue;
                    }
                    (false, Some(_)) => continue,
                }
            }
            Some(&c @ (b't' | b'f' | b'n')) => {
                let word: &[u8] = match c {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                let have = &b[i..(i + word.len()).min(b.len())];
                if !word.starts_with(have) {
                    return invalid(i, "expected a value");
                }
                if have.len() < word.len() {
                    return Err(Stop::Incomplete);
                }
                i += word.len();
            }
            Some(b'-' | b'0'..=b'9') => {
                i = number_end(b, i + 1);
                if i == b.len() && depth > 0 {
                    return Err(Stop::Incomplete);
                }
            }
            Some(_) => return invalid(i, "expected a value"),
        }
        // After a value: a comma or the end of containers.
        loop {
            if depth == 0 {
                return Ok(Skipped { end: i, too_deep });
            }
            let object = objects & 1 << (depth - 1) != 0;
            i = skip_ws(b, i);
            match (object, b.get(i)) {
                (_, None) => return Err(Stop::Incomplete),
                (_, Some(b',')) => {
                    i = skip_ws(b, i + 1);
                    if object {
                        i = key(b, i)?;
                    }
                    break;
                }
                (true, Some(b'}')) | (false, Some(b']')) => {
                    depth -= 1;
                    i += 1;
                }
                (true, Some(_)) => return invalid(i, "expected ',' or '}'"),
                (false, Some(_)) => return invalid(i, "expected ',' or ']'"),
            }
        }
    }
}

/// Reads `"key" :` at `i`; returns where the value starts.
#[inline]
fn key(b: &[u8], i: usize) -> Result<usize, Stop> {
    match b.get(i) {
        None => return Err(Stop::Incomplete),
        Some(b'"') => {}
        Some(_) => return invalid(i, "expected a key"),
    }
    let i = skip_ws(b, string_end(b, i)?.0);
    match b.get(i) {
        None => Err(Stop::Incomplete),
        Some(b':') => Ok(skip_ws(b, i + 1)),
        Some(_) => invalid(i, "expected ':'"),
    }
}

/// The text of the JSON string `quoted` (quotes included) with its escapes decoded; `None`
/// when it is not a valid string (the full parser reports it).
fn decoded(quoted: &[u8]) -> Option<String> {
    serde_json::from_slice(quoted).ok()
}

/// A top-level string value of an object, as the light scan sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Text {
    #[default]
    Absent,
    /// A string without escapes: the range of its content.
    Plain(Range<usize>),
    /// A string with escapes: the range of the whole string, quotes included.
    Escaped(Range<usize>),
    /// Present, but not a string: the full parser decides.
    Other,
}

impl Text {
    fn of(b: &[u8], value: Range<usize>, escaped: bool) -> Text {
        match b[value.start] {
            b'"' if !escaped => Text::Plain(value.start + 1..value.end - 1),
            b'"' => Text::Escaped(value),
            _ => Text::Other,
        }
    }

    /// The string's text (escapes decoded), when it is a valid UTF-8 string.
    pub(crate) fn get<'b>(&self, b: &'b [u8]) -> Option<Cow<'b, str>> {
        match self {
            Text::Plain(r) => std::str::from_utf8(&b[r.clone()]).ok().map(Cow::Borrowed),
            Text::Escaped(r) => decoded(&b[r.clone()]).map(Cow::Owned),
            _ => None,
        }
    }

    pub(crate) fn is_present(&self) -> bool {
        *self != Text::Absent
    }
}

/// What the top-level keys of an object say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Keys {
    /// Where the object ends.
    pub end: usize,
    /// Some value nests deeper than [`MAX_DEPTH`].
    pub too_deep: bool,
    pub event_source: Text,
    pub event_name: Text,
    pub detail_type: Text,
    /// The value ranges of `detail`, `Records`, `configurationItems` and `resources`.
    pub detail: Option<Range<usize>>,
    pub records: Option<Range<usize>>,
    pub configuration_items: Option<Range<usize>>,
    pub resources: Option<Range<usize>>,
    pub resource_type: bool,
    /// An aidr inventory's `collected_at`: its `resources` are snapshots.
    pub collected_at: bool,
}

impl Keys {
    /// Seen `eventSource` and `eventName`, and nothing that would make it another kind of object.
    fn is_record(&self) -> bool {
        self.event_source.is_present()
            && self.event_name.is_present()
            && !self.detail_type.is_present()
            && self.records.is_none()
            && self.configuration_items.is_none()
            && !self.resource_type
    }
}

/// Walks the object opening at `open` (a `{`), noting the keys that tell what it is. Its own
/// members are checked; the values inside them, and everything after `eventSource` and
/// `eventName` once both are seen, only loosely (strings closed, brackets balanced): a
/// record is parsed in full when it is wanted.
pub(crate) fn object_keys(b: &[u8], open: usize) -> Result<Keys, Stop> {
    let mut keys = Keys::default();
    let mut i = skip_ws(b, open + 1);
    if b.get(i) == Some(&b'}') {
        keys.end = i + 1;
        return Ok(keys);
    }
    loop {
        match b.get(i) {
            None => return Err(Stop::Incomplete),
            Some(b'"') => {}
            Some(_) => return invalid(i, "expected a key"),
        }
        let (key_end, key_escaped) = string_end(b, i)?;
        // A key written with escapes (`"event\u0053ource"`) is the same key.
        let unescaped;
        let name = if key_escaped {
            unescaped = decoded(&b[i..key_end]).unwrap_or_default();
            unescaped.as_bytes()
        } else {
            &b[i + 1..key_end - 1]
        };
        i = skip_ws(b, key_end);
        match b.get(i) {
            None => return Err(Stop::Incomplete),
            Some(b':') => i = skip_ws(b, i + 1),
            Some(_) => return invalid(i, "expected ':'"),
        }
        let start = i;
        let (end, escaped) = match b.get(i) {
            None => return Err(Stop::Incomplete),
            Some(b'"') => string_end(b, i)?,
            // Containers loosely too: the parser checks what is wanted.
            Some(b'{' | b'[') => {
                let (end, deepest) = skip_loose(b, i, 0)?;
                keys.too_deep |= deepest > MAX_DEPTH;
                (end, false)
            }
            Some(_) => (skip_inner(b, i)?.end, false),
        };
        match name {
            b"eventSource" => keys.event_source = Text::of(b, start..end, escaped),
            b"eventName" => keys.event_name = Text::of(b, start..end, escaped),
            b"detail-type" => keys.detail_type = Text::of(b, start..end, escaped),
            b"detail" => keys.detail = Some(start..end),
            b"Records" => keys.records = Some(start..end),
            b"configurationItems" => keys.configuration_items = Some(start..end),
            b"resourceType" => keys.resource_type = true,
            b"resources" => keys.resources = Some(start..end),
            b"collected_at" => keys.collected_at = true,
            _ => {}
        }
        if keys.is_record() {
            // Nothing after `eventSource` and `eventName` changes what this is: find the end,
            // checking strings and brackets only.
            let (end, deepest) = skip_loose(b, end, 1)?;
            keys.too_deep |= deepest > MAX_DEPTH + 1;
            keys.end = end;
            return Ok(keys);
        }
        i = skip_ws(b, end);
        match b.get(i) {
            None => return Err(Stop::Incomplete),
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => {
                keys.end = i + 1;
                return Ok(keys);
            }
            Some(_) => return invalid(i, "expected ',' or '}'"),
        }
    }
}

/// Skips a value inside a container: one that reaches the end of the bytes may go on.
#[inline]
pub(crate) fn skip_inner(b: &[u8], start: usize) -> Result<Skipped, Stop> {
    let skipped = skip_value(b, start)?;
    if skipped.end == b.len() {
        Err(Stop::Incomplete)
    } else {
        Ok(skipped)
    }
}

/// After the last value of an object opened earlier (at a `,` or the `}`): skips the
/// remaining members; returns the index after the `}`.
pub(crate) fn object_rest(b: &[u8], mut i: usize) -> Result<usize, Stop> {
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            None => return Err(Stop::Incomplete),
            Some(b'}') => return Ok(i + 1),
            Some(b',') => i = skip_inner(b, key(b, skip_ws(b, i + 1))?)?.end,
            Some(_) => return invalid(i, "expected ',' or '}'"),
        }
    }
}

/// At `open` (a `{`): the index just inside the array when the object opens as a CloudTrail
/// log file does (`{"Records":[`), `None` when it opens otherwise.
pub(crate) fn log_file_opening(b: &[u8], open: usize) -> Result<Option<usize>, Stop> {
    const KEY: &[u8] = b"\"Records\"";
    let i = skip_ws(b, open + 1);
    let rest = b.get(i..).unwrap_or_default();
    if rest.len() < KEY.len() {
        return if KEY.starts_with(rest) {
            Err(Stop::Incomplete)
        } else {
            Ok(None)
        };
    }
    if !rest.starts_with(KEY) {
        return Ok(None);
    }
    let i = skip_ws(b, i + KEY.len());
    match b.get(i) {
        None => return Err(Stop::Incomplete),
        Some(b':') => {}
        Some(_) => return Ok(None),
    }
    let i = skip_ws(b, i + 1);
    match b.get(i) {
        None => Err(Stop::Incomplete),
        Some(b'[') => Ok(Some(i + 1)),
        Some(_) => Ok(None),
    }
}

/// Newlines in `b`.
pub(crate) fn count_newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(text: &str) -> Result<usize, Stop> {
        skip_value(text.as_bytes(), 0).map(|s| s.end)
    }

    #[test]
    fn skips_values_of_every_kind() {
        for text in [
            r#""a\"b""#,
            "{}",
            "[]",
            r#"{"a":[1,2,{"b":null}],"c":"}"}"#,
            " [ true , false , -1.5e3 ] ",
            r#"{"k\\":"\\"}"#,
        ] {
            let trimmed = text.trim_end().len();
            assert_eq!(end(&format!("{text},next")), Ok(trimmed), "{text}");
        }
        assert_eq!(end("123"), Ok(3));
        assert_eq!(end("nul"), Err(Stop::Incomplete));
        assert!(matches!(end("[nil]"), Err(Stop::Invalid { at: 1, .. })));
    }

    #[test]
    fn incomplete_and_invalid() {
        for text in [
            r#"{"a":"#,
            r#"{"a":1"#,
            "[1,",
            r#""abc"#,
            r#"{"a":[1]"#,
            "[12",
            "{",
            r#""\"#,
        ] {
            assert_eq!(end(text), Err(Stop::Incomplete), "{text}");
        }
        for (text, at) in [
            (r#"{"a" 1}"#, 5),
            (r#"{1:2}"#, 1),
            ("[1 2]", 3),
            (r#"{"a":1]"#, 6),
            ("[1}", 2),
            ("]", 0),
            ("[,1]", 1),
        ] {
            assert!(
                matches!(end(text), Err(Stop::Invalid { at: a, .. }) if a == at),
                "{text}: {:?}",
                end(text)
            );
        }
    }

    #[test]
    fn any_depth_without_recursion() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let s = skip_value(deep.as_bytes(), 0).unwrap();
        assert_eq!((s.end, s.too_deep), (deep.len(), true));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(!skip_value(ok.as_bytes(), 0).unwrap().too_deep);
        let mixed = format!(r#"{}{{"a":"]"}}{}"#, "[".repeat(300), "]".repeat(300));
        assert_eq!(end(&mixed), Ok(mixed.len()));
        let cut = "[".repeat(1000);
        assert_eq!(end(&cut), Err(Stop::Incomplete));
    }

    #[test]
    fn object_keys_find_what_an_object_is() {
        let text = r#"{"eventVersion":"1.08","userIdentity":{"eventName":"inner"},"detail":{"x":1},"resourceType":"T",
            "Records":[1],"eventSource":"iam.amazonaws.com","eventName":"Attach\u0055serPolicy"} tail"#;
        let b = text.as_bytes();
        let k = object_keys(b, 0).unwrap();
        assert_eq!(k.event_source.get(b).as_deref(), Some("iam.amazonaws.com"));
        assert_eq!(k.event_name.get(b).as_deref(), Some("AttachUserPolicy"));
        assert_eq!(&text[k.detail.clone().unwrap()], r#"{"x":1}"#);
        assert_eq!(&text[k.records.clone().unwrap()], "[1]");
        assert!(k.resource_type && !k.too_deep);
        assert_eq!(&text[k.end..], " tail");
        let numbers = object_keys(br#"{"eventName":5}"#, 0).unwrap();
        assert_eq!(numbers.event_name, Text::Other);
        assert_eq!(object_keys(br#"{"a":1"#, 0), Err(Stop::Incomplete));
        assert_eq!(object_keys(br#"{"a":12"#, 0), Err(Stop::Incomplete));
    }

    #[test]
    fn keys_and_values_written_with_escapes_are_read_as_their_text() {
        // Found by the property tests: an escaped key was not seen, so the record was lost.
        let text = r#"{"detail\u002dtype":"AWS API Call via Cloud\u0054rail","\u0052ecords":[],
            "\u0065ventSource":"iam.amazonaws.com","event\u004eame":"Put\u0055serPolicy"}"#;
        let b = text.as_bytes();
        let k = object_keys(b, 0).unwrap();
        assert_eq!(k.event_source.get(b).as_deref(), Some("iam.amazonaws.com"));
        assert_eq!(k.event_name.get(b).as_deref(), Some("PutUserPolicy"));
        assert_eq!(k.detail_type.get(b).as_deref(), Some("AWS API Call via CloudTrail"));
        assert_eq!(k.records.map(|r| &text[r]), Some("[]"));
        let bad = object_keys(br#"{"eventName":"\x"}"#, 0).unwrap();
        assert_eq!(
            bad.event_name.get(br#"{"eventName":"\x"}"#),
            None,
            "left to the full parser"
        );
    }

    #[test]
    fn after_source_and_name_a_record_is_skipped_loosely() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let text = format!(r#"{{"eventSource":"s","eventName":"n","a":{{"b":"}}"}},"x":tru,"d":{deep}}}!"#);
        let k = object_keys(text.as_bytes(), 0).unwrap();
        assert_eq!((&text[k.end..], k.too_deep), ("!", true), "the parser judges the rest");
        assert!(
            !object_keys(br#"{"eventSource":"s","eventName":"n","d":[[1]]}"#, 0)
                .unwrap()
                .too_deep
        );
        assert_eq!(
            object_keys(br#"{"eventSource":"s","eventName":"n","a":{"#, 0),
            Err(Stop::Incomplete)
        );
        assert_eq!(
            object_keys(br#"{"eventSource":"s","eventName":"n","a":"}"#, 0),
            Err(Stop::Incomplete)
        );
    }

    #[test]
    fn log_file_openings() {
        assert_eq!(log_file_opening(br#"{ "Records" : [ {"#, 0), Ok(Some(15)));
        assert_eq!(log_file_opening(br#"{"Rec"#, 0), Err(Stop::Incomplete));
        assert_eq!(log_file_opening(br#"{"Records":"#, 0), Err(Stop::Incomplete));
        assert_eq!(log_file_opening(br#"{"eventName":"#, 0), Ok(None));
        assert_eq!(log_file_opening(br#"{"Records":null}"#, 0), Ok(None));
    }
}
