//! Ports that record what they are given, for tests and benchmarks: a publisher, topics, a
//! dead-letter queue and a findings hub, each of which can be made to fail (transiently or
//! permanently) to play an unavailable topic, queue or hub.

use std::sync::Mutex;

use aidr_engine::Finding;
use aidr_engine::alerting::{Alert, AlertKind};
use aidr_engine::ports::{
    DeadLetters, FailedFinding, FailureKind, FindingsHub, ImportResult, PublishError, Publisher, Topics,
};
use serde_json::Value;

/// Keeps what it is given, unless it is made to fail.
#[derive(Debug)]
pub struct Recording<T> {
    kept: Mutex<Vec<T>>,
    /// `None` works; `Some(kind)` fails with that kind.
    outage: Mutex<Option<FailureKind>>,
}

impl<T> Default for Recording<T> {
    fn default() -> Self {
        Recording {
            kept: Mutex::new(Vec::new()),
            outage: Mutex::new(None),
        }
    }
}

impl<T: Clone> Recording<T> {
    /// Makes every send fail with `kind` (`Some`) or succeed again (`None`).
    pub fn set_outage(&self, kind: Option<FailureKind>) {
        if let Ok(mut outage) = self.outage.lock() {
            *outage = kind;
        }
    }

    /// What was kept so far.
    pub fn kept(&self) -> Vec<T> {
        self.kept.lock().map(|k| k.clone()).unwrap_or_default()
    }

    /// Keeps `item`, or fails as `what` is unavailable.
    fn keep_item(&self, item: T, what: &str) -> Result<(), PublishError> {
        let poisoned = || PublishError::permanent("recording lock poisoned");
        if let Some(kind) = *self.outage.lock().map_err(|_| poisoned())? {
            return Err(PublishError {
                kind,
                message: format!("{what} unavailable"),
            });
        }
        self.kept.lock().map_err(|_| poisoned())?.push(item);
        Ok(())
    }
}

/// One message kept by [`RecordingPublisher`]: its kind, count, response line and finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub kind: AlertKind,
    pub count: i64,
    pub response: Option<String>,
    pub finding: Finding,
}

/// A [`Publisher`] that keeps the messages it publishes.
pub type RecordingPublisher = Recording<Published>;

impl RecordingPublisher {
    /// The findings of every message published so far (alerts and updates).
    pub fn sent(&self) -> Vec<Finding> {
        self.kept().into_iter().map(|m| m.finding).collect()
    }

    /// The findings of the alerts published so far (not the updates).
    pub fn alerts(&self) -> Vec<Finding> {
        let alerts = self.kept().into_iter().filter(|m| m.kind == AlertKind::Alert);
        alerts.map(|m| m.finding).collect()
    }

    /// The messages published so far.
    pub fn messages(&self) -> Vec<Published> {
        self.kept()
    }

    /// The rule ids of the findings published so far.
    pub fn sent_rules(&self) -> Vec<String> {
        self.sent().into_iter().map(|f| f.rule_id).collect()
    }
}

impl Publisher for RecordingPublisher {
    async fn publish(&self, alert: &Alert<'_>) -> Result<(), PublishError> {
        let message = Published {
            kind: alert.kind,
            count: alert.count,
            response: alert.response.map(str::to_owned),
            finding: alert.finding.clone(),
        };
        self.keep_item(message, "topic")
    }
}

/// One message kept by [`RecordingTopics`]: the topic and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMessage {
    pub topic: String,
    pub message: String,
}

/// [`Topics`] that keep the messages published to them.
pub type RecordingTopics = Recording<TopicMessage>;

impl Topics for RecordingTopics {
    async fn publish_text(&self, topic: &str, message: &str) -> Result<(), PublishError> {
        let message = TopicMessage {
            topic: topic.to_owned(),
            message: message.to_owned(),
        };
        self.keep_item(message, "topic")
    }
}

/// One input kept by [`RecordingDeadLetters`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub body: String,
    pub origin: String,
    pub reason: String,
}

/// A [`DeadLetters`] queue that keeps what it is given.
pub type RecordingDeadLetters = Recording<DeadLetter>;

impl DeadLetters for RecordingDeadLetters {
    async fn keep(&self, body: &str, origin: &str, reason: &str) -> Result<(), PublishError> {
        let letter = DeadLetter {
            body: body.to_owned(),
            origin: origin.to_owned(),
            reason: reason.to_owned(),
        };
        self.keep_item(letter, "dead-letter queue")
    }
}

/// A [`FindingsHub`] that keeps the findings it imports (ASFF JSON), in order, unless it is
/// down or made to refuse each finding as Security Hub does in `FailedFindings`.
#[derive(Debug, Default)]
pub struct RecordingHub {
    imports: Recording<Value>,
    refusal: Mutex<Option<(String, FailureKind)>>,
}

impl RecordingHub {
    /// Every finding imported so far, repeats included.
    pub fn imported(&self) -> Vec<Value> {
        self.imports.kept()
    }

    /// Makes every call fail with `kind` (`Some`) or succeed again (`None`).
    pub fn set_outage(&self, kind: Option<FailureKind>) {
        self.imports.set_outage(kind);
    }

    /// Makes the call succeed but refuse each finding with error `code` of `kind` (`Some`), or
    /// import them again (`None`).
    pub fn set_refusal(&self, refusal: Option<(&str, FailureKind)>) {
        if let Ok(mut r) = self.refusal.lock() {
            *r = refusal.map(|(code, kind)| (code.to_owned(), kind));
        }
    }
}

impl FindingsHub for RecordingHub {
    async fn import(&self, findings: &[Value]) -> Result<ImportResult, PublishError> {
        let refusal = self.refusal.lock().ok().and_then(|r| r.clone());
        let mut result = ImportResult::default();
        for finding in findings {
            if let Some((code, kind)) = &refusal {
                result.failed.push(FailedFinding {
                    id: finding["Id"].as_str().unwrap_or("").to_owned(),
                    code: code.clone(),
                    message: format!("refused with {code}"),
                    kind: *kind,
                });
                continue;
            }
            self.imports.keep_item(finding.clone(), "Security Hub")?;
            result.imported += 1;
        }
        Ok(result)
    }
}
