//! Turning findings into alerts exactly once: suppressions, a minimum severity, idempotency
//! per CloudTrail event (EventBridge and SQS deliver at least once) and deduplication per
//! dedupe key within a window. Works on any [`StateStore`] and [`Publisher`].
//!
//! State written per alerting finding, in this order:
//! 1. `event#<eventID>#<rule>` is claimed (conditional insert; value = claim time).
//! 2. `dedupe#<dedupe key>` counts the occurrence in its window (opened by the first event).
//! 3. The event marker becomes *owed* when this event opened the window (an alert is due),
//!    else *done* (merged into the open window's alert).
//! 4. The alert is published; only then does the marker become *done*.
//!
//! A redelivered event finds its marker: *done* -> nothing; *owed* -> publish now (the
//! earlier publish failed); *claimed* recently -> another delivery is in flight, retry later;
//! *claimed* long ago -> the earlier attempt died before deciding, decide again. So no alert
//! is lost and none is sent twice, except when a process dies between a successful publish
//! and step 4 (subscribers can drop repeats by `event_ids`). A death between steps 1 and 3
//! may count one occurrence twice in the window's total.

use std::future::Future;

use crate::finding::Finding;
use crate::policy::wildcard_match;
use crate::severity::Severity;
use crate::state::{StateError, StateStore};

/// Marker value: an alert is due for this event (the publish has not succeeded yet).
const OWED: i64 = -2;
/// Marker value: the event is fully handled.
const DONE: i64 = -1;
/// A claim younger than this means another delivery is working on the event.
const IN_FLIGHT_SECS: i64 = 300;
/// How long event markers live: longer than EventBridge's 24 h retries and SQS's 14-day
/// retention, so any redelivery still finds its marker.
pub const MARKER_TTL_SECS: i64 = 15 * 24 * 3600;

/// Sends an alert for a finding (SNS in the Lambda).
pub trait Publisher: Send + Sync {
    fn publish(&self, finding: &Finding) -> impl Future<Output = Result<(), PublishError>> + Send;
}

/// The alert could not be sent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("publishing the alert failed: {0}")]
pub struct PublishError(pub String);

/// Why a finding could not be handled; the event should be delivered again later.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AlertError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error("event {0} is being handled by another delivery")]
    InFlight(String),
}

/// Which findings alert, and how they are merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPolicy {
    pub min_severity: Severity,
    /// Findings with the same dedupe key within this many seconds (of event time) make one alert.
    pub dedupe_window_secs: i64,
    /// Rule ids that never alert.
    pub suppress_rules: Vec<String>,
    /// Principal ARN patterns (`*` and `?` wildcards) that never alert.
    pub suppress_principals: Vec<String>,
    /// Accounts whose findings never alert.
    pub suppress_accounts: Vec<String>,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            min_severity: Severity::Low,
            dedupe_window_secs: 3600,
            suppress_rules: Vec::new(),
            suppress_principals: Vec::new(),
            suppress_accounts: Vec::new(),
        }
    }
}

impl AlertPolicy {
    /// Why the finding must not alert, if it must not.
    pub fn silenced(&self, f: &Finding) -> Option<&'static str> {
        if f.severity < self.min_severity {
            Some("below the minimum severity")
        } else if self.suppress_rules.iter().any(|r| r == &f.rule_id) {
            Some("rule suppressed")
        } else if f.account.as_ref().is_some_and(|a| self.suppress_accounts.contains(a)) {
            Some("account suppressed")
        } else if f
            .principal
            .arn
            .as_deref()
            .is_some_and(|arn| self.suppress_principals.iter().any(|p| wildcard_match(p, arn)))
        {
            Some("principal suppressed")
        } else {
            None
        }
    }
}

/// What happened to a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not alerted by policy, with the reason; no state was touched.
    Silenced(&'static str),
    /// This event was handled before (a redelivery).
    Duplicate,
    /// Merged into the open window's alert; the window has now seen `count` occurrences.
    Merged { count: i64 },
    /// An alert was published.
    Alerted,
}

