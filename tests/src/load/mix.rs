//! Mixed CloudTrail traffic for load runs: the LLMjacking generator's month (every attacker
//! event of its scenarios, and its benign Bedrock traffic thinned to fit), the event rules'
//! alerting samples and their benign samples, copied into many accounts (so principals and
//! dedupe keys vary) with event ids of their own. Deterministic for a size.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

use aidr_engine::{DetectionKind, Registry};
use aidr_llmjacking::{GenerateOptions, generate};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::sample;

/// The account the samples are written in; each copy moves to an account of its own.
const SAMPLE_ACCOUNT: &str = "111122223333";

/// Accounts the samples are copied into.
const SAMPLE_ACCOUNTS: usize = 40;

/// What a mix holds, by source.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Composition {
    /// Events of the generator's attack scenarios.
    pub attack: usize,
    /// The generator's benign events.
    pub generated_benign: usize,
    /// Copies of the alerting samples.
    pub alerting: usize,
    /// Copies of the benign samples.
    pub benign: usize,
    /// Copies of the stateful detections' samples (LLMjacking attacks, and traffic that must
    /// not fire).
    pub stateful: usize,
}

/// `events` CloudTrail records, in delivery order: one in ten an alerting sample, two in
/// ten a benign sample, one in twenty a record of the stateful detections' samples (each
/// sample's records in order), the rest the generator's traffic of `days` in event-time order
/// (see [`generated`]). `dir` receives the generator's log files.
///
/// # Errors
/// When the generator cannot write or the files it wrote cannot be read back.
pub fn mixed(events: usize, days: u32, dir: &Path) -> std::io::Result<(Vec<Value>, Composition)> {
    let (alerting_pool, benign_pool) = samples();
    let stateful_pool = stateful_samples();
    let generated_n = events - events / 10 - events / 5 - events / 20;
    let (generated, attack) = generated(generated_n, days, dir)?;
    let mut composition = Composition {
        attack,
        generated_benign: generated.len() - attack,
        ..Composition::default()
    };
    let mut generated = generated.into_iter();
    let mut records = Vec::with_capacity(events);
    for i in 0..events {
        let record = match i % 10 {
            0 => {
                composition.alerting += 1;
                copy(&alerting_pool, composition.alerting - 1, "a")
            }
            1 | 2 => {
                composition.benign += 1;
                copy(&benign_pool, composition.benign - 1, "b")
            }
            5 if i % 20 == 5 => {
                composition.stateful += 1;
                copy(&stateful_pool, composition.stateful - 1, "s")
            }
            // The generator's thinning leaves it a little short: benign samples fill the rest,
            // so the mix holds exactly `events` records.
            _ => match generated.next() {
                Some(r) => r,
                None => {
                    composition.benign += 1;
                    copy(&benign_pool, composition.benign - 1, "b")
                }
            },
        };
        records.push(record);
    }
    Ok((records, composition))
}

/// The CloudTrail records of the event rules' alerting samples and of their benign samples.
fn samples() -> (Vec<Value>, Vec<Value>) {
    let registry = Registry::builtin();
    let (mut alerting, mut benign) = (BTreeSet::new(), BTreeSet::new());
    for d in registry
        .detections()
        .iter()
        .filter(|d| d.kind() == DetectionKind::Event)
    {
        alerting.extend(d.metadata().samples.must_fire.iter().copied());
        benign.extend(d.metadata().samples.must_not_fire.iter().copied());
    }
    let load = |paths: BTreeSet<&str>| -> Vec<Value> {
        paths
            .into_iter()
            .filter(|p| p.starts_with("events/"))
            .map(|p| sample(p.trim_start_matches("events/"))["detail"].clone())
            .collect()
    };
    (load(alerting), load(benign))
}

