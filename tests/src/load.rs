//! Load and concurrency harness: CloudTrail records delivered to the real detector as the
//! deployed stack delivers them (EventBridge events in SQS batches; the messages a batch reports
//! failed delivered again, as Lambda does), what came out of it (the alerts published, the
//! dedupe windows' occurrence counts and the stateful detections' counters in the state table),
//! and what one in-process pipeline makes of the same batches delivered once, on the in-memory
//! store (the expected outcome).

pub mod mix;
pub mod soak;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aidr_engine::alerting::{Alert, AlertKind, AlertPolicy, Outcome, deliver};
use aidr_engine::input::Layout;
use aidr_engine::ports::{MemoryStore, PublishError, Publisher, StateStore};
use aidr_engine::time::now_secs;
use aidr_engine::{Finding, Pipeline};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use crate::Stack;
use crate::runtime_api::{Reply, Runtime};

/// One SQS message: its id and its body (an EventBridge event).
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub id: String,
    pub body: String,
}

/// The EventBridge event ("AWS API Call via CloudTrail") that carries `record`.
pub fn eventbridge(record: &Value, id: &str) -> Value {
    let service = record["eventSource"]
        .as_str()
        .and_then(|s| s.split('.').next())
        .unwrap_or("unknown");
    json!({"version": "0", "id": id, "detail-type": "AWS API Call via CloudTrail",
           "source": format!("aws.{service}"), "account": record["recipientAccountId"],
           "time": record["eventTime"], "region": record["awsRegion"], "resources": [], "detail": record})
}

/// The SQS messages that carry `records`, each in its EventBridge event; message ids are
/// `<prefix>-<index>`.
pub fn queue(records: &[Value], prefix: &str) -> Vec<Queued> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = format!("{prefix}-{i}");
            Queued {
                body: eventbridge(r, &format!("eb-{id}")).to_string(),
                id,
            }
        })
        .collect()
}

/// The Lambda event of an SQS batch of `messages`.
pub fn sqs_event(messages: &[&Queued]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            json!({"messageId": m.id, "receiptHandle": format!("rh-{}", m.id), "body": m.body,
                   "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:aidr-batch",
                   "awsRegion": "us-east-1", "attributes": {"ApproximateReceiveCount": "1"},
                   "messageAttributes": {}, "md5OfBody": ""})
        })
        .collect();
    json!({ "Records": records })
}

/// Invokes the detector with one SQS batch; returns the ids of the messages it reported failed
/// (`batchItemFailures`).
///
/// # Errors
/// When the function failed the invocation as a whole (a function error, which an SQS batch
/// must never cause) or dead-lettered a message (the harness sends only readable events), with
/// the function's answer.
pub fn invoke_batch(rt: &mut Runtime, batch: &[&Queued]) -> Result<Vec<String>, String> {
    match rt.invoke(&sqs_event(batch)) {
        Reply::Response(out) => {
            let failed = out["batchItemFailures"]
                .as_array()
                .ok_or_else(|| format!("no batchItemFailures in the answer: {out}"))?;
            Ok(failed
                .iter()
                .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
                .collect())
        }
        Reply::Error(e) => Err(format!("function error: {e}")),
    }
}

/// What delivering took: invocations (retries included) and messages delivered again.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub invocations: usize,
    pub redelivered: usize,
}

impl std::ops::AddAssign for Delivered {
    fn add_assign(&mut self, other: Delivered) {
        self.invocations += other.invocations;
        self.redelivered += other.redelivered;
    }
}

/// Delivers `batch`, then the messages it reported failed as a batch of their own (after
/// `pause`, as SQS makes them visible again) until none is left or `patience` has passed.
///
/// # Errors
/// A function error (see [`invoke_batch`]), or messages still failing after `patience`.
pub fn deliver_batch(
    rt: &mut Runtime,
    batch: &[&Queued],
    pause: Duration,
    patience: Duration,
) -> Result<Delivered, String> {
    let deadline = Instant::now() + patience;
    let mut done = Delivered::default();
    let mut pending: Vec<&Queued> = batch.to_vec();
    loop {
        done.invocations += 1;
        let failed = invoke_batch(rt, &pending)?;
        if failed.is_empty() {
            return Ok(done);
        }
        pending.retain(|m| failed.contains(&m.id));
        if pending.len() != failed.len() {
            return Err(format!("batchItemFailures names messages not in the batch: {failed:?}"));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{} message(s) still failing after {} s: {failed:?}",
                failed.len(),
                patience.as_secs()
            ));
        }
        done.redelivered += pending.len();
        std::thread::sleep(pause);
    }
}

