//! The rule file format, as written: what `aidr rules lint` checks, `aidr rules import-sigma`
//! writes, and [`super::compile`] turns into a [`super::UserRule`]. Every mapping refuses
//! unknown keys, so a misspelt key is an error with its line rather than a rule that never
//! fires. The format is documented for users in `docs/rules.md`.
//!
//! A file holds one rule (a mapping) or several (a sequence of mappings).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::operands;
use crate::severity::{Area, Severity};

/// One user rule, as written in YAML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a rule: a mapping of id, title, severity, area, description, events, …"
)]
pub struct RuleDoc {
    /// `namespace.snake_case_name`, in the user's own namespace (not a built-in service's).
    pub id: String,
    pub title: String,
    /// The usual severity; [`Adjustments`] may change it per record.
    pub severity: Severity,
    pub area: Area,
    /// MITRE ATT&CK (`T1562.008`) and ATLAS (`AML.T0040`) technique ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub techniques: Vec<String>,
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remediation: String,
    /// Controls of other tools this rule corresponds to (`SageMaker.1`, `sigma:<uuid>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
    /// The records the rule consumes; `*` and `?` are wildcards in both parts.
    pub events: Vec<EventsDoc>,
    /// Whether failed calls (`errorCode` set) reach the rule; default false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub failed_calls: bool,
    /// When absent, every consumed record matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<ConditionDoc>,
    /// Severity changes for riskier callers or outcomes.
    #[serde(default, skip_serializing_if = "Adjustments::is_empty")]
    pub adjustments: Adjustments,
    /// The finding's summary: text with `{field.path}` placeholders, filled from the record
    /// (a missing field reads `unknown`). Default: "<caller> called <eventName>".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Field paths whose values name the resources concerned (the first one also keys
    /// deduplication, unless `dedupe.fields` is given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedupe: Option<DedupeDoc>,
    /// Records that must and must not match: run by `aidr rules test`.
    #[serde(default, skip_serializing_if = "SamplesDoc::is_empty")]
    pub samples: SamplesDoc,
}

/// The (eventSource, eventName) pairs consumed: every name with the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping of `source:` and `names:`")]
pub struct EventsDoc {
    /// `eventSource`: `sagemaker.amazonaws.com`.
    pub source: String,
    /// `eventName`s: `CreateEndpoint`, `Delete*`.
    pub names: Vec<String>,
}

/// A condition over a record's fields: exactly one of `all`, `any`, `not` (conditions of
/// conditions) or `field` with exactly one operator (a test of one field). One mapping type
/// with every key, so a misspelt key is reported with its line and the keys expected.
///
/// The string operators take one value or a list (any of them matches), numbers and booleans
/// read as their text; a field whose path crosses an array is tested on each element (any
/// matches). `equals: null` is a value (the field is `null`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a condition: a mapping of `field:` with one operator, or of `all:`, `any:` or `not:`"
)]
pub struct ConditionDoc {
    /// Every condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<ConditionDoc>>,
    /// At least one condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<ConditionDoc>>,
    /// The condition does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<ConditionDoc>>,
    /// Dot path from the record's top: `eventName`, `userIdentity.arn`,
    /// `requestParameters.endpointConfigName`, `additionalEventData.MFAUsed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Equal to the value (string, number, boolean; numbers compare as numbers).
    #[serde(
        default,
        deserialize_with = "operands::values",
        skip_serializing_if = "Option::is_none"
    )]
    pub equals: Option<OneOrMany<Value>>,
    /// Matches the pattern, `*` any run of characters, `?` one.
    #[serde(
        default,
        deserialize_with = "operands::texts",
        skip_serializing_if = "Option::is_none"
    )]
    pub wildcard: Option<OneOrMany<String>>,
    /// Matches the regular expression (Rust `regex` syntax, unanchored).
    #[serde(
        default,
        deserialize_with = "operands::texts",
        skip_serializing_if = "Option::is_none"
    )]
    pub regex: Option<OneOrMany<String>>,
    #[serde(
        default,
        deserialize_with = "operands::texts",
        skip_serializing_if = "Option::is_none"
    )]
    pub contains: Option<OneOrMany<String>>,
    #[serde(
        default,
        deserialize_with = "operands::texts",
        skip_serializing_if = "Option::is_none"
    )]
    pub starts_with: Option<OneOrMany<String>>,
    #[serde(
        default,
        deserialize_with = "operands::texts",
        skip_serializing_if = "Option::is_none"
    )]
    pub ends_with: Option<OneOrMany<String>>,
    /// An IP address inside the network (`10.0.0.0/8`, `2001:db8::/32`).
    #[serde(
        default,
        deserialize_with = "operands::texts",
        skip_serializing_if = "Option::is_none"
    )]
    pub cidr: Option<OneOrMany<String>>,
    /// Numeric comparisons (a number, or a string holding one).
    #[serde(
        default,
        deserialize_with = "operands::number",
        skip_serializing_if = "Option::is_none"
    )]
    pub gt: Option<f64>,
    #[serde(
        default,
        deserialize_with = "operands::number",
        skip_serializing_if = "Option::is_none"
    )]
    pub gte: Option<f64>,
    #[serde(
        default,
        deserialize_with = "operands::number",
        skip_serializing_if = "Option::is_none"
    )]
    pub lt: Option<f64>,
    #[serde(
        default,
        deserialize_with = "operands::number",
        skip_serializing_if = "Option::is_none"
    )]
    pub lte: Option<f64>,
    /// True: the field is present and not null; false: it is absent or null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// The field holds an IAM policy document (as JSON text or an object) that the built-in
    /// analyzer judges so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyTest>,
    /// String operators ignore case (Sigma's default).
    #[serde(default, skip_serializing_if = "is_false")]
    pub ignore_case: bool,
}

