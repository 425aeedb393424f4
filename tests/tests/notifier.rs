//! The real notifier binary, driven through the Lambda Runtime API, fed the SNS notifications
//! the real detector published in the same test; DynamoDB, Secrets Manager, SNS and SQS
//! emulated by moto, Slack and PagerDuty played by local receivers, a chat channel by a queue
//! subscribed to the chat topic; Security Hub emulated by moto too.

use std::time::Duration;

use aidr_aws::SecretsManager;
use aidr_e2e::notify::{create_secret, slack_and_pagerduty_env, sns_event, stack_with_an_alert};
use aidr_e2e::runtime_api::{Runtime, function_binary};
use aidr_e2e::{Stack, create_queue, emulator, receive, receive_messages, unique};
use aidr_engine::notify::chat;
use aidr_engine::ports::{FailureKind, SecretStore};
use aidr_testkit::receiver::Receiver;
use aws_sdk_securityhub::types::AwsSecurityFinding;
use serde_json::{Value, json};

/// The keys of the stack's state items that start with `prefix`.
async fn delivery_marks(stack: &Stack, prefix: &str) -> Vec<String> {
    let items = stack.items().await;
    let keys = items.iter().filter_map(|i| i["pk"].as_s().ok().cloned());
    keys.filter(|pk| pk.starts_with(prefix)).collect()
}

#[tokio::test]
async fn secrets_manager_reads_a_secret_and_a_missing_one_is_permanent() {
    let Some(config) = emulator().await else { return };
    let arn = create_secret(&config, &json!({"routing_key": "R0123"})).await;
    let secrets = SecretsManager::new(aws_sdk_secretsmanager::Client::new(&config));
    assert_eq!(secrets.secret(&arn).await.unwrap(), r#"{"routing_key":"R0123"}"#);
    let missing = secrets.secret(&unique("aidr/none")).await.unwrap_err();
    assert_eq!(missing.kind, FailureKind::Permanent, "{missing}");
}

#[tokio::test]
async fn detector_alerts_reach_slack_and_pagerduty_once_through_the_notifier() {
    let Some(config) = emulator().await else { return };
    let (stack, note) = stack_with_an_alert(&config, "debug").await;

    let (slack, pagerduty) = (Receiver::slack_webhook(), Receiver::pagerduty());
    let (env, notify_dlq) = slack_and_pagerduty_env(&config, &stack, &slack, &pagerduty).await;
    let mut notifier = Runtime::start(&function_binary("notifier", "debug"), &env);
    let event = sns_event(&note, &stack.topic_arn);
    let out = notifier.invoke(&event).ok();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(2), Some(0)),
        "{out}"
    );
    assert_eq!(slack.requests().len(), 1);
    let trigger = pagerduty.requests()[0].json();
    let finding: Value = serde_json::from_str(note["Message"].as_str().unwrap()).unwrap();
    assert_eq!(trigger["dedup_key"], finding["dedupe_key"]);
    assert_eq!(trigger["payload"]["severity"], "error");

    // SNS delivers at least once: the same notification again posts nothing.
    let out = notifier.invoke(&event).ok();
    assert_eq!(out["already_sent"], 2, "{out}");
    assert_eq!((slack.requests().len(), pagerduty.requests().len()), (1, 1));
    let marks = delivery_marks(&stack, "notify#").await;
    assert_eq!(marks.len(), 2, "{marks:?}");

    // What is not an alert is kept in the dead-letter queue with its message id.
    let mut bad = event.clone();
    bad["Records"][0]["Sns"]["Message"] = json!("{not an alert");
    bad["Records"][0]["Sns"]["MessageId"] = json!("m-bad");
    let out = notifier.invoke(&bad).ok();
    assert_eq!(out["dead_lettered"], 1, "{out}");
    let kept = receive_messages(&config, &notify_dlq, 1, Duration::from_secs(10)).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].body, "{not an alert");
    assert_eq!(kept[0].attributes["aidr_origin"], "m-bad");
}