/// What came out of a run: the messages published and the state kept.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcomes {
    /// Alerts (`kind` alert) published, per dedupe key.
    pub alerts: BTreeMap<String, usize>,
    /// Updates on repeats published, per dedupe key.
    pub updates: BTreeMap<String, usize>,
    /// The occurrence count of each dedupe key's last window (`dedupe#<key>`).
    pub windows: BTreeMap<String, i64>,
    /// The stateful detections' counters (`llm#probe#…`, `llm#vol#…`), by key.
    pub counters: BTreeMap<String, i64>,
    /// The stateful detections' sets (`llm#regions#…`, `llm#breadth#…`) and the signals of each
    /// incident (`llm#incident#…`, its `signal:` tags only: its event ids and details depend on
    /// the order events arrive in), by key.
    pub sets: BTreeMap<String, BTreeSet<String>>,
    /// Events the stateful detections marked observed (`llm#obs#…`).
    pub observed: usize,
}

impl Outcomes {
    /// Every alert published, counted once per message.
    pub fn alert_count(&self) -> usize {
        self.alerts.values().sum()
    }

    /// The differences from `expected`, one line each (empty when they agree): alerts
    /// missing or duplicated, counts and sets that differ.
    pub fn differences(&self, expected: &Outcomes) -> Vec<String> {
        let mut out = Vec::new();
        diff("alerts", &self.alerts, &expected.alerts, &mut out);
        diff("window count", &self.windows, &expected.windows, &mut out);
        diff("counter", &self.counters, &expected.counters, &mut out);
        diff("set", &self.sets, &expected.sets, &mut out);
        if self.observed != expected.observed {
            out.push(format!(
                "events observed: {} (expected {})",
                self.observed, expected.observed
            ));
        }
        out
    }
}

/// Lines for the keys where `got` and `want` differ.
fn diff<V: PartialEq + std::fmt::Debug>(
    what: &str,
    got: &BTreeMap<String, V>,
    want: &BTreeMap<String, V>,
    out: &mut Vec<String>,
) {
    let keys: BTreeSet<&String> = got.keys().chain(want.keys()).collect();
    for key in keys {
        let (g, w) = (got.get(key), want.get(key));
        if g != w {
            out.push(format!("{what} {key}: {g:?} (expected {w:?})"));
        }
    }
}

/// Records what alerting publishes, per dedupe key and kind.
#[derive(Debug, Default)]
struct Recorder {
    sent: Mutex<Vec<(AlertKind, String)>>,
}

impl Publisher for Recorder {
    fn publish(&self, alert: &Alert<'_>) -> impl std::future::Future<Output = Result<(), PublishError>> + Send {
        if let Ok(mut sent) = self.sent.lock() {
            sent.push((alert.kind, alert.finding.dedupe_key.clone()));
        }
        std::future::ready(Ok(()))
    }
}

