//! `scan-traffic`: writes the scan benchmark's CloudTrail traffic (deterministic for a seed)
//! under `--out`: `logs/` and `logs-gz/` (CloudTrail log files in the S3 folder tree),
//! `lines.jsonl`, `lines-odd.jsonl`, `lines-bad.jsonl`; or `big.json.gz` (`--big-gz SIZE`);
//! or JSON lines on standard output (`--stdout --bytes SIZE`). One JSON summary line per
//! layout goes to standard error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aidr_scanbench::layouts::{self, Lines, Written};
use aidr_scanbench::parse_size;
use aidr_scanbench::traffic::{Traffic, default_events_dir};
use clap::{Parser, ValueEnum};

#[derive(Parser)]
#[command(
    name = "scan-traffic",
    about = "Writes realistic CloudTrail traffic for the scan benchmark"
)]
struct Args {
    /// Output folder.
    #[arg(long, default_value = "target/bench/scan")]
    out: PathBuf,
    /// Records in each JSON-lines file.
    #[arg(long, default_value_t = 1_000_000)]
    records: u64,
    /// Records over all the CloudTrail log files (10,000 a file).
    #[arg(long, default_value_t = 1_000_000)]
    log_records: u64,
    /// Write only this layout.
    #[arg(long, value_enum)]
    only: Option<Layout>,
    /// Write JSON lines to standard output instead (needs --bytes).
    #[arg(long, requires = "bytes", conflicts_with_all = ["only", "big_gz"])]
    stdout: bool,
    /// With --stdout: at least this much, e.g. 5G (K, M, G, T are powers of 1024).
    #[arg(long, value_parser = parse_size, requires = "stdout")]
    bytes: Option<u64>,
    /// Write only OUT/big.json.gz: one CloudTrail log file of at least this compressed size.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, conflicts_with = "only")]
    big_gz: Option<u64>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Share of records from the rule samples, percent (the rest are everyday calls).
    #[arg(long, value_name = "PERCENT", default_value_t = aidr_scanbench::traffic::SAMPLE_PERCENT)]
    sample_percent: f64,
    /// The folder of rule samples (EventBridge events) [default: the repository's events/].
    #[arg(long)]
    events: Option<PathBuf>,
    /// Generator threads [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Layout {
    Logs,
    LogsGz,
    Lines,
    LinesOdd,
    LinesBad,
}

fn run(args: Args) -> Result<(), String> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| e.to_string())?;
    }
    if !(0.0..=100.0).contains(&args.sample_percent) {
        return Err(format!(
            "--sample-percent {} is not between 0 and 100",
            args.sample_percent
        ));
    }
    let traffic =
        Traffic::load(&args.events.unwrap_or_else(default_events_dir))?.with_sample_percent(args.sample_percent);
    let report = |w: Written| eprintln!("{}", w.to_json());
    let io = |e: std::io::Error| e.to_string();
    if let Some(bytes) = args.bytes {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        let written = layouts::write_stream(&traffic, args.seed, bytes, &mut out).map_err(io)?;
        out.flush().map_err(io)?;
        report(written);
        return Ok(());
    }
    if let Some(compressed) = args.big_gz {
        report(layouts::write_big_gz(&traffic, &args.out, args.seed, compressed).map_err(io)?);
        return Ok(());
    }
    let wants = |layout: Layout| args.only.is_none_or(|only| only == layout);
    if wants(Layout::Logs) || wants(Layout::LogsGz) {
        let written = layouts::write_logs(
            &traffic,
            &args.out,
            args.seed,
            args.log_records,
            wants(Layout::Logs),
            wants(Layout::LogsGz),
        )
        .map_err(io)?;
        written.into_iter().for_each(report);
    }
    let lines = Lines {
        clean: wants(Layout::Lines),
        odd: wants(Layout::LinesOdd),
        bad: wants(Layout::LinesBad),
    };
    if lines.clean || lines.odd || lines.bad {
        let written = layouts::write_lines(&traffic, &args.out, args.seed, args.records, lines).map_err(io)?;
        written.into_iter().for_each(report);
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scan-traffic: {e}");
            ExitCode::FAILURE
        }
    }
}
