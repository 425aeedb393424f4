//! Reading the IAM snapshots of the inventory ([`super::types::IAM_ROLE`],
//! [`super::types::IAM_USER`]): the identity policies that apply to a principal, and what
//! they grant.

use serde_json::Value;

use crate::policy::Policy;
use crate::resource::ResourceSnapshot;

/// Every identity policy of a role or user snapshot, parsed: attached managed policies (their
/// `Document`), inline policies, and for a user its groups' policies. Documents that cannot be
/// read are skipped (the collector reports them).
pub fn identity_policies(principal: &ResourceSnapshot) -> Vec<Policy> {
    named_identity_policies(principal)
        .into_iter()
        .map(|n| n.policy)
        .collect()
}

/// An identity policy and where it comes from, for evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// `managed ReadOnlyAccess`, `inline s3-writer`, `group ml-team: managed AdministratorAccess`.
    pub name: String,
    pub policy: Policy,
}

/// [`identity_policies`] with each policy's name (`PolicyName`, else `PolicyArn`, else `?`).
pub fn named_identity_policies(principal: &ResourceSnapshot) -> Vec<NamedPolicy> {
    let c = &principal.configuration;
    let mut out = Vec::new();
    let mut add = |list: Option<&Value>, kind: &str, doc_key: &str, owner: &str| {
        for item in list.and_then(Value::as_array).into_iter().flatten() {
            let Some(policy) = item.get(doc_key).and_then(|d| Policy::parse(d).ok()) else {
                continue;
            };
            let name = ["PolicyName", "PolicyArn"]
                .iter()
                .find_map(|k| item.get(*k).and_then(Value::as_str))
                .unwrap_or("?");
            out.push(NamedPolicy {
                name: format!("{owner}{kind} {name}"),
                policy,
            });
        }
    };
    add(c.get("AttachedManagedPolicies"), "managed", "Document", "");
    add(c.get("RolePolicyList"), "inline", "PolicyDocument", "");
    add(c.get("UserPolicyList"), "inline", "PolicyDocument", "");
    for g in c.get("GroupList").and_then(Value::as_array).into_iter().flatten() {
        let owner = format!("group {}: ", g.get("GroupName").and_then(Value::as_str).unwrap_or("?"));
        add(g.get("AttachedManagedPolicies"), "managed", "Document", &owner);
        add(g.get("GroupPolicyList"), "inline", "PolicyDocument", &owner);
    }
    out
}

/// True when some identity policy of the principal allows `action` on `resource` (`*`: on
/// some resource). See [`Policy::allows`].
pub fn principal_allows(policies: &[Policy], action: &str, resource: &str) -> bool {
    policies.iter().any(|p| p.allows(action, resource))
}

/// The services of `services` some action of which the principal's policies allow.
pub fn principal_services<'s>(policies: &[Policy], services: &[&'s str]) -> Vec<&'s str> {
    services
        .iter()
        .copied()
        .filter(|s| policies.iter().any(|p| !p.allowed_services(&[s]).is_empty()))
        .collect()
}

/// The role's trust policy (`AssumeRolePolicyDocument`), parsed.
pub fn trust_policy(role: &ResourceSnapshot) -> Option<Policy> {
    Policy::parse(role.configuration.get("AssumeRolePolicyDocument")?).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::inventory::types;

    fn snapshot(resource_type: &str, configuration: Value) -> ResourceSnapshot {
        ResourceSnapshot {
            arn: "arn:aws:iam::111122223333:user/u".into(),
            resource_type: resource_type.into(),
            name: None,
            account: "111122223333".into(),
            region: "global".into(),
            configuration,
            captured_at: None,
        }
    }

    fn allow(action: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
    }

    #[test]
    fn a_users_own_attached_and_group_policies() {
        let encoded = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22bedrock%3AInvokeModel%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";
        let user = snapshot(
            types::IAM_USER,
            json!({
                "UserName": "u",
                "AttachedManagedPolicies": [
                    {"PolicyName": "read", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "Document": allow("s3:Get*")},
                    {"PolicyName": "no-document", "PolicyArn": "arn:aws:iam::111122223333:policy/gone"}],
                "UserPolicyList": [
                    {"PolicyName": "invoke", "PolicyDocument": encoded},
                    {"PolicyName": "broken", "PolicyDocument": "not a policy"}],
                "GroupList": [{"GroupName": "ml",
                    "AttachedManagedPolicies": [{"PolicyName": "train", "Document": allow("sagemaker:CreateTrainingJob")}],
                    "GroupPolicyList": [{"PolicyName": "logs", "PolicyDocument": allow("logs:PutLogEvents")}]}]
            }),
        );
        let policies = identity_policies(&user);
        assert_eq!(policies.len(), 4, "the unreadable and the missing document are skipped");
        assert!(principal_allows(&policies, "bedrock:InvokeModel", "*"));
        assert!(principal_allows(&policies, "sagemaker:CreateTrainingJob", "*"));
        assert!(!principal_allows(&policies, "iam:PassRole", "*"));
        assert_eq!(
            principal_services(&policies, types::AI_SERVICES),
            ["bedrock", "sagemaker"]
        );
    }

    #[test]
    fn a_roles_policies_and_trust() {
        let role = snapshot(
            types::IAM_ROLE,
            json!({
                "RoleName": "agent",
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "bedrock-agentcore.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "RolePolicyList": [{"PolicyName": "tools", "PolicyDocument": allow("bedrock-agentcore:*")}]
            }),
        );
        let policies = identity_policies(&role);
        assert_eq!(principal_services(&policies, types::AI_SERVICES), ["bedrock-agentcore"]);
        let trust = trust_policy(&role).unwrap();
        assert_eq!(trust.statements[0].principals[0].1, "bedrock-agentcore.amazonaws.com");
        let bare = snapshot(types::IAM_ROLE, json!({"RoleName": "bare"}));
        assert!(identity_policies(&bare).is_empty() && trust_policy(&bare).is_none());
    }

    #[test]
    fn policies_are_named_by_where_they_come_from() {
        let doc = json!({"Statement": {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}});
        let user: ResourceSnapshot = serde_json::from_value(json!({
            "ARN": "arn:aws:iam::111122223333:user/u", "resourceType": "AWS::IAM::User",
            "awsAccountId": "111122223333", "awsRegion": "global",
            "configuration": {
                "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/X", "Document": doc}],
                "UserPolicyList": [{"PolicyName": "broken", "PolicyDocument": "{not json"},
                                   {"PolicyName": "mine", "PolicyDocument": doc.to_string()}],
                "GroupList": [{"GroupName": "g", "GroupPolicyList": [{"PolicyName": "shared", "PolicyDocument": doc}]}]
            }
        }))
        .unwrap();
        let names: Vec<String> = named_identity_policies(&user).into_iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "managed arn:aws:iam::aws:policy/X",
                "inline mine",
                "group g: inline shared"
            ]
        );
        assert_eq!(identity_policies(&user).len(), 3);
        assert!(principal_allows(&identity_policies(&user), "bedrock:InvokeModel", "*"));
    }
}