/// What the policy analyzer ([`crate::policy`]) is asked about a policy document. Deny
/// statements without conditions take grants back; conditions of Allow statements are not
/// weighed by the grant tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyTest {
    /// Allows every action on every resource: `*`, `*:*`, or `NotAction` allowing the rest
    /// ([`crate::policy::Grant::Admin`]).
    GrantsAdmin,
    /// Allows any dangerous grant of [`crate::policy::Policy::broad_grants`]: admin, a
    /// privilege-escalation path, `iam:PassRole` on any role, or a `service:*` on every
    /// resource.
    BroadGrant,
    /// A resource or trust policy that admits anyone (`"Principal": "*"` or `NotPrincipal`
    /// without a condition limiting the caller's organization, account, ARN or network).
    PublicPrincipal,
    /// A resource or trust policy that admits an account outside the organization (named as
    /// a principal, or in a condition on a public principal).
    ExternalPrincipal,
    /// Opens a privilege-escalation path of [`crate::policy::escalation`]: an escalating IAM
    /// action on every resource of its kind (`iam:CreatePolicyVersion`, …) or `iam:PassRole`
    /// on any role together with a service call that runs code under it.
    Escalation,
}

/// One value or a list of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    // A list is tried first, so that a list under `equals` (whose values may be any JSON)
    // reads as the values, not as one list value.
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    /// The values, one or many.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(v) => std::slice::from_ref(v),
            OneOrMany::Many(v) => v,
        }
    }
}

/// Severity changes: each is a severity to set (`critical`) or a number of steps (`+1`,
/// `-1`). When several apply, each applies in the order written here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping of long_term_key, root, failed_call")]
pub struct Adjustments {
    /// The caller used a long-term (`AKIA…`) access key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_term_key: Option<String>,
    /// The caller is the account's root user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// The call failed (`errorCode` set; reaches the rule only with `failed_calls: true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_call: Option<String>,
}

impl Adjustments {
    fn is_empty(&self) -> bool {
        *self == Adjustments::default()
    }
}

/// What one alert is about: findings of the rule with equal dedupe values, within `window`
/// of the first, make one alert.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping of per, fields, window")]
pub struct DedupeDoc {
    /// `principal_resource` (default), `principal` or `call`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Field paths whose values, joined, stand for the resource in the dedupe key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// `30m`, `1h`, `1d`, or seconds (default `1h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

/// The rule's own samples: CloudTrail records (as in a log file's `Records`, or EventBridge
/// events with the record in `detail`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping of match and no_match")]
pub struct SamplesDoc {
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub must_match: Vec<Value>,
    #[serde(default, rename = "no_match", skip_serializing_if = "Vec::is_empty")]
    pub must_not_match: Vec<Value>,
}

impl SamplesDoc {
    fn is_empty(&self) -> bool {
        self.must_match.is_empty() && self.must_not_match.is_empty()
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}
