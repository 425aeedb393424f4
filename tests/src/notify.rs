//! What the notifier's end-to-end tests and its measurement share: an alert the real detector
//! published, turned into the SNS event Lambda delivers, and Secrets Manager secrets.

use aws_config::SdkConfig;
use serde_json::{Value, json};

use crate::runtime_api::{Runtime, detector_binary};
use crate::{Stack, sample, unique};

/// Creates a Secrets Manager secret holding `value`; returns its ARN.
pub async fn create_secret(config: &SdkConfig, value: &Value) -> String {
    aws_sdk_secretsmanager::Client::new(config)
        .create_secret()
        .name(unique("aidr/notify"))
        .secret_string(value.to_string())
        .send()
        .await
        .unwrap()
        .arn
        .unwrap()
}

/// An SNS notification as SQS received it (`Message`, `MessageId`, `MessageAttributes` with
/// `Type` and `Value`) turned into the event Lambda gets from the same topic.
pub fn sns_event(note: &Value, topic_arn: &str) -> Value {
    let attributes: serde_json::Map<String, Value> = note["MessageAttributes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json!({"Type": v["Type"], "Value": v["Value"]})))
        .collect();
    json!({"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": format!("{topic_arn}:0b7e6a48-0000-4000-8000-000000000001"),
        "Sns": {
            "Type": "Notification", "MessageId": note["MessageId"], "TopicArn": topic_arn,
            "Subject": note["Subject"], "Message": note["Message"], "Timestamp": note["Timestamp"],
            "SignatureVersion": "1", "Signature": "", "SigningCertUrl": "", "UnsubscribeUrl": "",
            "MessageAttributes": attributes
        }
    }]})
}

/// A stack whose real detector (built in `profile`) has just alerted on a deleted Bedrock
/// guardrail, and that alert's SNS notification as the alert topic's queue received it.
pub async fn stack_with_an_alert(config: &SdkConfig, profile: &str) -> (Stack, Value) {
    let stack = Stack::create(config.clone(), true).await;
    let mut detector = Runtime::start(&detector_binary(profile), &stack.detector_env());
    let note = stack
        .alert_on(&mut detector, &sample("bedrock/DeleteGuardrail.json"))
        .await;
    (stack, note)
}
