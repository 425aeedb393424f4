//! Running playbooks on a finding, and undoing what they did: guards first, then the calls
//! (or, in dry-run, the state they would change), then one audit record per decision.
//!
//! State items (the state table):
//! - `respond#<action id>`: the claim that makes a run happen once. Written before any call
//!   (value -1, held [`CLAIM_SECS`]), set to 1 once the record is kept; removed after a failure
//!   that may pass, or when the record could not be kept, so that the redelivered alert tries
//!   again.
//! - `action#<action id>`: the [`ActionRecord`] (a document), kept [`RECORD_TTL_SECS`]. In
//!   enforce mode it is also kept before each call, the call `attempted` with the state before
//!   it, so no change is made without a record; a retry that finds an attempted call in effect
//!   counts it as made (its answer was lost), not as already in effect.
//! - `actions#<YYYY-MM-DD>`: the ids of the day's records, for `aidr respond list`.
//! - `respond-rate#<account>#<hour>`: enforced actions in the account in that clock hour (a
//!   run that changed nothing, failed or was stopped by the limit does not count).
//! - `config#bedrock-logging#<account>#<region>`: the last logging configuration the detector
//!   saw put (a document), what [`Playbook::RestoreInvocationLogging`] restores.

use serde_json::Value;

use super::call::Target;
use super::plan::{Lookup, Plan, plan};
use super::playbook::Playbook;
use super::record::{ActionRecord, CallRecord, Decision, RATE_LIMIT};
use super::settings::{Mode, SKIP_TAG, Settings};
use crate::finding::Finding;
use crate::ports::{ActionError, ApiKey, CloudActions, FailureKind, Records, StateError, StateStore};
use crate::text::fnv1a_hex;
use crate::time::format_secs;

/// How long action records (and the day indexes) are kept: 400 days.
pub const RECORD_TTL_SECS: i64 = 400 * 86_400;
/// How long a claim holds when its holder never finishes: longer than a run of the responder
/// (its timeout is 60 s), shorter than the minute before Lambda tries a failed event again, so
/// that the retry of a run that died finds the claim gone and acts.
pub const CLAIM_SECS: i64 = 90;
const CLAIMED: i64 = -1;
const FINISHED: i64 = 1;

/// The key of the last Bedrock logging configuration seen in `account` and `region`.
pub fn logging_config_key(account: &str, region: &str) -> String {
    format!("config#bedrock-logging#{account}#{region}")
}

/// The key of an action record.
pub fn action_key(action_id: &str) -> String {
    format!("action#{action_id}")
}

/// The key of the claim that makes the run of an action happen once.
fn claim_key(action_id: &str) -> String {
    format!("respond#{action_id}")
}

/// The action record kept as `doc`.
fn parse_record(action_id: &str, doc: Value) -> Result<ActionRecord, StateError> {
    serde_json::from_value(doc)
        .map_err(|e| StateError::permanent(format!("record {action_id} is not an action record: {e}")))
}

/// The key of the index of the records of the day `now` falls in.
pub fn day_index_key(now: i64) -> String {
    format!("actions#{}", &format_secs(now)[..10])
}

/// A run could not finish, and whether the alert should be delivered again.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RespondError {
    /// The state table failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// A call failed in a way that may pass, or another invocation is acting on the same
    /// finding: deliver the alert again later.
    #[error("{0}")]
    Retry(String),
}

impl RespondError {
    /// Whether delivering the alert again can help.
    pub fn kind(&self) -> FailureKind {
        match self {
            RespondError::State(e) => e.kind,
            RespondError::Retry(_) => FailureKind::Transient,
        }
    }
}

/// Why an undo cannot be made.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum UndoError {
    #[error("no action {0} (records are kept 400 days)")]
    NotFound(String),
    #[error("action {id} cannot be undone: {why}")]
    NotReversible { id: String, why: String },
    #[error(transparent)]
    State(#[from] StateError),
}

