//! `aidr scan`: finds the input files, streams them through the pipeline on all cores (many
//! files side by side, and a large JSON-lines file cut into chunks at line ends), finishes it
//! (the stateful detections, in event-time order over all files, on an in-memory store), and
//! gathers findings (in a stable order) and counts. Memory stays bounded whatever the size of
//! the input: a buffer per file being read, a chunk per thread, and what was found.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aidr_engine::input::{self, IgnoredFields, InputError, Layout, LineChunks};
use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_engine::{Evaluation, Finding, Pipeline, Severity};
use rayon::prelude::*;

/// Most errors printed one by one; the rest are counted.
const MAX_ERRORS_SHOWN: usize = 50;

/// The size of the chunks a JSON-lines input is cut into for reading on many threads.
const CHUNK: usize = 8 << 20;

/// One input: a file or standard input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Input {
    File(PathBuf),
    Stdin,
}

/// Counts the bytes read from an input, for the progress indicator.
struct Counted<'a, R> {
    inner: R,
    done: &'a AtomicU64,
}

impl<R: Read> Read for Counted<'_, R> {
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
        }
    }

    /// The input's bytes (gunzipped when gzip) and their layout: by file name, or for stdin
    /// from the first bytes.
    fn open<'a>(&self, done: &'a AtomicU64) -> std::io::Result<(Box<dyn Read + Send + 'a>, Layout)> {
        let raw: Box<dyn Read + Send> = match self {
            Input::File(p) => Box::new(File::open(p)?),
            Input::Stdin => Box::new(std::io::stdin()),
        };
        let mut bytes = BufReader::with_capacity(1 << 16, input::open(BufReader::new(Counted { inner: raw, done }))?);
        let layout = match self {
            Input::File(p) => Layout::for_name(&p.to_string_lossy()),
            Input::Stdin => Layout::sniff(std::io::BufRead::fill_buf(&mut bytes)?),
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

fn walk(dir: &Path, out: &mut Vec<Input>, problems: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(format!("{}: {e}", dir.display())),
    };
    for entry in entries {
        match entry.map(|e| e.path()) {
            Ok(path) if path.is_dir() => walk(&path, out, problems),
            Ok(path) if is_log_file(&path) => out.push(Input::File(path)),
            Ok(_) => {}
            Err(e) => problems.push(format!("{}: {e}", dir.display())),
        }
    }
}

/// What a scan found and counted.
#[derive(Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub files: usize,
    pub records: u64,
    pub resources: u64,
    pub skipped: u64,
    /// Records and values that could not be read (scanning went on).
    pub input_errors: Vec<InputError>,
    /// Paths that could not be opened or read.
    pub io_errors: usize,
    /// Fields of records left out (lenient reading); the records were evaluated.
    pub ignored: IgnoredFields,
    pub elapsed: Duration,
}

/// Reads one input: JSON lines in chunks on all threads, any other layout streamed.
fn scan_one(pipeline: &Pipeline, input: &Input, done: &AtomicU64) -> Result<Vec<Evaluation>, String> {
    let name = input.name();
    let (mut bytes, layout) = input.open(done).map_err(|e| format!("{name}: {e}"))?;
    if layout == Layout::Stream {
        return Ok(vec![pipeline.read_from(&mut bytes, layout, &name)]);
    }
    let mut evaluations: Vec<(usize, Evaluation)> = LineChunks::new(bytes, CHUNK)
        .enumerate()
        .par_bridge()
        .map(|(i, chunk)| match chunk {
            Ok(chunk) => (i, pipeline.read_at(&chunk.text, layout, &name, chunk.first_line)),
            Err(e) => {
                let error = InputError {
                    origin: name.clone(),
                    location: String::new(),
                    message: format!("read failed: {e}"),
                };
                (
                    i,
                    Evaluation {
                        errors: vec![error],
                        ..Evaluation::default()
                    },
                )
            }
        })
        .collect();
    evaluations.sort_by_key(|(i, _)| *i);
    Ok(evaluations.into_iter().map(|(_, e)| e).collect())
}

/// Scans `paths` with `pipeline` on `threads` workers (all cores when `None`). Unreadable
/// files and records are counted and reported in the [`Report`], not returned as errors.
///
/// # Errors
/// When the worker pool cannot start.
pub fn run(pipeline: &Pipeline, paths: &[PathBuf], threads: Option<usize>) -> std::io::Result<Report> {
    let start = Instant::now();
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk(path, &mut inputs, &mut problems);
        } else {
            inputs.push(Input::File(path.clone()));
        }
    }
    inputs.sort();
    inputs.dedup();
    let total_bytes: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
        })
        .sum();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(std::io::Error::other)?;
    let done_bytes = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    let results: Vec<Result<Vec<Evaluation>, String>> = std::thread::scope(|s| {
        if std::io::stderr().is_terminal() && total_bytes > 32 << 20 {
            s.spawn(|| progress(&done_bytes, total_bytes, &finished));
        }
        let results = pool.install(|| inputs.par_iter().map(|i| scan_one(pipeline, i, &done_bytes)).collect());
        finished.store(true, Ordering::Relaxed);
        results
    });

    let mut report = Report {
        files: inputs.len(),
        ..Report::default()
    };
    let mut evaluations = Vec::new();
    for problem in &problems {
        eprintln!("error: {problem}");
        report.io_errors += 1;
    }
    for result in results {
        match result {
            Ok(read) => {
                for mut evaluation in read {
                    report.records += evaluation.records;
                    report.resources += evaluation.resources;
                    report.skipped += evaluation.skipped;
                    report.input_errors.append(&mut evaluation.errors);
                    report.ignored.merge(std::mem::take(&mut evaluation.ignored));
                    evaluations.push(evaluation);
                }
            }
            Err(problem) => {
                eprintln!("error: {problem}");
                report.io_errors += 1;
            }
        }
    }
    for error in report.input_errors.iter().take(MAX_ERRORS_SHOWN) {
        eprintln!("error: {error}");
    }
    if report.input_errors.len() > MAX_ERRORS_SHOWN {
        eprintln!(
            "error: … and {} more input errors",
            report.input_errors.len() - MAX_ERRORS_SHOWN
        );
    }
    for kind in report.ignored.kinds() {
        eprintln!(
            "warning: {} (in {} records; first at {}: {}); the field was left out, the records evaluated",
            kind.first.message, kind.count, kind.first.origin, kind.first.location
        );
    }
    let store = MemoryStore::default();
    now_or_never(pipeline.finish(&mut evaluations, &store, &mut report.findings))
        .ok_or_else(|| std::io::Error::other("the in-memory store never waits"))?
        .map_err(std::io::Error::other)?;
    Finding::sort(&mut report.findings);
    report.elapsed = start.elapsed();
    Ok(report)
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
    /// Counts by severity, highest first, for the summary.
    fn by_severity(&self) -> String {
        Severity::ALL
            .iter()
            .rev()
            .map(|&s| format!("{s} {}", self.findings.iter().filter(|f| f.severity == s).count()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Writes the summary: files, records (and resources, when there were any), skipped,
    /// errors, findings by severity, speed (records and resources a second).
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
        let _ = writeln!(
            out,
            "aidr: {} files, {} records{resources}, {} skipped, {} errors{ignored}; {} findings ({}); {:.2} s, {:.0} records/s",
            self.files,
            self.records,
            self.skipped,
            self.input_errors.len() + self.io_errors,
            self.findings.len(),
            self.by_severity(),
            secs,
            (self.records + self.resources) as f64 / secs,
        );
    }
}
