//! A SageMaker model's containers may reach the network (Security Hub control SageMaker.5,
//! Prowler `sagemaker_models_network_isolation_enabled`).

use crate::posture::prelude::*;
use crate::posture::support::{flag, is_set};

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.model_network_isolation_disabled",
        title: "SageMaker model without network isolation",
        severity: Severity::Medium,
        area: Area::Model,
        techniques: &["T1048", "AML.T0025", "AML.T0010"],
        description: "A model does not set EnableNetworkIsolation true (the API's default is \
            false): the inference containers built from it can make outbound calls, so a \
            tampered image or model artifact, or code reached through crafted inputs, can send \
            payloads and the model's data out or fetch more code. With isolation on, the \
            containers get no network access, not even to S3. Security Hub control SageMaker.5 \
            fails such models. A snapshot that does not describe the model (no ModelName) is \
            not judged.",
        remediation: "Models cannot be changed: create a new model with EnableNetworkIsolation \
            true (give it what it needs through the model artifact, not downloads), point a new \
            endpoint configuration at it, switch the endpoints with UpdateEndpoint, then delete \
            the old model. An IAM condition on sagemaker:NetworkIsolation can require it.",
        controls: &[
            "SageMaker.5",
            "prowler:sagemaker_models_network_isolation_enabled",
            "aiml:SM-11",
        ],
        events: &[],
        resource_types: &[types::SAGEMAKER_MODEL],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/Model-network-open.json"],
            must_not_fire: &["samples/posture/sagemaker/Model-isolated.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    if !is_set(resource, "ModelName") || flag(resource, "EnableNetworkIsolation") == Some(true) {
        return None;
    }
    Some(Hit::new(CHECK.metadata.severity, "has network isolation disabled"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn absent_is_the_default_false_and_text_true_counts() {
        assert!(judge(&CHECK, json!({"ModelName": "m"})).is_some());
        assert!(judge(&CHECK, json!({"ModelName": "m", "EnableNetworkIsolation": "true"})).is_none());
        assert!(judge(&CHECK, json!({"EnableNetworkIsolation": false})).is_none());
    }
}
