//! A long-term Bedrock API key was created: a static credential for Bedrock outside SigV4.

use serde_json::Value;

use crate::rules::prelude::*;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.api_key_created",
        title: "Bedrock long-term API key created",
        severity: Severity::Medium,
        area: Area::Access,
        techniques: &["T1098.001"],
        description: "An IAM service-specific credential for bedrock.amazonaws.com was created \
            (CreateServiceSpecificCredential): a long-term Bedrock API key. Anyone holding the \
            bearer token can call Bedrock as the IAM user behind it (usually a `BedrockAPIKey-` \
            user the console creates) until it expires or is deleted, from anywhere, with no \
            signature. Medium; high when the request sets no credentialAgeDays (the key never \
            expires) or more than 90 days. Keys for other services (CodeCommit, Keyspaces) are \
            not reported.",
        remediation: "Confirm the key was wanted. Prefer short-term Bedrock API keys or role \
            credentials; otherwise give the key a short expiry (90 days or less). Delete unwanted \
            keys with DeleteServiceSpecificCredential, and deny long or unlimited ages with a \
            service control policy on iam:ServiceSpecificCredentialAgeDays.",
        controls: &[],
        events: &[("iam.amazonaws.com", "CreateServiceSpecificCredential")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/iam/CreateServiceSpecificCredential-bedrock.json",
                "events/iam/CreateServiceSpecificCredential-bedrock-no-expiry.json",
            ],
            must_not_fire: &["events/iam/CreateServiceSpecificCredential-codecommit.json"],
        },
    },
    check,
};

/// Longest key lifetime, in days, reported at the default severity.
const MAX_AGE_DAYS: u64 = 90;

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if ev.req_str("serviceName") != Some("bedrock.amazonaws.com") {
        return None;
    }
    let age = ev.req("credentialAgeDays").and_then(|v| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let user = ev.req_str("userName");
    let (severity, lifetime) = match age {
        None => (Severity::High, "that never expires".to_owned()),
        Some(days) if days > MAX_AGE_DAYS => (Severity::High, format!("valid for {days} days")),
        Some(days) => (RULE.metadata.severity, format!("valid for {days} days")),
    };
    let credential = ev.resp_str("serviceSpecificCredential.serviceSpecificCredentialId");
    Some(
        Hit::new(
            severity,
            format!(
                "created a Bedrock API key {lifetime} for IAM user {}",
                user.unwrap_or("(unknown)")
            ),
        )
        .resource(user)
        .resource(credential),
    )
}
