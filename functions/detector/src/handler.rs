//! The detector's logic, generic over the engine's ports so it runs in-process in tests:
//! an EventBridge event (one CloudTrail record) or an SQS batch of them -> rules -> alerts.

use aidr_engine::Engine;
use aidr_engine::alerting::{AlertError, AlertPolicy, Outcome, Publisher, deliver};
use aidr_engine::input::Layout;
use aidr_engine::state::StateStore;
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tracing::{error, info, warn};

/// Everything one invocation needs; built once per cold start.
pub struct Detector<S, P> {
    pub engine: Engine,
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

impl Summary {
    fn add(&mut self, other: &Summary) {
        self.records += other.records;
        self.skipped += other.skipped;
        self.findings += other.findings;
        self.alerted += other.alerted;
        self.merged += other.merged;
        self.duplicates += other.duplicates;
        self.silenced += other.silenced;
    }
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

    /// Handles each message of an SQS batch; only the failed ones are reported for retry.
    pub async fn handle_batch(&self, batch: SqsEvent, now: i64) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        let mut total = Summary::default();
        for message in batch.records {
            let id = message.message_id.unwrap_or_default();
            let result = match message.body.as_deref() {
                Some(body) => self.handle_text(body, &id, now).await,
                None => Err(HandlerError::Input("SQS message has no body".into())),
            };
            match result {
                Ok(summary) => total.add(&summary),
                Err(e) => {
                    error!(message_id = %id, error = %e, "SQS message failed; it will be retried");
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = id;
                    response.batch_item_failures.push(failure);
                }
            }
        }
        info!(failed = response.batch_item_failures.len(), summary = ?total, "batch done");
        response
    }

    /// Handles one EventBridge event (or any CloudTrail text the engine reads).
    pub async fn handle_text(&self, text: &str, origin: &str, now: i64) -> Result<Summary, HandlerError> {
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
        let mut summary = Summary {
            records: sink.records as usize,
            skipped: sink.skipped as usize,
            findings: sink.findings.len(),
            ..Summary::default()
        };
        let mut failures = Vec::new();
        for finding in &sink.findings {
            let event_id = finding.event_ids.first().map(String::as_str).unwrap_or("-");
            match deliver(finding, &self.store, &self.publisher, &self.policy, now).await {
                Ok(outcome) => {
                    let outcome_name = match outcome {
                        Outcome::Alerted => {
                            summary.alerted += 1;
                            "alerted"
                        }
                        Outcome::Merged { .. } => {
                            summary.merged += 1;
                            "merged"
                        }
                        Outcome::Duplicate => {
                            summary.duplicates += 1;
                            "duplicate"
                        }
                        Outcome::Silenced(_) => {
                            summary.silenced += 1;
                            "silenced"
                        }
                    };
                    info!(
                        rule_id = %finding.rule_id,
                        severity = %finding.severity,
                        event_id,
                        account = finding.account.as_deref().unwrap_or("-"),
                        dedupe_key = %finding.dedupe_key,
                        outcome = outcome_name,
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
            0 => Ok(summary),
            failed => Err(HandlerError::Alert {
                failed,
                total: summary.findings,
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
}
