//! A finding as a PagerDuty Events API v2 trigger event, the body of
//! `POST https://events.pagerduty.com/v2/enqueue` (PagerDuty's Events API v2 reference):
//! `routing_key`, `event_action` `trigger`, `dedup_key` (at most 255 characters; a resolve
//! with the same key closes the incident), and a `payload` with `summary` (at most 1,024),
//! `source`, `severity`, `timestamp`, `component`, `group`, `class` and `custom_details`,
//! plus `links` to the CloudTrail events.

use serde_json::{Value, json};

use super::{CONSOLE_DOMAIN, cloudtrail_event_url, service};
use crate::finding::Finding;
use crate::severity::Severity;
use crate::text::{bounded_key, one_line, truncate};
use crate::time::format_millis;

/// The enqueue endpoint events are posted to.
pub const ENQUEUE_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// A `dedup_key` (PagerDuty).
pub const DEDUP_KEY_MAX: usize = 255;
/// `payload.summary` (PagerDuty).
pub const SUMMARY_MAX: usize = 1024;
/// The serialized `custom_details` aidr sends whole; a larger finding is cut (PagerDuty takes
/// events of at most 512 KB).
pub const DETAILS_MAX_BYTES: usize = 256 * 1024;
/// Links to CloudTrail events in one event.
const LINKS_MAX: usize = 5;

/// The PagerDuty severity of an aidr severity: critical → `critical`, high → `error`, medium →
/// `warning`, low and info → `info`.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "info",
    }
}

/// The `dedup_key` of `key`: itself when it has at most [`DEDUP_KEY_MAX`] bytes, else a prefix
/// and a hash of the whole (the same key always gives the same result, see
/// [`crate::text::bounded_key`]).
pub fn dedup_key(key: &str) -> String {
    bounded_key(key, DEDUP_KEY_MAX).into_owned()
}

/// The trigger event of a finding for the integration `routing_key`, under `dedup_key`
/// (usually the finding's dedupe key; bounded with [`dedup_key`]). `payload.source` is
/// `<account>/<region>` (`unknown` for a missing part), `component` the service (`bedrock`),
/// `group` the risk area, `class` the rule id, `timestamp` the event (or observation) time
/// when readable, `custom_details` the finding (cut to its identifying fields when its JSON
/// is over [`DETAILS_MAX_BYTES`]).
pub fn trigger(f: &Finding, routing_key: &str, dedup_key: &str) -> Value {
    let summary = format!("{}: {}", f.title, f.summary);
    let summary = one_line(&summary);
    let source = format!(
        "{}/{}",
        f.account.as_deref().unwrap_or("unknown"),
        f.region.as_deref().unwrap_or("unknown")
    );
    let mut payload = json!({
        "summary": truncate(&summary, SUMMARY_MAX),
        "source": source,
        "severity": severity(f.severity),
        "group": f.area.as_str(),
        "class": f.rule_id,
        "custom_details": details(f),
    });
    if let Some(component) = service(f) {
        payload["component"] = json!(component);
    }
    if let Some(millis) = f.time_millis() {
        payload["timestamp"] = json!(format_millis(millis));
    }
    let links: Vec<Value> = match f.region.as_deref() {
        Some(region) => f
            .event_ids()
            .iter()
            .take(LINKS_MAX)
            .map(|id| {
                json!({
                    "href": cloudtrail_event_url(CONSOLE_DOMAIN, region, id),
                    "text": format!("CloudTrail event {}", truncate(id, 100)),
                })
            })
            .collect(),
        None => Vec::new(),
    };
    json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": self::dedup_key(dedup_key),
        "client": "aidr",
        "payload": payload,
        "links": links,
    })
}

/// The finding as JSON, or its identifying fields when that is too large.
fn details(f: &Finding) -> Value {
    let whole = serde_json::to_value(f).unwrap_or(Value::Null);
    if whole.to_string().len() <= DETAILS_MAX_BYTES {
        return whole;
    }
    let ids: Vec<_> = f.event_ids().iter().take(50).map(|id| truncate(id, 128)).collect();
    let resources: Vec<_> = f.resources.iter().take(50).map(|r| truncate(r, 2048)).collect();
    json!({
        "rule_id": f.rule_id,
        "severity": f.severity,
        "area": f.area,
        "summary": truncate(&f.summary, 4096),
        "account": f.account,
        "region": f.region,
        "time": f.time().map(|t| truncate(t, 64)),
        "event_ids": ids,
        "event_id_count": f.event_ids().len(),
        "resources": resources,
        "resource_count": f.resources.len(),
        "dedupe_key": truncate(&f.dedupe_key, 1024),
        "remediation": truncate(&f.remediation, 4096),
        "cut": "the finding was too large to send whole",
    })
}
