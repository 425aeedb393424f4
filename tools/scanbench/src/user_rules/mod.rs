//! User rules for the benchmark: N rules as a security team writes them, over the events of
//! the benchmark's traffic, deterministic for a seed.
//!
//! Each rule starts from one record rendered from the traffic's templates: a rule sample of
//! `events/` (the AI and IAM events the catalog consumes), an everyday call of
//! [`EVERYDAY_RULES`] (whose records now need parsing), or either under a wildcard name
//! (`Delete*`, `Put*Policy`). Its condition is built from that record's fields ([`leaves`]):
//! scope tests that hold (`equals` lists, `wildcard` on ARNs, `regex`, `contains`, numeric
//! comparisons, `exists`, policy questions), exceptions under `not` that fail (allowed roles,
//! corporate networks), `any` of alternatives, nested. The record is the rule's `match`
//! sample; the same record with a tested field changed is its `no_match` sample. Every rule
//! is compiled by the engine and its samples run before it is kept ([`check`]).

pub mod clauses;
pub mod leaves;
pub mod share;

use std::collections::BTreeMap;
use std::path::Path;

use aidr_engine::cloudtrail::Record;
use aidr_engine::detection::Organization;
use aidr_engine::user_rules::condition::Condition;
use aidr_engine::user_rules::{self, ConditionDoc, DedupeDoc, EventsDoc, RuleDoc, SamplesDoc};
use aidr_engine::{Area, Event, Severity};
use aidr_llmjacking::Rng;
use serde_json::{Value, json};

use self::clauses::Clause;
use self::leaves::{Leaf, Shape};
use crate::template::{Context, Scratch, Template};
use crate::traffic::{ACCOUNTS, REGIONS, START_MS, Traffic};

/// Shares of the rules by what they consume, percent: the catalog's events, everyday events,
/// wildcard names (of either).
pub const MIX: [(Kind, u64); 3] = [(Kind::Catalog, 72), (Kind::Everyday, 16), (Kind::Wildcard, 12)];

/// Everyday templates (by name, see [`crate::everyday`]) rules are written on, with how many
/// rules each draws relative to the others: the sensitive calls more than the bulk reads.
pub const EVERYDAY_RULES: &[(&str, u64)] = &[
    ("secretsmanager GetSecretValue", 5),
    ("ssm GetParameter", 4),
    ("sts AssumeRole", 3),
    ("ec2 CreateNetworkInterface", 3),
    ("sts AssumeRoleWithWebIdentity", 2),
    ("s3 GetObject", 2),
    ("s3 PutObject", 2),
    ("kms Decrypt", 2),
    ("lambda Invoke", 2),
    ("ecr pulls", 1),
    ("logs reads", 1),
    ("dynamodb items", 1),
];

/// Share of catalog-event rules written on failed calls too (`failed_calls: true`), percent.
const FAILED_CALLS_PERCENT: f64 = 8.0;

/// Share of rules on the catalog's events that are selective (about a rare principal,
/// client, network or resource), percent; rules on everyday events all are.
const SELECTIVE_PERCENT: f64 = 75.0;

/// What a rule consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Events the built-in catalog consumes (the rule samples of `events/`).
    Catalog,
    /// Everyday events no built-in detection consumes.
    Everyday,
    /// A wildcard name (`Delete*`) of an event of either kind.
    Wildcard,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Catalog => "catalog_events",
            Kind::Everyday => "everyday_events",
            Kind::Wildcard => "wildcard_names",
        }
    }
}

/// One generated rule.
#[derive(Debug, Clone)]
pub struct Generated {
    pub kind: Kind,
    /// The template its record came from.
    pub template: String,
    pub doc: RuleDoc,
}

