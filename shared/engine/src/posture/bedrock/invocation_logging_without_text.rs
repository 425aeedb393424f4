//! Bedrock model invocation logging leaves out the text of prompts and responses.

use crate::posture::prelude::*;
use crate::posture::support::{flag, is_set};

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "bedrock.invocation_logging_without_text",
        title: "Bedrock invocation logging without text",
        severity: Severity::Low,
        area: Area::Application,
        techniques: &["T1562.008", "AML.T0051"],
        description: "The account's Bedrock settings in a region log model invocations with \
            textDataDeliveryEnabled false: the logs hold who called which model, but not the \
            prompts and responses, so an injected instruction, a jailbreak or data leaking \
            through a response cannot be seen afterwards. A logging configuration that does not \
            say is not judged; no logging at all is bedrock.invocation_logging_disabled.",
        remediation: "Call PutModelInvocationLoggingConfiguration with textDataDeliveryEnabled \
            true (keeping the destinations), and restrict and encrypt the destinations, since \
            they then hold what users send to models.",
        controls: &[],
        events: &[],
        resource_types: &[types::BEDROCK_SETTINGS],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/bedrock/Settings-logging-without-text.json"],
            must_not_fire: &["samples/posture/bedrock/Settings-logged-guarded.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    let text_off = flag(resource, "loggingConfig.textDataDeliveryEnabled") == Some(false);
    (is_set(resource, "loggingConfig") && text_off).then(|| {
        Hit::new(
            CHECK.metadata.severity,
            "logs model invocations without their text (textDataDeliveryEnabled false)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn an_unstated_text_setting_is_not_judged() {
        let s3 = json!({"s3Config": {"bucketName": "logs"}});
        assert!(judge(&CHECK, json!({"loggingConfig": s3})).is_none());
        let off = json!({"loggingConfig": {"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": false}});
        assert!(judge(&CHECK, off).is_some());
        assert!(judge(&CHECK, json!({"guardrailCount": 1})).is_none());
    }
}