/// The records of the stateful detections' samples (CloudTrail log files), sample after sample.
fn stateful_samples() -> Vec<Value> {
    let registry = Registry::builtin();
    let mut paths = BTreeSet::new();
    for d in registry
        .detections()
        .iter()
        .filter(|d| d.kind() == DetectionKind::Stateful)
    {
        let samples = &d.metadata().samples;
        paths.extend(samples.must_fire.iter().chain(samples.must_not_fire).copied());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    paths
        .into_iter()
        .flat_map(|p| {
            let text = std::fs::read_to_string(root.join(p)).unwrap_or_default();
            let file: Value = serde_json::from_str(&text).unwrap_or_default();
            file["Records"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

/// Copy `n` of the pool: sample `n % len`, in account `n / len % SAMPLE_ACCOUNTS`, with the
/// event id made unique by `tag` and `n`.
fn copy(pool: &[Value], n: usize, tag: &str) -> Value {
    let account = format!("{:012}", 400_000_000_000 + (n / pool.len() % SAMPLE_ACCOUNTS) as u64);
    let text = pool[n % pool.len()].to_string().replace(SAMPLE_ACCOUNT, &account);
    let mut record: Value = serde_json::from_str(&text).unwrap_or_default();
    let id = record["eventID"].as_str().unwrap_or("event").to_owned();
    record["eventID"] = Value::String(format!("{id}-{tag}{n}"));
    record
}

/// About `wanted` records of the generator's `days` (from its first day), in event-time order:
/// every attacker event, and benign ones taken evenly over the days to fill the rest; with how
/// many are attacker events.
fn generated(wanted: usize, days: u32, dir: &Path) -> std::io::Result<(Vec<Value>, usize)> {
    let summary = generate(&GenerateOptions {
        out: dir.to_path_buf(),
        days,
        seed: 7,
    })?;
    let attackers: Vec<(String, i64, i64)> = summary
        .scenarios
        .iter()
        .filter(|s| !s.access_key_id.is_empty())
        .map(|s| (s.access_key_id.clone(), s.first, s.last))
        .collect();
    let attack_total: usize = summary.scenarios.iter().map(|s| s.event_count()).sum();
    let room = wanted.saturating_sub(attack_total).max(1);
    let stride = (summary.records as usize).div_ceil(room).max(1);
    let time = |r: &Value| aidr_engine::time::parse_millis(r["eventTime"].as_str().unwrap_or("")).unwrap_or(0) / 1000;
    let (mut records, mut attack_n, mut benign_seen) = (Vec::new(), 0, 0usize);
    read_logs(&dir.join("AWSLogs"), &mut |raw: &RawValue| {
        // Only the records kept are parsed: an attacker's key in the text, or every stride-th.
        let text = raw.get();
        let suspect = attackers.iter().any(|(k, ..)| text.contains(k.as_str()));
        if suspect && let Ok(r) = serde_json::from_str::<Value>(text) {
            let key = r["userIdentity"]["accessKeyId"].as_str().unwrap_or("");
            let t = time(&r);
            if attackers
                .iter()
                .any(|(k, first, last)| k == key && (*first..=*last).contains(&t))
            {
                attack_n += 1;
                records.push(r);
                return;
            }
        }
        benign_seen += 1;
        if benign_seen % stride == 0
            && let Ok(r) = serde_json::from_str::<Value>(text)
        {
            records.push(r);
        }
    })?;
    records.sort_by_cached_key(|r| (time(r), r["eventID"].as_str().unwrap_or("").to_owned()));
    Ok((records, attack_n))
}

/// Hands every record of every gzip log file under `dir` to `each`, in path order.
fn read_logs(dir: &Path, each: &mut dyn FnMut(&RawValue)) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            read_logs(&path, each)?;
        } else if path.extension().is_some_and(|e| e == "gz") {
            let mut text = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&path)?).read_to_string(&mut text)?;
            let file: HashMap<&str, Vec<&RawValue>> = serde_json::from_str(&text).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display()))
            })?;
            file.get("Records").into_iter().flatten().for_each(|r| each(r));
        }
    }
    Ok(())
}
