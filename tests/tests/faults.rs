//! Injected AWS faults: the fault proxy (`aidr_e2e::faults`) between the real SDK clients and
//! moto, first on its own, then under the real detector binary (one SDK attempt a call, as the
//! harness sets, so that each fault reaches the function; one case with the SDK's retries on).
//! Each case injects a fault once, delivers again what failed as Lambda and SQS do, and counts
//! the alerts that reached a queue subscribed to the topic: expected, delivered, duplicated,
//! lost (each case logs a `fault-row` line with them).

use std::collections::BTreeSet;
use std::time::Duration;

use aidr_e2e::faults::{Fault, FaultProxy, Rule, Times};
use aidr_e2e::runtime_api::{Reply, Runtime, detector_binary};
use aidr_e2e::{Stack, emulator, sample};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

/// A DynamoDB and an SNS client pointed at `proxy`, one attempt a call (set on the clients:
/// the environment's `AWS_ENDPOINT_URL` would win over the shared configuration's).
fn through(config: &aws_config::SdkConfig, proxy: &FaultProxy) -> (aws_sdk_dynamodb::Client, aws_sdk_sns::Client) {
    let retry = aws_config::retry::RetryConfig::standard().with_max_attempts(1);
    let ddb = aws_sdk_dynamodb::config::Builder::from(config)
        .endpoint_url(proxy.endpoint())
        .retry_config(retry.clone())
        .build();
    let sns = aws_sdk_sns::config::Builder::from(config)
        .endpoint_url(proxy.endpoint())
        .retry_config(retry)
        .build();
    (
        aws_sdk_dynamodb::Client::from_conf(ddb),
        aws_sdk_sns::Client::from_conf(sns),
    )
}

#[tokio::test]
async fn the_proxy_answers_faults_as_the_services_do_and_forwards_the_rest() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let proxy = FaultProxy::to_emulator();
    let (ddb, sns) = through(&config, &proxy);
    let put = |pk: &str| {
        ddb.put_item()
            .table_name(&stack.table)
            .item("pk", AttributeValue::S(pk.into()))
            .send()
    };
    proxy.inject(
        Rule::new("dynamodb", "PutItem", Fault::Throttling)
            .body_contains("event#")
            .times(Times::Once),
    );
    proxy.inject(Rule::new("dynamodb", "PutItem", Fault::ThroughputExceeded).times(Times::Once));
    let exceeded = put("dedupe#a").await.unwrap_err();
    assert_eq!(exceeded.code(), Some("ProvisionedThroughputExceededException"));
    let throttled = put("event#a").await.unwrap_err();
    assert_eq!(throttled.code(), Some("ThrottlingException"));
    put("event#a").await.unwrap();
    put("dedupe#a").await.unwrap();

    // The answer lost after the write: the item is there all the same.
    proxy.inject(Rule::new("dynamodb", "PutItem", Fault::ForwardThenFail(500)).times(Times::Once));
    let lost = put("event#lost").await.unwrap_err();
    assert_eq!(lost.code(), Some("InternalServerError"));
    let pks: Vec<String> = stack
        .items()
        .await
        .iter()
        .map(|i| i["pk"].as_s().unwrap().clone())
        .collect();
    assert!(pks.contains(&"event#lost".to_owned()), "{pks:?}");

    // A dropped connection is not an answer at all.
    proxy.inject(Rule::new("dynamodb", "PutItem", Fault::Drop).times(Times::Once));
    let dropped = put("event#dropped").await.unwrap_err();
    assert!(dropped.raw_response().is_none(), "{dropped:?}");

    // The query protocol's throttling (SNS).
    proxy.inject(Rule::new("sns", "Publish", Fault::Throttling).times(Times::Once));
    let publish = || sns.publish().topic_arn(&stack.topic_arn).message("m").send();
    assert_eq!(publish().await.unwrap_err().code(), Some("Throttling"));
    proxy.inject(Rule::new("sns", "Publish", Fault::Status(503)).times(Times::Once));
    let unavailable = publish().await.unwrap_err();
    assert_eq!(unavailable.raw_response().map(|r| r.status().as_u16()), Some(503));
    publish().await.unwrap();

    let faults: Vec<(String, Option<String>)> = proxy.calls().into_iter().map(|c| (c.operation, c.fault)).collect();
    let expected: Vec<(&str, Option<&str>)> = vec![
        ("PutItem", Some("throughput")),
        ("PutItem", Some("throttling")),
        ("PutItem", None),
        ("PutItem", None),
        ("PutItem", Some("forward-then-500")),
        ("PutItem", Some("drop")),
        ("Publish", Some("throttling")),
        ("Publish", Some("status-503")),
        ("Publish", None),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .into_iter()
        .map(|(o, f)| (o.to_owned(), f.map(str::to_owned)))
        .collect();
    assert_eq!(faults, expected);
}

