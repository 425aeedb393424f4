//! `aidr backfill`: queues the CloudTrail log files of a trail's bucket (a prefix, a range of
//! days) for the back-test detector, one message per file, and counts them in the state table
//! under a run id (a new one: a run that has counters is refused); `aidr backfill status RUN`
//! reads the run's counters (queued, done, failed, findings). With the `aws` feature the commands reach S3, SQS and DynamoDB with the
//! caller's AWS credentials; the sending is `aidr_aws::backfill`'s.

// Without the `aws` feature only the tests run the status on a store.
#![cfg_attr(not(feature = "aws"), allow(dead_code))]

use std::fmt::Write as _;

use aidr_engine::ports::StateStore;
use aidr_engine::trail::{self, ObjectKind, Progress};

/// `aidr backfill`: queue a trail's log files, or (`status`) follow a run.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackfillArgs {
    #[command(subcommand)]
    pub command: Option<BackfillCommand>,
    #[command(flatten)]
    pub queue: QueueArgs,
}

/// The `backfill` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum BackfillCommand {
    /// A run's progress: queued, done, failed, findings, in flight.
    Status(StatusArgs),
}

/// What to queue, where.
#[derive(clap::Args, Debug)]
pub struct QueueArgs {
    /// The bucket the trail delivers its log files to.
    #[arg(long, required = true, value_parser = crate::s3::bucket_name)]
    pub bucket: Option<String>,
    /// The key prefix to list (`AWSLogs/`, `AWSLogs/o-…/111122223333/`; default the whole
    /// bucket).
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// The first day of log files (UTC, by the date in their key), YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = trail::parse_day)]
    pub from: Option<i64>,
    /// The last day of log files, YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = trail::parse_day)]
    pub to: Option<i64>,
    /// The region of the bucket (default: `AWS_REGION`, the standard chain's, where the queue
    /// and the state table are reached).
    #[arg(long, value_name = "REGION", value_parser = crate::s3::region)]
    pub bucket_region: Option<String>,
    /// The backfill queue (the stack's `BackfillQueueUrl`).
    #[arg(long, value_name = "URL", required_unless_present = "dry_run")]
    pub queue_url: Option<String>,
    /// The state table (default: `AIDR_STATE_TABLE`).
    #[arg(long)]
    pub table: Option<String>,
    /// The run id (letters, digits, `-`, `_`; at most 64; default `backfill-<UTC date>-<8 hex>`);
    /// a new one: a run that has counters already is refused.
    #[arg(long, value_parser = run_id)]
    pub run: Option<String>,
    /// List and print what would be queued; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Which run to show.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// The run id `aidr backfill` printed.
    #[arg(value_parser = run_id)]
    pub run: String,
    /// The state table (default: `AIDR_STATE_TABLE`).
    #[arg(long)]
    pub table: Option<String>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A run id: 1 to 64 letters, digits, `-` or `_`.
///
/// # Errors
/// A message when it is not one.
pub fn run_id(value: &str) -> Result<String, String> {
    let fits = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match fits {
        true => Ok(value.to_owned()),
        false => Err("not a run id: 1 to 64 letters, digits, `-` or `_`".into()),
    }
}

/// The default run id at `now` (Unix seconds): `backfill-<YYYY-MM-DD>-<8 hex digits>`.
pub fn default_run(now: i64, random: u128) -> String {
    let date = &aidr_engine::time::format_secs(now)[..10];
    format!("backfill-{date}-{:08x}", random as u32)
}

/// The days asked, checked: `--from` may not be after `--to`.
///
/// # Errors
/// A message when it is.
pub fn check_days(from: Option<i64>, to: Option<i64>) -> Result<(), String> {
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(format!("--from {} is after --to {}", day(f), day(t))),
        _ => Ok(()),
    }
}

/// `YYYY-MM-DD` of a day number.
pub fn day(days: i64) -> String {
    aidr_engine::time::format_secs(days * 86_400)[..10].to_owned()
}

/// `from` to `to`, for messages (`any day` when open).
pub fn days(from: Option<i64>, to: Option<i64>) -> String {
    match (from, to) {
        (None, None) => "any day".into(),
        (Some(f), None) => format!("from {}", day(f)),
        (None, Some(t)) => format!("to {}", day(t)),
        (Some(f), Some(t)) => format!("{} to {}", day(f), day(t)),
    }
}

/// A run's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub run: String,
    pub queued: i64,
    pub done: i64,
    pub failed: i64,
    pub findings: i64,
}

