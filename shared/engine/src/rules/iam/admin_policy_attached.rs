//! An admin-equivalent AWS managed policy was attached to a user, group or role.

use super::policy_target;
use crate::rules::prelude::*;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "iam.admin_policy_attached",
        title: "Admin-equivalent policy attached",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098.003", "T1078.004"],
        description: "AdministratorAccess or IAMFullAccess was attached to a user, group or role, \
            or AmazonBedrockFullAccess / AmazonSageMakerFullAccess to a user or group. These grant \
            full control (or full control of AI resources) and are a classic persistence and \
            escalation step. Admin policies on users and groups are high, on roles medium; the AI \
            full-access policies on users and groups are medium. Only AWS managed policies are \
            judged here (by ARN); customer policies are judged by their content when written \
            (iam.permissive_policy).",
        remediation: "Detach the policy unless the grant was approved; give the identity a \
            scoped policy instead, and review what it did since the attachment.",
        controls: &[],
        events: &[
            ("iam.amazonaws.com", "AttachUserPolicy"),
            ("iam.amazonaws.com", "AttachGroupPolicy"),
            ("iam.amazonaws.com", "AttachRolePolicy"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/iam/AttachUserPolicy.json",
                "events/iam/AttachRolePolicy.json",
                "events/iam/AttachGroupPolicy.json",
                "events/iam/AttachGroupPolicy-bedrock-full-access.json",
                "events/iam/AttachRolePolicy-identity-center-provisioning.json",
            ],
            must_not_fire: &["events/iam/AttachRolePolicy-readonly.json"],
        },
    },
    check,
};

/// Policies that grant full control of the account.
/// AWS managed policies that grant full control of the account.
pub(crate) const ADMIN: &[&str] = &["AdministratorAccess", "IAMFullAccess"];
/// Policies that grant full control of AI services: flagged on users and groups.
const AI_FULL: &[&str] = &["AmazonBedrockFullAccess", "AmazonSageMakerFullAccess"];

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let arn = ev.req_str("policyArn")?;
    // AWS managed policies, in any partition: arn:aws[-cn|-us-gov]:iam::aws:policy/[path/]Name
    let (partition, name) = arn.split_once(":iam::aws:policy/")?;
    if !partition.starts_with("arn:aws") {
        return None;
    }
    let name = name.rsplit('/').next().unwrap_or(name);
    let (kind, target) = policy_target(ev)?;
    let severity = match (ADMIN.contains(&name), AI_FULL.contains(&name), kind) {
        (true, _, "role") => Severity::Medium,
        (true, _, _) => Severity::High,
        (false, true, "user" | "group") => Severity::Medium,
        _ => return None,
    };
    let target = target.unwrap_or("(unknown)");
    Some(
        Hit::new(severity, format!("attached {name} to {kind} {target}"))
            .resource(Some(target))
            .resource(Some(arn)),
    )
}
