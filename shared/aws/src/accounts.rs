//! Which credentials and clients a call in an account uses, for the functions that act or read
//! in member accounts (the responder, the detector's lookups): the function's own in its own
//! account (learnt once from `sts:GetCallerIdentity`), a member role assumed through
//! `sts:AssumeRole` in any other. Clients are made once and kept: IAM per account (it is
//! global), the regional clients (`R`: what the function uses) per account and region.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

use aidr_engine::ports::{ActionError, Scope};
use aws_config::SdkConfig;
use aws_config::identity::IdentityCache;
use aws_smithy_runtime_api::client::identity::SharedIdentityCache;
use aws_types::region::Region;
use aws_types::sdk_config::SharedTimeSource;

use crate::sdk_error::{failed, odd_response};

/// The account and partition (`aws`, `aws-cn`, `aws-us-gov`) of the function's own
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub account: String,
    pub partition: String,
}

/// The configurations and clients made so far.
#[derive(Debug)]
pub(crate) struct Accounts<R> {
    base: SdkConfig,
    member_role_name: String,
    /// The session name the member role is assumed with (it shows in the member account's
    /// CloudTrail as the caller's `assumed-role/<role>/<session name>`).
    session_name: &'static str,
    /// One cache for the assumed credentials of every member account: the SDK refreshes each
    /// before it expires.
    identity_cache: SharedIdentityCache,
    own: Mutex<Option<Identity>>,
    configs: Mutex<HashMap<String, SdkConfig>>,
    iam: Mutex<HashMap<String, aws_sdk_iam::Client>>,
    regional: Mutex<HashMap<Scope, R>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<R: Clone> Accounts<R> {
    /// Calls with `config` in its own account, and as `member_role_name` (session
    /// `session_name`) in the others.
    pub fn new(config: &SdkConfig, member_role_name: String, session_name: &'static str) -> Accounts<R> {
        // The assume-role provider needs a clock; configurations loaded by aws-config have one.
        let base = match config.time_source() {
            Some(_) => config.clone(),
            None => config.to_builder().time_source(SharedTimeSource::default()).build(),
        };
        Accounts {
            base,
            member_role_name,
            session_name,
            identity_cache: IdentityCache::lazy().build(),
            own: Mutex::new(None),
            configs: Mutex::default(),
            iam: Mutex::default(),
            regional: Mutex::default(),
        }
    }

    /// The function's own account and partition, asked of STS the first time.
    ///
    /// # Errors
    /// When `sts:GetCallerIdentity` fails or answers without an account.
    pub async fn own(&self) -> Result<Identity, ActionError> {
        if let Some(identity) = lock(&self.own).clone() {
            return Ok(identity);
        }
        let (api, entity) = ("sts:GetCallerIdentity", "of the function");
        let out = aws_sdk_sts::Client::new(&self.base)
            .get_caller_identity()
            .send()
            .await
            .map_err(failed(api, entity))?;
        let account = out.account.ok_or_else(|| odd_response(api, entity, "Account"))?;
        // arn:<partition>:sts::<account>:assumed-role/…
        let partition = out
            .arn
            .as_deref()
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_owned();
        let identity = Identity { account, partition };
        *lock(&self.own) = Some(identity.clone());
        Ok(identity)
    }

    /// The IAM client for `account`.
    ///
    /// # Errors
    /// See [`Accounts::config`].
    pub async fn iam(&self, account: &str) -> Result<aws_sdk_iam::Client, ActionError> {
        self.client(&self.iam, account.to_owned(), account, aws_sdk_iam::Client::new)
            .await
    }

    /// The regional clients for the account and region of `scope`, made by `make` from the
    /// account's configuration and the region the first time.
    ///
    /// # Errors
    /// See [`Accounts::config`].
    pub async fn regional(&self, scope: &Scope, make: impl FnOnce(&SdkConfig, Region) -> R) -> Result<R, ActionError> {
        let region = Region::new(scope.region.clone());
        self.client(&self.regional, scope.clone(), &scope.account, |config| {
            make(config, region)
        })
        .await
    }

    /// The client kept in `cache` under `key`, made from the configuration of `account` the
    /// first time.
    async fn client<K: Eq + Hash, C: Clone>(
        &self,
        cache: &Mutex<HashMap<K, C>>,
        key: K,
        account: &str,
        make: impl FnOnce(&SdkConfig) -> C,
    ) -> Result<C, ActionError> {
        if let Some(client) = lock(cache).get(&key) {
            return Ok(client.clone());
        }
        let config = self.config(account).await?;
        Ok(lock(cache).entry(key).or_insert_with(|| make(&config)).clone())
    }

    /// The configuration for calls in `account`: the function's own, or with the credentials
    /// of the member role assumed there.
    ///
    /// # Errors
    /// When the own account cannot be learnt, or `account` is not a 12-digit account id.
    /// (Failing to assume the role shows later, in the call that needs its credentials.)
    async fn config(&self, account: &str) -> Result<SdkConfig, ActionError> {
        let own = self.own().await?;
        if account == own.account {
            return Ok(self.base.clone());
        }
        if !aidr_engine::aws_ids::is_account_id(account) {
            return Err(ActionError::permanent(format!("{account:?} is not an AWS account id")));
        }
        if let Some(config) = lock(&self.configs).get(account) {
            return Ok(config.clone());
        }
        let role_arn = format!("arn:{}:iam::{account}:role/{}", own.partition, self.member_role_name);
        let config = crate::assume::assumed(&self.base, role_arn, self.session_name, &self.identity_cache).await;
        Ok(lock(&self.configs).entry(account.to_owned()).or_insert(config).clone())
    }

    /// Uses these clients for `own`'s account (and `region` for the regional ones) instead of
    /// making them: for tests on mocked responses.
    #[cfg(test)]
    pub fn preset(&self, own: Identity, region: &str, iam: aws_sdk_iam::Client, regional: R) {
        let scope = Scope {
            account: own.account.clone(),
            region: region.to_owned(),
        };
        lock(&self.iam).insert(own.account.clone(), iam);
        lock(&self.regional).insert(scope, regional);
        *lock(&self.own) = Some(own);
    }
}
