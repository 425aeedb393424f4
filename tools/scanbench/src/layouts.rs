//! Writing the traffic in the layouts `aidr scan` reads: CloudTrail log files (plain and
//! gzip) in the S3 folder tree, JSON lines (clean, oddly spelled, with bad lines), JSON lines
//! on a writer without holding them, and one large gzip log file. Blocks of records are
//! rendered in parallel and written in order, so the output depends only on the seed.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use flate2::Compression;
use flate2::write::GzEncoder;
use rayon::prelude::*;

use aidr_llmjacking::Rng;

use crate::mangle::{oddify, spoil};
use crate::template::format_time;
use crate::traffic::{ACCOUNTS, BLOCK, REGIONS, Traffic, time_of};

/// Random streams (labels for [`Rng::derive`]), one per use.
const LOGS: &str = "log file records";
const LINES: &str = "json lines records";
const BIG: &str = "big gzip log records";
const ODD: &str = "json lines odd spellings";
const BAD: &str = "json lines bad lines";
const LOG_REGION: &str = "log file region";
const LOG_KEY: &str = "log file key suffix";

/// Share of records respelled in `lines-odd.jsonl`, percent.
pub const ODD_PERCENT: f64 = 1.0;
/// Share of bad lines in `lines-bad.jsonl`, percent.
pub const BAD_PERCENT: f64 = 10.0;

/// What was written for one layout.
#[derive(Debug, Default, Clone)]
pub struct Written {
    pub layout: String,
    pub files: u64,
    /// Records generated (in `lines-bad`, bad lines included).
    pub records: u64,
    /// Respelled records (`lines-odd`) or bad lines (`lines-bad`).
    pub altered: u64,
    /// Uncompressed bytes.
    pub bytes: u64,
    /// Bytes stored (compressed for gzip).
    pub stored: u64,
    pub seconds: f64,
}

impl Written {
    fn new(layout: &str) -> Written {
        Written {
            layout: layout.into(),
            ..Written::default()
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::json!({
            "layout": self.layout,
            "files": self.files,
            "records": self.records,
            "altered": self.altered,
            "bytes": self.bytes,
            "stored_bytes": self.stored,
            "avg_record_bytes": self.bytes.checked_div(self.records).unwrap_or(0),
            "seconds": (self.seconds * 1000.0).round() / 1000.0,
            "records_per_s": (self.records as f64 / self.seconds.max(1e-9)).round(),
        })
        .to_string()
    }
}

/// Renders blocks `blocks` in parallel batches on a producer thread (`make`), and hands them
/// in order to `consume` until it returns false.
fn pipeline<T: Send>(
    blocks: Range<u64>,
    make: impl Fn(u64) -> T + Sync,
    mut consume: impl FnMut(T) -> io::Result<bool>,
) -> io::Result<()> {
    let batch = rayon::current_num_threads().clamp(1, 16) as u64;
    let (tx, rx) = std::sync::mpsc::sync_channel::<T>(batch as usize);
    let make = &make;
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut b = blocks.start;
            while b < blocks.end {
                let end = b.saturating_add(batch).min(blocks.end);
                let items: Vec<T> = (b..end).into_par_iter().map(make).collect();
                for item in items {
                    if tx.send(item).is_err() {
                        return;
                    }
                }
                b = end;
            }
        });
        let mut result = Ok(());
        for item in &rx {
            match consume(item) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        drop(rx);
        result
    })
}

fn create(path: &Path) -> io::Result<BufWriter<File>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = File::create(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn gzip(text: &[u8]) -> io::Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::with_capacity(text.len() / 8), Compression::default());
    gz.write_all(text)?;
    gz.finish()
}

/// The S3 key CloudTrail would deliver log file `index` under.
fn log_key(seed: u64, index: u64, account: &str, region: &str, last_record: u64) -> String {
    let mut time = String::new();
    // Delivered at the five minutes after its last record.
    format_time((time_of(last_record) / 1000 / 300 + 1) * 300, &mut time);
    let (date, clock) = (&time[..10], &time[11..16]);
    let mut rng = Rng::derive(seed, LOG_KEY, index);
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let suffix: String = (0..16).map(|_| rng.pick(ALNUM) as char).collect();
    format!(
        "AWSLogs/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}T{}Z_{suffix}.json",
        date.replace('-', "/"),
        date.replace('-', ""),
        clock.replace(':', ""),
    )
}