/// Runs playbooks through the ports.
pub struct Responder<'a, A, R, S> {
    pub actions: &'a A,
    pub records: &'a R,
    pub state: &'a S,
    pub settings: &'a Settings,
}

/// One run in progress: what its record will say.
struct Run {
    record: ActionRecord,
}

/// The record of a run that failed with `e`, and `e` when it may pass.
fn failed(run: Run, e: ActionError) -> (ActionRecord, Option<ActionError>) {
    let record = run.finish(Decision::Failed, Some(e.message.clone()));
    (record, e.kind.is_transient().then_some(e))
}

impl Run {
    fn finish(mut self, decision: Decision, reason: Option<String>) -> ActionRecord {
        self.record.decision = decision;
        self.record.reason = reason;
        self.record
    }
}

fn action_id(f: &Finding, playbook: Playbook, target: Option<&Target>) -> String {
    let target = target
        .map(|t| serde_json::to_string(t).unwrap_or_default())
        .unwrap_or_default();
    // One run per occurrence: the same message delivered again has the same id, while a
    // repeat of the incident (an update on a later event: the key used again, the policy
    // attached again) runs again. The severity is part of it: an alert skipped as below the
    // minimum must not stand in for a later, more severe one.
    let occurrence = crate::alerting::delivery_id(f);
    let key = format!("{occurrence}|{}|{}|{}", f.severity.as_str(), playbook.id(), target);
    format!("act-{}", fnv1a_hex(key.as_bytes()))
}

