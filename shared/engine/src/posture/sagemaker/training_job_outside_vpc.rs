//! A SageMaker training job ran outside a VPC of the account (Prowler
//! `sagemaker_training_jobs_vpc_settings_configured`).

use crate::posture::prelude::*;
use crate::posture::support::missing;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.training_job_outside_vpc",
        title: "SageMaker training job not in a VPC",
        severity: Severity::Medium,
        area: Area::Data,
        techniques: &["T1048", "AML.T0025"],
        description: "A training job has no VpcConfig: its containers run on a network SageMaker \
            manages, so training code (often pulled from a public image or repository) can \
            reach the internet with the training data and the job role's credentials, and \
            fetch data from outside, with no security group, VPC endpoint policy or flow log \
            in the way. A snapshot that does not describe the job (no TrainingJobName) is not \
            judged.",
        remediation: "Start training jobs with VpcConfig (private subnets and security groups, \
            VPC endpoints for S3, ECR and CloudWatch) and, where the training code needs no \
            network, EnableNetworkIsolation true. An IAM condition on sagemaker:VpcSubnets can \
            require a VPC for new jobs.",
        controls: &["prowler:sagemaker_training_jobs_vpc_settings_configured"],
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
    missing(resource, "TrainingJobName", "VpcConfig")
        .then(|| Hit::new(CHECK.metadata.severity, "ran outside a VPC (no VpcConfig)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn an_undescribed_job_is_not_judged() {
        assert!(judge(&CHECK, json!({"TrainingJobName": "j", "VpcConfig": null})).is_some());
        let in_vpc =
            json!({"TrainingJobName": "j", "VpcConfig": {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}});
        assert!(judge(&CHECK, in_vpc).is_none());
        assert!(judge(&CHECK, json!({"TrainingJobStatus": "Completed"})).is_none());
    }
}