/// Writes `total` records as CloudTrail log files of [`BLOCK`] records (each one account and
/// region) under `out/logs` (`plain`) and `out/logs-gz` (`gz`).
pub fn write_logs(
    traffic: &Traffic,
    out: &Path,
    seed: u64,
    total: u64,
    plain: bool,
    gz: bool,
) -> io::Result<Vec<Written>> {
    let start = Instant::now();
    let files = total.div_ceil(BLOCK);
    let sizes: Vec<(u64, u64, u64)> = (0..files)
        .into_par_iter()
        .map(|f| -> io::Result<(u64, u64, u64)> {
            let count = BLOCK.min(total - f * BLOCK);
            let account = ACCOUNTS[(f % ACCOUNTS.len() as u64) as usize];
            let region = Rng::derive(seed, LOG_REGION, f).pick(REGIONS);
            let mut text = String::with_capacity(count as usize * 1700 + 32);
            text.push_str("{\"Records\":[");
            traffic.block(seed, LOGS, f, count, Some((account, region)), ",", &mut text);
            text.pop(); // the last separator
            text.push_str("]}");
            let key = log_key(seed, f, account, region, f * BLOCK + count - 1);
            if plain {
                let mut w = create(&out.join("logs").join(&key))?;
                w.write_all(text.as_bytes())?;
                w.flush()?;
            }
            let mut compressed = 0;
            if gz {
                let bytes = gzip(text.as_bytes())?;
                compressed = bytes.len() as u64;
                let mut w = create(&out.join("logs-gz").join(format!("{key}.gz")))?;
                w.write_all(&bytes)?;
                w.flush()?;
            }
            Ok((count, text.len() as u64, compressed))
        })
        .collect::<io::Result<_>>()?;
    let seconds = start.elapsed().as_secs_f64();
    let mut written = Vec::new();
    for (name, on) in [("logs", plain), ("logs-gz", gz)] {
        if !on {
            continue;
        }
        let mut w = Written::new(name);
        w.files = files;
        for (records, bytes, compressed) in &sizes {
            w.records += records;
            w.bytes += bytes;
            w.stored += if name == "logs" { *bytes } else { *compressed };
        }
        w.seconds = seconds;
        written.push(w);
    }
    Ok(written)
}

/// Which JSON-lines files to write.
#[derive(Debug, Clone, Copy)]
pub struct Lines {
    pub clean: bool,
    pub odd: bool,
    pub bad: bool,
}

