//! A SageMaker AI domain sends its apps' traffic over the internet (AppNetworkAccessType
//! PublicInternetOnly).

use crate::posture::prelude::*;
use crate::posture::support::is;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.domain_public_internet_only",
        title: "SageMaker domain with public internet access",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1133", "T1048", "AML.T0025"],
        description: "A SageMaker AI domain has AppNetworkAccessType PublicInternetOnly: the \
            Studio apps of every user profile reach the internet through a network SageMaker \
            manages, not through your VPC, so code run in a notebook can send data and the \
            execution role's credentials anywhere and fetch anything, outside your security \
            groups, VPC endpoint policies and flow logs. VpcOnly is not reported; a snapshot \
            without AppNetworkAccessType is not judged.",
        remediation: "Move the domain to VpcOnly (UpdateDomain AppNetworkAccessType VpcOnly, or a \
            new domain), in private subnets with security groups and VPC endpoints for \
            SageMaker, S3 and the other services the apps use, or a NAT gateway whose traffic \
            you inspect.",
        controls: &["aiml:SM-01"],
        events: &[],
        resource_types: &[types::SAGEMAKER_DOMAIN],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/Domain-public-internet.json"],
            must_not_fire: &["samples/posture/sagemaker/Domain-vpc-only.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    is(resource, "AppNetworkAccessType", "PublicInternetOnly").then(|| {
        Hit::new(
            CHECK.metadata.severity,
            "sends its apps' traffic over the internet (AppNetworkAccessType PublicInternetOnly)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn only_public_internet_only_fires() {
        let public = json!({"DomainId": "d-1", "AppNetworkAccessType": "PublicInternetOnly"});
        assert!(judge(&CHECK, public).is_some());
        assert!(judge(&CHECK, json!({"DomainId": "d-1", "AppNetworkAccessType": "VpcOnly"})).is_none());
        // Without the setting the domain could not be assessed.
        assert!(judge(&CHECK, json!({"DomainId": "d-1"})).is_none());
    }
}
