//! The detector on the organization trail's log files, with the ports in memory: S3
//! notifications in their forms, objects skipped, files that cannot be read, events seen live
//! and in the trail, and back-test mode with a backfill run's progress.

#![recursion_limit = "256"]

use std::io::Write;

use aidr_engine::alerting::AlertPolicy;
use aidr_engine::ports::{MemoryStore, ObjectError, StateStore};
use aidr_engine::trail::{Progress, backfill_message};
use aidr_engine::{Organization, Pipeline, Registry};
use aidr_testkit::objects::MemoryObjects;
use aidr_testkit::recording::{RecordingDeadLetters, RecordingPublisher};
use aidr_testkit::samples::events_dir;
use detector::handler::{BACKTEST_NAMESPACE, Detector, Mode};
use serde_json::value::RawValue;
use serde_json::{Value, json};

type TestDetector =
    Detector<MemoryStore, RecordingPublisher, RecordingDeadLetters, aidr_aws::lookup::AwsLookup, MemoryObjects>;

const NOW: i64 = 1_800_000_000;
const BUCKET: &str = "org-trail";
const DAY: &str = "AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2026/10/01";

fn detector(mode: Mode) -> TestDetector {
    Detector {
        pipeline: Pipeline::new(Registry::builtin(), Organization::default(), Some(Default::default())).into(),
        store: MemoryStore::default(),
        publisher: RecordingPublisher::default(),
        dead_letters: RecordingDeadLetters::default(),
        policy: AlertPolicy::default(),
        lookups: None,
        objects: MemoryObjects::default(),
        trail_buckets: Vec::new(),
        mode,
    }
}

fn event(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(events_dir().join(name)).unwrap()).unwrap()
}

/// A gzip CloudTrail log file of the records of these samples.
fn log_file(samples: &[&str]) -> Vec<u8> {
    let records: Vec<Value> = samples.iter().map(|s| event(s)["detail"].clone()).collect();
    gzip(&json!({ "Records": records }).to_string())
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

/// A backfill run's counters, in the order of `Progress::ALL`.
async fn progress(d: &TestDetector, run: &str) -> Vec<Option<i64>> {
    let keys: Vec<String> = Progress::ALL.iter().map(|p| p.key(run)).collect();
    let items = d.store.get_many(&keys, NOW).await.unwrap();
    items.into_iter().map(|i| i.map(|i| i.value)).collect()
}

fn s3_notification(keys: &[&str]) -> String {
    let records: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": BUCKET}, "object": {"key": k, "size": 10}}})
        })
        .collect();
    json!({ "Records": records }).to_string()
}

