//! The real detector binary, driven through the Lambda Runtime API, against DynamoDB, SNS and
//! SQS emulated by moto: alerts arrive in a queue subscribed to the topic.

use std::time::Duration;

use aidr_e2e::runtime_api::{Reply, Runtime, detector_binary};
use aidr_e2e::{Stack, emulator, sample};
use serde_json::{Value, json};

fn start(stack: &Stack) -> Runtime {
    Runtime::start(&detector_binary("debug"), &stack.detector_env())
}

#[tokio::test]
async fn risky_event_alerts_once_redelivery_is_silent_and_same_key_merges() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let mut rt = start(&stack);
    let event = sample("bedrock/DeleteGuardrail.json");

    let out = rt.invoke(&event).ok();
    assert_eq!(
        (out["findings"].as_u64(), out["alerted"].as_u64()),
        (Some(1), Some(1)),
        "{out}"
    );
    let alerts = stack.alerts(1, Duration::from_secs(10)).await;
    assert_eq!(alerts.len(), 1);
    let note = &alerts[0];
    assert_eq!(note["Subject"], "aidr HIGH: Bedrock guardrail deleted");
    let attr = |name: &str| {
        note["MessageAttributes"][name]["Value"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(
        [attr("severity"), attr("rule_id"), attr("area"), attr("account")],
        ["high", "bedrock.guardrail_deleted", "application", "111122223333"]
    );
    let finding: Value = serde_json::from_str(note["Message"].as_str().unwrap()).unwrap();
    assert_eq!(finding["rule_id"], "bedrock.guardrail_deleted");
    assert_eq!(finding["event_ids"], json!([event["detail"]["eventID"]]));
    assert!(finding["summary"].as_str().unwrap().contains("deleted guardrail"));

    // EventBridge delivers at least once: the same event again makes no second alert.
    let out = rt.invoke(&event).ok();
    assert_eq!(out["duplicates"], 1, "{out}");

    // Another event with the same dedupe key within the window: merged, counted.
    let mut second = event.clone();
    second["id"] = json!("6f1c2a8e-0000-4000-8000-000000000002");
    second["detail"]["eventID"] = json!("0f0e0d0c-0000-4000-8000-000000000002");
    let out = rt.invoke(&second).ok();
    assert_eq!(out["merged"], 1, "{out}");
    assert!(
        stack.alerts(0, Duration::from_secs(2)).await.is_empty(),
        "no further alert"
    );

    let items = stack.items().await;
    let window = items
        .iter()
        .find(|i| i["pk"].as_s().unwrap().starts_with("dedupe#"))
        .expect("dedupe window item");
    assert_eq!(window["count"].as_n().unwrap(), "2");
    let opener = format!(
        "{}#bedrock.guardrail_deleted",
        event["detail"]["eventID"].as_str().unwrap()
    );
    assert_eq!(
        window["first_event"].as_s().unwrap(),
        &opener,
        "opened by the first delivery"
    );
    assert!(items.iter().all(|i| i.contains_key("expires_at")), "every item expires");
}

#[tokio::test]
async fn benign_event_writes_and_sends_nothing() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let mut rt = start(&stack);
    let out = rt.invoke(&sample("iam/AttachRolePolicy-readonly.json")).ok();
    assert_eq!(
        (out["records"].as_u64(), out["findings"].as_u64()),
        (Some(1), Some(0)),
        "{out}"
    );
    assert!(stack.items().await.is_empty());
    assert!(stack.alerts(0, Duration::from_secs(2)).await.is_empty());
}

#[tokio::test]
async fn sqs_batch_dead_letters_the_malformed_message_and_alerts_the_rest() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let mut rt = start(&stack);
    let message = |id: &str, body: String| {
        json!({"messageId": id, "receiptHandle": format!("rh-{id}"), "body": body, "eventSource": "aws:sqs",
               "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:aidr-batch", "awsRegion": "us-east-1",
               "attributes": {}, "messageAttributes": {}, "md5OfBody": ""})
    };
    let batch = json!({"Records": [
        message("m1", sample("bedrock/InvokeModel-long-term-key.json").to_string()),
        message("m2", "{\"detail-type\": \"AWS API Call via CloudTrail\", \"detail\": {".into()),
        message("m3", sample("bedrock/Converse-root.json").to_string()),
        message("m4", sample("bedrock/InvokeModel.json").to_string()),
    ]});
    let out = rt.invoke(&batch).ok();
    assert_eq!(out["batchItemFailures"], json!([]), "nothing to retry: {out}");
    let dead = stack.dead_letters(1, Duration::from_secs(10)).await;
    assert_eq!(dead.len(), 1, "the malformed message is kept in the dead-letter queue");
    assert!(
        dead[0].body.ends_with("\"detail\": {"),
        "kept as received: {}",
        dead[0].body
    );
    assert_eq!(dead[0].attributes["aidr_origin"], "m2");
    assert!(
        dead[0].attributes["aidr_reason"].contains("unreadable event"),
        "{dead:?}"
    );
    let alerts = stack.alerts(2, Duration::from_secs(10)).await;
    let mut rules: Vec<String> = alerts
        .iter()
        .map(|n| n["MessageAttributes"]["rule_id"]["Value"].as_str().unwrap().to_owned())
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        ["bedrock.invocation_long_term_key", "bedrock.invocation_long_term_key"]
    );
    assert!(
        rt.log().contains("sent to the dead-letter queue"),
        "the dead letter is logged"
    );
}

