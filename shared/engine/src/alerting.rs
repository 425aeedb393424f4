//! Turning findings into alerts exactly once: suppressions, a minimum severity, idempotency
//! per CloudTrail event (EventBridge and SQS deliver at least once, and a scaled-out Lambda may
//! get the same event in two instances at the same moment) and deduplication per dedupe key
//! within a window: the finding's own `dedupe_window_secs` (its detection's default), or the
//! policy's override. Works on any [`StateStore`] and [`Publisher`].
//!
//! Each alerting finding has a delivery id, `<event key>#<rule>` (see [`event_key`]), and a
//! marker, `event#<delivery id>`, that moves through these states, each move an atomic
//! conditional write:
//! 1. *claimed at t*: created by the delivery that decides (insert-if-absent);
//! 2. the decider counts the occurrence in `dedupe#<dedupe key>` (the window, opened by the
//!    first delivery id counted); then *done* when another delivery opened the window (merged
//!    into its alert), or *publishing since t* when this one did;
//! 3. the publisher publishes; then *done*. If the publish fails it marks the alert *owed*.
//!
//! A delivery that finds the marker: *done* -> nothing to do; *owed* -> takes the publish over
//! (owed -> publishing, only one taker wins) and publishes; *claimed* or *publishing* recently
//! -> another delivery is working on it: [`AlertError::InFlight`], try again later; *claimed*
//! or *publishing* for longer than [`IN_FLIGHT_SECS`] -> that delivery died: takes over (only
//! one taker wins) and decides or publishes again. A decider whose store call fails releases its
//! claim (marks it stale), so the retry decides at once; so does one whose claim write itself
//! failed, and one whose move to publishing failed marks the alert owed (a write that fails may
//! have been applied, its answer lost). A delivery stopped by its invocation's deadline is
//! given up the same way ([`abandon`]). So no alert is lost and none is sent
//! twice, also under concurrent deliveries, except when a process dies between a successful
//! publish and marking it done, or the store fails twice in a row at that moment (subscribers
//! can drop repeats by `event_ids`). A failure between steps 1 and 2 may count one occurrence
//! twice in the window's total.

pub mod allowlist;
mod incoming;

pub use allowlist::{Allowlist, AllowlistError, Day};
pub use incoming::{Incoming, Received, SnsMessage, read_sns_event};

use crate::finding::Finding;
use crate::policy::wildcard_match;
use crate::ports::{FailureKind, PublishError, Publisher, StateError, StateStore};
use crate::severity::Severity;

/// A claim or publish younger than this means another delivery is working on the event.
pub const IN_FLIGHT_SECS: i64 = 300;
/// How long event markers live: longer than EventBridge's 24 h retries and SQS's 14-day
/// retention, so any redelivery still finds its marker.
pub const MARKER_TTL_SECS: i64 = 15 * 24 * 3600;

/// The state of an event's marker, stored as one number: a claim time (positive), -1 done,
/// -2 owed, or minus the time a publish started (below -2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Claimed(i64),
    Publishing(i64),
    Owed,
    Done,
}

impl Marker {
    fn encode(self) -> i64 {
        match self {
            Marker::Claimed(t) => t.max(1),
            Marker::Done => -1,
            Marker::Owed => -2,
            Marker::Publishing(t) => -t.max(3),
        }
    }

    fn decode(value: i64) -> Marker {
        match value {
            -1 => Marker::Done,
            -2 => Marker::Owed,
            v if v < -2 => Marker::Publishing(-v),
            v => Marker::Claimed(v),
        }
    }
}

/// Why a finding could not be handled; the event should be delivered again later unless the
/// error is permanent.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AlertError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("publishing the alert failed: {0}")]
    Publish(#[from] PublishError),
    #[error("event {0} is being handled by another delivery")]
    InFlight(String),
}

impl AlertError {
    /// Whether delivering the event again can succeed.
    pub fn kind(&self) -> FailureKind {
        match self {
            AlertError::State(e) => e.kind,
            AlertError::Publish(e) => e.kind,
            AlertError::InFlight(_) => FailureKind::Transient,
        }
    }
}

