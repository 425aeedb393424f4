//! Property 2: what is read, and the findings, do not depend on how the JSON is written (key
//! order at every level, whitespace, escapes) nor on the case of the names AWS reads without
//! regard to case in the policies records carry: condition keys ("Context key names are not
//! case-sensitive", IAM User Guide, IAM JSON policy elements: Condition) and action names
//! ("The prefix and the action name are case insensitive", IAM JSON policy elements: Action).

use aidr_engine::Pipeline;
use aidr_engine::input::{CLOUDTRAIL_DETAIL_TYPES, Layout};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::forms::envelope;
use crate::render::{Mix, Style, render, style};
use crate::{CLI, DETECTOR, Input, config, corpus, run};

/// The forms a few records are written in: each alone, each in an envelope of detail-type
/// `kind`, one log file; each a list of values (one per input).
fn documents(records: &[Value], kind: usize) -> Vec<(&'static str, Vec<Value>)> {
    let kind = CLOUDTRAIL_DETAIL_TYPES[kind % CLOUDTRAIL_DETAIL_TYPES.len()];
    vec![
        ("alone", records.to_vec()),
        (
            "EventBridge envelopes",
            records.iter().map(|r| envelope(r, kind)).collect(),
        ),
        ("log file", vec![json!({ "Records": records })]),
    ]
}

/// Runs `values` written by `write`, one input each, through both pipelines.
fn outcomes(values: &[Value], layout: Layout, write: impl Fn(&Value) -> String) -> Vec<(u64, usize, Vec<crate::Key>)> {
    let inputs: Vec<Input> = values
        .iter()
        .map(|v| Input {
            text: write(v).into_bytes(),
            layout,
            streamed: false,
        })
        .collect();
    [&*CLI, &*DETECTOR]
        .into_iter()
        .map(|pipeline: &Pipeline| {
            let outcome = run(pipeline, &inputs);
            (outcome.records, outcome.errors, outcome.findings)
        })
        .collect()
}

fn same_when_written(records: &[Value], kind: usize, style: &Style) -> Result<(), TestCaseError> {
    for (form, values) in documents(records, kind) {
        let expected = outcomes(&values, Layout::Stream, Value::to_string);
        let got = outcomes(&values, Layout::Stream, |v| render(v, style));
        prop_assert_eq!(
            got,
            expected,
            "{}: {}",
            form,
            values.iter().map(|v| render(v, style)).collect::<Vec<_>>().join("\n")
        );
    }
    Ok(())
}

/// Writes `name` in upper or lower case letter by letter, as `mix` draws.
pub fn recased(name: &str, mix: &mut Mix) -> String {
    name.chars()
        .map(|c| {
            if mix.below(2) == 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The policy document `doc` with its condition keys and action names recased.
pub fn recase_policy(doc: &mut Value, mix: &mut Mix) {
    let statements: Vec<&mut Value> = match doc.get_mut("Statement") {
        Some(Value::Array(items)) => items.iter_mut().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return,
    };
    for statement in statements {
        for element in ["Action", "NotAction"] {
            match statement.get_mut(element) {
                Some(Value::String(action)) => *action = recased(action, mix),
                Some(Value::Array(actions)) => {
                    for action in actions {
                        if let Value::String(a) = action {
                            *a = recased(a, mix);
                        }
                    }
                }
                _ => {}
            }
        }
        let Some(Value::Object(operators)) = statement.get_mut("Condition") else {
            continue;
        };
        for tests in operators.values_mut() {
            let Value::Object(keys) = tests else { continue };
            let mut renamed = Map::new();
            for (key, values) in std::mem::take(keys) {
                let new = recased(&key, mix);
                let name = if renamed.keys().any(|k: &String| k.eq_ignore_ascii_case(&key)) {
                    key
                } else {
                    new
                };
                renamed.insert(name, values);
            }
            *keys = renamed;
        }
    }
}

/// `v` with every policy document in it recased: objects with a `Statement`, and JSON text
/// or URL-encoded JSON text of one (written back the same way).
fn recase_policies(v: &mut Value, mix: &mut Mix) {
    match v {
        Value::Object(map) if map.contains_key("Statement") => recase_policy(v, mix),
        Value::Object(map) => map.values_mut().for_each(|v| recase_policies(v, mix)),
        Value::Array(items) => items.iter_mut().for_each(|v| recase_policies(v, mix)),
        Value::String(text) => {
            let trimmed = text.trim();
            let encoded = !trimmed.starts_with('{');
            let decoded = if encoded {
                let spaced = trimmed.replace('+', " ");
                match percent_decode_str(&spaced).decode_utf8() {
                    Ok(d) => d.into_owned(),
                    Err(_) => return,
                }
            } else {
                trimmed.to_owned()
            };
            let Ok(mut doc) = serde_json::from_str::<Value>(&decoded) else {
                return;
            };
            if doc.get("Statement").is_none() {
                return;
            }
            recase_policy(&mut doc, mix);
            let written = doc.to_string();
            *text = if encoded {
                utf8_percent_encode(&written, NON_ALPHANUMERIC).to_string()
            } else {
                written
            };
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn findings_do_not_depend_on_key_order_whitespace_or_escapes(
        records in prop::collection::vec(corpus::record(), 1..3),
        kind in 0..4usize,
        style in style(false),
    ) {
        same_when_written(&records, kind, &style)?;
    }

    #[test]
    fn json_lines_read_the_same_however_each_line_is_written(
        records in prop::collection::vec(corpus::record(), 1..4),
        style in style(true),
        crlf in any::<bool>(),
    ) {
        let lines = |write: &dyn Fn(&Value) -> String, end: &str| -> Value {
            Value::String(records.iter().map(write).collect::<Vec<_>>().join(end))
        };
        let expected = lines(&|v| v.to_string(), "\n");
        let got = lines(&|v| render(v, &style), if crlf { "\r\n" } else { "\n" });
        let as_text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        prop_assert_eq!(
            outcomes(std::slice::from_ref(&got), Layout::Lines, as_text),
            outcomes(&[expected], Layout::Lines, as_text),
            "{}",
            as_text(&got)
        );
    }

    #[test]
    fn findings_do_not_depend_on_the_case_of_condition_keys_and_actions(
        record in corpus::policy_record(),
        seed in any::<u64>(),
        kind in 0..4usize,
    ) {
        let mut recased = record.clone();
        recase_policies(&mut recased, &mut Mix(seed));
        for ((form, original), (_, changed)) in documents(&[record], kind).into_iter().zip(documents(&[recased], kind)) {
            prop_assert_eq!(
                outcomes(&changed, Layout::Stream, Value::to_string),
                outcomes(&original, Layout::Stream, Value::to_string),
                "{}: {}",
                form,
                changed[0]
            );
        }
    }
}
