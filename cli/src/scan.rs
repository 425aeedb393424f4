//! `aidr scan`: finds the input files (and takes the objects listed in S3), streams them
//! through the pipeline on all cores (many files side by side, and a large JSON-lines file cut
//! into chunks at line ends), finishes it (the stateful detections, in event-time order over
//! all files, on an in-memory store), and gathers findings (in a stable order) and counts.
//! Memory stays bounded whatever the size of the input: a buffer per file being read, a chunk
//! per thread, and what was found.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use aidr_engine::alerting::{Allowlist, Day};
use aidr_engine::input::{self, Chunk, IgnoredFields, InputError, Layout, LineChunks};
use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_engine::{Evaluation, Finding, FindingSink, Pipeline, Severity};
use rayon::prelude::*;

use crate::output::{Output, Rendered, Style};
use crate::read_ahead::ReadAhead;

/// Most errors printed one by one; the rest are counted.
const MAX_ERRORS_SHOWN: u64 = 50;

/// The size of the chunks a JSON-lines input is cut into for reading on many threads.
const CHUNK: usize = 8 << 20;

/// One input: a file, standard input, or an object read from elsewhere ([`Remote`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Input {
    File(PathBuf),
    Stdin,
    Remote { name: String, size: u64 },
}

/// Objects read from elsewhere (S3), after the local inputs, in this order: each one's name
/// (what errors name: `s3://bucket/key`) and size in bytes, and what opens them: each call
/// gives the stored bytes (gzip or not) of the next one, streamed.
pub struct Remote {
    pub objects: Vec<(String, u64)>,
    pub open: Box<dyn FnMut() -> std::io::Result<Box<dyn Read + Send>> + Send>,
}

/// Counts the bytes read from an input, for the progress indicator.
struct Counted<R> {
    inner: R,
    done: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "-".into(),
            Input::Remote { name, .. } => name.clone(),
        }
    }

    /// The input's bytes (gunzipped when gzip) and their layout: by file name, or for stdin
    /// from the first bytes. With `spare_cores`, a large gzip input is decompressed on a
    /// thread of its own. A remote input is the next one `remote` opens.
    fn open(
        &self,
        done: &Arc<AtomicU64>,
        spare_cores: bool,
        remote: &mut dyn FnMut() -> std::io::Result<Bytes>,
    ) -> std::io::Result<(Bytes, Layout)> {
        let (raw, size): (Box<dyn Read + Send>, _) = match self {
            Input::File(p) => {
                let file = File::open(p)?;
                let size = file.metadata()?.len();
                (Box::new(file), size)
            }
            Input::Stdin => (Box::new(std::io::stdin()), u64::MAX),
            Input::Remote { size, .. } => (remote()?, *size),
        };
        let mut raw = BufReader::new(Counted {
            inner: raw,
            done: done.clone(),
        });
        let gzip = input::is_gzip(std::io::BufRead::fill_buf(&mut raw)?);
        let mut decoded = input::open(raw)?;
        if gzip && spare_cores && size > READ_AHEAD_ABOVE {
            decoded = Box::new(ReadAhead::new(decoded));
        }
        let mut bytes = BufReader::with_capacity(1 << 16, decoded);
        let layout = match self {
            Input::File(p) => Layout::for_name(&p.to_string_lossy()),
            Input::Remote { name, .. } => Layout::for_name(name),
            // Unreadable from the start (corrupt gzip): reading says so, like for a file.
            Input::Stdin => std::io::BufRead::fill_buf(&mut bytes).map_or(Layout::Stream, Layout::sniff),
        };
        Ok((Box::new(bytes), layout))
    }
}

/// File names a folder walk picks up.
fn is_log_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    [".json", ".jsonl", ".ndjson"].iter().any(|ext| name.ends_with(ext))
}

