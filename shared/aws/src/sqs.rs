//! The engine's [`DeadLetters`] port on an SQS queue: input that can never be processed is sent
//! there as it was received, with the reason and origin as message attributes, so it can be
//! inspected and replayed (for example moved back to the batch queue, whose consumer reads
//! any EventBridge event).

use std::sync::OnceLock;

use aidr_engine::ports::{DeadLetters, PublishError};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;
use aws_types::SdkConfig;

use crate::failure::failure_kind;

/// Message attribute values are at most this long here (SQS takes 256 KiB in all).
const ATTRIBUTE_CHARS: usize = 1000;

/// Why `url` is not an SQS queue URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`; plain
/// `http` for local emulators), if it is not: what each Lambda checks its dead-letter queue
/// setting with at cold start.
pub fn check_queue_url(url: &str) -> Result<(), String> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(format!(
            "{url:?} is not an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)"
        ))
    }
}

/// Sends dead letters to one queue. Dead letters are rare: the SQS client is made on the first
/// one, not at cold start.
#[derive(Debug)]
pub struct SqsDeadLetters {
    config: SdkConfig,
    client: OnceLock<Client>,
    queue_url: String,
}

impl SqsDeadLetters {
    /// A dead-letter queue at `queue_url`, reached with `config`.
    pub fn new(config: &SdkConfig, queue_url: impl Into<String>) -> SqsDeadLetters {
        SqsDeadLetters {
            config: config.clone(),
            client: OnceLock::new(),
            queue_url: queue_url.into(),
        }
    }

    fn client(&self) -> &Client {
        self.client.get_or_init(|| Client::new(&self.config))
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
        self.client()
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