/// A detector on `stack` whose AWS calls all go through a fresh proxy, with `attempts` SDK
/// attempts a call (`AWS_MAX_ATTEMPTS`).
fn start(stack: &Stack, attempts: u32) -> (FaultProxy, Runtime) {
    let proxy = FaultProxy::to_emulator();
    let mut env = stack.detector_env();
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL" && *k != "AWS_MAX_ATTEMPTS");
    env.push(("AWS_ENDPOINT_URL", proxy.endpoint()));
    env.push(("AWS_MAX_ATTEMPTS", attempts.to_string()));
    let rt = Runtime::start(&detector_binary("debug"), &env);
    (proxy, rt)
}

/// How many invocations Lambda-like retries may take before a case gives up.
const RETRIES: usize = 4;

/// The error type of a failed invocation.
fn error_type(reply: &Reply) -> Option<String> {
    match reply {
        Reply::Error(e) => Some(e["errorType"].as_str().unwrap_or("").to_owned()),
        Reply::Response(_) => None,
    }
}

/// Invokes with the EventBridge `event` as Lambda does: again while the invocation fails (at
/// most [`RETRIES`] times); returns the error types of the failed invocations.
fn deliver_event(rt: &mut Runtime, event: &Value) -> Vec<String> {
    let mut failed = Vec::new();
    for _ in 0..RETRIES {
        match rt.invoke(event) {
            Reply::Response(_) => return failed,
            reply => failed.push(error_type(&reply).unwrap_or_default()),
        }
    }
    panic!("still failing after {RETRIES} invocations: {failed:?}\n{}", rt.log())
}

/// An SQS batch of `(message id, body)`.
fn batch(messages: &[(String, Value)]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            json!({"messageId": id, "receiptHandle": format!("rh-{id}"), "body": body.to_string(),
                   "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:aidr-batch",
                   "awsRegion": "us-east-1", "attributes": {}, "messageAttributes": {}, "md5OfBody": ""})
        })
        .collect();
    json!({ "Records": records })
}

