//! User rules and the YAML allowlist through the real detector binary against moto: rules read
//! at cold start from an S3 prefix or a local folder (as bundled in the deployment package or a
//! layer) alert like the built-in catalog; the pattern `aidr patterns --only-user-rules` prints
//! routes their events on EventBridge; an allowlist read from S3 silences what it names and
//! nothing else; a broken rule file or allowlist stops the function with an init error naming
//! the file and the line.

use std::path::PathBuf;
use std::time::Duration;

use aidr_e2e::cli::aidr_ok;
use aidr_e2e::runtime_api::{Runtime, detector_binary};
use aidr_e2e::trail::{client, put};
use aidr_e2e::{Stack, create_queue, emulator, receive, unique};
use aidr_engine::{Registry, patterns};
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, Target};
use serde_json::{Value, json};

/// The example rule of the repository: SageMaker endpoints created in production (account
/// 111122223333) by anyone but the ML platform's role.
const RULE_ID: &str = "acme.sagemaker_endpoint_outside_ml_platform";

fn example_rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/user-rules")
}

fn example_rule() -> String {
    std::fs::read_to_string(example_rules().join("sagemaker_endpoint_outside_ml_platform.yaml")).unwrap()
}

/// The 1-based number of the first line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
}

/// A CreateEndpoint call in account 111122223333, as EventBridge delivers it.
fn create_endpoint(n: u32, identity: Value, endpoint: &str) -> Value {
    json!({
        "version": "0",
        "id": format!("7b1e1d3c-0000-4000-8000-{n:012}"),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.sagemaker",
        "account": "111122223333",
        "time": "2026-10-01T10:15:30Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "eventTime": "2026-10-01T10:15:30Z",
            "eventSource": "sagemaker.amazonaws.com",
            "eventName": "CreateEndpoint",
            "awsRegion": "us-east-1",
            "eventID": format!("5f0b6a52-0000-4000-8000-{n:012}"),
            "eventType": "AwsApiCall",
            "readOnly": false,
            "managementEvent": true,
            "recipientAccountId": "111122223333",
            "sourceIPAddress": "203.0.113.24",
            "userIdentity": identity,
            "requestParameters": {"endpointName": endpoint, "endpointConfigName": format!("{endpoint}-config")},
            "responseElements": {"endpointArn": format!("arn:aws:sagemaker:us-east-1:111122223333:endpoint/{endpoint}")}
        }
    })
}

/// A session of `role` (named `session`) in account 111122223333.
fn session(role: &str, name: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "arn": format!("arn:aws:sts::111122223333:assumed-role/{role}/{name}"),
        "accountId": "111122223333",
        "accessKeyId": "ASIA3EXAMPLETEMPKEY1",
        "sessionContext": {"sessionIssuer": {
            "type": "Role", "arn": format!("arn:aws:iam::111122223333:role/{role}"), "userName": role
        }}
    })
}

/// An IAM user of account 111122223333 calling with a long-term key.
fn user(name: &str) -> Value {
    json!({
        "type": "IAMUser",
        "arn": format!("arn:aws:iam::111122223333:user/{name}"),
        "accountId": "111122223333",
        "userName": name,
        "accessKeyId": "AKIA3EXAMPLELONGKEY1"
    })
}

/// A new bucket holding `objects` (key, text).
async fn bucket_with(stack: &Stack, objects: &[(&str, &str)]) -> String {
    let bucket = unique("aidr-config");
    client(&stack.config)
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    for (key, text) in objects {
        put(&stack.config, &bucket, key, text.as_bytes().to_vec()).await;
    }
    bucket
}

