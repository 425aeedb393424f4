//! The AI inventory of live accounts: [`collect`] lists and describes the AI resources of
//! every account and region asked (Bedrock, Bedrock agents and knowledge bases, AgentCore,
//! SageMaker) and the IAM roles and users that can use them, as an
//! [`aidr_engine::inventory::Inventory`] of snapshots with the fields and API field names of
//! [`aidr_engine::inventory::types`]; [`save`] keeps it in a
//! [`Records`](aidr_engine::ports::Records) store.
//!
//! A run never fails as a whole: each call that fails becomes a [`Gap`] (why: not permitted,
//! not available there, throttled, failed) and the run goes on.
//!
//! | service | calls | snapshots |
//! |---|---|---|
//! | `bedrock` | `ListCustomModels`+`GetCustomModel`, `ListImportedModels`+`GetImportedModel`, `ListProvisionedModelThroughputs`, `ListGuardrails`+`GetGuardrail`, `ListInferenceProfiles` (`APPLICATION`), `GetModelInvocationLoggingConfiguration` | custom and imported models, provisioned throughput, guardrails, application inference profiles, the region's settings |
//! | `bedrock-agent` | `ListAgents`+`GetAgent`, `ListKnowledgeBases`+`GetKnowledgeBase`, `ListDataSources`+`GetDataSource` | agents, knowledge bases |
//! | `bedrock-agentcore-control` | `ListAgentRuntimes`+`GetAgentRuntime`, `ListGateways`+`GetGateway`, `ListGatewayTargets`+`GetGatewayTarget` | runtimes, gateways |
//! | `sagemaker` | `List*`+`Describe*` of notebook instances, lifecycle configurations, domains, user profiles, endpoints, endpoint configurations, models; `ListModelPackageGroups`; training and processing jobs created within `recent_days` | one of each |
//! | `iam` (region `global`) | `GetAccountAuthorizationDetails` (without AWS managed policies: the catalogue is large), `GetPolicy`+`GetPolicyVersion` of the AWS managed policies principals attach, `ListAccessKeys`+`GetAccessKeyLastUsed`, `ListServiceSpecificCredentials` | roles and users that may use AI services; roles the resources run as; roles open to other accounts that may reach the resources' training data |
//! | `account`, `sts` | `ListRegions`, `GetCallerIdentity`, `AssumeRole` | |
//!
//! Throttling is left to the SDK's retries ([`CollectOptions::retry`]); a few accounts are
//! collected at a time ([`ACCOUNTS_AT_ONCE`]), a few regions of each account at a time
//! ([`REGIONS_AT_ONCE`]), the calls of one region one after the other.
//!
//! The collecting identity needs the permissions of those calls, listed in [`PERMISSIONS`]; in
//! other accounts, the role [`CollectOptions::role_name`] must have them and trust the caller
//! (`sts:AssumeRole`).

mod accounts;
mod agentcore;
mod agents;
mod bedrock;
mod found;
mod gap;
mod iam;
mod json;
mod organization;
mod permissions;
mod regions;
mod sagemaker;
mod save;

#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use aidr_engine::inventory::{Gap, Inventory, Scope};
use aidr_engine::ports::InventorySource;
use aidr_engine::time::format_secs;
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_types::region::Region;
use aws_types::sdk_config::SharedTimeSource;
use futures_util::StreamExt;
use futures_util::stream;

pub use organization::{ORGANIZATION_PERMISSIONS, organization_accounts};
pub use permissions::PERMISSIONS;
pub use save::{RESOURCE_PREFIX, RUN_PREFIX, SAVED_FOR, save};

/// The role assumed in other accounts by default (the member template's inventory role).
pub const DEFAULT_ROLE_NAME: &str = "aidr-inventory";

/// The live accounts as an [`InventorySource`]: [`collect`] with fixed options.
#[derive(Debug, Clone)]
pub struct AwsInventory {
    config: SdkConfig,
    options: CollectOptions,
}

impl AwsInventory {
    /// Collects with the credentials of `config`.
    pub fn new(config: SdkConfig, options: CollectOptions) -> AwsInventory {
        AwsInventory { config, options }
    }
}

impl InventorySource for AwsInventory {
    fn collect(&self, now: i64) -> impl std::future::Future<Output = Inventory> + Send {
        collect(&self.config, &self.options, now)
    }
}