/// What one detector alone makes of `batches`, each delivered once in order, as the detector
/// handles a batch: each message through `pipeline`, its findings alerted, then the stateful
/// detections over the batch and their findings alerted, all on one in-memory store.
///
/// # Errors
/// A state or alerting failure, which on the in-memory store means a bug.
pub async fn expected(pipeline: &Pipeline, batches: &[Vec<&Queued>], policy: &AlertPolicy) -> Result<Outcomes, String> {
    let store = MemoryStore::default();
    let publisher = Recorder::default();
    let mut outcomes = Outcomes::default();
    let now = now_secs();
    for batch in batches {
        let mut evaluations: Vec<_> = batch
            .iter()
            .map(|m| pipeline.read(m.body.as_bytes(), Layout::Stream, &m.id))
            .collect();
        let mut findings: Vec<Finding> = Vec::new();
        pipeline
            .finish(&mut evaluations, &store, &mut findings)
            .await
            .map_err(|f| format!("stateful detections: {}", f.error))?;
        for finding in &findings {
            let outcome = deliver(finding, &store, &publisher, policy, now)
                .await
                .map_err(|e| format!("alerting {}: {e}", finding.rule_id))?;
            let key = finding.dedupe_key.clone();
            match outcome {
                Outcome::Alerted => {
                    outcomes.windows.insert(key, 1);
                }
                Outcome::Merged { count } | Outcome::Updated { count } => {
                    outcomes.windows.insert(key, count);
                }
                Outcome::Duplicate | Outcome::Silenced(_) => {}
            }
        }
    }
    for (kind, key) in publisher.sent.into_inner().map_err(|_| "recorder poisoned")? {
        let tally = match kind {
            AlertKind::Alert => &mut outcomes.alerts,
            _ => &mut outcomes.updates,
        };
        *tally.entry(key).or_default() += 1;
    }
    for key in store.keys() {
        if key.starts_with("llm#obs#") {
            outcomes.observed += 1;
        } else if counter(&key) {
            if let Some(item) = store.get(&key, i64::MIN).await.map_err(|e| e.to_string())? {
                outcomes.counters.insert(key, item.value);
            }
        } else if let Some(tag) = set(&key) {
            let members = store.members(&key, i64::MIN).await.map_err(|e| e.to_string())?.members;
            outcomes
                .sets
                .insert(key, members.into_iter().filter(|m| tag(m)).collect());
        }
    }
    Ok(outcomes)
}

/// True for the keys of the stateful detections' counters (`ADD`).
fn counter(key: &str) -> bool {
    key.starts_with("llm#probe#") || key.starts_with("llm#vol#")
}

/// For the keys of the stateful detections' sets compared: which of their members count.
fn set(key: &str) -> Option<fn(&str) -> bool> {
    if key.starts_with("llm#regions#") || key.starts_with("llm#breadth#") {
        Some(|_| true)
    } else if key.starts_with("llm#incident#") {
        Some(|m| m.starts_with("signal:"))
    } else {
        None
    }
}

/// Every item of the stack's state table (all pages).
pub async fn scan(stack: &Stack) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    let ddb = aws_sdk_dynamodb::Client::new(&stack.config);
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = ddb
            .scan()
            .table_name(&stack.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        items.extend(out.items.unwrap_or_default());
        start = out.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// What a run on `stack` did: the alerts and updates read from its alert queue (for up to
/// `patience` after the last one, at least until `expected_alerts` alerts arrived), the
/// windows, counters and sets in its table.
pub async fn observed(stack: &Stack, expected_alerts: usize, patience: Duration) -> Outcomes {
    let mut outcomes = Outcomes::default();
    let mut quiet_since = Instant::now();
    loop {
        let notes = stack.alerts(usize::MAX, Duration::from_millis(1500)).await;
        if notes.is_empty() && (outcomes.alert_count() >= expected_alerts || quiet_since.elapsed() > patience) {
            break;
        }
        if !notes.is_empty() {
            quiet_since = Instant::now();
        }
        for note in notes {
            let message: Value = serde_json::from_str(note["Message"].as_str().unwrap_or("{}")).unwrap_or_default();
            let key = message["dedupe_key"].as_str().unwrap_or("-").to_owned();
            let tally = match message["kind"].as_str() {
                Some("alert") => &mut outcomes.alerts,
                _ => &mut outcomes.updates,
            };
            *tally.entry(key).or_default() += 1;
        }
    }
    for item in scan(stack).await {
        let Some(key) = item.get("pk").and_then(|k| k.as_s().ok()).cloned() else {
            continue;
        };
        let number = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
        };
        if let Some(dedupe) = key.strip_prefix("dedupe#") {
            outcomes.windows.insert(dedupe.to_owned(), number("count").unwrap_or(0));
        } else if key.starts_with("llm#obs#") {
            outcomes.observed += 1;
        } else if counter(&key) {
            outcomes.counters.insert(key, number("v").unwrap_or(0));
        } else if let Some(tag) = set(&key) {
            let members = item
                .get("members")
                .and_then(|m| m.as_ss().ok())
                .cloned()
                .unwrap_or_default();
            outcomes
                .sets
                .insert(key, members.into_iter().filter(|m| tag(m)).collect());
        }
    }
    outcomes
}

/// `VmHWM` and `VmRSS` of process `pid`, in MB (NaN when unreadable).
pub fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}
