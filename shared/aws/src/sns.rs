//! The engine's alert [`Publisher`] on an SNS topic, and its [`Topics`] port on SNS.

use aidr_engine::alerting::{Alert, AlertKind};
use aidr_engine::ports::{PublishError, Publisher, Topics};
use aws_sdk_sns::Client;
use aws_sdk_sns::error::DisplayErrorContext;
use aws_sdk_sns::types::MessageAttributeValue;

use crate::failure::failure_kind;

/// Why `arn` is not an SNS topic ARN (`arn:PARTITION:sns:REGION:ACCOUNT:NAME`), if it is not:
/// what the Lambdas check their topic settings with at cold start.
pub fn check_topic_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "sns", region, account, name]
            if !partition.is_empty()
                && !region.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && !name.is_empty() =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{arn:?} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"
        )),
    }
}

/// Publishes each alert or update to one topic: the message is the finding as JSON with `kind`
/// (`alert`, `update`) and `count` beside its fields, the subject a short title, and the
/// message attributes `kind`, `severity`, `rule_id`, `area` and `account` let subscriptions
/// filter (e.g. only high and critical to a chat channel, no updates by e-mail).
#[derive(Clone, Debug)]
pub struct SnsPublisher {
    client: Client,
    topic_arn: String,
}

/// SNS subjects: at most 100 printable ASCII characters, no line breaks; an update says so.
pub fn subject(alert: &Alert<'_>) -> String {
    let f = alert.finding;
    let again = match alert.kind {
        AlertKind::Alert => String::new(),
        AlertKind::Update => format!(" (update, {} so far)", alert.count),
        AlertKind::Response => " (response)".to_owned(),
    };
    let text = format!("aidr {}: {}{again}", f.severity.as_str().to_uppercase(), f.title);
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
    async fn publish(&self, alert: &Alert<'_>) -> Result<(), PublishError> {
        let f = alert.finding;
        let message = serde_json::to_string(alert).map_err(|e| PublishError::permanent(e.to_string()))?;
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject(alert))
            .message(message)
            .message_attributes("kind", attribute(alert.kind.as_str())?)
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

/// Publishes text messages as they are (no subject, no attributes) to any topic the role may
/// publish to.
#[derive(Clone, Debug)]
pub struct SnsTopics {
    client: Client,
}

impl SnsTopics {
    /// Topics reached through `client`.
    pub fn new(client: Client) -> SnsTopics {
        SnsTopics { client }
    }
}

impl Topics for SnsTopics {
    async fn publish_text(&self, topic: &str, message: &str) -> Result<(), PublishError> {
        self.client
            .publish()
            .topic_arn(topic)
            .message(message)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| PublishError {
                kind: failure_kind(&e),
                message: format!("SNS Publish to {topic}: {}", DisplayErrorContext(e)),
            })
    }
}

#[cfg(test)]
mod tests {
    use aidr_engine::alerting::{Alert, AlertKind};
    use aidr_testkit::samples::sample_findings;

    #[test]
    fn subjects_are_short_and_plain() {
        let mut f = sample_findings("events/bedrock/DeleteGuardrail.json").remove(0);
        fn alert(f: &aidr_engine::Finding) -> Alert<'_> {
            Alert {
                kind: AlertKind::Alert,
                count: 1,
                response: None,
                finding: f,
            }
        }
        assert_eq!(super::subject(&alert(&f)), "aidr HIGH: Bedrock guardrail deleted");
        let update = Alert {
            kind: AlertKind::Update,
            count: 7,
            response: None,
            finding: &f,
        };
        assert_eq!(
            super::subject(&update),
            "aidr HIGH: Bedrock guardrail deleted (update, 7 so far)"
        );
        f.title = format!("é\n{}", "x".repeat(200));
        let s = super::subject(&alert(&f));
        assert_eq!(s.len(), 100);
        assert!(s.starts_with("aidr HIGH: ??x"));
    }
}
