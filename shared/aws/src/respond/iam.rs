//! IAM: access keys, Bedrock long-term API keys (service-specific credentials), role inline
//! policies, managed policy attachments, user and role tags.

use aidr_engine::ports::{ActionError, ApiKey, Before};
use aidr_engine::response::{Call, PrincipalKind};
use aws_sdk_iam::Client;
use aws_sdk_iam::types::{AttachedPolicy, StatusType, Tag};
use percent_encoding::percent_decode_str;
use serde_json::json;

use super::{document_before, entity, not_for};
use crate::sdk_error::{failed, made, odd_response, service_error};

/// The service name of Bedrock API keys among service-specific credentials (Bedrock user
/// guide, "Generate a long-term Amazon Bedrock API key").
pub(super) const BEDROCK: &str = "bedrock.amazonaws.com";

/// A managed policy attachment a call makes or removes.
pub(super) struct Attachment<'a> {
    pub kind: PrincipalKind,
    pub name: &'a str,
    pub policy_arn: &'a str,
    pub attach: bool,
}

/// The attachment of an `Attach*Policy` or `Detach*Policy` call.
pub(super) fn attachment(call: &Call) -> Option<Attachment<'_>> {
    let (kind, name, policy_arn, attach) = match call {
        Call::AttachUserPolicy { user_name, policy_arn } => (PrincipalKind::User, user_name, policy_arn, true),
        Call::DetachUserPolicy { user_name, policy_arn } => (PrincipalKind::User, user_name, policy_arn, false),
        Call::AttachRolePolicy { role_name, policy_arn } => (PrincipalKind::Role, role_name, policy_arn, true),
        Call::DetachRolePolicy { role_name, policy_arn } => (PrincipalKind::Role, role_name, policy_arn, false),
        Call::AttachGroupPolicy { group_name, policy_arn } => (PrincipalKind::Group, group_name, policy_arn, true),
        Call::DetachGroupPolicy { group_name, policy_arn } => (PrincipalKind::Group, group_name, policy_arn, false),
        _ => return None,
    };
    Some(Attachment {
        kind,
        name,
        policy_arn,
        attach,
    })
}

/// The state an IAM call changes (see the table in [`super`]).
///
/// # Errors
/// When it cannot be read; a key or credential the user does not have is a permanent error.
pub(super) async fn inspect(iam: &Client, call: &Call) -> Result<Before, ActionError> {
    match call {
        Call::UpdateAccessKey {
            user_name,
            access_key_id,
            status,
        } => {
            let api = "iam:ListAccessKeys";
            let keys: Vec<_> = iam
                .list_access_keys()
                .user_name(user_name)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(failed(api, entity(call)))?;
            let key = keys
                .into_iter()
                .find(|k| k.access_key_id() == Some(access_key_id))
                .ok_or_else(|| no_such(api, call))?;
            let old = key.status.ok_or_else(|| odd_response(api, &entity(call), "Status"))?;
            Ok(status_before(old.as_str(), status))
        }
        Call::UpdateServiceSpecificCredential {
            user_name,
            service_specific_credential_id,
            status,
        } => {
            let key = credentials(iam, user_name, None)
                .await?
                .into_iter()
                .find(|k| k.id == *service_specific_credential_id)
                .ok_or_else(|| no_such("iam:ListServiceSpecificCredentials", call))?;
            Ok(status_before(&key.status, status))
        }
        Call::PutRolePolicy {
            role_name,
            policy_name,
            policy_document,
        } => {
            let old = role_policy(iam, role_name, policy_name).await?;
            Ok(document_before("PolicyDocument", old, Some(policy_document)))
        }
        Call::DeleteRolePolicy { role_name, policy_name } => {
            let old = role_policy(iam, role_name, policy_name).await?;
            Ok(document_before("PolicyDocument", old, None))
        }
        _ => {
            let a = attachment(call).ok_or_else(|| not_for("IAM", call))?;
            let attached = attached(iam, a.kind, a.name)
                .await?
                .iter()
                .any(|p| p.policy_arn() == Some(a.policy_arn));
            Ok(Before {
                state: Some(json!({"Attached": attached})),
                in_effect: attached == a.attach,
            })
        }
    }
}

