//! Conditions, compiled once from a [`ConditionDoc`]: paths resolved ([`Field`]), patterns
//! and regular expressions compiled, networks parsed. Evaluating one reads the record's
//! fields in place.
//!
//! A field test holds when its operator holds for any value of the field (a path that crosses
//! an array has one value per element); a missing field has no values, so every operator
//! fails on it except `exists: false`. String operators test strings, and numbers and
//! booleans as written (`5`, `true`); objects and `null` never match them.

use ipnet::IpNet;
use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::error::CompileError;
use super::field::{Field, FieldValue};
use super::schema::{ConditionDoc, OneOrMany, PolicyTest};
use super::wildcard;
use crate::cloudtrail::Event;
use crate::detection::Organization;
use crate::policy::{Grant, Policy};

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test(Field, Test),
}

/// The test of one field.
#[derive(Debug, Clone)]
pub enum Test {
    Equals(Equals),
    Text(Text),
    Regex(Vec<Regex>),
    Cidr(Vec<IpNet>),
    Compare(Comparison, f64),
    Exists(bool),
    Policy(PolicyTest),
}

/// `equals`: the values of each type.
#[derive(Debug, Clone, Default)]
pub struct Equals {
    text: Option<Text>,
    numbers: Vec<f64>,
    bools: Vec<bool>,
    null: bool,
}

/// A string operator and its values: plain comparisons, or one regular expression (wildcards,
/// and every operator when case is ignored).
#[derive(Debug, Clone)]
pub enum Text {
    Plain(Kind, Vec<String>),
    Pattern(Regex),
}

/// How a plain string operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// A numeric comparison: the field's value against the rule's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// The keys of a field test that are operators, as written.
const OPERATORS: &[&str] = &[
    "equals",
    "wildcard",
    "regex",
    "contains",
    "starts_with",
    "ends_with",
    "cidr",
    "gt",
    "gte",
    "lt",
    "lte",
    "exists",
    "policy",
];

/// The keys a condition is made of, besides the operators.
const SHAPES: &str = "`all`, `any`, `not` or `field` (with one operator)";

