//! Alerts as the alert topic's Lambda subscribers (the notifier, the responder) get them: the
//! message the SNS adapter publishes (the [`Alert`] as JSON), in the SNS event Lambda delivers,
//! with the message attributes the adapter sets.

use aidr_engine::Finding;
use aidr_engine::alerting::{Alert, AlertKind};
use serde_json::{Value, json};

/// The alert topic of the events made here.
pub const ALERT_TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:aidr-alerts";

/// The message published for `f` as an alert, an update or a response without a line.
pub fn alert_message(f: &Finding, kind: AlertKind, count: i64) -> String {
    message(&Alert {
        kind,
        count,
        response: None,
        finding: f,
    })
}

/// The message of a response about `f` saying `line`.
pub fn response_message(f: &Finding, count: i64, line: &str) -> String {
    message(&Alert {
        kind: AlertKind::Response,
        count,
        response: Some(line),
        finding: f,
    })
}

fn message(alert: &Alert<'_>) -> String {
    serde_json::to_string(alert).unwrap_or_default()
}

/// An SNS event from [`ALERT_TOPIC`] with one record per `(message id, message)`, as Lambda
/// delivers it. A message that is an alert gets the attributes the SNS adapter sets.
pub fn sns_event(messages: &[(&str, &str)]) -> String {
    let records: Vec<Value> = messages
        .iter()
        .map(|(message_id, message)| {
            let alert: Value = serde_json::from_str(message).unwrap_or(Value::Null);
            let attributes: serde_json::Map<String, Value> = ["kind", "severity", "rule_id", "area", "account"]
                .into_iter()
                .filter_map(|name| {
                    let value = alert.get(name)?.as_str()?;
                    Some((name.to_owned(), json!({"Type": "String", "Value": value})))
                })
                .collect();
            json!({
                "EventSource": "aws:sns", "EventVersion": "1.0",
                "EventSubscriptionArn": format!("{ALERT_TOPIC}:0b7e6a48"),
                "Sns": {
                    "Type": "Notification", "MessageId": message_id, "TopicArn": ALERT_TOPIC,
                    "Subject": "aidr HIGH", "Message": message, "Timestamp": "2027-01-15T08:00:00.000Z",
                    "SignatureVersion": "1", "Signature": "", "SigningCertUrl": "", "UnsubscribeUrl": "",
                    "MessageAttributes": attributes
                }
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}
