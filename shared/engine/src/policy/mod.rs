//! One IAM policy-document analyzer for every call that writes a policy: identity policies
//! (what they grant) and resource / trust policies (whom they open to).
//!
//! Documents arrive as JSON text (often URL-encoded, as CloudTrail records them) or as
//! objects; `Action`, `Resource`, `Principal` may be a string or a list; `NotAction`,
//! `NotResource` and `NotPrincipal` are understood, and conditions are kept whole (operator,
//! key, values). What a document grants is judged in [`grants`] (with the privilege-escalation
//! table in [`escalation`]), whom it opens to in [`exposure`].

mod escalation;
mod exposure;
mod grants;

use std::borrow::Cow;

use serde_json::Value;

pub use escalation::{ESCALATION_ACTIONS, Escalation, PASS_ROLE_PARTNERS};
pub use exposure::{Exposure, principal_account};
pub use grants::{AI_SERVICES, Grant};

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
    /// The statement's conditions, one entry per operator and key.
    pub conditions: Vec<Condition>,
}

/// One operator-key test of a `Condition` block; its values are alternatives (any may match).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator as written, e.g. `StringLike`, `ForAnyValue:StringEquals`, `ArnLikeIfExists`.
    pub operator: String,
    /// The key as written, e.g. `aws:PrincipalArn` (keys match without regard to case).
    pub key: String,
    /// The values as text (numbers and booleans written out).
    pub values: Vec<String>,
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

fn conditions(v: Option<&Value>) -> Vec<Condition> {
    let Some(Value::Object(ops)) = v else {
        return Vec::new();
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    for (operator, tests) in ops {
        for (key, vals) in tests.as_object().into_iter().flatten() {
            let values = match vals {
                Value::Array(items) => items.iter().filter_map(text).collect(),
                one => text(one).into_iter().collect(),
            };
            out.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    out
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
                    // Form encoding writes a space as `+` (a literal `+` is `%2B`).
                    let spaced = text.replace('+', " ");
                    let decoded = percent_encoding::percent_decode_str(&spaced)
                        .decode_utf8()
                        .map_err(|e| PolicyError(e.to_string()))?;
                    Cow::Owned(decoded.into_owned())
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
                conditions: conditions(st.get("Condition")),
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
        // A `*` of the pattern is a wildcard even where the text holds a `*` too.
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("iam:Pass*", "iam:PassRole"));
        assert!(wildcard_match("IAM:passrole", "iam:PassRole"));
        assert!(wildcard_match("*", "iam:PassRole"));
        assert!(wildcard_match("iam:?assRole", "iam:PassRole"));
        assert!(wildcard_match("iam:*Policy", "iam:AttachRolePolicy"));
        assert!(!wildcard_match("iam:Get*", "iam:PassRole"));
        assert!(!wildcard_match("iam:PassRol", "iam:PassRole"));
        assert!(!wildcard_match("iam:List*", "iam:AttachRolePolicy"));
        // Text that holds a `*` itself (an action or ARN pattern judged as text).
        assert!(wildcard_match("*", "*:*"));
        assert!(wildcard_match("a*", "a**b"));
        assert!(wildcard_match("arn:aws:s3:::*", "arn:aws:s3:::bucket/*"));
        assert!(!wildcard_match("a*c", "a**b"));
    }

    #[test]
    fn url_encoded_and_text_documents() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sagemaker:*","Resource":"*"}]}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string();
        let expected = vec![Grant::AiServiceWildcard("sagemaker".into())];
        assert_eq!(Policy::parse(&Value::String(encoded)).unwrap().broad_grants(), expected);
        assert_eq!(
            Policy::parse(&Value::String(text.into())).unwrap().broad_grants(),
            expected
        );
        assert!(Policy::parse(&Value::String("%7Bnot json".into())).is_err());
        assert!(Policy::parse(&json!({"Version":"2012-10-17"})).is_err());
        // Form encoding: spaces as `+`, a literal plus as `%2B`.
        let form = "%7B%22Statement%22%3A+%7B%22Effect%22%3A+%22Allow%22%2C+%22Action%22%3A+%22s3%3A*%22%2C+%22Resource%22%3A+%22*%22%2C+%22Sid%22%3A+%22a%2Bb%22%7D%7D";
        let parsed = Policy::parse(&Value::String(form.into())).unwrap();
        assert_eq!(parsed.broad_grants(), [Grant::ServiceWildcard("s3".into())]);
    }

    #[test]
    fn conditions_keep_operator_key_and_values() {
        let doc = json!({"Statement":{"Effect":"Allow","Principal":"*","Action":"x","Condition":{
            "StringLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/a","arn:aws:iam::*:role/b"]},
            "Bool":{"aws:SecureTransport":true},
            "NumericLessThan":{"s3:max-keys":10}}}});
        let st = &Policy::parse(&doc).unwrap().statements[0];
        let c = |key: &str| st.conditions.iter().find(|c| c.key == key).unwrap();
        assert_eq!(c("aws:PrincipalArn").operator, "StringLike");
        assert_eq!(c("aws:PrincipalArn").values.len(), 2);
        assert_eq!(c("aws:SecureTransport").values, ["true"]);
        assert_eq!(c("s3:max-keys").values, ["10"]);
    }
}