/// Makes an IAM call.
///
/// # Errors
/// When IAM refuses it or cannot be reached.
pub(super) async fn make(iam: &Client, call: &Call) -> Result<(), ActionError> {
    let (api, entity) = (call.api(), entity(call));
    match call {
        Call::UpdateAccessKey {
            user_name,
            access_key_id,
            status,
        } => made(
            &api,
            &entity,
            iam.update_access_key()
                .user_name(user_name)
                .access_key_id(access_key_id)
                .status(StatusType::from(status.as_str()))
                .send()
                .await,
        ),
        Call::UpdateServiceSpecificCredential {
            user_name,
            service_specific_credential_id,
            status,
        } => made(
            &api,
            &entity,
            iam.update_service_specific_credential()
                .user_name(user_name)
                .service_specific_credential_id(service_specific_credential_id)
                .status(StatusType::from(status.as_str()))
                .send()
                .await,
        ),
        Call::PutRolePolicy {
            role_name,
            policy_name,
            policy_document,
        } => made(
            &api,
            &entity,
            iam.put_role_policy()
                .role_name(role_name)
                .policy_name(policy_name)
                .policy_document(policy_document)
                .send()
                .await,
        ),
        Call::DeleteRolePolicy { role_name, policy_name } => made(
            &api,
            &entity,
            iam.delete_role_policy()
                .role_name(role_name)
                .policy_name(policy_name)
                .send()
                .await,
        ),
        _ => {
            let a = attachment(call).ok_or_else(|| not_for("IAM", call))?;
            let (name, arn) = (a.name, a.policy_arn);
            match (a.kind, a.attach) {
                (PrincipalKind::User, true) => made(
                    &api,
                    &entity,
                    iam.attach_user_policy().user_name(name).policy_arn(arn).send().await,
                ),
                (PrincipalKind::User, false) => made(
                    &api,
                    &entity,
                    iam.detach_user_policy().user_name(name).policy_arn(arn).send().await,
                ),
                (PrincipalKind::Role, true) => made(
                    &api,
                    &entity,
                    iam.attach_role_policy().role_name(name).policy_arn(arn).send().await,
                ),
                (PrincipalKind::Role, false) => made(
                    &api,
                    &entity,
                    iam.detach_role_policy().role_name(name).policy_arn(arn).send().await,
                ),
                (PrincipalKind::Group, true) => made(
                    &api,
                    &entity,
                    iam.attach_group_policy().group_name(name).policy_arn(arn).send().await,
                ),
                (PrincipalKind::Group, false) => made(
                    &api,
                    &entity,
                    iam.detach_group_policy().group_name(name).policy_arn(arn).send().await,
                ),
            }
        }
    }
}

/// The service-specific credentials of `user_name` (of `service` only, when given), through
/// every page of `ListServiceSpecificCredentials`.
///
/// # Errors
/// When they cannot be listed (no such user, access denied).
pub(super) async fn credentials(
    iam: &Client,
    user_name: &str,
    service: Option<&str>,
) -> Result<Vec<ApiKey>, ActionError> {
    let mut keys = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = iam
            .list_service_specific_credentials()
            .user_name(user_name)
            .set_service_name(service.map(str::to_owned))
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(failed("iam:ListServiceSpecificCredentials", format!("of {user_name}")))?;
        keys.extend(
            out.service_specific_credentials
                .unwrap_or_default()
                .into_iter()
                .map(|c| ApiKey {
                    id: c.service_specific_credential_id,
                    status: c.status.as_str().to_owned(),
                }),
        );
        // A marker that does not move would loop for ever: stop there.
        match out.marker {
            Some(next) if out.is_truncated && marker.as_ref() != Some(&next) => marker = Some(next),
            _ => return Ok(keys),
        }
    }
}

