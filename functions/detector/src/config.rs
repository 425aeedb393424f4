//! The detector's settings, read from environment variables and validated at cold start; an
//! error names the variable and what is wrong with it. [`UserFiles`] says where the user rules
//! and the allowlist are read from, before the catalog exists; [`DetectorConfig`] the rest,
//! checked against the catalog with the user rules in it.

pub use aidr_aws::config::ConfigError;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use aidr_aws::config::{account_ids, check_role_name, list};
use aidr_aws::sqs::check_queue_url;
use aidr_engine::alerting::{AlertPolicy, UPDATE_INTERVAL_SECS};
use aidr_engine::aws_ids::S3Url;
use aidr_engine::stateful::StatefulSettings;
use aidr_engine::{Organization, Registry, Severity};

use crate::handler::Mode;

/// Validated settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorConfig {
    /// `AIDR_STATE_TABLE`: the DynamoDB table.
    pub table: String,
    /// `AIDR_ALERT_TOPIC_ARN`: the SNS topic alerts go to (required in live mode; unused in
    /// back-test mode).
    pub topic_arn: Option<String>,
    /// `AIDR_MODE`: `live` (default) or `backtest`, which needs `AIDR_BACKTEST_BUCKET` and
    /// takes `AIDR_BACKTEST_PREFIX` (default [`DEFAULT_BACKTEST_PREFIX`]); lookups are off in
    /// back-test mode (they would read today's configuration for yesterday's events).
    pub mode: Mode,
    /// `AIDR_TRAIL_BUCKETS`: the buckets log files may be read from (empty: any).
    pub trail_buckets: Vec<String>,
    /// `AIDR_DEAD_LETTER_QUEUE_URL`: the SQS queue for input that can never be processed.
    pub dead_letter_queue_url: String,
    pub policy: AlertPolicy,
    /// `AIDR_ORG_ACCOUNTS`.
    pub organization: Organization,
    /// The stateful detections' windows and thresholds (`AIDR_STATEFUL_SETTINGS`,
    /// `name=value,…`), or `None` when they are off (`AIDR_STATEFUL=off`; on by default).
    pub stateful: Option<StatefulSettings>,
    /// Lookups at event time (see `aidr_engine::enrich`), or `None` when they are off
    /// (`AIDR_LOOKUPS=off`; on by default).
    pub lookups: Option<LookupSettings>,
}

/// How the detector reads what an event does not show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupSettings {
    /// `AIDR_LOOKUP_TIMEOUT_MS`: the longest one AWS call of a lookup may take (default
    /// [`DEFAULT_LOOKUP_TIMEOUT_MS`]).
    pub timeout: Duration,
    /// `AIDR_LOOKUP_ROLE_NAME`: the role assumed to read in accounts other than the
    /// detector's own; `None` (unset): those lookups are not made, and the findings say so.
    pub member_role_name: Option<String>,
}

impl LookupSettings {
    /// The time all lookups of one invocation may take before the rest are skipped: twice
    /// the timeout of one call (a lookup already started finishes within its own calls'
    /// timeouts).
    pub fn budget(&self) -> Duration {
        self.timeout * 2
    }
}

/// Where a user file or files are read from at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A file or a folder in the function's file system, as an absolute path: in the
    /// deployment package (`/var/task/rules`) or a layer (`/opt/rules`).
    Local(PathBuf),
    /// An object (`s3://bucket/key`), or every rule file under a prefix (`s3://bucket/prefix/`,
    /// the key empty or ending in `/`).
    S3(S3Url),
}

impl Location {
    /// An `s3://` URL or an absolute path, read from `var`; `object` when it must name one
    /// object (not a prefix).
    fn parse(var: &'static str, value: &str, object: bool) -> Result<Location, ConfigError> {
        let invalid = |why: String| ConfigError::Invalid { var, why };
        if value.starts_with("s3://") {
            let url = S3Url::parse(value).map_err(invalid)?;
            let prefix = url.key.is_empty() || url.key.ends_with('/');
            if object && prefix {
                return Err(invalid(format!("{value:?} names no object (s3://BUCKET/KEY)")));
            }
            if !object && !prefix && !is_rule_file(&url.key) {
                return Err(invalid(format!(
                    "{value:?} is neither a prefix ending in / nor a .yaml or .yml object"
                )));
            }
            return Ok(Location::S3(url));
        }
        let path = PathBuf::from(value);
        if value.contains("://") || !path.is_absolute() {
            let what = if object {
                "an absolute path (/opt/aidr/allowlist.yaml)"
            } else {
                "an absolute path (/opt/rules)"
            };
            return Err(invalid(format!("{value:?} is neither an s3:// URL nor {what}")));
        }
        Ok(Location::Local(path))
    }

