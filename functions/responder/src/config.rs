//! The responder's settings, read from environment variables and validated at cold start; an
//! error names the variable and what is wrong with it. A playbook or mode it does not know
//! stops the function there, before it acts on anything.

pub use aidr_aws::config::ConfigError;
use aidr_aws::config::{Env, check_role_name};
use aidr_aws::respond::check_logging_config;
use aidr_aws::sns::check_topic_arn;
use aidr_aws::sqs::check_queue_url;
use aidr_engine::Severity;
use aidr_engine::response::{
    DEFAULT_MAX_ACTIONS_PER_HOUR, Mode, Settings, logging_config_delivers, parse_list, parse_modes,
};
use serde_json::Value;

/// The name of the role the responder assumes in each account it acts in, by default.
pub const DEFAULT_ROLE_NAME: &str = "aidr-responder";

/// Validated settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponderConfig {
    /// `AIDR_STATE_TABLE`: the DynamoDB table claims, action records and rate counts are kept
    /// in (the detector's table: it keeps the logging configurations seen there).
    pub table: String,
    /// `AIDR_ALERT_TOPIC_ARN`: the SNS topic follow-ups are published to.
    pub topic_arn: String,
    /// `AIDR_DEAD_LETTER_QUEUE_URL`: the SQS queue for alerts that can never be handled.
    pub dead_letter_queue_url: String,
    /// `AIDR_RESPONDER_ROLE_NAME`: the role assumed in member accounts (default
    /// [`DEFAULT_ROLE_NAME`]).
    pub role_name: String,
    /// The playbooks' modes and guards (`AIDR_RESPONSE_*`).
    pub settings: Settings,
}

/// Why a list of principal patterns will never match, if it will not: each is an ARN pattern
/// (`arn:aws:iam::*:role/aidr-*`) or `*`.
fn check_principals(patterns: &[String]) -> Result<(), String> {
    match patterns.iter().find(|p| !p.starts_with("arn:") && p.as_str() != "*") {
        Some(bad) => Err(format!(
            "{bad:?} is not an ARN pattern (arn:aws:iam::ACCOUNT:role/NAME, * and ? as wildcards)"
        )),
        None => Ok(()),
    }
}

/// Why a list of account patterns will never match, if it will not: digits, `*` and `?`, and
/// 12 characters unless there is a `*`.
fn check_accounts(patterns: &[String]) -> Result<(), String> {
    let is_pattern = |p: &String| {
        p.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '?') && (p.contains('*') || p.len() == 12)
    };
    match patterns.iter().find(|p| !is_pattern(p)) {
        Some(bad) => Err(format!(
            "{bad:?} is not an account id pattern (12 digits, * and ? as wildcards)"
        )),
        None => Ok(()),
    }
}

/// The Bedrock logging configuration in `text`: a JSON object that delivers somewhere.
fn logging_config(text: &str) -> Result<Value, String> {
    let config: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    if !config.is_object() {
        return Err("not a JSON object (the loggingConfig of PutModelInvocationLoggingConfiguration)".into());
    }
    if !logging_config_delivers(&config) {
        return Err("it has neither an s3Config nor a cloudWatchConfig object: it would log nowhere".into());
    }
    check_logging_config(&config)?;
    Ok(config)
}

impl ResponderConfig {
    /// Reads the settings through `get` (the process environment in the Lambda).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that is missing or invalid.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<ResponderConfig, ConfigError> {
        let env = Env(get);
        let value = |var: &str| env.value(var);
        let required = |var: &'static str, what: &'static str| env.required(var, what);
        let invalid = |var: &'static str| move |why: String| ConfigError::Invalid { var, why };
        let parsed = |var: &'static str| value(var).map(|v| (v, invalid(var)));
        let table = required("AIDR_STATE_TABLE", "DynamoDB state table")?;
        let topic_arn = required("AIDR_ALERT_TOPIC_ARN", "SNS topic the responses are published to")?;
        check_topic_arn(&topic_arn).map_err(invalid("AIDR_ALERT_TOPIC_ARN"))?;
        let dead_letter_queue_url = required(
            "AIDR_DEAD_LETTER_QUEUE_URL",
            "SQS queue that keeps alerts that can never be handled",
        )?;
        check_queue_url(&dead_letter_queue_url).map_err(invalid("AIDR_DEAD_LETTER_QUEUE_URL"))?;
        let role_name = value("AIDR_RESPONDER_ROLE_NAME").unwrap_or_else(|| DEFAULT_ROLE_NAME.to_owned());
        check_role_name(&role_name).map_err(invalid("AIDR_RESPONDER_ROLE_NAME"))?;
        let default_mode = env.parsed("AIDR_RESPONSE_MODE", Mode::DryRun)?;
        let modes = parse_modes(&value("AIDR_RESPONSE_PLAYBOOKS").unwrap_or_default())
            .map_err(invalid("AIDR_RESPONSE_PLAYBOOKS"))?;
        let list = |var: &str| parse_list(&value(var).unwrap_or_default());
        let allow_principals = list("AIDR_RESPONSE_ALLOW_PRINCIPALS");
        check_principals(&allow_principals).map_err(invalid("AIDR_RESPONSE_ALLOW_PRINCIPALS"))?;
        let allow_accounts = list("AIDR_RESPONSE_ALLOW_ACCOUNTS");
        check_accounts(&allow_accounts).map_err(invalid("AIDR_RESPONSE_ALLOW_ACCOUNTS"))?;
        let protected_principals = list("AIDR_RESPONSE_PROTECTED_PRINCIPALS");
        check_principals(&protected_principals).map_err(invalid("AIDR_RESPONSE_PROTECTED_PRINCIPALS"))?;
        let min_severity = env.parsed("AIDR_RESPONSE_MIN_SEVERITY", Severity::High)?;
        let max_actions_per_hour = match parsed("AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR") {
            None => DEFAULT_MAX_ACTIONS_PER_HOUR,
            Some((v, invalid)) => match v.parse::<i64>() {
                Ok(n) if n > 0 => n,
                _ => return Err(invalid(format!("{v:?} is not a positive whole number"))),
            },
        };
        let logging_config = match parsed("AIDR_RESPONSE_LOGGING_CONFIG") {
            None => None,
            Some((text, invalid)) => Some(logging_config(&text).map_err(invalid)?),
        };
        Ok(ResponderConfig {
            table,
            topic_arn,
            dead_letter_queue_url,
            role_name,
            settings: Settings {
                default_mode,
                modes,
                allow_principals,
                allow_accounts,
                protected_principals,
                min_severity,
                max_actions_per_hour,
                logging_config,
            },
        })
    }

    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// See [`ResponderConfig::from_lookup`].
    pub fn from_env() -> Result<ResponderConfig, ConfigError> {
        ResponderConfig::from_lookup(|var| std::env::var(var).ok())
    }
}