/// The id that makes a finding's delivery idempotent: its first CloudTrail event id, or (for
/// records without one) its dedupe key and time.
pub fn event_key(f: &Finding) -> String {
    match f.event_ids.first() {
        Some(id) => id.clone(),
        None => format!("{}@{}", f.dedupe_key, f.event_time.as_deref().unwrap_or("-")),
    }
}

/// Handles one finding; `now` is the wall-clock time in Unix seconds.
pub async fn deliver<S: StateStore, P: Publisher>(
    finding: &Finding,
    store: &S,
    publisher: &P,
    policy: &AlertPolicy,
    now: i64,
) -> Result<Outcome, AlertError> {
    if let Some(reason) = policy.silenced(finding) {
        return Ok(Outcome::Silenced(reason));
    }
    let event = event_key(finding);
    let marker = format!("event#{event}#{}", finding.rule_id);
    let marker_expiry = now + MARKER_TTL_SECS;
    if !store.insert_if_absent(&marker, now, marker_expiry, now).await? {
        match store.get(&marker, now).await?.map(|i| i.value) {
            Some(DONE) => return Ok(Outcome::Duplicate),
            Some(OWED) => return publish(finding, store, publisher, &marker, marker_expiry).await,
            Some(claimed) if now - claimed < IN_FLIGHT_SECS => return Err(AlertError::InFlight(event)),
            _ => {} // the earlier attempt died before deciding: decide again
        }
    }
    let at = finding.time_millis().map_or(now, |ms| ms.div_euclid(1000));
    let window_end = at + policy.dedupe_window_secs;
    let key = format!("dedupe#{}", finding.dedupe_key);
    let window = store
        .count_in_window(&key, &event, at, window_end, window_end.max(now) + 86_400)
        .await?;
    if window.opened_by == event {
        store.set(&marker, OWED, marker_expiry).await?;
        publish(finding, store, publisher, &marker, marker_expiry).await
    } else {
        store.set(&marker, DONE, marker_expiry).await?;
        Ok(Outcome::Merged { count: window.count })
    }
}

async fn publish<S: StateStore, P: Publisher>(
    finding: &Finding,
    store: &S,
    publisher: &P,
    marker: &str,
    expiry: i64,
) -> Result<Outcome, AlertError> {
    publisher.publish(finding).await?;
    store.set(marker, DONE, expiry).await?;
    Ok(Outcome::Alerted)
}

/// A [`Publisher`] for tests and benchmarks: keeps the rule ids it was given, and can be
/// switched off to play an unavailable topic.
pub mod testing {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::{PublishError, Publisher};
    use crate::finding::Finding;

    #[derive(Debug, Default)]
    pub struct Outbox {
        sent: Mutex<Vec<String>>,
        down: AtomicBool,
    }

    impl Outbox {
        /// Makes every publish fail (true) or succeed again (false).
        pub fn set_down(&self, down: bool) {
            self.down.store(down, Ordering::SeqCst);
        }

        /// The rule ids of the alerts published so far.
        pub fn sent(&self) -> Vec<String> {
            self.sent.lock().map(|s| s.clone()).unwrap_or_default()
        }
    }

    impl Publisher for Outbox {
        async fn publish(&self, f: &Finding) -> Result<(), PublishError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(PublishError("topic unavailable".into()));
            }
            self.sent
                .lock()
                .map_err(|_| PublishError("outbox lock poisoned".into()))?
                .push(f.rule_id.clone());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Outbox;
    use super::*;
    use crate::rules::testing::sample_findings;
    use crate::state::{MemoryStore, now_or_never};

    fn finding(sample: &str) -> Finding {
        sample_findings(sample).remove(0)
    }

