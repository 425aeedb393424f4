//! The IAM policy analyzer: parsing (object, JSON text, URL-encoded text), the grants and
//! escalation paths of an identity policy, and the exposure of a resource or trust policy.

use aidr_engine::policy::{AI_SERVICES, Grant, Policy, Statement, wildcard_match};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::OWN_ACCOUNT;

/// Actions and resources each parsed policy is asked about.
const PROBES: [(&str, &str); 5] = [
    ("iam:PassRole", "*"),
    ("iam:PassRole", "arn:aws:iam::111122223333:role/r"),
    ("bedrock:InvokeModel", "*"),
    ("s3:GetObject", "arn:aws:s3:::bucket/key"),
    ("sagemaker:CreateNotebookInstance", "*"),
];

/// Patterns longer than this are not matched against themselves (the match is quadratic).
const SELF_MATCH_LIMIT: usize = 256;

/// Parses `data` as the text of a policy and as a JSON document; every policy that parses is
/// analyzed; a document reads the same from its object, its JSON text and its URL-encoded
/// text.
pub fn policy(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    if let Ok(parsed) = Policy::parse(&Value::String(text)) {
        analyze(&parsed);
    }
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(parsed) = Policy::parse(&doc) else {
        return;
    };
    analyze(&parsed);
    let text = doc.to_string();
    // Only documents whose JSON text reads back the same (floats may not).
    if doc.is_object() && serde_json::from_str::<Value>(&text).is_ok_and(|again| again == doc) {
        let encoded = utf8_percent_encode(&text, NON_ALPHANUMERIC).to_string();
        assert_eq!(Policy::parse(&Value::String(text)).as_ref(), Ok(&parsed), "as text");
        assert_eq!(
            Policy::parse(&Value::String(encoded)).as_ref(),
            Ok(&parsed),
            "URL-encoded"
        );
    }
}

/// Grants without duplicates, each described; exposure never names the own account; nothing
/// both allowed and denied; and a Deny of every action on every resource takes all back.
fn analyze(policy: &Policy) {
    let grants = policy.broad_grants();
    for (i, grant) in grants.iter().enumerate() {
        assert!(!grants[..i].contains(grant), "{grant:?} twice");
        assert!(!grant.describe().is_empty());
        if let Grant::Escalation(path) = grant {
            assert!(!path.describe().is_empty() && !path.kind().is_empty());
        }
    }
    let exposure = policy.exposure(|account| account == OWN_ACCOUNT);
    let external = &exposure.external_accounts;
    assert!(!external.iter().any(|a| a == OWN_ACCOUNT), "{exposure:?}");
    assert!(
        (1..external.len()).all(|i| !external[..i].contains(&external[i])),
        "{exposure:?}"
    );
    assert!(!exposure.describe().is_empty());
    for (action, resource) in PROBES {
        assert!(!(policy.allows(action, resource) && policy.denies(action, resource)));
    }
    let services = policy.allowed_services(AI_SERVICES);
    assert!(services.iter().all(|s| AI_SERVICES.contains(s)));
    for st in &policy.statements {
        for pattern in st.actions.iter().chain(&st.resources) {
            assert!(wildcard_match("*", pattern));
            if pattern.len() <= SELF_MATCH_LIMIT {
                assert!(wildcard_match(pattern, pattern), "{pattern}");
            }
        }
    }
    let mut denied = policy.clone();
    denied.statements.push(Statement {
        allow: false,
        actions: vec!["*".into()],
        not_action: false,
        resources: vec!["*".into()],
        not_resource: false,
        principals: Vec::new(),
        not_principal: false,
        conditions: Vec::new(),
    });
    assert_eq!(denied.broad_grants(), [], "denied everything");
    for (action, resource) in PROBES {
        assert!(!denied.allows(action, resource), "{action} on {resource} denied");
    }
}
