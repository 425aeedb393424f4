//! Reading the evaluation's inputs: `scenarios.json` and the findings of
//! `aidr scan --format ndjson`.

use std::collections::HashSet;

use aidr_engine::Finding;
use serde_json::Value;

use crate::scoring::{FindingRow, Scenario, Scenarios, Severity};
use crate::time::parse_time;

fn parse_severity(s: &str) -> Option<Severity> {
    s.parse().ok()
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Reads `scenarios.json`.
///
/// # Errors
/// A message naming what is not JSON or lacks a field.
pub fn parse_scenarios(text: &str) -> Result<Scenarios, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("scenarios: not JSON: {e}"))?;
    let days = v["days"]
        .as_f64()
        .filter(|d| *d > 0.0)
        .ok_or("scenarios: `days` must be a positive number")?;
    let benign_principals = v["benign_principals"]
        .as_u64()
        .filter(|n| *n > 0)
        .ok_or("scenarios: `benign_principals` must be a positive integer")?;
    let list = v["scenarios"]
        .as_array()
        .ok_or("scenarios: `scenarios` must be an array")?;
    let scenarios = list
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name = opt_str(&s["name"]).ok_or(format!("scenarios[{i}]: `name` missing"))?;
            let time = |field: &str| {
                s[field]
                    .as_str()
                    .and_then(parse_time)
                    .ok_or(format!("scenario {name}: `{field}` missing or not a time"))
            };
            let first = time("first_event_time")?;
            let last = time("last_event_time").unwrap_or(first);
            let ids = s["event_ids"]
                .as_array()
                .ok_or(format!("scenario {name}: `event_ids` must be an array"))?;
            let event_ids = ids
                .iter()
                .map(|id| {
                    id.as_str()
                        .map(str::to_owned)
                        .ok_or(format!("scenario {name}: an event id is not a string"))
                })
                .collect::<Result<HashSet<_>, _>>()?;
            Ok(Scenario {
                access_key_id: opt_str(&s["access_key_id"]),
                principal_arn: opt_str(&s["principal_arn"]),
                name,
                first,
                last,
                event_ids,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Scenarios {
        days,
        benign_principals,
        scenarios,
    })
}

/// Reads `aidr scan --format ndjson` output as aidr's own findings, the input of alerting, in
/// the order of [`parse_findings`] (blank lines ignored).
///
/// # Errors
/// A message naming the first line that is not a finding.
pub fn parse_alerting_findings(text: &str) -> Result<Vec<Finding>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l.trim()).map_err(|e| format!("findings line {}: {e}", i + 1)))
        .collect()
}

/// Reads `aidr scan --format ndjson` output: one finding a line (blank lines ignored).
///
/// # Errors
/// A message naming the first line that is not a finding.
pub fn parse_findings(text: &str) -> Result<Vec<FindingRow>, String> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| format!("findings line {n}: {what}");
        let v: Value = serde_json::from_str(line).map_err(|e| bad(&format!("not JSON: {e}")))?;
        if !v.is_object() {
            return Err(bad("not a JSON object"));
        }
        let rule_id = opt_str(&v["rule_id"]).ok_or_else(|| bad("`rule_id` missing"))?;
        let severity = v["severity"]
            .as_str()
            .and_then(parse_severity)
            .ok_or_else(|| bad("`severity` missing or not info|low|medium|high|critical"))?;
        let event_time = match &v["event_time"] {
            Value::Null => None,
            Value::String(s) => Some(parse_time(s).ok_or_else(|| bad(&format!("`event_time` {s:?} is not a time")))?),
            _ => return Err(bad("`event_time` is not a string")),
        };
        let event_ids = match &v["event_ids"] {
            Value::Null => Vec::new(),
            Value::Array(ids) => ids.iter().filter_map(|id| id.as_str().map(str::to_owned)).collect(),
            _ => return Err(bad("`event_ids` is not an array")),
        };
        let p = &v["principal"];
        let (access_key_id, arn) = (opt_str(&p["access_key_id"]), opt_str(&p["arn"]));
        let who = opt_str(&p["name"])
            .or_else(|| arn.clone())
            .or_else(|| access_key_id.clone())
            .unwrap_or_else(|| "unknown principal".into());
        rows.push(FindingRow {
            rule_id,
            severity,
            event_time,
            event_ids,
            access_key_id,
            arn,
            who,
            alerted: false,
            updated: false,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> i64 {
        parse_time(s).unwrap()
    }

    #[test]
    fn input_parsing_and_errors() {
        let scen = r#"{"start":"2026-03-01T00:00:00Z","days":30,"benign_principals":63,"scenarios":[
            {"name":"a","account":"1","access_key_id":"AKIA1","principal_arn":"arn:x","source_ips":[],
             "first_event_time":"2026-03-10T14:07:12Z","last_event_time":"2026-03-10T14:27:00Z","event_ids":["e1","e2"]}]}"#;
        let s = parse_scenarios(scen).unwrap();
        assert_eq!((s.days, s.benign_principals, s.scenarios.len()), (30.0, 63, 1));
        assert_eq!(s.scenarios[0].first, t("2026-03-10T14:07:12Z"));
        assert!(s.scenarios[0].event_ids.contains("e2"));
        assert!(parse_scenarios("{}").is_err());
        assert!(parse_scenarios(r#"{"days":30,"benign_principals":0,"scenarios":[]}"#).is_err());
        assert!(
            parse_scenarios(r#"{"days":30,"benign_principals":5,"scenarios":[{"name":"a","event_ids":[]}]}"#).is_err()
        );

        let text = concat!(
            r#"{"rule_id":"r1","severity":"high","event_time":"2026-03-10T14:07:12Z","event_ids":["e1"],"account":"1","principal":{"arn":"arn:x","access_key_id":"AKIA1","name":"x"}}"#,
            "\n\n",
            r#"{"rule_id":"r2","severity":"low","event_time":null,"event_ids":[],"principal":{"arn":null,"access_key_id":null,"name":"unknown principal"}}"#,
            "\n"
        );
        let f = parse_findings(text).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].access_key_id.as_deref(), Some("AKIA1"));
        assert_eq!(f[1].event_time, None);
        assert_eq!(f[1].arn, None);
        assert_eq!(parse_findings("").unwrap().len(), 0);
        let err = parse_findings("{\"rule_id\":\"r\",\"severity\":\"huge\"}\n").unwrap_err();
        assert!(err.contains("line 1") && err.contains("severity"), "{err}");
        assert!(parse_findings("\nnot json\n").unwrap_err().contains("line 2"));
        assert!(parse_findings("[1]").is_err());
        assert!(parse_findings(r#"{"rule_id":"r","severity":"low","event_time":"yesterday"}"#).is_err());
    }
}
