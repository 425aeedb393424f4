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

use serde_json::Value;

use crate::event::Event;
use crate::policy::principal_account;
use crate::rule::{Context, Hit, Rule};
use crate::severity::Severity;

/// The Bedrock rules.
pub fn all() -> Vec<Box<dyn Rule>> {
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

/// A boolean field written either as a JSON boolean or as the text `"true"` / `"false"`.
fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
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
fn foreign_account<'v>(value: &'v str, ev: &Event, ctx: &Context) -> Option<&'v str> {
    principal_account(value).filter(|a| !ctx.is_own_account(a, ev))
}

/// What makes a request risky, each reason with its own severity; the hit takes the highest.
#[derive(Default)]
struct Reasons(Vec<(Severity, String)>);

impl Reasons {
    fn add(&mut self, severity: Severity, why: impl Into<String>) {
        self.0.push((severity, why.into()));
    }

    /// A hit reading "`action`: reason; reason", or `None` when nothing was found.
    fn hit(self, action: &str) -> Option<Hit> {
        let severity = self.0.iter().map(|(s, _)| *s).max()?;
        let why: Vec<&str> = self.0.iter().map(|(_, w)| w.as_str()).collect();
        Some(Hit::new(severity, format!("{action}: {}", why.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_accept_booleans_and_text() {
        assert_eq!(flag(Some(&json!(true))), Some(true));
        assert_eq!(flag(Some(&json!("TRUE"))), Some(true));
        assert_eq!(flag(Some(&json!("false"))), Some(false));
        assert_eq!(flag(Some(&json!(1))), None);
        assert_eq!(flag(None), None);
    }

    #[test]
    fn odd_requests_never_panic() {
        let odd = [
            json!(null),
            json!({}),
            json!("text"),
            json!([1, 2]),
            json!({"omitted": true, "reason": "requestParameters too large"}),
            json!({
                "loggingConfig": {"s3Config": "x", "cloudWatchConfig": {"roleArn": 7}, "textDataDeliveryEnabled": "yes"},
                "contentPolicyConfig": {"filtersConfig": [1, null, {"type": 2, "inputStrength": []}]},
                "contextualGroundingPolicyConfig": {"filtersConfig": [{"threshold": "0.1"}, "x"]},
                "credentialAgeDays": -3, "serviceName": "bedrock.amazonaws.com", "userName": ["BedrockAPIKey-x"],
                "resourcePolicy": "{not json", "inputDataConfig": {"s3InputDataConfig": {"s3BucketOwner": 444455556666u64}},
                "sourceModelArn": "arn:aws", "modelId": ""
            }),
        ];
        for rule in all() {
            for (source, name) in rule.meta().events {
                for request in &odd {
                    let text = json!({
                        "eventSource": source, "eventName": name, "requestParameters": request,
                        "responseElements": request, "additionalEventData": {"callWithBearerToken": "true"},
                        "userIdentity": {"type": "Root", "accessKeyId": "AKIAX"}
                    })
                    .to_string();
                    let record: crate::record::Record = serde_json::from_str(&text).unwrap();
                    let _ = rule.evaluate(&Event::new(&record), &Context::default());
                }
            }
        }
    }

    #[test]
    fn reasons_take_the_highest_severity() {
        assert!(Reasons::default().hit("x").is_none());
        let mut r = Reasons::default();
        r.add(Severity::Medium, "a");
        r.add(Severity::High, "b");
        let hit = r.hit("did x").unwrap();
        assert_eq!(hit.severity, Severity::High);
        assert_eq!(hit.action, "did x: a; b");
    }
}