#[tokio::test]
async fn missing_topic_dead_letters_the_event_and_its_replay_alerts_exactly_once() {
    let Some(config) = emulator().await else { return };
    let mut stack = Stack::create(config, false).await;
    let mut rt = start(&stack);
    let event = sample("iam/CreateAccessKey-root.json");
    // SNS answers NotFound: a retry cannot help, so the event goes to the dead-letter queue.
    let out = rt.invoke(&event).ok();
    assert_eq!(
        (out["dead_lettered"].as_u64(), out["alerted"].as_u64()),
        (Some(1), Some(0)),
        "{out}"
    );
    let dead = stack.dead_letters(1, Duration::from_secs(10)).await;
    assert_eq!(dead.len(), 1);
    assert!(dead[0].attributes["aidr_reason"].contains("not alerted"), "{dead:?}");
    // Once the topic exists, replaying the dead letter alerts exactly once.
    stack.create_topic().await;
    let replay: Value = serde_json::from_str(&dead[0].body).unwrap();
    assert_eq!(replay, event, "the dead letter is the event as received");
    let out = rt.invoke(&replay).ok();
    assert_eq!(out["alerted"], 1, "{out}");
    let out = rt.invoke(&replay).ok();
    assert_eq!(out["duplicates"], 1, "{out}");
    assert_eq!(stack.alerts(1, Duration::from_secs(10)).await.len(), 1);
    assert!(
        stack.alerts(0, Duration::from_secs(2)).await.is_empty(),
        "exactly one alert"
    );
}

#[tokio::test]
async fn unreachable_topic_fails_the_event_for_retry_and_the_retry_alerts_exactly_once() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let event = sample("iam/CreateAccessKey-root.json");
    // SNS cannot be reached (nothing listens on the port): a transient failure.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut env = stack.detector_env();
    env.push((
        "AWS_ENDPOINT_URL_SNS",
        format!("http://{}", closed.local_addr().unwrap()),
    ));
    drop(closed);
    let mut rt = Runtime::start(&detector_binary("debug"), &env);
    match rt.invoke(&event) {
        Reply::Error(e) => assert_eq!(e["errorType"], "Aidr.AlertNotDelivered", "{e}"),
        Reply::Response(v) => panic!("the invocation should fail for retry while SNS is unreachable: {v}"),
    }
    assert!(
        stack.dead_letters(0, Duration::from_secs(1)).await.is_empty(),
        "a transient failure is not dead-lettered"
    );
    // Lambda delivers the event again; SNS is back.
    let mut rt = start(&stack);
    let out = rt.invoke(&event).ok();
    assert_eq!(out["alerted"], 1, "{out}");
    assert_eq!(stack.alerts(1, Duration::from_secs(10)).await.len(), 1);
    assert!(
        stack.alerts(0, Duration::from_secs(2)).await.is_empty(),
        "exactly one alert"
    );
}

#[tokio::test]
async fn bad_configuration_is_reported_as_an_init_error() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let mut env = stack.detector_env();
    env.retain(|(k, _)| *k != "AIDR_STATE_TABLE");
    env.push(("AIDR_MIN_SEVERITY", "high".into()));
    let mut rt = Runtime::start(&detector_binary("debug"), &env);
    let report = rt.expect_init_error();
    assert_eq!(report["errorType"], "Runtime.ConfigError");
    assert!(
        report["errorMessage"]
            .as_str()
            .unwrap()
            .contains("AIDR_STATE_TABLE is not set"),
        "{report}"
    );

    let mut env = stack.detector_env();
    env.push(("AIDR_MIN_SEVERITY", "urgent".into()));
    let mut rt = Runtime::start(&detector_binary("debug"), &env);
    let report = rt.expect_init_error();
    assert!(
        report["errorMessage"]
            .as_str()
            .unwrap()
            .contains("AIDR_MIN_SEVERITY is invalid"),
        "{report}"
    );
}
