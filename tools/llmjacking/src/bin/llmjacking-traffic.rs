//! Generates the LLMjacking evaluation data set: a month of CloudTrail S3 log files
//! (`OUT_DIR/AWSLogs/…/*.json.gz`) of benign Bedrock traffic with six attack scenarios, and
//! `OUT_DIR/scenarios.json` describing the attacks. Deterministic for a seed.
//!
//! Usage: `llmjacking-traffic OUT_DIR [--days 30] [--seed 7]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use aidr_llmjacking::{GenerateOptions, SCENARIOS, format_time, generate};

const USAGE: &str = "usage: llmjacking-traffic OUT_DIR [--days N (default 30)] [--seed S (default 7)]";

fn parse_args() -> Result<GenerateOptions, String> {
    let mut out = None;
    let mut config = GenerateOptions {
        out: PathBuf::new(),
        days: 30,
        seed: 7,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--days" => {
                config.days = value("--days")?.parse().map_err(|e| format!("--days: {e}"))?;
                if config.days == 0 {
                    return Err("--days must be at least 1".into());
                }
            }
            "--seed" => config.seed = value("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "-h" | "--help" => return Err(String::new()),
            a if a.starts_with('-') => return Err(format!("unknown option {a}")),
            a if out.is_none() => out = Some(PathBuf::from(a)),
            a => return Err(format!("unexpected argument {a}")),
        }
    }
    config.out = out.ok_or("OUT_DIR missing")?;
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("llmjacking-traffic: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let summary = match generate(&config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("llmjacking-traffic: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "generated {} records in {} files ({:.1} MB gzip) in {secs:.1} s ({:.0} records/s): {} days, seed {}, {} benign principals",
        summary.records,
        summary.files,
        summary.bytes as f64 / 1e6,
        summary.records as f64 / secs.max(1e-9),
        config.days,
        config.seed,
        summary.benign_principals,
    );
    for s in &summary.scenarios {
        println!(
            "  {:<30} {} .. {}  {:>5} events  key {}",
            s.name,
            format_time(s.first),
            format_time(s.last),
            s.event_count(),
            s.access_key_id
        );
    }
    if summary.scenarios.len() < SCENARIOS.len() {
        println!(
            "  ({} of {} scenarios: the others fall after day {})",
            summary.scenarios.len(),
            SCENARIOS.len(),
            config.days
        );
    }
    println!("  {}", config.out.join("scenarios.json").display());
    ExitCode::SUCCESS
}
