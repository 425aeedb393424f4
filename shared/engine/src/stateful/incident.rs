//! Incidents: the signals about one access key (or principal without one), correlated while
//! they keep coming (`incident_window_secs` without a pause). An incident is reported when it
//! opens, when another detection joins it and when its severity rises; each report lists the
//! event that raised it, then the incident's contributing event ids so far (at most
//! [`INCIDENT_EVENTS`]), and the reports of one incident at one severity share a dedupe key, so
//! alerting sends one alert per incident and severity.
//!
//! State: `llm#incident#acct#id`, a set of tags: `signal:<rule id>:<severity>`,
//! `detail:<title>: <detail>` (the first detail of each detection) and `event:<event id>` (at
//! most [`INCIDENT_EVENTS`]). Per key and batch the incident is read once and written once (a
//! set union, so concurrent batches lose no tag); a batch whose write shows signals another
//! batch added meanwhile reports the severity they reach together (see `escalate`). A report
//! lists the event that raised it first, then the incident's other event ids.

use std::collections::{BTreeMap, BTreeSet};

use super::batch::Batch;
use super::keys::key;
use super::settings::StatefulSettings;
use super::{Observation, Signal};
use crate::cloudtrail::Principal;
use crate::finding::{Dedupe, Evidence, Finding, Report, Subject};
use crate::ports::{StateError, StateStore};
use crate::severity::Severity;

/// Most event ids an incident keeps (its reports list them).
pub const INCIDENT_EVENTS: usize = 50;

/// The dedupe group of incident findings: `bedrock.llmjacking|<account>|<key>|<severity>`.
pub const INCIDENT_GROUP: &str = "bedrock.llmjacking";

/// The severity of an incident from its signal tags: the worst signal, and at least high once
/// two different detections concern the same key.
pub(super) fn incident_severity(tags: &BTreeSet<String>) -> Option<Severity> {
    let signals: Vec<(&str, Severity)> = tags
        .iter()
        .filter_map(|t| t.strip_prefix("signal:"))
        .filter_map(|t| t.rsplit_once(':'))
        .filter_map(|(rule, sev)| Some((rule, sev.parse().ok()?)))
        .collect();
    let worst = signals.iter().map(|(_, s)| *s).max()?;
    let rules: BTreeSet<&str> = signals.iter().map(|(r, _)| *r).collect();
    Some(if rules.len() >= 2 {
        worst.max(Severity::High)
    } else {
        worst
    })
}

/// Correlates `signals` per key into incidents and returns the findings of the incidents that
/// open, gain a detection or rise in severity.
///
/// # Errors
/// A [`StateError`] reading or writing an incident.
pub(super) async fn correlate(
    batch: &Batch<'_>,
    mut signals: Vec<Signal<'_>>,
    store: &dyn StateStore,
    settings: &StatefulSettings,
) -> Result<Vec<Finding>, StateError> {
    signals.sort_by_key(|s| (batch.at(s.at).time, s.at));
    let mut by_key: BTreeMap<(&str, &str), Vec<Signal>> = BTreeMap::new();
    for signal in signals {
        let o = batch.at(signal.at);
        by_key.entry((&*o.account, &*o.identity)).or_default().push(signal);
    }
    let mut findings = Vec::new();
    for ((acct, id), signals) in by_key {
        let first_time = batch.at(signals[0].at).time;
        let last_time = batch.at(signals[signals.len() - 1].at).time;
        let incident = key(&["incident", acct, id]);
        let mut tags = store.members(&incident, first_time).await?.members;
        let mut added = Vec::new();
        // This key's last report: (its index in `findings`, the signal that made it).
        let mut last_report = None;
        for (n, signal) in signals.iter().enumerate() {
            let before = incident_severity(&tags);
            let kind = format!("signal:{}:", signal.detection.id);
            let seen_kind = tags.iter().any(|t| t.starts_with(&kind));
            let mut new = vec![format!("{kind}{}", signal.severity)];
            if !seen_kind {
                new.push(format!("detail:{}: {}", signal.detection.title, signal.detail));
            }
            let room = INCIDENT_EVENTS.saturating_sub(tags.iter().filter(|t| t.starts_with("event:")).count());
            new.extend(signal.event_ids.iter().take(room).map(|e| format!("event:{e}")));
            new.retain(|t| !tags.contains(t));
            tags.extend(new.iter().cloned());
            added.extend(new);
            let Some(severity) = incident_severity(&tags) else {
                continue;
            };
            if seen_kind && before.is_some_and(|b| b >= severity) {
                continue; // a repeat of a detection the incident already reported
            }
            last_report = Some((findings.len(), n));
            findings.push(report(batch.at(signal.at), signal, severity, &tags));
        }
        if !added.is_empty() {
            let stored = store
                .append(&incident, &added, last_time + settings.incident_window_secs, last_time)
                .await?
                .members;
            escalate(batch, &signals, (&tags, &stored), last_report, &mut findings);
        }
    }
    Ok(findings)
}

