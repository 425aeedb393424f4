//! What one alert is about: dedupe keys follow each detection's alert scope, alert windows its
//! default window (unless the policy overrides it). Findings come from the real pipeline on
//! CloudTrail records; alerts from the real protocol on the in-memory store.

use aidr_engine::alerting::{AlertPolicy, Outcome, deliver};
use aidr_engine::input::Layout;
use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_engine::time::format_secs;
use aidr_engine::{Finding, Organization, Pipeline, Registry, Severity};
use aidr_testkit::recording::RecordingPublisher;

/// 2026-03-02T00:00:00Z.
const DAY1: i64 = 1_772_409_600;
const NOW: i64 = 1_800_000_000;

/// One CloudTrail record of `user` (`root` for the root user) running `event` at `time`.
fn record(id: &str, time: i64, user: &str, event: &str, params: &str) -> String {
    let identity = if user == "root" {
        r#""type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"AKIAROOTKEY000000001""#
            .to_owned()
    } else {
        format!(
            r#""type":"IAMUser","arn":"arn:aws:iam::111122223333:user/{user}","accountId":"111122223333","accessKeyId":"AKIA{}","userName":"{user}""#,
            user.to_uppercase()
        )
    };
    let (source, name) = event.split_once(':').expect("source:name");
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{{{identity}}},"eventTime":"{}","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.24","requestParameters":{params},"responseElements":null,"eventID":"{id}","recipientAccountId":"111122223333"}}"#,
        format_secs(time)
    )
}

fn invoke(id: &str, time: i64, user: &str, model: &str) -> String {
    let params = format!(r#"{{"modelId":"{model}"}}"#);
    record(id, time, user, "bedrock.amazonaws.com:InvokeModel", &params)
}

/// The findings of the event rules on one record.
fn findings(record: &str) -> Vec<Finding> {
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), None);
    let mut evaluation = pipeline.read(record.as_bytes(), Layout::Stream, "t");
    let mut out: Vec<Finding> = Vec::new();
    let store = MemoryStore::default();
    now_or_never(pipeline.finish(std::slice::from_mut(&mut evaluation), &store, &mut out))
        .expect("memory store never waits")
        .expect("no store error");
    out
}