#[tokio::test]
async fn a_plain_http_destination_is_an_init_error_naming_the_variable() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, false).await;
    let mut env = stack.detector_env();
    env.retain(|(k, _)| k.starts_with("AWS_"));
    env.extend([
        ("AIDR_STATE_TABLE", stack.table.clone()),
        ("AIDR_DEAD_LETTER_QUEUE_URL", stack.dead_letter_url.clone()),
        ("AIDR_PAGERDUTY_SECRET_ARN", "aidr/pagerduty".into()),
        (
            "AIDR_PAGERDUTY_EVENTS_URL",
            "http://events.pagerduty.com/v2/enqueue".into(),
        ),
    ]);
    let mut notifier = Runtime::start(&function_binary("notifier", "debug"), &env);
    let report = notifier.expect_init_error();
    assert_eq!(report["errorType"], "Runtime.ConfigError");
    let message = report["errorMessage"].as_str().unwrap();
    assert!(message.contains("AIDR_PAGERDUTY_EVENTS_URL"), "{message}");
}

/// The environment of a notifier on `stack` with one destination, set by `var` to `value`.
fn single_env(stack: &Stack, dead_letter_url: &str, var: &'static str, value: &str) -> Vec<(&'static str, String)> {
    let mut env = stack.detector_env();
    env.retain(|(k, _)| k.starts_with("AWS_"));
    env.extend([
        ("AIDR_STATE_TABLE", stack.table.clone()),
        ("AIDR_DEAD_LETTER_QUEUE_URL", dead_letter_url.to_owned()),
        (var, value.to_owned()),
    ]);
    env
}

/// The environment of a notifier that only publishes chat notifications, to `topic_arn`.
fn chat_env(stack: &Stack, dead_letter_url: &str, topic_arn: &str) -> Vec<(&'static str, String)> {
    single_env(stack, dead_letter_url, "AIDR_CHAT_TOPIC_ARN", topic_arn)
}

#[tokio::test]
async fn detector_alerts_reach_the_chat_topic_once_as_custom_notifications() {
    let Some(config) = emulator().await else { return };
    let (stack, note) = stack_with_an_alert(&config, "debug").await;
    let event = sns_event(&note, &stack.topic_arn);
    let finding: Value = serde_json::from_str(note["Message"].as_str().unwrap()).unwrap();

    // The channel's side: a topic, here read through a subscribed queue.
    let sns = aws_sdk_sns::Client::new(&config);
    let chat_topic = sns
        .create_topic()
        .name(unique("aidr-chat"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let (channel_url, channel_arn) = create_queue(&config, &unique("aidr-chat-channel")).await;
    sns.subscribe()
        .topic_arn(&chat_topic)
        .protocol("sqs")
        .endpoint(channel_arn)
        .send()
        .await
        .unwrap();
    let (notify_dlq, _) = create_queue(&config, &unique("aidr-notify-dlq")).await;
    let mut notifier = Runtime::start(
        &function_binary("notifier", "debug"),
        &chat_env(&stack, &notify_dlq, &chat_topic),
    );
    let out = notifier.invoke(&event).ok();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(1), Some(0)),
        "{out}"
    );
    let received = receive(&config, &channel_url, 1, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 1);
    let note: Value = serde_json::from_str(received[0]["Message"].as_str().unwrap()).unwrap();
    assert_eq!(
        (note["version"].as_str(), note["source"].as_str()),
        (Some("1.0"), Some("custom"))
    );
    let dedupe_key = finding["dedupe_key"].as_str().unwrap();
    assert_eq!(note["metadata"]["threadId"], chat::thread_id(dedupe_key).as_str());
    assert_eq!(note["metadata"]["additionalContext"]["ruleId"], finding["rule_id"]);

    // Delivered again, it is not published again.
    let out = notifier.invoke(&event).ok();
    assert_eq!(out["already_sent"], 1, "{out}");
    assert!(
        receive(&config, &channel_url, 0, Duration::from_secs(2))
            .await
            .is_empty()
    );

    // A topic that does not exist refuses for good: the message is dead-lettered at once.
    let region = config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let missing = format!("arn:aws:sns:{region}:123456789012:{}", unique("aidr-no-chat"));
    let mut notifier = Runtime::start(
        &function_binary("notifier", "debug"),
        &chat_env(&stack, &notify_dlq, &missing),
    );
    let mut other = event.clone();
    other["Records"][0]["Sns"]["MessageId"] = json!("m-other");
    let mut message: Value = serde_json::from_str(other["Records"][0]["Sns"]["Message"].as_str().unwrap()).unwrap();
    message["kind"] = json!("update");
    message["count"] = json!(2);
    other["Records"][0]["Sns"]["Message"] = json!(message.to_string());
    let out = notifier.invoke(&other).ok();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(0), Some(1)),
        "{out}"
    );
    let kept = receive_messages(&config, &notify_dlq, 1, Duration::from_secs(10)).await;
    assert_eq!(kept[0].attributes["aidr_origin"], "m-other");
    let reason = &kept[0].attributes["aidr_reason"];
    assert!(
        reason.starts_with(&format!("chat: SNS Publish to {missing}")),
        "{reason}"
    );
}