    fn run(f: &Finding, store: &MemoryStore, out: &Outbox, now: i64) -> Result<Outcome, AlertError> {
        now_or_never(deliver(f, store, out, &AlertPolicy::default(), now)).expect("memory store never waits")
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn redelivery_is_silent_and_same_key_merges() {
        let (store, out) = (MemoryStore::default(), Outbox::default());
        let first = finding("bedrock/DeleteGuardrail.json");
        assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
        assert_eq!(run(&first, &store, &out, NOW + 5), Ok(Outcome::Duplicate));
        let mut second = first.clone();
        second.event_ids = vec!["another-event".into()];
        assert_eq!(run(&second, &store, &out, NOW + 6), Ok(Outcome::Merged { count: 2 }));
        assert_eq!(run(&second, &store, &out, NOW + 7), Ok(Outcome::Duplicate));
        assert_eq!(out.sent().len(), 1);
    }

    #[test]
    fn a_failed_publish_is_retried_exactly_once() {
        let (store, out) = (MemoryStore::default(), Outbox::default());
        let f = finding("bedrock/DeleteGuardrail.json");
        out.set_down(true);
        assert!(matches!(run(&f, &store, &out, NOW), Err(AlertError::Publish(_))));
        out.set_down(false);
        assert_eq!(run(&f, &store, &out, NOW + 60), Ok(Outcome::Alerted));
        assert_eq!(run(&f, &store, &out, NOW + 120), Ok(Outcome::Duplicate));
        assert_eq!(out.sent().len(), 1);
    }

    #[test]
    fn in_flight_claims_wait_and_stale_claims_are_decided_again() {
        let (store, out) = (MemoryStore::default(), Outbox::default());
        let f = finding("bedrock/DeleteGuardrail.json");
        let marker = format!("event#{}#{}", event_key(&f), f.rule_id);
        now_or_never(store.insert_if_absent(&marker, NOW, NOW + MARKER_TTL_SECS, NOW))
            .unwrap()
            .unwrap();
        assert!(matches!(run(&f, &store, &out, NOW + 10), Err(AlertError::InFlight(_))));
        assert_eq!(run(&f, &store, &out, NOW + IN_FLIGHT_SECS + 1), Ok(Outcome::Alerted));
    }

    #[test]
    fn a_new_window_alerts_again() {
        let (store, out) = (MemoryStore::default(), Outbox::default());
        let first = finding("bedrock/DeleteGuardrail.json");
        let mut later = first.clone();
        later.event_ids = vec!["later".into()];
        later.event_time = Some("2026-03-02T11:15:31Z".into()); // one hour and a second later
        assert_eq!(run(&first, &store, &out, NOW), Ok(Outcome::Alerted));
        assert_eq!(run(&later, &store, &out, NOW), Ok(Outcome::Alerted));
    }

    #[test]
    fn policy_silences_without_touching_state() {
        let (store, out) = (MemoryStore::default(), Outbox::default());
        let f = finding("bedrock/DeleteGuardrail.json");
        let principal = f.principal.arn.clone().unwrap();
        let policies = [
            (
                AlertPolicy {
                    min_severity: Severity::Critical,
                    ..AlertPolicy::default()
                },
                "below the minimum severity",
            ),
            (
                AlertPolicy {
                    suppress_rules: vec![f.rule_id.clone()],
                    ..AlertPolicy::default()
                },
                "rule suppressed",
            ),
            (
                AlertPolicy {
                    suppress_accounts: vec!["111122223333".into()],
                    ..AlertPolicy::default()
                },
                "account suppressed",
            ),
            (
                AlertPolicy {
                    suppress_principals: vec![principal.replace("alice", "*")],
                    ..AlertPolicy::default()
                },
                "principal suppressed",
            ),
        ];
        for (policy, reason) in policies {
            let outcome = now_or_never(deliver(&f, &store, &out, &policy, NOW)).unwrap();
            assert_eq!(outcome, Ok(Outcome::Silenced(reason)));
        }
        assert!(store.is_empty());
    }
}
