//! What every detection declares, whatever its kind: its metadata, the input it consumes, the
//! sample files that prove it, and what a match reports.
//!
//! Three kinds of detections share this shape (see [`DetectionKind`]): event rules judge one
//! CloudTrail record, stateful detections judge what an identity does over time, posture checks
//! judge a resource as it is configured.

use serde::Serialize;

use crate::cloudtrail::Event;
use crate::severity::{Area, Severity};

/// A CloudTrail `eventSource` and `eventName` pair a detection consumes.
pub type EventKey = (&'static str, &'static str);

/// The three kinds of detections the registry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectionKind {
    /// Judges one CloudTrail record (`rules/`).
    Event,
    /// Judges a sequence of records over time, with state (`stateful/`).
    Stateful,
    /// Judges a resource snapshot (`posture/`).
    Posture,
}

impl DetectionKind {
    /// Lower-case name, as `aidr rules` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            DetectionKind::Event => "event",
            DetectionKind::Stateful => "stateful",
            DetectionKind::Posture => "posture",
        }
    }
}

/// Sample files (paths from the repository root) that must, and must not, make a detection
/// fire. Their form depends on the kind: one EventBridge event (`events/…`) for an event
/// rule, a CloudTrail log file in event-time order (`samples/stateful/…`) for a stateful
/// detection, an AWS Config configuration item (`samples/posture/…`) for a posture check.
#[derive(Debug, Clone, Copy)]
pub struct Samples {
    pub must_fire: &'static [&'static str],
    pub must_not_fire: &'static [&'static str],
}

/// Everything about a detection except its logic.
#[derive(Debug, Clone, Copy)]
pub struct Metadata {
    /// Stable id, `service.what_happened`.
    pub id: &'static str,
    pub title: &'static str,
    /// The usual severity; a match may raise or lower it with context.
    pub severity: Severity,
    pub area: Area,
    /// MITRE ATT&CK (`T1562.008`) and ATLAS (`AML.T0040`) technique ids.
    pub techniques: &'static [&'static str],
    pub description: &'static str,
    pub remediation: &'static str,
    /// The peers' controls this detection corresponds to: Security Hub control ids
    /// (`SageMaker.1`), Prowler check ids (`prowler:bedrock_guardrails_configured`), the AWS
    /// AI/ML security assessment's ids (`aiml:BR-05`).
    pub controls: &'static [&'static str],
    /// The (eventSource, eventName) pairs an event rule or stateful detection consumes.
    pub events: &'static [EventKey],
    /// The resource types (`AWS::SageMaker::NotebookInstance`) a posture check consumes.
    pub resource_types: &'static [&'static str],
    /// Whether failed calls (`errorCode` set) reach the detection. Most judge changes that
    /// happened, so failed calls are left out unless the attempt is itself a signal.
    pub failed_calls: bool,
    /// What one alert is about and how long later findings merge into it.
    pub alert: AlertScope,
    pub samples: Samples,
}

impl Metadata {
    /// Metadata with nothing consumed and no samples, to fill in with struct update syntax.
    pub const EMPTY: Metadata = Metadata {
        id: "",
        title: "",
        severity: Severity::Info,
        area: Area::Application,
        techniques: &[],
        description: "",
        remediation: "",
        controls: &[],
        events: &[],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::DEFAULT,
        samples: Samples {
            must_fire: &[],
            must_not_fire: &[],
        },
    };
}

/// One hour, in seconds: the usual alert window of a single change.
pub const HOUR: i64 = 3_600;
/// One day, in seconds: the alert window of repeated, known activity.
pub const DAY: i64 = 86_400;

/// What findings of one detection make one alert: findings whose [`DedupeScope`] parts are
/// equal, within `window_secs` of event time of the first, merge into its alert. The scope
/// shapes the finding's `dedupe_key`; the window travels with the finding
/// (`dedupe_window_secs`), and the deployment may override it for every detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AlertScope {
    pub per: DedupeScope,
    /// The default window, in seconds of event time.
    pub window_secs: i64,
}

