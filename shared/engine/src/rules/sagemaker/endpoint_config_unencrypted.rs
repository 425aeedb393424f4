//! An endpoint configuration was created without a customer-managed KMS key.

use crate::rules::prelude::*;
use crate::rules::support::{Reasons, flag, is_set, or_unknown};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "sagemaker.endpoint_config_unencrypted",
        title: "SageMaker endpoint configuration without a KMS key",
        severity: Severity::Low,
        area: Area::Data,
        techniques: &["T1530"],
        description: "An endpoint configuration was created without a customer-managed KMS key \
            for the storage volumes of its inference instances (KmsKeyId), or with data capture \
            or asynchronous inference output written to S3 without one. Those volumes and \
            objects hold the model and the requests and responses it serves; an AWS-owned key \
            still encrypts them, but you cannot restrict or audit its use or revoke it, so \
            anyone who can read the bucket or reuse the endpoint's resources reads the data. \
            The finding is low: it is a hardening gap, and instance types with local NVMe \
            storage do not accept a volume key at all.",
        remediation: "Create a new endpoint configuration with KmsKeyId (and \
            DataCaptureConfig.KmsKeyId, AsyncInferenceConfig.OutputConfig.KmsKeyId) set to a \
            customer-managed key and switch the endpoint to it with UpdateEndpoint. Require \
            keys with the sagemaker:VolumeKmsKey IAM condition key.",
        controls: &[],
        events: &[("sagemaker.amazonaws.com", "CreateEndpointConfig")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::PRINCIPAL_DAY,
        samples: Samples {
            must_fire: &["events/sagemaker/CreateEndpointConfig.json"],
            must_not_fire: &[
                "events/sagemaker/CreateEndpointConfig-kms.json",
                "events/sagemaker/CreateEndpointConfig-capture-disabled.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    ev.request()?;
    let mut reasons = Reasons::default();
    let low = Severity::Low;
    if !is_set(ev, "kmsKeyId") {
        reasons.add(low, "no KMS key for the instance storage volumes");
    }
    let capture = flag(ev.req("dataCaptureConfig.enableCapture")) == Some(true);
    if capture && !is_set(ev, "dataCaptureConfig.kmsKeyId") {
        reasons.add(low, "captured inference data without a KMS key");
    }
    if is_set(ev, "asyncInferenceConfig.outputConfig") && !is_set(ev, "asyncInferenceConfig.outputConfig.kmsKeyId") {
        reasons.add(low, "asynchronous inference output without a KMS key");
    }
    let name = ev.req_str("endpointConfigName");
    let hit = reasons.hit(&format!("created endpoint configuration {}", or_unknown(name)))?;
    Some(hit.resource(name).resource(ev.resp_str("endpointConfigArn")))
}