/// Adds the log files under `dir` to `out`. Symbolic links are followed once (a loop is
/// not walked twice); only regular files are read (a FIFO or device would block or never end).
fn walk(dir: &Path, out: &mut Vec<Input>, problems: &mut Vec<String>, seen: &mut HashSet<PathBuf>) {
    match dir.canonicalize() {
        Ok(real) => {
            if !seen.insert(real) {
                return;
            }
        }
        Err(e) => return problems.push(format!("{}: {e}", dir.display())),
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(format!("{}: {e}", dir.display())),
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(e) => {
                problems.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, out, problems, seen),
            Ok(meta) if meta.is_file() && is_log_file(&path) => out.push(Input::File(path)),
            Ok(_) => {}
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
}

/// An allowlist applied to a scan: findings it silences on `today` (UTC, the wall-clock day)
/// are left out of the output and counted.
#[derive(Clone, Copy)]
pub struct Allowed<'a> {
    pub allowlist: &'a Allowlist,
    pub today: Day,
}

/// How a worker turns findings into a [`Piece`]: leaves out those the allowlist silences,
/// renders the rest with `style`.
#[derive(Clone, Copy)]
struct Sift<'a> {
    style: Style,
    allowed: Option<Allowed<'a>>,
}

/// What a scan found and counted.
#[derive(Default)]
pub struct Report {
    /// Findings by severity (all of them, whatever was shown), but those the allowlist left out.
    pub by_severity: [u64; Severity::ALL.len()],
    /// With an allowlist: the findings it left out.
    pub allowlisted: Option<u64>,
    pub files: usize,
    pub records: u64,
    pub resources: u64,
    pub skipped: u64,
    /// Records and values that could not be read (scanning went on).
    pub input_errors: u64,
    /// Paths that could not be opened or read.
    pub io_errors: usize,
    /// Fields of records left out (lenient reading); the records were evaluated.
    pub ignored: IgnoredFields,
    pub elapsed: Duration,
    /// Lines of the JSON-lines input being written, before its next chunk.
    lines_before: u64,
}

/// A piece of work, in input order: a whole input streamed by one worker, or a chunk of a
/// JSON-lines input.
enum Unit {
    Whole {
        name: String,
        bytes: Bytes,
    },
    Chunk {
        name: Arc<str>,
        chunk: std::io::Result<Chunk>,
        /// The input's first chunk.
        first: bool,
    },
    /// An input that could not be opened.
    Unopened(String),
}

/// An input's decompressed bytes.
type Bytes = Box<dyn Read + Send>;

/// Gzip inputs larger than this are decompressed on a thread of their own (when there are
/// threads to spare): one large file would otherwise keep one core busy alone.
const READ_AHEAD_ABOVE: u64 = 32 << 20;

/// The units of `inputs`, opening each input only when its first unit is wanted.
struct Units {
    inputs: std::vec::IntoIter<Input>,
    /// The chunks of the JSON-lines input being cut, and whether one was given yet.
    chunks: Option<(Arc<str>, LineChunks<Bytes>, bool)>,
    done: Arc<AtomicU64>,
    spare_cores: bool,
    /// Opens the remote inputs, in order.
    remote: Box<dyn FnMut() -> std::io::Result<Bytes> + Send>,
}

impl Iterator for Units {
    type Item = Unit;
    fn next(&mut self) -> Option<Unit> {
        loop {
            if let Some((name, chunks, started)) = &mut self.chunks {
                match chunks.next() {
                    Some(chunk) => {
                        let first = !std::mem::replace(started, true);
                        return Some(Unit::Chunk {
                            name: name.clone(),
                            chunk,
                            first,
                        });
                    }
                    None => self.chunks = None,
                }
            }
            let input = self.inputs.next()?;
            let name = input.name();
            match input.open(&self.done, self.spare_cores, &mut self.remote) {
                // A remote input's error names it already.
                Err(e) if matches!(input, Input::Remote { .. }) => return Some(Unit::Unopened(e.to_string())),
                Err(e) => return Some(Unit::Unopened(format!("{name}: {e}"))),
                Ok((bytes, Layout::Lines)) => self.chunks = Some((name.into(), LineChunks::new(bytes, CHUNK), false)),
                Ok((bytes, _)) => return Some(Unit::Whole { name, bytes }),
            }
        }
    }
}

