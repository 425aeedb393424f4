//! No Bedrock guardrail exists in an account and region (Prowler
//! `bedrock_guardrails_configured`).

use serde_json::Value;

use crate::posture::prelude::*;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "bedrock.no_guardrails",
        title: "No Bedrock guardrail in the region",
        severity: Severity::Low,
        area: Area::Application,
        techniques: &["AML.T0051", "AML.T0054"],
        description: "The account has no Bedrock guardrail in a region: no application, agent or \
            knowledge base there can filter harmful content, prompt attacks or sensitive \
            information through Bedrock, and no guardrail can be enforced on model calls. The \
            count comes from ListGuardrails; when that call failed the region could not be \
            assessed and is not reported.",
        remediation: "Create a guardrail (CreateGuardrail) with content filters, a prompt-attack \
            filter and sensitive-information filters suited to the applications in the region, \
            publish a version, and apply it to the model calls, agents and knowledge bases that \
            serve users.",
        controls: &["prowler:bedrock_guardrails_configured", "aiml:BR-05"],
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
    let count = resource.config("guardrailCount").and_then(Value::as_u64)?;
    (count == 0).then(|| Hit::new(CHECK.metadata.severity, "has no guardrail in this region"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn an_unknown_count_is_not_judged() {
        assert!(judge(&CHECK, json!({"guardrailCount": 0})).is_some());
        assert!(judge(&CHECK, json!({"guardrailCount": 3})).is_none());
        assert!(judge(&CHECK, json!({"loggingConfig": {"s3Config": {"bucketName": "b"}}})).is_none());
    }
}
