//! Amazon Bedrock: logging and guardrail evasion, model access (LLMjacking), API keys,
//! resource exposure.

mod api_key_created;
mod api_key_user_activity;
mod api_key_user_credentials;
mod bearer_token_destructive;
mod guardrail_deleted;
mod guardrail_weakened;
mod invocation_logging_deleted;
mod invocation_logging_weakened;
mod invocation_long_term_key;
mod model_access_enabled;
mod model_job_external_storage;
mod recon_long_term_key;
mod resource_policy_exposed;

use crate::cloudtrail::event::Event;
use crate::detection::Organization;
use crate::policy::principal_account;
use crate::rules::EventRule;
use crate::rules::support::flag;

/// The Bedrock rules.
pub fn all() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(guardrail_deleted::RULE),
        Box::new(guardrail_weakened::RULE),
        Box::new(invocation_logging_deleted::RULE),
        Box::new(invocation_logging_weakened::RULE),
        Box::new(bearer_token_destructive::RULE),
        Box::new(model_access_enabled::RULE),
        Box::new(invocation_long_term_key::RULE),
        Box::new(recon_long_term_key::RULE),
        Box::new(api_key_created::RULE),
        Box::new(api_key_user_credentials::RULE),
        Box::new(api_key_user_activity::RULE),
        Box::new(resource_policy_exposed::RULE),
        Box::new(model_job_external_storage::RULE),
    ]
}

/// The kind of Bedrock API key (bearer token) a call was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApiKey {
    /// A long-term key: an IAM service-specific credential for Bedrock (`ABSK…`), held by a
    /// `BedrockAPIKey-*` IAM user when made in the console.
    LongTerm,
    /// A short-term key, signed client-side from a session (up to 12 hours).
    ShortTerm,
    /// A bearer token whose kind the record does not say.
    Unknown,
}

/// The API key a call was made with, if any. Bedrock records the flag in
/// `additionalEventData.callWithBearerToken`; `bedrock-mantle` in
/// `requestParameters.callWithBearerToken`, with `bearerTokenType` beside it (Bedrock user
/// guide, "Monitor bedrock-mantle API calls using CloudTrail"; condition key values
/// `LONG_TERM` / `SHORT_TERM` of `bedrock:BearerTokenType`).
fn api_key(ev: &Event) -> Option<ApiKey> {
    // Most calls carry no flag: look for its name in the raw sections before parsing them
    // (a section with escapes may spell the name otherwise, so it is parsed).
    let r = ev.record;
    let raw = [r.additional_event_data, r.request_parameters];
    let may_hold = |s: &str| s.contains("callWithBearerToken") || s.contains('\\');
    if !raw.iter().flatten().any(|s| may_hold(s.get())) {
        return None;
    }
    let sections = [ev.additional(), ev.request()];
    let flagged = sections
        .iter()
        .flatten()
        .any(|s| flag(s.get("callWithBearerToken")) == Some(true));
    if !flagged {
        return None;
    }
    let kind = sections
        .iter()
        .flatten()
        .find_map(|s| s.get("bearerTokenType")?.as_str());
    Some(match kind.map(str::to_ascii_uppercase).as_deref() {
        Some("LONG_TERM" | "ABSK") => ApiKey::LongTerm,
        Some("SHORT_TERM") => ApiKey::ShortTerm,
        _ if is_api_key_user(ev) => ApiKey::LongTerm,
        _ => ApiKey::Unknown,
    })
}

/// True when the call was authenticated with a Bedrock API key (bearer token), on either
/// endpoint.
fn bearer_token(ev: &Event) -> bool {
    api_key(ev).is_some()
}

/// Prefix of the IAM users the Bedrock console creates to hold long-term API keys.
pub(crate) const API_KEY_USER_PREFIX: &str = "BedrockAPIKey-";

/// True when the caller is an IAM user made for a Bedrock long-term API key.
fn is_api_key_user(ev: &Event) -> bool {
    ev.principal()
        .user_name()
        .is_some_and(|name| name.starts_with(API_KEY_USER_PREFIX))
}

/// True when the caller is the root user or used a long-term (`AKIA`) access key.
fn long_lived_caller(ev: &Event) -> bool {
    ev.principal().is_root() || ev.principal().long_term_key()
}

/// The model a call names: `modelId` (Bedrock) or `model` (`bedrock-mantle`).
fn model<'e>(ev: &'e Event) -> Option<&'e str> {
    ev.req_str("modelId")
        .or_else(|| ev.req_str("model"))
        .filter(|m| !m.is_empty())
}

/// " with a long-term access key" when the caller used one, else nothing (a root caller is
/// already named "root" in the summary).
fn caller_note(ev: &Event) -> &'static str {
    if ev.principal().long_term_key() {
        " with a long-term access key"
    } else {
        ""
    }
}

/// The account named by an ARN or a bare account id, when it lies outside the organization.
fn foreign_account<'v>(value: &'v str, ev: &Event, org: &Organization) -> Option<&'v str> {
    principal_account(value).filter(|a| !org.is_own_account(a, ev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::Record;

    #[test]
    fn the_bearer_token_flag_is_seen_however_its_name_is_written() {
        // Found by the property tests: an escaped name passed the raw pre-check unseen.
        for flag in ["callWithBearerToken", "callWith\\u0042earerToken"] {
            let text = format!(
                r#"{{"eventSource":"bedrock.amazonaws.com","eventName":"DeleteGuardrail","additionalEventData":{{"{flag}":true}}}}"#
            );
            let record: Record = serde_json::from_str(&text).unwrap();
            assert_eq!(api_key(&Event::new(&record)), Some(ApiKey::Unknown), "{text}");
        }
        let none = r#"{"eventSource":"bedrock.amazonaws.com","eventName":"DeleteGuardrail","additionalEventData":{"x":"\u0041"}}"#;
        let record: Record = serde_json::from_str(none).unwrap();
        assert_eq!(api_key(&Event::new(&record)), None);
    }
}
