//! Alerts as the alert topic's subscribers (the notifier, the responder) receive them: the SNS
//! event Lambda delivers, each record's message read back into an [`Incoming`] alert. What is
//! not one is named with where it came from and why, for the dead-letter queue.

use serde::Deserialize;
use serde_json::Value;

use super::{AlertKind, delivery_id};
use crate::finding::Finding;
use crate::text::fnv1a_hex;

/// A published message read back: the finding's fields with `kind`, `count` and, for a
/// response, `response` (see [`super::Alert`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Incoming {
    pub kind: AlertKind,
    pub count: i64,
    /// For a response: what was done or would be done, in one line (`"response"`).
    #[serde(default)]
    pub response: Option<String>,
    #[serde(flatten)]
    pub finding: Finding,
}

impl Incoming {
    /// The same for every delivery of one published message: the finding's delivery id, the
    /// kind and the count, and for a response a hash of its line (the responses to one alert
    /// share the rest: one per playbook).
    pub fn message_key(&self) -> String {
        let key = format!("{}#{}#{}", delivery_id(&self.finding), self.kind.as_str(), self.count);
        match (self.kind, &self.response) {
            (AlertKind::Response, Some(line)) => format!("{key}#{}", fnv1a_hex(line.as_bytes())),
            _ => key,
        }
    }
}

/// One SNS message as Lambda delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SnsMessage {
    #[serde(rename = "MessageId", default)]
    pub message_id: String,
    #[serde(rename = "TopicArn", default)]
    pub topic_arn: String,
    #[serde(rename = "Message")]
    pub message: String,
}

/// What one record of an SNS event holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// An aidr message, and the SNS message it came in.
    Alert { sns: SnsMessage, alert: Box<Incoming> },
    /// Something else: `body` as received, from `origin` (the SNS message id, `record <i>`
    /// for a record that is no SNS record, `event` for a payload that is no SNS event), and
    /// why it is not an alert.
    Unreadable {
        body: String,
        origin: String,
        reason: String,
    },
}

#[derive(Deserialize)]
struct SnsEvent {
    #[serde(rename = "Records")]
    records: Vec<Value>,
}

#[derive(Deserialize)]
struct SnsRecord {
    #[serde(rename = "Sns")]
    sns: SnsMessage,
}

/// The records of `payload`, an SNS event as Lambda delivers it, each read into an alert, in
/// order; a payload that is no SNS event is one unreadable item.
pub fn read_sns_event(payload: &str) -> Vec<Received> {
    let event = match serde_json::from_str::<SnsEvent>(payload) {
        Ok(event) => event,
        Err(e) => {
            return vec![Received::Unreadable {
                body: payload.to_owned(),
                origin: "event".into(),
                reason: format!("not an SNS event: {e}"),
            }];
        }
    };
    let read = |(index, record): (usize, Value)| {
        let sns = match SnsRecord::deserialize(&record) {
            Ok(record) => record.sns,
            Err(e) => {
                return Received::Unreadable {
                    body: record.to_string(),
                    origin: format!("record {index}"),
                    reason: format!("not an SNS record: {e}"),
                };
            }
        };
        match serde_json::from_str::<Incoming>(&sns.message) {
            Ok(alert) => Received::Alert {
                sns,
                alert: Box::new(alert),
            },
            Err(e) => Received::Unreadable {
                reason: format!("not an aidr alert: {e}"),
                origin: sns.message_id,
                body: sns.message,
            },
        }
    };
    event.records.into_iter().enumerate().map(read).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::alerting::Alert;

    fn finding() -> Finding {
        serde_json::from_value(json!({
            "rule_id": "test.rule", "severity": "high", "title": "t", "area": "access",
            "techniques": [], "summary": "s", "account": "111122223333", "region": "us-east-1",
            "resource": {"ARN": "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb", "resourceType": "AWS::SageMaker::NotebookInstance", "account": "111122223333", "region": "us-east-1", "configuration": {}},
            "resources": [], "dedupe_key": "k", "remediation": ""
        }))
        .unwrap()
    }

    fn event(messages: &[Value]) -> String {
        let records: Vec<Value> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| match m {
                Value::String(text) => json!({"Sns": {"MessageId": format!("m-{i}"), "TopicArn": "arn:aws:sns:us-east-1:111122223333:aidr-alerts", "Message": text}}),
                other => other.clone(),
            })
            .collect();
        json!({ "Records": records }).to_string()
    }

    #[test]
    fn alerts_and_what_is_not_one() {
        let f = finding();
        let alert = |kind, response| {
            let text = serde_json::to_string(&Alert {
                kind,
                count: 1,
                response,
                finding: &f,
            })
            .unwrap();
            Value::String(text)
        };
        let payload = event(&[
            alert(AlertKind::Alert, None),
            Value::String("{not json".into()),
            json!({"Sns": {"MessageId": "m-x"}}),
            alert(AlertKind::Response, Some("quarantine-user (dry-run): …")),
        ]);
        let received = read_sns_event(&payload);
        assert_eq!(received.len(), 4);
        let Received::Alert { sns, alert } = &received[0] else {
            panic!("{:?}", received[0])
        };
        assert_eq!((sns.message_id.as_str(), alert.kind), ("m-0", AlertKind::Alert));
        assert_eq!(alert.finding, f);
        let Received::Unreadable { origin, body, reason } = &received[1] else {
            panic!("{:?}", received[1])
        };
        assert_eq!((origin.as_str(), body.as_str()), ("m-1", "{not json"));
        assert!(reason.starts_with("not an aidr alert"), "{reason}");
        assert!(matches!(&received[2], Received::Unreadable { origin, .. } if origin == "record 2"));
        let Received::Alert { alert: response, .. } = &received[3] else {
            panic!("{:?}", received[3])
        };
        assert_eq!(response.response.as_deref(), Some("quarantine-user (dry-run): …"));
        let Received::Unreadable { origin, .. } = &read_sns_event("[]")[0] else {
            panic!("an SNS event")
        };
        assert_eq!(origin, "event");
    }

    #[test]
    fn each_response_to_an_alert_has_its_own_message_key() {
        let incoming = |kind, response: Option<&str>| Incoming {
            kind,
            count: 1,
            response: response.map(str::to_owned),
            finding: finding(),
        };
        let alert = incoming(AlertKind::Alert, None);
        let one = incoming(AlertKind::Response, Some("deactivate-access-key (enforce): …"));
        let two = incoming(AlertKind::Response, Some("quarantine-user (enforce): …"));
        assert_ne!(one.message_key(), two.message_key());
        assert_ne!(alert.message_key(), one.message_key());
        assert_eq!(one.message_key(), one.clone().message_key());
        assert!(
            one.message_key()
                .starts_with(&alert.message_key().replace("#alert#", "#response#"))
        );
    }
}
