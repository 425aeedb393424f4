//! An admin-equivalent AWS managed policy was attached to a user, group or role.

use crate::rules::prelude::*;

pub const RULE: Builtin = Builtin {
    meta: Meta {
        id: "iam.admin_policy_attached",
        title: "Admin-equivalent policy attached",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098.003", "T1078.004"],
        description: "AdministratorAccess or IAMFullAccess was attached to a user, group or role, \
            or AmazonBedrockFullAccess / AmazonSageMakerFullAccess to a user or group. These grant \
            full control (or full control of AI resources) and are a classic persistence and \
            escalation step. Attachments to users and groups are high, to roles medium.",
        remediation: "Detach the policy unless the grant was approved; give the identity a \
            scoped policy instead, and review what it did since the attachment.",
        events: &[
            ("iam.amazonaws.com", "AttachUserPolicy"),
            ("iam.amazonaws.com", "AttachGroupPolicy"),
            ("iam.amazonaws.com", "AttachRolePolicy"),
        ],
        failed_calls: false,
        examples: Examples {
            triggers: &["iam/AttachUserPolicy.json", "iam/AttachRolePolicy.json"],
            ignores: &["iam/AttachRolePolicy-readonly.json"],
        },
    },
    check,
};

/// Policies that grant full control of the account.
const ADMIN: &[&str] = &["AdministratorAccess", "IAMFullAccess"];
/// Policies that grant full control of AI services: flagged on users and groups.
const AI_FULL: &[&str] = &["AmazonBedrockFullAccess", "AmazonSageMakerFullAccess"];

fn check(ev: &Event, _: &Context) -> Option<Hit> {
    let arn = ev.req_str("policyArn")?;
    let name = arn.strip_prefix("arn:aws:iam::aws:policy/")?;
    let name = name.rsplit('/').next().unwrap_or(name);
    let (kind, target) = match ev.name() {
        "AttachUserPolicy" => ("user", ev.req_str("userName")),
        "AttachGroupPolicy" => ("group", ev.req_str("groupName")),
        _ => ("role", ev.req_str("roleName")),
    };
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