impl Condition {
    /// Compiles `doc`; errors are placed at `at` (`condition`, `condition.all[1]`).
    ///
    /// # Errors
    /// A [`CompileError`] naming the key path: not exactly one of `all` / `any` / `not` /
    /// `field`, a field test without exactly one operator, `ignore_case` on a non-string
    /// operator, an empty list, an unsupported path, an invalid regular expression or
    /// network, an `equals` value that is a list or object, a bound that is not finite.
    pub fn compile(doc: &ConditionDoc, at: &str) -> Result<Condition, CompileError> {
        let shapes: Vec<&str> = [
            ("all", doc.all.is_some()),
            ("any", doc.any.is_some()),
            ("not", doc.not.is_some()),
            ("field", doc.field.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        let operators = operators(doc);
        let shape = match shapes.as_slice() {
            [one] => *one,
            [] if !operators.is_empty() => {
                return Err(
                    CompileError::new(at, format!("`{}` needs a `field` to test", operators[0]))
                        .hint("add `field: <path>` next to the operator"),
                );
            }
            [] => {
                return Err(CompileError::new(
                    at,
                    format!("an empty condition: it needs one of {SHAPES}"),
                ));
            }
            many => {
                return Err(CompileError::new(
                    at,
                    format!(
                        "a condition holds exactly one of {SHAPES}, this one holds `{}`",
                        many.join("`, `")
                    ),
                )
                .hint("put several conditions under `all:` or `any:`, one list item each"));
            }
        };
        if shape != "field" && (!operators.is_empty() || doc.ignore_case) {
            let key = operators.first().copied().unwrap_or("ignore_case");
            return Err(
                CompileError::new(at, format!("`{key}` goes with `field`, not with `{shape}`"))
                    .hint(format!("write the test as its own item under `{shape}`")),
            );
        }
        let list = |items: &[ConditionDoc], key: &str| -> Result<Vec<Condition>, CompileError> {
            if items.is_empty() {
                return Err(CompileError::new(format!("{at}.{key}"), "an empty list of conditions"));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, c)| Condition::compile(c, &format!("{at}.{key}[{i}]")))
                .collect()
        };
        match (&doc.all, &doc.any, &doc.not, &doc.field) {
            (Some(all), ..) => Ok(Condition::All(list(all, "all")?)),
            (_, Some(any), ..) => Ok(Condition::Any(list(any, "any")?)),
            (_, _, Some(not), _) => Ok(Condition::Not(Box::new(Condition::compile(not, &format!("{at}.not"))?))),
            (.., Some(path)) => {
                let field = Field::compile(path).map_err(|e| e.within(&format!("{at}.field")))?;
                let test = Test::compile(doc, &operators, path).map_err(|e| e.within(at))?;
                Ok(Condition::Test(field, test))
            }
            _ => unreachable!("exactly one shape was checked above"),
        }
    }

    /// Whether the condition holds for `event`.
    pub fn matches(&self, event: &Event<'_, '_>, org: &Organization) -> bool {
        match self {
            Condition::All(all) => all.iter().all(|c| c.matches(event, org)),
            Condition::Any(any) => any.iter().any(|c| c.matches(event, org)),
            Condition::Not(not) => !not.matches(event, org),
            Condition::Test(field, Test::Exists(expected)) => field.any(event, |v| !v.is_null()) == *expected,
            Condition::Test(field, test) => field.any(event, |v| test.holds(v, event, org)),
        }
    }
}

/// The operator keys set in `doc`, in [`OPERATORS`] order.
fn operators(doc: &ConditionDoc) -> Vec<&'static str> {
    let set = [
        doc.equals.is_some(),
        doc.wildcard.is_some(),
        doc.regex.is_some(),
        doc.contains.is_some(),
        doc.starts_with.is_some(),
        doc.ends_with.is_some(),
        doc.cidr.is_some(),
        doc.gt.is_some(),
        doc.gte.is_some(),
        doc.lt.is_some(),
        doc.lte.is_some(),
        doc.exists.is_some(),
        doc.policy.is_some(),
    ];
    OPERATORS
        .iter()
        .zip(set)
        .filter_map(|(key, set)| set.then_some(*key))
        .collect()
}

/// The values of a list operator, refusing an empty list.
fn values<'d, T>(list: &'d OneOrMany<T>, key: &str) -> Result<&'d [T], CompileError> {
    match list.as_slice() {
        [] => Err(CompileError::new(key, "an empty list: give at least one value")),
        values => Ok(values),
    }
}

