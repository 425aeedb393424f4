//! The alerting protocol on the in-memory store: redelivery, merging, failed publishes and
//! store calls, policy, concurrent deliveries of the same event (a publish in progress is never
//! repeated by a second delivery), and incident reports.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use aidr_engine::alerting::{
    Alert, AlertError, AlertKind, AlertPolicy, IN_FLIGHT_SECS, MARKER_TTL_SECS, Outcome, UPDATE_INTERVAL_SECS, deliver,
    marker_key,
};
use aidr_engine::input::Layout;
use aidr_engine::ports::{FailureKind, MemoryStore, PublishError, Publisher, StateStore, now_or_never};
use aidr_engine::stateful::StatefulSettings;
use aidr_engine::{Finding, Organization, Pipeline, Registry, Severity, Subject};
use aidr_testkit::flaky::{FlakyStore, StoreOp};
use aidr_testkit::recording::RecordingPublisher;
use aidr_testkit::samples::sample_findings;

const NOW: i64 = 1_800_000_000;

fn finding() -> Finding {
    sample_findings("events/bedrock/DeleteGuardrail.json").remove(0)
}

fn run(f: &Finding, store: &MemoryStore, out: &impl Publisher, now: i64) -> Result<Outcome, AlertError> {
    now_or_never(deliver(f, store, out, &AlertPolicy::default(), now)).expect("memory store never waits")
}

#[test]
fn redelivery_is_silent_and_same_key_merges() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let first = finding();
    assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
    assert_eq!(run(&first, &store, &out, NOW + 5), Ok(Outcome::Duplicate));
    let mut second = first.clone();
    if let Subject::Events(e) = &mut second.subject {
        e.event_ids = vec!["another-event".into()];
    }
    assert_eq!(run(&second, &store, &out, NOW + 6), Ok(Outcome::Merged { count: 2 }));
    assert_eq!(run(&second, &store, &out, NOW + 7), Ok(Outcome::Duplicate));
    assert_eq!(out.sent().len(), 1);
}

#[test]
fn a_failed_publish_is_retried_exactly_once() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let f = finding();
    out.set_outage(Some(FailureKind::Transient));
    let err = run(&f, &store, &out, NOW).unwrap_err();
    assert!(matches!(err, AlertError::Publish(_)) && err.kind() == FailureKind::Transient);
    out.set_outage(None);
    assert_eq!(run(&f, &store, &out, NOW + 60), Ok(Outcome::Alerted));
    assert_eq!(run(&f, &store, &out, NOW + 120), Ok(Outcome::Duplicate));
    assert_eq!(out.sent().len(), 1);
}

#[test]
fn in_flight_claims_wait_and_stale_claims_are_decided_again() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let f = finding();
    let claimed = now_or_never(store.insert_if_absent(&marker_key(&f), NOW, NOW + MARKER_TTL_SECS, NOW));
    assert_eq!(claimed, Some(Ok(true)));
    let err = run(&f, &store, &out, NOW + 10).unwrap_err();
    assert!(matches!(err, AlertError::InFlight(_)) && err.kind() == FailureKind::Transient);
    assert_eq!(run(&f, &store, &out, NOW + IN_FLIGHT_SECS + 1), Ok(Outcome::Alerted));
    assert_eq!(out.sent().len(), 1);
}

#[test]
fn a_window_at_the_end_of_time_does_not_overflow() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let mut first = finding();
    first.dedupe_window_secs = i64::MAX;
    let mut second = first.clone();
    if let Subject::Events(e) = &mut second.subject {
        e.event_ids = vec!["another-event".into()];
    }
    assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
    // The window's end is the end of time: the second event joins it.
    let joined = run(&second, &store, &out, NOW + 10);
    assert!(
        matches!(joined, Ok(Outcome::Merged { count: 2 } | Outcome::Updated { count: 2 })),
        "{joined:?}"
    );
}

#[test]
fn a_new_window_alerts_again() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let first = finding();
    let mut later = first.clone();
    if let Subject::Events(e) = &mut later.subject {
        e.event_ids = vec!["later".into()];
        e.event_time = Some("2026-03-02T11:15:31Z".into()); // one hour and a second later
    }
    assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
    assert_eq!(run(&later, &store, &out, NOW), Ok(Outcome::Alerted));
}