fn sqs(bodies: &[(&str, String)]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .map(|(id, body)| {
            json!({"messageId": id, "receiptHandle": "r", "body": body, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:aidr-trail", "awsRegion": "us-east-1"})
        })
        .collect();
    json!({ "Records": records })
}

async fn invoke(d: &TestDetector, payload: &Value) -> Value {
    let raw = RawValue::from_string(payload.to_string()).unwrap();
    d.handle(&raw, NOW).await.unwrap()
}

fn failed(out: &Value) -> Vec<&str> {
    out["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_log_file_named_by_s3_alerts_and_other_objects_are_skipped() {
    let d = detector(Mode::Live);
    let key = format!("{DAY}/111122223333_CloudTrail_us-east-1_20261001T0000Z_a.json.gz");
    let file = log_file(&["bedrock/DeleteGuardrail.json", "iam/AttachRolePolicy-readonly.json"]);
    d.objects.insert(BUCKET, &key, file);
    let digest = "AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/us-east-1/2026/10/01/d.json.gz";
    let insight = "AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/10/01/i.json.gz";
    let test_event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}).to_string();
    let out = invoke(
        &d,
        &sqs(&[
            ("m1", s3_notification(&[&key, digest, insight, "exports/x.json.gz"])),
            ("m2", test_event),
        ]),
    )
    .await;
    assert!(failed(&out).is_empty(), "{out}");
    assert_eq!(d.publisher.sent_rules(), ["bedrock.guardrail_deleted"]);
    assert!(d.dead_letters.kept().is_empty());
}

#[tokio::test]
async fn an_event_seen_live_and_in_the_trail_is_alerted_once() {
    let d = detector(Mode::Live);
    let live = invoke(&d, &event("bedrock/DeleteGuardrail.json")).await;
    assert_eq!(live["alerted"], 1);
    let key = format!("{DAY}/f.json.gz");
    d.objects
        .insert(BUCKET, &key, log_file(&["bedrock/DeleteGuardrail.json"]));
    let eventbridge = json!({"source": "aws.s3", "detail-type": "Object Created",
        "detail": {"bucket": {"name": BUCKET}, "object": {"key": key}}});
    let trail = invoke(&d, &eventbridge).await;
    assert_eq!(
        (trail["log_files"].as_u64(), trail["duplicates"].as_u64()),
        (Some(1), Some(1)),
        "{trail}"
    );
    assert_eq!(d.publisher.sent_rules().len(), 1);
    let mut digest = eventbridge.clone();
    digest["detail"]["object"]["key"] = key.replace("/CloudTrail/", "/CloudTrail-Digest/").into();
    let out = invoke(&d, &digest).await;
    assert_eq!(
        (out["objects_skipped"].as_u64(), out["log_files"].as_u64()),
        (Some(1), Some(0)),
        "{out}"
    );
}

#[tokio::test]
async fn unreadable_files_are_dead_lettered_with_their_location_and_the_rest_goes_on() {
    let d = detector(Mode::Live);
    let good = format!("{DAY}/good.json.gz");
    let corrupt = format!("{DAY}/corrupt.json.gz");
    let denied = format!("{DAY}/denied.json.gz");
    let throttled = format!("{DAY}/throttled.json.gz");
    let broken = format!("{DAY}/broken.json.gz");
    d.objects
        .insert(BUCKET, &good, log_file(&["bedrock/DeleteGuardrail.json"]));
    let mut bad = log_file(&["bedrock/DeleteGuardrail.json"]);
    bad.truncate(bad.len() / 2);
    d.objects.insert(BUCKET, &corrupt, bad);
    d.objects
        .refuse(BUCKET, &denied, ObjectError::permanent("AccessDenied: Access Denied"));
    d.objects.refuse(
        BUCKET,
        &throttled,
        ObjectError::transient("SlowDown: Please reduce your request rate"),
    );
    let whole = log_file(&["bedrock/DeleteGuardrail.json"]);
    d.objects
        .break_after(BUCKET, &broken, whole[..whole.len() / 2].to_vec());
    let out = invoke(
        &d,
        &sqs(&[
            ("good", s3_notification(&[&good])),
            ("corrupt", s3_notification(&[&corrupt])),
            ("denied", s3_notification(&[&denied])),
            ("throttled", s3_notification(&[&throttled])),
            ("broken", s3_notification(&[&broken])),
        ]),
    )
    .await;
    assert_eq!(failed(&out), ["throttled", "broken"], "what may pass is retried");
    let kept = d.dead_letters.kept();
    let reasons: Vec<&str> = kept.iter().map(|k| k.reason.as_str()).collect();
    assert_eq!(kept.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].contains(&format!("s3://{BUCKET}/{corrupt}")) && reasons[0].contains("gzip"),
        "{}",
        reasons[0]
    );
    assert!(
        reasons[1].contains(&format!("s3://{BUCKET}/{denied}")) && reasons[1].contains("AccessDenied"),
        "{}",
        reasons[1]
    );
    assert_eq!(kept[0].origin, "corrupt");
    assert_eq!(
        d.publisher.sent_rules(),
        ["bedrock.guardrail_deleted"],
        "the good file alerted"
    );
}

#[tokio::test]
async fn buckets_outside_the_trail_buckets_are_refused() {
    let mut d = detector(Mode::Live);
    d.trail_buckets = vec!["another-trail".into()];
    let key = format!("{DAY}/good.json.gz");
    d.objects
        .insert(BUCKET, &key, log_file(&["bedrock/DeleteGuardrail.json"]));
    let out = invoke(&d, &sqs(&[("m", s3_notification(&[&key]))])).await;
    assert!(failed(&out).is_empty());
    assert!(d.dead_letters.kept()[0].reason.contains("AIDR_TRAIL_BUCKETS"));
    assert!(d.publisher.sent().is_empty());
}

