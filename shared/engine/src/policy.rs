//! One IAM policy-document analyzer for every call that writes a policy: identity policies
//! (what they grant) and resource / trust policies (whom they open to).
//!
//! Documents arrive as JSON text (often URL-encoded, as CloudTrail records them) or as
//! objects; `Action`, `Resource`, `Principal` may be a string or a list; `NotAction` and
//! `NotPrincipal` are understood.

use std::borrow::Cow;

use serde_json::Value;

/// A policy statement, reduced to what the analyses need.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub allow: bool,
    /// `Action` patterns, or the excluded ones when `not_action`.
    pub actions: Vec<String>,
    pub not_action: bool,
    pub resources: Vec<String>,
    pub not_resource: bool,
    /// `Principal` entries as (kind, value): ("AWS", "*"), ("Service", "x.amazonaws.com")…
    pub principals: Vec<(String, String)>,
    pub not_principal: bool,
    /// Condition keys present (lower-case), e.g. `aws:principalorgid`.
    pub condition_keys: Vec<String>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    pub statements: Vec<Statement>,
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("unreadable policy document: {0}")]
pub struct PolicyError(String);

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

fn principals(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::String(s)) => vec![("AWS".into(), s.clone())],
        Some(Value::Object(map)) => map
            .iter()
            .flat_map(|(kind, vals)| strings(Some(vals)).into_iter().map(move |v| (kind.clone(), v)))
            .collect(),
        _ => Vec::new(),
    }
}