impl Status {
    /// Queued and neither done nor failed yet (never below 0: the detector may count an
    /// object before its batch is counted as queued).
    pub fn in_flight(&self) -> i64 {
        (self.queued - self.done - self.failed).max(0)
    }

    /// The share of the queued objects done or failed, in percent (at most 100); `None`
    /// before anything is counted as queued.
    pub fn percent_done(&self) -> Option<f64> {
        (self.queued > 0).then(|| ((self.done + self.failed) as f64 * 100.0 / self.queued as f64).min(100.0))
    }

    /// The text or JSON `aidr backfill status` prints.
    pub fn render(&self, json: bool) -> String {
        if json {
            let value = serde_json::json!({
                "run": self.run,
                "queued": self.queued,
                "done": self.done,
                "failed": self.failed,
                "findings": self.findings,
                "in_flight": self.in_flight(),
                "percent_done": self.percent_done().map(|p| (p * 10.0).round() / 10.0),
            });
            return format!("{value}\n");
        }
        let percent = self
            .percent_done()
            .map_or_else(|| "-".to_owned(), |p| format!("{p:.1}%"));
        let mut out = format!("run {}\n", self.run);
        for (name, value) in [
            ("queued", self.queued.to_string()),
            ("done", self.done.to_string()),
            ("failed", self.failed.to_string()),
            ("in flight", self.in_flight().to_string()),
            ("findings", self.findings.to_string()),
            ("complete", percent),
        ] {
            let _ = writeln!(out, "  {name:<10} {value:>10}");
        }
        out
    }
}

/// The counters of `run` in `store`.
///
/// # Errors
/// A message when the store cannot be read, or it has no counter of the run (unknown, or
/// expired after [`trail::PROGRESS_TTL_SECS`]).
pub async fn status<S: StateStore>(store: &S, run: &str, now: i64) -> Result<Status, String> {
    existing(store, run, now).await?.ok_or_else(|| {
        format!(
            "no backfill run {run:?} in the state table (its counters live {} days)",
            trail::PROGRESS_TTL_SECS / 86_400
        )
    })
}

/// The counters of `run` in `store`, when it has any.
///
/// # Errors
/// A message when the store cannot be read.
pub async fn existing<S: StateStore>(store: &S, run: &str, now: i64) -> Result<Option<Status>, String> {
    let keys: Vec<String> = Progress::ALL.iter().map(|p| p.key(run)).collect();
    let items = store.get_many(&keys, now).await.map_err(|e| e.to_string())?;
    if items.iter().all(Option::is_none) {
        return Ok(None);
    }
    let value = |p: Progress| {
        let at = Progress::ALL.iter().position(|q| *q == p).unwrap_or_default();
        items.get(at).copied().flatten().map_or(0, |i| i.value)
    };
    Ok(Some(Status {
        run: run.to_owned(),
        queued: value(Progress::Queued),
        done: value(Progress::Done),
        failed: value(Progress::Failed),
        findings: value(Progress::Findings),
    }))
}

/// Why a new backfill may not go on under run `existing.run`, which has counters: its
/// `queued` would count two listings and never be done.
pub fn run_exists(existing: &Status) -> String {
    let run = &existing.run;
    format!(
        "run {run} exists (queued {}): choose another --run, or see `aidr backfill status {run}`",
        existing.queued
    )
}

/// The region SQS and DynamoDB are reached in: the standard chain's (empty is none).
///
/// # Errors
/// A message saying what to set when it gives none.
pub fn stack_region(chain: Option<&str>) -> Result<&str, String> {
    chain.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
        "no AWS region for the queue and the state table: set AWS_REGION (or `region` in your AWS profile) to the aidr stack's region".into()
    })
}

/// The log files of one account and region a listing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub account: String,
    pub region: String,
    pub objects: u64,
    pub bytes: u64,
    pub first: String,
    pub last: String,
}

/// The log files `(key, size)` (sorted by key) by account and region, each with its first and
/// last key.
pub fn groups<'a>(files: impl IntoIterator<Item = (&'a str, u64)>) -> Vec<Group> {
    let mut groups: std::collections::BTreeMap<(String, String), Group> = Default::default();
    for (key, size) in files {
        let (account, region) = match trail::classify(key) {
            ObjectKind::LogFile(k) => (k.account, k.region),
            _ => (String::new(), String::new()),
        };
        let group = groups
            .entry((account.clone(), region.clone()))
            .or_insert_with(|| Group {
                account,
                region,
                objects: 0,
                bytes: 0,
                first: key.to_owned(),
                last: key.to_owned(),
            });
        group.objects += 1;
        group.bytes += size;
        if key < group.first.as_str() {
            group.first = key.to_owned();
        }
        if key > group.last.as_str() {
            group.last = key.to_owned();
        }
    }
    groups.into_values().collect()
}