    /// Whether this names every rule file under an S3 prefix rather than one object.
    pub fn is_s3_prefix(&self) -> bool {
        matches!(self, Location::S3(url) if url.key.is_empty() || url.key.ends_with('/'))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(path) => write!(f, "{}", path.display()),
            Location::S3(url) => write!(f, "{url}"),
        }
    }
}

/// The suffixes of rule files, in a folder or under a prefix (any case).
pub const RULE_FILE_SUFFIXES: &[&str] = &[".yaml", ".yml"];

/// Whether `name` is a rule file's name by its suffix.
pub fn is_rule_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    RULE_FILE_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// The user's files read at cold start, before the catalog is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFiles {
    /// `AIDR_RULES`: a rule file or a folder of them (every `.yaml` and `.yml` file), or an
    /// S3 prefix (every such object under it, at any depth) or object; `None` when unset.
    pub rules: Option<Location>,
    /// `AIDR_ALLOWLIST`: the allowlist file, local or in S3; `None` when unset.
    pub allowlist: Option<Location>,
}

impl UserFiles {
    /// Reads the locations through `get` (the process environment in the Lambda).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the variable whose value is neither an `s3://` URL of
    /// the right shape nor an absolute path.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<UserFiles, ConfigError> {
        let location = |var: &'static str, object: bool| {
            get(var)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| Location::parse(var, &v, object))
                .transpose()
        };
        Ok(UserFiles {
            rules: location("AIDR_RULES", false)?,
            allowlist: location("AIDR_ALLOWLIST", true)?,
        })
    }

    /// Reads the locations from the process environment.
    ///
    /// # Errors
    /// See [`UserFiles::from_lookup`].
    pub fn from_env() -> Result<UserFiles, ConfigError> {
        UserFiles::from_lookup(|var| std::env::var(var).ok())
    }
}

/// Default of `AIDR_BACKTEST_PREFIX`.
pub const DEFAULT_BACKTEST_PREFIX: &str = "findings/";

/// Default of `AIDR_LOOKUP_TIMEOUT_MS`.
pub const DEFAULT_LOOKUP_TIMEOUT_MS: u64 = 2000;
/// Accepted range of `AIDR_LOOKUP_TIMEOUT_MS`: the detector's Lambda timeout is 60 s.
const LOOKUP_TIMEOUT_MS: std::ops::RangeInclusive<u64> = 100..=10_000;

/// Longest accepted deduplication window: 30 days.
const MAX_WINDOW_SECS: i64 = 30 * 86_400;

