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
    let c = &principal.configuration;
    let list = |v: Option<&'_ Value>, key: &str| -> Vec<Value> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get(key).cloned())
            .collect()
    };
    let groups = c
        .get("GroupList")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut docs = list(c.get("AttachedManagedPolicies"), "Document");
    docs.extend(list(c.get("RolePolicyList"), "PolicyDocument"));
    docs.extend(list(c.get("UserPolicyList"), "PolicyDocument"));
    for g in &groups {
        docs.extend(list(g.get("AttachedManagedPolicies"), "Document"));
        docs.extend(list(g.get("GroupPolicyList"), "PolicyDocument"));
    }
    docs.iter().filter_map(|d| Policy::parse(d).ok()).collect()
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
