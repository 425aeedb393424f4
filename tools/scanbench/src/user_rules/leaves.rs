//! The values of one CloudTrail record that a rule can test or name ("leaves"): the record's
//! and its caller's typed fields, and the scalars under its free-form sections (arrays crossed
//! without an index, as rule paths cross them); and edits of a record at such a path.

use serde_json::Value;

/// What kind of value a leaf holds, which decides the tests written on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// An ARN (`arn:aws:…`).
    Arn,
    /// `sourceIPAddress` holding an IP address.
    Address,
    /// `userAgent`.
    Agent,
    /// Any other string.
    Text,
    Number,
    Flag,
    /// A policy document (JSON text or an object under a key naming a policy).
    Policy,
}

/// One value of a record at a rule path.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// Dot path, as a rule writes it (`requestParameters.tags.key`).
    pub path: String,
    pub value: Value,
    pub shape: Shape,
}

impl Leaf {
    /// True for the caller's fields (identity, address, client): what exceptions test.
    pub fn is_caller(&self) -> bool {
        self.path.starts_with("userIdentity.") || self.path == "sourceIPAddress" || self.path == "userAgent"
    }

    /// True for a field under one of the free-form sections.
    pub fn in_section(&self) -> bool {
        SECTIONS.iter().any(|s| self.path.starts_with(s))
    }

    /// The last key of the path (`endpointName`).
    pub fn key(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or(&self.path)
    }

    /// True when the leaf names a resource (a name, ARN or id), for `resources` and summaries.
    pub fn names_resource(&self) -> bool {
        let key = self.key().to_ascii_lowercase();
        self.in_section()
            && matches!(self.shape, Shape::Arn | Shape::Text)
            && ["name", "arn", "id", "identifier", "bucketname", "key"]
                .iter()
                .any(|end| key.ends_with(end))
            && !key.ends_with("token")
            && !key.contains("kms")
    }
}

/// Typed fields of the record and its caller that rules test.
const TYPED: &[&str] = &[
    "userIdentity.type",
    "userIdentity.arn",
    "userIdentity.accountId",
    "userIdentity.userName",
    "userIdentity.invokedBy",
    "userIdentity.sessionContext.sessionIssuer.arn",
    "userIdentity.sessionContext.sessionIssuer.userName",
    "sourceIPAddress",
    "userAgent",
    "awsRegion",
    "recipientAccountId",
];

/// The free-form sections walked for leaves.
const SECTIONS: &[&str] = &["requestParameters.", "responseElements.", "additionalEventData."];

/// Longest string kept as a leaf (longer ones are documents, scripts, tokens).
const MAX_TEXT: usize = 160;

/// Deepest section path walked.
const MAX_DEPTH: usize = 5;

/// Every leaf of `record`, typed fields first, each path once (its first value).
pub fn leaves(record: &Value) -> Vec<Leaf> {
    let mut out: Vec<Leaf> = Vec::new();
    for path in TYPED {
        if let Some(value) = get(record, path)
            && let Some(shape) = shape_of(path, value)
        {
            out.push(Leaf {
                path: (*path).to_owned(),
                value: value.clone(),
                shape,
            });
        }
    }
    for section in SECTIONS {
        let name = section.trim_end_matches('.');
        if let Some(value) = record.get(name) {
            walk(value, name, 0, &mut out);
        }
    }
    out
}

/// The value at a dot path (no arrays), if any.
pub fn get<'v>(record: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(record, |v, key| v.get(key))
}

fn walk(value: &Value, path: &str, depth: usize, out: &mut Vec<Leaf>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) if is_policy_key(path) && map.contains_key("Statement") => {
            push(out, path, value, Shape::Policy)
        }
        Value::Object(map) => {
            for (key, v) in map {
                if !key.is_empty() && !key.contains(['.', ' ']) {
                    walk(v, &format!("{path}.{key}"), depth + 1, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, path, depth + 1, out)),
        Value::Null => {}
        scalar => {
            if let Some(shape) = shape_of(path, scalar) {
                push(out, path, scalar, shape);
            }
        }
    }
}

fn push(out: &mut Vec<Leaf>, path: &str, value: &Value, shape: Shape) {
    if !out.iter().any(|l| l.path == path) {
        out.push(Leaf {
            path: path.to_owned(),
            value: value.clone(),
            shape,
        });
    }
}

fn is_policy_key(path: &str) -> bool {
    path.rsplit('.')
        .next()
        .is_some_and(|k| k.to_ascii_lowercase().contains("policy"))
}

/// The shape of a scalar at `path`; `None` for values no rule would test (empty, long, ids
/// that change with every call).
fn shape_of(path: &str, value: &Value) -> Option<Shape> {
    let key = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    match value {
        Value::Bool(_) => Some(Shape::Flag),
        Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Some(Shape::Number),
        Value::String(s) if is_policy_key(path) && s.contains("Statement") => Some(Shape::Policy),
        Value::String(s)
            if s.is_empty() || s.len() > MAX_TEXT || key.contains("token") || IGNORED_KEYS.contains(&key.as_str()) =>
        {
            None
        }
        Value::String(s) if !s.starts_with("arn:") && volatile(s) => None,
        Value::String(s) if s.starts_with("arn:") => Some(Shape::Arn),
        Value::String(s) if path == "sourceIPAddress" => {
            s.parse::<std::net::IpAddr>().is_ok().then_some(Shape::Address)
        }
        Value::String(_) if path == "userAgent" => Some(Shape::Agent),
        Value::String(_) => Some(Shape::Text),
        _ => None,
    }
}