fn start(stack: &Stack, vars: &[(&'static str, String)]) -> Runtime {
    let mut env = stack.detector_env();
    env.extend(vars.iter().cloned());
    Runtime::start(&detector_binary("debug"), &env)
}

fn attribute(note: &Value, name: &str) -> String {
    note["MessageAttributes"][name]["Value"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// The example rule alerts once on a data scientist's endpoint, with its own id, severity and
/// summary, and says nothing about the ML platform's own deployment.
async fn the_example_rule_alerts(stack: &Stack, detector: &mut Runtime) {
    let note = stack
        .alert_on(
            detector,
            &create_endpoint(1, session("DataScientist", "alice"), "churn-xgb"),
        )
        .await;
    assert_eq!(
        [attribute(&note, "rule_id"), attribute(&note, "severity")],
        [RULE_ID, "high"]
    );
    assert_eq!(
        note["Subject"],
        "aidr HIGH: SageMaker endpoint created in production outside the ML platform"
    );
    let finding: Value = serde_json::from_str(note["Message"].as_str().unwrap()).unwrap();
    assert_eq!(finding["rule_id"], RULE_ID);
    let summary = finding["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(
            "arn:aws:sts::111122223333:assumed-role/DataScientist/alice created endpoint churn-xgb outside the ML platform"
        ),
        "the rule's summary template, filled: {summary}"
    );
    let platform = create_endpoint(2, session("MLPlatformDeploy", "pipeline"), "fraud-llm");
    let out = detector.invoke(&platform).ok();
    assert_eq!(
        (out["records"].as_u64(), out["findings"].as_u64()),
        (Some(1), Some(0)),
        "{out}"
    );
    assert!(
        stack.alerts(0, Duration::from_secs(2)).await.is_empty(),
        "exactly one alert"
    );
}

#[tokio::test]
async fn rules_under_an_s3_prefix_alert_like_the_catalog() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let rule = example_rule();
    let bucket = bucket_with(
        &stack,
        &[
            ("aidr/rules/prod/sagemaker_endpoint_outside_ml_platform.yaml", &rule),
            ("aidr/rules/README.md", "not a rule: left out"),
            ("aidr/elsewhere.yaml", "not under the prefix: left out"),
        ],
    )
    .await;
    let location = format!("s3://{bucket}/aidr/rules/");
    let mut detector = start(&stack, &[("AIDR_RULES", location.clone())]);
    the_example_rule_alerts(&stack, &mut detector).await;
    let log = detector.log();
    assert!(
        log.contains("user rules loaded") && log.contains(&location) && log.contains("\"user_rules\":1"),
        "{log}"
    );
}

#[tokio::test]
async fn rules_in_a_local_folder_alert_the_same() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let folder = std::env::temp_dir().join(unique("aidr-bundled-rules"));
    std::fs::create_dir_all(folder.join("sagemaker")).unwrap();
    std::fs::write(
        folder.join("sagemaker/endpoint_outside_ml_platform.yml"),
        example_rule(),
    )
    .unwrap();
    let mut detector = start(&stack, &[("AIDR_RULES", folder.display().to_string())]);
    the_example_rule_alerts(&stack, &mut detector).await;
    assert!(detector.log().contains("user rules loaded"));
    std::fs::remove_dir_all(&folder).unwrap();
}

#[tokio::test]
async fn the_printed_pattern_routes_the_rules_events_to_the_detector() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let rules = example_rules().display().to_string();
    let (pattern, _) = aidr_ok(&["patterns", "--rules", &rules, "--only-user-rules"]);
    assert_eq!(
        pattern.lines().count(),
        1,
        "one line, for the template's parameter: {pattern}"
    );
    let builtin = patterns::patterns(&Registry::builtin());
    assert!(
        !builtin.to_string().contains("\"CreateEndpoint\""),
        "the built-in patterns do not send CreateEndpoint: the rule needs its own"
    );
    // UserRulesEventsRule, with the pattern as the parameter holds it; a queue stands for the
    // detector.
    let eb = aws_sdk_eventbridge::Client::new(&stack.config);
    let bus = unique("aidr-bus");
    eb.create_event_bus().name(&bus).send().await.unwrap();
    let (queue, queue_arn) = create_queue(&stack.config, &unique("aidr-user-rules")).await;
    let rule = unique("aidr-user-rules");
    eb.put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(pattern.trim())
        .send()
        .await
        .unwrap();
    let target = Target::builder().id("detector").arn(queue_arn).build().unwrap();
    eb.put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(target)
        .send()
        .await
        .unwrap();
    let entry = |event: &Value, source: &str| {
        PutEventsRequestEntry::builder()
            .event_bus_name(&bus)
            .source(source)
            .detail_type("AWS API Call via CloudTrail")
            .detail(event["detail"].to_string())
            .build()
    };
    let created = create_endpoint(21, session("DataScientist", "alice"), "churn-xgb");
    let mut config_created = created.clone();
    config_created["detail"]["eventName"] = "CreateEndpointConfig".into();
    let entries = vec![
        entry(&created, "aws.sagemaker"),
        entry(&config_created, "aws.sagemaker"),
        entry(&created, "custom.sagemaker"),
    ];
    let out = eb.put_events().set_entries(Some(entries)).send().await.unwrap();
    assert_eq!(out.failed_entry_count, 0);
    let routed = receive(&stack.config, &queue, 0, Duration::from_secs(3)).await;
    assert_eq!(routed.len(), 1, "CreateEndpoint from aws.sagemaker only: {routed:?}");
    // The routed event, to the detector with the rules bundled.
    let mut detector = start(&stack, &[("AIDR_RULES", rules)]);
    let note = stack.alert_on(&mut detector, &routed[0]).await;
    assert_eq!(attribute(&note, "rule_id"), RULE_ID);
}