impl Policy {
    /// Parses a document given as an object, as JSON text, or as URL-encoded JSON text.
    ///
    /// # Errors
    /// A [`PolicyError`] when the text is not JSON or the document has no statements.
    pub fn parse(doc: &Value) -> Result<Policy, PolicyError> {
        let owned;
        let doc = match doc {
            Value::String(text) => {
                let text = text.trim();
                let decoded: Cow<str> = if text.starts_with('{') {
                    Cow::Borrowed(text)
                } else {
                    percent_encoding::percent_decode_str(text)
                        .decode_utf8()
                        .map_err(|e| PolicyError(e.to_string()))?
                };
                owned = serde_json::from_str::<Value>(&decoded).map_err(|e| PolicyError(e.to_string()))?;
                &owned
            }
            other => other,
        };
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err(PolicyError("no Statement".into())),
        };
        let statements = statements
            .into_iter()
            .map(|st| Statement {
                allow: st
                    .get("Effect")
                    .and_then(Value::as_str)
                    .is_some_and(|e| e.eq_ignore_ascii_case("allow")),
                not_action: st.get("NotAction").is_some(),
                actions: strings(st.get("Action").or_else(|| st.get("NotAction"))),
                not_resource: st.get("NotResource").is_some(),
                resources: strings(st.get("Resource").or_else(|| st.get("NotResource"))),
                not_principal: st.get("NotPrincipal").is_some(),
                principals: principals(st.get("Principal").or_else(|| st.get("NotPrincipal"))),
                condition_keys: st
                    .get("Condition")
                    .and_then(Value::as_object)
                    .map(|ops| {
                        ops.values()
                            .filter_map(Value::as_object)
                            .flat_map(|keys| keys.keys().map(|k| k.to_ascii_lowercase()))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        Ok(Policy { statements })
    }
}

/// Case-insensitive IAM wildcard match (`*` any run, `?` one character).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// A dangerous grant found in an identity policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Every action on every resource (`*`, `*:*`, or `NotAction` allowing the rest).
    Admin,
    /// `iam:PassRole` on any role: lets the holder hand any role to a service.
    PassRoleAny,
    /// `bedrock:*` or `sagemaker:*` (or similar AI service wildcard) on every resource.
    AiServiceWildcard(String),
    /// Another `service:*` on every resource.
    ServiceWildcard(String),
}

impl Grant {
    /// Human description of the grant.
    pub fn describe(&self) -> String {
        match self {
            Grant::Admin => "all actions on all resources".into(),
            Grant::PassRoleAny => "iam:PassRole on any role".into(),
            Grant::AiServiceWildcard(s) | Grant::ServiceWildcard(s) => {
                format!("{s}:* on all resources")
            }
        }
    }
}

/// AI services whose full wildcard on `*` is called out on its own.
pub const AI_SERVICES: &[&str] = &[
    "bedrock",
    "sagemaker",
    "bedrock-agentcore",
    "q",
    "comprehend",
    "rekognition",
];

fn any_resource(resources: &[String], not_resource: bool) -> bool {
    not_resource || resources.iter().any(|r| r == "*" || r == "arn:aws:*:*:*:*")
}

fn any_role(resources: &[String], not_resource: bool) -> bool {
    any_resource(resources, not_resource)
        || resources.iter().any(|r| {
            r.strip_prefix("arn:aws:iam::")
                .and_then(|rest| rest.split_once(':'))
                .is_some_and(|(_, res)| res == "role/*" || res == "*")
        })
}

impl Policy {
    /// The dangerous grants of Allow statements, most severe first, without duplicates.
    pub fn broad_grants(&self) -> Vec<Grant> {
        let mut found = Vec::new();
        for st in self.statements.iter().filter(|s| s.allow) {
            let on_all = any_resource(&st.resources, st.not_resource);
            if st.not_action {
                // Allow everything except a list: as good as admin on all resources.
                if on_all && !st.actions.iter().any(|a| a == "*") {
                    found.push(Grant::Admin);
                }
                continue;
            }
            for action in &st.actions {
                let (service, verb) = action.split_once(':').unwrap_or((action.as_str(), "*"));
                if on_all && (action == "*" || (service == "*" && verb == "*")) {
                    found.push(Grant::Admin);
                } else if on_all && verb == "*" && !service.contains('*') {
                    let service = service.to_ascii_lowercase();
                    if AI_SERVICES.contains(&service.as_str()) {
                        found.push(Grant::AiServiceWildcard(service));
                    } else {
                        found.push(Grant::ServiceWildcard(service));
                    }
                }
                if wildcard_match(action, "iam:PassRole") && any_role(&st.resources, st.not_resource) {
                    found.push(Grant::PassRoleAny);
                }
            }
        }
        found.sort_by_key(|g| match g {
            Grant::Admin => 0,
            Grant::PassRoleAny => 1,
            Grant::AiServiceWildcard(_) => 2,
            Grant::ServiceWildcard(_) => 3,
        });
        found.dedup();
        found
    }
}

/// Whom a resource or trust policy opens to, beyond the organization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exposure {
    /// Anyone (`*`), with no condition limiting the caller's account or organization.
    pub public: bool,
    /// Outside account ids named as principals.
    pub external_accounts: Vec<String>,
}

impl Exposure {
    /// True when the policy opens to anyone outside.
    pub fn is_exposed(&self) -> bool {
        self.public || !self.external_accounts.is_empty()
    }

    /// "public" or "accounts 1, 2".
    pub fn describe(&self) -> String {
        if self.public {
            "anyone (public)".into()
        } else {
            format!("external account(s) {}", self.external_accounts.join(", "))
        }
    }
}

/// Condition keys that limit who may use a public principal.
const SCOPING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:principalorgpaths",
];

