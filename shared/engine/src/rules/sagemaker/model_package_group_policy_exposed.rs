//! A model package group's resource policy opens it to everyone or to outside accounts.

use crate::rules::prelude::*;
use crate::rules::support::{or_unknown, policy_exposure};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "sagemaker.model_package_group_policy_exposed",
        title: "SageMaker model package group shared publicly or outside the organization",
        severity: Severity::High,
        area: Area::Model,
        techniques: &["T1537", "AML.T0044"],
        description: "PutModelPackageGroupPolicy set a resource policy on a model registry \
            group that allows anyone (critical: a public principal without a condition naming a \
            concrete organization, account, ARN or network; wildcard values such as \
            `arn:aws:iam::*:role/x` and `…IfExists`, `Null` or negated operators do not narrow \
            it) or an account outside the organization (high: named as principal, or in an \
            account or ARN condition on `*`). The group's \
            model packages point to the model artifacts and inference images, so the grantee \
            can describe them, deploy them in its own account or, with write actions, register \
            tampered versions. Accounts listed as the organization's in the settings, and the \
            event's own account, are not outside. In the detector the finding also says how \
            the exposure changed since the policy seen put before on the same resource (newly \
            public, newly open to an account, or already open as much before).",
        remediation: "Check with the model owners that the sharing is intended. If not, \
            remove the statement (DeleteModelPackageGroupPolicy or a corrected policy), limit \
            principals to known accounts or add an aws:PrincipalOrgID condition, and review \
            access to the artifacts' S3 bucket and KMS key.",
        controls: &[],
        events: &[("sagemaker.amazonaws.com", "PutModelPackageGroupPolicy")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/sagemaker/PutModelPackageGroupPolicy-public.json",
                "events/sagemaker/PutModelPackageGroupPolicy-cross-account.json",
                "events/sagemaker/PutModelPackageGroupPolicy-if-exists-condition.json",
            ],
            must_not_fire: &[
                "events/sagemaker/PutModelPackageGroupPolicy.json",
                "events/sagemaker/PutModelPackageGroupPolicy-own-account-condition.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, org: &Organization) -> Option<Hit> {
    let (severity, whom) = policy_exposure(
        ev,
        org,
        "resourcePolicy",
        RULE.metadata.severity,
        ev.req_str("modelPackageGroupName"),
    )?;
    let name = ev.req_str("modelPackageGroupName");
    let action = format!("opened model package group {} to {whom}", or_unknown(name));
    Some(Hit::new(severity, action).resource(name))
}