impl<A: CloudActions, R: Records, S: StateStore> Responder<'_, A, R, S> {
    /// Runs every playbook that answers `f` and is not off; `now` is Unix seconds. Returns the
    /// records of this delivery (none for a playbook that already ran on this occurrence: the same alert or update
    /// delivered before).
    ///
    /// # Errors
    /// [`RespondError`] when the alert must be delivered again: the state table failed, or a
    /// call failed in a way that may pass (what was decided before is kept).
    pub async fn respond(&self, f: &Finding, now: i64) -> Result<Vec<ActionRecord>, RespondError> {
        let mut records = Vec::new();
        for (playbook, mode, planned, id) in self.runs(f) {
            let claim = claim_key(&id);
            if !self
                .state
                .insert_if_absent(&claim, CLAIMED, now + CLAIM_SECS, now)
                .await?
            {
                match self.state.get(&claim, now).await? {
                    Some(item) if item.value == CLAIMED => {
                        return Err(RespondError::Retry(format!(
                            "{id} is being handled by another invocation"
                        )));
                    }
                    _ => continue,
                }
            }
            let run = Run {
                record: ActionRecord {
                    action_id: id,
                    at: format_secs(now),
                    playbook,
                    mode,
                    decision: Decision::Skipped,
                    reason: None,
                    account: f.account.clone(),
                    region: f.region.clone(),
                    target: planned.as_ref().ok().map(|p| p.target.clone()),
                    calls: Vec::new(),
                    undo: Vec::new(),
                    undoes: None,
                    undone_by: None,
                    finding: f.clone(),
                },
            };
            // What an earlier delivery's run of this action attempted (enforce only).
            let earlier = match mode {
                Mode::Enforce => match self.records.get_record(&action_key(&run.record.action_id), now).await {
                    Ok(doc) => doc.and_then(|doc| serde_json::from_value::<ActionRecord>(doc).ok()),
                    Err(e) => {
                        let _ = self.state.remove(&claim).await;
                        return Err(e.into());
                    }
                },
                _ => None,
            };
            let (record, retry) = match planned {
                Ok(plan) => self.run(run, &plan, f, earlier.as_ref(), now).await,
                Err(why) => (run.finish(Decision::Skipped, Some(why)), None),
            };
            let kept = self.keep(&record, now).await;
            if retry.is_some() || kept.is_err() {
                // Given up even when the record was not kept: a call made or under way is in
                // the record written before it (see `make_calls`), which the retry reads.
                let released = self.state.remove(&claim).await;
                kept?;
                released?;
                return Err(RespondError::Retry(retry.map(|e| e.message).unwrap_or_default()));
            }
            if record.rate_limited() {
                // Not final: the alert delivered again may act once the hour has room.
                self.state.remove(&claim).await?;
            } else {
                self.state.set(&claim, FINISHED, now + RECORD_TTL_SECS).await?;
            }
            records.push(record);
        }
        Ok(records)
    }

    /// The playbooks that answer `f` and are not off, each with its mode, plan and action id.
    fn runs(&self, f: &Finding) -> Vec<(Playbook, Mode, Result<Plan, String>, String)> {
        let answering = Playbook::ALL.into_iter().filter(|p| p.answers(&f.rule_id));
        answering
            .filter_map(|playbook| {
                let mode = self.settings.mode(playbook);
                if mode == Mode::Off {
                    return None;
                }
                let planned = plan(playbook, f);
                let id = action_id(f, playbook, planned.as_ref().ok().map(|p| &p.target));
                Some((playbook, mode, planned, id))
            })
            .collect()
    }

    /// The ids of the actions [`Responder::respond`] takes on `f`: one per playbook that
    /// answers it and is not off, in catalog order; the same for every alert of one incident.
    pub fn action_ids(&self, f: &Finding) -> Vec<String> {
        self.runs(f).into_iter().map(|(.., id)| id).collect()
    }

    /// The records of those of `ids` whose runs have finished: decided for good, neither in
    /// progress nor waiting to be tried again. In the order of `ids`.
    ///
    /// # Errors
    /// A state error when the claims or records cannot be read.
    pub async fn finished(&self, ids: &[String], now: i64) -> Result<Vec<ActionRecord>, StateError> {
        let claims: Vec<String> = ids.iter().map(|id| claim_key(id)).collect();
        let items = self.state.get_many(&claims, now).await?;
        let mut records = Vec::new();
        for (id, item) in ids.iter().zip(items) {
            if item.is_none_or(|i| i.value != FINISHED) {
                continue;
            }
            if let Some(doc) = self.records.get_record(&action_key(id), now).await? {
                records.push(parse_record(id, doc)?);
            }
        }
        Ok(records)
    }

    /// Keeps `record` and lists it in its day's index.
    async fn keep(&self, record: &ActionRecord, now: i64) -> Result<(), StateError> {
        let doc = serde_json::to_value(record).map_err(|e| StateError::permanent(e.to_string()))?;
        self.records
            .put_record(&action_key(&record.action_id), &doc, now + RECORD_TTL_SECS)
            .await?;
        let ids = [record.action_id.clone()];
        self.state
            .append(&day_index_key(now), &ids, now + RECORD_TTL_SECS, now)
            .await?;
        Ok(())
    }

    /// The guards and the calls of one planned run: its record, and the error when it failed
    /// in a way that may pass.
    async fn run(
        &self,
        mut run: Run,
        plan: &Plan,
        f: &Finding,
        earlier: Option<&ActionRecord>,
        now: i64,
    ) -> (ActionRecord, Option<ActionError>) {
        let skip = |run: Run, why: String| (run.finish(Decision::Skipped, Some(why)), None);
        let settings = self.settings;
        if f.severity < settings.min_severity {
            let why = format!("severity {} is below the minimum {}", f.severity, settings.min_severity);
            return skip(run, why);
        }
        if settings.account_allowed(&plan.scope.account) {
            return skip(run, format!("account {} is allowlisted", plan.scope.account));
        }
        let mut arns: Vec<String> = f
            .principal()
            .into_iter()
            .flat_map(|p| [p.arn.clone(), p.role_arn.clone()])
            .flatten()
            .collect();
        arns.extend(plan.target.identity_arn(&plan.scope));
        if let Some((list, pattern)) = settings.exempt_principal(&arns) {
            return skip(run, format!("principal {list} ({pattern})"));
        }
        let tags = match self.actions.tags(&plan.scope, &plan.target).await {
            Ok(tags) => tags,
            Err(e) => return failed(run, e),
        };
        // Read as people write it: `Skip`, `SKIP`, with spaces.
        let skip_tag = |(k, v): &(String, String)| {
            k.trim().eq_ignore_ascii_case(SKIP_TAG.0) && v.trim().eq_ignore_ascii_case(SKIP_TAG.1)
        };
        if tags.iter().any(skip_tag) {
            return skip(run, format!("the target is tagged {}={}", SKIP_TAG.0, SKIP_TAG.1));
        }
        let mut keys: Vec<ApiKey> = Vec::new();
        let mut logging = settings.logging_config.clone();
        match plan.lookup() {
            Some(Lookup::ApiKeys) => {
                let Target::ApiKeys { user_name, .. } = &plan.target else {
                    unreachable!()
                };
                match self.actions.api_keys(&plan.scope, user_name).await {
                    Ok(found) => keys = found,
                    Err(e) => return failed(run, e),
                }
            }
            Some(Lookup::LoggingConfig) if logging.is_none() => {
                let key = logging_config_key(&plan.scope.account, &plan.scope.region);
                match self.records.get_record(&key, now).await {
                    Ok(found) => logging = found,
                    Err(e) => {
                        return failed(
                            run,
                            ActionError {
                                kind: e.kind,
                                message: e.to_string(),
                            },
                        );
                    }
                }
            }
            _ => {}
        }
        let calls = match plan.calls(&format_secs(now), &keys, logging.as_ref()) {
            Ok(calls) => calls,
            Err(why) => return skip(run, why),
        };
        run.record.calls = calls
            .into_iter()
            .map(|call| CallRecord {
                call,
                before: None,
                made: false,
                attempted: false,
            })
            .collect();
        if run.record.mode != Mode::Enforce {
            return self.make_calls(run, plan, None, now).await;
        }
        // The hour's count holds the actions taken (and in progress): a run that changed
        // nothing, failed or was stopped by the limit gives its place back.
        let hour = now.div_euclid(3600);
        let rate_key = format!("respond-rate#{}#{hour}", plan.scope.account);
        let expires = (hour + 2) * 3600;
        let count = match self.state.add(&rate_key, 1, expires, now).await {
            Ok(count) => count,
            Err(e) => {
                let e = ActionError {
                    kind: e.kind,
                    message: e.to_string(),
                };
                return failed(run, e);
            }
        };
        let (record, retry) = if count > settings.max_actions_per_hour {
            let why = format!(
                "{RATE_LIMIT}: {} actions already taken in account {} this hour (AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR); auto-response is paused there until the hour ends",
                settings.max_actions_per_hour, plan.scope.account
            );
            skip(run, why)
        } else {
            self.make_calls(run, plan, earlier, now).await
        };
        if record.decision != Decision::Done {
            // Failing to give the place back only makes the limit stricter this hour.
            let _ = self.state.add(&rate_key, -1, expires, now).await;
        }
        (record, retry)
    }

    /// Makes the run's calls (or, in dry-run, reads the state they would change) in order,
    /// stopping at the first failure.
    ///
    /// In enforce mode each call is recorded before it is made: the state before it is read,
    /// and the record is kept with the call `attempted` (a failed run, should the invocation
    /// end there), so that no change is ever made without a record of it. A call whose answer
    /// was lost (an error or timeout after the service acted) stays `attempted`; the retry of
    /// the action (`earlier`: the record an earlier delivery kept) finds it in effect and
    /// counts it as made by that attempt, with the state read before it, instead of as
    /// already in effect.
    async fn make_calls(
        &self,
        mut run: Run,
        plan: &Plan,
        earlier: Option<&ActionRecord>,
        now: i64,
    ) -> (ActionRecord, Option<ActionError>) {
        let mut changed = false;
        for i in 0..run.record.calls.len() {
            let call = run.record.calls[i].call.clone();
            let result = match run.record.mode {
                Mode::Enforce => self.enforce(&mut run, i, plan, earlier, now).await,
                _ => self.actions.inspect(&plan.scope, &call).await,
            };
            let before = match result {
                Ok(before) => before,
                Err(e) => {
                    run.record.undo = undo_calls(&run.record.calls);
                    return failed(run, e);
                }
            };
            let slot = &mut run.record.calls[i];
            if slot.made {
                // Made by an earlier attempt whose answer was lost.
                changed = true;
                continue;
            }
            let made = run.record.mode == Mode::Enforce && !before.in_effect;
            changed |= !before.in_effect;
            slot.before = before.state;
            slot.made = made;
        }
        run.record.undo = undo_calls(&run.record.calls);
        let decision = match (run.record.mode, changed) {
            (_, false) => Decision::AlreadyInEffect,
            (Mode::Enforce, true) => Decision::Done,
            _ => Decision::WouldDo,
        };
        let reason = (decision == Decision::AlreadyInEffect).then(|| "already in effect".to_owned());
        (run.finish(decision, reason), None)
    }

    /// Makes call `i` of an enforced run: reads the state before it, and unless it is in
    /// effect keeps the record with the call `attempted`, then makes it. A call found in
    /// effect that `earlier` made or attempted (a run that failed at a later call, or a call
    /// whose answer was lost) is marked made, with the state `earlier` read, so that its undo
    /// is kept.
    async fn enforce(
        &self,
        run: &mut Run,
        i: usize,
        plan: &Plan,
        earlier: Option<&ActionRecord>,
        now: i64,
    ) -> Result<crate::ports::Before, ActionError> {
        let call = run.record.calls[i].call.clone();
        let before = self.actions.inspect(&plan.scope, &call).await?;
        if before.in_effect {
            let attempted = earlier
                .and_then(|e| e.calls.get(i))
                .filter(|c| (c.attempted || c.made) && c.call == call);
            if let Some(attempt) = attempted {
                let slot = &mut run.record.calls[i];
                slot.before = attempt.before.clone();
                slot.made = true;
            }
            return Ok(before);
        }
        run.record.calls[i].before = before.state;
        let mut pending = run.record.clone();
        pending.calls[i].attempted = true;
        pending.decision = Decision::Failed;
        pending.reason = Some(format!("{} was being called; its outcome is not known", call.api()));
        self.keep(&pending, now).await.map_err(|e| ActionError {
            kind: e.kind,
            message: format!("the record could not be kept before {}: {e}", call.api()),
        })?;
        run.record.calls[i].attempted = true;
        let made = self.actions.apply(&plan.scope, &call).await?;
        let slot = &mut run.record.calls[i];
        slot.attempted = false;
        if made.in_effect {
            // Put in effect by someone else between the two reads.
            slot.before = made.state.clone();
        }
        Ok(made)
    }

    /// The record of `action_id`.
    ///
    /// # Errors
    /// [`UndoError::NotFound`] when there is none; a state error when it cannot be read.
    pub async fn record(&self, action_id: &str, now: i64) -> Result<ActionRecord, UndoError> {
        let doc = self
            .records
            .get_record(&action_key(action_id), now)
            .await?
            .ok_or_else(|| UndoError::NotFound(action_id.to_owned()))?;
        serde_json::from_value(doc)
            .map_err(|e| UndoError::State(StateError::permanent(format!("record {action_id}: {e}"))))
    }

    /// The records of the last `days` days (today included), newest first.
    ///
    /// # Errors
    /// A state error when the table cannot be read.
    pub async fn list(&self, days: i64, now: i64) -> Result<Vec<ActionRecord>, StateError> {
        let (records, unreadable) = self.listing(days, now).await?;
        match unreadable.into_iter().next() {
            Some((id, why)) => Err(StateError::permanent(format!(
                "record {id} is not an action record: {why}"
            ))),
            None => Ok(records),
        }
    }

    /// As [`Responder::list`], but a record that does not parse is set aside, with its id and
    /// why, instead of failing the whole listing.
    ///
    /// # Errors
    /// A state error when the table cannot be read.
    pub async fn listing(&self, days: i64, now: i64) -> Result<(Vec<ActionRecord>, Vec<(String, String)>), StateError> {
        let (mut records, mut unreadable): (Vec<ActionRecord>, _) = (Vec::new(), Vec::new());
        for day in 0..days.max(1) {
            let ids = self.state.members(&day_index_key(now - day * 86_400), now).await?;
            for id in ids.members {
                if let Some(doc) = self.records.get_record(&action_key(&id), now).await? {
                    match serde_json::from_value(doc) {
                        Ok(record) => records.push(record),
                        Err(e) => unreadable.push((id, e.to_string())),
                    }
                }
            }
        }
        records.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.action_id.cmp(&b.action_id)));
        Ok((records, unreadable))
    }

    /// Reverses a reversible action (see [`ActionRecord::reversible`]): makes its undo calls,
    /// keeps an undo record (`undo-<action id>`) and marks the action undone. Returns the undo
    /// record; a failed call leaves it `failed`, the action not undone, and can be tried again.
    ///
    /// # Errors
    /// [`UndoError`] when the action is unknown or cannot be undone, or the state fails.
    pub async fn undo(&self, action_id: &str, now: i64) -> Result<ActionRecord, UndoError> {
        let mut action = self.record(action_id, now).await?;
        if let Some(why) = action.irreversible() {
            return Err(UndoError::NotReversible {
                id: action_id.to_owned(),
                why,
            });
        }
        let scope = crate::ports::Scope {
            account: action.account.clone().unwrap_or_default(),
            region: action.region.clone().unwrap_or_else(|| "us-east-1".into()),
        };
        let mut record = ActionRecord {
            action_id: format!("undo-{action_id}"),
            at: format_secs(now),
            decision: Decision::Done,
            reason: None,
            calls: Vec::new(),
            undo: Vec::new(),
            undoes: Some(action_id.to_owned()),
            undone_by: None,
            ..action.clone()
        };
        for call in &action.undo {
            match self.actions.apply(&scope, call).await {
                Ok(before) => record.calls.push(CallRecord {
                    call: call.clone(),
                    before: before.state,
                    made: !before.in_effect,
                    attempted: false,
                }),
                Err(e) => {
                    record.calls.push(CallRecord {
                        call: call.clone(),
                        before: None,
                        made: false,
                        attempted: false,
                    });
                    record.decision = Decision::Failed;
                    record.reason = Some(e.message);
                    break;
                }
            }
        }
        self.keep(&record, now).await?;
        if record.decision == Decision::Done {
            action.undone_by = Some(record.action_id.clone());
            let doc = serde_json::to_value(&action).map_err(|e| StateError::permanent(e.to_string()))?;
            self.records
                .put_record(&action_key(action_id), &doc, now + RECORD_TTL_SECS)
                .await?;
        }
        Ok(record)
    }
}

/// The calls that reverse the made ones, last first.
fn undo_calls(calls: &[CallRecord]) -> Vec<crate::response::Call> {
    calls
        .iter()
        .rev()
        .filter(|c| c.made)
        .filter_map(|c| c.call.undo(c.before.as_ref()))
        .collect()
}

/// Whether a Bedrock `loggingConfig` delivers somewhere: it has an `s3Config` or a
/// `cloudWatchConfig` object.
pub fn logging_config_delivers(config: &Value) -> bool {
    ["s3Config", "cloudWatchConfig"]
        .iter()
        .any(|k| config.get(k).is_some_and(Value::is_object))
}
