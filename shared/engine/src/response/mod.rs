//! Response: the playbooks that contain what the detections find, safely. Each playbook
//! answers some rules' findings ([`Playbook`]), reads its target from the finding
//! ([`plan()`]), checks the guards of the [`Settings`] (mode, severity, allowlists, the
//! `aidr:response=skip` tag, aidr's own principals, a rate limit), then makes its calls
//! ([`Call`], through the [`crate::ports::CloudActions`] port) or, in dry-run, reads the state
//! they would change. Every decision is an [`ActionRecord`], kept with the state before each
//! call so that [`Responder::undo`] can put it back.

mod call;
mod observed;
mod plan;
mod playbook;
mod record;
mod respond;
mod settings;

pub use call::{ACTIVE, Call, INACTIVE, PrincipalKind, Target};
pub use observed::{Observed, observed_configuration};
pub use plan::{Lookup, Plan, QUARANTINE_POLICY, REVOKE_POLICY_NAME, plan, revoke_sessions_policy};
pub use playbook::{LLMJACKING, Playbook, PlaybookInfo};
pub use record::{ActionRecord, CallRecord, Decision, RATE_LIMIT};
pub use respond::{
    CLAIM_SECS, RECORD_TTL_SECS, RespondError, Responder, UndoError, action_key, day_index_key,
    logging_config_delivers, logging_config_key,
};
pub use settings::{DEFAULT_MAX_ACTIONS_PER_HOUR, Mode, SKIP_TAG, Settings, parse_list, parse_modes};