#[test]
fn policy_silences_without_touching_state() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let f = finding();
    let principal = f.principal().and_then(|p| p.arn.clone()).unwrap();
    let policies = [
        (
            AlertPolicy {
                min_severity: Severity::Critical,
                ..AlertPolicy::default()
            },
            "below the minimum severity",
        ),
        (
            AlertPolicy {
                suppress_rules: vec![f.rule_id.clone()],
                ..AlertPolicy::default()
            },
            "rule suppressed",
        ),
        (
            AlertPolicy {
                suppress_accounts: vec!["111122223333".into()],
                ..AlertPolicy::default()
            },
            "account suppressed",
        ),
        (
            AlertPolicy {
                suppress_principals: vec![principal.replace("alice", "*")],
                ..AlertPolicy::default()
            },
            "principal suppressed",
        ),
    ];
    for (policy, reason) in policies {
        let outcome = now_or_never(deliver(&f, &store, &out, &policy, NOW)).unwrap();
        assert_eq!(outcome, Ok(Outcome::Silenced(reason.to_owned())));
    }
    assert!(store.is_empty());
}

/// A publisher whose publishes wait at a gate until it opens (a slow SNS call), so a test can
/// run another delivery in the middle of one.
#[derive(Default)]
struct Gate {
    open: AtomicBool,
    published: AtomicUsize,
}

