//! An IAM user that may call Bedrock holds an active access key older than 90 days (Security
//! Hub control IAM.3, Prowler `iam_rotate_access_key_90_days`, for the users that matter to
//! Bedrock).

use super::active;
use crate::inventory::iam::{identity_policies, principal_services};
use crate::posture::prelude::*;
use crate::posture::support::{age_at_capture, items, text};

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "iam.bedrock_user_old_access_key",
        title: "IAM user with Bedrock access holds an access key older than 90 days",
        severity: Severity::Medium,
        area: Area::Access,
        techniques: &["T1078.004", "T1496", "AML.T0034"],
        description: "An IAM user whose policies (its own, attached, and its groups') allow some \
            bedrock: action has an active access key created more than 90 days before the \
            snapshot was taken. Long-lived keys leak through code, laptops and CI logs, and a \
            leaked key that can invoke models is what model-abuse (LLMjacking) campaigns look \
            for. Security Hub control IAM.3 asks for rotation within 90 days. Ages are counted \
            to the snapshot's capture time; a snapshot without one is not judged, nor a key \
            without a readable CreateDate.",
        remediation: "Move the workload to role credentials (an instance, task or function \
            role, IAM Roles Anywhere, or IAM Identity Center for people). Otherwise create a \
            new key, switch the application to it, deactivate the old key (UpdateAccessKey \
            Status Inactive), watch for failures, then delete it. Scope the user's Bedrock \
            permissions to the models it needs.",
        controls: &["IAM.3", "prowler:iam_rotate_access_key_90_days"],
        events: &[],
        resource_types: &[types::IAM_USER],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/iam/User-old-key-bedrock.json"],
            must_not_fire: &["samples/posture/iam/User-old-key-no-bedrock.json"],
        },
    },
    check,
};

/// Oldest age, in days, of a key that is not reported.
const MAX_AGE_DAYS: i64 = 90;

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    let old: Vec<String> = items(resource, "AccessKeys")
        .iter()
        .filter(|key| active(key))
        .filter_map(|key| {
            let age = age_at_capture(resource, text(key, "CreateDate")?)?;
            let id = text(key, "AccessKeyId").unwrap_or("(unknown id)");
            (age > MAX_AGE_DAYS).then(|| format!("{id} is {age} days old"))
        })
        .collect();
    if old.is_empty() || principal_services(&identity_policies(resource), &["bedrock"]).is_empty() {
        return None;
    }
    let action = format!(
        "may call Bedrock with an active access key older than {MAX_AGE_DAYS} days: key {}",
        old.join(", key ")
    );
    Some(Hit::new(CHECK.metadata.severity, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::PostureCheck;
    use crate::posture::support::tests::{judge, snapshot};
    use serde_json::{Value, json};

    fn user(keys: Value) -> Value {
        json!({"UserName": "ci", "AccessKeys": keys, "UserPolicyList": [{"PolicyName": "models",
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}]}}]})
    }

    #[test]
    fn every_old_active_key_is_named() {
        let keys = json!([
            {"AccessKeyId": "AKIAOLD1", "Status": "Active", "CreateDate": "2025-08-09T07:00:00Z"},
            {"AccessKeyId": "AKIAOLD2", "Status": "Inactive", "CreateDate": "2024-01-01T00:00:00Z"},
            {"AccessKeyId": "AKIANEW", "Status": "Active", "CreateDate": "2026-01-01T00:00:00Z"},
            {"AccessKeyId": "AKIAODD", "Status": "Active", "CreateDate": "yesterday"}]);
        let hit = judge(&CHECK, user(keys)).unwrap();
        assert_eq!(
            hit.action,
            "may call Bedrock with an active access key older than 90 days: key AKIAOLD1 is 213 days old"
        );
    }

    #[test]
    fn no_capture_time_is_not_judged() {
        let keys = json!([{"AccessKeyId": "AKIAOLD1", "Status": "Active", "CreateDate": "2020-01-01T00:00:00Z"}]);
        let mut undated = snapshot(&CHECK, user(keys));
        assert!(CHECK.assess(&undated, &Organization::default()).is_some());
        undated.captured_at = None;
        assert!(CHECK.assess(&undated, &Organization::default()).is_none());
    }

    #[test]
    fn exactly_ninety_days_is_not_old() {
        let keys = json!([{"AccessKeyId": "AKIA90", "Status": "Active", "CreateDate": "2025-12-10T08:00:00Z"}]);
        assert!(judge(&CHECK, user(keys)).is_none());
    }
}