#[tokio::test]
async fn an_allowlist_in_s3_silences_what_it_names_and_nothing_else() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let rule = example_rule();
    let allowlist = "suppressions:\n\
        \x20 - rule: acme.sagemaker_*\n\
        \x20   principal: arn:aws:sts::111122223333:assumed-role/DataScientist/*\n\
        \x20   resource: arn:aws:sagemaker:*:111122223333:endpoint/churn-*\n\
        \x20   expires: 2099-12-31\n\
        \x20   reason: the data science team's churn endpoints are reviewed by the platform\n";
    let bucket = bucket_with(
        &stack,
        &[("rules/endpoints.yaml", &rule), ("allowlist.yaml", allowlist)],
    )
    .await;
    let mut detector = start(
        &stack,
        &[
            ("AIDR_RULES", format!("s3://{bucket}/rules/endpoints.yaml")),
            ("AIDR_ALLOWLIST", format!("s3://{bucket}/allowlist.yaml")),
        ],
    );
    // The allowlisted team's churn endpoint: found, silenced.
    let allowed = create_endpoint(11, session("DataScientist", "alice"), "churn-xgb");
    let out = detector.invoke(&allowed).ok();
    assert_eq!(
        (
            out["findings"].as_u64(),
            out["silenced"].as_u64(),
            out["alerted"].as_u64()
        ),
        (Some(1), Some(1), Some(0)),
        "{out}\n{}",
        detector.log()
    );
    assert!(
        detector.log().contains(
            "allowlisted: the data science team's churn endpoints are reviewed by the platform (until 2099-12-31)"
        ),
        "the reason is logged"
    );
    assert!(stack.alerts(0, Duration::from_secs(2)).await.is_empty());
    // The same team's other endpoint, and an IAM user's long-term key: not allowlisted.
    let other = create_endpoint(12, session("DataScientist", "alice"), "fraud-llm");
    let note = stack.alert_on(&mut detector, &other).await;
    assert_eq!(attribute(&note, "rule_id"), RULE_ID);
    let note = stack
        .alert_on(&mut detector, &create_endpoint(13, user("bob"), "churn-xgb"))
        .await;
    assert_eq!(
        [attribute(&note, "rule_id"), attribute(&note, "severity")],
        [RULE_ID, "critical"],
        "a long-term key raises the rule's severity"
    );
    assert!(stack.alerts(0, Duration::from_secs(2)).await.is_empty());
}

#[tokio::test]
async fn a_broken_rule_file_in_s3_stops_the_function_naming_the_file_and_line() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let good = example_rule();
    let broken = good
        .replace(RULE_ID, "acme.broken_copy")
        .replace("severity: high", "severity: urgent");
    let bucket = bucket_with(
        &stack,
        &[("rules/a_good.yaml", &good), ("rules/b_broken.yaml", &broken)],
    )
    .await;
    let mut detector = start(&stack, &[("AIDR_RULES", format!("s3://{bucket}/rules/"))]);
    let report = detector.expect_init_error();
    assert_eq!(report["errorType"], "Runtime.ConfigError");
    let message = report["errorMessage"].as_str().unwrap();
    let at = format!(
        "AIDR_RULES: s3://{bucket}/rules/b_broken.yaml:{}:",
        line_of(&broken, "severity:")
    );
    assert!(message.starts_with(&at), "expected {at:?}: {message}");
    assert!(message.contains("urgent"), "{message}");

    // An object that is not there: named with S3's reason.
    let mut detector = start(&stack, &[("AIDR_RULES", format!("s3://{bucket}/rules/missing.yaml"))]);
    let message = detector.expect_init_error()["errorMessage"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.starts_with(&format!(
            "AIDR_RULES: S3 GetObject s3://{bucket}/rules/missing.yaml: NoSuchKey"
        )),
        "{message}"
    );
    // A prefix without rule files.
    let mut detector = start(&stack, &[("AIDR_RULES", format!("s3://{bucket}/nothing/"))]);
    let message = detector.expect_init_error()["errorMessage"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        message,
        format!("AIDR_RULES: s3://{bucket}/nothing/ holds no rule file (ending in .yaml or .yml)")
    );
}

#[tokio::test]
async fn a_broken_allowlist_stops_the_function_naming_the_file_and_line() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let allowlist = "suppressions:\n  - rule: acme.sagemaker_*\n    expires: next year\n    reason: r\n";
    let bucket = bucket_with(&stack, &[("aidr/allowlist.yaml", allowlist)]).await;
    let mut detector = start(
        &stack,
        &[("AIDR_ALLOWLIST", format!("s3://{bucket}/aidr/allowlist.yaml"))],
    );
    let report = detector.expect_init_error();
    assert_eq!(report["errorType"], "Runtime.ConfigError");
    let message = report["errorMessage"].as_str().unwrap();
    let at = format!(
        "AIDR_ALLOWLIST: s3://{bucket}/aidr/allowlist.yaml:{}:",
        line_of(allowlist, "    expires:")
    );
    assert!(message.starts_with(&at), "expected {at:?}: {message}");
}