impl Test {
    /// Compiles the one operator of a field test (`operators`: the operator keys set).
    fn compile(doc: &ConditionDoc, operators: &[&str], path: &str) -> Result<Test, CompileError> {
        let key = match operators {
            [one] => *one,
            [] => {
                return Err(CompileError::new("field", format!("field {path:?} has no operator"))
                    .hint(format!("add one of {}", OPERATORS.join(", ")))
                    .text(path));
            }
            many => {
                return Err(CompileError::new(
                    "field",
                    format!(
                        "field {path:?} has {} operators (`{}`): a test has one",
                        many.len(),
                        many.join("`, `")
                    ),
                )
                .hint("test the field once per operator under `all:`")
                .text(path));
            }
        };
        let folds = doc.ignore_case;
        if folds
            && !matches!(
                key,
                "equals" | "wildcard" | "regex" | "contains" | "starts_with" | "ends_with"
            )
        {
            return Err(
                CompileError::new("ignore_case", format!("`ignore_case` does not apply to `{key}`"))
                    .hint("ignore_case applies to equals, wildcard, regex, contains, starts_with and ends_with"),
            );
        }
        let plain = |kind: Kind, list: &OneOrMany<String>| -> Result<Test, CompileError> {
            Ok(Test::Text(Text::compile(kind, values(list, key)?, folds, key)?))
        };
        match key {
            "equals" => {
                let list = doc.equals.as_ref().map_or(&[][..], OneOrMany::as_slice);
                if list.is_empty() {
                    return Err(CompileError::new(key, "an empty list: give at least one value"));
                }
                Ok(Test::Equals(Equals::compile(list, folds)?))
            }
            "contains" => plain(Kind::Contains, doc.contains.as_ref().unwrap()),
            "starts_with" => plain(Kind::StartsWith, doc.starts_with.as_ref().unwrap()),
            "ends_with" => plain(Kind::EndsWith, doc.ends_with.as_ref().unwrap()),
            "wildcard" => {
                let patterns = values(doc.wildcard.as_ref().unwrap(), key)?;
                let regex = wildcard::compile(patterns, folds)
                    .map_err(|e| CompileError::new(key, format!("pattern too large: {e}")))?;
                Ok(Test::Text(Text::Pattern(regex)))
            }
            "regex" => values(doc.regex.as_ref().unwrap(), key)?
                .iter()
                .map(|p| {
                    RegexBuilder::new(p).case_insensitive(folds).build().map_err(|e| {
                        CompileError::new(key, format!("invalid regular expression {p:?}: {e}"))
                            .hint("Rust regex syntax: no look-around or backreferences")
                            .text(p)
                    })
                })
                .collect::<Result<_, _>>()
                .map(Test::Regex),
            "cidr" => values(doc.cidr.as_ref().unwrap(), key)?
                .iter()
                .map(|net| {
                    net.trim().parse::<IpNet>().map_err(|_| {
                        CompileError::new(key, format!("{net:?} is not a network"))
                            .hint("write an address and prefix length: 10.0.0.0/8, 2001:db8::/32")
                            .text(net)
                    })
                })
                .collect::<Result<_, _>>()
                .map(Test::Cidr),
            "gt" => compare(Comparison::Gt, doc.gt, key),
            "gte" => compare(Comparison::Gte, doc.gte, key),
            "lt" => compare(Comparison::Lt, doc.lt, key),
            "lte" => compare(Comparison::Lte, doc.lte, key),
            "exists" => Ok(Test::Exists(doc.exists.unwrap())),
            "policy" => Ok(Test::Policy(doc.policy.unwrap())),
            _ => unreachable!("every key of OPERATORS is handled"),
        }
    }

    /// Whether the test holds for one value (`exists` is judged on the whole field).
    fn holds(&self, value: FieldValue<'_>, event: &Event<'_, '_>, org: &Organization) -> bool {
        match self {
            Test::Equals(equals) => equals.holds(value),
            Test::Text(text) => scalar_text(value).is_some_and(|t| text.holds(&t)),
            Test::Regex(regexes) => scalar_text(value).is_some_and(|t| regexes.iter().any(|r| r.is_match(&t))),
            Test::Cidr(nets) => value
                .as_str()
                .and_then(|t| t.trim().parse::<std::net::IpAddr>().ok())
                .is_some_and(|ip| nets.iter().any(|n| n.contains(&ip))),
            Test::Compare(op, bound) => value.as_f64().is_some_and(|n| match op {
                Comparison::Gt => n > *bound,
                Comparison::Gte => n >= *bound,
                Comparison::Lt => n < *bound,
                Comparison::Lte => n <= *bound,
            }),
            Test::Exists(expected) => value.is_null() != *expected,
            Test::Policy(test) => policy_holds(*test, value, event, org),
        }
    }
}

/// A numeric comparison with a finite bound (NaN compares false with everything, and an
/// infinite bound holds for every number or none).
fn compare(op: Comparison, bound: Option<f64>, key: &str) -> Result<Test, CompileError> {
    match bound {
        Some(bound) if bound.is_finite() => Ok(Test::Compare(op, bound)),
        other => Err(CompileError::new(
            key,
            format!(
                "{} is not a finite number",
                other.map_or("nothing".into(), |b| b.to_string())
            ),
        )
        .hint("compare with a number such as 5 or 0.5, not .nan or .inf")),
    }
}

/// The text string operators test: strings, numbers and booleans; not objects or `null`.
fn scalar_text<'v>(value: FieldValue<'v>) -> Option<std::borrow::Cow<'v, str>> {
    match value {
        FieldValue::Json(Value::Object(_) | Value::Null) => None,
        other => other.text(),
    }
}

