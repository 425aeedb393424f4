//! Real detector processes get the same events at the same moment (as when Lambda scales out
//! and SQS or EventBridge delivers an event twice), against moto: every situation is alerted
//! exactly once. A delivery that loses the race fails for retry (another delivery is in flight)
//! and, retried as Lambda would, finds the alert sent.
//!
//! Two detectors race on the same events, round after round; three get overlapping SQS batches
//! (each message in two batches handled at once) of alerting events and LLMjacking traffic,
//! and end with the alerts, the dedupe windows' occurrence counts and the stateful detections'
//! counters and sets that one detector alone makes of the same events delivered once. Without
//! faults nothing may differ; with store failures, alerting.rs allows one occurrence counted
//! twice in a window, and the stateful detections' counters may count the calls of a batch that
//! failed half-way twice (see `aidr_engine::stateful::judge`).

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use aidr_e2e::runtime_api::{Reply, Runtime, detector_binary};
use aidr_e2e::{Stack, emulator, load, sample};
use aidr_engine::alerting::AlertPolicy;
use aidr_engine::input::Layout;
use aidr_engine::stateful::{INCIDENT_GROUP, StatefulSettings};
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

/// Detector processes racing in [`three_detectors_on_overlapping_batches_lose_and_duplicate_nothing`].
const DETECTORS: usize = 3;
/// Messages per SQS batch there; consecutive batches share half of them.
const BATCH: usize = 10;
/// Stateful settings of that test: no learning period (so first uses are reported at once).
const STATEFUL_SETTINGS: &str = "learning_secs=1";
/// 2026-04-01T00:00:00Z: the LLMjacking traffic's first second.
const T0: i64 = 1_775_001_600;

/// A Bedrock invocation by the long-term key `key` of the user `user` in `account`, at `t`;
/// denied when `denied`.
fn invocation(account: &str, user: &str, key: &str, n: usize, t: i64, region: &str, denied: bool) -> Value {
    let mut record = serde_json::json!({
        "eventVersion": "1.09", "eventTime": aidr_engine::time::format_secs(t),
        "userIdentity": {"type": "IAMUser", "principalId": format!("AIDA{user}"), "arn": format!("arn:aws:iam::{account}:user/{user}"),
                         "accountId": account, "accessKeyId": key, "userName": user},
        "eventSource": "bedrock.amazonaws.com", "eventName": "InvokeModel", "awsRegion": region,
        "sourceIPAddress": "185.220.101.4", "userAgent": "python-requests/2.31",
        "requestParameters": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}, "responseElements": null,
        "requestID": format!("req-{account}-{key}-{n}"), "eventID": format!("ev-{account}-{key}-{n}"), "readOnly": true,
        "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": account, "eventCategory": "Management"
    });
    if denied {
        record["errorCode"] = Value::String("AccessDeniedException".into());
        record["errorMessage"] = Value::String("not authorized".into());
    }
    record
}

/// An application role's Bedrock invocation in `account` at `t`, from inside its network.
fn application_call(account: &str, t: i64) -> Value {
    let mut record = invocation(account, "app", "ASIAAPPLICATION0001", 0, t, "us-east-1", false);
    record["userIdentity"] = serde_json::json!({"type": "AssumedRole", "principalId": "AROAAPP:worker",
        "arn": format!("arn:aws:sts::{account}:assumed-role/ChatApp/worker"), "accountId": account,
        "accessKeyId": "ASIAAPPLICATION0001",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{account}:role/ChatApp"),
                                             "accountId": account, "userName": "ChatApp"}}});
    record["sourceIPAddress"] = Value::String("10.0.3.9".into());
    record
}

/// A round's LLMjacking traffic in `account`, interleaved in event time: one stolen key probes
/// (12 denied calls) and invokes in three regions (probing, first use, region fan-out); another
/// probes and invokes in one region, two medium signals whose incident is high only when both
/// are seen together.
fn llmjacking(account: &str) -> Vec<Value> {
    let mut records = Vec::new();
    for (key, user, regions) in [
        (
            "AKIASTOLENFANOUT001",
            "ci-deployer",
            &["us-east-1", "us-west-2", "eu-central-1"][..],
        ),
        ("AKIASTOLENPROBING01", "report-batch", &["us-east-1"][..]),
    ] {
        for i in 0..12 {
            records.push(invocation(account, user, key, i, T0 + 2 * i as i64, "us-east-1", true));
        }
        for (r, region) in regions.iter().enumerate() {
            for i in 0..6 {
                let n = 100 + r * 10 + i;
                let t = T0 + 1 + 2 * (r * 6 + i) as i64;
                records.push(invocation(account, user, key, n, t, region, false));
            }
        }
    }
    records.sort_by_key(|r| {
        (
            r["eventTime"].as_str().unwrap_or("").to_owned(),
            r["eventID"].to_string(),
        )
    });
    records
}

/// The deliveries a detector's log shows failed for another reason than a concurrent delivery.
fn store_failures(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("finding not alerted") && !l.contains("being handled by another delivery"))
        .map(str::to_owned)
        .collect()
}

