//! `aidr`: scan CloudTrail files (local, or a trail's bucket in S3) with the detection catalog,
//! list the catalog, show an inventory (collected live, or saved) and judge its posture, write
//! an HTML report, read and undo the responder's actions, and queue a trail's history for the
//! detector (backfill).

mod allowlist;
mod backfill;
mod gate;
mod inventory;
mod output;
mod paths;
mod posture;
mod read_ahead;
mod report;
mod respond;
mod rules;
mod s3;
mod scan;
mod source;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aidr_engine::alerting::Day;
use aidr_engine::stateful::StatefulSettings;
use aidr_engine::{Organization, Pipeline};
use clap::{Parser, Subcommand};

/// AI detection & response for AWS: finds risky changes to Bedrock, SageMaker and IAM in
/// CloudTrail.
#[derive(Parser)]
#[command(name = "aidr", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay CloudTrail files (EventBridge events, CloudTrail log files .json/.json.gz, JSON
    /// lines; folders recursively; `-` for stdin; a trail's log files in S3,
    /// `s3://bucket/prefix/`, in a build with `--features aws`) through the detections; AWS
    /// Config configuration items in the same files go through the posture checks.
    Scan(ScanArgs),
    /// Print the detection catalog: event rules, stateful detections, posture checks, and the
    /// user rules of `--rules`/`--sigma`; `lint`, `test` and `import-sigma` user rules.
    Rules(rules::RulesArgs),
    /// Show the inventory of AI resources, collected live from AWS (a build with `--features
    /// aws`) or saved (`--from`): a table, JSON, or a CycloneDX 1.6 ML-BOM.
    Inventory(inventory::InventoryArgs),
    /// Run the posture checks on an inventory's resources (live, or `--from`); findings as
    /// `scan` writes them.
    Posture(posture::PostureArgs),
    /// List the attack paths of an inventory (live, or `--from`; posture and identities
    /// joined), most severe first: a table, JSON, Graphviz DOT, Mermaid or HTML.
    Paths(paths::PathsArgs),
    /// Write one self-contained HTML report of an inventory (live, or `--from`), its posture
    /// findings, findings of `scan`, and attack paths.
    Report(report::ReportArgs),
    /// Print the EventBridge event patterns the deployed stack uses, generated from the
    /// catalog and the user rules of `--rules`/`--sigma`: `write` events go to the detector
    /// directly, high-volume `read` events via SQS.
    Patterns(PatternsArgs),
    /// The responder's audit: list recent decisions, show one, undo a reversible action
    /// (needs a build with `--features aws`, AWS credentials and the state table).
    Respond(respond::RespondArgs),
    /// Queue a trail's CloudTrail log files in S3 (a prefix, a range of days) for the deployed
    /// back-test detector, counted under a run id; `backfill status RUN` follows the run
    /// (needs a build with `--features aws`, AWS credentials, the queue and the state table).
    Backfill(backfill::BackfillArgs),
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files, folders, `-` for standard input, or `s3://bucket/prefix/` (the CloudTrail log
    /// files under it).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// s3://: only log files of this day or later (UTC, by the date in their key), YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = aidr_engine::trail::parse_day)]
    from: Option<i64>,
    /// s3://: only log files of this day or earlier, YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = aidr_engine::trail::parse_day)]
    to: Option<i64>,
    /// s3://: objects opened at once, ahead of the readers (1 to 64).
    #[arg(long, value_name = "N", default_value_t = s3::DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// s3://: the region of the buckets (default: `AWS_REGION`, the standard chain's).
    #[arg(long, value_name = "REGION", value_parser = s3::region)]
    bucket_region: Option<String>,
    #[arg(long, value_enum, default_value_t = output::Format::Table)]
    format: output::Format,
    #[command(flatten)]
    gate: crate::gate::Gate,
    /// Worker threads for parsing files, 1 to 1024 (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Only the single-event rules: skip the stateful LLMjacking detections.
    #[arg(long)]
    no_stateful: bool,
    /// A window or threshold of the stateful detections, e.g. `probe_threshold=20`
    /// (repeatable; names and defaults in the README).
    #[arg(long = "stateful-setting", value_name = "NAME=VALUE")]
    stateful_settings: Vec<String>,
    /// A YAML allowlist of expected findings (rule, caller, account, resource, last day,
    /// reason; see docs/rules.md): the findings it suppresses today are left out of the output
    /// and the --fail-on gate, and counted in the summary.
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    #[command(flatten)]
    user: rules::sources::UserRuleArgs,
}