impl Unit {
    /// Reads the unit: what it gave, or why it could not be read at all. A whole input hands
    /// findings and errors to `flush` as they pile up.
    fn read(
        self,
        pipeline: &Pipeline,
        sift: &Sift<'_>,
        flush: &mut dyn FnMut(&mut Evaluation),
    ) -> Result<Piece, String> {
        match self {
            Unit::Whole { name, mut bytes } => {
                let evaluation = pipeline.read_from(&mut bytes, Layout::Stream, &name, flush);
                Ok(Piece::of(evaluation, sift))
            }
            Unit::Chunk { name, chunk, first } => {
                let (evaluation, lines) = match chunk {
                    Ok(text) => (pipeline.read(&text, Layout::Lines, &name), input::count_lines(&text)),
                    Err(e) => {
                        let error = InputError::whole(&name, format!("read failed: {e}"));
                        (
                            Evaluation {
                                errors: vec![error],
                                ..Evaluation::default()
                            },
                            0,
                        )
                    }
                };
                Ok(Piece {
                    chunk: Some((first, lines)),
                    ..Piece::of(evaluation, sift)
                })
            }
            Unit::Unopened(problem) => Err(problem),
        }
    }
}

/// Keeps workers at most `size` units ahead of the oldest unit not yet written, so that
/// what waits to be written in order stays bounded.
struct Window {
    next: Mutex<usize>,
    moved: Condvar,
    size: usize,
}

