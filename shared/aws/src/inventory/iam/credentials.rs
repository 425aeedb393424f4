//! The long-term credentials of the users the inventory keeps: access keys
//! (`ListAccessKeys`, `GetAccessKeyLastUsed`) and Bedrock API keys
//! (`ListServiceSpecificCredentials` of `bedrock.amazonaws.com` for all users, one listing).
//!
//! A field is absent when it could not be read, and an empty list when there are none. When a
//! per-user call fails, it is not made for the remaining users (one gap: the same permission
//! or outage would fail them all).

use std::collections::HashMap;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{AccessKeyMetadata, ServiceSpecificCredentialMetadata, UserDetail};
use serde_json::Value;

use super::SERVICE;
use crate::inventory::found::Found;
use crate::inventory::json::Obj;

/// The service whose service-specific credentials are Bedrock API keys.
pub(super) const BEDROCK: &str = "bedrock.amazonaws.com";

/// Adds `AccessKeys` and `ServiceSpecificCredentials` to each user's configuration.
pub(super) async fn add(found: &mut Found, client: &Client, users: &mut [(&UserDetail, Value)]) {
    let api_keys = api_keys(found, client).await;
    let mut keys_readable = true;
    let mut last_used_readable = true;
    for (user, configuration) in users.iter_mut() {
        let Some(name) = user.user_name.as_deref() else {
            continue;
        };
        let Some(fields) = configuration.as_object_mut() else {
            continue;
        };
        if let Some(api_keys) = &api_keys {
            let mine = api_keys.get(name).cloned().unwrap_or_default();
            fields.insert("ServiceSpecificCredentials".into(), Value::Array(mine));
        }
        if !keys_readable {
            continue;
        }
        let pages = client
            .list_access_keys()
            .user_name(name)
            .into_paginator()
            .items()
            .send();
        let (keys, complete) = found.all(SERVICE, "ListAccessKeys", pages).await;
        if !complete {
            keys_readable = false;
            continue;
        }
        let mut out = Vec::new();
        for key in &keys {
            let last_used = match key.access_key_id.as_deref() {
                Some(id) if last_used_readable => {
                    let answer = client.get_access_key_last_used().access_key_id(id).send().await;
                    let used = found.answer(SERVICE, "GetAccessKeyLastUsed", answer);
                    last_used_readable = used.is_some();
                    used.and_then(|u| u.access_key_last_used)
                }
                _ => None,
            };
            out.push(access_key(key, last_used.as_ref()));
        }
        fields.insert("AccessKeys".into(), Value::Array(out));
    }
}

fn access_key(key: &AccessKeyMetadata, used: Option<&aws_sdk_iam::types::AccessKeyLastUsed>) -> Value {
    Obj::new()
        .put("AccessKeyId", key.access_key_id.as_ref())
        .put("Status", key.status.as_ref().map(|s| s.as_str()))
        .put("CreateDate", key.create_date.as_ref())
        .put("LastUsedDate", used.and_then(|u| u.last_used_date.as_ref()))
        .put("LastUsedServiceName", used.map(|u| &u.service_name))
        .put("LastUsedRegion", used.map(|u| &u.region))
        .build()
}

/// The Bedrock API keys of every user, by user name; `None` when they could not be listed.
async fn api_keys(found: &mut Found, client: &Client) -> Option<HashMap<String, Vec<Value>>> {
    let mut by_user: HashMap<String, Vec<Value>> = HashMap::new();
    let mut marker = None;
    loop {
        let answer = client
            .list_service_specific_credentials()
            .all_users(true)
            .service_name(BEDROCK)
            .set_marker(marker)
            .send()
            .await;
        let page = found.answer(SERVICE, "ListServiceSpecificCredentials", answer)?;
        for c in page.service_specific_credentials.unwrap_or_default() {
            by_user.entry(c.user_name.clone()).or_default().push(api_key(&c));
        }
        marker = page.marker.filter(|_| page.is_truncated);
        if marker.is_none() {
            return Some(by_user);
        }
    }
}

fn api_key(c: &ServiceSpecificCredentialMetadata) -> Value {
    Obj::new()
        .put("ServiceSpecificCredentialId", &c.service_specific_credential_id)
        .put("ServiceName", &c.service_name)
        .put("Status", c.status.as_str())
        .put("CreateDate", &c.create_date)
        .put("ExpirationDate", c.expiration_date.as_ref())
        .build()
}
