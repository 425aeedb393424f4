//! What the detector may read live in an account to judge an event the record alone does not
//! settle (see [`crate::enrich`]): a managed policy's versions, an inline policy, a guardrail.
//! Every method answers `Ok(None)` when the thing does not exist.

use std::future::Future;

use serde_json::Value;

use crate::response::PrincipalKind;

/// A lookup failed: `reason` is short, for a finding's text ("timed out after 2 s",
/// "AccessDenied", "account 444455556666 is not reachable").
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{api} failed: {reason}")]
pub struct LookupError {
    /// The API that failed (`iam:GetPolicy`, `sts:AssumeRole`).
    pub api: String,
    pub reason: String,
}

impl LookupError {
    /// A failure of `api` for `reason`.
    pub fn new(api: impl Into<String>, reason: impl Into<String>) -> LookupError {
        LookupError {
            api: api.into(),
            reason: reason.into(),
        }
    }
}

/// A managed policy's default version: its id (`v3`), and the id of the policy it belongs to
/// (`ANPA…`, from `GetPolicy`): a policy deleted and created again under the same name starts
/// at `v1` again, with another policy id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DefaultVersion {
    pub policy_id: String,
    pub version: String,
}

/// Reads what [`crate::enrich`] asks, in the account (and region) named. An implementation
/// bounds each call in time: a call that takes too long fails with a [`LookupError`].
pub trait Lookup: Send + Sync {
    /// The default version of the managed policy `arn` (IAM `GetPolicy`).
    ///
    /// # Errors
    /// A [`LookupError`] when it could not be read.
    fn default_policy_version(
        &self,
        account: &str,
        arn: &str,
    ) -> impl Future<Output = Result<Option<DefaultVersion>, LookupError>> + Send;

    /// The document of version `version` of the managed policy `arn`, decoded
    /// (IAM `GetPolicyVersion`).
    ///
    /// # Errors
    /// A [`LookupError`] when it could not be read.
    fn policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
    ) -> impl Future<Output = Result<Option<Value>, LookupError>> + Send;

    /// The inline policy `name` of the user, group or role `identity`, decoded
    /// (IAM `GetUserPolicy`, `GetGroupPolicy`, `GetRolePolicy`).
    ///
    /// # Errors
    /// A [`LookupError`] when it could not be read.
    fn inline_policy(
        &self,
        account: &str,
        kind: PrincipalKind,
        identity: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<Value>, LookupError>> + Send;

    /// The working draft of guardrail `id` (Bedrock `GetGuardrail`), in the shape of an
    /// `UpdateGuardrail` request as CloudTrail records it (`contentPolicyConfig.filtersConfig`,
    /// `contextualGroundingPolicyConfig.filtersConfig`, …).
    ///
    /// # Errors
    /// A [`LookupError`] when it could not be read.
    fn guardrail(
        &self,
        account: &str,
        region: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Value>, LookupError>> + Send;
}