#[derive(clap::Args)]
struct PatternsArgs {
    #[command(flatten)]
    user: rules::sources::UserRuleArgs,
    /// Print one EventBridge pattern (JSON, one line) of the user rules' events only, for the
    /// template's user rules parameter.
    #[arg(long)]
    only_user_rules: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Rules(args) => rules::main(args),
        Command::Patterns(args) => run_patterns(args),
        Command::Inventory(args) => inventory::main(args),
        Command::Posture(args) => posture::main(args),
        Command::Paths(args) => paths::main(args),
        Command::Report(args) => report::main(args),
        Command::Respond(args) => return respond::main(args),
        Command::Backfill(args) => return backfill::main(args),
    };
    result.unwrap_or_else(|e| {
        eprintln!("aidr: {e}");
        ExitCode::from(2)
    })
}

/// Without the `aws` feature `what` cannot reach AWS: says how to build it; exit status 2.
#[cfg(not(feature = "aws"))]
fn without_aws(what: &str) -> ExitCode {
    eprintln!(
        "aidr: this build has no AWS support (the scan needs none); build {what} with `cargo install --path cli --features aws`"
    );
    ExitCode::from(2)
}

fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        // A closed pipe (`aidr scan … | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The organization of `--org-account` ids, or the exit status after saying which is no
/// account id.
fn organization(accounts: &[String]) -> Result<Organization, ExitCode> {
    for account in accounts {
        if !aidr_engine::aws_ids::is_account_id(account) {
            eprintln!("aidr: --org-account {account:?} is not a 12-digit AWS account id");
            return Err(ExitCode::from(2));
        }
    }
    Ok(Organization {
        accounts: accounts.to_vec(),
    })
}

/// The local paths and the S3 URLs of `scan`'s arguments, checked with `--from` and `--to`.
///
/// # Errors
/// A message when an S3 URL is malformed, `--from` is after `--to`, or they are given
/// without an S3 URL.
fn scan_sources(args: &ScanArgs) -> Result<(Vec<PathBuf>, Vec<s3::S3Url>), String> {
    let (mut local, mut urls) = (Vec::new(), Vec::new());
    for path in &args.paths {
        match path.to_str().filter(|p| s3::is_s3_url(p)) {
            Some(url) => urls.push(s3::S3Url::parse(url)?),
            None => local.push(path.clone()),
        }
    }
    backfill::check_days(args.from, args.to)?;
    if urls.is_empty() && (args.from.is_some() || args.to.is_some()) {
        return Err("--from and --to choose the days of the log files of s3:// URLs, and no s3:// URL is given".into());
    }
    if urls.is_empty() && args.bucket_region.is_some() {
        return Err("--bucket-region is the region of the buckets of s3:// URLs, and no s3:// URL is given".into());
    }
    Ok((local, urls))
}

