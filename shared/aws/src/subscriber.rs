//! What the alert topic's Lambda subscribers (the notifier, the responder) share: the records
//! of the SNS event handled in turn, what is not an alert kept in the dead-letter queue at once
//! (not retried), and the invocation failed when a record must be delivered again (SNS invokes
//! Lambda asynchronously: a failed invocation is retried), after every record was tried.

use std::fmt::Debug;

use aidr_engine::alerting::{Incoming, Received, SnsMessage, read_sns_event};
use aidr_engine::ports::DeadLetters;
use serde::Serialize;
use serde_json::Value;
use tracing::{error, info};

/// Why an invocation failed as a whole; Lambda delivers the event again.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("the answer could not be written: {0}")]
    Response(String),
    /// A record must be delivered again; `error_type` names what was not done
    /// (`Aidr.NotificationNotDelivered`).
    #[error("the event will be delivered again: {why}")]
    Retry { error_type: &'static str, why: String },
}

impl From<HandlerError> for lambda_runtime::Diagnostic {
    fn from(e: HandlerError) -> Self {
        let error_type = match &e {
            HandlerError::Response(_) => "Aidr.ResponseNotWritten",
            HandlerError::Retry { error_type, .. } => error_type,
        };
        lambda_runtime::Diagnostic {
            error_type: (*error_type).into(),
            error_message: e.to_string(),
        }
    }
}

/// What every subscriber's summary counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// SNS records seen.
    pub messages: usize,
    /// Kept in the dead-letter queue (not an alert, or refused for good).
    pub dead_lettered: usize,
    /// Failed in a way that may pass: the event is delivered again.
    pub failed: usize,
}

/// Keeps `body` in the dead-letter queue, logged and counted in `tally`; `Err` with the reason
/// (for a retry) when the queue refused it.
///
/// # Errors
/// Why the dead letter was not kept.
pub async fn dead_letter<D: DeadLetters>(
    dead_letters: &D,
    body: &str,
    origin: &str,
    reason: &str,
    tally: &mut Tally,
) -> Result<(), String> {
    match dead_letters.keep(body, origin, reason).await {
        Ok(()) => {
            error!(
                message_id = origin,
                reason, "can never be handled; sent to the dead-letter queue"
            );
            tally.dead_lettered += 1;
            Ok(())
        }
        Err(e) => {
            error!(message_id = origin, reason, dead_letter_error = %e, "can never be handled, and the dead-letter queue refused it; the event will be delivered again");
            Err(format!("{reason}; the dead-letter queue refused it: {e}"))
        }
    }
}

/// Handles the records of `payload`, an SNS event, in turn: each alert with `handle` (`Err`
/// with the reason when it must be delivered again), anything else kept in the dead-letter
/// queue. Answers the summary (`S`, counted from its default) as JSON once every record was
/// tried.
///
/// # Errors
/// [`HandlerError::Retry`] of `retry_error_type` with the reasons when a record must be
/// delivered again.
pub async fn handle_event<D, S>(
    payload: &str,
    dead_letters: &D,
    retry_error_type: &'static str,
    mut handle: impl AsyncFnMut(&SnsMessage, &Incoming, &mut S) -> Result<(), String>,
) -> Result<Value, HandlerError>
where
    D: DeadLetters,
    S: Default + AsMut<Tally> + Serialize + Debug,
{
    let mut summary = S::default();
    let mut failures = Vec::new();
    for received in read_sns_event(payload) {
        summary.as_mut().messages += 1;
        let result = match received {
            Received::Alert { sns, alert } => handle(&sns, &alert, &mut summary).await,
            Received::Unreadable { body, origin, reason } => {
                dead_letter(dead_letters, &body, &origin, &reason, summary.as_mut()).await
            }
        };
        if let Err(why) = result {
            failures.push(why);
        }
    }
    summary.as_mut().failed = failures.len();
    info!(summary = ?summary, "done");
    if !failures.is_empty() {
        return Err(HandlerError::Retry {
            error_type: retry_error_type,
            why: failures.join("; "),
        });
    }
    serde_json::to_value(&summary).map_err(|e| HandlerError::Response(e.to_string()))
}
