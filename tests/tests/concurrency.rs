//! Two real detector processes get the same alerting events at the same moment (as when Lambda
//! scales out and SQS or EventBridge delivers an event twice), round after round, against
//! moto: every situation is alerted exactly once. A delivery that loses the race fails for
//! retry (another delivery is in flight) and, retried as Lambda would, finds the alert sent.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use aidr_e2e::runtime_api::{Reply, Runtime, detector_binary};
use aidr_e2e::{Stack, emulator, sample};
use aidr_engine::input::Layout;
use aidr_engine::{DetectionKind, Organization, Pipeline, Registry, Severity};
use serde_json::Value;

/// Rounds of the race; each starts the second process a little later than the one before, to
/// sweep the window between claiming an event and publishing its alert.
const ROUNDS: u64 = 4;
/// The offset added to the second process's start per round.
const STAGGER: Duration = Duration::from_millis(4);
/// Events per round.
const EVENTS: usize = 40;

/// The first [`EVENTS`] of the event rules' alerting samples (each makes at least one finding
/// of low or more).
fn alerting_samples() -> Vec<Value> {
    let registry = Registry::builtin();
    let paths: BTreeSet<&str> = registry
        .detections()
        .iter()
        .filter(|d| d.kind() == DetectionKind::Event)
        .flat_map(|d| d.metadata().samples.must_fire.iter().copied())
        .collect();
    paths
        .into_iter()
        .take(EVENTS)
        .map(|p| sample(p.trim_start_matches("events/")))
        .collect()
}

/// The samples made new for a round: another account (so new dedupe windows open) and new
/// event ids.
fn round_events(samples: &[Value], round: u64) -> Vec<Value> {
    let account = format!("5000000000{round:02}");
    samples
        .iter()
        .map(|s| {
            let text = s.to_string().replace("111122223333", &account);
            let mut v: Value = serde_json::from_str(&text).unwrap();
            let id = v["detail"]["eventID"].as_str().unwrap_or("").to_owned();
            v["detail"]["eventID"] = Value::String(format!("{id}-r{round}"));
            v["id"] = Value::String(format!("{}-r{round}", v["id"].as_str().unwrap_or("")));
            v
        })
        .collect()
}

/// The alerts one detector alone would send for `events`: one per dedupe key of the findings
/// at or above the default minimum severity.
fn expected_alerts(events: &[Value]) -> BTreeSet<String> {
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), None);
    events
        .iter()
        .flat_map(|e| {
            pipeline
                .read(e.to_string().as_bytes(), Layout::Stream, "event")
                .findings
        })
        .filter(|f| f.severity >= Severity::Low)
        .map(|f| f.dedupe_key)
        .collect()
}

/// Invokes `events` in order; returns the events whose invocation failed for retry.
fn deliver_all(rt: &mut Runtime, events: &[Value], delay: Duration) -> Vec<Value> {
    std::thread::sleep(delay);
    let mut retry = Vec::new();
    for event in events {
        match rt.invoke(event) {
            Reply::Response(out) => {
                let dead = out["dead_lettered"].as_u64().unwrap_or(0);
                assert_eq!(dead, 0, "{out}\n{}", rt.log());
            }
            Reply::Error(e) => {
                assert_eq!(e["errorType"], "Aidr.AlertNotDelivered", "{e}\n{}", rt.log());
                retry.push(event.clone());
            }
        }
    }
    retry
}

#[tokio::test]
async fn two_detectors_racing_on_the_same_events_alert_each_situation_once() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let mut env = stack.detector_env();
    // The race is about the alerting protocol: the single-event rules give a known set of
    // alerts to expect (incidents depend on which process sees which event first).
    env.push(("AIDR_STATEFUL", "off".into()));
    let (mut a, mut b) = (
        Runtime::start(&detector_binary("debug"), &env),
        Runtime::start(&detector_binary("debug"), &env),
    );
    a.wait_ready();
    b.wait_ready();
    let samples = alerting_samples();
    let mut expected = BTreeSet::new();
    let mut retried = 0;
    for round in 0..ROUNDS {
        let events = round_events(&samples, round);
        expected.extend(expected_alerts(&events));
        let (retry_a, retry_b) = std::thread::scope(|s| {
            let first = s.spawn(|| deliver_all(&mut a, &events, Duration::ZERO));
            let second = s.spawn(|| deliver_all(&mut b, &events, STAGGER * round as u32));
            (first.join().unwrap(), second.join().unwrap())
        });
        // Lambda delivers a failed event again; by then the other delivery has finished.
        for event in retry_a.iter().chain(&retry_b) {
            retried += 1;
            let deadline = Instant::now() + Duration::from_secs(10);
            while !deliver_all(&mut a, std::slice::from_ref(event), Duration::ZERO).is_empty() {
                assert!(Instant::now() < deadline, "still in flight: {event}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    let alerts = stack.alerts(expected.len(), Duration::from_secs(30)).await;
    let extra = stack.alerts(0, Duration::from_secs(2)).await;
    let mut sent: HashMap<String, usize> = HashMap::new();
    for note in alerts.iter().chain(&extra) {
        let finding: Value = serde_json::from_str(note["Message"].as_str().unwrap()).unwrap();
        *sent
            .entry(finding["dedupe_key"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let twice: Vec<_> = sent.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "alerted more than once: {twice:?}");
    let sent: BTreeSet<String> = sent.into_keys().collect();
    assert_eq!(sent, expected, "every situation is alerted once");
    eprintln!(
        "{} rounds of {} events on two detectors: {} alerts, {retried} deliveries retried",
        ROUNDS,
        samples.len(),
        expected.len()
    );
}
