//! A SageMaker notebook instance has direct internet access (Security Hub control
//! SageMaker.1, Prowler `sagemaker_notebook_instance_without_direct_internet_access_configured`).

use crate::posture::prelude::*;
use crate::posture::support::is;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.notebook_direct_internet_access",
        title: "SageMaker notebook instance with direct internet access",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1133", "AML.T0025"],
        description: "A notebook instance is configured with DirectInternetAccess Enabled: its network interface \
            reaches the internet outside your VPC's controls, so code and credentials on it (the execution role's \
            data and model access) can be exfiltrated and the instance can download anything. Security Hub \
            control SageMaker.1 fails such instances. Root access on the same instance is named in the summary: \
            it lets any notebook user change the instance.",
        remediation: "Direct internet access cannot be changed on an existing notebook instance: create a new one \
            with DirectInternetAccess Disabled in a VPC subnet (with VPC endpoints or a NAT gateway for what it \
            needs), move the work, then stop and delete the old instance. Disable root access unless needed.",
        controls: &[
            "SageMaker.1",
            "prowler:sagemaker_notebook_instance_without_direct_internet_access_configured",
            "aiml:SM-01",
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
    if !is(resource, "DirectInternetAccess", "Enabled") {
        return None;
    }
    let action = if is(resource, "RootAccess", "Enabled") {
        "has direct internet access and root access"
    } else {
        "has direct internet access"
    };
    Some(Hit::new(CHECK.metadata.severity, action))
}
