//! An in-memory set of accounts behind the [`CloudActions`] port: keys, API keys, attached and
//! inline policies, logging configurations, resource policies, notebooks and tags, changed by
//! playbook calls as AWS would change them, with failures on demand. For tests of the
//! responder's logic; the AWS adapter itself is tested against moto and mocked API responses.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use aidr_engine::ports::{ActionError, ApiKey, Before, CloudActions, FailureKind, Scope};
use aidr_engine::response::{ACTIVE, Call, INACTIVE, PrincipalKind, Target};
use serde_json::{Value, json};

/// Everything one account holds, keyed by name.
#[derive(Debug, Default, Clone)]
pub struct Account {
    /// (user, access key id) -> status.
    pub keys: BTreeMap<(String, String), String>,
    /// user -> Bedrock API keys.
    pub api_keys: BTreeMap<String, Vec<ApiKey>>,
    /// (kind, name, policy ARN) attached.
    pub attached: BTreeSet<(String, String, String)>,
    /// (role, policy name) -> inline policy document.
    pub role_policies: BTreeMap<(String, String), String>,
    /// region -> logging configuration.
    pub logging: BTreeMap<String, Value>,
    /// resource ARN or model package group name -> resource policy.
    pub resource_policies: BTreeMap<String, String>,
    /// notebook instance -> status (`InService`, `Stopped`).
    pub notebooks: BTreeMap<String, String>,
    /// [`Target::describe`] of a target -> its tags.
    pub tags: BTreeMap<String, Vec<(String, String)>>,
}

/// Accounts by id, the calls made, and the failures to answer with.
#[derive(Debug, Default)]
pub struct MemoryCloud {
    accounts: Mutex<BTreeMap<String, Account>>,
    made: Mutex<Vec<(Scope, Call)>>,
    /// API name (`iam:UpdateAccessKey`, or `tags`, `api_keys`) -> the failure to answer with.
    failures: Mutex<BTreeMap<String, (FailureKind, u32)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn missing(what: String) -> ActionError {
    ActionError::permanent(format!("NoSuchEntity: {what} cannot be found"))
}

impl MemoryCloud {
    /// An empty cloud.
    pub fn new() -> MemoryCloud {
        MemoryCloud::default()
    }

    /// Changes account `id` (created empty if new) with `f`.
    pub fn with(&self, id: &str, f: impl FnOnce(&mut Account)) {
        f(lock(&self.accounts).entry(id.to_owned()).or_default())
    }

    /// A copy of account `id`.
    pub fn account(&self, id: &str) -> Account {
        lock(&self.accounts).get(id).cloned().unwrap_or_default()
    }

    /// The calls made so far (not inspections).
    pub fn made(&self) -> Vec<(Scope, Call)> {
        lock(&self.made).clone()
    }

    /// Makes the next `times` calls of `api` fail with `kind`.
    pub fn fail(&self, api: &str, kind: FailureKind, times: u32) {
        lock(&self.failures).insert(api.to_owned(), (kind, times));
    }

    fn failure(&self, api: &str) -> Result<(), ActionError> {
        let mut failures = lock(&self.failures);
        match failures.get_mut(api) {
            Some((kind, n)) if *n > 0 => {
                *n -= 1;
                Err(ActionError {
                    kind: *kind,
                    message: format!("{api}: injected {kind:?} failure"),
                })
            }
            _ => Ok(()),
        }
    }

