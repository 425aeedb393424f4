//! Findings: what every detection reports, in aidr's own JSON shape, built in one place
//! ([`Finding::new`]).
//!
//! A finding is about a [`Subject`]: CloudTrail evidence (event rules and stateful detections:
//! the events, their caller and time) or a resource (posture checks: its ARN, type, account,
//! region and the configuration observed). The subject's fields sit at the top level of the
//! JSON, beside the detection's.
//!
//! Dedupe keys have one format, `<group>|<account>|<actor>|<object>` (`-` for a missing part):
//! findings with the same key within the first one's `dedupe_window_secs` make one alert. The
//! group is the rule id (for stateful detections `bedrock.llmjacking`), the actor the caller ARN
//! (else name; for stateful detections the access key, for posture checks the resource ARN),
//! and the object follows the detection's [`DedupeScope`]:
//! - per call: the CloudTrail event id;
//! - per principal and resource: the first resource (`-` for posture checks; for attack
//!   paths, the path's steps);
//! - per principal, and per incident: the severity, so that a change of severity alerts at once
//!   (stateful detections report each incident at each severity under one key).

use serde::{Deserialize, Serialize};

use crate::cloudtrail::{Event, Principal, record::s};
use crate::detection::{DedupeScope, Hit, Metadata};
use crate::resource::ResourceSnapshot;
use crate::severity::{Area, Severity};
use crate::time::{format_millis, parse_millis};

/// One detection: which rule, what happened or what is wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub title: String,
    pub area: Area,
    pub techniques: Vec<String>,
    /// The peers' controls the detection corresponds to (Security Hub `SageMaker.1`,
    /// `prowler:<check>`, `aiml:<id>`); posture checks name them, other detections mostly not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
    /// One line for a human: who did what to which resource (or which resource is exposed
    /// how), in which account and region.
    pub summary: String,
    pub account: Option<String>,
    pub region: Option<String>,
    #[serde(flatten)]
    pub subject: Subject,
    pub resources: Vec<String>,
    /// See the module documentation for the format.
    pub dedupe_key: String,
    /// Later findings with the same dedupe key within this many seconds (of event time) merge
    /// into the alert this one opens: the detection's default window (alerting applies the
    /// deployment's override instead, when one is set). Messages without it read as 3600.
    #[serde(default = "default_window_secs")]
    pub dedupe_window_secs: i64,
    pub remediation: String,
}

fn default_window_secs() -> i64 {
    crate::detection::HOUR
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Subject {
    /// CloudTrail events and their caller.
    Events(Evidence),
    /// A resource as observed.
    Resource { resource: ResourceSnapshot },
}

/// The CloudTrail evidence of a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `eventTime` of the event the finding is reported on, in RFC 3339 UTC
    /// (`2026-10-01T00:01:45Z`, `.123Z` with milliseconds); as recorded if unreadable.
    pub event_time: Option<String>,
    /// CloudTrail `eventID`s behind the finding.
    pub event_ids: Vec<String>,
    pub event_source: String,
    pub event_name: String,
    /// `errorCode` when the finding is about a failed attempt.
    pub error_code: Option<String>,
    pub principal: Principal,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The parts of a dedupe key (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct Dedupe<'a> {
    pub group: &'a str,
    pub actor: &'a str,
    pub object: Option<&'a str>,
}

/// What a detection reports, whatever its kind.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    pub severity: Severity,
    pub summary: String,
    pub account: Option<String>,
    pub region: Option<String>,
    pub resources: Vec<String>,
    pub dedupe: Dedupe<'a>,
}

impl Finding {
    /// Builds a finding of the detection `metadata`; its dedupe key follows the detection's
    /// alert scope (see the module documentation).
    pub fn new(metadata: &Metadata, report: Report<'_>, subject: Subject) -> Finding {
        let Dedupe { group, actor, object } = report.dedupe;
        let object = match metadata.alert.per {
            DedupeScope::Call => match &subject {
                Subject::Events(e) => e.event_ids.first().map(String::as_str).or(object),
                Subject::Resource { .. } => object,
            },
            DedupeScope::PrincipalResource => object,
            DedupeScope::Principal | DedupeScope::Incident => Some(report.severity.as_str()),
        };
        let dedupe_key = format!(
            "{group}|{}|{actor}|{}",
            report.account.as_deref().unwrap_or("-"),
            object.unwrap_or("-")
        );
        Finding {
            rule_id: metadata.id.to_owned(),
            severity: report.severity,
            title: metadata.title.to_owned(),
            area: metadata.area,
            techniques: metadata.techniques.iter().map(|t| (*t).to_owned()).collect(),
            controls: metadata.controls.iter().map(|c| (*c).to_owned()).collect(),
            summary: report.summary,
            account: report.account,
            region: report.region,
            subject,
            resources: report.resources,
            dedupe_key,
            dedupe_window_secs: metadata.alert.window_secs,
            remediation: metadata.remediation.to_owned(),
        }
    }

