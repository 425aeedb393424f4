//! The responder's logic, generic over the engine's ports so it runs in-process in tests: each
//! SNS message carrying an aidr alert (or update) goes through the playbooks that answer its
//! rule ([`aidr_engine::response::Responder::respond`]: guards, then the calls, or in dry-run
//! the state they would change), and each decision is published back to the alert topic as a
//! follow-up: `kind` `response`, the same finding (so the same dedupe key: the notifier threads
//! it under the alert) and the decision in one line as `response`.
//!
//! Each message ends one of these ways:
//! - ignored: a `response` (the responder's own follow-ups come back on the topic it
//!   subscribes to);
//! - done: every playbook decided, and every decision was published;
//! - retried: a call, the state table or the topic failed in a way that may pass: the
//!   invocation fails, and Lambda delivers the event again;
//! - dead-lettered: it is not an alert, or the state table or the topic refused it for good:
//!   it is logged and kept in the dead-letter queue with the reason, at once, not retried.
//!
//! A redelivery never acts twice: the engine claims each action (`respond#<action id>`) before
//! it acts, and a finished action is not run again for the same occurrence (the CloudTrail
//! event of the alert or update; a later update of the incident is a new occurrence). What a
//! redelivery publishes: what it decided itself (a run that failed in a way that may pass runs
//! again), and the decisions of earlier deliveries that were never published (their publish failed, or the
//! invocation failed before it). Each follow-up published is marked
//! (`respond-followup#<action id>`), so nothing is published twice but for a crash between
//! the publish and its mark; when nothing new was decided and nothing is owed, nothing is
//! published.
//!
//! The playbooks' calls are given up [`RECORD_RESERVE`] before the invocation's deadline (see
//! [`crate::deadline`]): a call that hangs fails the run for a retry, recorded, before Lambda
//! stops the function.
//!
//! A follow-up of an action the rate limit stopped leads with "AUTO-RESPONSE PAUSED": the
//! account gets no automatic containment until the hour ends.

use aidr_aws::subscriber::{Tally, dead_letter, handle_event};
use aidr_engine::Finding;
use aidr_engine::alerting::{Alert, AlertKind, Incoming, SnsMessage};
use aidr_engine::ports::{
    CloudActions, DeadLetters, FailureKind, PublishError, Publisher, Records, StateError, StateStore,
};
use aidr_engine::response::{ActionRecord, Decision, RECORD_TTL_SECS, Responder, Settings};
use serde::Serialize;
use serde_json::Value;
use tokio::time::{Duration, Instant};
use tracing::{error, info, warn};

use crate::config::ResponderConfig;
use crate::deadline::Deadlined;

pub use aidr_aws::subscriber::HandlerError;

/// Everything one invocation needs; built once per cold start.
pub struct AutoResponder<A, S, P, D> {
    /// Where the playbooks' calls are made.
    pub actions: A,
    /// Claims, action records, rate counts and follow-up marks (the state table).
    pub store: S,
    /// Where follow-ups are published (the alert topic).
    pub publisher: P,
    pub dead_letters: D,
    pub settings: Settings,
}

impl<A, S, P, D> AutoResponder<A, S, P, D> {
    /// A responder for `config` on these ports.
    pub fn new(config: &ResponderConfig, actions: A, store: S, publisher: P, dead_letters: D) -> Self {
        AutoResponder {
            actions,
            store,
            publisher,
            dead_letters,
            settings: config.settings.clone(),
        }
    }
}

/// The decisions of an invocation, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Decisions {
    pub skipped: usize,
    pub would_do: usize,
    pub done: usize,
    pub already_in_effect: usize,
    pub failed: usize,
}

impl Decisions {
    fn count(&mut self, decision: Decision) {
        *match decision {
            Decision::Skipped => &mut self.skipped,
            Decision::WouldDo => &mut self.would_do,
            Decision::Done => &mut self.done,
            Decision::AlreadyInEffect => &mut self.already_in_effect,
            Decision::Failed => &mut self.failed,
        } += 1;
    }
}

