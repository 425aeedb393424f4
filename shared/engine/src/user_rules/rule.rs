//! A user rule compiled from its [`RuleDoc`]: an [`EventRule`] like the built-in ones.
//!
//! Metadata of detections is `'static` (the registry and findings borrow it): compiling a rule
//! leaks its strings and lists once. User rules are loaded once, at start, and live as long as
//! the process, so nothing is lost; a process that compiled rules over and over (it should
//! not) would grow by their text each time.

use std::sync::OnceLock;

use super::condition::Condition;
use super::error::CompileError;
use super::field::Field;
use super::needle;
use super::schema::{Adjustments, RuleDoc, SamplesDoc};
use super::template::{MISSING, Template};
use super::wildcard;
use crate::cloudtrail::Event;
use crate::detection::{AlertScope, DAY, DedupeScope, EventKey, HOUR, Hit, Metadata, Organization};
use crate::registry::valid_id;
use crate::rules::{EventRule, Needles};
use crate::severity::Severity;

/// A compiled user rule.
#[derive(Debug, Clone)]
pub struct UserRule {
    metadata: Metadata,
    condition: Option<Condition>,
    adjustments: Vec<(Circumstance, Change)>,
    summary: Option<Template>,
    resources: Vec<Field>,
    dedupe: Vec<Field>,
    samples: SamplesDoc,
    /// Lists of text every record the condition holds on contains one of each of
    /// ([`super::needle`]); empty when none is known.
    needles: Needles,
}

/// When a severity adjustment applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Circumstance {
    LongTermKey,
    Root,
    FailedCall,
}

/// What a severity adjustment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Set(Severity),
    /// Levels up (positive) or down.
    Steps(i32),
}

impl Change {
    fn parse(text: &str, at: &str) -> Result<Change, CompileError> {
        let text = text.trim();
        if let Some(steps) = text.strip_prefix(['+', '-']).and_then(|n| n.parse::<i32>().ok()) {
            return Ok(Change::Steps(if text.starts_with('-') { -steps } else { steps }));
        }
        text.parse().map(Change::Set).map_err(|_| {
            CompileError::new(at, format!("{text:?} is neither a severity nor a number of steps"))
                .hint("write a severity (info, low, medium, high, critical) or steps such as +1 or -1")
                .text(text)
        })
    }

    fn apply(self, severity: Severity) -> Severity {
        match self {
            Change::Set(s) => s,
            Change::Steps(n) => {
                (0..n.unsigned_abs().min(4)).fold(severity, |s, _| if n > 0 { s.raise() } else { s.lower() })
            }
        }
    }
}

/// The namespaces of the built-in catalog's ids (`bedrock`, `iam`, …), which user rules may
/// not use.
pub fn builtin_namespaces() -> &'static [&'static str] {
    static NAMESPACES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMESPACES.get_or_init(|| {
        let rules = crate::rules::all();
        let stateful = crate::stateful::all();
        let posture = crate::posture::all();
        let ids = rules
            .iter()
            .map(|r| r.metadata().id)
            .chain(stateful.iter().map(|d| d.metadata().id))
            .chain(posture.iter().map(|c| c.metadata().id));
        let mut namespaces: Vec<&'static str> = ids.filter_map(|id| id.split_once('.')).map(|(ns, _)| ns).collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        namespaces
    })
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.into())
}

fn leak_all(texts: &[String]) -> &'static [&'static str] {
    Box::leak(texts.iter().map(|t| leak(t)).collect())
}

/// The longest dedupe window: a year, leap day included.
const MAX_WINDOW_DAYS: i64 = 366;

/// Parses a dedupe window: `30m`, `1h`, `1d`, `90s` or a number of seconds; positive, at most
/// [`MAX_WINDOW_DAYS`].
fn window_secs(text: &str) -> Result<i64, CompileError> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], &text[i..]),
        _ => (text, "s"),
    };
    let scale = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(HOUR),
        "d" => Some(DAY),
        _ => None,
    };
    let secs = scale
        .zip(number.trim().parse::<i64>().ok())
        .and_then(|(scale, n)| n.checked_mul(scale))
        .filter(|secs| *secs > 0)
        .ok_or_else(|| {
            CompileError::new("dedupe.window", format!("{text:?} is not a window"))
                .hint("write a positive duration: 30m, 1h, 1d, or a number of seconds such as \"3600\"")
                .text(text)
        })?;
    if secs > MAX_WINDOW_DAYS * DAY {
        return Err(CompileError::new(
            "dedupe.window",
            format!("{text:?} is longer than {MAX_WINDOW_DAYS} days"),
        )
        .hint(format!(
            "one alert per {MAX_WINDOW_DAYS} days at most: write {MAX_WINDOW_DAYS}d or less"
        ))
        .text(text));
    }
    Ok(secs)
}