/// Which findings alert, and how they are merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPolicy {
    pub min_severity: Severity,
    /// When set, findings with the same dedupe key within this many seconds (of event time)
    /// make one alert, whatever their detection; when `None`, each finding's own
    /// `dedupe_window_secs` applies.
    pub dedupe_window_override_secs: Option<i64>,
    /// Rule ids that never alert.
    pub suppress_rules: Vec<String>,
    /// Principal ARN patterns (`*` and `?` wildcards) that never alert.
    pub suppress_principals: Vec<String>,
    /// Accounts whose findings never alert.
    pub suppress_accounts: Vec<String>,
    /// Findings that are expected (by rule, caller, account and resource) until a day; see
    /// [`allowlist`].
    pub allowlist: Allowlist,
    /// A repeat merged into an open alert publishes an update (same dedupe key, the count so
    /// far, the latest event) at most once per this many seconds of event time per dedupe key,
    /// so responders see that it is still happening; `0` publishes none.
    pub update_interval_secs: i64,
}

/// The default [`AlertPolicy::update_interval_secs`]: 15 minutes.
pub const UPDATE_INTERVAL_SECS: i64 = 900;

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            min_severity: Severity::Low,
            dedupe_window_override_secs: None,
            suppress_rules: Vec::new(),
            suppress_principals: Vec::new(),
            suppress_accounts: Vec::new(),
            allowlist: Allowlist::default(),
            update_interval_secs: UPDATE_INTERVAL_SECS,
        }
    }
}

/// What a published message is: the first alert of a dedupe key in its window, an update on
/// repeats merged into it, or a response (what the responder did or would do about it, with
/// the same dedupe key, published by the responder). Published as `"kind"` in the message and
/// as a message attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    Alert,
    Update,
    Response,
}

impl AlertKind {
    /// `alert`, `update` or `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Alert => "alert",
            AlertKind::Update => "update",
            AlertKind::Response => "response",
        }
    }
}

/// One published message: the finding (its fields at the top level), what kind of message it
/// is, and how many findings its dedupe key has counted in the window so far (1 for an alert).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Alert<'a> {
    pub kind: AlertKind,
    pub count: i64,
    /// For a response: what the responder did or would do, in one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<&'a str>,
    #[serde(flatten)]
    pub finding: &'a Finding,
}

impl AlertPolicy {
    /// The window, in seconds of event time, that the alert `f` opens merges findings for.
    pub fn window_secs(&self, f: &Finding) -> i64 {
        self.dedupe_window_override_secs.unwrap_or(f.dedupe_window_secs)
    }

    /// Why the finding must not alert at `now` (wall-clock Unix seconds: the allowlist's
    /// entries apply up to their last day, UTC), if it must not: `below the minimum severity`,
    /// `rule suppressed`, `account suppressed`, `principal suppressed`, or the allowlist
    /// entry's [`allowlist::Entry::silence_reason`].
    pub fn silenced(&self, f: &Finding, now: i64) -> Option<String> {
        let fixed = if f.severity < self.min_severity {
            "below the minimum severity"
        } else if self.suppress_rules.iter().any(|r| r == &f.rule_id) {
            "rule suppressed"
        } else if f.account.as_ref().is_some_and(|a| self.suppress_accounts.contains(a)) {
            "account suppressed"
        } else if f
            .principal()
            .and_then(|p| p.arn.as_deref())
            .is_some_and(|arn| self.suppress_principals.iter().any(|p| wildcard_match(p, arn)))
        {
            "principal suppressed"
        } else {
            let entry = self.allowlist.matches(f, Day::of_unix_secs(now))?;
            return Some(entry.silence_reason());
        };
        Some(fixed.to_owned())
    }
}