/// What an invocation did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// SNS records seen, dead-lettered (not an alert, or refused for good), and failed in a
    /// way that may pass (the event is delivered again).
    #[serde(flatten)]
    pub tally: Tally,
    /// The playbooks' decisions made now (a redelivery makes none for what was decided).
    pub decisions: Decisions,
    /// Follow-ups published.
    pub published: usize,
    /// Responses (follow-ups), not acted on.
    pub ignored: usize,
}

impl AsMut<Tally> for Summary {
    fn as_mut(&mut self) -> &mut Tally {
        &mut self.tally
    }
}

/// The time kept, before the invocation's deadline, to record the runs and publish their
/// follow-ups after the playbooks' calls are given up.
pub const RECORD_RESERVE: Duration = Duration::from_secs(5);

/// The error type of an invocation that failed for a retry.
const RETRY_ERROR_TYPE: &str = "Aidr.ResponseNotFinished";

/// A follow-up mark's value: published.
const PUBLISHED: i64 = 1;

/// The key of the mark of an action's published follow-up.
pub fn followup_key(action_id: &str) -> String {
    format!("respond-followup#{action_id}")
}

/// The one line a follow-up carries: the record's, led by "AUTO-RESPONSE PAUSED" when the
/// rate limit stopped it.
pub fn response_line(record: &ActionRecord) -> String {
    let line = record.line();
    if record.rate_limited() {
        let account = record.account.as_deref().unwrap_or("(unknown)");
        format!("AUTO-RESPONSE PAUSED in account {account} until the hour ends (rate limit): {line}")
    } else {
        line
    }
}

/// What went wrong with one message: what may pass (retry it) and what will not (dead-letter).
#[derive(Default)]
struct Failures {
    transient: Vec<String>,
    permanent: Vec<String>,
}

impl Failures {
    fn add(&mut self, kind: FailureKind, why: String) {
        match kind {
            FailureKind::Transient => self.transient.push(why),
            FailureKind::Permanent => self.permanent.push(why),
        }
    }
}

impl<A: CloudActions, S: StateStore + Records, P: Publisher, D: DeadLetters> AutoResponder<A, S, P, D> {
    /// Handles one invocation payload, an SNS event; `deadline` is when the invocation times
    /// out, `now` wall-clock Unix seconds.
    ///
    /// # Errors
    /// [`HandlerError::Retry`] when a message must be delivered again (every message was
    /// handled first; what was decided and published is kept, so the retry redoes only what
    /// failed).
    pub async fn handle(&self, payload: &str, deadline: Instant, now: i64) -> Result<Value, HandlerError> {
        let actions = Deadlined {
            actions: &self.actions,
            until: deadline.checked_sub(RECORD_RESERVE).unwrap_or(deadline),
        };
        handle_event(
            payload,
            &self.dead_letters,
            RETRY_ERROR_TYPE,
            async |sns, alert, summary: &mut Summary| self.handle_alert(&actions, sns, alert, now, summary).await,
        )
        .await
    }

    /// One alert: `Err` with the reason when it must be delivered again.
    async fn handle_alert(
        &self,
        actions: &Deadlined<'_, A>,
        sns: &SnsMessage,
        alert: &Incoming,
        now: i64,
        summary: &mut Summary,
    ) -> Result<(), String> {
        let message_id = sns.message_id.as_str();
        let f = &alert.finding;
        if alert.kind == AlertKind::Response {
            summary.ignored += 1;
            info!(message_id, rule_id = %f.rule_id, dedupe_key = %f.dedupe_key, "a response: not acted on");
            return Ok(());
        }
        let responder = Responder {
            actions,
            records: &self.store,
            state: &self.store,
            settings: &self.settings,
        };
        let mut failures = Failures::default();
        let decided = match responder.respond(f, now).await {
            Ok(decided) => decided,
            Err(e) => {
                error!(message_id, rule_id = %f.rule_id, dedupe_key = %f.dedupe_key, error = %e, transient = e.kind().is_transient(), "the playbooks did not finish");
                failures.add(e.kind(), format!("respond: {e}"));
                Vec::new()
            }
        };
        for record in &decided {
            summary.decisions.count(record.decision);
            log_decision(message_id, record);
        }
        let owed = match self.owed(&responder, f, &decided, now).await {
            Ok(owed) => owed,
            Err(e) if e.kind.is_transient() => {
                failures.add(e.kind, format!("earlier responses: {e}"));
                Vec::new()
            }
            // The actions are handled; a state table refusing for good must not dead-letter
            // the alert for the follow-ups of earlier deliveries.
            Err(e) => {
                error!(message_id, dedupe_key = %f.dedupe_key, error = %e, "the responses of earlier deliveries cannot be read; they are not published again");
                Vec::new()
            }
        };
        for record in decided.iter().chain(&owed) {
            match self.follow_up(record, alert.count, now).await {
                Ok(()) => summary.published += 1,
                Err(e) => {
                    error!(message_id, action_id = %record.action_id, error = %e, transient = e.kind.is_transient(), "the response was not published");
                    failures.add(e.kind, format!("publishing {}: {e}", record.action_id));
                }
            }
        }
        let Failures { transient, permanent } = failures;
        let mut retry = transient;
        if !permanent.is_empty() {
            let reason = permanent.join("; ");
            if let Err(why) = dead_letter(
                &self.dead_letters,
                &sns.message,
                message_id,
                &reason,
                &mut summary.tally,
            )
            .await
            {
                retry.push(why);
            }
        }
        if retry.is_empty() {
            Ok(())
        } else {
            Err(retry.join("; "))
        }
    }

