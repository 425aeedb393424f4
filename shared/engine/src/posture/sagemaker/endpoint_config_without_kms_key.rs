//! A SageMaker endpoint configuration names no KMS key for the endpoint's storage (Prowler
//! `sagemaker_endpoint_config_kms_encryption_enabled`).

use crate::posture::prelude::*;
use crate::posture::support::missing;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.endpoint_config_without_kms_key",
        title: "SageMaker endpoint configuration without a KMS key",
        severity: Severity::Low,
        area: Area::Data,
        techniques: &["T1530"],
        description: "An endpoint configuration has no KmsKeyId: the storage volumes of the \
            instances that serve the model are encrypted with a key you do not control, so no \
            key policy of yours limits who reads the model artifacts and payloads they hold. A snapshot that does not describe the \
            configuration (no EndpointConfigName) is not judged.",
        remediation: "Endpoint configurations cannot be changed: create a new one with KmsKeyId \
            naming a customer managed key (and DataCaptureConfig KmsKeyId when capturing), \
            switch each endpoint to it with UpdateEndpoint, then delete the old configuration.",
        controls: &["prowler:sagemaker_endpoint_config_kms_encryption_enabled"],
        events: &[],
        resource_types: &[types::SAGEMAKER_ENDPOINT_CONFIG],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/EndpointConfig-no-kms-key.json"],
            must_not_fire: &["samples/posture/sagemaker/EndpointConfig-encrypted-capture.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    missing(resource, "EndpointConfigName", "KmsKeyId")
        .then(|| Hit::new(CHECK.metadata.severity, "names no customer managed KMS key"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn a_capture_key_alone_is_not_the_endpoint_key() {
        let capture_only = json!({"EndpointConfigName": "c", "DataCaptureConfig": {"KmsKeyId": "alias/capture"}});
        assert!(judge(&CHECK, capture_only).is_some());
        assert!(judge(&CHECK, json!({"EndpointConfigName": "c", "KmsKeyId": "alias/ep"})).is_none());
        assert!(judge(&CHECK, json!({"ProductionVariants": []})).is_none());
    }
}