fn one(record: &str) -> Finding {
    let mut all = findings(record);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

fn run(f: &Finding, store: &MemoryStore, out: &RecordingPublisher, policy: &AlertPolicy) -> Outcome {
    now_or_never(deliver(f, store, out, policy, NOW))
        .expect("memory store never waits")
        .expect("delivery succeeds")
}

#[test]
fn a_known_legacy_key_alerts_once_a_day_and_a_new_severity_at_once() {
    let (store, out, policy) = (
        MemoryStore::default(),
        RecordingPublisher::default(),
        AlertPolicy::default(),
    );
    let model = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    // 500 calls over a day (every 172 s: the last at 23:54:28).
    let mut outcomes = Vec::new();
    for i in 0..500 {
        let f = one(&invoke(&format!("d1-{i}"), DAY1 + i * 172, "legacy", model));
        assert_eq!((f.severity, f.dedupe_window_secs), (Severity::Low, 86_400));
        outcomes.push(run(&f, &store, &out, &policy));
    }
    assert_eq!(outcomes[0], Outcome::Alerted);
    assert_eq!(outcomes[499], Outcome::Merged { count: 500 });
    assert_eq!(outcomes.iter().filter(|o| **o == Outcome::Alerted).count(), 1);
    // Another model of the same key within the day: the same alert.
    let other_model = one(&invoke("d1-other", DAY1 + 86_000, "legacy", "amazon.nova-pro-v1:0"));
    assert_eq!(run(&other_model, &store, &out, &policy), Outcome::Merged { count: 501 });
    // A day after the first call: a new alert.
    let next_day = one(&invoke("d2-0", DAY1 + 86_400, "legacy", model));
    assert_eq!(run(&next_day, &store, &out, &policy), Outcome::Alerted);
    // Root (medium) within the first day: its own alert at once.
    let root = one(&invoke("d1-root", DAY1 + 3_600, "root", model));
    assert_eq!(root.severity, Severity::Medium);
    assert_eq!(run(&root, &store, &out, &policy), Outcome::Alerted);
    let sent: Vec<(String, Severity)> = out
        .alerts()
        .iter()
        .map(|f| (f.dedupe_key.clone(), f.severity))
        .collect();
    assert_eq!(
        sent,
        [
            (
                "bedrock.invocation_long_term_key|111122223333|arn:aws:iam::111122223333:user/legacy|low".to_owned(),
                Severity::Low
            ),
            (
                "bedrock.invocation_long_term_key|111122223333|arn:aws:iam::111122223333:user/legacy|low".to_owned(),
                Severity::Low
            ),
            (
                "bedrock.invocation_long_term_key|111122223333|arn:aws:iam::111122223333:root|medium".to_owned(),
                Severity::Medium
            ),
        ]
    );
}

#[test]
fn a_change_of_severity_of_one_caller_alerts_at_once() {
    let (store, out, policy) = (
        MemoryStore::default(),
        RecordingPublisher::default(),
        AlertPolicy::default(),
    );
    let entitlement = |id: &str, time: i64, model: &str| {
        let params = format!(r#"{{"modelId":"{model}"}}"#);
        record(
            id,
            time,
            "legacy",
            "bedrock.amazonaws.com:PutFoundationModelEntitlement",
            &params,
        )
    };
    let denied =
        one(&entitlement("x1", DAY1, "m1").replace(r#""eventID""#, r#""errorCode":"AccessDeniedException","eventID""#));
    let granted = one(&entitlement("x2", DAY1 + 60, "m1"));
    let another_model = one(&entitlement("x3", DAY1 + 120, "m2"));
    assert_eq!((denied.severity, granted.severity), (Severity::Low, Severity::High));
    assert_eq!(granted.dedupe_window_secs, 3600);
    assert_eq!(run(&denied, &store, &out, &policy), Outcome::Alerted);
    assert_eq!(run(&granted, &store, &out, &policy), Outcome::Alerted);
    assert_eq!(run(&another_model, &store, &out, &policy), Outcome::Merged { count: 2 });
    assert_eq!(out.alerts().len(), 2);
}

#[test]
fn a_per_call_scope_alerts_every_call() {
    let (store, out, policy) = (
        MemoryStore::default(),
        RecordingPublisher::default(),
        AlertPolicy::default(),
    );
    let root_key = |id: &str, time: i64| one(&record(id, time, "root", "iam.amazonaws.com:CreateAccessKey", "{}"));
    let (first, second) = (root_key("k1", DAY1), root_key("k2", DAY1 + 5));
    assert_eq!(first.rule_id, "iam.root_access_key_created");
    assert_eq!(
        first.dedupe_key,
        "iam.root_access_key_created|111122223333|arn:aws:iam::111122223333:root|k1"
    );
    assert_eq!(run(&first, &store, &out, &policy), Outcome::Alerted);
    assert_eq!(run(&second, &store, &out, &policy), Outcome::Alerted);
}

#[test]
fn the_policy_override_replaces_every_window() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let policy = AlertPolicy {
        dedupe_window_override_secs: Some(3600),
        ..AlertPolicy::default()
    };
    // The same 500 calls as above: windows open at the first call of each hour after the last
    // window ended (every 21st call), 24 in all.
    for i in 0..500 {
        let f = one(&invoke(&format!("o-{i}"), DAY1 + i * 172, "legacy", "m1"));
        run(&f, &store, &out, &policy);
    }
    assert_eq!(out.alerts().len(), 24);
}

#[test]
fn messages_without_a_window_read_as_an_hour() {
    let f = one(&invoke("w1", DAY1, "legacy", "m1"));
    let mut json: serde_json::Value = serde_json::to_value(&f).unwrap();
    assert_eq!(json["dedupe_window_secs"], 86_400);
    json.as_object_mut().unwrap().remove("dedupe_window_secs");
    let older: Finding = serde_json::from_value(json).unwrap();
    assert_eq!(older.dedupe_window_secs, 3600);
}
