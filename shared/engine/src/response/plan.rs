//! From a finding to what a playbook acts on: the [`Target`] the finding names, and the calls
//! that contain it. Targets are read from the finding's caller and `resources` as each rule
//! reports them; a finding that does not name a target the playbook can act on is refused
//! with the reason.

use serde_json::{Value, json};

use super::call::{Call, INACTIVE, PrincipalKind, Target};
use super::playbook::{LLMJACKING, Playbook};
use crate::finding::Finding;
use crate::ports::{ApiKey, Scope};

/// The inline policy that revokes a role's older sessions, as the IAM console names it.
pub const REVOKE_POLICY_NAME: &str = "AWSRevokeOlderSessions";

/// The AWS managed policy AWS attaches to users whose keys leaked.
pub const QUARANTINE_POLICY: &str = "AWSCompromisedKeyQuarantineV3";

/// The prefix of the IAM users the Bedrock console creates for long-term API keys.
const API_KEY_USER_PREFIX: &str = "BedrockAPIKey-";

/// What one playbook acts on for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub playbook: Playbook,
    pub scope: Scope,
    pub target: Target,
}

/// The last part of an IAM ARN or name with a path (`user/path/alice` -> `alice`).
fn last_part(s: &str) -> &str {
    s.rsplit(['/', ':']).next().unwrap_or(s)
}

fn is_access_key(s: &str) -> bool {
    s.len() >= 16 && (s.starts_with("AKIA") || s.starts_with("ASIA"))
}

/// The caller's IAM user name, when the caller is an IAM user (not root).
fn caller_user(f: &Finding) -> Option<String> {
    let p = f.principal()?;
    if p.kind.as_deref() != Some("IAMUser") {
        return None;
    }
    Some(match &p.arn {
        Some(arn) => last_part(arn).to_owned(),
        None => last_part(&p.name).to_owned(),
    })
}

/// Refuses a caller of another account than the one the event was recorded in (a call into a
/// resource shared across accounts): its user, keys and role are in its own account, and the
/// same names in `account` are other identities. The event's copy in the caller's account, if
/// aidr sees it, is answered there.
fn caller_in(f: &Finding, account: &str) -> Result<(), String> {
    let Some(p) = f.principal() else {
        return Ok(());
    };
    let of_arn = || p.arn.as_deref().and_then(|arn| arn.split(':').nth(4));
    let caller = p.account.as_deref().or_else(of_arn).filter(|a| !a.is_empty());
    match caller {
        Some(caller) if caller != account => Err(format!(
            "the caller is in account {caller}, not {account} where the event was recorded: its user, keys and role are not there"
        )),
        _ => Ok(()),
    }
}

/// The first resource that is not an access key id, ARN or credential id: a name.
fn named(f: &Finding, skip: impl Fn(&str) -> bool) -> Option<&str> {
    f.resources.iter().map(String::as_str).find(|r| !skip(r))
}

/// The target `playbook` acts on for finding `f`.
///
/// # Errors
/// Why the finding names nothing the playbook can act on (no account, no user, a
/// service-linked role, a root key…), for the audit.
pub fn plan(playbook: Playbook, f: &Finding) -> Result<Plan, String> {
    let account = f.account.clone().ok_or("the finding names no account")?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the finding's account {account:?} is not an account id"));
    }
    // Regional targets are looked for in the finding's region, never in a default one (IAM is
    // global: its calls need none).
    let regional = matches!(
        playbook,
        Playbook::RestoreInvocationLogging | Playbook::RemoveResourcePolicy | Playbook::StopNotebookInstance
    );
    if regional && f.region.is_none() {
        return Err("the finding names no region".into());
    }
    let region = f.region.clone().unwrap_or_else(|| "us-east-1".into());
    let scope = Scope { account, region };
    let llmjacking = LLMJACKING.contains(&f.rule_id.as_str());
    let rule = f.rule_id.as_str();
    if matches!(
        playbook,
        Playbook::DeactivateAccessKey
            | Playbook::DeactivateBedrockApiKey
            | Playbook::RevokeRoleSessions
            | Playbook::QuarantineUser
    ) {
        caller_in(f, &scope.account)?;
    }
    let target = match playbook {
        Playbook::DeactivateAccessKey => access_key(f, llmjacking)?,
        Playbook::DeactivateBedrockApiKey => api_keys(f, rule)?,
        Playbook::RevokeRoleSessions => role(f)?,
        Playbook::QuarantineUser => {
            let user = if llmjacking {
                caller_user(f).ok_or("the caller is not an IAM user")?
            } else {
                named(f, is_access_key).ok_or("the finding names no user")?.to_owned()
            };
            Target::User {
                user_name: last_part(&user).to_owned(),
            }
        }
        Playbook::DetachAdminPolicy => attached_policy(f)?,
        Playbook::RestoreInvocationLogging => Target::InvocationLogging,
        Playbook::RemoveResourcePolicy => resource_policy(f, rule)?,
        Playbook::StopNotebookInstance => notebook(f)?,
    };
    if let Some(what) = unnamed(&target) {
        return Err(format!("the finding names no {what} (an empty name)"));
    }
    Ok(Plan {
        playbook,
        scope,
        target,
    })
}