fn alert_scope(doc: &RuleDoc) -> Result<AlertScope, CompileError> {
    let Some(dedupe) = &doc.dedupe else {
        return Ok(AlertScope::DEFAULT);
    };
    let per = match dedupe.per.as_deref().map(str::trim) {
        None | Some("principal_resource") => DedupeScope::PrincipalResource,
        Some("principal") => DedupeScope::Principal,
        Some("call") => DedupeScope::Call,
        Some(other) => {
            return Err(CompileError::new("dedupe.per", format!("unknown scope {other:?}"))
                .hint("one of principal_resource, principal, call")
                .text(other));
        }
    };
    let window_secs = dedupe.window.as_deref().map_or(Ok(HOUR), window_secs)?;
    Ok(AlertScope { per, window_secs })
}

fn check_id(id: &str) -> Result<(), CompileError> {
    if !valid_id(id) {
        return Err(
            CompileError::new("id", format!("id {id:?} is not of the form namespace.snake_case_name"))
                .hint("lower-case letters, digits and `_`, one dot: acme.sagemaker_endpoint_outside_ml_platform")
                .text(id),
        );
    }
    let namespace = id.split_once('.').map_or(id, |(ns, _)| ns);
    if builtin_namespaces().contains(&namespace) {
        let name = id.split_once('.').map_or(id, |(_, n)| n);
        return Err(
            CompileError::new("id", format!("namespace {namespace:?} belongs to the built-in catalog"))
                .hint(format!("use your own namespace, e.g. acme.{name}"))
                .text(id),
        );
    }
    Ok(())
}

/// The rule's (eventSource, eventName) pairs, checked.
fn events(doc: &RuleDoc) -> Result<Vec<(&str, &str)>, CompileError> {
    if doc.events.is_empty() {
        return Err(CompileError::new("events", "the rule consumes no events")
            .hint("list at least one `source:` with its `names:`"));
    }
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for (i, events) in doc.events.iter().enumerate() {
        let at = format!("events[{i}]");
        let blank = |s: &str| s.is_empty() || s.chars().any(char::is_whitespace);
        if blank(&events.source) {
            return Err(CompileError::new(
                format!("{at}.source"),
                format!("{:?} is not an eventSource", events.source),
            )
            .hint("such as sagemaker.amazonaws.com"));
        }
        if events.names.is_empty() {
            return Err(CompileError::new(format!("{at}.names"), "no event names").hint("such as [CreateEndpoint]"));
        }
        for (j, name) in events.names.iter().enumerate() {
            if blank(name) {
                return Err(CompileError::new(
                    format!("{at}.names[{j}]"),
                    format!("{name:?} is not an eventName"),
                ));
            }
            if keys.iter().any(|(s, n)| *s == events.source && *n == name) {
                return Err(CompileError::new(
                    format!("{at}.names[{j}]"),
                    format!("{} {name} is listed twice", events.source),
                )
                .text(name.as_str()));
            }
            // Validated here (the registry compiles it again, infallibly).
            for part in [&events.source, name] {
                if wildcard::is_pattern(part) {
                    wildcard::compile(&[part], false)
                        .map_err(|e| CompileError::new(at.clone(), format!("pattern {part:?}: {e}")))?;
                }
            }
            keys.push((&events.source, name));
        }
    }
    Ok(keys)
}

fn adjustments(doc: &Adjustments) -> Result<Vec<(Circumstance, Change)>, CompileError> {
    [
        (Circumstance::LongTermKey, "long_term_key", &doc.long_term_key),
        (Circumstance::Root, "root", &doc.root),
        (Circumstance::FailedCall, "failed_call", &doc.failed_call),
    ]
    .into_iter()
    .filter_map(|(when, key, change)| {
        let change = change.as_deref()?;
        Some(Change::parse(change, &format!("adjustments.{key}")).map(|c| (when, c)))
    })
    .collect()
}

