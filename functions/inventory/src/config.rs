//! The inventory function's settings, read from environment variables and validated at cold
//! start; an error names the variable and what is wrong with it.

pub use aidr_aws::config::ConfigError;
use aidr_aws::config::{Env, account_ids, check_role_name, list};
use aidr_aws::sns::check_topic_arn;
use aidr_engine::aws_ids::is_region_name;
use aidr_engine::{Organization, Severity};

pub use aidr_aws::inventory::DEFAULT_ROLE_NAME;
/// Training and processing jobs created this many days back are listed, by default.
pub const DEFAULT_RECENT_DAYS: i64 = 30;

/// Validated settings.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryConfig {
    /// `AIDR_STATE_TABLE`: the DynamoDB table the inventory and the open failures are kept in
    /// (the detector's table, so it can look resources up).
    pub table: String,
    /// `AIDR_ALERT_TOPIC_ARN`: the SNS topic new failures are alerted on.
    pub topic_arn: String,
    /// `AIDR_INVENTORY_REGIONS`: comma-separated regions; empty lists every enabled region.
    pub regions: Vec<String>,
    /// `AIDR_INVENTORY_ACCOUNTS`: comma-separated account ids; empty lists the function's own.
    pub accounts: Vec<String>,
    /// `AIDR_INVENTORY_ROLE_NAME`: the role assumed in other accounts (default
    /// [`DEFAULT_ROLE_NAME`]).
    pub role_name: String,
    /// `AIDR_INVENTORY_RECENT_DAYS`: how far back jobs are listed (default
    /// [`DEFAULT_RECENT_DAYS`], 1 to 365).
    pub recent_days: i64,
    /// `AIDR_MIN_SEVERITY`: failures below it are not alerted (default low).
    pub min_severity: Severity,
    /// `AIDR_ORG_ACCOUNTS`: the organization's accounts; a trust outside them is external.
    /// The accounts the function lists (`AIDR_INVENTORY_ACCOUNTS`) and its own (the alert
    /// topic's) count too: the member roles of `member.yaml` trust the central account,
    /// and without them aidr's own roles would fail `iam.ai_role_trusted_outside_organization`
    /// in every member account.
    pub organization: Organization,
    /// `AWS_MAX_ATTEMPTS` (the SDK's own setting), when set: the attempts each collecting call
    /// makes, instead of the collector's default retry's 8.
    pub max_attempts: Option<u32>,
}

fn regions(value: Option<String>) -> Result<Vec<String>, ConfigError> {
    let names = list(value);
    match names.iter().find(|r| !is_region_name(r)) {
        Some(bad) => Err(ConfigError::Invalid {
            var: "AIDR_INVENTORY_REGIONS",
            why: format!("{bad:?} is not a region name (us-east-1)"),
        }),
        None => Ok(names),
    }
}