/// Another batch judged at the same time (a scaled-out Lambda, overlapping SQS batches) may add
/// signals to the incident between this batch's read and its write: the incident as `stored`
/// after the write (a set union, `ADD`) is what counts. Whichever batch writes last sees every
/// signal; when they make the incident more severe than this batch saw (`seen`), this batch
/// reports that severity: its last report is raised to it (a signal makes one report, which
/// is what delivers it once), or else its last signal reports it. (Each batch's own view is
/// lower, so without this the severity two signals reach together would never be alerted.)
fn escalate(
    batch: &Batch<'_>,
    signals: &[Signal<'_>],
    (seen, stored): (&BTreeSet<String>, &BTreeSet<String>),
    last_report: Option<(usize, usize)>,
    findings: &mut Vec<Finding>,
) {
    let Some(severity) = incident_severity(stored) else {
        return;
    };
    if incident_severity(seen).is_some_and(|s| s >= severity) {
        return;
    }
    match last_report {
        Some((i, n)) => findings[i] = report(batch.at(signals[n].at), &signals[n], severity, stored),
        None => {
            let Some(signal) = signals.last() else { return };
            findings.push(report(batch.at(signal.at), signal, severity, stored));
        }
    }
}

/// The finding that reports an incident at `severity`, as of `signal`. Its event ids start with
/// the event that raised the report (so each report is delivered on its own), then the
/// incident's others.
fn report(o: &Observation, signal: &Signal<'_>, severity: Severity, tags: &BTreeSet<String>) -> Finding {
    let details: Vec<&str> = tags.iter().filter_map(|t| t.strip_prefix("detail:")).collect();
    let others = tags
        .iter()
        .filter_map(|t| t.strip_prefix("event:"))
        .filter(|id| *id != o.event_id)
        .map(str::to_owned);
    let trigger = Some(o.event_id.clone()).filter(|id| !id.is_empty());
    let event_ids: Vec<String> = trigger.into_iter().chain(others).collect();
    let summary = format!(
        "{} (key {}) — LLMjacking incident in account {} ({}): {}",
        o.principal.name,
        o.identity,
        o.account,
        o.region,
        details.join("; ")
    );
    let severity_name = severity.as_str();
    let report = Report {
        severity,
        summary,
        account: Some(o.account.to_string()),
        region: Some(o.region.to_string()),
        resources: o.model.iter().chain([&o.identity]).map(|r| r.to_string()).collect(),
        dedupe: Dedupe {
            group: INCIDENT_GROUP,
            actor: &o.identity,
            object: Some(severity_name),
        },
    };
    let evidence = Evidence {
        event_time: Some(crate::time::format_secs(o.time)),
        event_ids,
        event_source: o.source.to_string(),
        event_name: o.action.to_string(),
        error_code: None,
        principal: Principal::clone(&o.principal),
        source_ip: o.source_ip.as_deref().map(str::to_owned),
        user_agent: None,
    };
    Finding::new(signal.detection, report, Subject::Events(evidence))
}