impl Window {
    fn enter(&self, seq: usize) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        while seq >= *next + self.size {
            next = self.moved.wait(next).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn advance(&self, to: usize) {
        *self.next.lock().unwrap_or_else(|e| e.into_inner()) = to;
        self.moved.notify_all();
    }

    fn is_head(&self, seq: usize) -> bool {
        *self.next.lock().unwrap_or_else(|e| e.into_inner()) == seq
    }

    /// Waits until every unit before `seq` is written.
    fn wait_head(&self, seq: usize) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        while *next < seq {
            next = self.moved.wait(next).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A unit's evaluation ready to write: its findings counted and rendered by the worker
/// (taken out of the evaluation), but those the allowlist left out (counted).
struct Piece {
    evaluation: Evaluation,
    rendered: Rendered,
    by_severity: [u64; Severity::ALL.len()],
    allowlisted: u64,
    /// For a chunk of a JSON-lines input: whether it is the first, and its lines (its errors'
    /// lines count from its start).
    chunk: Option<(bool, u64)>,
}

impl Piece {
    fn of(mut evaluation: Evaluation, sift: &Sift<'_>) -> Piece {
        let mut findings = std::mem::take(&mut evaluation.findings);
        let found = findings.len();
        if let Some(Allowed { allowlist, today }) = sift.allowed {
            findings.retain(|f| allowlist.matches(f, today).is_none());
        }
        let mut by_severity = [0; Severity::ALL.len()];
        for f in &findings {
            by_severity[f.severity as usize] += 1;
        }
        Piece {
            rendered: sift.style.render(&findings),
            evaluation,
            by_severity,
            allowlisted: (found - findings.len()) as u64,
            chunk: None,
        }
    }
}

/// What a worker sends the writer about unit `seq`.
enum Message {
    /// Findings and errors of a unit still being read (it is the oldest unwritten one).
    Part(Piece),
    Done(Result<Piece, String>),
}

/// Findings and errors a unit that is not the oldest unwritten one keeps before it waits.
const HOLD: usize = 16 * aidr_engine::pipeline::FLUSH;

/// Sends what piled up in `part` of unit `seq` once every unit before it is written; until
/// then a unit keeps up to [`HOLD`] findings and errors, then waits.
fn hand_out(at: Place<'_>, sift: &Sift<'_>, part: &mut Evaluation) {
    let (window, seq, sender) = at;
    if !window.is_head(seq) && part.findings.len() + part.errors.len() < HOLD {
        return;
    }
    window.wait_head(seq);
    let piece = Evaluation {
        findings: std::mem::take(&mut part.findings),
        errors: std::mem::take(&mut part.errors),
        ..Evaluation::default()
    };
    let _ = sender.send((seq, Message::Part(Piece::of(piece, sift))));
}

/// Where a unit is: the window, its sequence number, and the channel to the writer.
type Place<'a> = (&'a Window, usize, &'a mpsc::Sender<(usize, Message)>);

/// Scans `paths` and then the `remote` objects with `pipeline` on `threads` workers (all cores
/// when `None`), handing findings to `out` in input order (local inputs sorted by name, then
/// the remote ones in their order; records in file order), then the stateful detections'
/// findings in event-time order. With `allowed`, the findings its allowlist silences are left
/// out and counted. Unreadable files, objects and records are reported on stderr and counted
/// in the [`Report`], not returned as errors.
///
/// # Errors
/// When the worker pool cannot start, or `out` cannot be written.
pub fn run(
    pipeline: &Pipeline,
    paths: &[PathBuf],
    remote: Option<Remote>,
    threads: Option<usize>,
    allowed: Option<Allowed<'_>>,
    out: &mut Output,
) -> std::io::Result<Report> {
    let start = Instant::now();
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk(path, &mut inputs, &mut problems, &mut seen);
        } else {
            inputs.push(Input::File(path.clone()));
        }
    }
    inputs.sort();
    inputs.dedup();
    let open_remote = match remote {
        Some(Remote { objects, open }) => {
            inputs.extend(objects.into_iter().map(|(name, size)| Input::Remote { name, size }));
            open
        }
        None => Box::new(|| Err(std::io::Error::other("no remote input"))),
    };
    let total_bytes: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
            Input::Remote { size, .. } => Some(*size),
        })
        .sum();
    let mut report = Report {
        files: inputs.len(),
        allowlisted: allowed.map(|_| 0),
        ..Report::default()
    };
    for problem in &problems {
        eprintln!("error: {problem}");
        report.io_errors += 1;
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(std::io::Error::other)?;
    let window = Window {
        next: Mutex::new(0),
        moved: Condvar::new(),
        size: 4 * pool.current_num_threads(),
    };
    let done_bytes = Arc::new(AtomicU64::new(0));
    let finished = AtomicBool::new(false);
    let units = Units {
        inputs: inputs.into_iter(),
        chunks: None,
        done: done_bytes.clone(),
        spare_cores: pool.current_num_threads() > 1,
        remote: open_remote,
    };
    let mut evaluations = Vec::new();
    let written: std::io::Result<()> = std::thread::scope(|s| {
        if std::io::stderr().is_terminal() && total_bytes > 32 << 20 {
            s.spawn(|| progress(&done_bytes, total_bytes, &finished));
        }
        let (sender, results) = mpsc::channel();
        let window = &window;
        let sift = Sift {
            style: out.style(),
            allowed,
        };
        s.spawn(move || {
            pool.install(|| {
                units
                    .enumerate()
                    .par_bridge()
                    .for_each_with(sender, |sender, (seq, unit)| {
                        window.enter(seq);
                        let at = (window, seq, &*sender);
                        let result = unit.read(pipeline, &sift, &mut |part| hand_out(at, &sift, part));
                        let _ = sender.send((seq, Message::Done(result)));
                    });
            });
        });
        // Written in order: what comes early waits here (bounded by the window).
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        let mut written = Ok(());
        for (seq, message) in results {
            let result = match message {
                // Only the oldest unwritten unit sends parts.
                Message::Part(part) => {
                    if let Err(e) = report.take(Ok(part), out)
                        && written.is_ok()
                    {
                        written = Err(e);
                    }
                    continue;
                }
                Message::Done(result) => result,
            };
            waiting.insert(seq, result);
            while let Some(result) = waiting.remove(&next) {
                next += 1;
                window.advance(next);
                match report.take(result, out) {
                    Ok(kept) => evaluations.extend(kept),
                    Err(e) if written.is_ok() => written = Err(e),
                    Err(_) => {}
                }
            }
        }
        finished.store(true, Ordering::Relaxed);
        written
    });
    written?;
    for kind in report.ignored.kinds() {
        eprintln!(
            "warning: {} (in {} records; first at {}: {}); the field was left out, the records evaluated",
            kind.first.message,
            kind.count,
            kind.first.origin,
            kind.first.location()
        );
    }
    let store = MemoryStore::default();
    let sift = Sift {
        style: out.style(),
        allowed,
    };
    let mut stateful = Stateful {
        out,
        sift,
        report: &mut report,
        written: Ok(()),
    };
    now_or_never(pipeline.finish(&mut evaluations, &store, &mut stateful))
        .ok_or_else(|| std::io::Error::other("the in-memory store never waits"))?
        .map_err(std::io::Error::other)?;
    stateful.written?;
    out.finish()?;
    report.elapsed = start.elapsed();
    Ok(report)
}