impl Publisher for Gate {
    fn publish(&self, _: &Alert<'_>) -> impl Future<Output = Result<(), PublishError>> + Send {
        std::future::poll_fn(|_| {
            if self.open.load(Ordering::SeqCst) {
                self.published.fetch_add(1, Ordering::SeqCst);
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
    }
}

fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_publish_in_progress_is_not_repeated_by_a_concurrent_delivery() {
    let (store, gate) = (MemoryStore::default(), Gate::default());
    let f = finding();
    let policy = AlertPolicy::default();
    let mut first = pin!(deliver(&f, &store, &gate, &policy, NOW));
    assert!(
        poll_once(first.as_mut()).is_pending(),
        "the first delivery is publishing"
    );
    let second = now_or_never(deliver(&f, &store, &gate, &policy, NOW)).unwrap();
    assert!(matches!(second, Err(AlertError::InFlight(_))), "{second:?}");
    gate.open.store(true, Ordering::SeqCst);
    assert_eq!(poll_once(first.as_mut()), Poll::Ready(Ok(Outcome::Alerted)));
    let retry = now_or_never(deliver(&f, &store, &gate, &policy, NOW + 60)).unwrap();
    assert_eq!(retry, Ok(Outcome::Duplicate));
    assert_eq!(gate.published.load(Ordering::SeqCst), 1);
}

#[test]
fn an_owed_alert_is_taken_over_by_one_delivery_only() {
    let store = MemoryStore::default();
    let f = finding();
    let policy = AlertPolicy::default();
    let down = RecordingPublisher::default();
    down.set_outage(Some(FailureKind::Transient));
    assert!(
        run(&f, &store, &down, NOW).is_err(),
        "the publish failed: the alert is owed"
    );
    let gate = Gate::default();
    let mut taker = pin!(deliver(&f, &store, &gate, &policy, NOW + 30));
    assert!(
        poll_once(taker.as_mut()).is_pending(),
        "one delivery took the owed alert over"
    );
    let other = now_or_never(deliver(&f, &store, &gate, &policy, NOW + 31)).unwrap();
    assert!(matches!(other, Err(AlertError::InFlight(_))), "{other:?}");
    gate.open.store(true, Ordering::SeqCst);
    assert_eq!(poll_once(taker.as_mut()), Poll::Ready(Ok(Outcome::Alerted)));
    assert_eq!(gate.published.load(Ordering::SeqCst), 1);
}

#[test]
fn a_publisher_that_died_mid_publish_is_taken_over_once_stale() {
    let (store, gate) = (MemoryStore::default(), Gate::default());
    let f = finding();
    let policy = AlertPolicy::default();
    {
        let mut died = pin!(deliver(&f, &store, &gate, &policy, NOW));
        assert!(poll_once(died.as_mut()).is_pending());
    } // dropped mid-publish, as a process that dies
    gate.open.store(true, Ordering::SeqCst);
    let soon = now_or_never(deliver(&f, &store, &gate, &policy, NOW + 10)).unwrap();
    assert!(matches!(soon, Err(AlertError::InFlight(_))), "{soon:?}");
    let later = now_or_never(deliver(&f, &store, &gate, &policy, NOW + IN_FLIGHT_SECS + 1)).unwrap();
    assert_eq!(later, Ok(Outcome::Alerted));
    assert_eq!(gate.published.load(Ordering::SeqCst), 1);
}

#[test]
fn a_store_failure_after_the_claim_does_not_hold_the_retry_back() {
    let (store, out) = (FlakyStore::default(), RecordingPublisher::default());
    let f = finding();
    store.fail_next(StoreOp::CountInWindow, FailureKind::Transient);
    let err = now_or_never(deliver(&f, &store, &out, &AlertPolicy::default(), NOW)).unwrap();
    assert!(matches!(err, Err(AlertError::State(_))), "{err:?}");
    // Lambda retries an event after about a minute, long before a claim goes stale.
    let retry = now_or_never(deliver(&f, &store, &out, &AlertPolicy::default(), NOW + 60)).unwrap();
    assert_eq!(retry, Ok(Outcome::Alerted));
    assert_eq!(out.sent().len(), 1);
}

#[test]
fn a_published_alert_is_not_sent_again_when_marking_it_done_fails() {
    let (store, out) = (FlakyStore::default(), RecordingPublisher::default());
    let f = finding();
    store.fail_next(StoreOp::Set, FailureKind::Transient);
    let first = now_or_never(deliver(&f, &store, &out, &AlertPolicy::default(), NOW)).unwrap();
    assert_eq!(first, Ok(Outcome::Alerted), "the alert is out: no retry");
    let again = now_or_never(deliver(&f, &store, &out, &AlertPolicy::default(), NOW + 400)).unwrap();
    assert_eq!(again, Ok(Outcome::Duplicate));
    assert_eq!(out.sent().len(), 1);
}

#[test]
fn another_rule_on_the_same_event_and_dedupe_key_merges() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let first = finding();
    let mut other = first.clone();
    other.rule_id = "bedrock.other_rule".into();
    assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
    assert_eq!(run(&other, &store, &out, NOW + 1), Ok(Outcome::Merged { count: 2 }));
    assert_eq!(out.sent().len(), 1);
}

/// An incident raised by the same detection (first seen: low, then medium from a new network),
/// then by two more detections at the same severity (probing, region fan-out): one alert per
/// severity.
#[test]
fn incident_reports_alert_once_per_severity() {
    let pipeline = Pipeline::new(
        Registry::builtin(),
        Organization::default(),
        Some(StatefulSettings::default()),
    );
    let call = |id: &str, time: &str, ip: &str, model: &str, role: &str, error: &str| {
        let error = if error.is_empty() {
            String::new()
        } else {
            format!(r#","errorCode":"{error}""#)
        };
        format!(
            r#"{{"eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel","eventID":"{id}","eventTime":"{time}",
            "awsRegion":"us-east-1","recipientAccountId":"111122223333","sourceIPAddress":"{ip}","requestParameters":{{"modelId":"{model}"}},
            "userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/{role}/s","accessKeyId":"ASIA{role}",
            "sessionContext":{{"sessionIssuer":{{"arn":"arn:aws:iam::111122223333:role/{role}"}}}}}}{error}}}"#
        )
        .replace('\n', "")
    };
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let deliver_batch = |records: Vec<String>| {
        let mut evaluations: Vec<_> = records
            .iter()
            .map(|r| pipeline.read(r.as_bytes(), Layout::Stream, "t"))
            .collect();
        let mut findings: Vec<Finding> = Vec::new();
        now_or_never(pipeline.finish(&mut evaluations, &store, &mut findings))
            .unwrap()
            .unwrap();
        for f in findings.iter().filter(|f| f.rule_id.contains("llmjacking")) {
            now_or_never(deliver(f, &store, &out, &AlertPolicy::default(), NOW))
                .unwrap()
                .unwrap();
        }
    };
    // Event ids that sort in time order: the smallest id of the incident stays that of its
    // first report.
    let newbie = |id: &str, time: &str, ip: &str, model: &str, error: &str| call(id, time, ip, model, "Newbie", error);
    deliver_batch(vec![call(
        "a0",
        "2026-03-01T10:00:00Z",
        "203.0.113.5",
        "m1",
        "Other",
        "",
    )]);
    deliver_batch(vec![newbie("a1", "2026-03-10T10:00:00Z", "203.0.113.6", "m1", "")]);
    deliver_batch(vec![newbie("b2", "2026-03-10T10:01:00Z", "198.51.100.7", "m2", "")]);
    let denied = "AccessDeniedException";
    let probes = (0..10).map(|i| newbie(&format!("p{i}"), "2026-03-10T10:02:00Z", "198.51.100.7", "m2", denied));
    deliver_batch(probes.collect());
    // A third region: region fan-out joins the incident, already high.
    let fan_out = ["us-west-2", "eu-central-1"].iter().enumerate().map(|(i, region)| {
        newbie(&format!("r{i}"), "2026-03-10T10:03:00Z", "198.51.100.7", "m2", "").replace("us-east-1", region)
    });
    deliver_batch(fan_out.collect());
    let sent: Vec<(String, Severity)> = out.sent().iter().map(|f| (f.rule_id.clone(), f.severity)).collect();
    assert_eq!(
        sent,
        [
            ("bedrock.llmjacking_first_seen".to_owned(), Severity::Low),
            ("bedrock.llmjacking_first_seen".to_owned(), Severity::Medium),
            ("bedrock.llmjacking_probing".to_owned(), Severity::High),
        ],
        "the rise of one detection alerts; one alert per severity"
    );
}

