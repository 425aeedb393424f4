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
    use super::*;
    use serde_json::json;

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