/// Hands the stateful detections' findings to the output.
struct Stateful<'a> {
    out: &'a mut Output,
    sift: Sift<'a>,
    report: &'a mut Report,
    written: std::io::Result<()>,
}

impl FindingSink for Stateful<'_> {
    async fn accept(&mut self, findings: Vec<Finding>, _: &[usize]) {
        let piece = Piece::of(
            Evaluation {
                findings,
                ..Evaluation::default()
            },
            &self.sift,
        );
        if let Err(e) = self.report.take(Ok(piece), self.out)
            && self.written.is_ok()
        {
            self.written = Err(e);
        }
    }
}

/// Redraws a one-line progress indicator on stderr until `finished`.
fn progress(done: &AtomicU64, total: u64, finished: &AtomicBool) {
    let mut err = std::io::stderr();
    while !finished.load(Ordering::Relaxed) {
        let d = done.load(Ordering::Relaxed);
        let pct = d.saturating_mul(100) / total.max(1);
        let _ = write!(err, "\rscanning: {pct:>3}% ({} of {} MB)", d >> 20, total >> 20);
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = write!(err, "\r{:60}\r", "");
}

impl Report {
    /// Takes one unit's result: counts it, reports its errors (the first
    /// [`MAX_ERRORS_SHOWN`]), writes its findings; returns what the stateful detections need.
    fn take(&mut self, result: Result<Piece, String>, out: &mut Output) -> std::io::Result<Option<Evaluation>> {
        let Piece {
            mut evaluation,
            rendered,
            by_severity,
            allowlisted,
            chunk,
        } = match result {
            Ok(piece) => piece,
            Err(problem) => {
                eprintln!("error: {problem}");
                self.io_errors += 1;
                return Ok(None);
            }
        };
        if let Some((first, lines)) = chunk {
            if first {
                self.lines_before = 0;
            }
            evaluation.errors.iter_mut().for_each(|e| e.shift(self.lines_before));
            evaluation.ignored.shift(self.lines_before);
            self.lines_before += lines;
        }
        self.records += evaluation.records;
        self.resources += evaluation.resources;
        self.skipped += evaluation.skipped;
        for error in evaluation.errors.drain(..) {
            self.input_errors += 1;
            match self.input_errors {
                n if n <= MAX_ERRORS_SHOWN => eprintln!("error: {error}"),
                n if n == MAX_ERRORS_SHOWN + 1 => eprintln!("error: … further input errors are counted, not shown"),
                _ => {}
            }
        }
        self.ignored.merge(std::mem::take(&mut evaluation.ignored));
        for (total, n) in self.by_severity.iter_mut().zip(by_severity) {
            *total += n;
        }
        if let Some(total) = &mut self.allowlisted {
            *total += allowlisted;
        }
        out.write(rendered)?;
        Ok((!evaluation.observations.is_empty()).then_some(evaluation))
    }

    /// Findings of every severity.
    pub fn findings(&self) -> u64 {
        self.by_severity.iter().sum()
    }

    /// Counts by severity, highest first, for the summary.
    fn by_severity(&self) -> String {
        Severity::ALL
            .iter()
            .rev()
            .map(|&s| format!("{s} {}", self.by_severity[s as usize]))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Writes the summary: files, records (and resources, when there were any), skipped,
    /// errors, findings by severity, those the allowlist left out (with one), speed (records
    /// and resources a second).
    pub fn print_summary(&self, out: &mut impl Write) {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let resources = match self.resources {
            0 => String::new(),
            n => format!(", {n} resources"),
        };
        let ignored = match self.ignored.total() {
            0 => String::new(),
            n => format!(", {n} fields ignored"),
        };
        let allowlisted = match self.allowlisted {
            None => String::new(),
            Some(n) => format!("; {n} findings suppressed by the allowlist"),
        };
        let _ = writeln!(
            out,
            "aidr: {} files, {} records{resources}, {} skipped, {} errors{ignored}; {} findings ({}){allowlisted}; {:.2} s, {:.0} records/s",
            self.files,
            self.records,
            self.skipped,
            self.input_errors + self.io_errors as u64,
            self.findings(),
            self.by_severity(),
            secs,
            (self.records + self.resources) as f64 / secs,
        );
    }
}
