//! What changed between a configuration and the one it replaced: a Bedrock model invocation
//! logging configuration, a guardrail, a resource policy's exposure. Each change that weakens
//! protection carries a severity; the others ("image delivery turned on") carry none.
//!
//! Only what both sides show is compared: a field hidden behind a placeholder
//! (`HIDDEN_DUE_TO_SECURITY_REASONS` where an object, a list or a boolean belongs) on either
//! side is not evidence of a change.

use serde_json::Value;

use crate::policy::Exposure;
use crate::severity::Severity;

/// One difference, in words: "S3 destination removed (was bucket logs)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How much it weakens protection; `None` when it does not.
    pub severity: Option<Severity>,
    pub text: String,
}

impl Change {
    fn weaker(severity: Severity, text: String) -> Change {
        Change {
            severity: Some(severity),
            text,
        }
    }

    fn other(text: String) -> Change {
        Change { severity: None, text }
    }
}

/// The weakening changes of `changes`, in order.
pub fn weakenings(changes: &[Change]) -> impl Iterator<Item = &Change> {
    changes.iter().filter(|c| c.severity.is_some())
}

/// A field as seen: absent (missing or null), shown, or hidden (of another type than `shown`
/// accepts).
enum Seen<T> {
    Absent,
    Shown(T),
    Hidden,
}

fn seen<'v, T>(value: Option<&'v Value>, shown: impl Fn(&'v Value) -> Option<T>) -> Seen<T> {
    match value {
        None | Some(Value::Null) => Seen::Absent,
        Some(v) => shown(v).map_or(Seen::Hidden, Seen::Shown),
    }
}

fn object(v: &Value) -> Option<&Value> {
    v.is_object().then_some(v)
}

fn flag(v: &Value) -> Option<bool> {
    crate::rules::support::flag(Some(v))
}

fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// The data types a logging configuration delivers, by switch.
const DELIVERY: &[(&str, &str, Severity)] = &[
    ("textDataDeliveryEnabled", "text", Severity::Medium),
    ("imageDataDeliveryEnabled", "image", Severity::Low),
    ("embeddingDataDeliveryEnabled", "embedding", Severity::Low),
    ("videoDataDeliveryEnabled", "video", Severity::Low),
    ("audioDataDeliveryEnabled", "audio", Severity::Low),
];

/// The changes from logging configuration `before` to `after` (both `loggingConfig`
/// objects): a destination removed or moved (medium), the CloudWatch role or large-data
/// bucket changed or removed (low), a data type's delivery turned off (text medium, the others
/// low); destinations added and deliveries turned on are listed without severity.
pub fn logging(before: &Value, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    let destinations = [
        ("s3Config", "S3 destination", "bucketName", "bucket"),
        (
            "cloudWatchConfig",
            "CloudWatch destination",
            "logGroupName",
            "log group",
        ),
    ];
    for (key, what, name_key, name_kind) in destinations {
        let (b, a) = (seen(before.get(key), object), seen(after.get(key), object));
        match (b, a) {
            (Seen::Shown(b), Seen::Absent) => {
                let was = text(b, name_key)
                    .map(|n| format!(" (was {name_kind} {n})"))
                    .unwrap_or_default();
                changes.push(Change::weaker(Severity::Medium, format!("{what} removed{was}")));
            }
            (Seen::Absent, Seen::Shown(a)) => {
                let now = text(a, name_key)
                    .map(|n| format!(" ({name_kind} {n})"))
                    .unwrap_or_default();
                changes.push(Change::other(format!("{what} added{now}")));
            }
            (Seen::Shown(b), Seen::Shown(a)) => {
                if let (Some(from), Some(to)) = (text(b, name_key), text(a, name_key))
                    && from != to
                {
                    changes.push(Change::weaker(
                        Severity::Medium,
                        format!("{what} moved from {name_kind} {from} to {to}"),
                    ));
                }
                if key == "cloudWatchConfig" {
                    cloudwatch_details(b, a, &mut changes);
                }
            }
            _ => {}
        }
    }
    for &(key, name, severity) in DELIVERY {
        let (b, a) = (seen(before.get(key), flag), seen(after.get(key), flag));
        // The switches are opt-in: absent is off.
        let on = |s: &Seen<bool>| match s {
            Seen::Absent => Some(false),
            Seen::Shown(v) => Some(*v),
            Seen::Hidden => None,
        };
        match (on(&b), on(&a)) {
            (Some(true), Some(false)) => changes.push(Change::weaker(severity, format!("{name} delivery turned off"))),
            (Some(false), Some(true)) => changes.push(Change::other(format!("{name} delivery turned on"))),
            _ => {}
        }
    }
    changes
}