impl InventoryConfig {
    /// Reads the settings through `get` (the process environment in the Lambda).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that is missing or invalid.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<InventoryConfig, ConfigError> {
        let env = Env(get);
        let table = env.required("AIDR_STATE_TABLE", "DynamoDB state table")?;
        let topic_arn = env.required("AIDR_ALERT_TOPIC_ARN", "SNS topic that receives alerts")?;
        check_topic_arn(&topic_arn).map_err(|why| ConfigError::Invalid {
            var: "AIDR_ALERT_TOPIC_ARN",
            why,
        })?;
        let role_name = env
            .value("AIDR_INVENTORY_ROLE_NAME")
            .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_owned());
        check_role_name(&role_name).map_err(|why| ConfigError::Invalid {
            var: "AIDR_INVENTORY_ROLE_NAME",
            why,
        })?;
        let recent_days = match env.value("AIDR_INVENTORY_RECENT_DAYS") {
            None => DEFAULT_RECENT_DAYS,
            Some(v) => v
                .parse()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| ConfigError::Invalid {
                    var: "AIDR_INVENTORY_RECENT_DAYS",
                    why: format!("{v:?} is not a number of days from 1 to 365"),
                })?,
        };
        let max_attempts = match env.value("AWS_MAX_ATTEMPTS") {
            None => None,
            Some(v) => Some(v.parse().ok().filter(|n| *n >= 1).ok_or_else(|| ConfigError::Invalid {
                var: "AWS_MAX_ATTEMPTS",
                why: format!("{v:?} is not a number of attempts (1 or more)"),
            })?),
        };
        let accounts = account_ids("AIDR_INVENTORY_ACCOUNTS", env.value("AIDR_INVENTORY_ACCOUNTS"))?;
        let mut organization = account_ids("AIDR_ORG_ACCOUNTS", env.value("AIDR_ORG_ACCOUNTS"))?;
        let own = topic_arn.split(':').nth(4).map(str::to_owned);
        for id in accounts.iter().cloned().chain(own) {
            if !organization.contains(&id) {
                organization.push(id);
            }
        }
        Ok(InventoryConfig {
            table,
            topic_arn,
            regions: regions(env.value("AIDR_INVENTORY_REGIONS"))?,
            accounts,
            role_name,
            recent_days,
            min_severity: env.parsed("AIDR_MIN_SEVERITY", Severity::Low)?,
            organization: Organization { accounts: organization },
            max_attempts,
        })
    }

    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// See [`InventoryConfig::from_lookup`].
    pub fn from_env() -> Result<InventoryConfig, ConfigError> {
        InventoryConfig::from_lookup(|var| std::env::var(var).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<InventoryConfig, ConfigError> {
        InventoryConfig::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
    }

    const BASE: &[(&str, &str)] = &[
        ("AIDR_STATE_TABLE", "aidr-state"),
        ("AIDR_ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:111122223333:aidr-alerts"),
    ];

    #[test]
    fn defaults_list_everything_in_the_own_account() {
        let c = read(BASE).unwrap();
        assert!(c.regions.is_empty() && c.accounts.is_empty());
        assert_eq!(c.role_name, DEFAULT_ROLE_NAME);
        assert_eq!(c.recent_days, DEFAULT_RECENT_DAYS);
        assert_eq!(c.min_severity, Severity::Low);
        assert_eq!(c.max_attempts, None);
    }

    #[test]
    fn lists_are_read_and_checked() {
        let mut vars = BASE.to_vec();
        vars.push(("AIDR_INVENTORY_REGIONS", " us-east-1, eu-west-3 ,"));
        vars.push(("AIDR_INVENTORY_ACCOUNTS", "111122223333,444455556666"));
        vars.push(("AWS_MAX_ATTEMPTS", "2"));
        let c = read(&vars).unwrap();
        assert_eq!(c.max_attempts, Some(2));
        assert_eq!(c.regions, ["us-east-1", "eu-west-3"]);
        assert_eq!(c.accounts, ["111122223333", "444455556666"]);
        // The listed accounts and the function's own (the topic's) are the organization's.
        let mut vars = BASE.to_vec();
        vars.push(("AIDR_ORG_ACCOUNTS", "777788889999"));
        vars.push(("AIDR_INVENTORY_ACCOUNTS", "444455556666,555566667777"));
        let c = read(&vars).unwrap();
        assert_eq!(
            c.organization.accounts,
            ["777788889999", "444455556666", "555566667777", "111122223333"]
        );
        for (var, bad) in [
            ("AIDR_INVENTORY_REGIONS", "us-east-1,US East"),
            ("AIDR_INVENTORY_ACCOUNTS", "1111"),
            ("AIDR_INVENTORY_ROLE_NAME", "role/with/path"),
            ("AIDR_INVENTORY_RECENT_DAYS", "0"),
            ("AIDR_MIN_SEVERITY", "urgent"),
            ("AIDR_ALERT_TOPIC_ARN", "aidr-alerts"),
            ("AWS_MAX_ATTEMPTS", "0"),
        ] {
            let mut vars = BASE.to_vec();
            vars.retain(|(n, _)| *n != var);
            vars.push((var, bad));
            match read(&vars) {
                Err(ConfigError::Invalid { var: named, .. }) => assert_eq!(named, var),
                other => panic!("{var}={bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_table_is_required() {
        assert_eq!(
            read(&BASE[1..]),
            Err(ConfigError::Missing("AIDR_STATE_TABLE", "DynamoDB state table"))
        );
    }
}