/// The tags of IAM user `user_name` (`ListUserTags`, every page).
///
/// # Errors
/// When they cannot be listed.
pub(super) async fn user_tags(iam: &Client, user_name: &str) -> Result<Vec<(String, String)>, ActionError> {
    let tags = iam
        .list_user_tags()
        .user_name(user_name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(failed("iam:ListUserTags", format!("of user {user_name}")))?;
    Ok(pairs(tags))
}

/// The tags of IAM role `role_name` (`ListRoleTags`, every page).
///
/// # Errors
/// When they cannot be listed.
pub(super) async fn role_tags(iam: &Client, role_name: &str) -> Result<Vec<(String, String)>, ActionError> {
    let tags = iam
        .list_role_tags()
        .role_name(role_name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(failed("iam:ListRoleTags", format!("of role {role_name}")))?;
    Ok(pairs(tags))
}

fn pairs(tags: Vec<Tag>) -> Vec<(String, String)> {
    tags.into_iter().map(|t| (t.key, t.value)).collect()
}

/// `{"Status": old}`, in effect when `old` is already `wanted`.
fn status_before(old: &str, wanted: &str) -> Before {
    Before {
        in_effect: old == wanted,
        state: Some(json!({"Status": old})),
    }
}

fn no_such(api: &str, call: &Call) -> ActionError {
    ActionError::permanent(format!("{api}: no access key or credential {}", entity(call)))
}

/// The inline policy `policy_name` of role `role_name`, decoded, or `None` when there is none
/// (`NoSuchEntity`). `GetRolePolicy` returns the document URL-encoded (RFC 3986), as the IAM
/// API reference says.
///
/// # Errors
/// When it cannot be read (no such role, access denied).
async fn role_policy(iam: &Client, role_name: &str, policy_name: &str) -> Result<Option<String>, ActionError> {
    match iam
        .get_role_policy()
        .role_name(role_name)
        .policy_name(policy_name)
        .send()
        .await
    {
        Ok(out) => {
            let doc = out.policy_document;
            Ok(Some(
                percent_decode_str(&doc)
                    .decode_utf8()
                    .map(|d| d.into_owned())
                    .unwrap_or(doc),
            ))
        }
        // No such policy (or no such role: then putting one fails, and there is none to delete).
        Err(e) if service_error(&e).is_some_and(|(code, _)| code == "NoSuchEntity") => Ok(None),
        Err(e) => Err(failed(
            "iam:GetRolePolicy",
            format!("{policy_name} of role {role_name}"),
        )(e)),
    }
}

/// The managed policies attached to the user, role or group `name` (every page).
///
/// # Errors
/// When they cannot be listed (no such identity, access denied).
async fn attached(iam: &Client, kind: PrincipalKind, name: &str) -> Result<Vec<AttachedPolicy>, ActionError> {
    let entity = format!("of {} {name}", kind.as_str());
    match kind {
        PrincipalKind::User => {
            let pages = iam.list_attached_user_policies().user_name(name).into_paginator();
            pages
                .items()
                .send()
                .try_collect()
                .await
                .map_err(failed("iam:ListAttachedUserPolicies", entity))
        }
        PrincipalKind::Role => {
            let pages = iam.list_attached_role_policies().role_name(name).into_paginator();
            pages
                .items()
                .send()
                .try_collect()
                .await
                .map_err(failed("iam:ListAttachedRolePolicies", entity))
        }
        PrincipalKind::Group => {
            let pages = iam.list_attached_group_policies().group_name(name).into_paginator();
            pages
                .items()
                .send()
                .try_collect()
                .await
                .map_err(failed("iam:ListAttachedGroupPolicies", entity))
        }
    }
}