    /// The decisions on `f`'s occurrence made by an earlier delivery of it (not among `decided`) and
    /// never published.
    async fn owed(
        &self,
        responder: &Responder<'_, Deadlined<'_, A>, S, S>,
        f: &Finding,
        decided: &[ActionRecord],
        now: i64,
    ) -> Result<Vec<ActionRecord>, StateError> {
        let earlier: Vec<String> = responder
            .action_ids(f)
            .into_iter()
            .filter(|id| !decided.iter().any(|r| &r.action_id == id))
            .collect();
        if earlier.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = earlier.iter().map(|id| followup_key(id)).collect();
        let marks = self.store.get_many(&marks, now).await?;
        let unpublished: Vec<String> = earlier
            .into_iter()
            .zip(marks)
            .filter(|(_, mark)| mark.is_none())
            .map(|(id, _)| id)
            .collect();
        if unpublished.is_empty() {
            return Ok(Vec::new());
        }
        responder.finished(&unpublished, now).await
    }

    /// Publishes the follow-up of `record`, then marks it published. A mark that cannot be
    /// written is logged, not returned: the follow-up is out, and failing the invocation would
    /// publish it again now.
    async fn follow_up(&self, record: &ActionRecord, count: i64, now: i64) -> Result<(), PublishError> {
        let line = response_line(record);
        let alert = Alert {
            kind: AlertKind::Response,
            count,
            response: Some(&line),
            finding: &record.finding,
        };
        self.publisher.publish(&alert).await?;
        let mark = followup_key(&record.action_id);
        if let Err(e) = self
            .store
            .insert_if_absent(&mark, PUBLISHED, now + RECORD_TTL_SECS, now)
            .await
        {
            error!(action_id = %record.action_id, mark, error = %e, "published, but the mark was not written; a redelivery would publish it again");
        }
        Ok(())
    }
}

/// Logs one decision: what was decided about which target, by which playbook in which mode.
fn log_decision(message_id: &str, record: &ActionRecord) {
    let target = record.target.as_ref().map(|t| t.describe());
    let reason = record.reason.as_deref().unwrap_or("");
    let calls: Vec<String> = record.calls.iter().map(|c| c.call.api()).collect();
    macro_rules! decision {
        ($level:ident, $what:literal) => {
            $level!(
                message_id,
                action_id = %record.action_id,
                playbook = %record.playbook,
                mode = %record.mode,
                decision = record.decision.as_str(),
                reason,
                target = target.as_deref().unwrap_or("-"),
                account = record.account.as_deref().unwrap_or("-"),
                calls = calls.join(","),
                rule_id = %record.finding.rule_id,
                dedupe_key = %record.finding.dedupe_key,
                $what
            )
        };
    }
    match record.decision {
        Decision::Failed => decision!(error, "response failed"),
        Decision::Skipped if record.rate_limited() => decision!(warn, "auto-response paused by the rate limit"),
        _ => decision!(info, "response"),
    }
}
