//! The audit: one record per decision a playbook made about a finding, kept as a JSON
//! document in the state table and published as a follow-up.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::call::{Call, Target};
use super::playbook::Playbook;
use super::settings::Mode;
use crate::finding::Finding;

/// What became of one playbook run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// A guard stopped it before any call (`reason` says which).
    Skipped,
    /// Dry-run: the calls it would make, with the state read now.
    WouldDo,
    /// The calls were made.
    Done,
    /// Nothing to do: the change was already in effect (the key already inactive).
    AlreadyInEffect,
    /// A call failed (`reason` says how).
    Failed,
}

impl Decision {
    /// `skipped`, `would_do`, `done`, `already_in_effect`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Skipped => "skipped",
            Decision::WouldDo => "would_do",
            Decision::Done => "done",
            Decision::AlreadyInEffect => "already_in_effect",
            Decision::Failed => "failed",
        }
    }
}

/// How the reason of an action the rate limit stopped starts (see [`ActionRecord::rate_limited`]).
pub const RATE_LIMIT: &str = "rate limit";

/// One call as recorded: the call, the state before it, and whether it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    pub call: Call,
    /// The state read before it (see [`crate::ports::Before::state`]).
    pub before: Option<Value>,
    /// True when it was made (false in dry-run, or when already in effect, or not reached).
    pub made: bool,
    /// True when it was sent and its outcome is not known (the answer was lost, or the run
    /// ended before it was recorded): a retry that finds it in effect counts it as made.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attempted: bool,
}

/// One audited decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// `act-` and 16 hex digits, stable for one occurrence (the CloudTrail event and rule of the alert or update), severity, playbook and target (for an undo,
    /// `undo-` and the action's id).
    pub action_id: String,
    /// When it was decided, RFC 3339 UTC.
    pub at: String,
    pub playbook: Playbook,
    pub mode: Mode,
    pub decision: Decision,
    /// Why it was skipped or failed; what was found when nothing needed doing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    pub calls: Vec<CallRecord>,
    /// The calls that reverse what was done, in order (empty when nothing was changed).
    #[serde(default)]
    pub undo: Vec<Call>,
    /// For an undo record: the action it reversed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
    /// Set on an action once it has been undone: the undo record's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_by: Option<String>,
    /// The finding acted on.
    pub finding: Finding,
}

impl ActionRecord {
    /// One line for a human: what the playbook did or would do, and its action id.
    pub fn line(&self) -> String {
        let target = self.target.as_ref().map(Target::describe);
        let target = target.as_deref().unwrap_or("(no target)");
        let apis = || {
            let apis: Vec<String> = self.calls.iter().map(|c| c.call.api()).collect();
            apis.join(", ")
        };
        let reason = self.reason.as_deref().unwrap_or("");
        let what = match self.decision {
            Decision::Skipped => format!("skipped {target}: {reason}"),
            Decision::WouldDo => format!("would call {} on {target}", apis()),
            Decision::Done if self.undoes.is_some() => format!(
                "undid {}: called {} on {target}",
                self.undoes.as_deref().unwrap_or(""),
                apis()
            ),
            Decision::Done => format!("called {} on {target}", apis()),
            Decision::AlreadyInEffect => format!("nothing to do on {target}: already in effect"),
            Decision::Failed => format!("failed on {target}: {reason}"),
        };
        format!("{} ({}): {what} [action {}]", self.playbook, self.mode, self.action_id)
    }

    /// Whether the rate limit stopped it: auto-response is paused in its account for the rest
    /// of the hour.
    pub fn rate_limited(&self) -> bool {
        self.decision == Decision::Skipped
            && self
                .reason
                .as_deref()
                .is_some_and(|r| r.strip_prefix(RATE_LIMIT).is_some_and(|rest| rest.starts_with(':')))
    }

    /// Whether `aidr respond undo` can reverse it.
    pub fn reversible(&self) -> bool {
        self.decision == Decision::Done && self.undoes.is_none() && self.undone_by.is_none() && !self.undo.is_empty()
    }

    /// Why `aidr respond undo` cannot reverse it; `None` when it can.
    pub fn irreversible(&self) -> Option<String> {
        if self.reversible() {
            return None;
        }
        Some(match (self.decision, &self.undone_by) {
            (_, Some(by)) => format!("already undone by {by}"),
            (Decision::Done, None) if self.undoes.is_some() => "it is an undo".to_owned(),
            (Decision::Done, None) => "nothing it changed can be put back".to_owned(),
            (decision, None) => format!("it changed nothing ({})", decision.as_str()),
        })
    }
}