/// What `--dry-run` prints: the count and bytes, then each account and region.
pub fn dry_run_text(run: &str, source: &str, groups: &[Group], json: bool) -> String {
    let objects: u64 = groups.iter().map(|g| g.objects).sum();
    let bytes: u64 = groups.iter().map(|g| g.bytes).sum();
    if json {
        let groups: Vec<serde_json::Value> = groups
            .iter()
            .map(|g| {
                serde_json::json!({"account": g.account, "region": g.region, "objects": g.objects,
                    "bytes": g.bytes, "first": g.first, "last": g.last})
            })
            .collect();
        let value = serde_json::json!({"dry_run": true, "run": run, "source": source,
            "objects": objects, "bytes": bytes, "groups": groups});
        return format!("{value}\n");
    }
    let mut out = format!("dry run {run}: would queue {objects} log files ({bytes} bytes) of {source}; nothing sent\n");
    if !groups.is_empty() {
        let _ = writeln!(
            out,
            "{:<12} {:<15} {:>8} {:>14}  FIRST / LAST",
            "ACCOUNT", "REGION", "FILES", "BYTES"
        );
    }
    for g in groups {
        let _ = writeln!(
            out,
            "{:<12} {:<15} {:>8} {:>14}  {}\n{:>54}{}",
            g.account, g.region, g.objects, g.bytes, g.first, "", g.last
        );
    }
    out
}

#[cfg(feature = "aws")]
mod aws {
    //! The commands on the deployed stack: S3, SQS and DynamoDB.

    use std::process::ExitCode;

    use aidr_aws::DynamoStore;
    use aidr_aws::backfill::queue_log_files;
    use aidr_engine::time::now_secs;

    use super::{BackfillArgs, BackfillCommand, QueueArgs, StatusArgs};
    use crate::s3::aws::{config, s3_objects};
    use crate::s3::{archived_note, listing_failed, readable};

    /// Most objects not queued printed one by one.
    const SHOWN: usize = 20;

    fn table(given: &Option<String>) -> Result<String, ExitCode> {
        let env = std::env::var("AIDR_STATE_TABLE").ok().filter(|v| !v.trim().is_empty());
        given.clone().or(env).ok_or_else(|| {
            eprintln!("aidr: no state table: pass --table or set AIDR_STATE_TABLE");
            ExitCode::from(2)
        })
    }

