//! Amazon Bedrock: logging and guardrail evasion, model access (LLMjacking), API keys,
//! resource exposure.

mod api_key_created;
mod api_key_user_credentials;
mod bearer_token_destructive;
mod guardrail_deleted;
mod guardrail_weakened;
mod invocation_logging_deleted;
mod invocation_logging_weakened;
mod invocation_long_term_key;
mod model_access_enabled;
mod model_job_external_storage;
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
        Box::new(api_key_created::RULE),
        Box::new(api_key_user_credentials::RULE),
        Box::new(resource_policy_exposed::RULE),
        Box::new(model_job_external_storage::RULE),
    ]
}

/// True when the call was authenticated with a Bedrock API key (bearer token).
fn bearer_token(ev: &Event) -> bool {
    flag(ev.additional().and_then(|a| a.get("callWithBearerToken"))) == Some(true)
}

/// True when the caller is the root user or used a long-term (`AKIA`) access key.
fn long_lived_caller(ev: &Event) -> bool {
    ev.principal().is_root() || ev.principal().long_term_key()
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
