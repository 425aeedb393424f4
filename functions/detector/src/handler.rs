//! The detector's logic, generic over the engine's ports so it runs in-process in tests:
//! an EventBridge event (one CloudTrail record) or an SQS batch of them -> rules -> alerts.

use aidr_engine::alerting::{AlertError, AlertPolicy, Outcome, Publisher, deliver};
use aidr_engine::input::Layout;
use aidr_engine::state::StateError;
use aidr_engine::state::StateStore;
use aidr_engine::stateful::{Observation, Tracker};
use aidr_engine::{Engine, Finding};
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tracing::{error, info, warn};

/// Everything one invocation needs; built once per cold start.
pub struct Detector<S, P> {
    pub engine: Engine,
    /// The stateful detections (they run when the engine's stateful switch is on).
    pub tracker: Tracker,
    pub store: S,
    pub publisher: P,
    pub policy: AlertPolicy,
}

/// Why an event could not be processed; the whole event (or SQS message) is retried.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("unreadable event: {0}")]
    Input(String),
    #[error("{failed} of {total} findings could not be alerted: {first}")]
    Alert {
        failed: usize,
        total: usize,
        first: AlertError,
    },
    #[error("stateful detections: {0}")]
    State(StateError),
    #[error("unreadable SQS batch: {0}")]
    Batch(String),
}

/// What an event produced.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub records: usize,
    pub skipped: usize,
    pub findings: usize,
    pub alerted: usize,
    pub merged: usize,
    pub duplicates: usize,
    pub silenced: usize,
}

/// The fields that tell an SQS batch from an EventBridge event.
#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Vec<PeekRecord<'a>>,
}

#[derive(Deserialize)]
struct PeekRecord<'a> {
    #[serde(rename = "eventSource", borrow)]
    event_source: Option<&'a str>,
}

fn is_sqs_batch(payload: &str) -> bool {
    serde_json::from_str::<Peek>(payload)
        .is_ok_and(|p| p.records.first().is_some_and(|r| r.event_source == Some("aws:sqs")))
}

impl<S: StateStore, P: Publisher> Detector<S, P> {
    /// Handles one invocation payload: an SQS batch (answered with the failed message ids) or an
    /// EventBridge event (answered with a summary). `now` is wall-clock Unix seconds.
    pub async fn handle(&self, payload: &RawValue, now: i64) -> Result<serde_json::Value, HandlerError> {
        let text = payload.get();
        if is_sqs_batch(text) {
            let batch: SqsEvent = serde_json::from_str(text).map_err(|e| HandlerError::Batch(e.to_string()))?;
            let response = self.handle_batch(batch, now).await;
            return serde_json::to_value(response).map_err(|e| HandlerError::Batch(e.to_string()));
        }
        let summary = self.handle_text(text, "event", now).await?;
        serde_json::to_value(summary).map_err(|e| HandlerError::Input(e.to_string()))
    }