#[tokio::test]
async fn backtest_writes_ocsf_findings_to_s3_counts_progress_once_and_alerts_nobody() {
    let d = detector(Mode::Backtest {
        bucket: "results".into(),
        prefix: "findings/".into(),
    });
    let keys: Vec<String> = (0..3).map(|i| format!("{DAY}/f{i}.json.gz")).collect();
    for key in &keys {
        d.objects.insert(
            BUCKET,
            key,
            log_file(&["bedrock/DeleteGuardrail.json", "iam/AttachRolePolicy-readonly.json"]),
        );
    }
    d.objects
        .insert(BUCKET, &format!("{DAY}/bad.json.gz"), b"not gzip, not json".to_vec());
    let mut bodies: Vec<(&str, String)> = keys
        .iter()
        .map(|k| ("m", backfill_message("run-1", BUCKET, k)))
        .collect();
    bodies.push(("bad", backfill_message("run-1", BUCKET, &format!("{DAY}/bad.json.gz"))));
    let batch = sqs(&bodies);
    assert!(failed(&invoke(&d, &batch).await).is_empty());
    invoke(&d, &batch).await; // a redelivery counts nothing twice
    assert!(d.publisher.sent().is_empty(), "back-test mode pages nobody");
    let written = d.objects.keys("results");
    assert_eq!(written.len(), 3, "{written:?}");
    assert_eq!(written[0], format!("findings/run-1/{DAY}/f0.ocsf.ndjson"));
    let lines = String::from_utf8(d.objects.get("results", &written[0]).unwrap()).unwrap();
    let finding: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(finding["class_uid"], 2004, "an OCSF Detection Finding");
    let counts = progress(&d, "run-1").await;
    assert_eq!(
        counts,
        [None, Some(3), Some(1), Some(3)],
        "queued (set by the CLI), done, failed, findings"
    );
    assert_eq!(d.dead_letters.kept().len(), 2, "the bad file, once per delivery");
}

#[tokio::test]
async fn backtest_state_stays_in_its_own_namespace() {
    let d = detector(Mode::Backtest {
        bucket: "results".into(),
        prefix: "findings/".into(),
    });
    let key = format!("{DAY}/llm.json.gz");
    d.objects
        .insert(BUCKET, &key, log_file(&["bedrock/InvokeModel-long-term-key.json"]));
    invoke(&d, &sqs(&[("m", backfill_message("run-2", BUCKET, &key))])).await;
    let live = detector(Mode::Live);
    assert!(live.store.is_empty());
    let llm_keys: Vec<String> = d.store.keys().into_iter().filter(|k| k.contains("llm#")).collect();
    assert!(!llm_keys.is_empty(), "the stateful detections kept state");
    assert!(
        llm_keys.iter().all(|k| k.starts_with(BACKTEST_NAMESPACE)),
        "{llm_keys:?}"
    );
}

/// The same change in two accounts of the organization: each account has its own dedupe
/// window and stateful state, and a suppression of one account leaves the other alerted.
#[tokio::test]
async fn two_accounts_keep_apart_dedupe_state_and_suppressions() {
    // A sample moved to `account`, with event id `id`.
    let moved = |sample: &str, account: &str, id: &str| {
        let text = serde_json::to_string(&event(sample))
            .unwrap()
            .replace("111122223333", account);
        let mut event: Value = serde_json::from_str(&text).unwrap();
        event["detail"]["eventID"] = id.into();
        event
    };
    let guardrail = |account: &str, id: &str| moved("bedrock/DeleteGuardrail.json", account, id);
    let in_account = |account: &str, id: &str| moved("bedrock/InvokeModel-long-term-key.json", account, id);
    let d = detector(Mode::Live);
    invoke(&d, &guardrail("444455556666", "g-1")).await;
    invoke(&d, &guardrail("777788889999", "g-2")).await;
    let accounts: Vec<Option<String>> = d.publisher.sent().into_iter().map(|f| f.account).collect();
    assert_eq!(
        accounts,
        [Some("444455556666".into()), Some("777788889999".into())],
        "one alert per account"
    );
    invoke(&d, &in_account("444455556666", "i-1")).await;
    invoke(&d, &in_account("777788889999", "i-2")).await;
    let state = d.store.keys();
    for account in ["444455556666", "777788889999"] {
        assert!(
            state.iter().any(|k| k.starts_with("llm#") && k.contains(account)),
            "{state:?}"
        );
    }

    let policy = AlertPolicy {
        suppress_accounts: vec!["444455556666".into()],
        ..AlertPolicy::default()
    };
    let d = Detector {
        policy,
        ..detector(Mode::Live)
    };
    let out = invoke(&d, &guardrail("444455556666", "g-3")).await;
    assert_eq!(out["silenced"], 1);
    invoke(&d, &guardrail("777788889999", "g-4")).await;
    let accounts: Vec<Option<String>> = d.publisher.sent().into_iter().map(|f| f.account).collect();
    assert_eq!(accounts, [Some("777788889999".into())]);
}

