//! An IAM user holds an active long-term Bedrock API key that never expires (Prowler
//! `bedrock_api_key_no_long_term_credentials`).

use super::active;
use crate::posture::prelude::*;
use crate::posture::support::{days_between, items, text};

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "iam.bedrock_api_key_without_expiry",
        title: "Bedrock API key that never expires",
        severity: Severity::Medium,
        area: Area::Access,
        techniques: &["T1078.004", "T1496", "AML.T0034"],
        description: "An IAM user has an active service-specific credential for \
            bedrock.amazonaws.com (a long-term Bedrock API key) with no expiration date, or one \
            more than 10,000 days after its creation (as Prowler judges it): a bearer token \
            that anyone holding it can use to call Bedrock as that user, from anywhere and \
            without a signature, until someone deletes it. Keys whose expiry cannot be \
            compared with their creation time are not judged.",
        remediation: "Prefer short-term Bedrock API keys or role credentials. Otherwise create a \
            key with a short credentialAgeDays (90 or less), move the application to it, and \
            delete the old key (DeleteServiceSpecificCredential). A service control policy on \
            iam:ServiceSpecificCredentialAgeDays can refuse long or unlimited ages.",
        controls: &["prowler:bedrock_api_key_no_long_term_credentials"],
        events: &[],
        resource_types: &[types::IAM_USER],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/iam/User-bedrock-api-key-no-expiry.json"],
            must_not_fire: &["samples/posture/iam/User-bedrock-api-key-30-days.json"],
        },
    },
    check,
};

/// Lifetime, in days, beyond which a key counts as never expiring.
const NEVER_DAYS: i64 = 10_000;

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    let lasting: Vec<String> = items(resource, "ServiceSpecificCredentials")
        .iter()
        .filter(|c| active(c) && text(c, "ServiceName") == Some("bedrock.amazonaws.com"))
        .filter_map(|c| {
            let id = text(c, "ServiceSpecificCredentialId").unwrap_or("(unknown id)");
            match text(c, "ExpirationDate") {
                None => Some(format!("{id} never expires")),
                Some(expires) => {
                    let days = days_between(text(c, "CreateDate")?, expires)?;
                    (days > NEVER_DAYS).then(|| format!("{id} expires {days} days after its creation"))
                }
            }
        })
        .collect();
    if lasting.is_empty() {
        return None;
    }
    let action = format!(
        "has a long-term Bedrock API key that does not expire: key {}",
        lasting.join(", key ")
    );
    Some(Hit::new(CHECK.metadata.severity, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::{Value, json};

    fn user(credential: Value) -> Value {
        json!({"UserName": "BedrockAPIKey-x", "ServiceSpecificCredentials": [credential]})
    }

    #[test]
    fn lifetimes_over_ten_thousand_days_count_as_never() {
        let key = |expires: &str| {
            json!({"ServiceSpecificCredentialId": "ACCA1", "ServiceName": "bedrock.amazonaws.com",
                "Status": "Active", "CreateDate": "2026-01-01T00:00:00Z", "ExpirationDate": expires})
        };
        let far = judge(&CHECK, user(key("2053-06-01T00:00:00Z"))).unwrap();
        assert_eq!(
            far.action,
            "has a long-term Bedrock API key that does not expire: key ACCA1 expires 10013 days after its creation"
        );
        assert!(judge(&CHECK, user(key("2026-04-01T00:00:00Z"))).is_none());
    }

    #[test]
    fn other_services_inactive_keys_and_unknown_creation_are_not_judged() {
        let codecommit = json!({"ServiceSpecificCredentialId": "ACCA2", "ServiceName": "codecommit.amazonaws.com", "Status": "Active"});
        assert!(judge(&CHECK, user(codecommit)).is_none());
        let inactive = json!({"ServiceSpecificCredentialId": "ACCA3", "ServiceName": "bedrock.amazonaws.com", "Status": "Inactive"});
        assert!(judge(&CHECK, user(inactive)).is_none());
        let undated = json!({"ServiceSpecificCredentialId": "ACCA4", "ServiceName": "bedrock.amazonaws.com",
            "Status": "Active", "ExpirationDate": "2099-01-01T00:00:00Z"});
        assert!(judge(&CHECK, user(undated)).is_none());
    }
}
