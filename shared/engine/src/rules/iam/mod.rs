//! AWS IAM around AI workloads: admin grants, permissive policies, opened trust, policies
//! hidden from the log, new keys.

pub(crate) mod admin_policy_attached;
mod credentials_for_other_user;
mod permissive_policy;
mod policy_hidden;
mod root_access_key_created;
mod trust_policy_exposed;

use crate::cloudtrail::event::Event;
use crate::detection::EventKey;
use crate::rules::EventRule;

/// The IAM rules.
pub fn all() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(admin_policy_attached::RULE),
        Box::new(permissive_policy::RULE),
        Box::new(trust_policy_exposed::RULE),
        Box::new(policy_hidden::RULE),
        Box::new(credentials_for_other_user::RULE),
        Box::new(root_access_key_created::RULE),
    ]
}

/// The calls that write an identity policy document: inline on a user, group or role, or a
/// managed policy and its versions.
const POLICY_WRITES: &[EventKey] = &[
    ("iam.amazonaws.com", "PutUserPolicy"),
    ("iam.amazonaws.com", "PutGroupPolicy"),
    ("iam.amazonaws.com", "PutRolePolicy"),
    ("iam.amazonaws.com", "CreatePolicy"),
    ("iam.amazonaws.com", "CreatePolicyVersion"),
];

/// The identity an `Attach*Policy` / `Put*Policy` call targets: its kind (`user`, `group`,
/// `role`) and, when recorded, its name (`userName`, `groupName`, `roleName`).
fn policy_target<'e>(ev: &'e Event) -> Option<(&'static str, Option<&'e str>)> {
    let kind = match ev.name() {
        "AttachUserPolicy" | "PutUserPolicy" => "user",
        "AttachGroupPolicy" | "PutGroupPolicy" => "group",
        "AttachRolePolicy" | "PutRolePolicy" => "role",
        _ => return None,
    };
    Some((kind, ev.req_str(&format!("{kind}Name"))))
}

/// The caller's IAM user name when the caller is an IAM user. Falls back on the last part of
/// the ARN (`user/path/alice` -> `alice`) when `userIdentity.userName` was not recorded.
fn caller_user_name<'e>(ev: &'e Event) -> Option<&'e str> {
    let name = ev.principal().user_name()?;
    name.rsplit('/').next()
}
