//! The real `aidr` command line (built with `--features aws`) on an organization trail's
//! bucket in moto: `aidr scan s3://…` gives the findings `aidr scan` gives on the same log
//! files on disk, leaving out digests, Insights, other prefixes and other days; `aidr backfill`
//! queues exactly the log files of its days and counts them, `aidr backfill status` reads the
//! count, and refuses a run that has counters already; log files in archive storage classes
//! are skipped by both; `aidr inventory --organization` collects every account of moto's
//! organization.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aidr_e2e::cli::{aidr, aidr_ok, aidr_ok_with, aidr_with};
use aidr_e2e::respond::member_config;
use aidr_e2e::trail::{client, log_file, log_key, put};
use aidr_e2e::{Stack, emulator, fresh_account, receive, sample, unique};
use aidr_engine::inventory::Inventory;
use aidr_engine::trail::backfill_message;
use aws_config::SdkConfig;
use aws_sdk_iam::config::ProvideCredentials;
use serde_json::{Value, json};

const ORG: &str = "o-aa111bb222";
const A: &str = "111122223333";
const B: &str = "444455556666";

/// The key of log file `n` of `account` in `region` on October `day` 2026, of `kind`
/// (`CloudTrail`, `CloudTrail-Digest`, `CloudTrail-Insight`).
fn key(kind: &str, account: &str, region: &str, day: u32, n: u32) -> String {
    let key = log_key(account, region, &format!("2026/10/{day:02}"), &format!("a{n}"));
    assert!(key.starts_with(&format!("AWSLogs/{ORG}/")), "{key}");
    key.replacen("/CloudTrail/", &format!("/{kind}/"), 1)
}

/// A gzip CloudTrail log file holding the records of the sample events `samples`.
fn records(samples: &[&str]) -> Vec<u8> {
    let records: Vec<Value> = samples.iter().map(|s| sample(s)["detail"].clone()).collect();
    log_file(&records)
}

/// Samples that make findings (and one that makes none).
const DAY1: &[&str] = &["bedrock/DeleteGuardrail.json", "bedrock/InvokeModel.json"];
const DAY2: &[&str] = &[
    "bedrock/DeleteModelInvocationLoggingConfiguration.json",
    "iam/PutUserPolicy-admin.json",
];
const DAY3: &[&str] = &["bedrock/PutResourcePolicy-public.json", "iam/CreateAccessKey-root.json"];
const ELSEWHERE: &[&str] = &["iam/CreateRole-external-account.json"];

/// The line on stderr about the archived log file of [`trail_bucket`].
const ARCHIVED: &str =
    "aidr: 1 log files in archive storage classes (GLACIER, DEEP_ARCHIVE) skipped (restore them to read)\n";

/// The trail's bucket: log files of account A in us-east-1 on October 1, 2 and 3, of account
/// B in eu-west-1 on the 2nd, a corrupt log file on the 4th; a digest file, an Insights file,
/// a file under another prefix and a log file of the 2nd in S3 Glacier (unreadable without a
/// restore) that would make findings if they were read. Returns the bucket and the log files
/// (key, bytes) of days 1 to 3.
async fn trail_bucket(config: &SdkConfig) -> (String, Vec<(String, Vec<u8>)>) {
    let bucket = unique("aidr-trail");
    client(config).create_bucket().bucket(&bucket).send().await.unwrap();
    let logs = vec![
        (key("CloudTrail", A, "us-east-1", 1, 1), records(DAY1)),
        (key("CloudTrail", A, "us-east-1", 2, 2), records(DAY2)),
        (key("CloudTrail", A, "us-east-1", 3, 3), records(DAY3)),
        (key("CloudTrail", B, "eu-west-1", 2, 4), records(DAY1)),
    ];
    let mut corrupt = records(DAY3);
    corrupt.truncate(corrupt.len() / 2);
    let others = [
        (key("CloudTrail", A, "us-east-1", 4, 5), corrupt),
        (key("CloudTrail-Digest", A, "us-east-1", 2, 6), records(ELSEWHERE)),
        (key("CloudTrail-Insight", A, "us-east-1", 2, 7), records(ELSEWHERE)),
        (
            format!("elsewhere/{}", key("CloudTrail", A, "us-east-1", 2, 8)),
            records(ELSEWHERE),
        ),
    ];
    for (key, body) in logs.iter().chain(others.iter()) {
        put(config, &bucket, key, body.clone()).await;
    }
    client(config)
        .put_object()
        .bucket(&bucket)
        .key(key("CloudTrail", A, "us-east-1", 2, 9))
        .storage_class(aws_sdk_s3::types::StorageClass::Glacier)
        .body(records(ELSEWHERE).into())
        .send()
        .await
        .unwrap();
    (bucket, logs)
}