/// The account id in a principal value: `123456789012`, `arn:aws:iam::123456789012:root`,
/// `arn:aws:iam::123456789012:role/x`, `arn:aws:sts::123456789012:assumed-role/…`.
pub fn principal_account(value: &str) -> Option<&str> {
    let id = if value.starts_with("arn:") {
        value.split(':').nth(4)?
    } else {
        value
    };
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

impl Policy {
    /// Judges whom the Allow statements open to; `own` says which accounts are the
    /// organization's. Service principals are not exposure.
    pub fn exposure(&self, own: impl Fn(&str) -> bool) -> Exposure {
        let mut out = Exposure::default();
        for st in self.statements.iter().filter(|s| s.allow) {
            let scoped = st.condition_keys.iter().any(|k| SCOPING_KEYS.contains(&k.as_str()));
            if st.not_principal {
                out.public |= !scoped;
                continue;
            }
            for (kind, value) in &st.principals {
                if value == "*" && (kind == "AWS" || kind == "*") {
                    out.public |= !scoped;
                } else if let Some(acct) = principal_account(value).filter(|a| kind == "AWS" && !own(a))
                    && !out.external_accounts.iter().any(|a| a == acct)
                {
                    out.external_accounts.push(acct.to_owned());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grants(doc: Value) -> Vec<Grant> {
        Policy::parse(&doc).unwrap().broad_grants()
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("iam:Pass*", "iam:PassRole"));
        assert!(wildcard_match("IAM:passrole", "iam:PassRole"));
        assert!(wildcard_match("*", "iam:PassRole"));
        assert!(wildcard_match("iam:?assRole", "iam:PassRole"));
        assert!(!wildcard_match("iam:Get*", "iam:PassRole"));
        assert!(!wildcard_match("iam:PassRol", "iam:PassRole"));
    }

    #[test]
    fn admin_in_every_spelling() {
        let admin = vec![Grant::Admin];
        assert_eq!(
            grants(json!({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})),
            [admin.clone(), vec![Grant::PassRoleAny]].concat()
        );
        assert_eq!(
            grants(json!({"Statement":[{"Effect":"Allow","Action":["*:*"],"Resource":["*"]}]}))[0],
            Grant::Admin
        );
        assert_eq!(
            grants(json!({"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]})),
            admin
        );
        assert!(grants(json!({"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})).is_empty());
        assert!(
            grants(json!({"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}]})).is_empty()
        );
    }

    #[test]
    fn service_and_passrole_grants() {
        let g = grants(json!({"Statement":[
            {"Effect":"Allow","Action":["bedrock:*","s3:*","sagemaker:List*"],"Resource":"*"},
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/*"}]}));
        assert_eq!(
            g,
            vec![
                Grant::PassRoleAny,
                Grant::AiServiceWildcard("bedrock".into()),
                Grant::ServiceWildcard("s3".into())
            ]
        );
        let narrow = grants(
            json!({"Statement":[{"Effect":"Allow","Action":["iam:PassRole","bedrock:InvokeModel"],"Resource":"arn:aws:iam::111122223333:role/App"}]}),
        );
        assert!(narrow.is_empty());
    }

    #[test]
    fn url_encoded_and_text_documents() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sagemaker:*","Resource":"*"}]}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string();
        assert_eq!(
            grants(Value::String(encoded)),
            vec![Grant::AiServiceWildcard("sagemaker".into())]
        );
        assert_eq!(
            grants(Value::String(text.into())),
            vec![Grant::AiServiceWildcard("sagemaker".into())]
        );
        assert!(Policy::parse(&Value::String("%7Bnot json".into())).is_err());
        assert!(Policy::parse(&json!({"Version":"2012-10-17"})).is_err());
    }

    #[test]
    fn exposure_of_trust_and_resource_policies() {
        let own = |a: &str| a == "111122223333";
        let exp = |doc: Value| Policy::parse(&doc).unwrap().exposure(own);
        assert!(exp(json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]})).public);
        assert!(exp(json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"x"}]})).public);
        let scoped = exp(
            json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"x","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}),
        );
        assert!(!scoped.is_exposed());
        let ext = exp(
            json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333","arn:aws:iam::444455556666:role/x"]},"Action":"x"}]}),
        );
        assert_eq!(ext.external_accounts, vec!["444455556666".to_string()]);
        assert!(!ext.public);
        let svc = exp(
            json!({"Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}),
        );
        assert!(!svc.is_exposed());
        let denied = exp(json!({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*"}]}));
        assert!(!denied.is_exposed());
        assert!(exp(json!({"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"x"}]})).public);
    }
}
