//! Records spelled as SIEM and data-lake exports spell them (same meaning), and lines that
//! are not records at all.

use std::ops::Range;

use serde_json::value::RawValue;

use aidr_llmjacking::Rng;

/// Where the value of the first `"key":` in `record` is.
pub(crate) fn value_span(record: &str, key: &str) -> Option<Range<usize>> {
    let start = record.find(&format!("\"{key}\":"))? + key.len() + 3;
    let mut values = serde_json::Deserializer::from_str(&record[start..]).into_iter::<&RawValue>();
    values.next()?.ok()?;
    Some(start..start + values.byte_offset())
}

fn set(record: &mut String, key: &str, value: impl FnOnce(&str) -> Option<String>) -> bool {
    let Some(span) = value_span(record, key) else {
        return false;
    };
    let Some(new) = value(&record[span.clone()]) else {
        return false;
    };
    record.replace_range(span, &new);
    true
}

/// Respells some fields of `record` (one JSON object): booleans as strings, the account and
/// version as numbers, the time without `T`/`Z` or with microseconds, `requestParameters` as
/// a JSON string, sometimes `userIdentity` as null. At least one field changes.
pub fn oddify(record: &str, rng: &mut Rng) -> String {
    let mut r = record.to_owned();
    let mut chosen: Vec<u64> = (0..7)
        .filter(|&k| rng.chance(if k == 6 { 0.10 } else { 0.35 }))
        .collect();
    if chosen.is_empty() {
        chosen.push(rng.below(6));
    }
    let micros = rng.below(1_000_000);
    let spaced = rng.chance(0.5);
    let mut changed = false;
    for k in chosen {
        changed |= respell(&mut r, k, spaced, micros);
    }
    if !changed {
        respell(&mut r, 4, spaced, micros);
    }
    r
}

/// Respells field `k` of [`oddify`]'s list; false when the record has no such field.
fn respell(r: &mut String, k: u64, spaced: bool, micros: u64) -> bool {
    match k {
        0 => set(r, "readOnly", |v| {
            Some(if v == "true" { "\"True\"" } else { "\"False\"" }.into())
        }),
        1 => set(r, "managementEvent", |v| {
            v.starts_with(['t', 'f']).then(|| format!("\"{v}\""))
        }),
        2 => set(r, "recipientAccountId", |v| Some(v.trim_matches('"').to_owned())),
        3 => set(r, "eventVersion", |v| Some(v.trim_matches('"').to_owned())),
        4 => set(r, "eventTime", |v| {
            let t = v.trim_matches('"').strip_suffix('Z')?;
            Some(if spaced {
                format!("\"{}\"", t.replacen('T', " ", 1))
            } else {
                format!("\"{t}.{micros:06}Z\"")
            })
        }),
        5 => set(r, "requestParameters", |v| {
            v.starts_with('{').then(|| serde_json::to_string(v).unwrap_or_default())
        }),
        _ => set(r, "userIdentity", |_| Some("null".into())),
    }
}

/// What a bad line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spoiled {
    /// A record cut short: not JSON.
    Cut,
    /// A JSON object that is not a record.
    NotARecord,
    /// A record without `eventSource` and `eventName`.
    Nameless,
}

const NOT_RECORDS: &[&str] = &[
    r#"{"a":1}"#,
    r#"{"level":"info","msg":"export checkpoint","offset":1048576,"partition":3}"#,
    r#"{"schema":"cloudtrail","version":2,"rows":10000}"#,
    r#"{}"#,
];

/// Turns `record` into a bad line (4 in 10 cut, 3 not records, 3 nameless).
pub fn spoil(record: &str, rng: &mut Rng) -> (String, Spoiled) {
    match rng.below(10) {
        0..=3 => {
            let mut cut = record.len() / 10 + rng.below((record.len() * 8 / 10).max(1) as u64) as usize;
            while !record.is_char_boundary(cut) {
                cut -= 1;
            }
            (record[..cut].to_owned(), Spoiled::Cut)
        }
        4..=6 => (rng.pick(NOT_RECORDS).to_owned(), Spoiled::NotARecord),
        _ => {
            let mut r = record.to_owned();
            for key in ["eventSource", "eventName"] {
                if let Some(span) = value_span(&r, key) {
                    let start = span.start - key.len() - 3;
                    let end = if r[span.end..].starts_with(',') {
                        span.end + 1
                    } else {
                        span.end
                    };
                    r.replace_range(start..end, "");
                }
            }
            (r, Spoiled::Nameless)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const REC: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"Root"},"eventTime":"2026-10-01T00:01:45Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeVpcs","requestParameters":{"a":{"b":[1,2]}},"readOnly":true,"managementEvent":false,"recipientAccountId":"111122223333"}"#;

    #[test]
    fn odd_records_stay_json_and_change() {
        let mut rng = Rng::new(5);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let odd = oddify(REC, &mut rng);
            assert_ne!(odd, REC);
            let v: Value = serde_json::from_str(&odd).unwrap();
            for (k, x) in v.as_object().unwrap() {
                if *x != serde_json::from_str::<Value>(REC).unwrap()[k] {
                    seen.insert(format!("{k}={x}"));
                }
            }
        }
        for expected in [
            r#"readOnly="True""#,
            r#"managementEvent="false""#,
            "recipientAccountId=111122223333",
            "eventVersion=1.08",
            "userIdentity=null",
            r#"eventTime="2026-10-01 00:01:45""#,
            r#"requestParameters="{\"a\":{\"b\":[1,2]}}""#,
        ] {
            assert!(seen.contains(expected), "{expected} not in {seen:?}");
        }
        assert!(seen.iter().any(|s| s.starts_with(r#"eventTime="2026-10-01T00:01:45."#)));
    }

    #[test]
    fn spoiled_lines() {
        let mut rng = Rng::new(9);
        for _ in 0..200 {
            let (line, kind) = spoil(REC, &mut rng);
            let parsed = serde_json::from_str::<Value>(&line);
            match kind {
                Spoiled::Cut => assert!(parsed.is_err(), "{line}"),
                Spoiled::NotARecord => assert!(parsed.unwrap().get("eventName").is_none()),
                Spoiled::Nameless => {
                    let v = parsed.unwrap();
                    assert!(
                        v.get("eventName").is_none() && v.get("eventSource").is_none() && v.get("eventTime").is_some()
                    );
                }
            }
        }
    }
}
