//! Bedrock model invocation logging was rewritten so that it records less, or records
//! somewhere the organization does not control.

use serde_json::Value;

use super::foreign_account;
use crate::cloudtrail::record::s;
use crate::enrich::{LookupRequest, SavedField, diff, seen_logging_key};
use crate::inventory::settings_arn;
use crate::rules::prelude::*;
use crate::rules::support::{Previous, Reasons, flag};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.invocation_logging_weakened",
        title: "Bedrock model invocation logging weakened",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1562.008"],
        description: "PutModelInvocationLoggingConfiguration set a configuration that blinds \
            invocation logging without deleting it, judged from the request: no destination at \
            all (neither s3Config nor cloudWatchConfig), no data type delivered (none of \
            textDataDeliveryEnabled, imageDataDeliveryEnabled, embeddingDataDeliveryEnabled, \
            videoDataDeliveryEnabled, audioDataDeliveryEnabled set to true; these are opt-in, so \
            an absent flag counts as off; a setting hidden behind a placeholder is not judged), \
            or CloudWatch delivery through a role in an account \
            outside the organization, which hands the log stream to that account. These are \
            high. Text delivery off while other types stay on is medium: prompts and responses \
            are no longer logged. CloudTrail records only an S3 bucket's name, not its owner, \
            and the API has no owner field, so an S3 destination in another account cannot be \
            recognised here. In the detector the configuration is also compared with the one \
            put before it in the account and region (kept when seen): a destination removed or \
            moved is medium, text delivery turned off medium, another data type's delivery, the \
            CloudWatch role or the large-data bucket changed low; the finding lists the changes \
            (\"since the previous configuration: S3 destination removed (was bucket logs)\"), or \
            says that the previous configuration could not be read.",
        remediation: "Put back a configuration with an S3 and/or CloudWatch destination in an \
            account you own and text delivery on. If the change was not planned, review the \
            caller's credentials and the model invocations made since.",
        controls: &[],
        events: &[("bedrock.amazonaws.com", "PutModelInvocationLoggingConfiguration")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/bedrock/PutModelInvocationLoggingConfiguration-no-destination.json",
                "events/bedrock/PutModelInvocationLoggingConfiguration-delivery-off.json",
                "events/bedrock/PutModelInvocationLoggingConfiguration-text-off.json",
                "events/bedrock/PutModelInvocationLoggingConfiguration-external-role.json",
            ],
            must_not_fire: &["events/bedrock/PutModelInvocationLoggingConfiguration.json"],
        },
    },
    check,
};

/// The per-data-type delivery switches of a logging configuration.
const DELIVERY: &[&str] = &[
    "textDataDeliveryEnabled",
    "imageDataDeliveryEnabled",
    "embeddingDataDeliveryEnabled",
    "videoDataDeliveryEnabled",
    "audioDataDeliveryEnabled",
];

fn check(ev: &Event, org: &Organization) -> Option<Hit> {
    // Without the request (omitted or absent) nothing can be judged.
    let config = ev.req("loggingConfig")?;
    let section = |key: &str| config.get(key).filter(|v| v.is_object());
    let (s3, cloudwatch) = (section("s3Config"), section("cloudWatchConfig"));
    let on = |key: &str| flag(config.get(key)) == Some(true);

    // A setting present in another form (a placeholder string where an object or a boolean
    // belongs) was hidden or mangled: it is not evidence of anything.
    let given = |key: &str| config.get(key).is_some_and(|v| !v.is_null());
    let switch_unseen = |key: &str| given(key) && flag(config.get(key)).is_none();
    let destination_unseen = ["s3Config", "cloudWatchConfig"]
        .iter()
        .any(|k| given(k) && section(k).is_none());
    let delivery_unseen = DELIVERY.iter().any(|k| switch_unseen(k));

    let mut reasons = Reasons::default();
    if s3.is_none() && cloudwatch.is_none() && !destination_unseen {
        reasons.add(Severity::High, "no log destination (neither S3 nor CloudWatch)");
    }
    if !DELIVERY.iter().any(|k| on(k)) && !delivery_unseen {
        reasons.add(Severity::High, "delivery of every data type is off");
    } else if !on("textDataDeliveryEnabled") && !switch_unseen("textDataDeliveryEnabled") {
        reasons.add(Severity::Medium, "text (prompt and response) delivery is off");
    }
    let role = cloudwatch.and_then(|c| c.get("roleArn")).and_then(Value::as_str);
    if let Some(account) = role.and_then(|r| foreign_account(r, ev, org)) {
        reasons.add(
            Severity::High,
            format!("CloudWatch delivery goes through a role in external account {account}"),
        );
    }
    // The configuration last seen put, else the one the inventory found.
    let previous = match (ev.account(), s(&ev.record.aws_region)) {
        (Some(account), Some(region)) => Some(LookupRequest::Kept {
            key: seen_logging_key(account, region),
            or_saved: Some(SavedField {
                arn: settings_arn(account, region),
                field: "loggingConfig",
            }),
        }),
        _ => None,
    };
    let mut previous = Previous::compare(ev, previous, config, diff::logging);
    previous.add_to(&mut reasons);
    let bucket = s3.and_then(|s| s.get("bucketName")).and_then(Value::as_str);
    let group = cloudwatch.and_then(|c| c.get("logGroupName")).and_then(Value::as_str);
    reasons
        .hit("weakened Bedrock model invocation logging")
        .map(|hit| previous.noted(hit).resource(bucket).resource(group))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::cloudtrail::{Event, Record};
    use crate::detection::Organization;

    fn judge(config: serde_json::Value) -> Option<String> {
        let text =
            json!({"recipientAccountId": "111122223333", "requestParameters": {"loggingConfig": config}}).to_string();
        let record: Record = serde_json::from_str(&text).unwrap();
        super::check(&Event::new(&record), &Organization::default()).map(|h| h.action)
    }

    #[test]
    fn hidden_settings_are_not_evidence() {
        let hidden = "HIDDEN_DUE_TO_SECURITY_REASONS";
        let placeholders = json!({"s3Config": hidden, "textDataDeliveryEnabled": hidden});
        assert_eq!(judge(placeholders), None);
        let off = judge(json!({"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": false})).unwrap();
        assert!(off.contains("delivery of every data type is off"), "{off}");
        let nowhere = judge(json!({"textDataDeliveryEnabled": true})).unwrap();
        assert!(nowhere.contains("no log destination"), "{nowhere}");
    }
}