impl DetectorConfig {
    /// Reads the settings through `get` (the process environment in the Lambda); rule ids are
    /// checked against `registry`.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that is missing or invalid.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        registry: &Registry,
    ) -> Result<DetectorConfig, ConfigError> {
        let required = |var: &'static str, what: &'static str| {
            get(var)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::Missing(var, what))
        };
        let table = required("AIDR_STATE_TABLE", "DynamoDB state table")?;
        let mode = match get("AIDR_MODE").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "live") => Mode::Live,
            Some("backtest") => Mode::Backtest {
                bucket: required("AIDR_BACKTEST_BUCKET", "S3 bucket back-test findings are written to")?,
                prefix: match get("AIDR_BACKTEST_PREFIX").map(|p| p.trim().to_owned()) {
                    None => DEFAULT_BACKTEST_PREFIX.to_owned(),
                    Some(p) if p.is_empty() => DEFAULT_BACKTEST_PREFIX.to_owned(),
                    Some(p) if p.ends_with('/') && !p.starts_with('/') => p,
                    Some(p) => {
                        let why = format!("{p:?} is not a key prefix ending in / (such as {DEFAULT_BACKTEST_PREFIX})");
                        return Err(ConfigError::Invalid {
                            var: "AIDR_BACKTEST_PREFIX",
                            why,
                        });
                    }
                },
            },
            Some(other) => {
                let why = format!("{other:?} is neither live nor backtest");
                return Err(ConfigError::Invalid { var: "AIDR_MODE", why });
            }
        };
        let topic_arn = match mode {
            Mode::Live => Some(required("AIDR_ALERT_TOPIC_ARN", "SNS topic that receives alerts")?),
            Mode::Backtest { .. } => get("AIDR_ALERT_TOPIC_ARN").filter(|v| !v.trim().is_empty()),
        };
        if let Some(topic_arn) = topic_arn
            .as_ref()
            .filter(|t| !t.starts_with("arn:") || !t.contains(":sns:"))
        {
            let why = format!("{topic_arn:?} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)");
            return Err(ConfigError::Invalid {
                var: "AIDR_ALERT_TOPIC_ARN",
                why,
            });
        }
        let dead_letter_queue_url = required(
            "AIDR_DEAD_LETTER_QUEUE_URL",
            "SQS queue that keeps events that can never be processed",
        )?;
        check_queue_url(&dead_letter_queue_url).map_err(|why| ConfigError::Invalid {
            var: "AIDR_DEAD_LETTER_QUEUE_URL",
            why,
        })?;
        let min_severity = match get("AIDR_MIN_SEVERITY").filter(|v| !v.trim().is_empty()) {
            None => Severity::Low,
            Some(v) => v.trim().parse().map_err(|why| ConfigError::Invalid {
                var: "AIDR_MIN_SEVERITY",
                why,
            })?,
        };
        // A number of seconds from `min` to the longest window, when the variable is set.
        let seconds = |var: &'static str, min: i64| -> Result<Option<i64>, ConfigError> {
            let Some(v) = get(var).filter(|v| !v.trim().is_empty()) else {
                return Ok(None);
            };
            let parsed = v.trim().parse::<i64>().ok();
            match parsed.filter(|s| (min..=MAX_WINDOW_SECS).contains(s)) {
                Some(s) => Ok(Some(s)),
                None => Err(ConfigError::Invalid {
                    var,
                    why: format!("{v:?} is not a number of seconds between {min} and {MAX_WINDOW_SECS}"),
                }),
            }
        };
        // Unset: each detection's own window; set: one window for every detection.
        let dedupe_window_override_secs = seconds("AIDR_DEDUPE_WINDOW_SECONDS", 1)?;
        // 0 turns updates off.
        let update_interval_secs = seconds("AIDR_UPDATE_INTERVAL_SECONDS", 0)?.unwrap_or(UPDATE_INTERVAL_SECS);
        let suppress_rules = list(get("AIDR_SUPPRESS_RULES"));
        if let Some(unknown) = suppress_rules.iter().find(|id| registry.get(id).is_none()) {
            let why = format!("{unknown:?} is not a rule id (see `aidr rules`)");
            return Err(ConfigError::Invalid {
                var: "AIDR_SUPPRESS_RULES",
                why,
            });
        }
        let stateful = match get("AIDR_STATEFUL").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "on" | "true") => true,
            Some("off" | "false") => false,
            Some(other) => {
                let why = format!("{other:?} is neither on nor off");
                return Err(ConfigError::Invalid {
                    var: "AIDR_STATEFUL",
                    why,
                });
            }
        };
        let mut settings = StatefulSettings::default();
        settings
            .apply(&get("AIDR_STATEFUL_SETTINGS").unwrap_or_default())
            .map_err(|why| ConfigError::Invalid {
                var: "AIDR_STATEFUL_SETTINGS",
                why,
            })?;
        let lookups = match get("AIDR_LOOKUPS").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "on" | "true") => true,
            Some("off" | "false") => false,
            Some(other) => {
                let why = format!("{other:?} is neither on nor off");
                return Err(ConfigError::Invalid {
                    var: "AIDR_LOOKUPS",
                    why,
                });
            }
        };
        let timeout_ms = match get("AIDR_LOOKUP_TIMEOUT_MS").filter(|v| !v.trim().is_empty()) {
            None => DEFAULT_LOOKUP_TIMEOUT_MS,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| LOOKUP_TIMEOUT_MS.contains(ms))
                .ok_or_else(|| ConfigError::Invalid {
                    var: "AIDR_LOOKUP_TIMEOUT_MS",
                    why: format!(
                        "{v:?} is not a number of milliseconds between {} and {}",
                        LOOKUP_TIMEOUT_MS.start(),
                        LOOKUP_TIMEOUT_MS.end()
                    ),
                })?,
        };
        let member_role_name = get("AIDR_LOOKUP_ROLE_NAME")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if let Some(name) = &member_role_name {
            check_role_name(name).map_err(|why| ConfigError::Invalid {
                var: "AIDR_LOOKUP_ROLE_NAME",
                why,
            })?;
        }
        Ok(DetectorConfig {
            stateful: stateful.then_some(settings),
            lookups: (lookups && mode == Mode::Live).then(|| LookupSettings {
                timeout: Duration::from_millis(timeout_ms),
                member_role_name,
            }),
            table,
            topic_arn,
            mode,
            trail_buckets: list(get("AIDR_TRAIL_BUCKETS")),
            dead_letter_queue_url,
            policy: AlertPolicy {
                min_severity,
                dedupe_window_override_secs,
                suppress_rules,
                suppress_principals: list(get("AIDR_SUPPRESS_PRINCIPALS")),
                suppress_accounts: account_ids("AIDR_SUPPRESS_ACCOUNTS", get("AIDR_SUPPRESS_ACCOUNTS"))?,
                // `AIDR_ALLOWLIST`: loaded with the user rules (`crate::catalog`), set by main.
                allowlist: Default::default(),
                update_interval_secs,
            },
            organization: Organization {
                accounts: account_ids("AIDR_ORG_ACCOUNTS", get("AIDR_ORG_ACCOUNTS"))?,
            },
        })
    }

    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// See [`DetectorConfig::from_lookup`].
    pub fn from_env(registry: &Registry) -> Result<DetectorConfig, ConfigError> {
        DetectorConfig::from_lookup(|var| std::env::var(var).ok(), registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<DetectorConfig, ConfigError> {
        let lookup = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        DetectorConfig::from_lookup(lookup, &Registry::builtin())
    }

    const BASE: [(&str, &str); 3] = [
        ("AIDR_STATE_TABLE", "aidr-state"),
        ("AIDR_ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:111122223333:aidr-alerts"),
        (
            "AIDR_DEAD_LETTER_QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/111122223333/aidr-events-dlq",
        ),
    ];

    #[test]
    fn defaults_and_lists() {
        let c = config(&BASE).unwrap();
        assert_eq!(
            (c.policy.min_severity, c.policy.dedupe_window_override_secs),
            (Severity::Low, None)
        );
        assert_eq!(c.policy.update_interval_secs, 900);
        let mut vars = BASE.to_vec();
        vars.extend([
            ("AIDR_MIN_SEVERITY", "High"),
            ("AIDR_DEDUPE_WINDOW_SECONDS", "600"),
            ("AIDR_UPDATE_INTERVAL_SECONDS", "0"),
            (
                "AIDR_SUPPRESS_RULES",
                "bedrock.guardrail_deleted, iam.root_access_key_created,",
            ),
            ("AIDR_SUPPRESS_PRINCIPALS", "arn:aws:sts::*:assumed-role/Deployer/*"),
            ("AIDR_ORG_ACCOUNTS", "111122223333,444455556666"),
        ]);
        let c = config(&vars).unwrap();
        assert_eq!(c.policy.min_severity, Severity::High);
        assert_eq!(c.policy.dedupe_window_override_secs, Some(600));
        assert_eq!(c.policy.update_interval_secs, 0, "updates off");
        assert_eq!(c.policy.suppress_rules.len(), 2);
        assert_eq!(c.organization.accounts, ["111122223333", "444455556666"]);
        assert!(c.stateful.is_some());
        assert_eq!(
            c.lookups,
            Some(LookupSettings {
                timeout: Duration::from_secs(2),
                member_role_name: None
            })
        );
        let mut vars = BASE.to_vec();
        vars.extend([
            ("AIDR_STATEFUL", "off"),
            ("AIDR_STATEFUL_SETTINGS", "probe_threshold=25"),
        ]);
        vars.extend([
            ("AIDR_LOOKUP_TIMEOUT_MS", "750"),
            ("AIDR_LOOKUP_ROLE_NAME", "aidr-responder"),
        ]);
        let c = config(&vars).unwrap();
        assert_eq!(c.stateful, None);
        let lookups = c.lookups.unwrap();
        assert_eq!(
            (lookups.timeout, lookups.member_role_name.as_deref()),
            (Duration::from_millis(750), Some("aidr-responder"))
        );
        assert_eq!(lookups.budget(), Duration::from_millis(1500));
        let mut vars = BASE.to_vec();
        vars.push(("AIDR_LOOKUPS", "off"));
        assert_eq!(config(&vars).unwrap().lookups, None);
        let mut vars = BASE.to_vec();
        vars.push(("AIDR_STATEFUL_SETTINGS", "probe_threshold=25"));
        assert_eq!(config(&vars).unwrap().stateful.map(|s| s.probe_threshold), Some(25));
    }

    #[test]
    fn backtest_mode_needs_a_bucket_not_a_topic_and_turns_lookups_off() {
        let c = config(&BASE).unwrap();
        assert_eq!((c.mode, c.trail_buckets.len()), (Mode::Live, 0));
        let vars = [
            ("AIDR_STATE_TABLE", "aidr-state"),
            (
                "AIDR_DEAD_LETTER_QUEUE_URL",
                "https://sqs.us-east-1.amazonaws.com/111122223333/dlq",
            ),
            ("AIDR_MODE", "backtest"),
            ("AIDR_BACKTEST_BUCKET", "aidr-backtest"),
            ("AIDR_TRAIL_BUCKETS", "org-trail, other-trail"),
        ];
        let c = config(&vars).unwrap();
        let expected = Mode::Backtest {
            bucket: "aidr-backtest".into(),
            prefix: DEFAULT_BACKTEST_PREFIX.into(),
        };
        assert_eq!((c.mode, c.topic_arn, c.lookups), (expected, None, None));
        assert_eq!(c.trail_buckets, ["org-trail", "other-trail"]);
        let missing = config(&vars[..3]).unwrap_err().to_string();
        assert!(missing.contains("AIDR_BACKTEST_BUCKET"), "{missing}");
        let no_topic = config(&[vars[0], vars[1]]).unwrap_err().to_string();
        assert!(
            no_topic.contains("AIDR_ALERT_TOPIC_ARN"),
            "live mode needs the topic: {no_topic}"
        );
        let no_slash = [vars[0], vars[1], vars[2], vars[3], ("AIDR_BACKTEST_PREFIX", "results")];
        assert!(
            config(&no_slash)
                .unwrap_err()
                .to_string()
                .contains("AIDR_BACKTEST_PREFIX")
        );
        let mut odd = BASE.to_vec();
        odd.push(("AIDR_MODE", "replay"));
        assert!(config(&odd).unwrap_err().to_string().contains("AIDR_MODE"));
    }

    fn user_files(vars: &[(&str, &str)]) -> Result<UserFiles, ConfigError> {
        UserFiles::from_lookup(|k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn user_rules_and_the_allowlist_are_local_paths_or_s3_urls() {
        assert_eq!(user_files(&[]).unwrap(), UserFiles::default());
        assert_eq!(
            user_files(&[("AIDR_RULES", " "), ("AIDR_ALLOWLIST", "")]).unwrap(),
            UserFiles::default()
        );
        let s3 = |bucket: &str, key: &str| {
            Location::S3(S3Url {
                bucket: bucket.into(),
                key: key.into(),
            })
        };
        for (value, expected, prefix) in [
            ("/var/task/rules", Location::Local("/var/task/rules".into()), false),
            (
                "/opt/rules/endpoints.yaml",
                Location::Local("/opt/rules/endpoints.yaml".into()),
                false,
            ),
            ("s3://aidr-config/rules/", s3("aidr-config", "rules/"), true),
            ("s3://aidr-config", s3("aidr-config", ""), true),
            (
                "s3://aidr-config/rules/team/endpoints.YML",
                s3("aidr-config", "rules/team/endpoints.YML"),
                false,
            ),
        ] {
            let files = user_files(&[("AIDR_RULES", value)]).unwrap();
            let rules = files.rules.unwrap();
            assert_eq!((rules.is_s3_prefix(), &rules), (prefix, &expected), "{value}");
            assert_eq!(
                rules.to_string(),
                if value == "s3://aidr-config" {
                    "s3://aidr-config/"
                } else {
                    value
                }
            );
        }
        let files = user_files(&[("AIDR_ALLOWLIST", "s3://aidr-config/allowlist.yaml")]).unwrap();
        assert_eq!(files.allowlist, Some(s3("aidr-config", "allowlist.yaml")));
        let files = user_files(&[("AIDR_ALLOWLIST", "/opt/aidr/allow.yml")]).unwrap();
        assert_eq!(files.allowlist, Some(Location::Local("/opt/aidr/allow.yml".into())));
    }

    #[test]
    fn bad_user_file_locations_name_the_variable_and_the_value() {
        for (var, value, why) in [
            ("AIDR_RULES", "rules", "is neither an s3:// URL nor an absolute path"),
            ("AIDR_RULES", "./rules/", "is neither an s3:// URL nor an absolute path"),
            ("AIDR_RULES", "https://example.com/rules/", "is neither an s3:// URL"),
            (
                "AIDR_RULES",
                "s3://aidr-config/rules",
                "is neither a prefix ending in / nor a .yaml or .yml object",
            ),
            ("AIDR_RULES", "s3://a/rules/", "is not an S3 bucket name"),
            ("AIDR_RULES", "s3:///rules/", "is not an S3 bucket name"),
            ("AIDR_ALLOWLIST", "s3://aidr-config/allow/", "names no object"),
            ("AIDR_ALLOWLIST", "s3://aidr-config", "names no object"),
            (
                "AIDR_ALLOWLIST",
                "allowlist.yaml",
                "is neither an s3:// URL nor an absolute path",
            ),
        ] {
            let err = user_files(&[(var, value)]).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("environment variable {var} is invalid: ")) && err.contains(why),
                "{var}={value}: {err}"
            );
            assert!(err.contains(value.trim_end_matches('/')), "{err}");
        }
    }

    #[test]
    fn suppressed_rules_may_be_user_rules_of_the_registry_given() {
        let mut vars = BASE.to_vec();
        vars.push((
            "AIDR_SUPPRESS_RULES",
            "acme.endpoint_created, bedrock.guardrail_deleted",
        ));
        let err = config(&vars).unwrap_err().to_string();
        assert!(err.contains("\"acme.endpoint_created\" is not a rule id"), "{err}");
        let rule = aidr_engine::user_rules::SourceFile {
            origin: "rules/endpoints.yaml".into(),
            text: "id: acme.endpoint_created\ntitle: Endpoint created\nseverity: medium\narea: model\n\
                   description: An endpoint was created.\nevents:\n  - source: sagemaker.amazonaws.com\n    names: [CreateEndpoint]\n"
                .into(),
        };
        let rules = aidr_engine::user_rules::load(&[rule]).unwrap();
        let registry = Registry::with_user_rules(rules).unwrap();
        let lookup = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        let c = DetectorConfig::from_lookup(lookup, &registry).unwrap();
        assert_eq!(
            c.policy.suppress_rules,
            ["acme.endpoint_created", "bedrock.guardrail_deleted"]
        );
    }

    #[test]
    fn errors_name_the_variable() {
        let err = config(&[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable AIDR_STATE_TABLE is not set (it names the DynamoDB state table)"
        );
        for (var, value) in [
            ("AIDR_ALERT_TOPIC_ARN", "my-topic"),
            ("AIDR_DEAD_LETTER_QUEUE_URL", "aidr-events-dlq"),
            ("AIDR_MIN_SEVERITY", "urgent"),
            ("AIDR_DEDUPE_WINDOW_SECONDS", "-5"),
            ("AIDR_UPDATE_INTERVAL_SECONDS", "soon"),
            ("AIDR_UPDATE_INTERVAL_SECONDS", "-1"),
            ("AIDR_SUPPRESS_RULES", "bedrock.no_such_rule"),
            ("AIDR_ORG_ACCOUNTS", "1234"),
            ("AIDR_SUPPRESS_ACCOUNTS", "abcdefghijkl"),
            ("AIDR_STATEFUL", "maybe"),
            ("AIDR_STATEFUL_SETTINGS", "probe_threshold=zero"),
            ("AIDR_LOOKUPS", "sometimes"),
            ("AIDR_LOOKUP_TIMEOUT_MS", "60000"),
            ("AIDR_LOOKUP_TIMEOUT_MS", "2s"),
            ("AIDR_LOOKUP_ROLE_NAME", "role/with/slashes"),
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
    }
}