/// Detector `d`'s share of the overlapping batches: batch `k` holds messages `[5k, 5k + 10)` and
/// goes to detector `k % 3`, so each message is in two batches that two detectors handle at the
/// same time.
fn overlapping(messages: &[load::Queued], d: usize) -> Vec<Vec<&load::Queued>> {
    let step = BATCH / 2;
    (0..messages.len().div_ceil(step))
        .filter(|k| k % DETECTORS == d)
        .map(|k| {
            messages[k * step..(k * step + BATCH).min(messages.len())]
                .iter()
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn three_detectors_on_overlapping_batches_lose_and_duplicate_nothing() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let mut env = stack.detector_env();
    env.push(("AIDR_LOOKUPS", "off".into()));
    env.push(("AIDR_STATEFUL_SETTINGS", STATEFUL_SETTINGS.into()));
    let mut detectors: Vec<Runtime> = (0..DETECTORS)
        .map(|_| Runtime::start(&detector_binary("debug"), &env))
        .collect();
    detectors.iter_mut().for_each(|d| {
        d.wait_ready();
    });
    // The race's events make no observation but the LLMjacking traffic's: the samples' Bedrock
    // calls would start first-seen's learning periods, which begin at the first event seen
    // (an order no race keeps).
    let mut settings = StatefulSettings::default();
    settings.apply(STATEFUL_SETTINGS).unwrap();
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), Some(settings));
    let samples: Vec<Value> = alerting_samples()
        .into_iter()
        .filter(|e| {
            pipeline
                .read(e.to_string().as_bytes(), Layout::Stream, "sample")
                .observations
                .is_empty()
        })
        .collect();
    let (mut warm_up, mut racing) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let account = format!("6000000000{round:02}");
        warm_up.push(application_call(&account, T0 - 86_400));
        let mut records: Vec<Value> = round_events(&samples, round)
            .into_iter()
            .map(|e| e["detail"].clone())
            .collect();
        records.extend(llmjacking(&account));
        racing.extend(load::queue(&records, &format!("r{round}")));
    }
    let warm_up = load::queue(&warm_up, "warm-up");
    let warm_up: Vec<&load::Queued> = warm_up.iter().collect();
    // What one detector alone makes of the same events, each delivered once.
    let once: Vec<Vec<&load::Queued>> = std::iter::once(warm_up.clone())
        .chain(racing.chunks(BATCH).map(|c| c.iter().collect()))
        .collect();
    let expected = load::expected(&pipeline, &once, &AlertPolicy::default()).await.unwrap();

    // The accounts' first Bedrock calls start their learning periods, then the race.
    let patience = Duration::from_secs(30);
    let first = load::deliver_batch(&mut detectors[0], &warm_up, Duration::ZERO, patience).unwrap();
    let delivered = std::thread::scope(|s| {
        let workers: Vec<_> = detectors
            .iter_mut()
            .enumerate()
            .map(|(d, rt)| {
                let batches = overlapping(&racing, d);
                s.spawn(move || {
                    let mut done = load::Delivered::default();
                    for batch in &batches {
                        let pause = Duration::from_millis(100);
                        match load::deliver_batch(rt, batch, pause, patience) {
                            Ok(d) => done += d,
                            Err(e) => panic!("detector {d}: {e}\n{}", rt.log()),
                        }
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().fold(first, |mut all, w| {
            all += w.join().unwrap();
            all
        })
    });
    let mut got = load::observed(&stack, expected.alert_count(), Duration::from_secs(10)).await;
    // How many reports an incident makes depends on how its events were batched (each batch
    // judges its own), so its windows' counts are not compared; its alerts are.
    let batched = |k: &String| !k.starts_with(INCIDENT_GROUP);
    let mut want = expected.clone();
    want.windows.retain(|k, _| batched(k));
    got.windows.retain(|k, _| batched(k));
    // A delivery that failed for another reason than a concurrent one (a store or publish call
    // failing under load) after counting its occurrence counts it again when retried: by
    // design (alerting.rs), one occurrence over per such failure, never one under.
    let failures: Vec<String> = detectors.iter().flat_map(|d| store_failures(&d.log())).collect();
    let mut over = 0;
    for (key, count) in std::mem::take(&mut got.windows) {
        let wanted = want.windows.get(&key).copied().unwrap_or(0);
        over += (count - wanted).max(0) as usize;
        got.windows.insert(key, count.min(wanted.max(1)));
    }
    assert!(
        over <= failures.len(),
        "{over} occurrence(s) counted twice, {} failure(s): {failures:?}",
        failures.len()
    );
    let differences = got.differences(&want);
    assert!(
        differences.is_empty(),
        "three racing detectors differ from one alone:\n{}",
        differences.join("\n")
    );
    for severity in ["medium", "high"] {
        let key = format!("{INCIDENT_GROUP}|600000000000|AKIASTOLENPROBING01|{severity}");
        assert_eq!(got.alerts.get(&key), Some(&1), "{key}: {:?}", got.alerts);
    }
    eprintln!(
        "{} messages in overlapping batches on {DETECTORS} detectors: {} alerts ({} keys), {} counters, {} sets, {} events observed; {:?}; {over} occurrence(s) counted again after {} failure(s) under load",
        racing.len(),
        got.alert_count(),
        got.alerts.len(),
        got.counters.len(),
        got.sets.len(),
        got.observed,
        delivered,
        failures.len()
    );
}