fn fields(paths: &[String], at: &str) -> Result<Vec<Field>, CompileError> {
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| Field::compile(p).map_err(|e| e.within(&format!("{at}[{i}]"))))
        .collect()
}

/// A rule checked and compiled, before anything of it is leaked.
struct Prepared<'d> {
    events: Vec<(&'d str, &'d str)>,
    condition: Option<Condition>,
    adjustments: Vec<(Circumstance, Change)>,
    summary: Option<Template>,
    resources: Vec<Field>,
    dedupe: Vec<Field>,
    alert: AlertScope,
}

/// Checks a rule and compiles its parts: nothing leaked (see the module's doc).
fn prepare(doc: &RuleDoc) -> Result<Prepared<'_>, CompileError> {
    check_id(&doc.id)?;
    if doc.title.trim().is_empty() {
        return Err(CompileError::new("title", "the title is empty"));
    }
    Ok(Prepared {
        events: events(doc)?,
        condition: doc
            .condition
            .as_ref()
            .map(|c| Condition::compile(c, "condition"))
            .transpose()?,
        adjustments: adjustments(&doc.adjustments)?,
        summary: doc
            .summary
            .as_deref()
            .map(|t| Template::compile(t, "summary"))
            .transpose()?,
        resources: fields(&doc.resources, "resources")?,
        dedupe: fields(doc.dedupe.as_ref().map_or(&[][..], |d| &d.fields), "dedupe.fields")?,
        alert: alert_scope(doc)?,
    })
}

/// Whether a rule compiles, without compiling it for good: nothing is leaked, so it may be
/// called on any number of rules (the Sigma converter checks each rule it writes).
///
/// # Errors
/// The [`CompileError`] [`compile`] would return.
pub fn validate(doc: &RuleDoc) -> Result<(), CompileError> {
    prepare(doc).map(drop)
}

/// Compiles a rule: checks its id, resolves its paths, compiles its condition, template,
/// adjustments and dedupe settings.
///
/// # Errors
/// The first [`CompileError`], at its key path in the rule (`id`, `condition.all[1].regex`).
pub fn compile(doc: &RuleDoc) -> Result<UserRule, CompileError> {
    let Prepared {
        events,
        condition,
        adjustments,
        summary,
        resources,
        dedupe,
        alert,
    } = prepare(doc)?;
    let events: Vec<EventKey> = events.into_iter().map(|(s, n)| (leak(s), leak(n))).collect();
    let events: &'static [EventKey] = Box::leak(events.into_boxed_slice());
    let metadata = Metadata {
        id: leak(&doc.id),
        title: leak(&doc.title),
        severity: doc.severity,
        area: doc.area,
        techniques: leak_all(&doc.techniques),
        description: leak(&doc.description),
        remediation: leak(&doc.remediation),
        controls: leak_all(&doc.controls),
        events,
        failed_calls: doc.failed_calls,
        alert,
        ..Metadata::EMPTY
    };
    Ok(UserRule {
        metadata,
        condition,
        adjustments,
        summary,
        resources,
        dedupe,
        samples: doc.samples.clone(),
        needles: doc.condition.as_ref().and_then(needle::needles).unwrap_or_default(),
    })
}

impl UserRule {
    /// The rule's id.
    pub fn id(&self) -> &'static str {
        self.metadata.id
    }

    /// The rule's own samples, as written.
    pub fn samples(&self) -> &SamplesDoc {
        &self.samples
    }

    /// The rule's severity for `event`: the usual one, changed by the adjustments that apply.
    fn severity(&self, event: &Event<'_, '_>) -> Severity {
        self.adjustments
            .iter()
            .filter(|(when, _)| match when {
                Circumstance::LongTermKey => event.principal().long_term_key(),
                Circumstance::Root => event.principal().is_root(),
                Circumstance::FailedCall => event.failed(),
            })
            .fold(self.metadata.severity, |s, (_, change)| change.apply(s))
    }
}

impl EventRule for UserRule {
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    fn needles(&self) -> Needles {
        self.needles.clone()
    }