use accounts::{Identity, Members};
use found::{Clock, Found};

/// How many accounts are collected at the same time.
pub const ACCOUNTS_AT_ONCE: usize = 8;

/// How many regions of an account are collected at the same time.
pub const REGIONS_AT_ONCE: usize = 4;

/// The region of IAM's scope.
pub const GLOBAL: &str = "global";

/// What a collection covers, and how it calls.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// The regions; empty: every region `account:ListRegions` reports enabled in each account
    /// (when it cannot be asked: a gap, and the configuration's region).
    pub regions: Vec<String>,
    /// The account ids; empty: the caller's own account (from `sts:GetCallerIdentity`).
    pub accounts: Vec<String>,
    /// The role assumed in accounts other than the caller's
    /// (`arn:<partition>:iam::<account>:role/<role_name>`, session `aidr-inventory`).
    pub role_name: String,
    /// Training and processing jobs created within this many days are listed.
    pub recent_days: i64,
    /// The SDK's retries for every call (see [`CollectOptions::default_retry`]).
    pub retry: RetryConfig,
}

impl CollectOptions {
    /// Adaptive mode (the client slows its own sending rate when throttled, so a long listing
    /// does not keep hitting the limit), up to 8 attempts a call, backoff from 1 s doubling
    /// (with jitter) to at most 20 s: a call still throttled after about a minute becomes a
    /// [`aidr_engine::inventory::GapReason::Throttled`] gap. Transient errors (5xx, timeouts) are retried the same way.
    pub fn default_retry() -> RetryConfig {
        RetryConfig::adaptive()
            .with_max_attempts(8)
            .with_initial_backoff(Duration::from_secs(1))
            .with_max_backoff(Duration::from_secs(20))
    }
}

impl Default for CollectOptions {
    /// All enabled regions of the caller's own account; role [`DEFAULT_ROLE_NAME`] in others;
    /// jobs of the last 30 days; [`CollectOptions::default_retry`].
    fn default() -> CollectOptions {
        CollectOptions {
            regions: Vec::new(),
            accounts: Vec::new(),
            role_name: DEFAULT_ROLE_NAME.to_owned(),
            recent_days: 30,
            retry: CollectOptions::default_retry(),
        }
    }
}

/// Collects the AI inventory of the accounts and regions of `options` with the credentials of
/// `config`; `now`: Unix seconds at the start (`collected_at`; each snapshot's `captured_at`
/// is when it was read, counted from `now`).
///
/// Never fails: what could not be read is in the inventory's `gaps`, and each account and
/// region tried is in its `scopes` (with region `global` for the account's IAM and
/// account-wide calls). When the caller's own identity cannot be learnt, no account is
/// collected unless `options.accounts` names some; those are then all reached through the role
/// (partition `aws`).
pub async fn collect(config: &SdkConfig, options: &CollectOptions, now: i64) -> Inventory {
    collect_reporting(config, options, now, |_, _| {}).await
}

/// [`collect`], handing each account's inventory to `done` as soon as that account is
/// collected (accounts finish in any order), with the time it took; the inventory returned
/// has the accounts in the order of `options.accounts`.
pub async fn collect_reporting(
    config: &SdkConfig,
    options: &CollectOptions,
    now: i64,
    mut done: impl FnMut(&Inventory, Duration) + Send,
) -> Inventory {
    let clock = Clock::new(now);
    let mut builder = config.to_builder();
    builder.set_retry_config(Some(options.retry.clone()));
    if let Some(timeouts) = config.timeout_config() {
        // The retries above may take longer than one call of a function is otherwise given.
        builder.set_timeout_config(Some(timeouts.to_builder().disable_operation_timeout().build()));
    }
    if config.time_source().is_none() {
        // The assume-role provider and the retries need a clock.
        builder.set_time_source(Some(SharedTimeSource::default()));
    }
    let base = builder.build();
    let mut inventory = Inventory {
        collected_at: format_secs(now),
        ..Inventory::default()
    };
    let own = accounts::own(&base).await;
    let accounts = match (&own, options.accounts.is_empty()) {
        (Ok(me), true) => vec![me.account.clone()],
        (Err((reason, message)), true) => {
            // Without an account there is nothing to collect.
            inventory.gaps.push(Gap {
                account: String::new(),
                region: GLOBAL.to_owned(),
                service: "sts".to_owned(),
                operation: "GetCallerIdentity".to_owned(),
                reason: *reason,
                message: message.clone(),
            });
            return inventory;
        }
        (_, false) => options.accounts.clone(),
    };
    let members = Members::new(&base, &options.role_name);
    let own = own.as_ref().ok();
    // Made first (not polled): a closure of the stream making them would hold the borrows
    // for any lifetime, which the `Send` future of `AwsInventory` cannot show.
    let each: Vec<_> = accounts
        .iter()
        .enumerate()
        .map(|(i, account)| timed(i, collect_account(&base, own, &members, account, options, clock)))
        .collect();
    let mut collected: Vec<(usize, Inventory)> = stream::iter(each)
        .buffer_unordered(ACCOUNTS_AT_ONCE)
        .map(|(i, found, took)| {
            done(&found, took);
            (i, found)
        })
        .collect()
        .await;
    collected.sort_by_key(|(i, _)| *i);
    for (_, found) in collected {
        inventory.extend(found);
    }
    inventory
}