/// What happened to a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not alerted by policy, with the reason ([`AlertPolicy::silenced`]); no state was
    /// touched.
    Silenced(String),
    /// This event was handled before (a redelivery).
    Duplicate,
    /// Merged into the open window's alert; the window has now seen `count` occurrences.
    Merged { count: i64 },
    /// Merged, and an update with the count was published (see
    /// [`AlertPolicy::update_interval_secs`]).
    Updated { count: i64 },
    /// An alert was published.
    Alerted,
}

/// The event a finding is reported on: its first CloudTrail event id (for an incident, the
/// event that raised the report), or (for findings without one, such as posture findings) its
/// dedupe key and time.
pub fn event_key(f: &Finding) -> String {
    match f.event_ids().first() {
        Some(id) => id.clone(),
        None => format!("{}@{}", f.dedupe_key, f.time().unwrap_or("-")),
    }
}

/// What makes a finding's delivery idempotent: `<event key>#<rule>`.
pub fn delivery_id(f: &Finding) -> String {
    format!("{}#{}", event_key(f), f.rule_id)
}

/// The marker key of a finding: `event#<delivery id>`.
pub fn marker_key(f: &Finding) -> String {
    format!("event#{}", delivery_id(f))
}

/// One delivery of one finding; `now` is the wall-clock time in Unix seconds.
struct Delivery<'a, P> {
    finding: &'a Finding,
    store: &'a dyn StateStore,
    publisher: &'a P,
    policy: &'a AlertPolicy,
    marker: String,
    expiry: i64,
    now: i64,
}

/// Handles one finding; `now` is the wall-clock time in Unix seconds.
///
/// # Errors
/// [`AlertError::InFlight`] while another delivery works on the same event (retry later), or
/// the store's or publisher's error; [`AlertError::kind`] says whether a retry can help.
pub async fn deliver<P: Publisher>(
    finding: &Finding,
    store: &dyn StateStore,
    publisher: &P,
    policy: &AlertPolicy,
    now: i64,
) -> Result<Outcome, AlertError> {
    if let Some(reason) = policy.silenced(finding, now) {
        return Ok(Outcome::Silenced(reason));
    }
    let delivery = Delivery {
        finding,
        store,
        publisher,
        policy,
        marker: marker_key(finding),
        expiry: now + MARKER_TTL_SECS,
        now,
    };
    delivery.run().await
}

