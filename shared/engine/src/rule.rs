//! The rule interface: metadata, the events a rule consumes, and what a match reports.
//!
//! Built-in rules are [`Builtin`] values (metadata plus a check function), one file each under
//! `rules/`. Rules loaded from files at run time implement [`Rule`] themselves; their metadata
//! strings are leaked once at load time, so every rule shares the `'static` [`Meta`] shape.

use crate::event::Event;
use crate::severity::{Area, Severity};

/// A CloudTrail `eventSource` and `eventName` pair a rule consumes.
pub type EventKey = (&'static str, &'static str);

/// Sample event files (paths under `events/`) that must, and must not, trigger a rule.
#[derive(Debug, Clone, Copy)]
pub struct Examples {
    pub triggers: &'static [&'static str],
    pub ignores: &'static [&'static str],
}

/// Everything about a rule except its logic.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
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
    /// The (eventSource, eventName) pairs the rule is dispatched on.
    pub events: &'static [EventKey],
    /// Whether failed calls (`errorCode` set) reach the rule. Most rules judge changes that
    /// happened, so failed calls are skipped unless a rule treats the attempt as a signal.
    pub failed_calls: bool,
    pub examples: Examples,
}

/// Settings that rules judge against.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The organization's own account ids; any other account is external. When empty, only
    /// the account the event happened in counts as own.
    pub org_accounts: Vec<String>,
}

impl Context {
    /// True when `account` belongs to the organization (or is the event's own account).
    pub fn is_own_account(&self, account: &str, event: &Event<'_, '_>) -> bool {
        event.account() == Some(account) || self.org_accounts.iter().any(|a| a == account)
    }
}

/// What a rule reports when an event matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub severity: Severity,
    /// What the caller did, as a verb phrase: "deleted guardrail gr-1".
    pub action: String,
    /// ARNs or names of the resources concerned; the first one keys deduplication.
    pub resources: Vec<String>,
}

impl Hit {
    /// A match with the given severity and action phrase.
    pub fn new(severity: Severity, action: impl Into<String>) -> Hit {
        Hit {
            severity,
            action: action.into(),
            resources: Vec::new(),
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

/// A detection over single events.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &Meta;
    /// Judges one event that matched one of `meta().events`.
    fn evaluate(&self, event: &Event<'_, '_>, ctx: &Context) -> Option<Hit>;
}

/// A compiled-in rule: metadata plus a check function.
pub struct Builtin {
    pub meta: Meta,
    pub check: fn(&Event<'_, '_>, &Context) -> Option<Hit>,
}

impl Rule for Builtin {
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn evaluate(&self, event: &Event<'_, '_>, ctx: &Context) -> Option<Hit> {
        (self.check)(event, ctx)
    }
}