impl Text {
    fn compile(kind: Kind, values: &[String], ignore_case: bool, key: &str) -> Result<Text, CompileError> {
        if !ignore_case {
            return Ok(Text::Plain(kind, values.to_vec()));
        }
        let (start, end) = match kind {
            Kind::Equals => ("^", "$"),
            Kind::Contains => ("", ""),
            Kind::StartsWith => ("^", ""),
            Kind::EndsWith => ("", "$"),
        };
        let alternatives: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
        RegexBuilder::new(&format!("{start}(?:{}){end}", alternatives.join("|")))
            .case_insensitive(true)
            .build()
            .map(Text::Pattern)
            .map_err(|e| CompileError::new(key, format!("values too large: {e}")))
    }

    fn holds(&self, text: &str) -> bool {
        match self {
            Text::Pattern(regex) => regex.is_match(text),
            Text::Plain(kind, values) => values.iter().any(|v| match kind {
                Kind::Equals => text == v,
                Kind::Contains => text.contains(v.as_str()),
                Kind::StartsWith => text.starts_with(v.as_str()),
                Kind::EndsWith => text.ends_with(v.as_str()),
            }),
        }
    }
}

impl Equals {
    fn compile(values: &[Value], ignore_case: bool) -> Result<Equals, CompileError> {
        let mut equals = Equals::default();
        let mut strings = Vec::new();
        for value in values {
            match value {
                Value::String(s) => strings.push(s.clone()),
                Value::Number(n) => equals.numbers.extend(n.as_f64()),
                Value::Bool(b) => equals.bools.push(*b),
                Value::Null => equals.null = true,
                Value::Array(_) | Value::Object(_) => {
                    return Err(CompileError::new(
                        "equals",
                        "equals takes strings, numbers, booleans or null (one, or a list of them)",
                    ));
                }
            }
        }
        if !strings.is_empty() {
            equals.text = Some(Text::compile(Kind::Equals, &strings, ignore_case, "equals")?);
        }
        Ok(equals)
    }

    /// Strings compare as text (a number or boolean by its text too), numbers as numbers
    /// (a numeric string too), booleans as booleans (`"true"` too).
    fn holds(&self, value: FieldValue<'_>) -> bool {
        if value.is_null() {
            return self.null;
        }
        self.text
            .as_ref()
            .is_some_and(|t| scalar_text(value).is_some_and(|v| t.holds(&v)))
            || (!self.numbers.is_empty() && value.as_f64().is_some_and(|n| self.numbers.contains(&n)))
            || (!self.bools.is_empty() && value.as_bool().is_some_and(|b| self.bools.contains(&b)))
    }
}

