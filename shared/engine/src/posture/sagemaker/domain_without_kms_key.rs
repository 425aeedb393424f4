//! A SageMaker AI domain's storage is not encrypted with a customer managed KMS key.

use crate::posture::prelude::*;
use crate::posture::support::missing;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.domain_without_kms_key",
        title: "SageMaker domain without a KMS key",
        severity: Severity::Low,
        area: Area::Data,
        techniques: &["T1530"],
        description: "A SageMaker AI domain has no KmsKeyId: the EFS volume that holds every user \
            profile's home directory (notebooks, datasets, model files) is encrypted with a key \
            AWS manages, so your key policy cannot limit who reads it and KMS use is not \
            logged per key. A snapshot that does not describe the domain (no DomainId) is not \
            judged.",
        remediation: "The key is chosen when the domain is created: create a new domain with \
            KmsKeyId naming a customer managed key whose policy admits only the roles that need \
            it, move the user profiles' work, then delete the old domain and its EFS volume.",
        controls: &["aiml:SM-03"],
        events: &[],
        resource_types: &[types::SAGEMAKER_DOMAIN],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/Domain-no-kms-key.json"],
            must_not_fire: &["samples/posture/sagemaker/Domain-vpc-only.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    missing(resource, "DomainId", "KmsKeyId").then(|| {
        Hit::new(
            CHECK.metadata.severity,
            "has no customer managed KMS key on its home-directory volume",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn an_undescribed_domain_is_not_judged() {
        assert!(judge(&CHECK, json!({"DomainId": "d-1", "AppNetworkAccessType": "VpcOnly"})).is_some());
        assert!(
            judge(
                &CHECK,
                json!({"DomainId": "d-1", "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/k"})
            )
            .is_none()
        );
        assert!(judge(&CHECK, json!({"AppNetworkAccessType": "VpcOnly"})).is_none());
    }
}
