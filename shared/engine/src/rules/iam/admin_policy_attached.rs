//! An admin-equivalent policy was attached to a user, group or role: an AWS managed one named
//! by its ARN, or a customer-managed one whose document (read live) grants as much.

use super::policy_target;
use crate::enrich::{Answer, LookupRequest};
use crate::policy::{Grant, Policy};
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
            full-access policies on users and groups are medium. AWS managed policies are judged \
            by ARN. A customer-managed policy is judged by the document of its default version, \
            read from IAM when the event arrives (GetPolicy, GetPolicyVersion; cached per policy \
            version) where the detector can read it: all actions on all resources or a \
            privilege-escalation path count as admin, a whole AI service (`bedrock:*`…) as AI \
            full access. When that read fails or times out, the attachment is reported low, \
            saying that the document was not checked. Without lookups (`aidr scan`) customer \
            policies are judged only when written (iam.permissive_policy).",
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

/// AWS managed policies that grant full control of the account.
pub(crate) const ADMIN: &[&str] = &["AdministratorAccess", "IAMFullAccess"];
/// Policies that grant full control of AI services: flagged on users and groups.
const AI_FULL: &[&str] = &["AmazonBedrockFullAccess", "AmazonSageMakerFullAccess"];

/// What a policy attached grants, as far as this rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Power {
    /// Full control of the account (all actions, or a way to grant itself them).
    Admin,
    /// Full control of an AI service.
    AiFull,
}

/// The severity of attaching a policy of `power` to an identity of `kind`, if reported:
/// admin on users and groups high, on roles medium; AI full access on users and groups medium.
fn severity(power: Power, kind: &str) -> Option<Severity> {
    match (power, kind) {
        (Power::Admin, "role") => Some(Severity::Medium),
        (Power::Admin, _) => Some(Severity::High),
        (Power::AiFull, "user" | "group") => Some(Severity::Medium),
        _ => None,
    }
}

/// The account of a customer-managed policy ARN (`arn:aws:iam::111122223333:policy/…`).
fn customer_policy_account(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let is_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (partition.starts_with("aws") && is_account && resource.starts_with("policy/")).then_some(account)
}

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let arn = ev.req_str("policyArn")?;
    let (kind, target) = policy_target(ev)?;
    let target = target.unwrap_or("(unknown)");
    // AWS managed policies, in any partition: arn:aws[-cn|-us-gov]:iam::aws:policy/[path/]Name
    if let Some((partition, name)) = arn.split_once(":iam::aws:policy/") {
        if !partition.starts_with("arn:aws") {
            return None;
        }
        let name = name.rsplit('/').next().unwrap_or(name);
        let power = if ADMIN.contains(&name) {
            Power::Admin
        } else if AI_FULL.contains(&name) {
            Power::AiFull
        } else {
            return None;
        };
        let action = format!("attached {name} to {kind} {target}");
        return Some(
            Hit::new(severity(power, kind)?, action)
                .resource(Some(target))
                .resource(Some(arn)),
        );
    }
    customer_managed(ev, arn, kind, target)
}

