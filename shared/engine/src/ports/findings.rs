//! Where findings are imported for the security team's own triage (AWS Security Hub in the
//! Lambda), in the AWS Security Finding Format of [`crate::asff`].

use std::future::Future;

use serde_json::Value;

use super::{FailureKind, PublishError};

/// A finding the hub refused, one by one, though the call as a whole succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedFinding {
    /// The finding's `Id`.
    pub id: String,
    /// The hub's error code, such as `InvalidInput`.
    pub code: String,
    pub message: String,
    /// Whether importing it again can succeed (throttling, an internal error).
    pub kind: FailureKind,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportResult {
    /// Findings created or updated.
    pub imported: usize,
    /// Findings refused.
    pub failed: Vec<FailedFinding>,
}

/// Imports ASFF findings; a finding whose `Id` was imported before is updated, not added.
pub trait FindingsHub: Send + Sync {
    /// Imports `findings`, ASFF JSON objects.
    ///
    /// # Errors
    /// A [`PublishError`] when the call as a whole failed (or a finding is not ASFF the hub
    /// can take); findings refused one by one are in the [`ImportResult`].
    fn import(&self, findings: &[Value]) -> impl Future<Output = Result<ImportResult, PublishError>> + Send;
}
