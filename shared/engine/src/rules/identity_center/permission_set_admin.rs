//! A permission set was given an admin-equivalent AWS managed policy or an inline policy with
//! a broad grant.

use crate::policy::{Grant, Policy};
use crate::rules::iam::admin_policy_attached::ADMIN;
use crate::rules::prelude::*;
use crate::rules::support::or_unknown;

const SSO: &str = "sso.amazonaws.com";

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "identity_center.permission_set_admin",
        title: "Admin-equivalent grant added to an Identity Center permission set",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098.003", "T1484"],
        description: "An IAM Identity Center permission set was given AdministratorAccess or \
            IAMFullAccess (AttachManagedPolicyToPermissionSet), or an inline policy granting every \
            action, iam:PassRole on any role or a privilege-escalation action on all resources \
            (PutInlinePolicyToPermissionSet, judged by the policy analyzer). Identity Center then \
            provisions the grant as an AWSReservedSSO_ role in every account the permission set is \
            assigned to: one call here is admin in many accounts. Those member-account records \
            are made by AWS and stay low; this is where the decision is logged. High. A \
            whole-service wildcard (bedrock:*) is broad but not admin-equivalent and is left out.",
        remediation: "Confirm the change with the Identity Center administrators. If it was not \
            approved, detach the policy from the permission set (DetachManagedPolicyFromPermissionSet \
            or DeleteInlinePolicyFromPermissionSet), provision the permission set again, and review \
            the account assignments that use it.",
        controls: &[],
        events: &[
            (SSO, "AttachManagedPolicyToPermissionSet"),
            (SSO, "PutInlinePolicyToPermissionSet"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::DEFAULT,
        samples: Samples {
            must_fire: &[
                "events/sso/AttachManagedPolicyToPermissionSet-admin.json",
                "events/sso/PutInlinePolicyToPermissionSet-admin.json",
            ],
            must_not_fire: &[
                "events/sso/AttachManagedPolicyToPermissionSet-readonly.json",
                "events/sso/PutInlinePolicyToPermissionSet-scoped.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let permission_set = ev.req_str("permissionSetArn");
    let (severity, what) = match ev.name() {
        "AttachManagedPolicyToPermissionSet" => {
            let arn = ev.req_str("managedPolicyArn")?;
            let name = arn.split_once(":iam::aws:policy/")?.1.rsplit('/').next()?;
            if !ADMIN.contains(&name) {
                return None;
            }
            (Severity::High, format!("attached {name}"))
        }
        _ => {
            let grants = Policy::parse(ev.req("inlinePolicy")?).ok()?.broad_grants();
            // Admin, PassRole on any role or an escalation path; a whole-service wildcard is
            // broad but not admin-equivalent.
            let worst = grants
                .first()
                .filter(|g| !matches!(g, Grant::AiServiceWildcard(_) | Grant::ServiceWildcard(_)))?;
            (
                Severity::High,
                format!("put an inline policy granting {}", worst.describe()),
            )
        }
    };
    let action = format!("{what} to permission set {}", or_unknown(permission_set));
    Some(Hit::new(severity, action).resource(permission_set))
}
