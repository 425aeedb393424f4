//! The engine's alert [`Publisher`] on an SNS topic.

use aidr_engine::Finding;
use aidr_engine::ports::{PublishError, Publisher};
use aws_sdk_sns::Client;
use aws_sdk_sns::error::DisplayErrorContext;
use aws_sdk_sns::types::MessageAttributeValue;

use crate::failure::failure_kind;

/// Publishes each alert to one topic: the message is the finding as JSON, the subject a short
/// title, and the message attributes `severity`, `rule_id`, `area` and `account` let
/// subscriptions filter (e.g. only high and critical to a chat channel).
#[derive(Clone, Debug)]
pub struct SnsPublisher {
    client: Client,
    topic_arn: String,
}

/// SNS subjects: at most 100 printable ASCII characters, no line breaks.
pub fn subject(f: &Finding) -> String {
    let text = format!("aidr {}: {}", f.severity.as_str().to_uppercase(), f.title);
    text.chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
        .take(100)
        .collect()
}

fn attribute(value: &str) -> Result<MessageAttributeValue, PublishError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| PublishError::permanent(e.to_string()))
}

impl SnsPublisher {
    /// A publisher to `topic_arn` through `client`.
    pub fn new(client: Client, topic_arn: impl Into<String>) -> SnsPublisher {
        SnsPublisher {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

impl Publisher for SnsPublisher {
    async fn publish(&self, f: &Finding) -> Result<(), PublishError> {
        let message = serde_json::to_string(f).map_err(|e| PublishError::permanent(e.to_string()))?;
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject(f))
            .message(message)
            .message_attributes("severity", attribute(f.severity.as_str())?)
            .message_attributes("rule_id", attribute(&f.rule_id)?)
            .message_attributes("area", attribute(f.area.as_str())?)
            .message_attributes("account", attribute(f.account.as_deref().unwrap_or("unknown"))?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| PublishError {
                kind: failure_kind(&e),
                message: format!("SNS Publish to {}: {}", self.topic_arn, DisplayErrorContext(e)),
            })
    }
}

#[cfg(test)]
mod tests {
    use aidr_testkit::samples::sample_findings;

    #[test]
    fn subjects_are_short_and_plain() {
        let mut f = sample_findings("events/bedrock/DeleteGuardrail.json").remove(0);
        assert_eq!(super::subject(&f), "aidr HIGH: Bedrock guardrail deleted");
        f.title = format!("é\n{}", "x".repeat(200));
        let s = super::subject(&f);
        assert_eq!(s.len(), 100);
        assert!(s.starts_with("aidr HIGH: ??x"));
    }
}