/// Writes `n` records as `out/lines.jsonl`, and the same with [`ODD_PERCENT`] respelled as
/// `out/lines-odd.jsonl` and with [`BAD_PERCENT`] bad lines as `out/lines-bad.jsonl`.
pub fn write_lines(traffic: &Traffic, out: &Path, seed: u64, n: u64, which: Lines) -> io::Result<Vec<Written>> {
    let start = Instant::now();
    std::fs::create_dir_all(out)?;
    let names = [
        ("lines", which.clean),
        ("lines-odd", which.odd),
        ("lines-bad", which.bad),
    ];
    let mut writers = names
        .iter()
        .map(|(name, on)| on.then(|| create(&out.join(format!("{name}.jsonl")))).transpose())
        .collect::<io::Result<Vec<_>>>()?;
    let mut written: Vec<Written> = names.iter().map(|(name, _)| Written::new(name)).collect();
    let make = |b: u64| {
        let count = BLOCK.min(n - b * BLOCK);
        let mut clean = String::with_capacity(count as usize * 1700);
        traffic.block(seed, LINES, b, count, None, "\n", &mut clean);
        let (mut odd_rng, mut bad_rng) = (Rng::derive(seed, ODD, b), Rng::derive(seed, BAD, b));
        let (mut odd, mut bad) = (String::new(), String::new());
        let (mut odd_n, mut bad_n) = (0, 0);
        if which.odd || which.bad {
            odd.reserve(if which.odd { clean.len() + clean.len() / 50 } else { 0 });
            bad.reserve(if which.bad { clean.len() } else { 0 });
            for line in clean.lines() {
                if which.odd {
                    if odd_rng.chance(ODD_PERCENT / 100.0) {
                        odd.push_str(&oddify(line, &mut odd_rng));
                        odd_n += 1;
                    } else {
                        odd.push_str(line);
                    }
                    odd.push('\n');
                }
                if which.bad {
                    if bad_rng.chance(BAD_PERCENT / 100.0) {
                        bad.push_str(&spoil(line, &mut bad_rng).0);
                        bad_n += 1;
                    } else {
                        bad.push_str(line);
                    }
                    bad.push('\n');
                }
            }
        }
        (count, [(clean, 0), (odd, odd_n), (bad, bad_n)])
    };
    pipeline(0..n.div_ceil(BLOCK), make, |(count, texts)| {
        for ((writer, w), (text, altered)) in writers.iter_mut().zip(&mut written).zip(texts) {
            if let Some(writer) = writer {
                writer.write_all(text.as_bytes())?;
                w.records += count;
                w.altered += altered;
                w.bytes += text.len() as u64;
            }
        }
        Ok(true)
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let mut done = Vec::new();
    for (writer, mut w) in writers.into_iter().zip(written) {
        if let Some(mut writer) = writer {
            writer.flush()?;
            w.files = 1;
            w.stored = w.bytes;
            w.seconds = seconds;
            done.push(w);
        }
    }
    Ok(done)
}

/// Writes JSON lines (the records of `lines.jsonl`, and on past its end) to `out` until at
/// least `bytes` are written.
pub fn write_stream(traffic: &Traffic, seed: u64, bytes: u64, out: &mut impl Write) -> io::Result<Written> {
    let start = Instant::now();
    let mut w = Written::new("stdout");
    let make = |b: u64| {
        let mut text = String::with_capacity(BLOCK as usize * 1700);
        traffic.block(seed, LINES, b, BLOCK, None, "\n", &mut text);
        text
    };
    pipeline(0..u64::MAX / BLOCK, make, |text| {
        let mut rest = text.as_str();
        while w.bytes < bytes && !rest.is_empty() {
            let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
            out.write_all(&rest.as_bytes()[..end])?;
            w.bytes += end as u64;
            w.records += 1;
            rest = &rest[end..];
        }
        Ok(w.bytes < bytes)
    })?;
    out.flush()?;
    w.files = 1;
    w.stored = w.bytes;
    w.seconds = start.elapsed().as_secs_f64();
    Ok(w)
}

/// Counts the bytes written through it.
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes one CloudTrail log file `out/big.json.gz` (one account and region, one gzip member)
/// of at least `compressed` bytes, streaming.
pub fn write_big_gz(traffic: &Traffic, out: &Path, seed: u64, compressed: u64) -> io::Result<Written> {
    let start = Instant::now();
    let path: PathBuf = out.join("big.json.gz");
    let mut gz = GzEncoder::new(
        Counting {
            inner: create(&path)?,
            count: 0,
        },
        Compression::default(),
    );
    let mut w = Written::new("big-gz");
    gz.write_all(b"{\"Records\":[")?;
    w.bytes += 12;
    let make = |b: u64| {
        let mut text = String::with_capacity(BLOCK as usize * 1700);
        traffic.block(seed, BIG, b, BLOCK, Some((ACCOUNTS[0], "us-east-1")), ",", &mut text);
        text.pop();
        text
    };
    pipeline(0..u64::MAX / BLOCK, make, |text| {
        if w.records > 0 {
            gz.write_all(b",")?;
            w.bytes += 1;
        }
        gz.write_all(text.as_bytes())?;
        w.bytes += text.len() as u64;
        w.records += BLOCK;
        Ok(gz.get_ref().count < compressed)
    })?;
    gz.write_all(b"]}")?;
    w.bytes += 2;
    let mut counting = gz.finish()?;
    counting.flush()?;
    w.files = 1;
    w.stored = counting.count;
    w.seconds = start.elapsed().as_secs_f64();
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::default_events_dir;

    #[test]
    fn log_keys_look_like_cloudtrail_s() {
        let key = log_key(7, 3, "111122223333", "eu-west-1", 29_999);
        assert!(
            key.starts_with(
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/01/111122223333_CloudTrail_eu-west-1_20261001T0045Z_"
            ),
            "{key}"
        );
        assert!(
            key.ends_with(".json") && key.len() == key.find("0045Z_").unwrap() + 6 + 16 + 5,
            "{key}"
        );
    }

    #[test]
    fn stream_stops_after_the_size_and_matches_the_lines_file() {
        let traffic = Traffic::load(&default_events_dir()).unwrap();
        let mut out = Vec::new();
        let w = write_stream(&traffic, 7, 100_000, &mut out).unwrap();
        assert!(w.bytes >= 100_000 && w.bytes < 110_000, "{w:?}");
        assert_eq!(out.len() as u64, w.bytes);
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count() as u64, w.records);
        let mut first = String::new();
        traffic.block(7, LINES, 0, 3, None, "\n", &mut first);
        assert!(out.starts_with(first.as_bytes()));
    }
}