/// `collect`'s account `i`, with the time it took.
async fn timed(i: usize, collect: impl Future<Output = Inventory>) -> (usize, Inventory, Duration) {
    let started = Instant::now();
    let found = collect.await;
    (i, found, started.elapsed())
}

/// The inventory of one account: its regions, then IAM.
async fn collect_account(
    base: &SdkConfig,
    own: Option<&Identity>,
    members: &Members,
    account: &str,
    options: &CollectOptions,
    clock: Clock,
) -> Inventory {
    let partition = own.map_or("aws", |o| o.partition.as_str());
    let mut global = Found::new(account, GLOBAL, partition, clock);
    let config = if own.is_some_and(|o| o.account == account) {
        Ok(base.clone())
    } else {
        members.config(account, partition).await
    };
    let config = match config {
        Ok(config) => config,
        Err((reason, message)) => {
            global.gap("sts", "AssumeRole", reason, message);
            return into_inventory(vec![global]);
        }
    };
    let regions = if options.regions.is_empty() {
        regions::enabled(&config, &mut global).await
    } else {
        options.regions.clone()
    };
    let since = clock.now() - options.recent_days.max(0) * 86_400;
    let regional: Vec<Found> = stream::iter(regions)
        .map(|region| collect_region(&config, account, partition, region, since, clock))
        .buffered(REGIONS_AT_ONCE)
        .collect()
        .await;
    let found = Inventory {
        resources: regional.iter().flat_map(|f| f.resources.iter().cloned()).collect(),
        ..Inventory::default()
    };
    let referenced = iam::referenced_roles(&found.resources);
    let data = aidr_engine::paths::data_poisoning::data_objects(&found, partition);
    iam::collect(&mut global, &aws_sdk_iam::Client::new(&config), &referenced, &data).await;
    let mut all = regional;
    all.push(global);
    into_inventory(all)
}

/// The inventory of one account and region: Bedrock, Bedrock agents, AgentCore, SageMaker.
async fn collect_region(
    config: &SdkConfig,
    account: &str,
    partition: &str,
    region: String,
    since: i64,
    clock: Clock,
) -> Found {
    let config = config.to_builder().region(Region::new(region.clone())).build();
    let mut found = Found::new(account, &region, partition, clock);
    bedrock::collect(&mut found, &aws_sdk_bedrock::Client::new(&config)).await;
    agents::collect(&mut found, &aws_sdk_bedrockagent::Client::new(&config)).await;
    agentcore::collect(&mut found, &aws_sdk_bedrockagentcorecontrol::Client::new(&config)).await;
    sagemaker::collect(&mut found, &aws_sdk_sagemaker::Client::new(&config), since).await;
    found
}

/// Scopes, resources and gaps of each [`Found`], in order.
fn into_inventory(all: Vec<Found>) -> Inventory {
    let mut inventory = Inventory::default();
    for found in all {
        inventory.scopes.push(Scope {
            account: found.scope.account,
            region: found.scope.region,
        });
        inventory.resources.extend(found.resources);
        inventory.gaps.extend(found.gaps);
    }
    inventory
}