    fn print(text: &str) -> ExitCode {
        match crate::write_stdout(text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("aidr: {e}");
                ExitCode::from(2)
            }
        }
    }

    fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                eprintln!("aidr: {e}");
                ExitCode::from(2)
            })
    }

    /// Runs `aidr backfill` or `aidr backfill status`.
    pub fn main(args: BackfillArgs) -> ExitCode {
        let result = match args.command {
            Some(BackfillCommand::Status(status)) => show(status),
            None => queue(args.queue),
        };
        result.unwrap_or_else(|code| code)
    }

    fn show(args: StatusArgs) -> Result<ExitCode, ExitCode> {
        let table = table(&args.table)?;
        let found = runtime()?.block_on(async {
            let config = config().await;
            if let Err(e) = super::stack_region(config.region().map(|r| r.as_ref())) {
                eprintln!("aidr: {e}");
                return Err(ExitCode::from(2));
            }
            let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table);
            Ok(super::status(&store, &args.run, now_secs()).await)
        })?;
        match found {
            Ok(status) => Ok(print(&status.render(args.json))),
            Err(e) => {
                eprintln!("aidr: {e}");
                Ok(ExitCode::from(1))
            }
        }
    }

    fn queue(args: QueueArgs) -> Result<ExitCode, ExitCode> {
        let fail = |message: String| {
            eprintln!("aidr: {message}");
            ExitCode::from(1)
        };
        super::check_days(args.from, args.to).map_err(|e| {
            eprintln!("aidr: {e}");
            ExitCode::from(2)
        })?;
        let bucket = args.bucket.clone().unwrap_or_default();
        let now = now_secs();
        let run = args
            .run
            .clone()
            .unwrap_or_else(|| super::default_run(now, uuid::Uuid::new_v4().as_u128()));
        let source = format!("s3://{bucket}/{} ({})", args.prefix, super::days(args.from, args.to));
        let (table, queue_url) = match (args.dry_run, &args.queue_url) {
            (true, _) => (String::new(), String::new()),
            (false, url) => {
                let url = url.clone().unwrap_or_default();
                aidr_aws::sqs::check_queue_url(&url).map_err(|e| {
                    eprintln!("aidr: --queue-url {e}");
                    ExitCode::from(2)
                })?;
                (table(&args.table)?, url)
            }
        };
        let usage = |message: String| {
            eprintln!("aidr: {message}");
            ExitCode::from(2)
        };
        runtime()?.block_on(async {
            let config = config().await;
            let s3 = s3_objects(&config, args.bucket_region.as_deref()).map_err(usage)?;
            // The state table is read before the listing and anything sent: a wrong table
            // fails here, and so does a run that has counters already.
            let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table.clone());
            if !args.dry_run {
                super::stack_region(config.region().map(|r| r.as_ref())).map_err(usage)?;
                let existing = super::existing(&store, &run, now)
                    .await
                    .map_err(|e| fail(format!("{e} (table {table})")))?;
                if let Some(existing) = existing {
                    return Err(fail(super::run_exists(&existing)));
                }
            }
            let listed = s3
                .list_log_files(&bucket, &args.prefix, args.from, args.to)
                .await
                .map_err(|e| fail(listing_failed(e.message)))?;
            let (listed, archived) = readable(listed, |o| o.archived);
            if let Some(note) = archived_note(archived) {
                eprintln!("{note}");
            }
            let bytes: u64 = listed.iter().map(|o| o.size).sum();
            if args.dry_run {
                let groups = super::groups(listed.iter().map(|o| (o.key.as_str(), o.size)));
                return Ok(print(&super::dry_run_text(&run, &source, &groups, args.json)));
            }
            if listed.is_empty() {
                eprintln!("aidr: no CloudTrail log files in {source}: nothing queued");
            }
            let keys: Vec<String> = listed.into_iter().map(|o| o.key).collect();
            let sqs = aws_sdk_sqs::Client::new(&config);
            let done = queue_log_files(&sqs, &queue_url, &store, &run, &bucket, &keys, now).await;
            for (i, unqueued) in done.failed.iter().enumerate() {
                match i {
                    i if i < SHOWN => eprintln!("aidr: not queued: {}: {}", unqueued.key, unqueued.reason),
                    i if i == SHOWN => eprintln!("aidr: … further objects not queued are counted, not shown"),
                    _ => {}
                }
            }
            if let Some(why) = &done.stopped {
                eprintln!("aidr: sending stopped, {} objects not sent: {why}", done.not_sent);
            }
            for error in &done.counter_errors {
                eprintln!("aidr: the run's queued counter is short: {error}");
            }
            let status = format!("aidr backfill status {run} --table {table}");
            let text = if args.json {
                let failed: Vec<serde_json::Value> = done
                    .failed
                    .iter()
                    .map(|u| serde_json::json!({"key": u.key, "reason": u.reason}))
                    .collect();
                let value = serde_json::json!({"run": run, "source": source, "objects": keys.len(),
                    "bytes": bytes, "queued": done.queued, "failed": failed, "not_sent": done.not_sent,
                    "status_command": status});
                format!("{value}\n")
            } else {
                let mut text = format!(
                    "run {run}: queued {} of {} log files ({bytes} bytes) of {source} to {queue_url}\n",
                    done.queued,
                    keys.len()
                );
                if done.queued > 0 {
                    text.push_str(&format!("follow it with: {status}\n"));
                }
                text
            };
            let printed = print(&text);
            Ok(if done.complete() { printed } else { ExitCode::from(1) })
        })
    }
}

/// Runs `aidr backfill`.
#[cfg(feature = "aws")]
pub fn main(args: BackfillArgs) -> std::process::ExitCode {
    aws::main(args)
}

/// Without the `aws` feature the commands cannot reach AWS: says how to build them.
#[cfg(not(feature = "aws"))]
pub fn main(_: BackfillArgs) -> std::process::ExitCode {
    crate::without_aws("the backfill commands")
}

#[cfg(test)]
mod tests {
    use aidr_engine::ports::{MemoryStore, now_or_never};
    use aidr_engine::time::days_from_civil;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn run_ids_and_days_are_checked() {
        assert!(run_id("backfill-2026-10-01-0a1b2c3d").is_ok() && run_id("r_1").is_ok());
        for bad in ["", "has space", "a/b", "é", &"x".repeat(65)] {
            assert!(run_id(bad).is_err(), "{bad:?}");
        }
        assert!(run_id(&"x".repeat(64)).is_ok());
        let run = default_run(NOW, 0xfeed_0000_0000_0000_0000_0000_0a1b_2c3d);
        assert_eq!(run, "backfill-2027-01-15-0a1b2c3d");
        assert!(run_id(&run).is_ok());
        let (first, last) = (days_from_civil(2026, 10, 1), days_from_civil(2026, 10, 3));
        assert!(check_days(Some(first), Some(last)).is_ok() && check_days(Some(last), None).is_ok());
        assert_eq!(
            check_days(Some(last), Some(first)).unwrap_err(),
            "--from 2026-10-03 is after --to 2026-10-01"
        );
        assert_eq!(days(Some(first), None), "from 2026-10-01");
    }