/// Denied Bedrock calls seen live and again in the trail count once towards the probing
/// threshold (10): six of them, twice over, alert nothing; twelve distinct ones do.
#[tokio::test]
async fn calls_seen_live_and_in_the_trail_count_once_in_the_stateful_detections() {
    let denied = |i: usize| {
        let mut event = event("bedrock/InvokeModel-long-term-key.json");
        event["detail"]["eventID"] = format!("denied-{i}").into();
        event["detail"]["errorCode"] = "AccessDeniedException".into();
        event["detail"]["errorMessage"] = "You don't have access to the model".into();
        event
    };
    let probing = |d: &TestDetector| {
        d.publisher
            .sent_rules()
            .into_iter()
            .filter(|r| r.contains("probing"))
            .count()
    };
    let d = detector(Mode::Live);
    let live: Vec<(&str, String)> = (0..6).map(|i| ("live", denied(i).to_string())).collect();
    invoke(&d, &sqs(&live)).await;
    let details: Vec<Value> = (0..6).map(|i| denied(i)["detail"].clone()).collect();
    let key = format!("{DAY}/denied.json.gz");
    d.objects
        .insert(BUCKET, &key, gzip(&json!({ "Records": details }).to_string()));
    invoke(&d, &sqs(&[("trail", s3_notification(&[&key]))])).await;
    invoke(&d, &sqs(&live)).await; // and a redelivery of the live batch
    assert_eq!(probing(&d), 0, "6 calls, not 18: {:?}", d.publisher.sent_rules());
    let more: Vec<(&str, String)> = (6..12).map(|i| ("live", denied(i).to_string())).collect();
    invoke(&d, &sqs(&more)).await;
    assert_eq!(probing(&d), 1, "12 distinct calls cross the threshold");
}

fn backtest() -> TestDetector {
    detector(Mode::Backtest {
        bucket: "results".into(),
        prefix: "findings/".into(),
    })
}

/// Every finding a back-test wrote for `run`: (rule id, event uid), sorted.
fn written(d: &TestDetector, run: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for key in d
        .objects
        .keys("results")
        .into_iter()
        .filter(|k| k.starts_with(&format!("findings/{run}/")))
    {
        let text = String::from_utf8(d.objects.get("results", &key).unwrap()).unwrap();
        for line in text.lines() {
            let f: Value = serde_json::from_str(line).unwrap();
            let rule = f["metadata"]["product"]["feature"]["uid"]
                .as_str()
                .or(f["finding_info"]["title"].as_str());
            found.push((
                rule.unwrap_or("?").to_owned(),
                f["finding_info"]["src_event_uid"].to_string(),
            ));
        }
    }
    found.sort();
    found
}

/// Two back-test runs over the same files find the same, stateful findings included: each run
/// keeps its own state; and a redelivery does not overwrite a stateful finding away.
#[tokio::test]
async fn backtest_runs_are_repeatable_and_redeliveries_keep_stateful_findings() {
    let d = backtest();
    let key = format!("{DAY}/llm.json.gz");
    let records = ["bedrock/DeleteGuardrail.json", "bedrock/InvokeModel-long-term-key.json"];
    d.objects.insert(BUCKET, &key, log_file(&records));
    for run in ["run-a", "run-b"] {
        invoke(&d, &sqs(&[("m", backfill_message(run, BUCKET, &key))])).await;
    }
    invoke(&d, &sqs(&[("m", backfill_message("run-a", BUCKET, &key))])).await;
    let (a, b) = (written(&d, "run-a"), written(&d, "run-b"));
    assert!(a.len() >= 2, "an event rule's finding and a stateful one: {a:?}");
    assert_eq!(a, b);
}

/// A log file with a bad record among good ones: the back-test writes the good records'
/// findings, dead-letters the file, and counts it failed with the findings it wrote.
#[tokio::test]
async fn backtest_writes_the_findings_of_a_file_with_a_bad_record_and_counts_it_failed() {
    let d = backtest();
    let good = event("bedrock/DeleteGuardrail.json")["detail"].to_string();
    let text = format!(r#"{{"Records":[{good},{{"eventName":7}}]}}"#);
    let key = format!("{DAY}/bad-record.json.gz");
    d.objects.insert(BUCKET, &key, gzip(&text));
    let out = invoke(&d, &sqs(&[("m", backfill_message("run-c", BUCKET, &key))])).await;
    assert!(failed(&out).is_empty(), "{out}");
    assert_eq!(d.dead_letters.kept().len(), 1);
    assert_eq!(written(&d, "run-c").len(), 1);
    let counts = progress(&d, "run-c").await;
    assert_eq!(counts, [None, None, Some(1), Some(1)]);
}
