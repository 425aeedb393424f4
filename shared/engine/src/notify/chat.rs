//! A finding as an Amazon Q Developer in chat applications custom notification: the JSON
//! message published to an SNS topic mapped to a Slack, Microsoft Teams or Chime channel (the
//! service's "Custom notifications" guide):
//! `{"version":"1.0","source":"custom","id",…,"content":{"textType":"client-markdown","title",
//! "description","nextSteps","keywords"},"metadata":{"threadId","summary","eventType",
//! "relatedResources","additionalContext"}}`.
//!
//! Notifications with the same `threadId` are grouped in one thread (when the channel's
//! preferences allow it). Ids are kept to `[A-Za-z0-9_-]`, the pattern the service's API
//! reference gives a custom action's notification type and variable names, so that custom
//! actions can match them. Text is cut to limits of aidr's own, chosen to keep a message short
//! in any chat client: [`TITLE_MAX`], [`DESCRIPTION_MAX`], [`STEP_MAX`] and so on.

use serde_json::{Map, Value, json};

use super::credential_label;
use crate::finding::Finding;
use crate::text::{one_line, safe_id, truncate};

/// `content.title`.
pub const TITLE_MAX: usize = 250;
/// `content.description`.
pub const DESCRIPTION_MAX: usize = 4000;
/// Entries of `content.nextSteps`, and the length of each.
pub const MAX_STEPS: usize = 5;
pub const STEP_MAX: usize = 500;
/// `metadata.summary`.
pub const SUMMARY_MAX: usize = 500;
/// `metadata.threadId`, `metadata.eventType` and `id`, in bytes.
pub const ID_MAX: usize = 100;
/// Entries of `metadata.relatedResources`, and the length of each.
pub const MAX_RESOURCES: usize = 10;
pub const RESOURCE_MAX: usize = 1024;
/// A value of `metadata.additionalContext` (the limit of a custom action variable's value).
pub const CONTEXT_VALUE_MAX: usize = 1024;

/// The custom notification of a finding in the thread `thread_id` (usually the finding's
/// dedupe key or incident key; kept to `[A-Za-z0-9_-]` and [`ID_MAX`] bytes, stably, by
/// [`thread_id`]). `eventType` is the rule's [`event_type`], `nextSteps` the
/// remediation's sentences, `relatedResources` the finding's resources.
pub fn notification(f: &Finding, thread_id: &str) -> Value {
    let severity = f.severity.as_str().to_ascii_uppercase();
    let title = format!("[{severity}] {}", one_line(&f.title));
    let mut additional = Map::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            additional.insert(key.to_owned(), json!(truncate(v, CONTEXT_VALUE_MAX)));
        }
    };
    put("severity", Some(f.severity.as_str()));
    put("ruleId", Some(&f.rule_id));
    put("account", f.account.as_deref());
    put("region", f.region.as_deref());
    put("credential", credential_label(f));
    put("eventIds", Some(&f.event_ids().join(",")));
    put("dedupeKey", Some(&f.dedupe_key));
    let resources: Vec<_> = f
        .resources
        .iter()
        .take(MAX_RESOURCES)
        .map(|r| truncate(r, RESOURCE_MAX))
        .collect();
    json!({
        "version": "1.0",
        "source": "custom",
        "id": safe_id(&crate::alerting::delivery_id(f), ID_MAX),
        "content": {
            "textType": "client-markdown",
            "title": truncate(&title, TITLE_MAX),
            "description": truncate(&description(f), DESCRIPTION_MAX),
            "nextSteps": next_steps(&f.remediation),
            "keywords": [f.severity.as_str(), f.area.as_str(), truncate(&f.rule_id, 100)],
        },
        "metadata": {
            "threadId": self::thread_id(thread_id),
            "summary": truncate(&one_line(&f.summary), SUMMARY_MAX),
            "eventType": event_type(&f.rule_id),
            "relatedResources": resources,
            "additionalContext": additional,
        },
    })
}

/// `key` as a thread id: `[A-Za-z0-9_-]`, at most [`ID_MAX`] bytes; a key that had to change
/// ends in a hash of the original, so that distinct keys keep distinct threads.
pub fn thread_id(key: &str) -> String {
    safe_id(key, ID_MAX)
}

/// The `eventType` of a rule's notifications, for custom actions to match: `aidr-<rule id>`
/// with every character outside `[A-Za-z0-9_-]` made `-` (`aidr-bedrock-guardrail_deleted`),
/// at most [`ID_MAX`] bytes.
pub fn event_type(rule_id: &str) -> String {
    let kept = |c: char| {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            c
        } else {
            '-'
        }
    };
    let mut id: String = format!("aidr-{rule_id}").chars().map(kept).collect();
    id.truncate(ID_MAX);
    id
}

/// The summary, then the facts a responder looks for first, one a line.
fn description(f: &Finding) -> String {
    let mut lines = vec![one_line(&f.summary), String::new()];
    let mut fact = |label: &str, value: &str| lines.push(format!("*{label}:* {}", truncate(&one_line(value), 300)));
    fact("Account", f.account.as_deref().unwrap_or("unknown"));
    fact("Region", f.region.as_deref().unwrap_or("unknown"));
    if let Some(p) = f.principal() {
        fact("Principal", p.arn.as_deref().unwrap_or(&p.name));
        fact("Credential", credential_label(f).unwrap_or("unknown"));
    }
    if let Some(first) = f.resources.first() {
        match f.resources.len() {
            1 => fact("Resource", first),
            n => fact("Resource", &format!("{first} (+{} more)", n - 1)),
        }
    }
    fact(
        if f.evidence().is_some() {
            "Event time"
        } else {
            "Observed"
        },
        f.time().unwrap_or("unknown"),
    );
    fact("Rule", &f.rule_id);
    if !f.techniques.is_empty() {
        fact("Techniques", &f.techniques.join(", "));
    }
    lines.join("\n")
}

/// The remediation's sentences, at most [`MAX_STEPS`] (the last takes the rest), each cut to
/// [`STEP_MAX`].
fn next_steps(remediation: &str) -> Vec<String> {
    let text = one_line(remediation);
    let mut steps: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        if steps.len() == MAX_STEPS - 1 {
            steps.push(rest.to_owned());
            break;
        }
        let end = rest.find(". ").map_or(rest.len(), |i| i + 1);
        steps.push(rest[..end].to_owned());
        rest = rest[end..].trim_start();
    }
    steps.into_iter().map(|s| truncate(&s, STEP_MAX).into_owned()).collect()
}
