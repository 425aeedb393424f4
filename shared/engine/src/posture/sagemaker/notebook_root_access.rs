//! A SageMaker notebook instance lets its users become root (Security Hub control SageMaker.3).

use crate::posture::prelude::*;
use crate::posture::support::is;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "sagemaker.notebook_root_access",
        title: "SageMaker notebook instance with root access enabled",
        severity: Severity::Medium,
        area: Area::Access,
        techniques: &["T1548", "AML.T0025"],
        description: "A notebook instance has RootAccess Enabled (the default when it is created): \
            every user who can open it may run commands as root, install any package, replace \
            the lifecycle configuration's work and read whatever the instance's execution role \
            can reach, with nothing on the instance to stop or record it. Security Hub control \
            SageMaker.3 fails such instances. A snapshot without RootAccess is not judged.",
        remediation: "Stop the notebook instance, call UpdateNotebookInstance with RootAccess \
            Disabled, and start it again; install the packages users need through a lifecycle \
            configuration instead. A service control policy or IAM condition on \
            sagemaker:RootAccess can keep new instances from enabling it.",
        controls: &[
            "SageMaker.3",
            "prowler:sagemaker_notebook_instance_root_access_disabled",
            "aiml:SM-09",
        ],
        events: &[],
        resource_types: &[types::SAGEMAKER_NOTEBOOK],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/sagemaker/NotebookInstance-root-access.json"],
            must_not_fire: &["samples/posture/sagemaker/NotebookInstance-vpc-only.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    is(resource, "RootAccess", "Enabled").then(|| Hit::new(CHECK.metadata.severity, "has root access enabled"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn only_an_explicit_enabled_fires() {
        assert!(judge(&CHECK, json!({"NotebookInstanceName": "nb", "RootAccess": "enabled"})).is_some());
        assert!(judge(&CHECK, json!({"NotebookInstanceName": "nb", "RootAccess": "Disabled"})).is_none());
        // Not described: could not be assessed.
        assert!(judge(&CHECK, json!({"NotebookInstanceName": "nb"})).is_none());
    }
}
