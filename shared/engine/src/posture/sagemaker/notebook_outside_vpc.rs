//! A SageMaker notebook instance is not in a VPC of the account (Security Hub control
//! SageMaker.2).

use crate::posture::prelude::*;
use crate::posture::support::missing;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.notebook_outside_vpc",
        title: "SageMaker notebook instance not in a VPC",
        severity: Severity::Medium,
        area: Area::Application,
        techniques: &["T1048", "AML.T0025"],
        description: "A notebook instance has no SubnetId: it runs on a network SageMaker manages, \
            outside your VPC, so no security group, network ACL, VPC endpoint policy or flow log \
            applies to what it sends and receives, and it always has direct internet access. \
            Security Hub control SageMaker.2 fails such instances. A snapshot that does not \
            describe the instance (no NotebookInstanceName) is not judged.",
        remediation: "The network of a notebook instance cannot be changed: create a new one in a \
            private subnet of your VPC with security groups, DirectInternetAccess Disabled and \
            VPC endpoints (or a NAT gateway) for what it needs, move the work, then stop and \
            delete the old instance. An IAM condition on sagemaker:VpcSubnets can require a \
            subnet for new instances.",
        controls: &[
            "SageMaker.2",
            "prowler:sagemaker_notebook_instance_vpc_settings_configured",
            "aiml:SM-10",
        ],
        events: &[],
        resource_types: &[types::SAGEMAKER_NOTEBOOK],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/NotebookInstance-direct-internet.json"],
            must_not_fire: &["samples/posture/sagemaker/NotebookInstance-vpc-only.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    missing(resource, "NotebookInstanceName", "SubnetId")
        .then(|| Hit::new(CHECK.metadata.severity, "is not in a VPC (no subnet)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn a_blank_subnet_is_none_and_an_undescribed_instance_is_not_judged() {
        assert!(judge(&CHECK, json!({"NotebookInstanceName": "nb", "SubnetId": ""})).is_some());
        assert!(judge(&CHECK, json!({"NotebookInstanceName": "nb", "SubnetId": "subnet-1"})).is_none());
        assert!(judge(&CHECK, json!({})).is_none());
    }
}
