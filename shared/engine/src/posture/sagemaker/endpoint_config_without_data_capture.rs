//! A SageMaker endpoint configuration keeps no record of the requests and responses its
//! endpoints serve (no data capture).

use crate::posture::prelude::*;
use crate::posture::support::{flag, is_set, missing};

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.endpoint_config_without_data_capture",
        title: "SageMaker endpoint configuration without data capture",
        severity: Severity::Low,
        area: Area::Model,
        techniques: &["AML.T0024", "AML.T0040"],
        description: "An endpoint configuration has no DataCaptureConfig, or one with \
            EnableCapture false: the endpoints using it keep no copy of the inputs they receive \
            and the predictions they return, so model extraction, adversarial inputs or misuse \
            through the inference API leave no trace beyond invocation counts, and Model Monitor \
            has nothing to compare. A DataCaptureConfig without EnableCapture captures (the \
            API's default). A snapshot that does not describe the configuration (no \
            EndpointConfigName) is not judged.",
        remediation: "Create an endpoint configuration with DataCaptureConfig (EnableCapture \
            true, InitialSamplingPercentage, CaptureOptions Input and Output, a \
            DestinationS3Uri in a bucket with restricted access and a KmsKeyId), switch the \
            endpoints to it with UpdateEndpoint, and attach a Model Monitor schedule.",
        controls: &[],
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
    let action = if missing(resource, "EndpointConfigName", "DataCaptureConfig") {
        "captures no inference data (no DataCaptureConfig)"
    } else if is_set(resource, "EndpointConfigName") && flag(resource, "DataCaptureConfig.EnableCapture") == Some(false)
    {
        "captures no inference data (EnableCapture false)"
    } else {
        return None;
    };
    Some(Hit::new(CHECK.metadata.severity, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn capture_without_the_flag_is_on_by_default() {
        let config = |capture: serde_json::Value| json!({"EndpointConfigName": "c", "DataCaptureConfig": capture});
        let default_on = config(json!({"DestinationS3Uri": "s3://b/capture"}));
        assert!(judge(&CHECK, default_on).is_none());
        let off = judge(&CHECK, config(json!({"EnableCapture": false}))).unwrap();
        assert!(off.action.contains("EnableCapture false"), "{}", off.action);
        assert!(judge(&CHECK, json!({"EndpointConfigName": "c"})).is_some());
        assert!(judge(&CHECK, json!({})).is_none());
    }
}