/// A new folder holding `files` at their keys.
fn on_disk(name: &str, files: &[&(String, Vec<u8>)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aidr-cli-trail-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (key, body) in files {
        let path = dir.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    dir
}

/// `aidr scan --format ndjson args`: the findings, and the summary's counts (before the time).
fn scan(args: &[&str]) -> (String, String) {
    let (findings, stderr) = aidr_ok(&[&["scan", "--format", "ndjson"], args].concat());
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("aidr: ") && l.contains(" files, "))
        .unwrap_or_else(|| panic!("no summary in:\n{stderr}"));
    (findings, summary.split(';').take(2).collect::<Vec<_>>().join(";"))
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[tokio::test]
async fn scan_of_s3_gives_the_findings_of_the_same_files_on_disk() {
    let Some(config) = emulator().await else { return };
    let (bucket, logs) = trail_bucket(&config).await;
    let url = format!("s3://{bucket}/AWSLogs/");

    // Days 1 to 3: the four log files, as on disk.
    let all = on_disk("all", &logs.iter().collect::<Vec<_>>());
    let (expected, expected_summary) = scan(&[path(&all)]);
    assert!(expected.lines().count() >= 4, "{expected}");
    assert!(
        expected_summary.starts_with("aidr: 4 files, 8 records"),
        "{expected_summary}"
    );
    let (found, summary) = scan(&[&url, "--from", "2026-10-01", "--to", "2026-10-03"]);
    assert_eq!(found, expected);
    assert_eq!(summary, expected_summary);
    // The archived log file is left out, said once; the bucket's region may be given.
    let (found, stderr) = aidr_ok(&[
        "scan",
        "--format",
        "ndjson",
        &url,
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-03",
        "--bucket-region",
        "us-east-1",
    ]);
    assert_eq!(found, expected);
    assert_eq!(stderr.matches(ARCHIVED).count(), 1, "{stderr}");

    // One day: its two files only.
    let day2 = on_disk("day2", &[&logs[1], &logs[3]]);
    let (expected, expected_summary) = scan(&[path(&day2)]);
    let (found, summary) = scan(&[&url, "--from", "2026-10-02", "--to", "2026-10-02", "--concurrency", "1"]);
    assert_eq!(found, expected);
    assert_eq!(summary, expected_summary);
    assert!(summary.starts_with("aidr: 2 files, "), "{summary}");

    // Local files and S3 in one scan: the local ones first.
    let day1 = on_disk("day1", &[&logs[0]]);
    let (mixed, summary) = scan(&[
        path(&day1),
        &format!("s3://{bucket}/AWSLogs/{ORG}/{A}/"),
        "--from",
        "2026-10-02",
        "--to",
        "2026-10-03",
    ]);
    let first_three = on_disk("account-a", &[&logs[0], &logs[1], &logs[2]]);
    assert_eq!((mixed, summary), scan(&[path(&first_three)]));

    // A log file that cannot be read is named by its URL, as a local file by its path.
    let out = aidr(&["scan", &url, "--from", "2026-10-04"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let bad = format!("s3://{bucket}/{}", key("CloudTrail", A, "us-east-1", 4, 5));
    assert!(stderr.contains(&format!("error: {bad}")), "{stderr}");
    assert!(stderr.contains("aidr: 1 files, "), "{stderr}");

    // No bucket: an error naming it, exit 2 as for a missing file.
    let out = aidr(&["scan", "s3://aidr-no-such-bucket/AWSLogs/"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("s3://aidr-no-such-bucket/AWSLogs/") && stderr.contains("NoSuchBucket"),
        "{stderr}"
    );
    // --from and --to choose S3 log files: with local paths only they are an error.
    let out = aidr(&["scan", path(&day1), "--from", "2026-10-01"]);
    assert_eq!(out.status.code(), Some(2));
    // No region: for S3, say what to set; a region that is none is a usage error.
    let out = aidr_with(&["scan", &url], &[("AWS_REGION", "")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no AWS region for S3: pass --bucket-region") && stderr.contains("AWS_REGION"),
        "{stderr}"
    );
    let (_, stderr) = aidr_ok_with(&["scan", &url, "--bucket-region", "us-east-1"], &[("AWS_REGION", "")]);
    assert!(stderr.contains("aidr: 5 files, "), "{stderr}");
    let out = aidr(&["scan", &url, "--bucket-region", "Ireland"]);
    assert_eq!(out.status.code(), Some(2));
    for dir in [all, day1, day2, first_three] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test]
async fn backfill_queues_the_log_files_of_its_days_and_counts_them() {
    let Some(config) = emulator().await else { return };
    let (bucket, logs) = trail_bucket(&config).await;
    let stack = Stack::create(config.clone(), false).await;
    let run = unique("run");
    let table = stack.table.as_str();
    let queue = stack.queue_url.as_str();

    // A dry run lists and sends nothing.
    let (dry, _) = aidr_ok(&[
        "backfill",
        "--bucket",
        &bucket,
        "--prefix",
        "AWSLogs/",
        "--dry-run",
        "--json",
    ]);
    let dry: Value = serde_json::from_str(&dry).unwrap();
    assert_eq!(dry["objects"], 5, "the four log files and the corrupt one: {dry:#}");
    let accounts: Vec<(&str, &str, u64)> = dry["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["account"].as_str().unwrap(),
                g["region"].as_str().unwrap(),
                g["objects"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(accounts, [(A, "us-east-1", 4), (B, "eu-west-1", 1)]);
    assert_eq!(dry["groups"][0]["first"], logs[0].0.as_str());
    let (text, stderr) = aidr_ok(&["backfill", "--bucket", &bucket, "--prefix", "AWSLogs/", "--dry-run"]);
    assert!(
        text.contains("would queue 5 log files") && text.contains("nothing sent"),
        "{text}"
    );
    assert!(stderr.contains(ARCHIVED), "{stderr}");
    nothing_in(&config, queue, 2).await;

    // October 2 and 3: three log files (the archived one skipped), one message each.
    let again = [
        "backfill",
        "--bucket",
        &bucket,
        "--bucket-region",
        "us-east-1",
        "--prefix",
        "AWSLogs/",
        "--from",
        "2026-10-02",
        "--to",
        "2026-10-03",
        "--queue-url",
        queue,
        "--table",
        table,
        "--run",
        &run,
    ];
    let (out, stderr) = aidr_ok(&again);
    assert!(out.contains(&format!("run {run}: queued 3 of 3 log files")), "{out}");
    assert!(stderr.contains(ARCHIVED), "{stderr}");
    assert!(
        out.contains(&format!("aidr backfill status {run} --table {table}")),
        "{out}"
    );
    let bodies: BTreeSet<String> = receive(&config, queue, 3, Duration::from_secs(10))
        .await
        .iter()
        .map(Value::to_string)
        .collect();
    let expected: BTreeSet<String> = [&logs[1].0, &logs[2].0, &logs[3].0]
        .iter()
        .map(|key| {
            serde_json::from_str::<Value>(&backfill_message(&run, &bucket, key))
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(bodies, expected);
    nothing_in(&config, queue, 1).await;

    let (status, _) = aidr_ok(&["backfill", "status", &run, "--table", table, "--json"]);
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(
        (
            &status["queued"],
            &status["done"],
            &status["in_flight"],
            &status["percent_done"]
        ),
        (&json!(3), &json!(0), &json!(3), &json!(0.0))
    );
    let (text, _) = aidr_ok_with(&["backfill", "status", &run], &[("AIDR_STATE_TABLE", table)]);
    assert!(
        text.contains("queued              3\n") && text.contains("in flight           3\n"),
        "{text}"
    );

    // The same run again: refused before anything is listed or sent, its counters untouched.
    let rerun = aidr(&again);
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert_eq!(rerun.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "aidr: run {run} exists (queued 3): choose another --run, or see `aidr backfill status {run}`"
        )),
        "{stderr}"
    );
    nothing_in(&config, queue, 1).await;
    let (status, _) = aidr_ok(&["backfill", "status", &run, "--table", table, "--json"]);
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["queued"], 3);

    // No region for the queue and the state table: say what to set (the bucket's region is
    // not theirs).
    let no_region = aidr_with(&again, &[("AWS_REGION", "")]);
    let stderr = String::from_utf8_lossy(&no_region.stderr);
    assert_eq!(no_region.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no AWS region for the queue and the state table: set AWS_REGION"),
        "{stderr}"
    );

    // Errors: an unknown run, a missing bucket.
    let unknown = aidr(&["backfill", "status", "never-run", "--table", table]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no backfill run \"never-run\""));
    let missing = aidr(&[
        "backfill",
        "--bucket",
        "aidr-no-such-bucket",
        "--queue-url",
        queue,
        "--table",
        table,
    ]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("s3://aidr-no-such-bucket/") && stderr.contains("NoSuchBucket"),
        "{stderr}"
    );
    nothing_in(&config, queue, 1).await;
}

/// A gzip log file of `n` records of the sample events of days 1 to 3, each with an event id
/// of its own (`file` tells the files' ids apart) and a request id that does not compress (so
/// that an object takes more than one read off the connection).
fn many_records(file: usize, n: usize) -> Vec<u8> {
    // splitmix64
    let mut state = file as u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let samples: Vec<Value> = [DAY1, DAY2, DAY3]
        .concat()
        .iter()
        .map(|s| sample(s)["detail"].clone())
        .collect();
    let records: Vec<Value> = (0..n)
        .map(|i| {
            let mut record = samples[i % samples.len()].clone();
            record["eventID"] = json!(format!("00000000-0000-4000-8000-{file:06}{i:06}"));
            record["requestID"] = json!(format!("{:016x}{:016x}", next(), next()));
            record
        })
        .collect();
    log_file(&records)
}

#[tokio::test]
async fn scan_of_s3_on_several_threads_reads_every_object_to_the_end() {
    let Some(config) = emulator().await else { return };
    let bucket = unique("aidr-trail");
    client(&config).create_bucket().bucket(&bucket).send().await.unwrap();
    let logs: Vec<(String, Vec<u8>)> = (0..8)
        .map(|n| (key("CloudTrail", A, "us-east-1", 1, n), many_records(n as usize, 400)))
        .collect();
    for (key, body) in &logs {
        put(&config, &bucket, key, body.clone()).await;
    }
    let disk = on_disk("threads", &logs.iter().collect::<Vec<_>>());
    let (expected, expected_summary) = scan(&[path(&disk), "--threads", "4"]);
    assert!(
        expected_summary.starts_with("aidr: 8 files, 3200 records"),
        "{expected_summary}"
    );
    // The last objects are still being read when the scan has no input left to open: before
    // the runtime that streams them outlived the inputs, this crashed ("A Tokio 1.x context
    // was found, but it is being shutdown", exit 101) or cut the last object short in about a
    // third of the runs (this test failed so before the fix).
    let url = format!("s3://{bucket}/");
    for _ in 0..10 {
        let out = aidr(&["scan", "--format", "ndjson", &url, "--threads", "4"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let found = String::from_utf8_lossy(&out.stdout);
        assert!(
            found == expected,
            "{} findings instead of the {} on disk:\n{stderr}",
            found.lines().count(),
            expected.lines().count()
        );
        assert!(stderr.contains(&expected_summary), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(disk);
}

/// Waits `secs` seconds for messages on `queue`, and finds none.
async fn nothing_in(config: &SdkConfig, queue: &str, secs: u64) {
    assert_eq!(
        receive(config, queue, 0, Duration::from_secs(secs)).await,
        Vec::<Value>::new()
    );
}

/// The environment variables of `config`'s credentials.
async fn credentials_env(config: &SdkConfig) -> Vec<(&'static str, String)> {
    let credentials = config
        .credentials_provider()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    let mut env = vec![
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id().to_owned()),
        ("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key().to_owned()),
    ];
    env.extend(credentials.session_token().map(|t| ("AWS_SESSION_TOKEN", t.to_owned())));
    env
}

#[tokio::test]
async fn inventory_of_the_organization_collects_every_account() {
    let Some(config) = emulator().await else { return };
    // The management account: an account of this test's own, with an organization of three.
    let management = fresh_account();
    let admin = member_config(&config, &management, "org-admin").await;
    let organizations = aws_sdk_organizations::Client::new(&admin);
    organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    for name in ["ml-prod", "ml-dev"] {
        organizations
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap();
    }
    let listed = organizations.list_accounts().send().await.unwrap();
    let expected: BTreeSet<String> = listed.accounts().iter().filter_map(|a| a.id.clone()).collect();
    assert_eq!(expected.len(), 3);
    assert!(expected.contains(&management));

    let env = credentials_env(&admin).await;
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (json, stderr) = aidr_ok_with(
        &[
            "inventory",
            "--organization",
            "--role-name",
            "reader",
            "--region",
            "us-east-1",
            "--format",
            "json",
        ],
        &env,
    );
    let inventory: Inventory = serde_json::from_str(&json).unwrap();
    let collected: BTreeSet<String> = inventory.scopes.iter().map(|s| s.account.clone()).collect();
    assert_eq!(collected, expected, "{stderr}");
    assert!(
        stderr.contains("aidr: the organization has 3 active accounts\n"),
        "{stderr}"
    );
    for account in &expected {
        assert!(
            stderr.contains(&format!("aidr: account {account}: ")),
            "{account} in:\n{stderr}"
        );
    }
    assert!(stderr.contains("(3 accounts)"), "{stderr}");

    // With --account: a usage error.
    let both = aidr_with(&["inventory", "--organization", "--account", &management], &env);
    assert_eq!(both.status.code(), Some(2));
    // An account outside any organization: nothing to list, said so.
    let alone = member_config(&config, &fresh_account(), "org-admin").await;
    let env = credentials_env(&alone).await;
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = aidr_with(&["inventory", "--organization", "--region", "us-east-1"], &env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("organizations:ListAccounts"), "{stderr}");
}