/// What `target` leaves unnamed (an empty name), if anything.
fn unnamed(target: &Target) -> Option<&'static str> {
    let empty = |names: &[(&str, &'static str)]| names.iter().find(|(n, _)| n.is_empty()).map(|(_, what)| *what);
    match target {
        Target::AccessKey {
            user_name,
            access_key_id,
        } => empty(&[(user_name, "user"), (access_key_id, "access key")]),
        Target::ApiKeys {
            user_name,
            credential_id,
        } => empty(&[
            (user_name, "user"),
            (credential_id.as_deref().unwrap_or("-"), "Bedrock API key"),
        ]),
        Target::Role { role_name } => empty(&[(role_name, "role")]),
        Target::User { user_name } => empty(&[(user_name, "user")]),
        Target::AttachedPolicy {
            principal,
            name,
            policy_arn,
        } => empty(&[(name, principal.as_str()), (policy_arn, "policy")]),
        Target::InvocationLogging => None,
        Target::BedrockResourcePolicy { resource_arn } => empty(&[(resource_arn, "resource")]),
        Target::ModelPackageGroupPolicy { group_name } => empty(&[(group_name, "model package group")]),
        Target::NotebookInstance { name } => empty(&[(name, "notebook instance")]),
    }
}

fn access_key(f: &Finding, llmjacking: bool) -> Result<Target, String> {
    if llmjacking {
        let p = f.principal().ok_or("the finding has no caller")?;
        let key = p.access_key_id.as_deref().ok_or("the finding names no access key")?;
        if p.kind.as_deref() == Some("Root") {
            return Err("the root user's keys are left to a person (sign in as root to deactivate them)".into());
        }
        if !key.starts_with("AKIA") {
            return Err(format!(
                "{key} is not a long-term access key (temporary credentials: revoke-role-sessions)"
            ));
        }
        let user = caller_user(f).ok_or("the caller is not an IAM user")?;
        return Ok(Target::AccessKey {
            user_name: user,
            access_key_id: key.to_owned(),
        });
    }
    // The user first, then the key, as the rules report them: a user name may look like a key.
    let [user, key, ..] = f.resources.as_slice() else {
        return Err("the finding names no access key (a console password is not a key)".into());
    };
    if !is_access_key(key) {
        return Err(format!("{key} is not an access key id"));
    }
    Ok(Target::AccessKey {
        user_name: last_part(user).to_owned(),
        access_key_id: key.clone(),
    })
}

fn api_keys(f: &Finding, rule: &str) -> Result<Target, String> {
    if rule == "bedrock.api_key_created" {
        // The user first, then the credential, as the rule reports them: a user name may look
        // like a credential id.
        let is_credential = |r: &str| r.starts_with("ACCA");
        let (user, credential) = match f.resources.as_slice() {
            [user, credential] if is_credential(credential) => (user, Some(credential)),
            [user] if !is_credential(user) => (user, None),
            _ => return Err("the finding names no user".into()),
        };
        return Ok(Target::ApiKeys {
            user_name: last_part(user).to_owned(),
            credential_id: credential.cloned(),
        });
    }
    let user = caller_user(f)
        .filter(|u| u.starts_with(API_KEY_USER_PREFIX))
        .ok_or("the caller is not a Bedrock API key user (a short-term key: revoke the sessions of its role)")?;
    Ok(Target::ApiKeys {
        user_name: user,
        credential_id: None,
    })
}

fn role(f: &Finding) -> Result<Target, String> {
    let p = f.principal().ok_or("the finding has no caller")?;
    if p.kind.as_deref() != Some("AssumedRole") {
        return Err("the caller is not a role session".into());
    }
    let arn = p.role_arn.as_deref().ok_or("the finding names no role")?;
    if arn.contains(":role/aws-service-role/") {
        return Err(format!(
            "{arn} is a service-linked role: its sessions cannot be revoked"
        ));
    }
    let name = last_part(arn);
    if arn.contains(":role/aws-reserved/sso.amazonaws.com/") || name.starts_with("AWSReservedSSO_") {
        return Err(format!(
            "{arn} is an IAM Identity Center role: revoke the sessions in IAM Identity Center"
        ));
    }
    Ok(Target::Role {
        role_name: name.to_owned(),
    })
}

fn attached_policy(f: &Finding) -> Result<Target, String> {
    let principal = match f.evidence().map(|e| e.event_name.as_str()) {
        Some("AttachUserPolicy") => PrincipalKind::User,
        Some("AttachRolePolicy") => PrincipalKind::Role,
        Some("AttachGroupPolicy") => PrincipalKind::Group,
        _ => return Err("the finding is not about an attachment".into()),
    };
    let is_policy = |r: &str| r.starts_with("arn:") && r.contains(":policy/");
    let policy_arn = f
        .resources
        .iter()
        .find(|r| is_policy(r))
        .ok_or("the finding names no policy")?;
    let name = named(f, is_policy)
        .filter(|n| *n != "(unknown)")
        .ok_or("the finding names no user, role or group")?;
    Ok(Target::AttachedPolicy {
        principal,
        name: last_part(name).to_owned(),
        policy_arn: policy_arn.clone(),
    })
}

fn resource_policy(f: &Finding, rule: &str) -> Result<Target, String> {
    let first = f.resources.first().ok_or("the finding names no resource")?;
    if rule == "sagemaker.model_package_group_policy_exposed" {
        return Ok(Target::ModelPackageGroupPolicy {
            group_name: last_part(first).to_owned(),
        });
    }
    if !first.starts_with("arn:") {
        return Err(format!("{first} is not an ARN"));
    }
    Ok(Target::BedrockResourcePolicy {
        resource_arn: first.clone(),
    })
}

fn notebook(f: &Finding) -> Result<Target, String> {
    let name = match f.resource() {
        // The ARN holds the name lower-cased; the configuration item keeps it as created.
        Some(r) => r.name.clone().unwrap_or_else(|| last_part(&r.arn).to_owned()),
        None => {
            let name = f.resources.first().ok_or("the finding names no notebook instance")?;
            last_part(name).to_owned()
        }
    };
    Ok(Target::NotebookInstance { name })
}

/// The deny-all policy that revokes every session of a role issued before `issued_before`
/// (RFC 3339), as the IAM console writes it.
pub fn revoke_sessions_policy(issued_before: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny",
            "Action": ["*"],
            "Resource": ["*"],
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before}}
        }]
    })
    .to_string()
}

