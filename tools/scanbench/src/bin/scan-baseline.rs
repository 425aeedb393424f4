//! `scan-baseline`: reads CloudTrail files the plain way, for comparing `aidr scan` with:
//! `--mode value` parses every record into a `serde_json::Value`, `--mode parse` into aidr's
//! record type (no rules), `--mode read` only reads (for gzip, inflates) the bytes. Prints
//! one JSON line: mode, threads, records, seconds, records_per_s, errors, bytes
//! (uncompressed).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use aidr_scanbench::baseline::{self, Mode};
use clap::Parser;

#[derive(Parser)]
#[command(name = "scan-baseline", about = "Parse-only baselines for the scan benchmark")]
struct Args {
    #[arg(long, value_enum)]
    mode: Mode,
    /// Worker threads [default: all cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Files, or folders (every *.json, *.json.gz, *.jsonl, *.ndjson under them).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let start = Instant::now();
    let result = baseline::inputs(&args.paths).and_then(|files| baseline::run(&files, args.mode, threads));
    let seconds = start.elapsed().as_secs_f64();
    match result {
        Ok(tally) => {
            let records = tally.records.load(Ordering::Relaxed);
            let line = serde_json::json!({
                "mode": format!("{:?}", args.mode).to_lowercase(),
                "threads": threads,
                "records": records,
                "seconds": (seconds * 1000.0).round() / 1000.0,
                "records_per_s": (records as f64 / seconds.max(1e-9)).round(),
                "errors": tally.errors.load(Ordering::Relaxed),
                "bytes": tally.bytes.load(Ordering::Relaxed),
            });
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scan-baseline: {e}");
            ExitCode::FAILURE
        }
    }
}
