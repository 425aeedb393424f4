//! How much of the benchmark's traffic the rules consume: the share of records whose
//! (eventSource, eventName) a built-in detection consumes, a user rule consumes, and a user
//! rule but no built-in detection (records that the catalog alone never parses).

use aidr_engine::Registry;
use aidr_engine::user_rules::wildcard;
use regex::Regex;
use serde_json::{Value, json};

use super::Generated;
use crate::traffic::{BLOCK, Traffic};

/// Record counts over the traffic measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Share {
    pub records: u64,
    pub catalog: u64,
    pub user: u64,
    pub user_only: u64,
}

impl Share {
    /// `{"records", "catalog_pct", "user_pct", "user_only_pct"}`.
    pub fn to_json(self) -> Value {
        let pct = |n: u64| (n as f64 * 10_000.0 / self.records.max(1) as f64).round() / 100.0;
        json!({
            "records": self.records,
            "catalog_pct": pct(self.catalog),
            "user_pct": pct(self.user),
            "user_only_pct": pct(self.user_only),
        })
    }
}

/// One key of what a set of rules consumes: both parts as patterns (exact text matches
/// itself only).
struct Key(Regex, Regex);

fn key(source: &str, name: &str) -> Key {
    let compile = |p: &str| wildcard::compile(&[p], false).expect("rule keys compiled when the rules were checked");
    Key(compile(source), compile(name))
}

/// Measures the share over the first `records` records of the traffic for `seed`.
pub fn measure(traffic: &Traffic, rules: &[Generated], records: u64, seed: u64) -> Share {
    let catalog: Vec<Key> = Registry::builtin()
        .event_keys()
        .iter()
        .map(|(s, n)| key(s, n))
        .collect();
    let user: Vec<Key> = rules
        .iter()
        .flat_map(|r| &r.doc.events)
        .flat_map(|e| e.names.iter().map(|n| key(&e.source, n)))
        .collect();
    let consumes =
        |keys: &[Key], source: &str, name: &str| keys.iter().any(|k| k.0.is_match(source) && k.1.is_match(name));
    let mut share = Share::default();
    let mut text = String::new();
    for block in 0..records.div_ceil(BLOCK) {
        text.clear();
        let count = BLOCK.min(records - block * BLOCK);
        traffic.block(seed, "user rules share", block, count, None, "\n", &mut text);
        for line in text.lines() {
            let Ok(record) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let field = |k: &str| record.get(k).and_then(Value::as_str).unwrap_or_default();
            let (source, name) = (field("eventSource"), field("eventName"));
            let (by_catalog, by_user) = (consumes(&catalog, source, name), consumes(&user, source, name));
            share.records += 1;
            share.catalog += u64::from(by_catalog);
            share.user += u64::from(by_user);
            share.user_only += u64::from(by_user && !by_catalog);
        }
    }
    share
}