    /// A hit when the condition holds: action "called <eventName>", the summary from the
    /// template, resources and dedupe object from their fields (values of one field joined by
    /// `,`, fields by `|`, a missing one `unknown`).
    fn evaluate(&self, event: &Event<'_, '_>, org: &Organization) -> Option<Hit> {
        if let Some(condition) = &self.condition
            && !condition.matches(event, org)
        {
            return None;
        }
        let mut hit = Hit::new(self.severity(event), format!("called {}", event.name()));
        for field in &self.resources {
            hit.resources.extend(
                field
                    .texts(event)
                    .into_iter()
                    .filter(|t| !t.is_empty())
                    .map(|t| t.into_owned()),
            );
        }
        hit.summary = self.summary.as_ref().map(|t| t.render(event));
        if !self.dedupe.is_empty() {
            let parts: Vec<String> = self
                .dedupe
                .iter()
                .map(|f| match f.texts(event) {
                    values if values.is_empty() => MISSING.to_owned(),
                    values => values.join(","),
                })
                .collect();
            hit.dedupe = Some(parts.join("|"));
        }
        Some(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::Record;
    use serde_json::{Value, json};

    fn doc(extra: &str) -> RuleDoc {
        let yaml = format!(
            "id: acme.endpoint_created\ntitle: Endpoint created\nseverity: medium\narea: application\n\
             description: d\nevents:\n  - source: sagemaker.amazonaws.com\n    names: [CreateEndpoint]\n{extra}"
        );
        yaml_serde::from_str(&yaml).unwrap_or_else(|e| panic!("{yaml}\n{e}"))
    }

    fn error(extra: &str) -> CompileError {
        compile(&doc(extra)).expect_err("a compile error")
    }

    fn hit(rule: &UserRule, record: &Value) -> Option<Hit> {
        let text = record.to_string();
        let record: Record = serde_json::from_str(&text).unwrap();
        rule.evaluate(&Event::new(&record), &Organization::default())
    }

    #[test]
    fn ids_are_checked() {
        let bad = |id: &str| {
            let mut d = doc("");
            d.id = id.into();
            compile(&d).unwrap_err()
        };
        let e = bad("Acme.Endpoint");
        assert_eq!(e.at, "id");
        assert!(e.message.contains("namespace.snake_case_name"), "{e}");
        assert!(bad("acme").message.contains("namespace.snake_case_name"));
        assert!(bad("acme.a.b").message.contains("namespace.snake_case_name"));
        let e = bad("sagemaker.my_rule");
        assert!(e.message.contains("built-in"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("use your own namespace, e.g. acme.my_rule"));
        for ns in ["bedrock", "sagemaker", "iam", "agentcore", "identity_center"] {
            assert!(builtin_namespaces().contains(&ns), "{ns}");
        }
        assert!(!builtin_namespaces().contains(&"acme"));
    }

    #[test]
    fn other_compile_errors() {
        let e = error("adjustments: {root: urgent}");
        assert_eq!(e.at, "adjustments.root");
        let e = error("dedupe: {window: 10x}");
        assert_eq!((e.at.as_str(), e.text.as_deref()), ("dedupe.window", Some("10x")));
        assert_eq!(validate(&doc("dedupe: {window: 10x}")), Err(e));
        assert_eq!(validate(&doc("")), Ok(()));
        for bad in ["0", "-5m", "h", "", "1.5h"] {
            assert!(window_secs(bad).is_err(), "{bad}");
        }
        assert_eq!(window_secs("366d").unwrap(), 366 * DAY);
        for too_long in ["367d", "9000h", "9223372036854775807", "527041m"] {
            let e = window_secs(too_long).unwrap_err();
            assert!(e.message.contains("longer than 366 days"), "{too_long}: {e}");
            assert_eq!(
                e.hint.as_deref(),
                Some("one alert per 366 days at most: write 366d or less")
            );
        }
        let e = error("dedupe: {per: resource}");
        assert_eq!(e.at, "dedupe.per");
        let e = error("resources: [requestParameters.x, eventname]");
        assert_eq!(e.at, "resources[1]");
        let e = error("summary: '{eventName'");
        assert_eq!(e.at, "summary");
        let mut d = doc("");
        d.events[0].names.push("CreateEndpoint".into());
        assert!(compile(&d).unwrap_err().message.contains("listed twice"));
        d.events[0].names.clear();
        assert_eq!(compile(&d).unwrap_err().at, "events[0].names");
        d.events.clear();
        assert_eq!(compile(&d).unwrap_err().at, "events");
        let mut d = doc("");
        d.events[0].source = "sage maker".into();
        assert_eq!(compile(&d).unwrap_err().at, "events[0].source");
    }

    #[test]
    fn windows_and_scopes() {
        assert_eq!(window_secs("30m").unwrap(), 1800);
        assert_eq!(window_secs("1h").unwrap(), 3600);
        assert_eq!(window_secs("2d").unwrap(), 2 * 86_400);
        assert_eq!(window_secs("90s").unwrap(), 90);
        assert_eq!(window_secs("600").unwrap(), 600);
        let rule = compile(&doc("dedupe: {per: call, window: 1d}")).unwrap();
        assert_eq!(
            rule.metadata().alert,
            AlertScope {
                per: DedupeScope::Call,
                window_secs: DAY
            }
        );
        let rule = compile(&doc("dedupe: {per: principal}")).unwrap();
        assert_eq!(rule.metadata().alert.per, DedupeScope::Principal);
        assert_eq!(rule.metadata().alert.window_secs, HOUR);
        assert_eq!(compile(&doc("")).unwrap().metadata().alert, AlertScope::DEFAULT);
    }

    #[test]
    fn metadata_is_the_documents() {
        let rule = compile(&doc(
            "techniques: [T1]\ncontrols: [c1]\nremediation: r\nfailed_calls: true",
        ))
        .unwrap();
        let m = rule.metadata();
        assert_eq!(
            (m.id, m.title, m.severity),
            ("acme.endpoint_created", "Endpoint created", Severity::Medium)
        );
        assert_eq!(
            (m.techniques, m.controls, m.remediation),
            (&["T1"][..], &["c1"][..], "r")
        );
        assert_eq!(m.events, &[("sagemaker.amazonaws.com", "CreateEndpoint")]);
        assert!(m.failed_calls);
    }

    #[test]
    fn severity_adjustments_apply_in_order() {
        let rule = compile(&doc(
            "adjustments: {long_term_key: '+1', root: critical, failed_call: '-2'}",
        ))
        .unwrap();
        let role = json!({"type": "AssumedRole", "accessKeyId": "ASIAX"});
        let user_key = json!({"type": "IAMUser", "accessKeyId": "AKIAX"});
        let root_key = json!({"type": "Root", "accessKeyId": "AKIAX"});
        let severity = |identity: &Value, failed: bool| {
            let mut r = json!({"userIdentity": identity});
            if failed {
                r["errorCode"] = json!("AccessDenied");
            }
            hit(&rule, &r).unwrap().severity
        };
        assert_eq!(severity(&role, false), Severity::Medium);
        assert_eq!(severity(&user_key, false), Severity::High);
        assert_eq!(severity(&root_key, false), Severity::Critical);
        assert_eq!(severity(&role, true), Severity::Info);
        assert_eq!(severity(&root_key, true), Severity::Medium);
        assert_eq!(Change::Steps(9).apply(Severity::Info), Severity::Critical);
    }

    #[test]
    fn hits_carry_summary_resources_and_dedupe() {
        let rule = compile(&doc(
            "condition: {field: requestParameters.endpointName, starts_with: prod}\n\
             summary: '{userIdentity.arn} created endpoint {requestParameters.endpointName}'\n\
             resources: [requestParameters.endpointName, requestParameters.tags.value, requestParameters.none]\n\
             dedupe: {fields: [requestParameters.endpointConfigName, requestParameters.none]}",
        ))
        .unwrap();
        let record = json!({
            "eventName": "CreateEndpoint", "userIdentity": {"arn": "arn:aws:iam::1:user/a"},
            "requestParameters": {"endpointName": "prod-ep", "endpointConfigName": "cfg",
                "tags": [{"value": "x"}, {"value": ""}]}
        });
        let h = hit(&rule, &record).unwrap();
        assert_eq!(h.action, "called CreateEndpoint");
        assert_eq!(
            h.summary.as_deref(),
            Some("arn:aws:iam::1:user/a created endpoint prod-ep")
        );
        assert_eq!(h.resources, ["prod-ep", "x"]);
        assert_eq!(h.dedupe.as_deref(), Some("cfg|unknown"));
        let mut other = record.clone();
        other["requestParameters"]["endpointName"] = json!("dev-ep");
        assert!(hit(&rule, &other).is_none());
        let plain = compile(&doc("")).unwrap();
        let h = hit(&plain, &record).unwrap();
        assert_eq!((h.summary, h.dedupe), (None, None));
    }
}