/// Keys (lower case) whose values no rule tests: transport details, expiry times.
const IGNORED_KEYS: &[&str] = &[
    "expiration",
    "x-amz-id-2",
    "ciphersuite",
    "signatureversion",
    "authenticationmethod",
    "creationdate",
];

/// True for text that changes with every call: ids, keys, random tokens, times.
fn volatile(text: &str) -> bool {
    let tokens = text.split(|c: char| !c.is_ascii_alphanumeric());
    let mut year = false;
    for token in tokens {
        let digits = token.chars().filter(char::is_ascii_digit).count();
        if token.len() >= 20 || (token.len() >= 8 && digits > 0 && digits < token.len() && token.len() >= 12) {
            return true;
        }
        if token.len() >= 8 && digits >= 6 && digits < token.len() {
            return true;
        }
        year |= token.len() == 4 && (token.starts_with("19") || token.starts_with("20")) && digits == 4;
    }
    year && text.contains(':')
}

/// Applies `edit` to every value at `path` in `record` (arrays crossed); false when there is
/// none.
pub fn edit(record: &mut Value, path: &str, edit: &mut dyn FnMut(&mut Value)) -> bool {
    let keys: Vec<&str> = path.split('.').collect();
    edit_at(record, &keys, edit)
}

fn edit_at(value: &mut Value, keys: &[&str], edit: &mut dyn FnMut(&mut Value)) -> bool {
    if let Value::Array(items) = value {
        let mut any = false;
        for item in items {
            any |= edit_at(item, keys, edit);
        }
        return any;
    }
    match keys.split_first() {
        None => {
            edit(value);
            true
        }
        Some((first, rest)) => value.get_mut(*first).is_some_and(|next| edit_at(next, rest, edit)),
    }
}

/// Removes every value at `path` (arrays crossed); false when there is none.
pub fn remove(record: &mut Value, path: &str) -> bool {
    let (parent, last) = path.rsplit_once('.').map_or(("", path), |(p, l)| (p, l));
    if parent.is_empty() {
        return record.as_object_mut().is_some_and(|m| m.remove(last).is_some());
    }
    let mut removed = false;
    edit(record, parent, &mut |v| {
        removed |= v.as_object_mut().is_some_and(|m| m.remove(last).is_some());
    });
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "eventName": "PutRolePolicy", "sourceIPAddress": "10.1.2.3", "userAgent": "aws-cli/2.15.0",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/Dev/alice"},
            "requestParameters": {
                "roleName": "app", "policyDocument": "{\"Statement\":[]}", "count": 3, "clientToken": "x",
                "tags": [{"key": "env"}, {"key": "team"}], "nothing": null, "flag": true,
                "session": "AROAQZU4ER5QKWEH5N3IQ:botocore-session-286290702", "when": "Oct 1, 2026, 1:00:00 PM",
                "modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0"
            }
        })
    }

    #[test]
    fn leaves_have_their_shapes_and_cross_arrays() {
        let found = leaves(&record());
        let shape = |p: &str| found.iter().find(|l| l.path == p).map(|l| l.shape);
        assert_eq!(shape("userIdentity.arn"), Some(Shape::Arn));
        assert_eq!(shape("sourceIPAddress"), Some(Shape::Address));
        assert_eq!(shape("userAgent"), Some(Shape::Agent));
        assert_eq!(shape("requestParameters.roleName"), Some(Shape::Text));
        assert_eq!(shape("requestParameters.policyDocument"), Some(Shape::Policy));
        assert_eq!(shape("requestParameters.count"), Some(Shape::Number));
        assert_eq!(shape("requestParameters.flag"), Some(Shape::Flag));
        assert_eq!(shape("requestParameters.tags.key"), Some(Shape::Text));
        assert_eq!(shape("requestParameters.clientToken"), None);
        assert_eq!(shape("requestParameters.nothing"), None);
        assert_eq!(shape("requestParameters.session"), None);
        assert_eq!(shape("requestParameters.when"), None);
        assert_eq!(shape("requestParameters.modelId"), Some(Shape::Text));
        assert_eq!(
            found.iter().filter(|l| l.path == "requestParameters.tags.key").count(),
            1
        );
        assert!(
            found
                .iter()
                .find(|l| l.path == "requestParameters.roleName")
                .unwrap()
                .names_resource()
        );
    }

    #[test]
    fn edits_reach_every_element() {
        let mut r = record();
        assert!(edit(&mut r, "requestParameters.tags.key", &mut |v| *v = json!("x")));
        assert_eq!(r["requestParameters"]["tags"], json!([{"key": "x"}, {"key": "x"}]));
        assert!(remove(&mut r, "requestParameters.tags.key"));
        assert_eq!(r["requestParameters"]["tags"], json!([{}, {}]));
        assert!(remove(&mut r, "sourceIPAddress") && r.get("sourceIPAddress").is_none());
        assert!(!edit(&mut r, "requestParameters.missing", &mut |_| {}));
    }
}
