//! Findings: what the engine reports for a rule match, in aidr's own JSON shape.

use serde::Serialize;

use crate::event::Event;
use crate::principal::Principal;
use crate::record::s;
use crate::rule::{Hit, Meta};
use crate::severity::{Area, Severity};

/// One detection: which rule, who did what to which resource, where and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub title: String,
    pub area: Area,
    pub techniques: Vec<String>,
    /// One line for a human: who did what to which resource, in which account and region.
    pub summary: String,
    pub account: Option<String>,
    pub region: Option<String>,
    /// `eventTime` of the (first) event, as recorded.
    pub event_time: Option<String>,
    /// CloudTrail `eventID`s behind the finding.
    pub event_ids: Vec<String>,
    pub event_source: String,
    pub event_name: String,
    /// `errorCode` when the finding is about a failed attempt.
    pub error_code: Option<String>,
    pub principal: Principal,
    pub resources: Vec<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Findings with the same key describe the same situation (rule, account, principal,
    /// resource) and can be merged into one alert.
    pub dedupe_key: String,
    pub remediation: String,
}

impl Finding {
    /// Builds the finding for a rule match on an event.
    pub fn new(meta: &Meta, hit: Hit, event: &Event<'_, '_>) -> Finding {
        let r = event.record;
        let principal = event.principal().clone();
        let account = event.account().map(str::to_owned);
        let region = s(&r.aws_region).map(str::to_owned);
        let mut summary = format!(
            "{} {} in account {} ({})",
            principal.name,
            hit.action,
            account.as_deref().unwrap_or("unknown"),
            region.as_deref().unwrap_or("unknown region"),
        );
        if let Some(code) = event.error_code() {
            summary.push_str(&format!(" [failed: {code}]"));
        }
        let dedupe_key = format!(
            "{}|{}|{}|{}",
            meta.id,
            account.as_deref().unwrap_or("-"),
            principal.arn.as_deref().unwrap_or(&principal.name),
            hit.resources.first().map(String::as_str).unwrap_or("-"),
        );
        Finding {
            rule_id: meta.id.to_owned(),
            severity: hit.severity,
            title: meta.title.to_owned(),
            area: meta.area,
            techniques: meta.techniques.iter().map(|t| (*t).to_owned()).collect(),
            summary,
            account,
            region,
            event_time: s(&r.event_time).map(str::to_owned),
            event_ids: s(&r.event_id).map(str::to_owned).into_iter().collect(),
            event_source: r.source().to_owned(),
            event_name: r.name().to_owned(),
            error_code: event.error_code().map(str::to_owned),
            principal,
            resources: hit.resources,
            source_ip: s(&r.source_ip_address).map(str::to_owned),
            user_agent: s(&r.user_agent).map(str::to_owned),
            dedupe_key,
            remediation: meta.remediation.to_owned(),
        }
    }

    /// Event time in milliseconds since the epoch, when parseable.
    pub fn time_millis(&self) -> Option<i64> {
        self.event_time.as_deref().and_then(crate::time::parse_millis)
    }

    /// The order findings are reported in: by time, then event id, then rule.
    pub fn sort(findings: &mut [Finding]) {
        findings.sort_by_cached_key(|f| (f.time_millis(), f.event_ids.clone(), f.rule_id.clone()));
    }
}
