//! Where `aidr inventory|posture|paths|report` get their inventory: a saved file (`--from`) or,
//! in a build with the `aws` feature, the live accounts, collected with the caller's AWS
//! credentials (the standard chain) by `aidr_aws::inventory::collect`. Progress, each gap and a
//! summary go to stderr.

// Without the `aws` feature the live flags are parsed (and checked) but not used.
#![cfg_attr(not(feature = "aws"), allow(dead_code))]

use std::path::PathBuf;

use aidr_engine::inventory::Inventory;

/// The role assumed in other accounts by default: `aidr_aws::inventory::DEFAULT_ROLE_NAME`,
/// which the default build does not link (a test keeps the two equal).
pub const DEFAULT_ROLE_NAME: &str = "aidr-inventory";

/// Training and processing jobs created this many days back are listed, by default.
pub const DEFAULT_RECENT_DAYS: i64 = 30;

/// The inventory's source: `--from FILE`, else the live accounts.
#[derive(clap::Args, Debug)]
pub struct Source {
    /// A saved inventory: the JSON `aidr inventory --format json` writes (gzip or not; `-` for
    /// standard input). Without it the inventory is collected live from AWS with your
    /// credentials (a build with `--features aws`).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Live: a region to list (repeatable, or comma-separated; default every region enabled in
    /// each account).
    #[arg(long = "region", value_name = "REGION", value_delimiter = ',', value_parser = region, conflicts_with = "from")]
    pub regions: Vec<String>,
    /// Live: an account to list (repeatable, or comma-separated; default your credentials' own
    /// account). Others are reached through `--role-name`.
    #[arg(long = "account", value_name = "ACCOUNT_ID", value_delimiter = ',', value_parser = account, conflicts_with = "from")]
    pub accounts: Vec<String>,
    /// Live: every active account of your organization (`organizations:ListAccounts`, allowed
    /// to its management account and delegated administrators), a few at a time; others than
    /// your credentials' own are reached through `--role-name`.
    #[arg(long, conflicts_with_all = ["from", "accounts"])]
    pub organization: bool,
    /// Live: the role assumed in accounts other than your credentials' own.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ROLE_NAME, conflicts_with = "from")]
    pub role_name: String,
    /// Live: SageMaker training and processing jobs created this many days back (1 to 365) are
    /// listed.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_RECENT_DAYS,
          value_parser = clap::value_parser!(i64).range(1..=365), conflicts_with = "from")]
    pub recent_days: i64,
}

/// A region name: `us-east-1`, `us-gov-west-1`.
fn region(value: &str) -> Result<String, String> {
    match aidr_engine::aws_ids::is_region_name(value) {
        true => Ok(value.to_owned()),
        false => Err("not a region name (us-east-1)".into()),
    }
}

/// A 12-digit account id.
fn account(value: &str) -> Result<String, String> {
    match aidr_engine::aws_ids::is_account_id(value) {
        true => Ok(value.to_owned()),
        false => Err("not a 12-digit AWS account id".into()),
    }
}

impl Source {
    /// The inventory: read from `--from`, or collected live.
    ///
    /// # Errors
    /// The file cannot be read or is no inventory (the message names it); live: the build has
    /// no AWS support, or nothing could be collected (no credentials or identity).
    pub fn load(&self) -> std::io::Result<Inventory> {
        match &self.from {
            Some(path) => crate::inventory::load(path),
            None => live(self),
        }
    }

    /// Where the inventory came from, for a page's sources: the file, or the live collection.
    pub fn describe(&self, inventory: &Inventory) -> String {
        match &self.from {
            Some(path) => path.display().to_string(),
            None => format!("AWS, collected live at {}", inventory.collected_at),
        }
    }
}

#[cfg(not(feature = "aws"))]
fn live(_: &Source) -> std::io::Result<Inventory> {
    Err(std::io::Error::other(
        "no --from FILE, and this build has no AWS support to collect the inventory live (the scan needs none): pass --from FILE (a saved inventory), or build with `cargo install --path cli --features aws`",
    ))
}

#[cfg(feature = "aws")]
fn live(source: &Source) -> std::io::Result<Inventory> {
    aws::collect(source)
}

#[cfg(feature = "aws")]
mod aws {
    //! The live collection: the standard credential chain, a few accounts at a time
    //! (`aidr_aws::inventory::ACCOUNTS_AT_ONCE`), each reported as it is done.

    use std::time::{Duration, Instant};