/// What a plan needs looked up before its calls are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The user's Bedrock API keys.
    ApiKeys,
    /// The logging configuration to restore.
    LoggingConfig,
}

impl Plan {
    /// What must be looked up first, if anything.
    pub fn lookup(&self) -> Option<Lookup> {
        match &self.target {
            Target::ApiKeys {
                credential_id: None, ..
            } => Some(Lookup::ApiKeys),
            Target::InvocationLogging => Some(Lookup::LoggingConfig),
            _ => None,
        }
    }

    /// The calls that contain the target, in order. `now` (RFC 3339) dates the session
    /// revocation; `keys` are the user's API keys when [`Lookup::ApiKeys`] was needed,
    /// `logging` the configuration to restore for [`Lookup::LoggingConfig`].
    ///
    /// # Errors
    /// Why there is nothing to call: no known logging configuration.
    pub fn calls(&self, now: &str, keys: &[ApiKey], logging: Option<&Value>) -> Result<Vec<Call>, String> {
        let inactive = || INACTIVE.to_owned();
        Ok(match &self.target {
            Target::AccessKey {
                user_name,
                access_key_id,
            } => vec![Call::UpdateAccessKey {
                user_name: user_name.clone(),
                access_key_id: access_key_id.clone(),
                status: inactive(),
            }],
            Target::ApiKeys {
                user_name,
                credential_id,
            } => {
                let ids: Vec<String> = match credential_id {
                    Some(id) => vec![id.clone()],
                    None => keys.iter().map(|k| k.id.clone()).collect(),
                };
                if ids.is_empty() {
                    return Err(format!("{user_name} has no Bedrock API key"));
                }
                ids.into_iter()
                    .map(|id| Call::UpdateServiceSpecificCredential {
                        user_name: user_name.clone(),
                        service_specific_credential_id: id,
                        status: inactive(),
                    })
                    .collect()
            }
            Target::Role { role_name } => vec![Call::PutRolePolicy {
                role_name: role_name.clone(),
                policy_name: REVOKE_POLICY_NAME.into(),
                policy_document: revoke_sessions_policy(now),
            }],
            Target::User { user_name } => vec![Call::AttachUserPolicy {
                user_name: user_name.clone(),
                policy_arn: format!("arn:{}:iam::aws:policy/{QUARANTINE_POLICY}", self.scope.partition()),
            }],
            Target::AttachedPolicy {
                principal,
                name,
                policy_arn,
            } => {
                let (name, policy_arn) = (name.clone(), policy_arn.clone());
                vec![match principal {
                    PrincipalKind::User => Call::DetachUserPolicy {
                        user_name: name,
                        policy_arn,
                    },
                    PrincipalKind::Role => Call::DetachRolePolicy {
                        role_name: name,
                        policy_arn,
                    },
                    PrincipalKind::Group => Call::DetachGroupPolicy {
                        group_name: name,
                        policy_arn,
                    },
                }]
            }
            Target::InvocationLogging => {
                let config = logging.ok_or(
                    "no logging configuration to restore: none was seen in this region, and AIDR_RESPONSE_LOGGING_CONFIG is not set",
                )?;
                vec![Call::PutModelInvocationLoggingConfiguration {
                    logging_config: config.clone(),
                }]
            }
            Target::BedrockResourcePolicy { resource_arn } => vec![Call::DeleteResourcePolicy {
                resource_arn: resource_arn.clone(),
            }],
            Target::ModelPackageGroupPolicy { group_name } => vec![Call::DeleteModelPackageGroupPolicy {
                model_package_group_name: group_name.clone(),
            }],
            Target::NotebookInstance { name } => vec![Call::StopNotebookInstance {
                notebook_instance_name: name.clone(),
            }],
        })
    }
}
