//! The notifier's settings, read from environment variables and validated at cold start; an
//! error names the variable and what is wrong with it. Secrets are not read here: only where
//! they are (their ARNs).

pub use aidr_aws::config::ConfigError;
use aidr_aws::config::Env;
use aidr_aws::sns::check_topic_arn;
use aidr_aws::sqs::check_queue_url;
use aidr_engine::Severity;
use aidr_engine::notify::pagerduty::ENQUEUE_URL;
use url::{Host, Url};

/// The Slack Web API's base URL.
pub const SLACK_API_URL: &str = "https://slack.com/api";

/// What stops the notifier when no destination is configured.
pub const NO_DESTINATION: &str = "no destination: set at least one of AIDR_SLACK_SECRET_ARN, AIDR_PAGERDUTY_SECRET_ARN, AIDR_CHAT_TOPIC_ARN, AIDR_SECURITY_HUB=on";

/// Slack's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackConfig {
    /// `AIDR_SLACK_SECRET_ARN`: `{"webhook_url": …}` or `{"bot_token": …, "channel": …}`.
    pub secret_arn: String,
    /// `AIDR_SLACK_API_URL`: the Web API's base (default [`SLACK_API_URL`]).
    pub api_url: String,
    /// `AIDR_SLACK_MIN_SEVERITY` (default low).
    pub min_severity: Severity,
}

/// PagerDuty's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagerDutyConfig {
    /// `AIDR_PAGERDUTY_SECRET_ARN`: `{"routing_key": …}`.
    pub secret_arn: String,
    /// `AIDR_PAGERDUTY_EVENTS_URL` (default [`ENQUEUE_URL`]).
    pub events_url: String,
    /// `AIDR_PAGERDUTY_MIN_SEVERITY` (default high).
    pub min_severity: Severity,
}

/// Amazon Q Developer in chat applications' settings: a chat channel configured there
/// subscribes to the topic, and receives what is published to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatConfig {
    /// `AIDR_CHAT_TOPIC_ARN`: the SNS topic custom notifications are published to.
    pub topic_arn: String,
    /// `AIDR_CHAT_MIN_SEVERITY` (default low).
    pub min_severity: Severity,
}

/// AWS Security Hub's settings: findings are imported into the account's default
/// integration in the function's region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityHubConfig {
    /// `AIDR_SECURITY_HUB_MIN_SEVERITY` (default low).
    pub min_severity: Severity,
}

/// Validated settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifierConfig {
    /// `AIDR_STATE_TABLE`: the DynamoDB table delivery marks and Slack threads are kept in.
    pub table: String,
    /// `AIDR_DEAD_LETTER_QUEUE_URL`: the SQS queue for alerts that can never be delivered.
    pub dead_letter_queue_url: String,
    pub slack: Option<SlackConfig>,
    pub pagerduty: Option<PagerDutyConfig>,
    pub chat: Option<ChatConfig>,
    /// Present when `AIDR_SECURITY_HUB` is `on` (default `off`).
    pub securityhub: Option<SecurityHubConfig>,
}

/// Why `url` may not receive alerts, if it may not: it must be `https`, or `http` to a
/// loopback address (`127.0.0.1`, `::1`, `localhost`), which local tests use.
pub fn check_destination_url(url: &str) -> Result<(), String> {
    let parsed = Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    let loopback = match parsed.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("the URL has no host".into()),
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        other => Err(format!(
            "the scheme is {other:?}: alerts go over https only (http only to a loopback address)"
        )),
    }
}

