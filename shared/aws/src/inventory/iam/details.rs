//! Roles, users and groups of `GetAccountAuthorizationDetails` as configuration JSON (its
//! PascalCase names), every policy document decoded to a JSON object, attached managed
//! policies with the `Document` of their default version.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, ManagedPolicyDetail, PolicyDetail, RoleDetail, UserDetail,
};
use serde_json::Value;

use crate::inventory::json::{Obj, list, policy_document};

/// The policy documents of an account: managed policies' default versions by ARN; and the
/// names of the documents that were not JSON.
#[derive(Debug)]
pub(super) struct Documents {
    managed: HashMap<String, Value>,
    unreadable: BTreeSet<String>,
}

impl Documents {
    pub fn new(policies: &[ManagedPolicyDetail]) -> Documents {
        let mut docs = Documents {
            managed: HashMap::new(),
            unreadable: BTreeSet::new(),
        };
        for p in policies {
            let Some(arn) = p.arn.as_deref() else { continue };
            let default = p
                .policy_version_list
                .iter()
                .flatten()
                .find(|v| v.is_default_version)
                .and_then(|v| v.document.as_deref());
            if let Some(text) = default {
                let doc = docs.decode(arn, text);
                docs.managed.insert(arn.to_owned(), doc);
            }
        }
        docs
    }

    /// Whether the document of managed policy `arn` is known.
    pub fn has(&self, arn: &str) -> bool {
        self.managed.contains_key(arn)
    }

    /// Adds the document of managed policy `arn` (its text, URL-encoded or not).
    pub fn add(&mut self, arn: &str, text: &str) {
        let doc = self.decode(arn, text);
        self.managed.insert(arn.to_owned(), doc);
    }

    /// The document as JSON; as text (and noted) when it is not JSON.
    fn decode(&mut self, name: &str, text: &str) -> Value {
        policy_document(text).unwrap_or_else(|| {
            self.unreadable.insert(name.to_owned());
            Value::String(text.to_owned())
        })
    }

    /// The names of the documents that were not JSON.
    pub fn unreadable(&self) -> impl Iterator<Item = &String> {
        self.unreadable.iter()
    }
}

/// `[{PolicyName, PolicyArn, Document}]`.
fn attached(policies: Option<&[AttachedPolicy]>, docs: &Documents) -> Option<Value> {
    list(policies, |p| {
        let document = p.policy_arn.as_deref().and_then(|arn| docs.managed.get(arn)).cloned();
        Obj::new()
            .put("PolicyName", p.policy_name.as_ref())
            .put("PolicyArn", p.policy_arn.as_ref())
            .put("Document", document)
            .build()
    })
}

/// `[{PolicyName, PolicyDocument}]` of inline policies; `owner` names them in notes.
fn inline(policies: Option<&[PolicyDetail]>, owner: &str, docs: &mut Documents) -> Option<Value> {
    let policies = policies?;
    let mut out = Vec::new();
    for p in policies {
        let name = p.policy_name.as_deref().unwrap_or_default();
        let document = p
            .policy_document
            .as_deref()
            .map(|text| docs.decode(&format!("{owner} inline policy {name}"), text));
        out.push(
            Obj::new()
                .put("PolicyName", p.policy_name.as_ref())
                .put("PolicyDocument", document)
                .build(),
        );
    }
    Some(Value::Array(out))
}

fn boundary(b: &AttachedPermissionsBoundary) -> Obj {
    Obj::new()
        .put(
            "PermissionsBoundaryType",
            b.permissions_boundary_type.as_ref().map(|t| t.as_str()),
        )
        .put("PermissionsBoundaryArn", b.permissions_boundary_arn.as_ref())
}

pub(super) fn role(r: &RoleDetail, docs: &mut Documents) -> Value {
    let owner = format!("role {}", r.role_name.as_deref().unwrap_or_default());
    let trust = r
        .assume_role_policy_document
        .as_deref()
        .map(|text| docs.decode(&format!("{owner} trust policy"), text));
    let last_used = r.role_last_used.as_ref().map(|u| {
        Obj::new()
            .put("LastUsedDate", u.last_used_date.as_ref())
            .put("Region", u.region.as_ref())
    });
    Obj::new()
        .put("RoleName", r.role_name.as_ref())
        .put("RoleId", r.role_id.as_ref())
        .put("Arn", r.arn.as_ref())
        .put("Path", r.path.as_ref())
        .put("CreateDate", r.create_date.as_ref())
        .put("AssumeRolePolicyDocument", trust)
        .put(
            "AttachedManagedPolicies",
            attached(r.attached_managed_policies.as_deref(), docs),
        )
        .put("RolePolicyList", inline(r.role_policy_list.as_deref(), &owner, docs))
        .put("PermissionsBoundary", r.permissions_boundary.as_ref().map(boundary))
        .put("RoleLastUsed", last_used)
        .build()
}

pub(super) fn group(g: &GroupDetail, docs: &mut Documents) -> Value {
    let owner = format!("group {}", g.group_name.as_deref().unwrap_or_default());
    Obj::new()
        .put("GroupName", g.group_name.as_ref())
        .put(
            "AttachedManagedPolicies",
            attached(g.attached_managed_policies.as_deref(), docs),
        )
        .put("GroupPolicyList", inline(g.group_policy_list.as_deref(), &owner, docs))
        .build()
}

/// A user; `groups`: the account's groups as [`group`] wrote them, by name.
pub(super) fn user(u: &UserDetail, groups: &HashMap<&str, Value>, docs: &mut Documents) -> Value {
    let owner = format!("user {}", u.user_name.as_deref().unwrap_or_default());
    let group_list = list(u.group_list.as_deref(), |name| {
        groups
            .get(name.as_str())
            .cloned()
            .unwrap_or_else(|| Obj::new().put("GroupName", name).build())
    });
    Obj::new()
        .put("UserName", u.user_name.as_ref())
        .put("UserId", u.user_id.as_ref())
        .put("Arn", u.arn.as_ref())
        .put("Path", u.path.as_ref())
        .put("CreateDate", u.create_date.as_ref())
        .put(
            "AttachedManagedPolicies",
            attached(u.attached_managed_policies.as_deref(), docs),
        )
        .put("UserPolicyList", inline(u.user_policy_list.as_deref(), &owner, docs))
        .put("GroupList", group_list)
        .put("PermissionsBoundary", u.permissions_boundary.as_ref().map(boundary))
        .build()
}