/// The same finding again with another event id, `secs` later (event time).
fn repeat(f: &Finding, n: usize, secs: i64) -> Finding {
    let mut again = f.clone();
    if let Subject::Events(e) = &mut again.subject {
        e.event_ids = vec![format!("repeat-{n}")];
        let t = f.time_millis().unwrap() / 1000 + secs;
        e.event_time = Some(aidr_engine::time::format_millis(t * 1000));
    }
    again
}

#[test]
fn repeats_publish_an_update_at_most_once_per_interval() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let first = finding();
    assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
    // Repeats inside the first interval are merged silently.
    assert_eq!(
        run(&repeat(&first, 1, 60), &store, &out, NOW),
        Ok(Outcome::Merged { count: 2 })
    );
    assert_eq!(
        run(&repeat(&first, 2, 600), &store, &out, NOW),
        Ok(Outcome::Merged { count: 3 })
    );
    // The first repeat one interval after the alert publishes an update; the next waits again.
    let due = repeat(&first, 3, UPDATE_INTERVAL_SECS);
    assert_eq!(run(&due, &store, &out, NOW), Ok(Outcome::Updated { count: 4 }));
    assert_eq!(
        run(&due, &store, &out, NOW + 1),
        Ok(Outcome::Duplicate),
        "redelivered: nothing new"
    );
    let soon = repeat(&first, 4, UPDATE_INTERVAL_SECS + 60);
    assert_eq!(run(&soon, &store, &out, NOW), Ok(Outcome::Merged { count: 5 }));
    let later = repeat(&first, 5, 2 * UPDATE_INTERVAL_SECS);
    assert_eq!(run(&later, &store, &out, NOW), Ok(Outcome::Updated { count: 6 }));
    let kinds: Vec<(AlertKind, i64, Vec<String>)> = out
        .messages()
        .into_iter()
        .map(|m| (m.kind, m.count, m.finding.event_ids().to_vec()))
        .collect();
    assert_eq!(
        kinds,
        [
            (AlertKind::Alert, 1, first.event_ids().to_vec()),
            (AlertKind::Update, 4, vec!["repeat-3".to_owned()]),
            (AlertKind::Update, 6, vec!["repeat-5".to_owned()]),
        ]
    );
    // The message carries its kind and count beside the finding's fields.
    let message = serde_json::to_value(Alert {
        kind: AlertKind::Update,
        count: 4,
        response: None,
        finding: &due,
    })
    .unwrap();
    assert_eq!(
        (message["kind"].as_str(), message["count"].as_i64()),
        (Some("update"), Some(4))
    );
    assert_eq!(message["rule_id"], first.rule_id.as_str());
}

#[test]
fn a_failed_update_is_retried_and_updates_can_be_off() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let first = finding();
    assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
    let due = repeat(&first, 1, UPDATE_INTERVAL_SECS);
    out.set_outage(Some(FailureKind::Transient));
    assert!(
        run(&due, &store, &out, NOW).is_err(),
        "the update failed: the delivery is retried"
    );
    out.set_outage(None);
    assert_eq!(run(&due, &store, &out, NOW + 1), Ok(Outcome::Updated { count: 3 }));
    assert_eq!(out.messages().len(), 2);

    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let off = AlertPolicy {
        update_interval_secs: 0,
        ..AlertPolicy::default()
    };
    let deliver_off = |f: &Finding| now_or_never(deliver(f, &store, &out, &off, NOW)).unwrap();
    assert_eq!(deliver_off(&first), Ok(Outcome::Alerted));
    assert_eq!(
        deliver_off(&repeat(&first, 1, 3 * UPDATE_INTERVAL_SECS)),
        Ok(Outcome::Merged { count: 2 })
    );
}

#[test]
fn an_update_of_an_earlier_window_does_not_make_the_next_one_due_at_once() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let first = finding();
    assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
    let due = repeat(&first, 1, UPDATE_INTERVAL_SECS);
    assert_eq!(run(&due, &store, &out, NOW), Ok(Outcome::Updated { count: 2 }));
    // The window (an hour for this rule) ends; the next finding opens a new one, and a repeat
    // right after it is merged silently although the last update is long past.
    let next = repeat(&first, 2, 4_000);
    assert_eq!(run(&next, &store, &out, NOW), Ok(Outcome::Alerted));
    let soon = repeat(&first, 3, 4_060);
    assert_eq!(run(&soon, &store, &out, NOW), Ok(Outcome::Merged { count: 2 }));
}
