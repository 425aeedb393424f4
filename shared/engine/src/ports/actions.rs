//! What the responder changes in an account, and what it reads first: the API calls of
//! [`crate::response`] playbooks (IAM, Bedrock, SageMaker in the Lambda, through an assumed
//! member role in other accounts).

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::FailureKind;
use crate::response::{Call, Target};

/// Where a call is made: the account and region of the finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    /// 12-digit account id.
    pub account: String,
    /// Region code (`us-east-1`); IAM calls ignore it.
    pub region: String,
}

impl Scope {
    /// The partition of its region (`aws-cn` for `cn-…`, `aws-us-gov` for `us-gov-…`, else
    /// `aws`), as ARNs there spell it.
    pub fn partition(&self) -> &'static str {
        crate::asff::partition_of_region(&self.region)
    }
}

/// The state a call is about to change, read before it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Before {
    /// What the call changes, as read (`{"Status":"Active"}` for a key, the logging
    /// configuration, the resource policy document…); `None` when there is nothing (no
    /// configuration, no policy).
    pub state: Option<Value>,
    /// True when the call would change nothing (the key is already inactive, the policy
    /// already detached, the notebook already stopped): it is not made.
    pub in_effect: bool,
}

/// A Bedrock long-term API key (an IAM service-specific credential for
/// `bedrock.amazonaws.com`) as `ListServiceSpecificCredentials` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// `ServiceSpecificCredentialId` (`ACCA…`).
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
}

/// A call failed, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct ActionError {
    pub kind: FailureKind,
    pub message: String,
}

impl ActionError {
    /// A failure that may pass: throttling, a timeout, a server error.
    pub fn transient(message: impl Into<String>) -> ActionError {
        ActionError {
            kind: FailureKind::Transient,
            message: message.into(),
        }
    }

    /// A failure that will not pass: access denied, no such entity, a refused parameter.
    pub fn permanent(message: impl Into<String>) -> ActionError {
        ActionError {
            kind: FailureKind::Permanent,
            message: message.into(),
        }
    }
}

/// Makes and inspects playbook calls in an account. Implementations reach other accounts
/// through a role they assume there.
pub trait CloudActions: Send + Sync {
    /// Reads the state `call` would change, changing nothing (dry-run, and the audit's
    /// "before").
    ///
    /// # Errors
    /// An [`ActionError`] when the state cannot be read (access denied, no such entity).
    fn inspect(&self, scope: &Scope, call: &Call) -> impl Future<Output = Result<Before, ActionError>> + Send;

    /// Reads the state as [`CloudActions::inspect`] does, then makes `call` unless it is
    /// already in effect. Returns the state read before.
    ///
    /// # Errors
    /// An [`ActionError`] when the state cannot be read or the call fails.
    fn apply(&self, scope: &Scope, call: &Call) -> impl Future<Output = Result<Before, ActionError>> + Send;

    /// The tags of `target` (of the IAM user behind a key, of the role, of the notebook…);
    /// empty for targets without tags (IAM groups, the logging configuration).
    ///
    /// # Errors
    /// An [`ActionError`] when they cannot be read.
    fn tags(
        &self,
        scope: &Scope,
        target: &Target,
    ) -> impl Future<Output = Result<Vec<(String, String)>, ActionError>> + Send;

    /// The Bedrock long-term API keys of IAM user `user_name`.
    ///
    /// # Errors
    /// An [`ActionError`] when they cannot be listed.
    fn api_keys(&self, scope: &Scope, user_name: &str)
    -> impl Future<Output = Result<Vec<ApiKey>, ActionError>> + Send;
}