/// The findings Security Hub holds with the `Id` `id`.
async fn security_hub_findings(hub: &aws_sdk_securityhub::Client, id: &str) -> Vec<AwsSecurityFinding> {
    let out = hub.get_findings().max_results(100).send().await.unwrap();
    out.findings().iter().filter(|f| f.id() == Some(id)).cloned().collect()
}

#[tokio::test]
async fn detector_alerts_are_imported_into_security_hub_as_one_finding_per_incident() {
    let Some(config) = emulator().await else { return };
    let (stack, note) = stack_with_an_alert(&config, "debug").await;
    let event = sns_event(&note, &stack.topic_arn);
    let finding: Value = serde_json::from_str(note["Message"].as_str().unwrap()).unwrap();
    let hub = aws_sdk_securityhub::Client::new(&config);
    hub.enable_security_hub().send().await.unwrap();
    let (notify_dlq, _) = create_queue(&config, &unique("aidr-notify-dlq")).await;
    let env = single_env(&stack, &notify_dlq, "AIDR_SECURITY_HUB", "on");
    let mut notifier = Runtime::start(&function_binary("notifier", "debug"), &env);
    let out = notifier.invoke(&event).ok();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(1), Some(0)),
        "{out}"
    );
    let id = format!("aidr/{}", finding["dedupe_key"].as_str().unwrap());
    let imported = security_hub_findings(&hub, &id).await;
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].generator_id(), finding["rule_id"].as_str());
    assert_eq!(imported[0].aws_account_id(), finding["account"].as_str());
    assert_eq!(
        imported[0].product_fields().map(|p| p["aidr/Count"].as_str()),
        Some("1")
    );

    // Delivered again, it is not imported again; an update of the incident updates its finding.
    let out = notifier.invoke(&event).ok();
    assert_eq!(out["already_sent"], 1, "{out}");
    let mut update = event.clone();
    update["Records"][0]["Sns"]["MessageId"] = json!("m-update");
    let mut message = finding.clone();
    message["kind"] = json!("update");
    message["count"] = json!(3);
    update["Records"][0]["Sns"]["Message"] = json!(message.to_string());
    let out = notifier.invoke(&update).ok();
    assert_eq!(out["sent"], 1, "{out}");
    let imported = security_hub_findings(&hub, &id).await;
    assert_eq!(imported.len(), 1);
    assert_eq!(
        imported[0].product_fields().map(|p| p["aidr/Count"].as_str()),
        Some("3")
    );
    let marks = delivery_marks(&stack, "notify#securityhub#").await;
    assert_eq!(marks.len(), 2, "{marks:?}");
}
