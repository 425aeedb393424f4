//! What the notifier's end-to-end tests and its measurement share: an alert the real detector
//! published, turned into the SNS event Lambda delivers (and its variants: a second
//! publication, an update), Secrets Manager secrets, and a notifier's environment.

use aidr_testkit::receiver::Receiver;
use aws_config::SdkConfig;
use serde_json::{Value, json};

use crate::runtime_api::{Runtime, detector_binary};
use crate::{Stack, create_queue, sample, unique};

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

/// The environment of a notifier on `stack` that posts to Slack through the incoming webhook
/// served by `slack` and triggers PagerDuty events at `pagerduty`, keeping dead letters in a
/// queue of its own; returns the environment and that queue's URL.
pub async fn slack_and_pagerduty_env(
    config: &SdkConfig,
    stack: &Stack,
    slack: &Receiver,
    pagerduty: &Receiver,
) -> (Vec<(&'static str, String)>, String) {
    let slack_arn = create_secret(config, &json!({"webhook_url": slack.url("/services/T0/B0/hook")})).await;
    let pagerduty_arn = create_secret(config, &json!({"routing_key": "R0UTINGKEY0123456789012345678901"})).await;
    let (dead_letters, _) = create_queue(config, &unique("aidr-notify-dlq")).await;
    let mut env = stack.detector_env();
    env.retain(|(k, _)| k.starts_with("AWS_"));
    env.extend([
        ("AIDR_STATE_TABLE", stack.table.clone()),
        ("AIDR_DEAD_LETTER_QUEUE_URL", dead_letters.clone()),
        ("AIDR_SLACK_SECRET_ARN", slack_arn),
        ("AIDR_PAGERDUTY_SECRET_ARN", pagerduty_arn),
        ("AIDR_PAGERDUTY_EVENTS_URL", pagerduty.url("/v2/enqueue")),
    ]);
    (env, dead_letters)
}

/// `event` (from [`sns_event`]) carrying another message about the same incident: an update
/// seen `count` times, under its own SNS message id.
pub fn update_event(event: &Value, count: i64) -> Value {
    let record = &event["Records"][0]["Sns"];
    let mut message: Value = serde_json::from_str(record["Message"].as_str().unwrap_or("{}")).unwrap();
    message["kind"] = json!("update");
    message["count"] = json!(count);
    let mut update = republished(event, &format!("m-update-{count}"));
    update["Records"][0]["Sns"]["Message"] = json!(message.to_string());
    update
}

/// `event` (from [`sns_event`]) as SNS delivers a second publication of the same message: the
/// same body under another SNS message id.
pub fn republished(event: &Value, message_id: &str) -> Value {
    let mut again = event.clone();
    again["Records"][0]["Sns"]["MessageId"] = json!(message_id);
    again
}