    /// Handles an SQS batch: each message through the single-event rules, then all their
    /// observations together through the stateful detections (one state write per key per
    /// batch). Only the failed messages are reported for retry.
    pub async fn handle_batch(&self, batch: SqsEvent, now: i64) -> SqsBatchResponse {
        let mut total = Summary::default();
        let mut failed: Vec<String> = Vec::new();
        let mut observations: Vec<Observation> = Vec::new();
        let mut observed_by: Vec<String> = Vec::new();
        for message in batch.records {
            let id = message.message_id.unwrap_or_default();
            let result = match message.body.as_deref() {
                Some(body) => self.evaluate(body, &id, now, &mut total).await,
                None => Err(HandlerError::Input("SQS message has no body".into())),
            };
            match result {
                Ok(found) if !found.is_empty() => {
                    observations.extend(found);
                    observed_by.push(id);
                }
                Ok(_) => {}
                Err(e) => {
                    error!(message_id = %id, error = %e, "SQS message failed; it will be retried");
                    failed.push(id);
                }
            }
        }
        if let Err(e) = self.track(&observations, now, &mut total).await {
            error!(messages = observed_by.len(), error = %e, "stateful detections failed; their messages will be retried");
            failed.extend(observed_by);
        }
        info!(failed = failed.len(), summary = ?total, "batch done");
        let mut response = SqsBatchResponse::default();
        for id in failed {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
        response
    }

    /// Handles one EventBridge event (or any CloudTrail text the engine reads).
    pub async fn handle_text(&self, text: &str, origin: &str, now: i64) -> Result<Summary, HandlerError> {
        let mut summary = Summary::default();
        let observations = self.evaluate(text, origin, now, &mut summary).await?;
        self.track(&observations, now, &mut summary).await?;
        Ok(summary)
    }

    /// Reads `text`, alerts the single-event findings, and returns what the stateful
    /// detections need from it.
    async fn evaluate(
        &self,
        text: &str,
        origin: &str,
        now: i64,
        summary: &mut Summary,
    ) -> Result<Vec<Observation>, HandlerError> {
        let sink = self.engine.evaluate_text(text.as_bytes(), Layout::Stream, origin);
        if let Some(first) = sink.errors.first() {
            let count = sink.errors.len();
            error!(origin, errors = count, error = %first, "unreadable event");
            return Err(HandlerError::Input(format!("{first} ({count} error(s))")));
        }
        if sink.skipped > 0 {
            warn!(
                origin,
                skipped = sink.skipped,
                "not a CloudTrail API call event; skipped"
            );
        }
        summary.records += sink.records as usize;
        summary.skipped += sink.skipped as usize;
        self.alert_all(&sink.findings, now, summary).await?;
        Ok(sink.observations)
    }

    /// Runs the stateful detections over `observations` and alerts what they find.
    async fn track(&self, observations: &[Observation], now: i64, summary: &mut Summary) -> Result<(), HandlerError> {
        if observations.is_empty() {
            return Ok(());
        }
        let findings = self
            .tracker
            .observe(observations, &self.store)
            .await
            .map_err(HandlerError::State)?;
        self.alert_all(&findings, now, summary).await
    }

    /// Delivers each finding (idempotently); logs one line per finding.
    async fn alert_all(&self, findings: &[Finding], now: i64, summary: &mut Summary) -> Result<(), HandlerError> {
        summary.findings += findings.len();
        let mut failures = Vec::new();
        for finding in findings {
            let event_id = finding.event_ids.first().map(String::as_str).unwrap_or("-");
            match deliver(finding, &self.store, &self.publisher, &self.policy, now).await {
                Ok(outcome) => {
                    let (count, name) = match outcome {
                        Outcome::Alerted => (&mut summary.alerted, "alerted"),
                        Outcome::Merged { .. } => (&mut summary.merged, "merged"),
                        Outcome::Duplicate => (&mut summary.duplicates, "duplicate"),
                        Outcome::Silenced(_) => (&mut summary.silenced, "silenced"),
                    };
                    *count += 1;
                    info!(
                        rule_id = %finding.rule_id,
                        severity = %finding.severity,
                        event_id,
                        account = finding.account.as_deref().unwrap_or("-"),
                        dedupe_key = %finding.dedupe_key,
                        outcome = name,
                        detail = ?outcome,
                        summary = %finding.summary,
                        "finding"
                    );
                }
                Err(e) => {
                    error!(rule_id = %finding.rule_id, event_id, error = %e, "finding not alerted; the event will be retried");
                    failures.push(e);
                }
            }
        }
        match failures.len() {
            0 => Ok(()),
            failed => Err(HandlerError::Alert {
                failed,
                total: findings.len(),
                first: failures.remove(0),
            }),
        }
    }
}

impl From<HandlerError> for lambda_runtime::Diagnostic {
    fn from(e: HandlerError) -> Self {
        let error_type = match &e {
            HandlerError::Input(_) => "Aidr.UnreadableEvent",
            HandlerError::Alert { .. } => "Aidr.AlertNotDelivered",
            HandlerError::Batch(_) => "Aidr.UnreadableBatch",
            HandlerError::State(_) => "Aidr.StateUnavailable",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.into(),
            error_message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use aidr_engine::Context;
    use aidr_engine::alerting::testing::Outbox;
    use aidr_engine::rules::testing::events_dir;
    use aidr_engine::state::{MemoryStore, now_or_never};
    use serde_json::{Value, json};

    use super::*;

    fn detector() -> Detector<MemoryStore, Outbox> {
        Detector {
            engine: Engine::builtin(Context::default()),
            tracker: Tracker::default(),
            store: MemoryStore::default(),
            publisher: Outbox::default(),
            policy: AlertPolicy::default(),
        }
    }

    fn sample(name: &str) -> String {
        std::fs::read_to_string(events_dir().join(name)).unwrap()
    }

    fn invoke(d: &Detector<MemoryStore, Outbox>, payload: &str) -> Result<Value, HandlerError> {
        let raw = RawValue::from_string(payload.to_owned()).unwrap();
        now_or_never(d.handle(&raw, 1_800_000_000)).expect("in-memory ports never wait")
    }

    fn sqs(bodies: &[(&str, String)]) -> String {
        let records: Vec<Value> = bodies
            .iter()
            .map(|(id, body)| {
                json!({"messageId": id, "receiptHandle": "r", "body": body, "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:aidr-batch", "awsRegion": "us-east-1",
                "attributes": {}, "messageAttributes": {}, "md5OfBody": ""})
            })
            .collect();
        json!({ "Records": records }).to_string()
    }

    #[test]
    fn risky_event_alerts_once() {
        let d = detector();
        let out = invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap();
        assert_eq!((out["findings"].as_u64(), out["alerted"].as_u64()), (Some(1), Some(1)));
        let again = invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap();
        assert_eq!(again["duplicates"], 1);
        assert_eq!(d.publisher.sent(), ["bedrock.guardrail_deleted"]);
    }

    #[test]
    fn benign_and_other_events_touch_nothing() {
        let d = detector();
        let out = invoke(&d, &sample("iam/AttachRolePolicy-readonly.json")).unwrap();
        assert_eq!((out["records"].as_u64(), out["findings"].as_u64()), (Some(1), Some(0)));
        let other = r#"{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}"#;
        assert_eq!(invoke(&d, other).unwrap()["skipped"], 1);
        assert!(d.store.is_empty());
        assert!(d.publisher.sent().is_empty());
    }

    #[test]
    fn unreadable_event_is_an_error() {
        let d = detector();
        let err = invoke(
            &d,
            r#"{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":7}}"#,
        )
        .unwrap_err();
        assert!(matches!(err, HandlerError::Input(_)), "{err}");
        let diagnostic: lambda_runtime::Diagnostic = err.into();
        assert_eq!(diagnostic.error_type, "Aidr.UnreadableEvent");
    }

    #[test]
    fn sqs_batch_reports_only_failed_messages() {
        let d = detector();
        let batch = sqs(&[
            ("m1", sample("bedrock/InvokeModel-long-term-key.json")),
            ("m2", "{not json".into()),
            ("m3", sample("bedrock/Converse-root.json")),
            ("m4", sample("bedrock/InvokeModel.json")),
        ]);
        let out = invoke(&d, &batch).unwrap();
        let failed: Vec<&str> = out["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap())
            .collect();
        assert_eq!(failed, ["m2"]);
        assert_eq!(d.publisher.sent().len(), 2);
    }

    #[test]
    fn failed_publish_fails_the_event_and_the_retry_alerts_once() {
        let d = detector();
        d.publisher.set_down(true);
        let err = invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap_err();
        assert!(matches!(err, HandlerError::Alert { failed: 1, .. }), "{err}");
        d.publisher.set_down(false);
        assert_eq!(
            invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap()["alerted"],
            1
        );
        assert_eq!(
            invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap()["duplicates"],
            1
        );
        assert_eq!(d.publisher.sent().len(), 1);
    }

    #[test]
    fn sqs_batch_feeds_the_stateful_detections_once() {
        let d = detector();
        let mut denied: Value = serde_json::from_str(&sample("bedrock/InvokeModel.json")).unwrap();
        denied["detail"]["errorCode"] = json!("AccessDeniedException");
        let bodies: Vec<(String, String)> = (0..12)
            .map(|i| {
                denied["detail"]["eventID"] = json!(format!("probe-{i}"));
                (format!("m{i}"), denied.to_string())
            })
            .collect();
        let refs: Vec<(&str, String)> = bodies.iter().map(|(id, b)| (id.as_str(), b.clone())).collect();
        let out = invoke(&d, &sqs(&refs)).unwrap();
        assert_eq!(out["batchItemFailures"], json!([]));
        assert_eq!(d.publisher.sent(), ["bedrock.llmjacking_probing"]);
        // The same burst redelivered is one alert still (idempotent per event, merged per key).
        invoke(&d, &sqs(&refs)).unwrap();
        assert_eq!(d.publisher.sent().len(), 1);
    }
}