/// Generates `count` rules for `seed`.
///
/// # Errors
/// When a rule cannot be made to compile and pass its samples (a bug here, said with the
/// rule's template).
pub fn generate(traffic: &Traffic, count: usize, seed: u64) -> Result<Vec<Generated>, String> {
    let everyday: Vec<(&Template, u64)> = EVERYDAY_RULES
        .iter()
        .map(|(name, weight)| {
            traffic
                .everyday()
                .iter()
                .find(|t| t.name == *name)
                .map(|t| (t, *weight))
                .ok_or_else(|| format!("no everyday template {name:?}"))
        })
        .collect::<Result<_, _>>()?;
    let keys = sample_keys(traffic);
    let mut rules = Vec::with_capacity(count);
    let mut used: Vec<String> = Vec::new();
    for i in 0..count {
        let mut rng = Rng::derive(seed, "user rule", i as u64);
        let kind = weighted(&MIX, &mut rng);
        let mut last = String::new();
        let rule = (0..64).find_map(|_| {
            let (template, is_everyday) = match kind {
                Kind::Everyday => (weighted(&everyday, &mut rng), true),
                Kind::Wildcard if rng.chance(0.25) => (weighted(&everyday, &mut rng), true),
                _ => (rng.pick_ref(traffic.samples()), false),
            };
            last.clone_from(&template.name);
            let record = trimmed(render(template, i, &mut rng)?);
            let doc = rule(kind, &record, is_everyday, &keys, i, &used, &mut rng)?;
            check(&doc).ok()?;
            Some(Generated {
                kind,
                template: template.name.clone(),
                doc,
            })
        });
        let rule = rule.ok_or_else(|| format!("rule {i}: no valid rule after 64 tries (last from {last})"))?;
        used.push(rule.doc.id.clone());
        rules.push(rule);
    }
    Ok(rules)
}

/// Picks by relative weight.
fn weighted<T: Copy>(items: &[(T, u64)], rng: &mut Rng) -> T {
    let total: u64 = items.iter().map(|(_, w)| w).sum();
    let mut ticket = rng.below(total.max(1));
    for (item, weight) in items {
        if ticket < *weight {
            return *item;
        }
        ticket -= weight;
    }
    items[0].0
}

/// One record of `template`, parsed.
fn render(template: &Template, i: usize, rng: &mut Rng) -> Option<Value> {
    let ctx = Context {
        time_ms: START_MS + i as u64 * 60_000,
        account: rng.pick(ACCOUNTS),
        region: rng.pick(REGIONS),
    };
    let mut text = String::new();
    template.render(&ctx, rng, &mut Scratch::default(), &mut text);
    serde_json::from_str(&text).ok()
}

/// Top-level fields a rule's samples keep (as the repository's example rule does): what rules
/// read and what says which call it was; the transport details and ids of the rest go.
const SAMPLE_FIELDS: &[&str] = &[
    "eventVersion",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "eventID",
    "recipientAccountId",
    "userIdentity",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "serviceEventDetails",
];

/// `record` with the fields of [`SAMPLE_FIELDS`] only, and its caller's session without its
/// attributes.
fn trimmed(mut record: Value) -> Value {
    if let Some(map) = record.as_object_mut() {
        map.retain(|key, _| SAMPLE_FIELDS.contains(&key.as_str()));
    }
    if let Some(session) = record
        .pointer_mut("/userIdentity/sessionContext")
        .and_then(Value::as_object_mut)
    {
        session.retain(|key, _| key == "sessionIssuer");
    }
    record
}