impl<P: Publisher> Delivery<'_, P> {
    async fn run(&self) -> Result<Outcome, AlertError> {
        let claim = Marker::Claimed(self.now);
        match self.insert(claim).await {
            Ok(true) => return self.decide(claim).await,
            Ok(false) => {}
            Err(e) => {
                // The claim may have been written with its answer lost: release it (if it is
                // this delivery's) so that the retry decides at once instead of waiting for it
                // to age.
                let _ = self.replace(claim, Marker::Claimed(0)).await;
                return Err(e.into());
            }
        }
        let Some(item) = self.store.get(&self.marker, self.now).await? else {
            // The marker expired between the two calls: claim it afresh.
            return match self.insert(claim).await? {
                true => self.decide(claim).await,
                false => Err(self.in_flight()),
            };
        };
        let found = Marker::decode(item.value);
        let recent = |t: i64| self.now - t < IN_FLIGHT_SECS;
        match found {
            Marker::Done => Ok(Outcome::Duplicate),
            Marker::Claimed(t) | Marker::Publishing(t) if recent(t) => Err(self.in_flight()),
            Marker::Claimed(_) => {
                // The decider died before deciding: take its claim over and decide again.
                self.take_over(found, claim).await?;
                self.decide(claim).await
            }
            Marker::Owed | Marker::Publishing(_) => {
                // An earlier publish failed, or its publisher died: publish now.
                let publishing = self.start_publishing(found).await?;
                self.publish(publishing).await
            }
        }
    }

    /// Decides while holding `claim`; if a store call fails on the way, releases the claim
    /// (marks it stale) so that the retry decides at once instead of waiting for it to age.
    async fn decide(&self, claim: Marker) -> Result<Outcome, AlertError> {
        let decided = self.count_and_act(claim).await;
        if let Err(AlertError::State(_)) = decided {
            let _ = self.replace(claim, Marker::Claimed(0)).await;
        }
        decided
    }

    /// Counts the occurrence in its window; publishes when it opened the window.
    async fn count_and_act(&self, claim: Marker) -> Result<Outcome, AlertError> {
        let f = self.finding;
        let at = f.time_millis().map_or(self.now, |ms| ms.div_euclid(1000));
        // Saturating: a window or time near the ends of i64 (no rule loads one) cannot overflow.
        let window_end = at.saturating_add(self.policy.window_secs(f));
        let id = delivery_id(f);
        let key = format!("dedupe#{}", f.dedupe_key);
        let expires = window_end.max(self.now).saturating_add(86_400);
        let window = self.store.count_in_window(&key, &id, at, window_end, expires).await?;
        if window.opened_by == id {
            let publishing = self.start_publishing(claim).await?;
            return self.publish(publishing).await;
        }
        let window_start = window.window_end.saturating_sub(self.policy.window_secs(f));
        let updated = match self.update(at, window_start, window.count).await {
            Ok(updated) => updated,
            Err(e) => {
                // Release the claim so that the retry decides (and updates) at once.
                let _ = self.replace(claim, Marker::Claimed(0)).await;
                return Err(e);
            }
        };
        self.take_over(claim, Marker::Done).await?;
        Ok(match updated {
            true => Outcome::Updated { count: window.count },
            false => Outcome::Merged { count: window.count },
        })
    }

    /// Publishes an update for a repeat at `at` when the last message of its dedupe key (the
    /// alert at `window_start`, or the last update, kept in `update#<dedupe key>`) is at least
    /// the update interval older; only one of concurrent deliveries wins the slot. A failed
    /// publish gives the slot back and fails the delivery, which the caller then retries.
    async fn update(&self, at: i64, window_start: i64, count: i64) -> Result<bool, AlertError> {
        let interval = self.policy.update_interval_secs;
        if interval <= 0 {
            return Ok(false);
        }
        // Due one interval after the alert that opened this window (checked first: it needs
        // no read) and after the last update, when that is later.
        if at.saturating_sub(window_start) < interval {
            return Ok(false);
        }
        let key = format!("update#{}", self.finding.dedupe_key);
        let last = self.store.get(&key, self.now).await?.map(|item| item.value);
        if last.is_some_and(|last| at.saturating_sub(last) < interval) {
            return Ok(false);
        }
        let expiry = at.max(self.now).saturating_add(interval).saturating_add(86_400);
        let won = match last {
            None => self.store.insert_if_absent(&key, at, expiry, self.now).await?,
            Some(previous) => self.store.compare_and_set(&key, previous, at, expiry, self.now).await?,
        };
        if !won {
            return Ok(false);
        }
        let alert = Alert {
            kind: AlertKind::Update,
            count,
            response: None,
            finding: self.finding,
        };
        if let Err(e) = self.publisher.publish(&alert).await {
            let _ = match last {
                None => {
                    self.store
                        .compare_and_set(&key, at, i64::MIN / 2, expiry, self.now)
                        .await
                }
                Some(previous) => self.store.compare_and_set(&key, at, previous, expiry, self.now).await,
            };
            return Err(e.into());
        }
        Ok(true)
    }

    /// Publishes, then marks the marker done; on failure marks the alert owed (best effort: a
    /// marker left publishing is taken over once it is stale). Once the alert is out, a store
    /// that fails to mark it done (twice) does not fail the delivery: a retry could only send
    /// the alert again.
    async fn publish(&self, publishing: Marker) -> Result<Outcome, AlertError> {
        let alert = Alert {
            kind: AlertKind::Alert,
            count: 1,
            response: None,
            finding: self.finding,
        };
        if let Err(e) = self.publisher.publish(&alert).await {
            let _ = self.replace(publishing, Marker::Owed).await;
            return Err(e.into());
        }
        for _ in 0..2 {
            if self
                .store
                .set(&self.marker, Marker::Done.encode(), self.expiry)
                .await
                .is_ok()
            {
                break;
            }
        }
        Ok(Outcome::Alerted)
    }

    async fn insert(&self, marker: Marker) -> Result<bool, StateError> {
        self.store
            .insert_if_absent(&self.marker, marker.encode(), self.expiry, self.now)
            .await
    }

    async fn replace(&self, from: Marker, to: Marker) -> Result<bool, StateError> {
        self.store
            .compare_and_set(&self.marker, from.encode(), to.encode(), self.expiry, self.now)
            .await
    }

    /// Moves the marker from `from` to publishing. When the store fails, the move may have
    /// been applied with its answer lost: the marker is then marked owed (best effort), so
    /// that the retry publishes at once instead of finding a publish in flight.
    async fn start_publishing(&self, from: Marker) -> Result<Marker, AlertError> {
        let publishing = Marker::Publishing(self.now);
        match self.take_over(from, publishing).await {
            Err(AlertError::State(e)) => {
                let _ = self.replace(publishing, Marker::Owed).await;
                Err(e.into())
            }
            moved => moved.map(|()| publishing),
        }
    }

    /// Moves the marker from `from` to `to`, or fails with [`AlertError::InFlight`] when another
    /// delivery moved it first.
    async fn take_over(&self, from: Marker, to: Marker) -> Result<(), AlertError> {
        match self.replace(from, to).await? {
            true => Ok(()),
            false => Err(self.in_flight()),
        }
    }

    fn in_flight(&self) -> AlertError {
        AlertError::InFlight(event_key(self.finding))
    }
}

