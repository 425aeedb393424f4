//! A SageMaker notebook instance has direct internet access (Security Hub control
//! SageMaker.1, Prowler `sagemaker_notebook_instance_without_direct_internet_access_configured`).

use crate::detection::{AlertScope, DAY, DedupeScope, Hit, Metadata, Organization, Samples};
use crate::posture::BuiltinCheck;
use crate::resource::ResourceSnapshot;
use crate::severity::{Area, Severity};

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
        controls: &[],
        events: &[],
        resource_types: &["AWS::SageMaker::NotebookInstance"],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: DAY,
        },
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/NotebookInstance-direct-internet.json"],
            must_not_fire: &["samples/posture/sagemaker/NotebookInstance-vpc-only.json"],
        },
    },
    check,
};

fn enabled(resource: &ResourceSnapshot, field: &str) -> bool {
    resource
        .config_str(field)
        .is_some_and(|v| v.eq_ignore_ascii_case("Enabled"))
}

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    if !enabled(resource, "DirectInternetAccess") {
        return None;
    }
    let action = if enabled(resource, "RootAccess") {
        "has direct internet access and root access"
    } else {
        "has direct internet access"
    };
    Some(Hit::new(CHECK.metadata.severity, action))
}