fn text<'v>(record: &'v Value, key: &str) -> &'v str {
    record.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A rule on `record`; `None` when this record gives none (no usable field, a failed call of
/// an everyday template).
fn rule(
    kind: Kind,
    record: &Value,
    everyday: bool,
    keys: &[(String, String)],
    i: usize,
    used: &[String],
    rng: &mut Rng,
) -> Option<RuleDoc> {
    let source = text(record, "eventSource").to_owned();
    let name = text(record, "eventName").to_owned();
    let failed = record.get("errorCode").is_some();
    if failed && (kind != Kind::Catalog || !rng.chance(FAILED_CALLS_PERCENT / 100.0 * 4.0)) {
        return None;
    }
    let names = match kind {
        Kind::Wildcard => vec![name_pattern(&name, rng)],
        Kind::Catalog => with_siblings(&source, &name, keys, rng),
        Kind::Everyday => vec![name.clone()],
    };
    let mut record = record.clone();
    let selected = if everyday || rng.chance(SELECTIVE_PERCENT / 100.0) {
        Some(select(&mut record, rng)?)
    } else {
        None
    };
    let record = &record;
    let leaves = leaves::leaves(record);
    let parsed_text = record.to_string();
    let parsed: Record = serde_json::from_str(&parsed_text).ok()?;
    let event = Event::new(&parsed);
    let (rest, mut phrases) = condition(&leaves, &event, rng)?;
    let condition = match (selected, rest) {
        (None, rest) => rest,
        (Some(rare), None) => {
            phrases.insert(0, rare.phrase);
            Some(rare.doc)
        }
        (
            Some(rare),
            Some(ConditionDoc {
                all: Some(mut items), ..
            }),
        ) => {
            phrases.insert(0, rare.phrase);
            items.insert(0, rare.doc);
            Some(ConditionDoc {
                all: Some(items),
                ..ConditionDoc::default()
            })
        }
        (Some(rare), Some(rest)) => {
            phrases.insert(0, rare.phrase);
            Some(ConditionDoc {
                all: Some(vec![rare.doc, rest]),
                ..ConditionDoc::default()
            })
        }
    };
    let resources: Vec<&Leaf> = leaves.iter().filter(|l| l.names_resource()).collect();
    let events_label = names.join(", ");
    let title = match phrases.as_slice() {
        [] => format!("{events_label} called"),
        [one] => format!("{events_label} {one}"),
        [first, second, ..] => format!("{events_label} {first}, {second}"),
    };
    let (area, techniques) = area(&source, rng);
    let snake = snake(names[0].trim_end_matches('*'));
    let namespace = if rng.chance(0.7) { "acme" } else { "secops" };
    let id = format!("{namespace}.{snake}_{i:03}");
    if used.contains(&id) {
        return None;
    }
    let mut doc = RuleDoc {
        id,
        title,
        severity: weighted(
            &[
                (Severity::Info, 4),
                (Severity::Low, 24),
                (Severity::Medium, 40),
                (Severity::High, 26),
                (Severity::Critical, 6),
            ],
            rng,
        ),
        area,
        techniques,
        description: format!(
            "Benchmark rule {i}: {source} {events_label}{}. Generated by tools/scanbench (user-rules) from {} record.",
            if phrases.is_empty() {
                String::new()
            } else {
                format!(" {}", phrases.join(" and "))
            },
            if kind == Kind::Everyday {
                "an everyday"
            } else {
                "a rule sample"
            },
        ),
        remediation: if rng.chance(0.6) {
            "Confirm the call with its caller; revert it and narrow the caller's permissions if it was not expected."
                .into()
        } else {
            String::new()
        },
        controls: Vec::new(),
        events: vec![EventsDoc { source, names }],
        failed_calls: failed,
        condition,
        adjustments: adjustments(failed, rng),
        summary: summary(&resources, rng),
        resources: resources
            .iter()
            .take(1 + rng.below(2) as usize)
            .map(|l| l.path.clone())
            .collect(),
        dedupe: dedupe(&resources, rng),
        samples: SamplesDoc::default(),
    };
    let no_match = no_match(&doc, record, &leaves)?;
    doc.samples = SamplesDoc {
        must_match: vec![record.clone()],
        must_not_match: vec![no_match],
    };
    Some(doc)
}

/// Makes `record` about something rare (see [`clauses::rare`]): changes one of its caller's
/// or resources' values, and returns the test that picks it out. `None` when the record has
/// no such value.
fn select(record: &mut Value, rng: &mut Rng) -> Option<Clause> {
    let all = leaves::leaves(record);
    let resources: Vec<&Leaf> = all
        .iter()
        .filter(|l| l.shape == Shape::Text && l.names_resource())
        .collect();
    let callers: Vec<&Leaf> = all
        .iter()
        .filter(|l| l.is_caller() && matches!(l.shape, Shape::Arn | Shape::Agent | Shape::Address))
        .collect();
    let from = if !resources.is_empty() && (callers.is_empty() || rng.chance(0.55)) {
        &resources
    } else {
        &callers
    };
    let leaf = (*rng.pick_ref(from)).clone();
    let (value, clause) = clauses::rare(&leaf, rng)?;
    leaves::edit(record, &leaf.path, &mut |v| *v = value.clone());
    Some(clause)
}

/// `name` and, sometimes, one or two other names of the same source (of `keys`).
fn with_siblings(source: &str, name: &str, keys: &[(String, String)], rng: &mut Rng) -> Vec<String> {
    let mut names = vec![name.to_owned()];
    if !rng.chance(0.25) {
        return names;
    }
    let mut candidates: Vec<&str> = keys
        .iter()
        .filter(|(s, n)| s == source && n != name)
        .map(|(_, n)| n.as_str())
        .collect();
    candidates.dedup();
    for _ in 0..1 + rng.below(2) {
        if candidates.is_empty() {
            break;
        }
        let at = rng.below(candidates.len() as u64) as usize;
        names.push(candidates.swap_remove(at).to_owned());
    }
    names
}

/// The (eventSource, eventName) of each rule sample, sorted, each once.
fn sample_keys(traffic: &Traffic) -> Vec<(String, String)> {
    let mut rng = Rng::new(0);
    let mut keys: Vec<(String, String)> = traffic
        .samples()
        .iter()
        .filter_map(|t| render(t, 0, &mut rng))
        .map(|r| (text(&r, "eventSource").to_owned(), text(&r, "eventName").to_owned()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// A wildcard for `name` as rule authors write one: `Delete*`, `Put*Policy`, `*Guardrail`.
fn name_pattern(name: &str, rng: &mut Rng) -> String {
    let words = camel_words(name);
    match (words.as_slice(), rng.below(10)) {
        ([first, .., last], 6..=8) => format!("{first}*{last}"),
        ([_, .., last], 9) => format!("*{last}"),
        ([first, ..], _) => format!("{first}*"),
        ([], _) => "*".to_owned(),
    }
}

/// `PutRolePolicy` -> `Put`, `Role`, `Policy`.
fn camel_words(name: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices().skip(1) {
        if c.is_ascii_uppercase() && !name[..i].ends_with(|p: char| p.is_ascii_uppercase()) {
            words.push(&name[start..i]);
            start = i;
        }
    }
    if start < name.len() {
        words.push(&name[start..]);
    }
    words
}

/// `PutRolePolicy` -> `put_role_policy`.
fn snake(name: &str) -> String {
    let words: Vec<String> = camel_words(name)
        .iter()
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        "any_call".to_owned()
    } else {
        words.join("_")
    }
}

fn area(source: &str, rng: &mut Rng) -> (Area, Vec<String>) {
    let service = source.split('.').next().unwrap_or(source);
    let (area, techniques): (Area, &[&str]) = match service {
        "iam" | "sts" | "sso" => (Area::Access, &["T1098", "T1078.004", "T1548", "T1136.003"]),
        "s3" | "kms" | "secretsmanager" | "ssm" | "dynamodb" | "logs" => (Area::Data, &["T1530", "T1552.005", "T1485"]),
        "bedrock" | "bedrock-mantle" | "aws-marketplace" => (Area::Model, &["AML.T0040", "AML.T0044", "T1496"]),
        _ => (Area::Application, &["T1578", "T1525", "T1496"]),
    };
    let techniques = if rng.chance(0.7) {
        vec![rng.pick(techniques).to_owned()]
    } else {
        Vec::new()
    };
    (area, techniques)
}

fn adjustments(failed: bool, rng: &mut Rng) -> user_rules::Adjustments {
    user_rules::Adjustments {
        long_term_key: rng.chance(0.25).then(|| "+1".to_owned()),
        root: rng.chance(0.12).then(|| "critical".to_owned()),
        failed_call: (failed && rng.chance(0.7)).then(|| "-1".to_owned()),
    }
}

fn summary(resources: &[&Leaf], rng: &mut Rng) -> Option<String> {
    if rng.chance(0.15) {
        return None;
    }
    Some(match (resources.first(), rng.below(3)) {
        (Some(r), 0) => format!("{{userIdentity.arn}} called {{eventName}} on {{{}}}", r.path),
        (Some(r), 1) => format!(
            "{{eventName}} of {{{}}} by {{userIdentity.arn}} from {{sourceIPAddress}}",
            r.path
        ),
        _ => "{userIdentity.arn} called {eventName} from {sourceIPAddress} ({userAgent})".to_owned(),
    })
}

fn dedupe(resources: &[&Leaf], rng: &mut Rng) -> Option<DedupeDoc> {
    match (rng.below(10), resources.last()) {
        (0..=2, _) => Some(DedupeDoc {
            per: Some("principal".into()),
            fields: Vec::new(),
            window: Some("30m".into()),
        }),
        (3 | 4, Some(r)) => Some(DedupeDoc {
            per: None,
            fields: vec![r.path.clone()],
            window: Some("1d".into()),
        }),
        (5, _) => Some(DedupeDoc {
            per: Some("call".into()),
            fields: Vec::new(),
            window: None,
        }),
        _ => None,
    }
}

/// A condition that holds on `event`, with the phrases of its clauses that hold; `None`
/// (every call of the event matches) for a few rules, or when no clause could be made.
fn condition(leaves: &[Leaf], event: &Event<'_, '_>, rng: &mut Rng) -> Option<(Option<ConditionDoc>, Vec<String>)> {
    let scope: Vec<&Leaf> = leaves
        .iter()
        .filter(|l| {
            l.in_section()
                || matches!(
                    l.path.as_str(),
                    "recipientAccountId" | "awsRegion" | "userIdentity.type"
                )
        })
        .collect();
    let caller: Vec<&Leaf> = leaves.iter().filter(|l| l.is_caller()).collect();
    let policies: Vec<&Leaf> = leaves.iter().filter(|l| l.shape == Shape::Policy).collect();
    let numbers: Vec<&Leaf> = leaves.iter().filter(|l| l.shape == Shape::Number).collect();
    let pick = |rng: &mut Rng, from: &[&Leaf]| -> Option<Leaf> {
        let from = if from.is_empty() { &caller } else { from };
        (!from.is_empty()).then(|| (*rng.pick_ref(from)).clone())
    };
    let holding = |rng: &mut Rng, from: &[&Leaf]| -> Option<Clause> {
        if !policies.is_empty() && rng.chance(0.35) {
            let leaf = pick(rng, &policies)?;
            if let Some(c) = clauses::policies(&leaf).find(|c| holds(&c.doc, event) == Some(true)) {
                return Some(c);
            }
        }
        let from = if !numbers.is_empty() && rng.chance(0.3) {
            &numbers
        } else {
            from
        };
        (0..8).find_map(|_| {
            let leaf = pick(rng, from)?;
            let c = clauses::test(&leaf, true, rng);
            (holds(&c.doc, event) == Some(true)).then_some(c)
        })
    };
    let failing = |rng: &mut Rng, from: &[&Leaf]| -> Option<Clause> {
        (0..8).find_map(|_| {
            let leaf = pick(rng, from)?;
            let c = clauses::test(&leaf, false, rng);
            (holds(&c.doc, event) == Some(false)).then_some(c)
        })
    };
    let not = |c: Clause| ConditionDoc {
        not: Some(Box::new(c.doc)),
        ..ConditionDoc::default()
    };
    let all = |items: Vec<ConditionDoc>| ConditionDoc {
        all: Some(items),
        ..ConditionDoc::default()
    };
    let any = |items: Vec<ConditionDoc>| ConditionDoc {
        any: Some(items),
        ..ConditionDoc::default()
    };
    let mut phrases = Vec::new();
    let shape = rng.below(100);
    let doc = if shape < 5 {
        return Some((None, phrases));
    } else if shape < 22 {
        let c = holding(rng, &scope)?;
        phrases.push(c.phrase);
        c.doc
    } else if shape < 80 {
        let first = holding(rng, &scope)?;
        phrases.push(first.phrase);
        let mut items = vec![first.doc];
        for _ in 0..rng.below(3) {
            match rng.below(10) {
                0..=3 => {
                    let c = holding(rng, &scope)?;
                    phrases.push(c.phrase);
                    items.push(c.doc);
                }
                4..=7 => {
                    let c = failing(rng, &caller)?;
                    phrases.push(format!("not {}", c.phrase));
                    items.push(not(c));
                }
                _ => {
                    let (yes, no) = (holding(rng, &caller)?, failing(rng, &scope)?);
                    phrases.push(format!("{} or {}", yes.phrase, no.phrase));
                    items.push(any(vec![no.doc, yes.doc]));
                }
            }
        }
        if items.len() == 1 { items.pop()? } else { all(items) }
    } else if shape < 92 {
        let (yes, no) = (holding(rng, &scope)?, failing(rng, &scope)?);
        phrases.push(format!("{} or {}", no.phrase, yes.phrase));
        let mut items = vec![no.doc, yes.doc];
        if rng.chance(0.5) {
            items.push(failing(rng, &caller)?.doc);
        }
        any(items)
    } else {
        let (yes, except, other) = (holding(rng, &scope)?, failing(rng, &caller)?, failing(rng, &scope)?);
        phrases.push(format!("{}, not {}", yes.phrase, except.phrase));
        any(vec![all(vec![yes.doc, not(except)]), other.doc])
    };
    (holds(&doc, event) == Some(true)).then_some((Some(doc), phrases))
}

/// Whether `doc` holds on `event`; `None` when it does not compile.
fn holds(doc: &ConditionDoc, event: &Event<'_, '_>) -> Option<bool> {
    let condition = Condition::compile(doc, "condition").ok()?;
    Some(condition.matches(event, &Organization::default()))
}

/// The field paths a condition tests, in order.
fn tested(doc: &ConditionDoc, out: &mut Vec<String>) {
    out.extend(doc.field.iter().cloned());
    for list in [&doc.all, &doc.any].into_iter().flatten() {
        list.iter().for_each(|c| tested(c, out));
    }
    if let Some(not) = &doc.not {
        tested(not, out);
    }
}

/// `record` changed so that the rule does not fire on it: a tested field changed or removed,
/// else the call failed. `None` when nothing tried works.
fn no_match(doc: &RuleDoc, record: &Value, leaves: &[Leaf]) -> Option<Value> {
    let mut paths = Vec::new();
    if let Some(condition) = &doc.condition {
        tested(condition, &mut paths);
    }
    let mut candidates: Vec<Value> = Vec::new();
    for path in &paths {
        let Some(leaf) = leaves.iter().find(|l| &l.path == path) else {
            continue;
        };
        let changed = match &leaf.value {
            Value::String(s) if leaf.shape == Shape::Address => json!(if s.starts_with("10.") {
                "198.51.100.7"
            } else {
                "10.20.30.40"
            }),
            Value::String(s) if leaf.shape == Shape::Arn => json!(
                s.replacen(":role/", ":role/Other", 1)
                    .replacen("-role/", "-role/Other", 1)
                    + "-x"
            ),
            Value::String(s) => json!(format!("zz{}", s.chars().rev().collect::<String>())),
            Value::Number(n) => json!(n.as_f64().unwrap_or_default() * -3.0 - 7.0),
            Value::Bool(b) => json!(!b),
            _ => json!({"Version": "2012-10-17", "Statement": []}),
        };
        let mut edited = record.clone();
        leaves::edit(&mut edited, path, &mut |v| *v = changed.clone());
        candidates.push(edited);
        let mut removed = record.clone();
        leaves::remove(&mut removed, path);
        candidates.push(removed);
    }
    let mut failed = record.clone();
    if doc.failed_calls {
        failed["eventName"] = json!("ListTagsForResource");
    } else {
        failed["errorCode"] = json!("AccessDenied");
        failed["errorMessage"] = json!("User is not authorized to perform this action");
    }
    candidates.push(failed);
    candidates.into_iter().find(|candidate| {
        let mut trial = doc.clone();
        trial.samples = SamplesDoc {
            must_match: vec![record.clone()],
            must_not_match: vec![candidate.clone()],
        };
        check(&trial).is_ok()
    })
}

/// Compiles `doc` and runs its samples.
///
/// # Errors
/// The compile error, or the first sample that fails.
pub fn check(doc: &RuleDoc) -> Result<(), String> {
    let rule = user_rules::compile(doc).map_err(|e| format!("{}: {e}", doc.id))?;
    match user_rules::run_samples(&rule).into_iter().find(|o| !o.passed()) {
        None => Ok(()),
        Some(o) => Err(format!(
            "{}: sample {}[{}] {}",
            doc.id,
            if o.expected { "match" } else { "no_match" },
            o.index,
            o.error.unwrap_or_else(|| format!("fired: {}", o.got))
        )),
    }
}

/// The first line of every file [`write`] writes: files starting with it are the
/// generator's, replaced on the next run.
pub const HEADER: &str = "# Generated by tools/scanbench user-rules";

/// Writes one file per rule under `dir` (`NNN-<name>.yaml`), after removing the files an
/// earlier run wrote there (and no other file); returns the number written.
///
/// # Errors
/// When the folder cannot be read or a file written.
pub fn write(dir: &Path, rules: &[Generated], seed: u64) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let ours = path.extension().is_some_and(|e| e == "yaml")
            && std::fs::read_to_string(&path).is_ok_and(|t| t.starts_with(HEADER));
        if ours {
            std::fs::remove_file(&path)?;
        }
    }
    for (i, rule) in rules.iter().enumerate() {
        let yaml = yaml_serde::to_string(&rule.doc).map_err(std::io::Error::other)?;
        let name = rule.doc.id.split_once('.').map_or(rule.doc.id.as_str(), |(_, n)| n);
        let text = format!(
            "{HEADER} (seed {seed}, rule {i} of {}): {} rule from the {} template.\n{yaml}",
            rules.len(),
            rule.kind.as_str(),
            rule.template
        );
        std::fs::write(dir.join(format!("{i:03}-{name}.yaml")), text)?;
    }
    Ok(rules.len())
}

/// What the rules hold: counts by kind, event keys, and of each condition key
/// (`all`, `equals`, `policy`, …) over every rule.
pub fn tally(rules: &[Generated]) -> Value {
    fn keys(doc: &ConditionDoc, out: &mut BTreeMap<&'static str, u64>) {
        let set = [
            ("all", doc.all.is_some()),
            ("any", doc.any.is_some()),
            ("not", doc.not.is_some()),
            ("equals", doc.equals.is_some()),
            ("wildcard", doc.wildcard.is_some()),
            ("regex", doc.regex.is_some()),
            ("contains", doc.contains.is_some()),
            ("starts_with", doc.starts_with.is_some()),
            ("ends_with", doc.ends_with.is_some()),
            ("cidr", doc.cidr.is_some()),
            ("numeric", doc.gt.or(doc.gte).or(doc.lt).or(doc.lte).is_some()),
            ("exists", doc.exists.is_some()),
            ("policy", doc.policy.is_some()),
            ("ignore_case", doc.ignore_case),
        ];
        for (key, on) in set {
            if on {
                *out.entry(key).or_default() += 1;
            }
        }
        for list in [&doc.all, &doc.any].into_iter().flatten() {
            list.iter().for_each(|c| keys(c, out));
        }
        if let Some(not) = &doc.not {
            keys(not, out);
        }
    }
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    let mut operators: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut events: BTreeMap<String, u64> = BTreeMap::new();
    let mut without_condition = 0;
    for rule in rules {
        *kinds.entry(rule.kind.as_str()).or_default() += 1;
        match &rule.doc.condition {
            Some(c) => keys(c, &mut operators),
            None => without_condition += 1,
        }
        for e in &rule.doc.events {
            for n in &e.names {
                *events.entry(format!("{} {n}", e.source)).or_default() += 1;
            }
        }
    }
    json!({
        "rules": rules.len(),
        "kinds": kinds,
        "event_keys": events.len(),
        "without_condition": without_condition,
        "failed_calls": rules.iter().filter(|r| r.doc.failed_calls).count(),
        "condition_keys": operators,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::default_events_dir;

    #[test]
    fn names_split_into_words_and_patterns() {
        assert_eq!(camel_words("PutRolePolicy"), ["Put", "Role", "Policy"]);
        assert_eq!(camel_words("GetAPIKey"), ["Get", "APIKey"]);
        assert_eq!(snake("CreateModelInvocationJob"), "create_model_invocation_job");
        let mut rng = Rng::new(1);
        let patterns: Vec<String> = (0..40).map(|_| name_pattern("PutRolePolicy", &mut rng)).collect();
        assert!(
            patterns
                .iter()
                .all(|p| ["Put*", "Put*Policy", "*Policy"].contains(&p.as_str()))
        );
        assert!(patterns.iter().any(|p| p == "Put*Policy"));
    }

    #[test]
    fn rules_are_valid_deterministic_and_mixed() {
        let traffic = Traffic::load(&default_events_dir()).unwrap();
        let rules = generate(&traffic, 60, 3).unwrap();
        let again = generate(&traffic, 60, 3).unwrap();
        assert_eq!(rules.len(), 60);
        for (a, b) in rules.iter().zip(&again) {
            assert_eq!(a.doc, b.doc);
            check(&a.doc).unwrap();
            assert_eq!(
                (a.doc.samples.must_match.len(), a.doc.samples.must_not_match.len()),
                (1, 1)
            );
        }
        let kinds: Vec<Kind> = rules.iter().map(|r| r.kind).collect();
        for kind in [Kind::Catalog, Kind::Everyday, Kind::Wildcard] {
            assert!(kinds.contains(&kind), "{kind:?}");
        }
        let wildcards = rules.iter().filter(|r| r.doc.events[0].names[0].contains('*')).count();
        assert_eq!(wildcards, kinds.iter().filter(|k| **k == Kind::Wildcard).count());
        let tally = tally(&rules);
        for key in ["all", "not", "equals"] {
            assert!(tally["condition_keys"][key].as_u64().unwrap_or(0) > 0, "{key}: {tally}");
        }
        let other = generate(&traffic, 60, 4).unwrap();
        assert_ne!(rules[0].doc, other[0].doc);
    }
}
