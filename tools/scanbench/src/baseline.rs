//! The baselines `aidr scan` is measured against: every record parsed into a
//! `serde_json::Value`, or parsed into aidr's record type and counted (no rules); and the
//! floor under any scan, the bytes only read (and inflated, for gzip) and dropped. Log files
//! are read whole, one file per task; a JSON-lines file is read in chunks cut at line ends,
//! parsed in parallel.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use aidr_engine::input::{self, InputError, Layout, LineChunks, Sink};
use aidr_engine::{Record, ResourceSnapshot};
use rayon::prelude::*;
use serde_json::Value;

/// What each record is parsed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// `serde_json::Value`.
    Value,
    /// aidr's record type, through `aidr_engine::input::read`.
    Parse,
    /// Nothing: the bytes read (inflated through `aidr_engine::input::open` for gzip, the
    /// backend `aidr scan` uses) and dropped. Counts bytes, not records.
    Read,
}

/// Bytes of JSON lines per parallel task.
pub const CHUNK: usize = 8 << 20;

/// Counts of a run.
#[derive(Debug, Default)]
pub struct Tally {
    pub records: AtomicU64,
    pub errors: AtomicU64,
    /// Uncompressed bytes parsed.
    pub bytes: AtomicU64,
}

impl Tally {
    fn add(&self, records: u64, errors: u64, bytes: usize) {
        self.records.fetch_add(records, Ordering::Relaxed);
        self.errors.fetch_add(errors, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// Counts what aidr's reader delivers.
#[derive(Default)]
struct Count {
    records: u64,
    errors: u64,
}

impl Sink for Count {
    /// Every record, so that every record is parsed in full.
    fn wants(&self, _source: &str, _name: &str, _record: &[u8]) -> bool {
        true
    }
    fn record(&mut self, _: &Record<'_>) {
        self.records += 1;
    }
    fn resource(&mut self, _: ResourceSnapshot) {
        self.records += 1;
    }
    fn skipped(&mut self) {}
    fn error(&mut self, _: InputError) {
        self.errors += 1;
    }
}

fn is_input(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    [".json", ".jsonl", ".ndjson"].iter().any(|ext| name.ends_with(ext))
}

fn is_lines(name: &str) -> bool {
    Layout::for_name(name) == Layout::Lines
}

/// The files to read: the given files, and the inputs found under the given folders, sorted.
///
/// # Errors
/// When a path cannot be read.
pub fn inputs(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else if is_input(&path.to_string_lossy()) {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        } else {
            out.push(path.clone());
        }
    }
    out.sort();
    Ok(out)
}

fn open(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    let file = std::fs::File::open(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    input::open(io::BufReader::with_capacity(1 << 20, file))
}

/// Parses a whole text as its name implies.
fn parse_whole(mode: Mode, name: &str, text: &[u8], tally: &Tally) {
    match (mode, is_lines(name)) {
        (Mode::Read, _) | (_, true) => parse_lines(mode, name, text, tally),
        (Mode::Value, false) => {
            let (mut records, mut errors) = (0, 0);
            for value in serde_json::Deserializer::from_slice(text).into_iter::<Value>() {
                match value {
                    Ok(v) => records += v.get("Records").and_then(Value::as_array).map_or(1, |r| r.len() as u64),
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            tally.add(records, errors, text.len());
        }
        (Mode::Parse, false) => {
            let mut count = Count::default();
            input::read(text, Layout::Stream, name, &mut count);
            tally.add(count.records, count.errors, text.len());
        }
    }
}

/// Parses JSON lines (whole lines only).
fn parse_lines(mode: Mode, name: &str, text: &[u8], tally: &Tally) {
    match mode {
        Mode::Read => tally.add(0, 0, text.len()),
        Mode::Value => {
            let (mut records, mut errors) = (0, 0);
            for line in text.split(|&b| b == b'\n') {
                if line.trim_ascii().is_empty() {
                    continue;
                }
                match serde_json::from_slice::<Value>(line) {
                    Ok(_) => records += 1,
                    Err(_) => errors += 1,
                }
            }
            tally.add(records, errors, text.len());
        }
        Mode::Parse => {
            let mut count = Count::default();
            input::read(text, Layout::Lines, name, &mut count);
            tally.add(count.records, count.errors, text.len());
        }
    }
}

/// Hands each chunk of JSON lines in `reader` (about [`CHUNK`] bytes, cut at line ends) to
/// `each`.
fn chunks(reader: impl Read, mut each: impl FnMut(Vec<u8>)) -> io::Result<()> {
    LineChunks::new(reader, CHUNK).try_for_each(|chunk| chunk.map(&mut each))
}

/// At most so many chunks read and not yet parsed.
struct Gate {
    busy: Mutex<usize>,
    freed: Condvar,
}

impl Gate {
    fn enter(&self, limit: usize) {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy >= limit {
            busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy += 1;
    }

    fn leave(&self) {
        *self.busy.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.freed.notify_one();
    }
}

/// Reads `paths` on `threads` workers in `mode`.
///
/// # Errors
/// When a file cannot be read or the pool cannot start.
pub fn run(paths: &[PathBuf], mode: Mode, threads: usize) -> io::Result<Tally> {
    let tally = Tally::default();
    let (lines, whole): (Vec<&PathBuf>, Vec<&PathBuf>) = paths.iter().partition(|p| is_lines(&p.to_string_lossy()));
    let read_whole = |path: &&PathBuf| -> io::Result<()> {
        if mode == Mode::Read {
            let bytes = io::copy(&mut open(path)?, &mut io::sink())?;
            tally.add(0, 0, bytes as usize);
            return Ok(());
        }
        let mut text = Vec::new();
        open(path)?.read_to_end(&mut text)?;
        parse_whole(mode, &path.to_string_lossy(), &text, &tally);
        Ok(())
    };
    if threads <= 1 {
        whole.iter().try_for_each(read_whole)?;
        for path in lines {
            let name = path.to_string_lossy();
            chunks(open(path)?, |chunk| parse_lines(mode, &name, &chunk, &tally))?;
        }
        return Ok(tally);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(io::Error::other)?;
    pool.install(|| whole.par_iter().try_for_each(read_whole))?;
    let gate = Gate {
        busy: Mutex::new(0),
        freed: Condvar::new(),
    };
    for path in lines {
        let name = path.to_string_lossy();
        let (name, tally, gate) = (&name, &tally, &gate);
        pool.in_place_scope(|s| {
            chunks(open(path)?, |chunk| {
                gate.enter(threads * 2);
                s.spawn(move |_| {
                    parse_lines(mode, name, &chunk, tally);
                    gate.leave();
                });
            })
        })?;
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_count_the_same_records() {
        let dir = std::env::temp_dir().join(format!("scanbench-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rec = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#;
        std::fs::write(dir.join("a.json"), format!(r#"{{"Records":[{rec},{rec},{rec}]}}"#)).unwrap();
        std::fs::write(dir.join("b.jsonl"), format!("{rec}\n{rec}\n{{oops\n{rec}\n")).unwrap();
        let zipped = format!(r#"{{"Records":[{rec}]}}"#);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, zipped.as_bytes()).unwrap();
        std::fs::write(dir.join("c.json.gz"), gz.finish().unwrap()).unwrap();
        let files = inputs(std::slice::from_ref(&dir)).unwrap();
        for mode in [Mode::Value, Mode::Parse] {
            for threads in [1, 2] {
                let t = run(&files, mode, threads).unwrap();
                assert_eq!(t.records.into_inner(), 7, "{mode:?} {threads}");
                assert_eq!(t.errors.into_inner(), 1, "{mode:?} {threads}");
            }
        }
        let plain: u64 = files[..2].iter().map(|f| std::fs::metadata(f).unwrap().len()).sum();
        let on_disk = plain + zipped.len() as u64;
        for threads in [1, 2] {
            let t = run(&files, Mode::Read, threads).unwrap();
            assert_eq!(
                (t.records.into_inner(), t.bytes.into_inner()),
                (0, on_disk),
                "read (gzip inflated), {threads}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