    /// The finding of an event rule's `hit` on `event`.
    pub fn of_event(metadata: &Metadata, hit: Hit, event: &Event<'_, '_>) -> Finding {
        let r = event.record;
        let principal = event.principal().clone();
        let account = event.account().map(str::to_owned);
        let region = s(&r.aws_region).map(str::to_owned);
        let head = hit
            .summary
            .unwrap_or_else(|| format!("{} {}", principal.name, hit.action));
        let mut summary = format!(
            "{head} in account {} ({})",
            account.as_deref().unwrap_or("unknown"),
            region.as_deref().unwrap_or("unknown region"),
        );
        if let Some(code) = event.error_code() {
            summary.push_str(&format!(" [failed: {code}]"));
        }
        let actor = principal.arn.clone().unwrap_or_else(|| principal.name.clone());
        let object = hit.dedupe.or_else(|| hit.resources.first().cloned());
        let report = Report {
            severity: hit.severity,
            summary,
            account,
            region,
            resources: hit.resources,
            dedupe: Dedupe {
                group: metadata.id,
                actor: &actor,
                object: object.as_deref(),
            },
        };
        let evidence = Evidence {
            event_time: s(&r.event_time).map(|t| parse_millis(t).map_or_else(|| t.to_owned(), format_millis)),
            event_ids: s(&r.event_id).map(str::to_owned).into_iter().collect(),
            event_source: r.source().to_owned(),
            event_name: r.name().to_owned(),
            error_code: event.error_code().map(str::to_owned),
            principal,
            source_ip: s(&r.source_ip_address).map(str::to_owned),
            user_agent: s(&r.user_agent).map(str::to_owned),
        };
        Finding::new(metadata, report, Subject::Events(evidence))
    }

    /// The finding of a posture check's `hit` on `resource`.
    pub fn of_resource(metadata: &Metadata, hit: Hit, resource: &ResourceSnapshot) -> Finding {
        let summary = format!(
            "{} {} in account {} ({})",
            resource.display_name(),
            hit.action,
            resource.account,
            resource.region
        );
        let mut resources = vec![resource.arn.clone()];
        resources.extend(hit.resources.into_iter().filter(|r| *r != resource.arn));
        let report = Report {
            severity: hit.severity,
            summary,
            account: Some(resource.account.clone()),
            region: Some(resource.region.clone()),
            resources,
            dedupe: Dedupe {
                group: metadata.id,
                actor: &resource.arn,
                object: None,
            },
        };
        let subject = Subject::Resource {
            resource: resource.clone(),
        };
        Finding::new(metadata, report, subject)
    }

    /// The CloudTrail evidence, when the finding is about events.
    pub fn evidence(&self) -> Option<&Evidence> {
        match &self.subject {
            Subject::Events(evidence) => Some(evidence),
            Subject::Resource { .. } => None,
        }
    }

    /// The resource, when the finding is about one.
    pub fn resource(&self) -> Option<&ResourceSnapshot> {
        match &self.subject {
            Subject::Resource { resource } => Some(resource),
            Subject::Events(_) => None,
        }
    }

    /// The CloudTrail event ids behind the finding (none for a resource).
    pub fn event_ids(&self) -> &[String] {
        self.evidence().map_or(&[], |e| &e.event_ids)
    }

    /// The caller, when the finding is about events.
    pub fn principal(&self) -> Option<&Principal> {
        self.evidence().map(|e| &e.principal)
    }

    /// When it happened (`eventTime`, see [`Evidence::event_time`]) or was observed (capture
    /// time, as recorded).
    pub fn time(&self) -> Option<&str> {
        match &self.subject {
            Subject::Events(e) => e.event_time.as_deref(),
            Subject::Resource { resource } => resource.captured_at.as_deref(),
        }
    }

    /// [`Finding::time`] in milliseconds since the epoch, when parseable.
    pub fn time_millis(&self) -> Option<i64> {
        self.time().and_then(parse_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::Record;

    #[test]
    fn a_hit_may_give_the_whole_summary_and_the_dedupe_object() {
        let metadata = Metadata {
            id: "test.made",
            ..Metadata::EMPTY
        };
        let text = r#"{"eventID":"e1","recipientAccountId":"111122223333","awsRegion":"us-east-1",
            "errorCode":"AccessDenied","userIdentity":{"arn":"arn:aws:iam::111122223333:user/a","userName":"a"}}"#;
        let record: Record = serde_json::from_str(text).unwrap();
        let event = Event::new(&record);
        let plain = Hit::new(Severity::Low, "made x").resource(Some("r1"));
        let finding = Finding::of_event(&metadata, plain.clone(), &event);
        assert_eq!(
            finding.summary,
            "a made x in account 111122223333 (us-east-1) [failed: AccessDenied]"
        );
        assert_eq!(
            finding.dedupe_key,
            "test.made|111122223333|arn:aws:iam::111122223333:user/a|r1"
        );
        let told = Hit {
            summary: Some("someone made x".into()),
            dedupe: Some("cfg|prod".into()),
            ..plain
        };
        let finding = Finding::of_event(&metadata, told, &event);
        assert_eq!(
            finding.summary,
            "someone made x in account 111122223333 (us-east-1) [failed: AccessDenied]"
        );
        assert_eq!(
            finding.dedupe_key,
            "test.made|111122223333|arn:aws:iam::111122223333:user/a|cfg|prod"
        );
        assert_eq!(finding.resources, ["r1"]);
    }
}
