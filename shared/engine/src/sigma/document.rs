//! A Sigma file's YAML documents as rules: plain documents are rules; a rule collection's
//! `action: global` document is merged into each later one (until `action: reset`), and
//! `action: repeat` repeats the previous rule with its own keys changed.

use serde::Deserialize;
use yaml_serde::{Mapping, Value};

use super::Problem;
use crate::user_rules::schema::OneOrMany;

/// One rule document: its number in the file (from 1) and its value after the collection's
/// global keys are merged in.
pub(super) struct RuleDocument {
    pub number: usize,
    pub value: Result<Value, Problem>,
}

/// The rule documents of a file, in order. A YAML error ends the list with that error.
pub(super) fn rule_documents(text: &str) -> Vec<RuleDocument> {
    let mut out = Vec::new();
    let mut global: Option<Mapping> = None;
    let mut previous: Option<Value> = None;
    for (index, de) in yaml_serde::Deserializer::from_str(text).enumerate() {
        let number = index + 1;
        let value = match Value::deserialize(de) {
            Ok(v) => v,
            Err(e) => {
                out.push(RuleDocument {
                    number,
                    value: Err(Problem::new("yaml", e.to_string())),
                });
                break;
            }
        };
        let mut map = match value {
            Value::Null => continue,
            Value::Mapping(m) => m,
            _ => {
                let p = Problem::new("yaml", "a Sigma rule document is a mapping of keys");
                out.push(RuleDocument { number, value: Err(p) });
                continue;
            }
        };
        let action = map.remove("action");
        let rule = match action.as_ref().map(|a| a.as_str()) {
            None => Value::Mapping(merged(global.clone(), map)),
            Some(Some("global")) => {
                global = Some(map);
                continue;
            }
            Some(Some("reset")) => {
                global = None;
                continue;
            }
            Some(Some("repeat")) => match &previous {
                Some(Value::Mapping(prev)) => Value::Mapping(merged(Some(prev.clone()), map)),
                _ => {
                    let p = Problem::new("action", "`action: repeat` with no rule before it to repeat");
                    out.push(RuleDocument { number, value: Err(p) });
                    continue;
                }
            },
            Some(_) => {
                let p = Problem::new("action", "unknown `action` (expected global, reset or repeat)");
                out.push(RuleDocument { number, value: Err(p) });
                continue;
            }
        };
        previous = Some(rule.clone());
        out.push(RuleDocument {
            number,
            value: Ok(rule),
        });
    }
    out
}

/// `overlay` merged into `base`: mappings key by key, anything else replaced.
fn merged(base: Option<Mapping>, overlay: Mapping) -> Mapping {
    let mut out = base.unwrap_or_default();
    for (key, value) in overlay {
        let value = match (out.remove(&key), value) {
            (Some(Value::Mapping(b)), Value::Mapping(o)) => Value::Mapping(merged(Some(b), o)),
            (_, v) => v,
        };
        out.insert(key, value);
    }
    out
}

/// The keys of a Sigma rule that conversion reads; others (`status`, `author`, `date`,
/// `references`, `fields`, …) are ignored.
#[derive(Debug, Deserialize)]
pub(super) struct SigmaRule {
    pub title: Option<String>,
    pub id: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub logsource: Option<LogSource>,
    pub detection: Option<Mapping>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub falsepositives: Vec<String>,
    pub level: Option<String>,
    /// Present on correlation rules, which are refused.
    pub correlation: Option<Value>,
}

impl SigmaRule {
    pub fn from_value(value: Value) -> Result<Self, Problem> {
        yaml_serde::from_value(value).map_err(|e| Problem::new("rule", e.to_string()))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct LogSource {
    pub product: Option<String>,
    pub service: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Option::<OneOrMany<String>>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// Only AWS CloudTrail rules convert.
pub(super) fn check_logsource(logsource: Option<&LogSource>) -> Result<(), Problem> {
    let Some(ls) = logsource else {
        return Err(Problem::new("logsource", "a Sigma rule needs a logsource"));
    };
    let is = |v: &Option<String>, want: &str| v.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(want));
    if is(&ls.product, "aws") && is(&ls.service, "cloudtrail") {
        return Ok(());
    }
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_string());
    Err(Problem::new(
        "logsource",
        format!(
            "product {} / service {} is not AWS CloudTrail (product aws, service cloudtrail): \
             aidr reads CloudTrail records only",
            shown(&ls.product),
            shown(&ls.service)
        ),
    ))
}
