//! Bedrock model invocation logging is off in an account and region (Prowler
//! `bedrock_model_invocation_logging_enabled`).

use crate::posture::prelude::*;
use crate::posture::support::is_set;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "bedrock.invocation_logging_disabled",
        title: "Bedrock model invocation logging off",
        severity: Severity::Medium,
        area: Area::Application,
        techniques: &["T1562.008", "T1496", "AML.T0034"],
        description: "The account's Bedrock settings in a region have no model invocation logging \
            configuration with an S3 or CloudWatch Logs destination: prompts, responses and \
            token counts are recorded nowhere (CloudTrail shows only who called which model), \
            so stolen-key model abuse (LLMjacking), prompt injection and data leaking through \
            model output cannot be investigated. Regions \
            the account does not use count too: abusers pick them.",
        remediation: "Call PutModelInvocationLoggingConfiguration in every region with an S3 \
            bucket and/or CloudWatch Logs group (encrypted, with restricted access and a \
            retention period) and textDataDeliveryEnabled true, and alert when it is deleted \
            (event rule bedrock.invocation_logging_deleted).",
        controls: &["prowler:bedrock_model_invocation_logging_enabled", "aiml:BR-04"],
        events: &[],
        resource_types: &[types::BEDROCK_SETTINGS],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/bedrock/Settings-nothing-configured.json"],
            must_not_fire: &["samples/posture/bedrock/Settings-logged-guarded.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    (!is_set(resource, "loggingConfig")).then(|| Hit::new(CHECK.metadata.severity, "has model invocation logging off"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn either_destination_counts_and_null_is_off() {
        let logs = json!({"loggingConfig": {"cloudWatchConfig": {"logGroupName": "bedrock"}}});
        assert!(judge(&CHECK, logs).is_none());
        assert!(judge(&CHECK, json!({"loggingConfig": null, "guardrailCount": 2})).is_some());
    }
}