/// `aidr patterns`: the two patterns of the catalog and the user rules, pretty JSON; or with
/// `--only-user-rules`, one pattern of the user rules' events, on one line.
fn run_patterns(args: PatternsArgs) -> std::io::Result<ExitCode> {
    let loaded = match args.user.load() {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let text = if args.only_user_rules {
        let keys = loaded.user_event_keys();
        match aidr_engine::patterns::pattern(&keys) {
            Some(pattern) => pattern.to_string() + "\n",
            None => {
                eprintln!("aidr: --only-user-rules: no user rule is loaded (give --rules or --sigma)");
                return Ok(ExitCode::from(2));
            }
        }
    } else {
        let patterns = aidr_engine::patterns::patterns(&loaded.registry);
        serde_json::to_string_pretty(&patterns).unwrap_or_default() + "\n"
    };
    write_stdout(text.as_bytes()).map(|()| ExitCode::SUCCESS)
}

fn run_scan(args: ScanArgs) -> std::io::Result<ExitCode> {
    let organization = match args.gate.organization() {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let (local, urls) = match scan_sources(&args) {
        Ok(sources) => sources,
        Err(e) => {
            eprintln!("aidr: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut settings = StatefulSettings::default();
    for setting in &args.stateful_settings {
        if let Err(e) = settings.apply(setting) {
            eprintln!("aidr: --stateful-setting {e}");
            return Ok(ExitCode::from(2));
        }
    }
    let stateful = (!args.no_stateful).then_some(settings);
    let registry = match args.user.load() {
        Ok(loaded) => loaded.registry,
        Err(code) => return Ok(code),
    };
    let pipeline = Pipeline::new(registry, organization, stateful);
    let today = Day::of_unix_secs(aidr_engine::time::now_secs());
    let allowlist = match args.allowlist.as_deref() {
        None => None,
        Some(path) => match allowlist::load(path, pipeline.registry(), today) {
            Ok(allowlist) => Some(allowlist),
            Err(e) => {
                eprintln!("aidr: --allowlist {e}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let allowed = allowlist.as_ref().map(|allowlist| scan::Allowed { allowlist, today });
    let rule_ids = pipeline.registry().detections().iter().map(|d| d.metadata().id);
    let stdout = Box::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()));
    let style = output::Style::new(args.format, args.gate.min_severity, rule_ids);
    let mut out = output::Output::new(style, stdout);
    if let Some(page) = out.page_mut() {
        page.sources = args.paths.iter().map(|p| p.display().to_string()).collect();
    }
    let remote = match urls.is_empty() {
        true => None,
        false => Some(s3::scan_inputs(
            &urls,
            args.from,
            args.to,
            usize::from(args.concurrency),
            args.bucket_region.as_deref(),
        )?),
    };
    let report = scan::run(
        &pipeline,
        &local,
        remote,
        args.threads.map(usize::from),
        allowed,
        &mut out,
    )?;
    report.print_summary(&mut std::io::stderr());
    let failed = args.gate.fails(out.highest());
    Ok(if report.io_errors > 0 {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("aidr").chain(args.iter().copied()))
    }

    fn scan_args(args: &[&str]) -> ScanArgs {
        match parse(&[&["scan"], args].concat()).unwrap().command {
            Command::Scan(args) => args,
            _ => panic!("not a scan"),
        }
    }

    #[test]
    fn backfill_and_its_status_parse_and_check_their_flags() {
        let queue = ["backfill", "--bucket", "trail-logs", "--queue-url", "https://sqs/q"];
        let Command::Backfill(args) = parse(&queue).unwrap().command else {
            panic!()
        };
        assert!(args.command.is_none());
        assert_eq!(
            (args.queue.bucket.as_deref(), args.queue.prefix.as_str()),
            (Some("trail-logs"), "")
        );
        let Command::Backfill(args) = parse(&["backfill", "status", "r-1", "--table", "t", "--json"])
            .unwrap()
            .command
        else {
            panic!()
        };
        let Some(backfill::BackfillCommand::Status(status)) = args.command else {
            panic!()
        };
        assert_eq!(
            (status.run.as_str(), status.table.as_deref(), status.json),
            ("r-1", Some("t"), true)
        );

        // A dry run needs no queue; a real one does, and a bucket.
        assert!(parse(&["backfill", "--bucket", "trail-logs", "--dry-run"]).is_ok());
        let Command::Backfill(args) = parse(&[&queue[..], &["--bucket-region", "eu-west-1"]].concat())
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!(args.queue.bucket_region.as_deref(), Some("eu-west-1"));
        assert!(parse(&[&queue[..], &["--bucket-region", "eu_west_1"]].concat()).is_err());
        assert!(parse(&["backfill", "--bucket", "trail-logs"]).is_err());
        assert!(parse(&["backfill", "--queue-url", "https://sqs/q"]).is_err());
        for bad in [
            &[&queue[..], &["--run", "has space"]].concat()[..],
            &[&queue[..], &["--from", "2026-13-01"]].concat(),
            &["backfill", "--bucket", "a/b", "--dry-run"],
            &["backfill", "status", "bad/run"],
            &["backfill", "status"],
            &[&queue[..], &["status", "r1"]].concat(),
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn scan_splits_s3_urls_from_paths_and_checks_the_days() {
        let args = scan_args(&[
            "events/",
            "s3://trail-logs/AWSLogs/",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-02",
        ]);
        let (local, urls) = scan_sources(&args).unwrap();
        assert_eq!(local, [PathBuf::from("events/")]);
        assert_eq!(urls[0].bucket, "trail-logs");
        assert_eq!(args.concurrency, s3::DEFAULT_CONCURRENCY);
        let only_local = scan_args(&["events/", "--from", "2026-10-01"]);
        assert!(scan_sources(&only_local).unwrap_err().contains("no s3:// URL"));
        let reversed = scan_args(&["s3://trail-logs/", "--from", "2026-10-02", "--to", "2026-10-01"]);
        assert!(scan_sources(&reversed).unwrap_err().contains("is after"));
        assert!(scan_sources(&scan_args(&["s3://x"])).is_err());
        assert!(parse(&["scan", "s3://trail-logs/", "--concurrency", "0"]).is_err());
        assert_eq!(args.bucket_region, None);
        let elsewhere = scan_args(&["s3://trail-logs/", "--bucket-region", "eu-west-1"]);
        assert_eq!(elsewhere.bucket_region.as_deref(), Some("eu-west-1"));
        assert!(parse(&["scan", "s3://trail-logs/", "--bucket-region", "Ireland"]).is_err());
        let only_local = scan_args(&["events/", "--bucket-region", "eu-west-1"]);
        assert!(scan_sources(&only_local).unwrap_err().contains("no s3:// URL"));
    }

    #[test]
    fn organization_goes_with_neither_accounts_nor_a_saved_inventory() {
        assert!(parse(&["inventory", "--organization", "--region", "us-east-1"]).is_ok());
        assert!(parse(&["paths", "--organization", "--role-name", "reader"]).is_ok());
        for command in ["inventory", "posture", "paths", "report"] {
            assert!(parse(&[command, "--organization", "--account", "111122223333"]).is_err());
            assert!(parse(&[command, "--organization", "--from", "inv.json"]).is_err());
        }
    }
}
