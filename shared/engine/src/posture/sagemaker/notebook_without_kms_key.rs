//! A SageMaker notebook instance's storage volume is not encrypted with a customer managed
//! KMS key (Prowler `sagemaker_notebook_instance_encryption_enabled`).

use crate::posture::prelude::*;
use crate::posture::support::missing;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.notebook_without_kms_key",
        title: "SageMaker notebook instance without a KMS key",
        severity: Severity::Low,
        area: Area::Data,
        techniques: &["T1530"],
        description: "A notebook instance has no KmsKeyId: the ML storage volume that holds its \
            notebooks and data copies is encrypted with a key AWS owns, so \
            your key policy cannot limit who decrypts it, CloudTrail shows no KMS use, and the \
            data cannot be made unreadable by disabling a key. A snapshot that does not describe \
            the instance (no NotebookInstanceName) is not judged.",
        remediation: "The key of a notebook instance cannot be changed: create a new instance \
            with KmsKeyId naming a customer managed key whose policy admits only the roles that \
            need it, move the work, then stop and delete the old instance. An IAM condition on \
            sagemaker:VolumeKmsKey can require a key for new instances.",
        controls: &["prowler:sagemaker_notebook_instance_encryption_enabled", "aiml:SM-03"],
        events: &[],
        resource_types: &[types::SAGEMAKER_NOTEBOOK],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/NotebookInstance-no-kms-key.json"],
            must_not_fire: &["samples/posture/sagemaker/NotebookInstance-vpc-only.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    missing(resource, "NotebookInstanceName", "KmsKeyId").then(|| {
        Hit::new(
            CHECK.metadata.severity,
            "has no customer managed KMS key on its storage volume",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn an_undescribed_instance_is_not_judged() {
        assert!(judge(&CHECK, json!({"NotebookInstanceName": "nb", "KmsKeyId": null})).is_some());
        assert!(judge(&CHECK, json!({"NotebookInstanceName": "nb", "KmsKeyId": "alias/nb"})).is_none());
        assert!(judge(&CHECK, json!({"KmsKeyId": null})).is_none());
    }
}
