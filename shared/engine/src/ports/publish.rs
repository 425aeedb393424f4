//! Where alerts go, where other messages are published, and where input that can never be
//! processed goes.

use std::future::Future;

use super::FailureKind;
use crate::alerting::Alert;

/// A message could not be sent, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct PublishError {
    pub kind: FailureKind,
    pub message: String,
}

impl PublishError {
    /// A failure that may pass: throttling, a timeout, a server error.
    pub fn transient(message: impl Into<String>) -> PublishError {
        PublishError {
            kind: FailureKind::Transient,
            message: message.into(),
        }
    }

    /// A failure that will not pass by trying again: no such topic, access denied.
    pub fn permanent(message: impl Into<String>) -> PublishError {
        PublishError {
            kind: FailureKind::Permanent,
            message: message.into(),
        }
    }
}

/// Sends an alert or an update about a finding (SNS in the Lambda).
pub trait Publisher: Send + Sync {
    /// Publishes `alert` once.
    ///
    /// # Errors
    /// A [`PublishError`] when the message was not accepted.
    fn publish(&self, alert: &Alert<'_>) -> impl Future<Output = Result<(), PublishError>> + Send;
}

/// Publishes text messages to topics named by ARN (SNS in the Lambda), such as the custom
/// notifications the notifier sends to a chat channel's topic.
pub trait Topics: Send + Sync {
    /// Publishes `message` to `topic` once.
    ///
    /// # Errors
    /// A [`PublishError`] when the message was not accepted.
    fn publish_text(&self, topic: &str, message: &str) -> impl Future<Output = Result<(), PublishError>> + Send;
}

/// Keeps input that can never be processed (an SQS dead-letter queue in the Lambda), so it is
/// not retried in vain and can be inspected and replayed.
pub trait DeadLetters: Send + Sync {
    /// Keeps `body` (the input as received) with where it came from and why it failed.
    ///
    /// # Errors
    /// A [`PublishError`] when the input was not kept; the caller must then retry it.
    fn keep(&self, body: &str, origin: &str, reason: &str) -> impl Future<Output = Result<(), PublishError>> + Send;
}