/// Whether the built-in analyzer judges the policy document in `value` (JSON text, URL-encoded
/// JSON text, or an object) so. A value that is not a readable document never matches.
fn policy_holds(test: PolicyTest, value: FieldValue<'_>, event: &Event<'_, '_>, org: &Organization) -> bool {
    let parsed = match value {
        FieldValue::Json(doc @ Value::Object(_)) | FieldValue::Json(doc @ Value::String(_)) => Policy::parse(doc),
        FieldValue::Text(text) => Policy::parse(&Value::String(text.to_owned())),
        _ => return false,
    };
    let Ok(policy) = parsed else {
        return false;
    };
    match test {
        PolicyTest::GrantsAdmin => policy.broad_grants().contains(&Grant::Admin),
        PolicyTest::BroadGrant => !policy.broad_grants().is_empty(),
        PolicyTest::Escalation => policy.broad_grants().iter().any(|g| matches!(g, Grant::Escalation(_))),
        PolicyTest::PublicPrincipal => policy.exposure(|a| org.is_own_account(a, event)).public,
        PolicyTest::ExternalPrincipal => !policy
            .exposure(|a| org.is_own_account(a, event))
            .external_accounts
            .is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::Record;
    use serde_json::json;

    fn compile(yaml: &str) -> Result<Condition, CompileError> {
        let doc: ConditionDoc = yaml_serde::from_str(yaml).unwrap();
        Condition::compile(&doc, "condition")
    }

    fn holds(yaml: &str, record: &Value) -> bool {
        let condition = compile(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
        let text = record.to_string();
        let record: Record = serde_json::from_str(&text).unwrap();
        let org = Organization {
            accounts: vec!["111122223333".into()],
        };
        condition.matches(&Event::new(&record), &org)
    }

    /// (condition, holds on [`record`]) pairs.
    fn check(cases: &[(&str, bool)]) {
        let r = record();
        for (yaml, expected) in cases {
            assert_eq!(holds(yaml, &r), *expected, "{yaml}");
        }
    }

    fn record() -> Value {
        json!({
            "eventName": "CreateEndpoint", "sourceIPAddress": "10.1.2.3", "readOnly": false,
            "recipientAccountId": "111122223333",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/MLPlatform/s"},
            "requestParameters": {
                "endpointName": "Prod-Endpoint", "count": 3, "size": "12.5", "enabled": true,
                "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "ml"}],
                "nothing": null, "ipv6": "2001:db8::1"
            }
        })
    }

    #[test]
    fn equals_strings_numbers_booleans_lists() {
        check(&[
            ("{field: eventName, equals: CreateEndpoint}", true),
            ("{field: eventName, equals: createendpoint}", false),
            ("{field: eventName, equals: createendpoint, ignore_case: true}", true),
            ("{field: eventName, equals: [DeleteEndpoint, CreateEndpoint]}", true),
            ("{field: eventName, equals: [DeleteEndpoint]}", false),
            ("{field: requestParameters.count, equals: 3}", true),
            ("{field: requestParameters.count, equals: 3.0}", true),
            ("{field: requestParameters.count, equals: '3'}", true),
            ("{field: requestParameters.count, equals: 4}", false),
            ("{field: requestParameters.size, equals: 12.5}", true),
            ("{field: requestParameters.enabled, equals: true}", true),
            ("{field: requestParameters.enabled, equals: false}", false),
            ("{field: readOnly, equals: false}", true),
            ("{field: readOnly, equals: 'false'}", true),
            ("{field: requestParameters.nothing, equals: [null]}", true),
            ("{field: requestParameters.missing, equals: [null]}", false),
            ("{field: requestParameters.endpointName, equals: [null]}", false),
            ("{field: requestParameters.tags.key, equals: team}", true),
            ("{field: requestParameters.tags, equals: team}", false),
            ("{field: requestParameters.nothing, equals: null}", true),
            ("{field: requestParameters.missing, equals: null}", false),
            ("{field: requestParameters.endpointName, equals: null}", false),
            ("{field: requestParameters.nothing, equals: [x, null]}", true),
        ]);
    }

    #[test]
    fn string_operators_read_numbers_and_booleans_as_text() {
        check(&[
            ("{field: recipientAccountId, contains: 111122223333}", true),
            ("{field: recipientAccountId, equals: 111122223333}", true),
            (
                "{field: userIdentity.arn, contains: [444455556666, 111122223333]}",
                true,
            ),
            ("{field: userIdentity.arn, starts_with: 111122223333}", false),
            ("{field: recipientAccountId, ends_with: 3333}", true),
            ("{field: requestParameters.count, wildcard: 3}", true),
            ("{field: requestParameters.enabled, regex: true}", true),
            ("{field: requestParameters.enabled, starts_with: false}", false),
            ("{field: requestParameters.size, contains: 12.5}", true),
        ]);
    }

    #[test]
    fn string_operators() {
        check(&[
            ("{field: requestParameters.endpointName, contains: Endpoint}", true),
            ("{field: requestParameters.endpointName, contains: endpoint}", false),
            (
                "{field: requestParameters.endpointName, contains: endpoint, ignore_case: true}",
                true,
            ),
            (
                "{field: requestParameters.endpointName, starts_with: [Dev, Prod]}",
                true,
            ),
            ("{field: requestParameters.endpointName, starts_with: prod}", false),
            (
                "{field: requestParameters.endpointName, starts_with: prod, ignore_case: true}",
                true,
            ),
            ("{field: requestParameters.endpointName, ends_with: -Endpoint}", true),
            ("{field: requestParameters.endpointName, ends_with: Prod}", false),
            (
                "{field: requestParameters.endpointName, ends_with: ENDPOINT, ignore_case: true}",
                true,
            ),
            ("{field: requestParameters.endpointName, wildcard: 'Prod-*'}", true),
            ("{field: requestParameters.endpointName, wildcard: 'prod-*'}", false),
            (
                "{field: requestParameters.endpointName, wildcard: 'prod-*', ignore_case: true}",
                true,
            ),
            (
                "{field: requestParameters.endpointName, wildcard: 'Prod-Endpoin?'}",
                true,
            ),
            ("{field: requestParameters.endpointName, wildcard: 'Endpoint*'}", false),
            ("{field: userIdentity.arn, regex: 'assumed-role/ML[A-Za-z]+/'}", true),
            ("{field: userIdentity.arn, regex: '^arn:aws:iam'}", false),
            (
                "{field: userIdentity.arn, regex: 'mlplatform', ignore_case: true}",
                true,
            ),
            ("{field: requestParameters.count, contains: '3'}", true),
            ("{field: requestParameters.tags.value, contains: pro}", true),
            ("{field: requestParameters.tags, contains: env}", false),
            ("{field: requestParameters.missing, contains: ''}", false),
        ]);
    }

    #[test]
    fn networks_numbers_and_existence() {
        check(&[
            ("{field: sourceIPAddress, cidr: 10.0.0.0/8}", true),
            ("{field: sourceIPAddress, cidr: [192.168.0.0/16, 172.16.0.0/12]}", false),
            ("{field: requestParameters.ipv6, cidr: '2001:db8::/32'}", true),
            ("{field: requestParameters.endpointName, cidr: 10.0.0.0/8}", false),
            ("{field: requestParameters.count, gt: 2}", true),
            ("{field: requestParameters.count, gt: 3}", false),
            ("{field: requestParameters.count, gte: 3}", true),
            ("{field: requestParameters.count, lt: 3}", false),
            ("{field: requestParameters.count, lte: 3}", true),
            ("{field: requestParameters.size, gt: 12}", true),
            ("{field: requestParameters.size, lt: 12}", false),
            ("{field: requestParameters.endpointName, gt: 0}", false),
            ("{field: requestParameters.endpointName, exists: true}", true),
            ("{field: requestParameters.endpointName, exists: false}", false),
            ("{field: requestParameters.missing, exists: false}", true),
            ("{field: requestParameters.missing, exists: true}", false),
            ("{field: requestParameters.nothing, exists: true}", false),
            ("{field: requestParameters.nothing, exists: false}", true),
            ("{field: errorCode, exists: false}", true),
            ("{field: responseElements.x, exists: false}", true),
        ]);
    }

    #[test]
    fn nesting() {
        check(&[
            (
                "{all: [{field: eventName, equals: CreateEndpoint}, {field: readOnly, equals: false}]}",
                true,
            ),
            (
                "{all: [{field: eventName, equals: CreateEndpoint}, {field: readOnly, equals: true}]}",
                false,
            ),
            (
                "{any: [{field: eventName, equals: X}, {field: readOnly, equals: false}]}",
                true,
            ),
            (
                "{any: [{field: eventName, equals: X}, {field: readOnly, equals: true}]}",
                false,
            ),
            ("{not: {field: eventName, equals: X}}", true),
            ("{not: {field: eventName, equals: CreateEndpoint}}", false),
            ("{not: {field: requestParameters.missing, equals: x}}", true),
            (
                "{all: [{any: [{field: eventName, equals: X}, {not: {field: eventName, equals: Y}}]}, \
                 {not: {any: [{field: userIdentity.arn, contains: Admin}]}}]}",
                true,
            ),
        ]);
    }

    fn with_policy(doc: &Value) -> Value {
        let mut r = record();
        r["requestParameters"]["policyDocument"] = json!(doc.to_string());
        r["requestParameters"]["policyObject"] = doc.clone();
        r
    }

    #[test]
    fn policy_tests_use_the_analyzer() {
        let admin = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let s3 = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        let narrow =
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]});
        let escalate =
            json!({"Statement": [{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"}]});
        let public = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]});
        let external = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]});
        let own = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]});
        let cases: &[(&str, &Value, bool)] = &[
            ("grants_admin", &admin, true),
            ("grants_admin", &s3, false),
            ("broad_grant", &s3, true),
            ("broad_grant", &admin, true),
            ("broad_grant", &narrow, false),
            ("escalation", &escalate, true),
            ("escalation", &s3, false),
            ("public_principal", &public, true),
            ("public_principal", &external, false),
            ("external_principal", &external, true),
            ("external_principal", &own, false),
            ("external_principal", &public, false),
        ];
        for (test, doc, expected) in cases {
            for field in ["policyDocument", "policyObject"] {
                let yaml = format!("{{field: requestParameters.{field}, policy: {test}}}");
                assert_eq!(holds(&yaml, &with_policy(doc)), *expected, "{yaml} on {doc}");
            }
        }
        let encoded =
            percent_encoding::utf8_percent_encode(&admin.to_string(), percent_encoding::NON_ALPHANUMERIC).to_string();
        let mut r = record();
        r["requestParameters"]["policyDocument"] = json!(encoded);
        assert!(holds(
            "{field: requestParameters.policyDocument, policy: grants_admin}",
            &r
        ));
        for not_a_policy in [
            "requestParameters.endpointName",
            "requestParameters.count",
            "requestParameters.missing",
        ] {
            let yaml = format!("{{field: {not_a_policy}, policy: broad_grant}}");
            assert!(!holds(&yaml, &r), "{yaml}");
        }
    }

    fn error(yaml: &str) -> CompileError {
        compile(yaml).err().unwrap_or_else(|| panic!("{yaml} compiled"))
    }

    #[test]
    fn compile_errors_name_the_key() {
        let e = error("{field: eventName}");
        assert_eq!(e.at, "condition.field");
        assert!(e.message.contains("no operator"), "{e}");
        let e = error("{field: eventName, equals: x, contains: y}");
        assert!(e.message.contains("`equals`, `contains`"), "{e}");
        let e = error("{all: [{field: eventName, regex: '(unclosed'}]}");
        assert_eq!(e.at, "condition.all[0].regex");
        assert_eq!(e.text.as_deref(), Some("(unclosed"));
        let e = error("{any: [{field: x, equals: 1}, {field: sourceIPAddress, cidr: 10.0.0.0/33}]}");
        assert_eq!(e.at, "condition.any[0].field", "the first error: {e}");
        let e = error("{not: {field: sourceIPAddress, cidr: 'nope'}}");
        assert_eq!((e.at.as_str(), e.text.as_deref()), ("condition.not.cidr", Some("nope")));
        let e = error("{field: sourceIpAddress, exists: true}");
        assert_eq!(e.hint.as_deref(), Some("did you mean `sourceIPAddress`?"));
        assert!(error("{}").message.contains("empty condition"));
        assert!(error("{equals: x}").message.contains("needs a `field`"));
        assert!(error("{all: [], any: []}").message.contains("`all`, `any`"));
        assert!(error("{all: []}").message.contains("empty list"));
        assert!(
            error("{all: [{field: eventName, exists: true}], equals: x}")
                .message
                .contains("goes with `field`")
        );
        assert!(error("{field: eventName, equals: []}").message.contains("empty list"));
        assert!(error("{field: eventName, contains: []}").message.contains("empty list"));
        for bound in [".nan", ".inf", "-.inf"] {
            let e = error(&format!("{{field: requestParameters.count, gte: {bound}}}"));
            assert_eq!(e.at, "condition.gte", "{e}");
            assert!(e.message.contains("not a finite number"), "{e}");
        }
        assert!(
            error("{field: eventName, gt: 1, ignore_case: true}")
                .message
                .contains("ignore_case")
        );
    }
}
