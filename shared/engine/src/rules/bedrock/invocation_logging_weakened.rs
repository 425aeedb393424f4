//! Bedrock model invocation logging was rewritten so that it records less, or records
//! somewhere the organization does not control.

use serde_json::Value;

use super::foreign_account;
use crate::rules::prelude::*;
use crate::rules::support::{Reasons, flag};

pub const RULE: Builtin = Builtin {
    meta: Meta {
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
            an absent flag counts as off), or CloudWatch delivery through a role in an account \
            outside the organization, which hands the log stream to that account. These are \
            high. Text delivery off while other types stay on is medium: prompts and responses \
            are no longer logged. CloudTrail records only an S3 bucket's name, not its owner, \
            and the API has no owner field, so an S3 destination in another account cannot be \
            recognised here.",
        remediation: "Put back a configuration with an S3 and/or CloudWatch destination in an \
            account you own and text delivery on. If the change was not planned, review the \
            caller's credentials and the model invocations made since.",
        events: &[("bedrock.amazonaws.com", "PutModelInvocationLoggingConfiguration")],
        failed_calls: false,
        examples: Examples {
            triggers: &[
                "bedrock/PutModelInvocationLoggingConfiguration-no-destination.json",
                "bedrock/PutModelInvocationLoggingConfiguration-delivery-off.json",
                "bedrock/PutModelInvocationLoggingConfiguration-text-off.json",
                "bedrock/PutModelInvocationLoggingConfiguration-external-role.json",
            ],
            ignores: &["bedrock/PutModelInvocationLoggingConfiguration.json"],
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

fn check(ev: &Event, ctx: &Context) -> Option<Hit> {
    // Without the request (omitted or absent) nothing can be judged.
    let config = ev.req("loggingConfig")?;
    let section = |key: &str| config.get(key).filter(|v| v.is_object());
    let (s3, cloudwatch) = (section("s3Config"), section("cloudWatchConfig"));
    let on = |key: &str| flag(config.get(key)) == Some(true);

    let mut reasons = Reasons::default();
    if s3.is_none() && cloudwatch.is_none() {
        reasons.add(Severity::High, "no log destination (neither S3 nor CloudWatch)");
    }
    if !DELIVERY.iter().any(|k| on(k)) {
        reasons.add(Severity::High, "delivery of every data type is off");
    } else if !on("textDataDeliveryEnabled") {
        reasons.add(Severity::Medium, "text (prompt and response) delivery is off");
    }
    let role = cloudwatch.and_then(|c| c.get("roleArn")).and_then(Value::as_str);
    if let Some(account) = role.and_then(|r| foreign_account(r, ev, ctx)) {
        reasons.add(
            Severity::High,
            format!("CloudWatch delivery goes through a role in external account {account}"),
        );
    }
    let bucket = s3.and_then(|s| s.get("bucketName")).and_then(Value::as_str);
    let group = cloudwatch.and_then(|c| c.get("logGroupName")).and_then(Value::as_str);
    reasons
        .hit("weakened Bedrock model invocation logging")
        .map(|hit| hit.resource(bucket).resource(group))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{sample_finding, sample_severity};
    use crate::severity::Severity;

    const ID: &str = super::RULE.meta.id;

    #[test]
    fn severity_per_weakening() {
        for (sample, severity) in [
            ("no-destination", Severity::High),
            ("delivery-off", Severity::High),
            ("text-off", Severity::Medium),
            ("external-role", Severity::High),
        ] {
            let path = format!("bedrock/PutModelInvocationLoggingConfiguration-{sample}.json");
            assert_eq!(sample_severity(ID, &path), Some(severity), "{sample}");
        }
    }

    #[test]
    fn summary_names_the_reason() {
        let f = sample_finding(ID, "bedrock/PutModelInvocationLoggingConfiguration-external-role.json").unwrap();
        assert!(f.summary.contains("external account 444455556666"), "{}", f.summary);
        assert_eq!(f.resources[0], "bedrock-invocation-logs-111122223333");
    }
}