/// The role and large-data bucket of two CloudWatch destinations.
fn cloudwatch_details(before: &Value, after: &Value, changes: &mut Vec<Change>) {
    if let (Some(from), Some(to)) = (text(before, "roleArn"), text(after, "roleArn"))
        && from != to
    {
        changes.push(Change::weaker(
            Severity::Low,
            format!("CloudWatch delivery role changed from {from} to {to}"),
        ));
    }
    let key = "largeDataDeliveryS3Config";
    match (seen(before.get(key), object), seen(after.get(key), object)) {
        (Seen::Shown(_), Seen::Absent) => changes.push(Change::weaker(
            Severity::Low,
            "large-data delivery to S3 removed".into(),
        )),
        (Seen::Shown(b), Seen::Shown(a)) => {
            if let (Some(from), Some(to)) = (text(b, "bucketName"), text(a, "bucketName"))
                && from != to
            {
                changes.push(Change::weaker(
                    Severity::Low,
                    format!("large-data delivery moved from bucket {from} to {to}"),
                ));
            }
        }
        _ => {}
    }
}

/// Content filter strengths, weakest first.
const STRENGTHS: &[&str] = &["NONE", "LOW", "MEDIUM", "HIGH"];

fn strength_rank(s: &str) -> Option<usize> {
    STRENGTHS.iter().position(|x| x.eq_ignore_ascii_case(s))
}

/// A guardrail's policies whose removal is a change of its own, with their names in words.
const POLICIES: &[(&str, &str)] = &[
    ("contentPolicyConfig", "content filters"),
    ("topicPolicyConfig", "denied topics"),
    ("wordPolicyConfig", "word filters"),
    ("sensitiveInformationPolicyConfig", "sensitive information filters"),
    ("contextualGroundingPolicyConfig", "contextual grounding checks"),
    ("automatedReasoningPolicyConfig", "automated reasoning checks"),
];

/// The lists inside a guardrail's policies whose shrinking is a change: (policy, list, what
/// one item is).
const LISTS: &[(&str, &str, &str)] = &[
    ("topicPolicyConfig", "topicsConfig", "denied topic"),
    ("wordPolicyConfig", "wordsConfig", "blocked word"),
    ("wordPolicyConfig", "managedWordListsConfig", "managed word list"),
    (
        "sensitiveInformationPolicyConfig",
        "piiEntitiesConfig",
        "PII entity filter",
    ),
    ("sensitiveInformationPolicyConfig", "regexesConfig", "regex filter"),
];

fn filters<'v>(config: &'v Value, policy: &str) -> Seen<&'v Vec<Value>> {
    match seen(config.get(policy), object) {
        Seen::Absent => Seen::Absent,
        Seen::Hidden => Seen::Hidden,
        Seen::Shown(p) => seen(p.get("filtersConfig"), Value::as_array),
    }
}

fn by_type<'v>(list: &'v [Value], kind: &str) -> Option<&'v Value> {
    list.iter().find(|f| text(f, "type") == Some(kind))
}

