//! The responder's settings from the environment: defaults, every variable read, and an error
//! naming the variable for each value it cannot take (a playbook or mode it does not know stops
//! the function at cold start).

use aidr_engine::Severity;
use aidr_engine::response::{Mode, Playbook, Settings};
use responder::config::{ConfigError, ResponderConfig};
use serde_json::json;

fn config(vars: &[(&str, &str)]) -> Result<ResponderConfig, ConfigError> {
    let lookup = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
    ResponderConfig::from_lookup(lookup)
}

const BASE: [(&str, &str); 3] = [
    ("AIDR_STATE_TABLE", "aidr-state"),
    ("AIDR_ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:111122223333:aidr-alerts"),
    (
        "AIDR_DEAD_LETTER_QUEUE_URL",
        "https://sqs.us-east-1.amazonaws.com/111122223333/aidr-respond-dlq",
    ),
];

/// [`BASE`] with `var` set to `value`.
fn with(var: &'static str, value: &'static str) -> Result<ResponderConfig, ConfigError> {
    let mut vars = BASE.to_vec();
    vars.retain(|(n, _)| *n != var);
    vars.push((var, value));
    config(&vars)
}

#[test]
fn defaults_are_dry_run_from_high_ten_an_hour() {
    let c = config(&BASE).unwrap();
    assert_eq!(
        (c.table.as_str(), c.role_name.as_str()),
        ("aidr-state", "aidr-responder")
    );
    assert_eq!(c.settings, Settings::default());
}

#[test]
fn every_setting_is_read() {
    let c = config(&[
        BASE[0],
        BASE[1],
        BASE[2],
        ("AIDR_RESPONDER_ROLE_NAME", "sec-responder"),
        ("AIDR_RESPONSE_MODE", "enforce"),
        (
            "AIDR_RESPONSE_PLAYBOOKS",
            "quarantine-user=off, stop-notebook-instance=dry-run",
        ),
        (
            "AIDR_RESPONSE_ALLOW_PRINCIPALS",
            "arn:aws:iam::*:role/breakglass, arn:aws:iam::111122223333:user/ops-*",
        ),
        ("AIDR_RESPONSE_ALLOW_ACCOUNTS", "444455556666,7777*,1111????2222"),
        ("AIDR_RESPONSE_PROTECTED_PRINCIPALS", "arn:aws:iam::*:role/aidr-*"),
        ("AIDR_RESPONSE_MIN_SEVERITY", "critical"),
        ("AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR", "3"),
        (
            "AIDR_RESPONSE_LOGGING_CONFIG",
            r#"{"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": true}"#,
        ),
    ])
    .unwrap();
    assert_eq!(c.role_name, "sec-responder");
    let s = &c.settings;
    assert_eq!(s.mode(Playbook::DeactivateAccessKey), Mode::Enforce);
    assert_eq!(s.mode(Playbook::QuarantineUser), Mode::Off);
    assert_eq!(s.mode(Playbook::StopNotebookInstance), Mode::DryRun);
    assert_eq!(s.allow_principals.len(), 2);
    assert_eq!(s.allow_accounts, ["444455556666", "7777*", "1111????2222"]);
    assert_eq!(s.protected_principals, ["arn:aws:iam::*:role/aidr-*"]);
    assert_eq!((s.min_severity, s.max_actions_per_hour), (Severity::Critical, 3));
    assert_eq!(
        s.logging_config,
        Some(json!({"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": true}))
    );
}