    #[test]
    fn status_counts_what_is_in_flight() {
        let store = MemoryStore::default();
        let unknown = now_or_never(status(&store, "r1", NOW)).unwrap().unwrap_err();
        assert!(unknown.contains("no backfill run \"r1\""), "{unknown}");
        for (p, n) in [(Progress::Queued, 200), (Progress::Done, 150), (Progress::Failed, 2)] {
            now_or_never(store.add(&p.key("r1"), n, NOW + 100, NOW))
                .unwrap()
                .unwrap();
        }
        let found = now_or_never(status(&store, "r1", NOW)).unwrap().unwrap();
        assert_eq!(
            (found.queued, found.done, found.failed, found.findings),
            (200, 150, 2, 0)
        );
        assert_eq!(found.in_flight(), 48);
        let text = found.render(false);
        assert!(
            text.contains("in flight          48\n") && text.contains("complete        76.0%\n"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&found.render(true)).unwrap();
        assert_eq!(json["in_flight"], 48);
        assert_eq!(json["percent_done"], 76.0);

        // Done counted before queued: nothing in flight, no share yet.
        let early = Status {
            queued: 0,
            done: 3,
            ..found
        };
        assert_eq!((early.in_flight(), early.percent_done()), (0, None));
        assert!(early.render(false).contains("complete            -\n"));
    }

    #[test]
    fn a_run_with_counters_is_refused() {
        let store = MemoryStore::default();
        assert_eq!(now_or_never(existing(&store, "r1", NOW)).unwrap(), Ok(None));
        // Any counter makes the run exist, even one the detector raised first.
        now_or_never(store.add(&Progress::Done.key("r1"), 1, NOW + 100, NOW))
            .unwrap()
            .unwrap();
        let found = now_or_never(existing(&store, "r1", NOW)).unwrap().unwrap().unwrap();
        assert_eq!((found.queued, found.done), (0, 1));
        now_or_never(store.add(&Progress::Queued.key("r1"), 50, NOW + 100, NOW))
            .unwrap()
            .unwrap();
        let found = now_or_never(existing(&store, "r1", NOW)).unwrap().unwrap().unwrap();
        assert_eq!(
            run_exists(&found),
            "run r1 exists (queued 50): choose another --run, or see `aidr backfill status r1`"
        );
        // Another run is new.
        assert_eq!(now_or_never(existing(&store, "r2", NOW)).unwrap(), Ok(None));
    }

    #[test]
    fn the_queue_and_the_table_need_the_chain_s_region() {
        assert_eq!(stack_region(Some("us-east-1")), Ok("us-east-1"));
        assert!(stack_region(Some(" ")).is_err());
        let none = stack_region(None).unwrap_err();
        assert!(none.contains("set AWS_REGION"), "{none}");
    }

    #[test]
    fn dry_run_groups_by_account_and_region() {
        let key = |account: &str, region: &str, day: &str, n: u8| {
            format!("AWSLogs/{account}/CloudTrail/{region}/2026/10/{day}/{account}_CloudTrail_{region}_{n}.json.gz")
        };
        let files = [
            (key("111122223333", "us-east-1", "01", 1), 10),
            (key("111122223333", "us-east-1", "02", 2), 20),
            (key("444455556666", "eu-west-1", "01", 3), 5),
        ];
        let found = groups(files.iter().map(|(k, n)| (k.as_str(), *n)));
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].account.as_str(), found[0].objects, found[0].bytes),
            ("111122223333", 2, 30)
        );
        assert_eq!(
            (found[0].first.as_str(), found[0].last.as_str()),
            (files[0].0.as_str(), files[1].0.as_str())
        );
        let text = dry_run_text("r1", "s3://trail/AWSLogs/ (any day)", &found, false);
        assert!(
            text.starts_with(
                "dry run r1: would queue 3 log files (35 bytes) of s3://trail/AWSLogs/ (any day); nothing sent\n"
            ),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&dry_run_text("r1", "s", &found, true)).unwrap();
        assert_eq!(
            (json["objects"].as_u64(), json["groups"][1]["region"].as_str()),
            (Some(3), Some("eu-west-1"))
        );
    }
}
