//! The credentials each account is collected with: the caller's own in its own account
//! (learnt from `sts:GetCallerIdentity`), a role assumed through `sts:AssumeRole` in any
//! other, checked once with `sts:GetCallerIdentity` before the account's calls so that a role
//! that cannot be assumed makes one gap, not one per call.

use aidr_engine::inventory::GapReason;
use aws_config::SdkConfig;
use aws_config::identity::IdentityCache;
use aws_smithy_runtime_api::client::identity::SharedIdentityCache;

use super::gap::classify;

/// The session name of the assumed role (it shows in the member account's CloudTrail as
/// `assumed-role/<role>/aidr-inventory`).
const SESSION_NAME: &str = "aidr-inventory";

/// Why an account cannot be collected: the reason and the message of its gap.
pub(super) type Refusal = (GapReason, String);

/// An account and the partition (`aws`, `aws-cn`, `aws-us-gov`) its ARNs are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    pub account: String,
    pub partition: String,
}

/// The caller's own account and partition.
///
/// # Errors
/// When `sts:GetCallerIdentity` fails or answers without an account.
pub(super) async fn own(config: &SdkConfig) -> Result<Identity, Refusal> {
    let out = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| classify(&e))?;
    let account = out
        .account
        .ok_or((GapReason::Failed, "the answer has no Account".to_owned()))?;
    // arn:<partition>:sts::<account>:assumed-role/…
    let partition = out
        .arn
        .as_deref()
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_owned();
    Ok(Identity { account, partition })
}

/// Makes the configurations of member accounts: one identity cache for all of them (the SDK
/// refreshes each role's credentials before they expire).
#[derive(Debug)]
pub(super) struct Members {
    base: SdkConfig,
    role_name: String,
    cache: SharedIdentityCache,
}

impl Members {
    /// `base` must have a time source (configurations loaded by `aws-config` have one).
    pub fn new(base: &SdkConfig, role_name: &str) -> Members {
        Members {
            base: base.clone(),
            role_name: role_name.to_owned(),
            cache: IdentityCache::lazy().build(),
        }
    }

    /// The configuration for calls in `account` with role `role_name` assumed there
    /// (`arn:<partition>:iam::<account>:role/<role_name>`, session `aidr-inventory`).
    ///
    /// # Errors
    /// When `account` is not a 12-digit account id, or the role cannot be assumed.
    pub async fn config(&self, account: &str, partition: &str) -> Result<SdkConfig, Refusal> {
        if !aidr_engine::aws_ids::is_account_id(account) {
            return Err((GapReason::Failed, format!("{account:?} is not an AWS account id")));
        }
        let role_arn = format!("arn:{partition}:iam::{account}:role/{}", self.role_name);
        let config = crate::assume::assumed(&self.base, role_arn, SESSION_NAME, &self.cache).await;
        let assumed = own(&config).await?;
        if assumed.account != account {
            let message = format!("the assumed role acts in account {}", assumed.account);
            return Err((GapReason::Failed, message));
        }
        Ok(config)
    }
}
