//! `user-rules`: writes N user rules for the benchmark (one YAML file each, deterministic for
//! a seed) under `--out`, every one compiled and its samples run before it is written, and
//! prints one JSON summary line to standard error: the mix of rules and condition keys, and
//! the share of the traffic's records the rules consume.

use std::path::PathBuf;
use std::process::ExitCode;

use aidr_scanbench::traffic::{Traffic, default_events_dir};
use aidr_scanbench::user_rules::{self, share};
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "user-rules",
    about = "Writes realistic user rules for the user-rules benchmark"
)]
struct Args {
    /// Rules to write.
    #[arg(long, default_value_t = 200)]
    count: usize,
    /// Output folder (files an earlier run wrote there are replaced; no other file is touched).
    #[arg(long, default_value = "target/bench/user-rules/rules")]
    out: PathBuf,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Records of the traffic over which the consumed share is measured (0: not measured).
    #[arg(long, default_value_t = 100_000)]
    share_records: u64,
    /// The folder of rule samples (EventBridge events) [default: the repository's events/].
    #[arg(long)]
    events: Option<PathBuf>,
}

fn run(args: Args) -> Result<(), String> {
    let traffic = Traffic::load(&args.events.unwrap_or_else(default_events_dir))?;
    let rules = user_rules::generate(&traffic, args.count, args.seed)?;
    user_rules::write(&args.out, &rules, args.seed).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut summary = user_rules::tally(&rules);
    summary["out"] = args.out.display().to_string().into();
    if args.share_records > 0 {
        summary["share"] = share::measure(&traffic, &rules, args.share_records, args.seed).to_json();
    }
    eprintln!("{summary}");
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("user-rules: {e}");
            ExitCode::FAILURE
        }
    }
}
