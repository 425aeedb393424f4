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
use crate::enrich::LookupRequest;
use crate::policy::Policy;
use crate::response::PrincipalKind;
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

/// The document a policy write wrote, when the record holds it readable.
fn written_policy(ev: &Event) -> Option<Policy> {
    Policy::parse(ev.req("policyDocument")?).ok()
}

/// The lookup that reads the document an identity policy write wrote when the record does not
/// hold it readable (the request omitted for size, the document absent or cut short), if the
/// record names what to read: the inline policy of a `Put*Policy` (its identity and policy
/// names), the version a `CreatePolicy` or `CreatePolicyVersion` made (the policy ARN and the
/// version id of the response).
fn policy_lookup(ev: &Event) -> Option<LookupRequest> {
    if written_policy(ev).is_some() {
        return None;
    }
    let name = |path: &str| ev.req_str(path).filter(|s| !s.is_empty()).map(str::to_owned);
    let account = || ev.account().map(str::to_owned);
    match ev.name() {
        "PutUserPolicy" | "PutGroupPolicy" | "PutRolePolicy" => {
            let (kind, field) = match ev.name() {
                "PutUserPolicy" => (PrincipalKind::User, "userName"),
                "PutGroupPolicy" => (PrincipalKind::Group, "groupName"),
                _ => (PrincipalKind::Role, "roleName"),
            };
            Some(LookupRequest::InlinePolicy {
                account: account()?,
                kind,
                identity: name(field)?,
                name: name("policyName")?,
            })
        }
        "CreatePolicy" => {
            let arn = ev.resp_str("policy.arn").filter(|a| !a.is_empty())?;
            let version = ev.resp_str("policy.defaultVersionId").unwrap_or("v1");
            Some(LookupRequest::ManagedPolicy {
                account: policy_account(arn)?.to_owned(),
                arn: arn.to_owned(),
                version: Some(version.to_owned()),
            })
        }
        "CreatePolicyVersion" => {
            let arn = name("policyArn")?;
            let version = ev.resp_str("policyVersion.versionId").filter(|v| !v.is_empty())?;
            Some(LookupRequest::ManagedPolicy {
                account: policy_account(&arn)?.to_owned(),
                arn,
                version: Some(version.to_owned()),
            })
        }
        _ => None,
    }
}

/// The account of a policy ARN (`arn:aws:iam::111122223333:policy/…`).
fn policy_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}
