//! A notebook instance was created or changed with internet access, root access, no KMS key
//! or outside a VPC.

use crate::rules::prelude::*;
use crate::rules::support::{Reasons, is_set, or_unknown};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "sagemaker.notebook_insecure",
        title: "SageMaker notebook instance with insecure settings",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1133", "T1548", "AML.T0025"],
        description: "A notebook instance was created with direct internet access, root access, \
            no customer-managed KMS key or no VPC subnet, or updated to enable root access. \
            Notebooks run with an execution role and usually reach training data: direct \
            internet access gives code on the notebook an exit path that bypasses VPC controls \
            (high); root access lets any notebook user change the instance and its software \
            (medium); without a subnet the notebook is not in your VPC (medium); without a \
            KMS key its storage volume uses an AWS-owned key (low). CreateNotebookInstance \
            enables both direct internet access and root access when the request leaves them \
            out, so an absent setting counts as enabled and is reported as \"(default)\". An \
            update is judged only on what it sets. One finding lists every reason; its \
            severity is the worst of them.",
        remediation: "Recreate the notebook with DirectInternetAccess Disabled in a private \
            subnet (with VPC endpoints or a NAT gateway for what it needs), RootAccess Disabled \
            and a customer-managed KmsKeyId; disable root access with UpdateNotebookInstance. \
            Enforce these with the sagemaker:DirectInternetAccess, sagemaker:RootAccess, \
            sagemaker:VpcSubnets and sagemaker:VolumeKmsKey IAM condition keys.",
        controls: &[],
        events: &[
            ("sagemaker.amazonaws.com", "CreateNotebookInstance"),
            ("sagemaker.amazonaws.com", "UpdateNotebookInstance"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/sagemaker/CreateNotebookInstance.json",
                "events/sagemaker/CreateNotebookInstance-no-kms.json",
                "events/sagemaker/UpdateNotebookInstance-root-access.json",
            ],
            must_not_fire: &[
                "events/sagemaker/CreateNotebookInstance-hardened.json",
                "events/sagemaker/UpdateNotebookInstance-root-disabled.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    // Without the request the defaults cannot be told from explicit settings.
    ev.request()?;
    let create = ev.name() == "CreateNotebookInstance";
    // "Enabled" explicitly, or (on create only) by default when absent.
    let enabled = |field: &str| match ev.req_str(field) {
        Some(v) => v.eq_ignore_ascii_case("Enabled").then_some(""),
        None if create && ev.req(field).is_none() => Some(" (default)"),
        None => None,
    };
    let mut reasons = Reasons::default();
    if let Some(note) = enabled("directInternetAccess") {
        reasons.add(Severity::High, format!("direct internet access enabled{note}"));
    }
    if let Some(note) = enabled("rootAccess") {
        reasons.add(Severity::Medium, format!("root access enabled{note}"));
    }
    if create {
        if !is_set(ev, "subnetId") {
            reasons.add(Severity::Medium, "no VPC subnet");
        }
        if !is_set(ev, "kmsKeyId") {
            reasons.add(Severity::Low, "no KMS key for the storage volume");
        }
    }
    let name = ev.req_str("notebookInstanceName");
    let verb = if create { "created" } else { "updated" };
    let hit = reasons.hit(&format!("{verb} notebook instance {}", or_unknown(name)))?;
    Some(hit.resource(name).resource(ev.resp_str("notebookInstanceArn")))
}
