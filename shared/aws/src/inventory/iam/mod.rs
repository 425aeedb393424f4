//! IAM in one account (region `global`): the roles and users some identity policy of which
//! grants an action of [`types::AI_SERVICES`], the roles a collected resource names (a
//! notebook's `RoleArn`, an agent's `agentResourceRoleArn`…), and the roles another account
//! (or anyone) may assume that may write or read the data a collected resource trains on or
//! retrieves from (the start of a data poisoning path, whatever else they may do), from
//! `GetAccountAuthorizationDetails`; each user with its access keys and Bedrock API keys
//! ([`credentials`]). Shapes are `GetAccountAuthorizationDetails`'s ([`details`]).

mod credentials;
mod details;

use std::collections::{BTreeSet, HashMap, HashSet};

use aidr_engine::inventory::{GapReason, iam, types};
use aidr_engine::paths::data_poisoning::DATA_ACTIONS;
use aidr_engine::resource::ResourceSnapshot;
use aws_sdk_iam::Client;
use aws_sdk_iam::types::{EntityType, GroupDetail, ManagedPolicyDetail, RoleDetail, UserDetail};
use serde_json::Value;

use super::found::Found;
use details::Documents;

const SERVICE: &str = "iam";
const OPERATION: &str = "GetAccountAuthorizationDetails";

/// Everything `GetAccountAuthorizationDetails` returned, over its pages.
#[derive(Debug, Default)]
struct Details {
    roles: Vec<RoleDetail>,
    users: Vec<UserDetail>,
    groups: Vec<GroupDetail>,
    policies: Vec<ManagedPolicyDetail>,
}

/// Collects the account's AI principals into `found`; `referenced`: the role ARNs that
/// collected resources name; `data`: the object ARNs of the data they train on or retrieve
/// from (`aidr_engine::paths::data_poisoning::data_objects`).
pub(super) async fn collect(found: &mut Found, client: &Client, referenced: &HashSet<String>, data: &BTreeSet<String>) {
    let pages = client
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .filter(EntityType::User)
        .filter(EntityType::Group)
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    let mut all = Details::default();
    for page in found.list(SERVICE, OPERATION, pages).await {
        all.roles.extend(page.role_detail_list.unwrap_or_default());
        all.users.extend(page.user_detail_list.unwrap_or_default());
        all.groups.extend(page.group_detail_list.unwrap_or_default());
        all.policies.extend(page.policies.unwrap_or_default());
    }
    let mut docs = Documents::new(&all.policies);
    aws_managed(found, client, &all, &mut docs).await;
    for role in &all.roles {
        let configuration = details::role(role, &mut docs);
        let arn = role.arn.as_deref().unwrap_or_default();
        let principal = snapshot(found, types::IAM_ROLE, arn, &configuration);
        if referenced.contains(arn) || grants_ai(&principal) || reaches_data_from_outside(&principal, data) {
            found.add(
                types::IAM_ROLE,
                arn,
                role.role_name.as_deref().unwrap_or_default(),
                configuration,
            );
        }
    }
    let groups: HashMap<&str, Value> = all
        .groups
        .iter()
        .filter_map(|g| Some((g.group_name.as_deref()?, details::group(g, &mut docs))))
        .collect();
    let mut users = Vec::new();
    for user in &all.users {
        let configuration = details::user(user, &groups, &mut docs);
        let arn = user.arn.as_deref().unwrap_or_default();
        if grants_ai(&snapshot(found, types::IAM_USER, arn, &configuration)) {
            users.push((user, configuration));
        }
    }
    if !users.is_empty() {
        credentials::add(found, client, &mut users).await;
    }
    for (user, configuration) in users {
        let arn = user.arn.as_deref().unwrap_or_default();
        found.add(
            types::IAM_USER,
            arn,
            user.user_name.as_deref().unwrap_or_default(),
            configuration,
        );
    }
    for name in docs.unreadable() {
        let message = format!("the policy document of {name} is not JSON: kept as text, not weighed");
        found.gap(SERVICE, OPERATION, GapReason::Failed, message);
    }
}

/// Reads the documents of the AWS managed policies the principals attach (`GetPolicy` for the
/// default version, then `GetPolicyVersion`): a handful per account, where asking
/// `GetAccountAuthorizationDetails` for AWS managed policies would bring the whole catalogue
/// (over a thousand documents) every run. A policy that cannot be read is a gap, and its
/// grants are not weighed.
async fn aws_managed(found: &mut Found, client: &Client, all: &Details, docs: &mut Documents) {
    let attached = (all
        .roles
        .iter()
        .flat_map(|r| r.attached_managed_policies.iter().flatten()))
    .chain(
        all.users
            .iter()
            .flat_map(|u| u.attached_managed_policies.iter().flatten()),
    )
    .chain(
        all.groups
            .iter()
            .flat_map(|g| g.attached_managed_policies.iter().flatten()),
    )
    .filter_map(|p| p.policy_arn.as_deref())
    .filter(|arn| arn.split(':').nth(4) == Some("aws"))
    .collect::<BTreeSet<&str>>();
    for arn in attached {
        if docs.has(arn) {
            continue;
        }
        let policy = client.get_policy().policy_arn(arn).send().await;
        let Some(version) = found
            .answer(SERVICE, "GetPolicy", policy)
            .and_then(|p| p.policy?.default_version_id)
        else {
            continue;
        };
        let read = client
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await;
        if let Some(text) = found
            .answer(SERVICE, "GetPolicyVersion", read)
            .and_then(|v| v.policy_version?.document)
        {
            docs.add(arn, &text);
        }
    }
}

/// The principal as a snapshot, for the engine's policy readers.
fn snapshot(found: &Found, resource_type: &str, arn: &str, configuration: &Value) -> ResourceSnapshot {
    ResourceSnapshot {
        arn: arn.to_owned(),
        resource_type: resource_type.to_owned(),
        name: None,
        account: found.scope.account.clone(),
        region: found.scope.region.clone(),
        configuration: configuration.clone(),
        captured_at: None,
    }
}

/// Whether an identity policy of the principal allows some action of an AI service.
fn grants_ai(principal: &ResourceSnapshot) -> bool {
    let policies = iam::identity_policies(principal);
    !iam::principal_services(&policies, types::AI_SERVICES).is_empty()
}

/// Whether the role's trust policy opens it to another account (or anyone) and an identity
/// policy allows writing or reading one of the `data` objects.
fn reaches_data_from_outside(role: &ResourceSnapshot, data: &BTreeSet<String>) -> bool {
    if data.is_empty() {
        return false;
    }
    let outside = iam::trust_policy(role).is_some_and(|trust| trust.exposure(|a| a == role.account).is_exposed());
    outside && {
        let policies = iam::identity_policies(role);
        (DATA_ACTIONS.iter()).any(|action| {
            data.iter()
                .any(|object| iam::principal_allows(&policies, action, object))
        })
    }
}

/// The role ARNs named anywhere in the configurations of `resources`.
pub(super) fn referenced_roles(resources: &[ResourceSnapshot]) -> HashSet<String> {
    fn walk(value: &Value, out: &mut HashSet<String>) {
        match value {
            Value::String(s) if s.starts_with("arn:") && s.contains(":iam::") && s.contains(":role/") => {
                out.insert(s.clone());
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(fields) => fields.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for r in resources {
        walk(&r.configuration, &mut out);
    }
    out
}