/// A customer-managed policy attached: judged by its default version's document, read live
/// (and only there: without lookups nothing is reported, as the record cannot tell).
fn customer_managed(ev: &Event, arn: &str, kind: &str, target: &str) -> Option<Hit> {
    let account = customer_policy_account(arn)?;
    let request = LookupRequest::ManagedPolicy {
        account: account.to_owned(),
        arn: arn.to_owned(),
        version: None,
    };
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let answer = ev.look_up(request)?;
    let Some(doc) = answer.doc() else {
        let why = answer.failure().unwrap_or_else(|| "the policy was not found".into());
        let action =
            format!("attached customer-managed policy {name} to {kind} {target}; its document was not checked ({why})");
        return Some(
            Hit::new(Severity::Low, action)
                .resource(Some(target))
                .resource(Some(arn)),
        );
    };
    let grants = Policy::parse(doc).ok()?.broad_grants();
    let (power, grant) = grants.iter().find_map(|g| match g {
        Grant::Admin | Grant::Escalation(_) => Some((Power::Admin, g)),
        Grant::AiServiceWildcard(_) => Some((Power::AiFull, g)),
        _ => None,
    })?;
    let version = match answer {
        Answer::Found { version: Some(v), .. } => format!(", version {v}"),
        _ => String::new(),
    };
    let action = format!(
        "attached customer-managed policy {name} to {kind} {target}; its default version (read from IAM{version}) grants {}",
        grant.describe()
    );
    Some(
        Hit::new(severity(power, kind)?, action)
            .resource(Some(target))
            .resource(Some(arn)),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cloudtrail::Record;
    use crate::enrich::Answers;

    fn attach(kind: &str, arn: &str) -> String {
        let name = format!("{}Name", kind.to_lowercase());
        json!({"eventSource": "iam.amazonaws.com", "eventName": format!("Attach{kind}Policy"),
            "recipientAccountId": "111122223333",
            "requestParameters": {name: "target", "policyArn": arn}})
        .to_string()
    }

    const CUSTOM: &str = "arn:aws:iam::111122223333:policy/team/Ops";

    fn request() -> LookupRequest {
        LookupRequest::ManagedPolicy {
            account: "111122223333".into(),
            arn: CUSTOM.into(),
            version: None,
        }
    }

    #[test]
    fn a_customer_policy_asks_its_document_and_aws_policies_ask_nothing() {
        let text = attach("User", CUSTOM);
        let record: Record = serde_json::from_str(&text).unwrap();
        let event = Event::new(&record);
        assert_eq!(
            check(&event, &Organization::default()),
            None,
            "nothing without a lookup"
        );
        assert_eq!(event.asked(), [request()]);
        let text = attach("User", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        let record: Record = serde_json::from_str(&text).unwrap();
        let event = Event::new(&record);
        assert_eq!(check(&event, &Organization::default()), None);
        assert!(event.asked().is_empty(), "an AWS managed policy costs no lookup");
    }

    fn judged(kind: &str, answer: Answer) -> Option<Hit> {
        let text = attach(kind, CUSTOM);
        let record: Record = serde_json::from_str(&text).unwrap();
        let mut answers = Answers::default();
        answers.insert(request(), answer);
        check(&Event::answered(&record, &answers), &Organization::default())
    }

    #[test]
    fn an_admin_equivalent_customer_policy_is_reported_like_administrator_access() {
        let admin =
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let found = |doc: &serde_json::Value| Answer::Found {
            doc: doc.clone(),
            version: Some("v3".into()),
        };
        let hit = judged("User", found(&admin)).unwrap();
        assert_eq!(hit.severity, Severity::High);
        assert_eq!(
            hit.action,
            "attached customer-managed policy Ops to user target; its default version (read from IAM, \
             version v3) grants all actions on all resources"
        );
        assert_eq!(hit.resources, ["target", CUSTOM]);
        assert_eq!(judged("Role", found(&admin)).unwrap().severity, Severity::Medium);
        let iam = json!({"Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}});
        assert_eq!(judged("Group", found(&iam)).unwrap().severity, Severity::High);
        let bedrock = json!({"Statement": {"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}});
        assert_eq!(judged("User", found(&bedrock)).unwrap().severity, Severity::Medium);
        assert_eq!(judged("Role", found(&bedrock)), None);
        let scoped =
            json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}});
        assert_eq!(judged("User", found(&scoped)), None);
    }

    #[test]
    fn a_failed_lookup_says_what_was_not_checked() {
        let hit = judged(
            "User",
            Answer::Failed("iam:GetPolicy failed: timed out after 2 s".into()),
        )
        .unwrap();
        assert_eq!(hit.severity, Severity::Low);
        assert!(
            hit.action
                .ends_with("its document was not checked (iam:GetPolicy failed: timed out after 2 s)"),
            "{}",
            hit.action
        );
        let gone = judged("User", Answer::Absent).unwrap();
        assert!(gone.action.ends_with("(the policy was not found)"), "{}", gone.action);
    }
}
