//! A SageMaker training job sends traffic between its containers unencrypted (Prowler
//! `sagemaker_training_jobs_intercontainer_encryption_enabled`).

use crate::posture::prelude::*;
use crate::posture::support::{flag, is_set};

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.training_job_intercontainer_encryption_disabled",
        title: "SageMaker training job without inter-container traffic encryption",
        severity: Severity::Low,
        area: Area::Data,
        techniques: &["T1040"],
        description: "A training job does not set EnableInterContainerTrafficEncryption true (the \
            API's default is false): in distributed training, the model parameters and data its \
            instances exchange cross the network in the clear, where anything on that network \
            path could read or alter them. A snapshot that does not describe the job (no \
            TrainingJobName) is not judged.",
        remediation: "Set EnableInterContainerTrafficEncryption true on the training jobs your \
            pipelines start (the setting cannot be changed on a job that ran; retrain where the \
            data is sensitive). An IAM condition on sagemaker:InterContainerTrafficEncryption \
            can require it.",
        controls: &["prowler:sagemaker_training_jobs_intercontainer_encryption_enabled"],
        events: &[],
        resource_types: &[types::SAGEMAKER_TRAINING_JOB],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/TrainingJob-unprotected.json"],
            must_not_fire: &["samples/posture/sagemaker/TrainingJob-vpc-encrypted.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    if !is_set(resource, "TrainingJobName") || flag(resource, "EnableInterContainerTrafficEncryption") == Some(true) {
        return None;
    }
    Some(Hit::new(
        CHECK.metadata.severity,
        "has inter-container traffic encryption disabled",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn absent_is_the_default_false() {
        assert!(judge(&CHECK, json!({"TrainingJobName": "j"})).is_some());
        let on = json!({"TrainingJobName": "j", "EnableInterContainerTrafficEncryption": true});
        assert!(judge(&CHECK, on).is_none());
        assert!(judge(&CHECK, json!({"EnableInterContainerTrafficEncryption": false})).is_none());
    }
}
