//! The engine's [`DeadLetters`] port on an SQS queue: input that can never be processed is sent
//! there as it was received, with the reason and origin as message attributes, so it can be
//! inspected and replayed (for example moved back to the batch queue, whose consumer reads
//! any EventBridge event).

use aidr_engine::ports::{DeadLetters, PublishError};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;

use crate::failure::failure_kind;

/// Message attribute values are at most this long here (SQS takes 256 KiB in all).
const ATTRIBUTE_CHARS: usize = 1000;

/// Sends dead letters to one queue.
#[derive(Clone, Debug)]
pub struct SqsDeadLetters {
    client: Client,
    queue_url: String,
}

impl SqsDeadLetters {
    /// A dead-letter queue at `queue_url` through `client`.
    pub fn new(client: Client, queue_url: impl Into<String>) -> SqsDeadLetters {
        SqsDeadLetters {
            client,
            queue_url: queue_url.into(),
        }
    }
}

fn attribute(value: &str) -> Result<MessageAttributeValue, PublishError> {
    let value: String = value.chars().take(ATTRIBUTE_CHARS).collect();
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(if value.is_empty() { "-".into() } else { value })
        .build()
        .map_err(|e| PublishError::permanent(e.to_string()))
}

impl DeadLetters for SqsDeadLetters {
    async fn keep(&self, body: &str, origin: &str, reason: &str) -> Result<(), PublishError> {
        // SQS refuses an empty body; keep the fact that it was empty.
        let body = if body.is_empty() { "(empty)" } else { body };
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .message_attributes("aidr_reason", attribute(reason)?)
            .message_attributes("aidr_origin", attribute(origin)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| PublishError {
                kind: failure_kind(&e),
                message: format!("SQS SendMessage to {}: {}", self.queue_url, DisplayErrorContext(e)),
            })
    }
}