    use aidr_aws::inventory::{CollectOptions, collect_reporting, organization_accounts};
    use aidr_engine::inventory::Inventory;
    use aidr_engine::time::now_secs;

    use super::Source;

    /// The attempts a call gets: `AWS_MAX_ATTEMPTS` when set, else the collector's.
    fn options(source: &Source) -> std::io::Result<CollectOptions> {
        let mut retry = CollectOptions::default_retry();
        if let Some(value) = std::env::var("AWS_MAX_ATTEMPTS").ok().filter(|v| !v.trim().is_empty()) {
            let attempts = value.trim().parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                std::io::Error::other(format!(
                    "AWS_MAX_ATTEMPTS {value:?} is not a number of attempts (1 or more)"
                ))
            })?;
            retry = retry.with_max_attempts(attempts);
        }
        Ok(CollectOptions {
            regions: source.regions.clone(),
            accounts: source.accounts.clone(),
            role_name: source.role_name.clone(),
            recent_days: source.recent_days,
            retry,
        })
    }

    fn list(items: &[String], otherwise: &str) -> String {
        match items.is_empty() {
            true => otherwise.to_owned(),
            false => items.join(", "),
        }
    }

    /// Collects the inventory of `source`'s accounts and regions; says on stderr what it
    /// collects, each account's counts and gaps as they come, and a summary.
    pub fn collect(source: &Source) -> std::io::Result<Inventory> {
        let mut options = options(source)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let started = Instant::now();
        let inventory = runtime.block_on(async {
            let config = crate::s3::aws::config().await;
            if source.organization {
                options.accounts = organization_accounts(&config).await.map_err(std::io::Error::other)?;
                eprintln!(
                    "aidr: the organization has {} active accounts",
                    options.accounts.len()
                );
            }
            eprintln!(
                "aidr: collecting the AI inventory live: accounts {}; regions {}; role {} in other accounts; jobs of the last {} days",
                list(&options.accounts, "(your credentials' own)"),
                list(&options.regions, "(every enabled region)"),
                options.role_name,
                options.recent_days,
            );
            Ok::<_, std::io::Error>(collect_reporting(&config, &options, now_secs(), report).await)
        })?;
        if inventory.scopes.is_empty() {
            // Only when the caller's identity could not be learnt: the one gap says why.
            let why = inventory
                .gaps
                .first()
                .map(|g| format!("{}:{} failed: {}", g.service, g.operation, g.message))
                .unwrap_or_default();
            return Err(std::io::Error::other(format!(
                "nothing collected: {why}; check your AWS credentials (the standard chain: environment, AWS_PROFILE, SSO, instance role) and that AWS can be reached"
            )));
        }
        let accounts: std::collections::BTreeSet<&str> = inventory.scopes.iter().map(|s| s.account.as_str()).collect();
        eprintln!(
            "aidr: collected {} resources in {} scopes ({} accounts), {} gaps, in {:.1} s",
            inventory.resources.len(),
            inventory.scopes.len(),
            accounts.len(),
            inventory.gaps.len(),
            started.elapsed().as_secs_f64()
        );
        Ok(inventory)
    }

    /// One account's line and its gaps, one a line.
    fn report(found: &Inventory, took: Duration) {
        // Without a scope nothing was collected: the error says why.
        let Some(account) = found.scopes.first().map(|s| s.account.as_str()) else {
            return;
        };
        let regions: Vec<&str> = found
            .scopes
            .iter()
            .map(|s| s.region.as_str())
            .filter(|r| *r != aidr_aws::inventory::GLOBAL)
            .collect();
        eprintln!(
            "aidr: account {account}: {} resources, regions [{}], {} gaps, {:.1} s",
            found.resources.len(),
            regions.join(", "),
            found.gaps.len(),
            took.as_secs_f64()
        );
        for gap in &found.gaps {
            eprintln!("aidr: gap: {gap}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "aws")]
    fn the_default_role_is_the_collectors() {
        assert_eq!(DEFAULT_ROLE_NAME, aidr_aws::inventory::DEFAULT_ROLE_NAME);
    }

    #[test]
    fn regions_and_accounts_are_checked() {
        assert!(region("us-east-1").is_ok() && region("us-gov-west-1").is_ok());
        for bad in ["us-east", "US-EAST-1", "us-east-1a", "", "us--1"] {
            assert!(region(bad).is_err(), "{bad}");
        }
        assert!(account("111122223333").is_ok());
        assert!(account("11112222333").is_err() && account("11112222333x").is_err());
    }
}