    /// The state before `call` in `account`, and the change it makes (applied when `apply`).
    fn run(&self, scope: &Scope, call: &Call, apply: bool) -> Result<Before, ActionError> {
        self.failure(&call.api())?;
        let mut accounts = lock(&self.accounts);
        let a = accounts.entry(scope.account.clone()).or_default();
        let before = match call {
            Call::UpdateAccessKey {
                user_name,
                access_key_id,
                status,
            } => {
                let key = (user_name.clone(), access_key_id.clone());
                let old = a
                    .keys
                    .get(&key)
                    .cloned()
                    .ok_or_else(|| missing(format!("access key {access_key_id}")))?;
                let in_effect = old == *status;
                if apply {
                    a.keys.insert(key, status.clone());
                }
                Before {
                    state: Some(json!({"Status": old})),
                    in_effect,
                }
            }
            Call::UpdateServiceSpecificCredential {
                user_name,
                service_specific_credential_id,
                status,
            } => {
                let keys = a.api_keys.entry(user_name.clone()).or_default();
                let key = keys
                    .iter_mut()
                    .find(|k| k.id == *service_specific_credential_id)
                    .ok_or_else(|| missing(format!("credential {service_specific_credential_id}")))?;
                let old = key.status.clone();
                if apply {
                    key.status = status.clone();
                }
                Before {
                    in_effect: old == *status,
                    state: Some(json!({"Status": old})),
                }
            }
            Call::PutRolePolicy {
                role_name,
                policy_name,
                policy_document,
            } => {
                let key = (role_name.clone(), policy_name.clone());
                let old = a.role_policies.get(&key).cloned();
                if apply {
                    a.role_policies.insert(key, policy_document.clone());
                }
                Before {
                    in_effect: old.as_ref() == Some(policy_document),
                    state: old.map(|d| json!({"PolicyDocument": d})),
                }
            }
            Call::DeleteRolePolicy { role_name, policy_name } => {
                let key = (role_name.clone(), policy_name.clone());
                let old = a.role_policies.get(&key).cloned();
                if apply {
                    a.role_policies.remove(&key);
                }
                Before {
                    in_effect: old.is_none(),
                    state: old.map(|d| json!({"PolicyDocument": d})),
                }
            }
            Call::AttachUserPolicy {
                user_name: n,
                policy_arn: p,
            }
            | Call::AttachRolePolicy {
                role_name: n,
                policy_arn: p,
            }
            | Call::AttachGroupPolicy {
                group_name: n,
                policy_arn: p,
            } => {
                let key = (kind_of(call).to_owned(), n.clone(), p.clone());
                let in_effect = a.attached.contains(&key);
                if apply {
                    a.attached.insert(key);
                }
                Before {
                    state: Some(json!({"Attached": in_effect})),
                    in_effect,
                }
            }
            Call::DetachUserPolicy {
                user_name: n,
                policy_arn: p,
            }
            | Call::DetachRolePolicy {
                role_name: n,
                policy_arn: p,
            }
            | Call::DetachGroupPolicy {
                group_name: n,
                policy_arn: p,
            } => {
                let key = (kind_of(call).to_owned(), n.clone(), p.clone());
                let attached = a.attached.contains(&key);
                if apply {
                    a.attached.remove(&key);
                }
                Before {
                    state: Some(json!({"Attached": attached})),
                    in_effect: !attached,
                }
            }
            Call::PutModelInvocationLoggingConfiguration { logging_config } => {
                let old = a.logging.get(&scope.region).cloned();
                if apply {
                    a.logging.insert(scope.region.clone(), logging_config.clone());
                }
                Before {
                    in_effect: old.as_ref() == Some(logging_config),
                    state: old,
                }
            }
            Call::DeleteModelInvocationLoggingConfiguration {} => {
                let old = if apply {
                    a.logging.remove(&scope.region)
                } else {
                    a.logging.get(&scope.region).cloned()
                };
                Before {
                    in_effect: old.is_none(),
                    state: old,
                }
            }
            Call::PutResourcePolicy {
                resource_arn: k,
                resource_policy: doc,
            }
            | Call::PutModelPackageGroupPolicy {
                model_package_group_name: k,
                resource_policy: doc,
            } => {
                let old = a.resource_policies.get(k).cloned();
                if apply {
                    a.resource_policies.insert(k.clone(), doc.clone());
                }
                Before {
                    in_effect: old.as_ref() == Some(doc),
                    state: old.map(|d| policy_state(call, d)),
                }
            }
            Call::DeleteResourcePolicy { resource_arn: k }
            | Call::DeleteModelPackageGroupPolicy {
                model_package_group_name: k,
            } => {
                let old = a.resource_policies.get(k).cloned();
                if apply {
                    a.resource_policies.remove(k);
                }
                Before {
                    in_effect: old.is_none(),
                    state: old.map(|d| policy_state(call, d)),
                }
            }
            Call::StopNotebookInstance {
                notebook_instance_name: n,
            }
            | Call::StartNotebookInstance {
                notebook_instance_name: n,
            } => {
                let old = a
                    .notebooks
                    .get(n)
                    .cloned()
                    .ok_or_else(|| missing(format!("notebook instance {n}")))?;
                let stop = matches!(call, Call::StopNotebookInstance { .. });
                let want = if stop { "Stopped" } else { "InService" };
                if apply {
                    a.notebooks.insert(n.clone(), want.to_owned());
                }
                Before {
                    in_effect: old == want,
                    state: Some(json!({"NotebookInstanceStatus": old})),
                }
            }
        };
        if apply && !before.in_effect {
            lock(&self.made).push((scope.clone(), call.clone()));
        }
        Ok(before)
    }
}

fn kind_of(call: &Call) -> &'static str {
    match call {
        Call::AttachUserPolicy { .. } | Call::DetachUserPolicy { .. } => PrincipalKind::User.as_str(),
        Call::AttachRolePolicy { .. } | Call::DetachRolePolicy { .. } => PrincipalKind::Role.as_str(),
        _ => PrincipalKind::Group.as_str(),
    }
}