impl AlertScope {
    /// One alert per caller and resource per hour.
    pub const DEFAULT: AlertScope = AlertScope {
        per: DedupeScope::PrincipalResource,
        window_secs: HOUR,
    };

    /// One alert per caller per day (and severity): routine activity worth knowing about once
    /// a day, such as a known legacy key calling models.
    pub const PRINCIPAL_DAY: AlertScope = AlertScope {
        per: DedupeScope::Principal,
        window_secs: DAY,
    };

    /// For people: `principal, 1 d`, `principal and resource, 1 h`, `call`.
    pub fn describe(&self) -> String {
        if self.per == DedupeScope::Call {
            return self.per.as_str().to_owned();
        }
        let w = self.window_secs;
        let window = if w > 0 && w % DAY == 0 {
            format!("{} d", w / DAY)
        } else if w > 0 && w % HOUR == 0 {
            format!("{} h", w / HOUR)
        } else {
            format!("{w} s")
        };
        format!("{}, {window}", self.per.as_str())
    }
}

/// The parts of a finding that say which alert it belongs to; they fill the last part of its
/// dedupe key (`<group>|<account>|<actor>|<object>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupeScope {
    /// Every call is an alert of its own: the object is the CloudTrail event id.
    Call,
    /// The caller and the first resource (for a posture check: the resource).
    PrincipalResource,
    /// The caller, whatever the resource, and the finding's severity, so that a change of
    /// severity alerts at once.
    Principal,
    /// The incident: for stateful detections the access key (else caller) and the incident's
    /// severity; for other detections the same as [`DedupeScope::Principal`].
    Incident,
}

impl DedupeScope {
    /// Lower-case name, as `aidr rules` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            DedupeScope::Call => "call",
            DedupeScope::PrincipalResource => "principal and resource",
            DedupeScope::Principal => "principal",
            DedupeScope::Incident => "incident",
        }
    }
}

/// Settings detections judge against: which accounts belong to the organization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organization {
    /// The organization's account ids; any other account is external. When empty, only the
    /// account the event or resource belongs to counts as own.
    pub accounts: Vec<String>,
}

impl Organization {
    /// True when `account` belongs to the organization or is the event's own account.
    pub fn is_own_account(&self, account: &str, event: &Event<'_, '_>) -> bool {
        event.account() == Some(account) || self.accounts.iter().any(|a| a == account)
    }
}

/// What an event rule or posture check reports when its input matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub severity: Severity,
    /// What happened, as a verb phrase: "deleted guardrail gr-1" (event rules, after the
    /// caller's name) or "has direct internet access" (posture checks, after the resource).
    pub action: String,
    /// ARNs or names of the resources concerned; the first one keys deduplication.
    pub resources: Vec<String>,
    /// The whole summary sentence, in place of "<caller> <action>" (event rules whose
    /// summary is a template: user rules); the account, region and failure are still added.
    pub summary: Option<String>,
    /// Overrides the object part of the dedupe key (in place of the first resource).
    pub dedupe: Option<String>,
}

impl Hit {
    /// A match with the given severity and action phrase.
    pub fn new(severity: Severity, action: impl Into<String>) -> Hit {
        Hit {
            severity,
            action: action.into(),
            resources: Vec::new(),
            summary: None,
            dedupe: None,
        }
    }

    /// Adds a resource (skipped when `None` or empty).
    pub fn resource<S: Into<String>>(mut self, resource: Option<S>) -> Hit {
        if let Some(r) = resource.map(Into::into).filter(|r: &String| !r.is_empty()) {
            self.resources.push(r);
        }
        self
    }
}

/// Joins lists of event keys into one array at compile time, for detections that consume
/// several shared lists. Panics (at compile time) when `N` is not the total length.
pub const fn join_events<const N: usize>(lists: &[&[EventKey]]) -> [EventKey; N] {
    let mut out = [("", ""); N];
    let (mut n, mut l) = (0, 0);
    while l < lists.len() {
        let mut i = 0;
        while i < lists[l].len() {
            out[n] = lists[l][i];
            n += 1;
            i += 1;
        }
        l += 1;
    }
    assert!(n == N, "join_events: N is not the total number of event keys");
    out
}
