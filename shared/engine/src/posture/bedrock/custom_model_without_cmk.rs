//! A Bedrock custom or imported model is encrypted with a key AWS owns (Prowler
//! `bedrock_custom_model_encrypted_with_cmk`).

use crate::posture::prelude::*;
use crate::posture::support::missing;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "bedrock.custom_model_without_cmk",
        title: "Bedrock custom model without a customer managed key",
        severity: Severity::Low,
        area: Area::Model,
        techniques: &["T1530", "AML.T0035"],
        description: "A custom (fine-tuned, distilled or continued pre-training) or imported \
            model has no modelKmsKeyArn: its weights, which carry what it learned from your \
            training data, are encrypted with a key AWS owns, so no key policy of yours limits \
            who can use or copy the model, KMS use is not logged, and the model cannot be made \
            unusable by disabling a key. A snapshot that does not describe the model (no \
            modelArn) is not judged.",
        remediation: "A model's key cannot be changed: copy the model (CreateModelCopyJob with \
            modelKmsKeyId) or customize or import it again with a customer managed key whose \
            policy admits only the roles that use it, move the applications, then delete the \
            old model.",
        controls: &[
            "prowler:bedrock_custom_model_encrypted_with_cmk",
            "aiml:BR-11",
            "aiml:BR-17",
            "aiml:BR-30",
        ],
        events: &[],
        resource_types: &[types::BEDROCK_CUSTOM_MODEL, types::BEDROCK_IMPORTED_MODEL],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &[
                "samples/posture/bedrock/CustomModel-aws-owned-key.json",
                "samples/posture/bedrock/ImportedModel-aws-owned-key.json",
            ],
            must_not_fire: &[
                "samples/posture/bedrock/CustomModel-customer-key.json",
                "samples/posture/bedrock/ImportedModel-customer-key.json",
            ],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    missing(resource, "modelArn", "modelKmsKeyArn").then(|| {
        Hit::new(
            CHECK.metadata.severity,
            "is encrypted with an AWS owned key (no modelKmsKeyArn)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::PostureCheck;
    use crate::posture::support::tests::snapshot;
    use serde_json::json;

    #[test]
    fn both_model_kinds_and_an_undescribed_model() {
        let arn = "arn:aws:bedrock:us-east-1:111122223333:imported-model/abc";
        let mut imported = snapshot(&CHECK, json!({"modelArn": arn}));
        imported.resource_type = types::BEDROCK_IMPORTED_MODEL.into();
        let org = Organization::default();
        assert!(CHECK.assess(&imported, &org).is_some());
        imported.configuration["modelKmsKeyArn"] = json!("arn:aws:kms:us-east-1:111122223333:key/k");
        assert!(CHECK.assess(&imported, &org).is_none());
        assert!(
            CHECK
                .assess(&snapshot(&CHECK, json!({"modelName": "m"})), &org)
                .is_none()
        );
    }
}
