//! Ports that record what they are given, for tests and benchmarks: a publisher and a
//! dead-letter queue, each of which can be made to fail (transiently or permanently) to play an
//! unavailable topic or queue.

use std::sync::Mutex;

use aidr_engine::Finding;
use aidr_engine::ports::{DeadLetters, FailureKind, PublishError, Publisher};

/// Shared switch: `None` works, `Some(kind)` fails with that kind.
#[derive(Debug, Default)]
struct Outage(Mutex<Option<FailureKind>>);

impl Outage {
    fn set(&self, kind: Option<FailureKind>) {
        if let Ok(mut current) = self.0.lock() {
            *current = kind;
        }
    }

    fn check(&self, what: &str) -> Result<(), PublishError> {
        match self.0.lock().map(|k| *k) {
            Ok(None) => Ok(()),
            Ok(Some(kind)) => Err(PublishError {
                kind,
                message: format!("{what} unavailable"),
            }),
            Err(_) => Err(PublishError::permanent("outage lock poisoned")),
        }
    }
}

/// A [`Publisher`] that keeps the findings it publishes.
#[derive(Debug, Default)]
pub struct RecordingPublisher {
    sent: Mutex<Vec<Finding>>,
    outage: Outage,
}

impl RecordingPublisher {
    /// Makes every publish fail with `kind` (`Some`) or succeed again (`None`).
    pub fn set_outage(&self, kind: Option<FailureKind>) {
        self.outage.set(kind);
    }

    /// The findings published so far.
    pub fn sent(&self) -> Vec<Finding> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The rule ids of the findings published so far.
    pub fn sent_rules(&self) -> Vec<String> {
        self.sent().into_iter().map(|f| f.rule_id).collect()
    }
}

impl Publisher for RecordingPublisher {
    async fn publish(&self, f: &Finding) -> Result<(), PublishError> {
        self.outage.check("topic")?;
        self.sent
            .lock()
            .map_err(|_| PublishError::permanent("recording lock poisoned"))?
            .push(f.clone());
        Ok(())
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
#[derive(Debug, Default)]
pub struct RecordingDeadLetters {
    kept: Mutex<Vec<DeadLetter>>,
    outage: Outage,
}

impl RecordingDeadLetters {
    /// Makes every send fail with `kind` (`Some`) or succeed again (`None`).
    pub fn set_outage(&self, kind: Option<FailureKind>) {
        self.outage.set(kind);
    }

    /// What was kept so far.
    pub fn kept(&self) -> Vec<DeadLetter> {
        self.kept.lock().map(|k| k.clone()).unwrap_or_default()
    }
}

impl DeadLetters for RecordingDeadLetters {
    async fn keep(&self, body: &str, origin: &str, reason: &str) -> Result<(), PublishError> {
        self.outage.check("dead-letter queue")?;
        let letter = DeadLetter {
            body: body.to_owned(),
            origin: origin.to_owned(),
            reason: reason.to_owned(),
        };
        self.kept
            .lock()
            .map_err(|_| PublishError::permanent("recording lock poisoned"))?
            .push(letter);
        Ok(())
    }
}