/// Gives up the delivery of the alert at `marker` (a [`marker_key`]) begun at `now` and
/// stopped before it finished (its invocation ran out of time): a claim made at `now` is
/// released, so that the retry decides at once; a publish started at `now` is marked owed, so
/// that the retry publishes (twice, if the stopped publish had in fact gone out: the same side
/// of at-least-once as a publisher that dies). A marker that moved on is left alone.
///
/// # Errors
/// The store's error; the marker is then taken over once it is [`IN_FLIGHT_SECS`] old.
pub async fn abandon(marker: &str, store: &dyn StateStore, now: i64) -> Result<(), StateError> {
    let expiry = now + MARKER_TTL_SECS;
    let claim = Marker::Claimed(now).encode();
    if store
        .compare_and_set(marker, claim, Marker::Claimed(0).encode(), expiry, now)
        .await?
    {
        return Ok(());
    }
    let publishing = Marker::Publishing(now).encode();
    store
        .compare_and_set(marker, publishing, Marker::Owed.encode(), expiry, now)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::{Marker, abandon};
    use crate::ports::{MemoryStore, StateStore, now_or_never};

    #[test]
    fn an_abandoned_claim_is_released_a_publish_owed_and_a_marker_moved_on_kept() {
        let store = MemoryStore::default();
        let now = 1_800_000_000;
        let value = |key: &str| now_or_never(store.get(key, now)).unwrap().unwrap().unwrap().value;
        let cases = [
            ("claimed", Marker::Claimed(now), Marker::Claimed(0)),
            ("publishing", Marker::Publishing(now), Marker::Owed),
            ("done", Marker::Done, Marker::Done),
            ("claimed by another", Marker::Claimed(now - 5), Marker::Claimed(now - 5)),
        ];
        for (key, before, after) in cases {
            now_or_never(store.set(key, before.encode(), now + 60))
                .unwrap()
                .unwrap();
            now_or_never(abandon(key, &store, now)).unwrap().unwrap();
            assert_eq!(value(key), after.encode(), "{key}");
        }
    }

    #[test]
    fn markers_round_trip() {
        for m in [
            Marker::Claimed(1_800_000_000),
            Marker::Publishing(1_800_000_000),
            Marker::Owed,
            Marker::Done,
        ] {
            assert_eq!(Marker::decode(m.encode()), m);
        }
    }
}