/// The message ids an SQS batch answer reports for retry.
fn failed_ids(reply: Reply) -> Vec<String> {
    let out = reply.ok();
    let mut ids: Vec<String> = out["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("not a batch answer: {out}"))
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Delivers an SQS batch as SQS does: the messages reported failed again, until none is (at
/// most [`RETRIES`] times); returns the ids reported failed by each invocation.
fn deliver_batch(rt: &mut Runtime, messages: &[(String, Value)]) -> Vec<Vec<String>> {
    let mut pending = messages.to_vec();
    let mut rounds = Vec::new();
    for _ in 0..RETRIES {
        let failed = failed_ids(rt.invoke(&batch(&pending)));
        if failed.is_empty() {
            return rounds;
        }
        pending.retain(|(id, _)| failed.contains(id));
        rounds.push(failed);
    }
    panic!("still failing after {RETRIES} invocations: {rounds:?}\n{}", rt.log())
}

/// What reached the topic's subscriber, against what should have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tally {
    expected: usize,
    delivered: usize,
    duplicated: usize,
    lost: usize,
}

/// Reads the alerts (`kind` alert) that reached the queue and counts them against `expected`
/// (one alert per rule id listed): delivered (distinct alerts of an expected rule), duplicated
/// (alerts beyond one per rule and event ids), lost (expected rules without an alert).
async fn tally(stack: &Stack, expected: &[&str]) -> Tally {
    let mut notes = stack.alerts(expected.len(), Duration::from_secs(15)).await;
    // Whatever comes after the expected ones is a duplicate (or a stray alert).
    notes.extend(stack.alerts(0, Duration::from_secs(2)).await);
    let alerts: Vec<(String, String)> = notes
        .iter()
        .map(|n| serde_json::from_str::<Value>(n["Message"].as_str().unwrap()).unwrap())
        .filter(|f| f["kind"] == "alert")
        .map(|f| (f["rule_id"].as_str().unwrap().to_owned(), f["event_ids"].to_string()))
        .collect();
    let distinct: BTreeSet<&(String, String)> = alerts.iter().collect();
    let delivered = expected
        .iter()
        .filter(|rule| distinct.iter().any(|(r, _)| r == *rule))
        .count();
    let stray: Vec<_> = distinct
        .iter()
        .filter(|(r, _)| !expected.contains(&r.as_str()))
        .collect();
    assert!(stray.is_empty(), "alerts no case expects: {stray:?}");
    Tally {
        expected: expected.len(),
        delivered,
        duplicated: alerts.len() - distinct.len(),
        lost: expected.len() - delivered,
    }
}

/// The tally of exactly one alert for each of `expected`.
fn once(expected: &[&str]) -> Tally {
    Tally {
        expected: expected.len(),
        delivered: expected.len(),
        duplicated: 0,
        lost: 0,
    }
}

/// Logs a row of the outcome table (`fault | call | expected | delivered | duplicated | lost`).
fn row(fault: &Fault, call: &str, t: Tally) {
    eprintln!(
        "fault-row | {} | {call} | {} | {} | {} | {}",
        fault.name(),
        t.expected,
        t.delivered,
        t.duplicated,
        t.lost
    );
}

const GUARDRAIL: &str = "bedrock.guardrail_deleted";
/// The rule `Converse-root.json` alerts on.
const ROOT: &str = "bedrock.invocation_long_term_key";

/// The claim of an alert's marker (an insert-if-absent of `event#…`).
fn claim(fault: Fault) -> Rule {
    Rule::new("dynamodb", "PutItem", fault)
        .body_contains("event#")
        .body_contains("attribute_not_exists")
}

/// The faults a DynamoDB or SNS call is put through: throttling, 5xx, a dropped connection,
/// an answer slower than the SDK's attempt timeout (the call is applied late, after the client
/// gave up), an answer lost after the call was applied.
fn call_faults() -> Vec<Fault> {
    vec![
        Fault::Throttling,
        Fault::ThroughputExceeded,
        Fault::Status(500),
        Fault::Status(503),
        Fault::Drop,
        Fault::Delay(Duration::from_secs(20)),
        Fault::ForwardThenFail(500),
    ]
}

/// Puts one EventBridge event through `rule` (its fault once): the first invocation fails,
/// the retries alert exactly once.
async fn event_case(config: &aws_config::SdkConfig, call: &str, rule: Rule) {
    let stack = Stack::create(config.clone(), true).await;
    let (proxy, mut rt) = start(&stack, 1);
    let fault = rule.fault.clone();
    proxy.inject(rule.times(Times::Once));
    let failures = deliver_event(&mut rt, &sample("bedrock/DeleteGuardrail.json"));
    assert_eq!(proxy.faulted(), 1, "{fault:?}: the fault was met");
    assert!(!failures.is_empty(), "{fault:?}: the first invocation fails for retry");
    let t = tally(&stack, &[GUARDRAIL]).await;
    row(&fault, call, t);
    assert_eq!(t, once(&[GUARDRAIL]), "{fault:?} on {call}\n{}", rt.log());
}

#[tokio::test]
async fn the_claim_write_failing_any_way_is_retried_and_alerts_once() {
    let Some(config) = emulator().await else { return };
    for fault in call_faults() {
        event_case(&config, "DynamoDB PutItem (claim)", claim(fault)).await;
    }
}

#[tokio::test]
async fn the_dedupe_window_write_failing_any_way_is_retried_and_alerts_once() {
    let Some(config) = emulator().await else { return };
    for fault in call_faults() {
        // A fresh window is opened with a conditional PutItem (after the UpdateItem that
        // finds none); a delayed or lost-answer open is applied all the same.
        let rule = Rule::new("dynamodb", "PutItem", fault).body_contains("dedupe#");
        event_case(&config, "DynamoDB PutItem (dedupe window)", rule).await;
    }
    let rule = Rule::new("dynamodb", "UpdateItem", Fault::Throttling).body_contains("dedupe#");
    event_case(&config, "DynamoDB UpdateItem (dedupe window)", rule).await;
}

#[tokio::test]
async fn sns_failing_after_dynamodb_succeeded_is_retried_and_alerts_once() {
    let Some(config) = emulator().await else { return };
    for fault in [Fault::Throttling, Fault::Status(500), Fault::Status(503), Fault::Drop] {
        event_case(&config, "SNS Publish", Rule::new("sns", "Publish", fault)).await;
    }
}

/// SNS applied the publish but its answer was lost (or came after the SDK gave up): the
/// detector cannot tell it from a failed publish, and publishes again on the retry. This is
/// the at-least-once side: the repeat carries the same `event_ids`, by which the notifier's
/// delivery marks drop it.
#[tokio::test]
async fn an_sns_answer_lost_after_the_publish_sends_the_alert_again_with_the_same_event_ids() {
    let Some(config) = emulator().await else { return };
    for fault in [Fault::ForwardThenFail(500), Fault::Delay(Duration::from_secs(6))] {
        let stack = Stack::create(config.clone(), true).await;
        let (proxy, mut rt) = start(&stack, 1);
        proxy.inject(Rule::new("sns", "Publish", fault.clone()).times(Times::Once));
        let failures = deliver_event(&mut rt, &sample("bedrock/DeleteGuardrail.json"));
        assert_eq!(failures, ["Aidr.AlertNotDelivered"], "{fault:?}");
        let t = tally(&stack, &[GUARDRAIL]).await;
        row(&fault, "SNS Publish", t);
        let twice = Tally {
            duplicated: 1,
            ..once(&[GUARDRAIL])
        };
        assert_eq!(t, twice, "{fault:?}");
    }
}

/// SNS published but the done marker could not be written (both tries): the invocation
/// succeeds (a retry could only send the alert again) and the marker stays "publishing". A
/// redelivery within `IN_FLIGHT_SECS` finds the publish in flight and is retried; one after it
/// takes the publish over and sends the alert again, with the same `event_ids`: the design
/// takes the at-least-once side (SNS standard topics take no idempotency key, so nothing
/// tells a publish that went out from one that did not). The clock moving on is simulated by
/// rewriting the marker's time in the table.
#[tokio::test]
async fn the_done_marker_failing_after_the_publish_is_at_least_once() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let (proxy, mut rt) = start(&stack, 1);
    let done = Fault::Status(500);
    let rule = Rule::new("dynamodb", "PutItem", done.clone())
        .body_contains("event#")
        .body_contains(r#"{"N":"-1"}"#)
        .times(Times::N(2));
    proxy.inject(rule);
    let event = sample("bedrock/DeleteGuardrail.json");
    let out = rt.invoke(&event).ok();
    assert_eq!(out["alerted"], 1, "{out}");
    assert_eq!(proxy.faulted(), 2);
    // A redelivery now: the publish is in flight.
    assert_eq!(
        error_type(&rt.invoke(&event)).as_deref(),
        Some("Aidr.AlertNotDelivered")
    );
    // Later than IN_FLIGHT_SECS: the marker's publish started long ago.
    let marker = format!("event#{}#{GUARDRAIL}", event["detail"]["eventID"].as_str().unwrap());
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let item = ddb
        .get_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S(marker.clone()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let started: i64 = item["v"].as_n().unwrap().parse::<i64>().unwrap().abs();
    ddb.update_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S(marker))
        .update_expression("SET v = :v")
        .expression_attribute_values(":v", AttributeValue::N((-(started - 400)).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(rt.invoke(&event).ok()["alerted"], 1);
    assert_eq!(rt.invoke(&event).ok()["duplicates"], 1, "then it is done");
    let t = tally(&stack, &[GUARDRAIL]).await;
    row(&done, "DynamoDB PutItem (done marker)", t);
    let twice = Tally {
        duplicated: 1,
        ..once(&[GUARDRAIL])
    };
    assert_eq!(t, twice);
}

/// Twelve denied Bedrock calls of one key: the probing detection's counter crosses its
/// threshold in one batch.
fn probes() -> Vec<(String, Value)> {
    let mut denied = sample("bedrock/InvokeModel.json");
    denied["detail"]["errorCode"] = json!("AccessDeniedException");
    (0..12)
        .map(|i| {
            denied["detail"]["eventID"] = json!(format!("probe-{i:02}"));
            (format!("m{i:02}"), denied.clone())
        })
        .collect()
}

const PROBING: &str = "bedrock.llmjacking_probing";

/// An SQS batch of [`probes`] through `rule` (its fault once): every message is retried (the
/// stateful detections judge them together), and the retry alerts exactly once.
async fn probing_case(config: &aws_config::SdkConfig, call: &str, rule: Rule) {
    let stack = Stack::create(config.clone(), true).await;
    let (proxy, mut rt) = start(&stack, 1);
    let fault = rule.fault.clone();
    proxy.inject(rule.times(Times::Once));
    let messages = probes();
    let rounds = deliver_batch(&mut rt, &messages);
    assert_eq!(proxy.faulted(), 1, "{fault:?}: the fault was met");
    let all: Vec<String> = messages.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(rounds.first(), Some(&all), "{fault:?}: the whole batch is retried");
    let t = tally(&stack, &[PROBING]).await;
    row(&fault, call, t);
    assert_eq!(t, once(&[PROBING]), "{fault:?} on {call}\n{}", rt.log());
}

#[tokio::test]
async fn the_stateful_counter_failing_any_way_is_retried_and_alerts_once() {
    let Some(config) = emulator().await else { return };
    for fault in call_faults() {
        // The counter starts with a conditional PutItem (after the UpdateItem that finds none).
        let rule = Rule::new("dynamodb", "PutItem", fault).body_contains("llm#probe#");
        probing_case(&config, "DynamoDB PutItem (stateful counter)", rule).await;
    }
}

#[tokio::test]
async fn sns_failing_on_a_stateful_alert_is_retried_and_alerts_once() {
    let Some(config) = emulator().await else { return };
    for fault in [Fault::Throttling, Fault::Status(503)] {
        probing_case(
            &config,
            "SNS Publish (stateful alert)",
            Rule::new("sns", "Publish", fault),
        )
        .await;
    }
}

#[tokio::test]
async fn in_an_sqs_batch_only_the_message_whose_claim_failed_is_retried() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let (proxy, mut rt) = start(&stack, 1);
    let guardrail = sample("bedrock/DeleteGuardrail.json");
    let root = sample("bedrock/Converse-root.json");
    let benign = sample("iam/AttachRolePolicy-readonly.json");
    let root_event = root["detail"]["eventID"].as_str().unwrap().to_owned();
    for fault in [Fault::Throttling, Fault::ThroughputExceeded] {
        proxy.inject(claim(fault).body_contains(&root_event).times(Times::Once));
    }
    let messages = vec![
        ("guardrail".to_owned(), guardrail),
        ("root".to_owned(), root),
        ("benign".to_owned(), benign),
    ];
    let rounds = deliver_batch(&mut rt, &messages);
    assert_eq!(rounds, [vec!["root".to_owned()], vec!["root".to_owned()]]);
    let rules = [ROOT, GUARDRAIL];
    let t = tally(&stack, &rules).await;
    row(
        &Fault::Throttling,
        "DynamoDB PutItem (claim of one message in a batch)",
        t,
    );
    assert_eq!(t, once(&rules), "{}", rt.log());
}

#[tokio::test]
async fn with_the_sdk_retrying_a_throttled_claim_the_first_invocation_alerts() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let (proxy, mut rt) = start(&stack, 3);
    proxy.inject(claim(Fault::Throttling).times(Times::N(2)));
    let out = rt.invoke(&sample("bedrock/DeleteGuardrail.json")).ok();
    assert_eq!(out["alerted"], 1, "{out}");
    assert_eq!(proxy.faulted(), 2);
    let t = tally(&stack, &[GUARDRAIL]).await;
    row(&Fault::Throttling, "DynamoDB PutItem (claim), SDK retries on", t);
    assert_eq!(t, once(&[GUARDRAIL]));
}

/// A call that does not answer within the invocation's time: the detector answers with a
/// failure of its own (`Aidr.OutOfTime`) before Lambda's deadline, not stopped half-way; the
/// retry alerts once. In an SQS batch, only the message not done is reported.
#[tokio::test]
async fn a_call_slower_than_the_time_left_fails_the_invocation_before_its_deadline() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let (proxy, mut rt) = start(&stack, 1);
    let event = sample("bedrock/DeleteGuardrail.json");
    // The SDK's attempt timeout (4 s) is longer than the 3 s left once the reserve is kept.
    let time = Duration::from_secs(5);
    proxy.inject(claim(Fault::Hang).times(Times::Once));
    let reply = rt.invoke_with_time(&event, time);
    assert_eq!(error_type(&reply).as_deref(), Some("Aidr.OutOfTime"), "{reply:?}");
    assert!(deliver_event(&mut rt, &event).is_empty());

    let root = sample("bedrock/Converse-root.json");
    let root_event = root["detail"]["eventID"].as_str().unwrap().to_owned();
    proxy.inject(claim(Fault::Hang).body_contains(&root_event).times(Times::Once));
    let messages = vec![
        ("benign".to_owned(), sample("iam/AttachRolePolicy-readonly.json")),
        ("root".to_owned(), root),
    ];
    let reply = rt.invoke_with_time(&batch(&messages), time);
    assert_eq!(failed_ids(reply), ["root"]);
    assert!(deliver_batch(&mut rt, &messages[1..]).is_empty());
    let rules = [ROOT, GUARDRAIL];
    let t = tally(&stack, &rules).await;
    row(&Fault::Hang, "DynamoDB PutItem (claim), 5 s left", t);
    assert_eq!(t, once(&rules), "{}", rt.log());
}

/// The stateful counter's write does not answer within the invocation's time: the batch's
/// sightings are taken back with the deliveries, every message is retried, and the retry (its
/// counter adding once per batch) alerts once.
#[tokio::test]
async fn a_stateful_batch_stopped_by_the_deadline_is_counted_again_and_alerts_once() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let (proxy, mut rt) = start(&stack, 1);
    let hang = Fault::Hang;
    let counter = Rule::new("dynamodb", "PutItem", hang.clone()).body_contains("llm#probe#");
    proxy.inject(counter.times(Times::Once));
    let messages = probes();
    let reply = rt.invoke_with_time(&batch(&messages), Duration::from_secs(5));
    let all: Vec<String> = messages.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(failed_ids(reply), all);
    assert!(deliver_batch(&mut rt, &messages).is_empty());
    let t = tally(&stack, &[PROBING]).await;
    row(&hang, "DynamoDB PutItem (stateful counter), 5 s left", t);
    assert_eq!(t, once(&[PROBING]), "{}", rt.log());
}