#[test]
fn errors_name_the_variable() {
    assert_eq!(
        config(&[]).unwrap_err().to_string(),
        "environment variable AIDR_STATE_TABLE is not set (it names the DynamoDB state table)"
    );
    assert_eq!(
        config(&[BASE[0], BASE[2]]).unwrap_err(),
        ConfigError::Missing("AIDR_ALERT_TOPIC_ARN", "SNS topic the responses are published to")
    );
    assert!(matches!(
        config(&BASE[..2]).unwrap_err(),
        ConfigError::Missing("AIDR_DEAD_LETTER_QUEUE_URL", _)
    ));
    for (var, value, says) in [
        ("AIDR_ALERT_TOPIC_ARN", "aidr-alerts", "not an SNS topic ARN"),
        ("AIDR_DEAD_LETTER_QUEUE_URL", "aidr-dlq", "not an SQS queue URL"),
        (
            "AIDR_RESPONDER_ROLE_NAME",
            "path/aidr-responder",
            "not an IAM role name",
        ),
        ("AIDR_RESPONSE_MODE", "on", "unknown mode \"on\""),
        (
            "AIDR_RESPONSE_PLAYBOOKS",
            "delete-user=enforce",
            "unknown playbook \"delete-user\"",
        ),
        ("AIDR_RESPONSE_PLAYBOOKS", "quarantine-user=yes", "unknown mode \"yes\""),
        ("AIDR_RESPONSE_PLAYBOOKS", "quarantine-user", "is not playbook=mode"),
        ("AIDR_RESPONSE_ALLOW_PRINCIPALS", "breakglass", "not an ARN pattern"),
        ("AIDR_RESPONSE_PROTECTED_PRINCIPALS", "aidr-*", "not an ARN pattern"),
        ("AIDR_RESPONSE_ALLOW_ACCOUNTS", "prod", "not an account id pattern"),
        // A digit short or over: it would never match, and leave the account unprotected.
        (
            "AIDR_RESPONSE_ALLOW_ACCOUNTS",
            "11112222333",
            "not an account id pattern",
        ),
        (
            "AIDR_RESPONSE_ALLOW_ACCOUNTS",
            "4444555566667",
            "not an account id pattern",
        ),
        (
            "AIDR_RESPONSE_PLAYBOOKS",
            "quarantine-user=off, quarantine-user=enforce",
            "quarantine-user is given twice",
        ),
        ("AIDR_RESPONSE_MIN_SEVERITY", "urgent", "unknown severity"),
        ("AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR", "0", "not a positive whole number"),
        (
            "AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR",
            "-3",
            "not a positive whole number",
        ),
        (
            "AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR",
            "ten",
            "not a positive whole number",
        ),
        ("AIDR_RESPONSE_LOGGING_CONFIG", "{not json", "not JSON"),
        ("AIDR_RESPONSE_LOGGING_CONFIG", r#"["s3Config"]"#, "not a JSON object"),
        (
            "AIDR_RESPONSE_LOGGING_CONFIG",
            r#"{"textDataDeliveryEnabled": true}"#,
            "neither an s3Config nor a cloudWatchConfig",
        ),
        (
            "AIDR_RESPONSE_LOGGING_CONFIG",
            r#"{"s3Config": "logs"}"#,
            "neither an s3Config nor a cloudWatchConfig",
        ),
        // What Bedrock would refuse is refused at cold start, not when logging is to be restored.
        (
            "AIDR_RESPONSE_LOGGING_CONFIG",
            r#"{"s3Config": {"keyPrefix": "bedrock/"}}"#,
            "bucketName",
        ),
        (
            "AIDR_RESPONSE_LOGGING_CONFIG",
            r#"{"cloudWatchConfig": {"logGroupName": "/bedrock"}}"#,
            "roleArn",
        ),
        (
            "AIDR_RESPONSE_LOGGING_CONFIG",
            r#"{"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": "yes"}"#,
            "textDataDeliveryEnabled",
        ),
    ] {
        let err = with(var, value).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("environment variable {var} is invalid: ")) && err.contains(says),
            "{var}={value}: {err}"
        );
    }
}

#[test]
fn blank_values_are_unset() {
    let c = config(&[
        BASE[0],
        BASE[1],
        BASE[2],
        ("AIDR_RESPONSE_MODE", " "),
        ("AIDR_RESPONSE_PLAYBOOKS", ""),
        ("AIDR_RESPONSE_LOGGING_CONFIG", "  "),
        ("AIDR_RESPONSE_ALLOW_ACCOUNTS", " , "),
    ])
    .unwrap();
    assert_eq!(c.settings, Settings::default());
}

#[test]
fn the_stacks_smallest_actions_per_hour_is_accepted() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/template.yaml");
    let template = std::fs::read_to_string(path).unwrap();
    let parameter = template.split("\n  ResponseMaxActionsPerHour:\n").nth(1).unwrap();
    let min = parameter
        .lines()
        .find_map(|l| l.trim().strip_prefix("MinValue:"))
        .unwrap()
        .trim();
    let mut vars = BASE.to_vec();
    vars.push(("AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR", min));
    let c = config(&vars);
    assert!(c.is_ok(), "ResponseMaxActionsPerHour MinValue {min}: {c:?}");
}
