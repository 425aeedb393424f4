//! Sigma rules for AWS CloudTrail, converted into user rules ([`RuleDoc`]).
//!
//! [`convert`] reads a Sigma file (one YAML document, several, or a rule collection with
//! `action: global`) and returns, for each rule document, the [`RuleDoc`] or a [`Refusal`]
//! naming the first part that cannot be converted and why. [`to_yaml`] writes a converted rule
//! in the user rule format.
//!
//! - `document`: YAML documents, rule collections, the Sigma rule's keys;
//! - `condition`: the `condition` expression, parsed into a tree;
//! - `search`: search identifiers (field maps with modifiers, keyword lists) as conditions;
//! - `events`: the (eventSource, eventName) pairs a condition requires;
//! - `tree`: the converted condition, typed, before it becomes a `ConditionDoc`;
//! - `metadata`: id, severity, area, techniques, remediation from the Sigma metadata.
//!
//! What converts, and how:
//! - only `logsource` product `aws`, service `cloudtrail`;
//! - field modifiers `contains`, `startswith`, `endswith`, `re` (with `i`, `m`, `s`), `all`,
//!   `cidr`, `exists`, `cased`, `gt`/`gte`/`lt`/`lte`; string matching ignores case unless
//!   `cased` or `re`; `*` and `?` in values are wildcards (`\*`, `\?`, `\\` escape them);
//!   `null` means the field is absent or null;
//! - conditions with `and`, `or`, `not`, parentheses, `1 of`/`all of` a pattern or `them`
//!   (`them` leaves out identifiers starting with `_`); a list of conditions is their `or`;
//! - keyword lists: CloudTrail records have no message field, so a keyword matches when any of
//!   [`KEYWORD_FIELDS`] contains it (ignoring case);
//! - the events: the condition must require eventSource or eventName values (see the `events` module);
//! - `failed_calls` is true: a Sigma rule matches every record its condition holds for,
//!   failed calls included (its condition may test `errorCode` to tell them apart);
//! - a value that spells a boolean or an integer (`'false'`, `'0'`) also equals the typed
//!   JSON value, and a typed one its text: Sigma compares text, CloudTrail records hold JSON.
//!
//! What is refused: other log sources, aggregations (`| count() > 5`) and `timeframe`
//! (aidr's stateful detections cover thresholds), `near`, correlation rules, the encoding
//! modifiers (`base64`, `base64offset`, `utf16*`, `wide`, `windash`), `expand`, `fieldref`,
//! regular expressions Rust's `regex` cannot compile (look-around, back-references), rules
//! whose events cannot be derived, and any rule that would not load as a user rule (a field
//! aidr cannot read, an event name with a space): every converted rule compiles.

mod condition;
mod document;
mod events;
mod metadata;
mod search;
mod tree;

use std::fmt;

use crate::user_rules::schema::RuleDoc;

pub use search::KEYWORD_FIELDS;

/// Why a Sigma rule document was not converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The file (as given to [`convert`]), with `(document N)` when it holds several.
    pub origin: String,
    /// The rule's `title`, when it has one.
    pub rule_title: Option<String>,
    /// The part that cannot be converted: `logsource`, `detection.selection`,
    /// `detection.selection.eventName|base64offset`, `condition`, `yaml`, ….
    pub part: String,
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(title) = &self.rule_title {
            write!(f, ": rule '{title}'")?;
        }
        write!(f, ": {}: {}", self.part, self.reason)
    }
}

impl std::error::Error for Refusal {}

/// A part that cannot be converted and why; [`convert`] adds the origin and title.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    part: String,
    reason: String,
}

impl Problem {
    fn new(part: impl Into<String>, reason: impl Into<String>) -> Self {
        Problem {
            part: part.into(),
            reason: reason.into(),
        }
    }
}

/// Converts the Sigma rules of one file: one entry per rule document, in order (the
/// `action: global` and `action: reset` documents of a rule collection are not rules and give
/// no entry). A file that is not YAML, or nests too deep to read fast
/// ([`crate::yaml_text::check_nesting`]), gives one refusal (part `yaml`, with the line). A
/// byte order mark at the start of `text` is dropped.
///
/// `origin` names the file in refusals.
pub fn convert(text: &str, origin: &str) -> Vec<Result<RuleDoc, Refusal>> {
    let text = crate::yaml_text::without_bom(text);
    if let Err(deep) = crate::yaml_text::check_nesting(text) {
        return vec![Err(Refusal {
            origin: origin.to_string(),
            rule_title: None,
            part: "yaml".into(),
            reason: format!("{deep} ({})", crate::yaml_text::TooDeep::HINT),
        })];
    }
    let documents = document::rule_documents(text);
    let several = documents.len() > 1;
    documents
        .into_iter()
        .map(|doc| {
            let origin = if several {
                format!("{origin} (document {})", doc.number)
            } else {
                origin.to_string()
            };
            let refusal = |title: Option<String>, p: Problem| Refusal {
                origin: origin.clone(),
                rule_title: title,
                part: p.part,
                reason: p.reason,
            };
            let value = doc.value.map_err(|p| refusal(None, p))?;
            let rule = document::SigmaRule::from_value(value).map_err(|p| refusal(None, p))?;
            let title = rule.title.clone();
            convert_rule(&rule).map_err(|p| refusal(title, p))
        })
        .collect()
}

/// One Sigma rule as a user rule.
fn convert_rule(rule: &document::SigmaRule) -> Result<RuleDoc, Problem> {
    let title = rule
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Problem::new("title", "a Sigma rule needs a title (the aidr rule id is made from it)"))?;
    if rule.correlation.is_some() {
        return Err(Problem::new(
            "correlation",
            "Sigma correlation rules (event counts, value counts, sequences) are not converted: \
             aidr's stateful detections cover thresholds and sequences",
        ));
    }
    document::check_logsource(rule.logsource.as_ref())?;
    let detection = rule
        .detection
        .as_ref()
        .ok_or_else(|| Problem::new("detection", "a Sigma rule needs a detection section"))?;
    let node = search::detection_condition(detection)?;
    let events = events::derive(&node)?;
    let sources: Vec<&str> = events.iter().map(|e| e.source.as_str()).collect();
    let condition = node.into_doc();
    let doc = RuleDoc {
        id: metadata::rule_id(&title, rule.id.as_deref())?,
        severity: metadata::severity(rule.level.as_deref())?,
        area: metadata::area(&sources, &rule.tags),
        techniques: metadata::techniques(&rule.tags),
        description: rule
            .description
            .clone()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| title.clone()),
        remediation: metadata::remediation(&rule.falsepositives),
        controls: rule.id.iter().map(|id| format!("sigma:{id}")).collect(),
        failed_calls: true,
        events,
        condition: Some(condition),
        title,
        adjustments: Default::default(),
        summary: None,
        resources: Vec::new(),
        dedupe: None,
        samples: Default::default(),
    };
    // What would not load (a field no CloudTrail record has, such as `status`; an event name
    // with a space) is refused here, so a folder of converted rules always loads.
    crate::user_rules::validate(&doc).map_err(|e| Problem::new(format!("detection ({})", e.at), e.message))?;
    Ok(doc)
}

/// The rule in the user rule format (YAML).
pub fn to_yaml(doc: &RuleDoc) -> String {
    // A RuleDoc has only string keys and finite values: serializing it cannot fail.
    yaml_serde::to_string(doc).expect("a RuleDoc serializes to YAML")
}