/// The changes from guardrail configuration `before` to `after` (both in the shape of an
/// `UpdateGuardrail` request): a content filter's strength lowered ("PROMPT_ATTACK input
/// strength HIGH -> NONE": high to NONE, medium to LOW, else low), a filter removed (medium),
/// switched off or set to detect only (high); a grounding check removed, disabled or detect
/// only (medium) or its threshold lowered (medium below 0.5, else low); a whole policy
/// removed (medium) or fewer denied topics, words, PII or regex filters (low). Strengths
/// raised are listed without severity.
pub fn guardrail(before: &Value, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    for &(policy, name) in POLICIES {
        if matches!(seen(before.get(policy), object), Seen::Shown(_))
            && matches!(seen(after.get(policy), object), Seen::Absent)
        {
            changes.push(Change::weaker(Severity::Medium, format!("{name} removed")));
        }
    }
    if let (Seen::Shown(b), Seen::Shown(a)) = (
        filters(before, "contentPolicyConfig"),
        filters(after, "contentPolicyConfig"),
    ) {
        for old in b {
            let Some(kind) = text(old, "type") else { continue };
            match by_type(a, kind) {
                None => changes.push(Change::weaker(Severity::Medium, format!("{kind} filter removed"))),
                Some(new) => content_filter(kind, old, new, &mut changes),
            }
        }
    }
    if let (Seen::Shown(b), Seen::Shown(a)) = (
        filters(before, "contextualGroundingPolicyConfig"),
        filters(after, "contextualGroundingPolicyConfig"),
    ) {
        for old in b {
            let Some(kind) = text(old, "type") else { continue };
            match by_type(a, kind) {
                None => changes.push(Change::weaker(Severity::Medium, format!("{kind} check removed"))),
                Some(new) => grounding_check(kind, old, new, &mut changes),
            }
        }
    }
    for &(policy, list, item) in LISTS {
        let count = |config: &Value| match seen(config.get(policy), object) {
            Seen::Shown(p) => match seen(p.get(list), Value::as_array) {
                Seen::Shown(items) => Some(items.len()),
                Seen::Absent => Some(0),
                Seen::Hidden => None,
            },
            _ => None,
        };
        if let (Some(b), Some(a)) = (count(before), count(after))
            && a < b
        {
            changes.push(Change::weaker(Severity::Low, format!("{item}s {b} -> {a}")));
        }
    }
    changes
}

/// The changes of one content filter, side by side.
fn content_filter(kind: &str, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    for side in ["input", "output"] {
        if kind == "PROMPT_ATTACK" && side == "output" {
            continue; // the API requires NONE on the output side
        }
        let key = format!("{side}Strength");
        if let (Some(from), Some(to)) = (text(old, &key), text(new, &key))
            && let (Some(f), Some(t)) = (strength_rank(from), strength_rank(to))
        {
            let what = format!("{kind} {side} strength {from} -> {to}");
            if t < f {
                let severity = match t {
                    0 => Severity::High,
                    1 => Severity::Medium,
                    _ => Severity::Low,
                };
                changes.push(Change::weaker(severity, what));
            } else if t > f {
                changes.push(Change::other(what));
            }
        }
        let enabled = format!("{side}Enabled");
        let on = |v: &Value| v.get(&enabled).map_or(Some(true), flag);
        if on(old) == Some(true) && on(new) == Some(false) {
            changes.push(Change::weaker(
                Severity::High,
                format!("{kind} {side} filter turned off"),
            ));
        }
        let action = format!("{side}Action");
        if let Some(to) = text(new, &action).filter(|a| *a == "NONE")
            && text(old, &action).is_none_or(|from| from != to)
        {
            let from = text(old, &action).unwrap_or("BLOCK");
            changes.push(Change::weaker(
                Severity::High,
                format!("{kind} {side} action {from} -> NONE (detect only)"),
            ));
        }
    }
}

/// The changes of one contextual grounding check.
fn grounding_check(kind: &str, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    let threshold = |v: &Value| v.get("threshold").and_then(Value::as_f64);
    if let (Some(from), Some(to)) = (threshold(old), threshold(new))
        && to < from
    {
        let severity = if to < 0.5 { Severity::Medium } else { Severity::Low };
        changes.push(Change::weaker(severity, format!("{kind} threshold {from} -> {to}")));
    }
    let on = |v: &Value| v.get("enabled").map_or(Some(true), flag);
    if on(old) == Some(true) && on(new) == Some(false) {
        changes.push(Change::weaker(Severity::Medium, format!("{kind} check turned off")));
    }
    if text(new, "action") == Some("NONE") && text(old, "action") != Some("NONE") {
        changes.push(Change::weaker(
            Severity::Medium,
            format!("{kind} check set to detect only"),
        ));
    }
}