fn policy_state(call: &Call, doc: String) -> Value {
    match call {
        Call::PutResourcePolicy { .. } | Call::DeleteResourcePolicy { .. } => json!({"resourcePolicy": doc}),
        _ => json!({"ResourcePolicy": doc}),
    }
}

impl CloudActions for MemoryCloud {
    async fn inspect(&self, scope: &Scope, call: &Call) -> Result<Before, ActionError> {
        self.run(scope, call, false)
    }

    async fn apply(&self, scope: &Scope, call: &Call) -> Result<Before, ActionError> {
        self.run(scope, call, true)
    }

    async fn tags(&self, scope: &Scope, target: &Target) -> Result<Vec<(String, String)>, ActionError> {
        self.failure("tags")?;
        Ok(self
            .account(&scope.account)
            .tags
            .get(&target.describe())
            .cloned()
            .unwrap_or_default())
    }

    async fn api_keys(&self, scope: &Scope, user_name: &str) -> Result<Vec<ApiKey>, ActionError> {
        self.failure("api_keys")?;
        Ok(self
            .account(&scope.account)
            .api_keys
            .get(user_name)
            .cloned()
            .unwrap_or_default())
    }
}

/// An active API key with `id`.
pub fn active_key(id: &str) -> ApiKey {
    ApiKey {
        id: id.to_owned(),
        status: ACTIVE.to_owned(),
    }
}

/// Whether the status is [`INACTIVE`].
pub fn inactive(status: &str) -> bool {
    status == INACTIVE
}

#[cfg(test)]
mod tests {
    use aidr_engine::ports::now_or_never;

    use super::*;

    #[test]
    fn the_same_inline_policy_put_again_is_in_effect_as_on_aws() {
        let cloud = MemoryCloud::new();
        let scope = Scope {
            account: "111122223333".into(),
            region: "us-east-1".into(),
        };
        let put = |doc: &str| Call::PutRolePolicy {
            role_name: "app".into(),
            policy_name: "AWSRevokeOlderSessions".into(),
            policy_document: doc.into(),
        };
        let first = now_or_never(cloud.apply(&scope, &put("{}"))).unwrap().unwrap();
        assert!(!first.in_effect);
        let again = now_or_never(cloud.apply(&scope, &put("{}"))).unwrap().unwrap();
        assert!(again.in_effect, "{again:?}");
        let other = now_or_never(cloud.apply(&scope, &put(r#"{"Version":"2012-10-17"}"#)))
            .unwrap()
            .unwrap();
        assert!(!other.in_effect);
        assert_eq!(cloud.made().len(), 2);
    }
}