impl NotifierConfig {
    /// Reads the settings through `get` (the process environment in the Lambda).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that is missing or invalid, or
    /// [`ConfigError::Incomplete`] ([`NO_DESTINATION`]) when no destination is configured.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<NotifierConfig, ConfigError> {
        let env = Env(get);
        let value = |var: &str| env.value(var);
        let required = |var: &'static str, what: &'static str| env.required(var, what);
        let severity = |var: &'static str, default: Severity| env.parsed(var, default);
        let url = |var: &'static str, default: &str| {
            let url = value(var).unwrap_or_else(|| default.to_owned());
            match check_destination_url(&url) {
                Ok(()) => Ok(url.trim_end_matches('/').to_owned()),
                Err(why) => Err(ConfigError::Invalid { var, why }),
            }
        };
        let secret_arn = |var: &'static str| match value(var) {
            Some(arn) if arn.starts_with("arn:") && !arn.contains(":secretsmanager:") => Err(ConfigError::Invalid {
                var,
                why: format!(
                    "{arn:?} is not a Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)"
                ),
            }),
            other => Ok(other),
        };
        let table = required("AIDR_STATE_TABLE", "DynamoDB state table")?;
        let dead_letter_queue_url = required(
            "AIDR_DEAD_LETTER_QUEUE_URL",
            "SQS queue that keeps alerts that can never be delivered",
        )?;
        check_queue_url(&dead_letter_queue_url).map_err(|why| ConfigError::Invalid {
            var: "AIDR_DEAD_LETTER_QUEUE_URL",
            why,
        })?;
        let slack = match secret_arn("AIDR_SLACK_SECRET_ARN")? {
            None => None,
            Some(secret_arn) => Some(SlackConfig {
                secret_arn,
                api_url: url("AIDR_SLACK_API_URL", SLACK_API_URL)?,
                min_severity: severity("AIDR_SLACK_MIN_SEVERITY", Severity::Low)?,
            }),
        };
        let pagerduty = match secret_arn("AIDR_PAGERDUTY_SECRET_ARN")? {
            None => None,
            Some(secret_arn) => Some(PagerDutyConfig {
                secret_arn,
                events_url: url("AIDR_PAGERDUTY_EVENTS_URL", ENQUEUE_URL)?,
                min_severity: severity("AIDR_PAGERDUTY_MIN_SEVERITY", Severity::High)?,
            }),
        };
        let chat = match value("AIDR_CHAT_TOPIC_ARN") {
            None => None,
            Some(topic_arn) => {
                check_topic_arn(&topic_arn).map_err(|why| ConfigError::Invalid {
                    var: "AIDR_CHAT_TOPIC_ARN",
                    why,
                })?;
                Some(ChatConfig {
                    topic_arn,
                    min_severity: severity("AIDR_CHAT_MIN_SEVERITY", Severity::Low)?,
                })
            }
        };
        let securityhub = match value("AIDR_SECURITY_HUB").as_deref() {
            None | Some("off") => None,
            Some("on") => Some(SecurityHubConfig {
                min_severity: severity("AIDR_SECURITY_HUB_MIN_SEVERITY", Severity::Low)?,
            }),
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "AIDR_SECURITY_HUB",
                    why: format!("{other:?} is neither on nor off"),
                });
            }
        };
        if slack.is_none() && pagerduty.is_none() && chat.is_none() && securityhub.is_none() {
            return Err(ConfigError::Incomplete(NO_DESTINATION));
        }
        Ok(NotifierConfig {
            table,
            dead_letter_queue_url,
            slack,
            pagerduty,
            chat,
            securityhub,
        })
    }

    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// See [`NotifierConfig::from_lookup`].
    pub fn from_env() -> Result<NotifierConfig, ConfigError> {
        NotifierConfig::from_lookup(|var| std::env::var(var).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<NotifierConfig, ConfigError> {
        let lookup = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        NotifierConfig::from_lookup(lookup)
    }

    const BASE: [(&str, &str); 3] = [
        ("AIDR_STATE_TABLE", "aidr-state"),
        (
            "AIDR_DEAD_LETTER_QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/111122223333/aidr-notify-dlq",
        ),
        (
            "AIDR_SLACK_SECRET_ARN",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:aidr/slack-AbCdEf",
        ),
    ];

    #[test]
    fn defaults() {
        let c = config(&BASE).unwrap();
        let slack = c.slack.unwrap();
        assert_eq!(
            (slack.api_url.as_str(), slack.min_severity),
            ("https://slack.com/api", Severity::Low)
        );
        assert_eq!((c.pagerduty, c.chat), (None, None));
        let mut vars = BASE.to_vec();
        vars.extend([
            ("AIDR_PAGERDUTY_SECRET_ARN", "aidr/pagerduty"),
            ("AIDR_PAGERDUTY_MIN_SEVERITY", "critical"),
            ("AIDR_SLACK_API_URL", "http://127.0.0.1:8080/api/"),
            ("AIDR_PAGERDUTY_EVENTS_URL", "http://[::1]:9/v2/enqueue"),
        ]);
        let c = config(&vars).unwrap();
        let pagerduty = c.pagerduty.unwrap();
        assert_eq!(pagerduty.min_severity, Severity::Critical);
        assert_eq!(pagerduty.events_url, "http://[::1]:9/v2/enqueue");
        assert_eq!(c.slack.unwrap().api_url, "http://127.0.0.1:8080/api");
        let c = config(&[BASE[0], BASE[1], ("AIDR_PAGERDUTY_SECRET_ARN", "aidr/pagerduty")]).unwrap();
        let pagerduty = c.pagerduty.unwrap();
        assert_eq!(
            (pagerduty.events_url.as_str(), pagerduty.min_severity),
            ("https://events.pagerduty.com/v2/enqueue", Severity::High)
        );
    }

    #[test]
    fn chat_alone_is_a_destination() {
        let topic = "arn:aws:sns:eu-west-1:111122223333:aidr-chat";
        let c = config(&[BASE[0], BASE[1], ("AIDR_CHAT_TOPIC_ARN", topic)]).unwrap();
        assert_eq!((c.slack, c.pagerduty), (None, None));
        assert_eq!(
            c.chat,
            Some(ChatConfig {
                topic_arn: topic.into(),
                min_severity: Severity::Low
            })
        );
        let c = config(&[
            BASE[0],
            BASE[1],
            (
                "AIDR_CHAT_TOPIC_ARN",
                "arn:aws-us-gov:sns:us-gov-west-1:111122223333:chat",
            ),
            ("AIDR_CHAT_MIN_SEVERITY", "high"),
        ])
        .unwrap();
        assert_eq!(c.chat.unwrap().min_severity, Severity::High);
        // Its severity is read only when it is configured.
        assert_eq!(
            config(&[BASE[0], BASE[1], ("AIDR_CHAT_MIN_SEVERITY", "high")]).unwrap_err(),
            ConfigError::Incomplete(NO_DESTINATION)
        );
    }

    #[test]
    fn security_hub_is_off_unless_on() {
        let hub = |vars: &[(&str, &str)]| {
            let mut all = vec![BASE[0], BASE[1]];
            all.extend_from_slice(vars);
            config(&all).map(|c| c.securityhub)
        };
        assert_eq!(
            hub(&[("AIDR_SECURITY_HUB", "off")]),
            Err(ConfigError::Incomplete(NO_DESTINATION))
        );
        assert_eq!(
            hub(&[("AIDR_SECURITY_HUB", "on")]),
            Ok(Some(SecurityHubConfig {
                min_severity: Severity::Low
            }))
        );
        assert_eq!(
            hub(&[("AIDR_SECURITY_HUB", "on"), ("AIDR_SECURITY_HUB_MIN_SEVERITY", "high")]),
            Ok(Some(SecurityHubConfig {
                min_severity: Severity::High
            }))
        );
        assert_eq!(config(&BASE).unwrap().securityhub, None);
        for (var, value) in [
            ("AIDR_SECURITY_HUB", "yes"),
            ("AIDR_SECURITY_HUB", "ON"),
            ("AIDR_SECURITY_HUB_MIN_SEVERITY", "urgent"),
        ] {
            let mut vars = vec![("AIDR_SECURITY_HUB", "on")];
            vars.retain(|(n, _)| *n != var);
            vars.push((var, value));
            let err = hub(&vars).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("environment variable {var} is invalid")),
                "{err}"
            );
        }
    }

    #[test]
    fn errors_name_the_variable() {
        assert_eq!(
            config(&[]).unwrap_err().to_string(),
            "environment variable AIDR_STATE_TABLE is not set (it names the DynamoDB state table)"
        );
        assert_eq!(config(&BASE[..2]).unwrap_err(), ConfigError::Incomplete(NO_DESTINATION));
        for (var, value) in [
            ("AIDR_DEAD_LETTER_QUEUE_URL", "aidr-dlq"),
            (
                "AIDR_SLACK_SECRET_ARN",
                "arn:aws:ssm:us-east-1:111122223333:parameter/slack",
            ),
            ("AIDR_SLACK_MIN_SEVERITY", "urgent"),
            ("AIDR_SLACK_API_URL", "http://slack.example.com/api"),
            ("AIDR_SLACK_API_URL", "http://10.0.0.1/api"),
            ("AIDR_SLACK_API_URL", "ftp://127.0.0.1/api"),
            ("AIDR_SLACK_API_URL", "slack.com/api"),
            ("AIDR_CHAT_TOPIC_ARN", "aidr-chat"),
            ("AIDR_CHAT_TOPIC_ARN", "arn:aws:sqs:us-east-1:111122223333:aidr-chat"),
            ("AIDR_CHAT_TOPIC_ARN", "arn:aws:sns:us-east-1:1111:aidr-chat"),
        ] {
            let mut vars = BASE.to_vec();
            vars.retain(|(n, _)| *n != var);
            vars.push((var, value));
            let err = config(&vars).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("environment variable {var} is invalid")),
                "{err}"
            );
        }
        let mut vars = BASE.to_vec();
        vars.extend([
            ("AIDR_PAGERDUTY_SECRET_ARN", "aidr/pagerduty"),
            ("AIDR_PAGERDUTY_EVENTS_URL", "http://events.pagerduty.com/v2/enqueue"),
        ]);
        let err = config(&vars).unwrap_err().to_string();
        assert!(
            err.starts_with("environment variable AIDR_PAGERDUTY_EVENTS_URL is invalid"),
            "{err}"
        );
    }

    #[test]
    fn loopback_http_only() {
        for ok in [
            "https://hooks.slack.com/services/T/B/x",
            "http://localhost:3000/x",
            "http://127.0.0.1:1/x",
            "http://[::1]:1/x",
        ] {
            assert_eq!(check_destination_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://hooks.slack.com/x",
            "http://192.168.1.1/x",
            "file:///etc/passwd",
            "nonsense",
        ] {
            assert!(check_destination_url(bad).is_err(), "{bad}");
        }
    }
}