/// How the exposure of a resource policy changed: "newly public", "newly open to external
/// account(s) 4444…", or that it was already open as much before (`None` when `after` opens to
/// no one outside).
pub fn exposure(before: &Exposure, after: &Exposure) -> Option<Change> {
    if !after.is_exposed() {
        return None;
    }
    if after.public && !before.public {
        let was = if before.is_exposed() {
            format!("it was open to {} before", before.describe())
        } else {
            "it was not open outside the organization before".to_owned()
        };
        return Some(Change::weaker(Severity::Critical, format!("newly public; {was}")));
    }
    if before.public && !after.public {
        return Some(Change::other(format!(
            "narrowed: it was open to anyone before; now to {}",
            after.describe()
        )));
    }
    let added: Vec<&str> = after
        .external_accounts
        .iter()
        .filter(|a| !before.external_accounts.contains(a))
        .map(String::as_str)
        .collect();
    if !added.is_empty() {
        return Some(Change::weaker(
            Severity::High,
            format!("newly open to external account(s) {}", added.join(", ")),
        ));
    }
    Some(Change::other(format!(
        "it was already open to {} before this put",
        before.describe()
    )))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn texts(changes: &[Change]) -> Vec<(Option<Severity>, &str)> {
        changes.iter().map(|c| (c.severity, c.text.as_str())).collect()
    }

    #[test]
    fn logging_destinations_and_deliveries() {
        let before = json!({
            "s3Config": {"bucketName": "logs"},
            "cloudWatchConfig": {"logGroupName": "/bedrock", "roleArn": "arn:aws:iam::111122223333:role/A",
                "largeDataDeliveryS3Config": {"bucketName": "big"}},
            "textDataDeliveryEnabled": true, "imageDataDeliveryEnabled": true
        });
        let after = json!({
            "cloudWatchConfig": {"logGroupName": "/bedrock", "roleArn": "arn:aws:iam::111122223333:role/B"},
            "textDataDeliveryEnabled": true, "imageDataDeliveryEnabled": false, "embeddingDataDeliveryEnabled": true
        });
        assert_eq!(
            texts(&logging(&before, &after)),
            [
                (Some(Severity::Medium), "S3 destination removed (was bucket logs)"),
                (
                    Some(Severity::Low),
                    "CloudWatch delivery role changed from arn:aws:iam::111122223333:role/A to arn:aws:iam::111122223333:role/B"
                ),
                (Some(Severity::Low), "large-data delivery to S3 removed"),
                (Some(Severity::Low), "image delivery turned off"),
                (None, "embedding delivery turned on"),
            ]
        );
        let moved = logging(
            &json!({"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": true}),
            &json!({"s3Config": {"bucketName": "elsewhere"}}),
        );
        assert_eq!(
            texts(&moved),
            [
                (
                    Some(Severity::Medium),
                    "S3 destination moved from bucket logs to elsewhere"
                ),
                (Some(Severity::Medium), "text delivery turned off"),
            ]
        );
        assert!(logging(&before, &before).is_empty(), "no change");
    }

    #[test]
    fn hidden_logging_fields_are_not_changes() {
        let hidden = "HIDDEN_DUE_TO_SECURITY_REASONS";
        let before = json!({"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": true});
        let after = json!({"s3Config": hidden, "textDataDeliveryEnabled": hidden});
        assert!(logging(&before, &after).is_empty());
        assert!(logging(&after, &before).is_empty());
    }

    fn guardrail_with(filters: Value) -> Value {
        json!({"name": "g", "contentPolicyConfig": {"filtersConfig": filters},
            "topicPolicyConfig": {"topicsConfig": [{"name": "a"}, {"name": "b"}]}})
    }

    #[test]
    fn guardrail_strengths_filters_and_policies() {
        let before = guardrail_with(json!([
            {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
            {"type": "VIOLENCE", "inputStrength": "HIGH", "outputStrength": "HIGH"},
            {"type": "HATE", "inputStrength": "MEDIUM", "outputStrength": "LOW"},
            {"type": "INSULTS", "inputStrength": "HIGH", "outputStrength": "HIGH"}
        ]));
        let mut after = guardrail_with(json!([
            {"type": "PROMPT_ATTACK", "inputStrength": "NONE", "outputStrength": "NONE"},
            {"type": "VIOLENCE", "inputStrength": "MEDIUM", "outputStrength": "HIGH", "outputEnabled": false},
            {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "LOW", "inputAction": "NONE"}
        ]));
        after["topicPolicyConfig"]["topicsConfig"] = json!([{"name": "a"}]);
        assert_eq!(
            texts(&guardrail(&before, &after)),
            [
                (Some(Severity::High), "PROMPT_ATTACK input strength HIGH -> NONE"),
                (Some(Severity::Low), "VIOLENCE input strength HIGH -> MEDIUM"),
                (Some(Severity::High), "VIOLENCE output filter turned off"),
                (None, "HATE input strength MEDIUM -> HIGH"),
                (Some(Severity::High), "HATE input action BLOCK -> NONE (detect only)"),
                (Some(Severity::Medium), "INSULTS filter removed"),
                (Some(Severity::Low), "denied topics 2 -> 1"),
            ]
        );
        let mut bare = before.clone();
        bare.as_object_mut().unwrap().remove("topicPolicyConfig");
        assert_eq!(
            texts(&guardrail(&before, &bare)),
            [(Some(Severity::Medium), "denied topics removed")]
        );
    }

    #[test]
    fn guardrail_grounding_and_hidden_parts() {
        let before = json!({"contextualGroundingPolicyConfig": {"filtersConfig": [
            {"type": "GROUNDING", "threshold": 0.8}, {"type": "RELEVANCE", "threshold": 0.7}]}});
        let after = json!({"contextualGroundingPolicyConfig": {"filtersConfig": [
            {"type": "GROUNDING", "threshold": 0.3, "action": "NONE"}]}});
        assert_eq!(
            texts(&guardrail(&before, &after)),
            [
                (Some(Severity::Medium), "GROUNDING threshold 0.8 -> 0.3"),
                (Some(Severity::Medium), "GROUNDING check set to detect only"),
                (Some(Severity::Medium), "RELEVANCE check removed"),
            ]
        );
        let hidden = json!({"contentPolicyConfig": "HIDDEN_DUE_TO_SECURITY_REASONS",
            "contextualGroundingPolicyConfig": {"filtersConfig": "HIDDEN_DUE_TO_SECURITY_REASONS"}});
        let shown = json!({"contentPolicyConfig": {"filtersConfig": [{"type": "HATE", "inputStrength": "HIGH"}]}});
        assert!(guardrail(&shown, &hidden).is_empty(), "hidden is not removed");
        assert!(guardrail(&before, &hidden).is_empty());
    }

    #[test]
    fn exposure_changes() {
        let none = Exposure::default();
        let public = Exposure {
            public: true,
            ..Exposure::default()
        };
        let other = Exposure {
            external_accounts: vec!["444455556666".into()],
            ..Exposure::default()
        };
        assert_eq!(exposure(&none, &none), None);
        assert_eq!(
            exposure(&public, &public).unwrap().text,
            "it was already open to anyone (public) before this put"
        );
        assert_eq!(
            exposure(&public, &other).unwrap().text,
            "narrowed: it was open to anyone before; now to external account(s) 444455556666"
        );
        assert_eq!(
            exposure(&none, &public).unwrap().text,
            "newly public; it was not open outside the organization before"
        );
        assert_eq!(
            exposure(&other, &public).unwrap().text,
            "newly public; it was open to external account(s) 444455556666 before"
        );
        let grown = exposure(&none, &other).unwrap();
        assert_eq!(
            (grown.severity, grown.text.as_str()),
            (Some(Severity::High), "newly open to external account(s) 444455556666")
        );
        let same = exposure(&other, &other).unwrap();
        assert_eq!(
            (same.severity, same.text.as_str()),
            (
                None,
                "it was already open to external account(s) 444455556666 before this put"
            )
        );
    }
}
