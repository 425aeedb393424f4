//! Measures the release notifier next to a hello-world `lambda_runtime` function (the baseline,
//! same runtime crate and profile) in the same run: cold-start init time (process start to
//! first Runtime API request), and the time per alert delivered to Slack (incoming webhook)
//! and PagerDuty played by local receivers, with the delivery marks in DynamoDB (moto) and the
//! secrets in Secrets Manager (moto), against the same invocations answered by hello-world.
//! The alert is one the real detector published in the same run; each invocation carries it
//! with a new event id, so each is a new alert. Run through `scripts/measure-notifier`.

use std::time::{Duration, Instant};

use aidr_e2e::runtime_api::{Reply, Runtime, detector_binary, function_binary};
use aidr_e2e::{Stack, create_queue, emulator, sample, unique};
use aidr_testkit::receiver::Receiver;
use serde_json::{Value, json};

const COLD_STARTS: usize = 15;
const ALERTS: usize = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The SNS event Lambda gets for `message` (an alert's JSON) with message id `id`.
fn sns_event(message: &str, id: &str, topic_arn: &str) -> Value {
    json!({"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": format!("{topic_arn}:0b7e6a48-0000-4000-8000-000000000001"),
        "Sns": {"Type": "Notification", "MessageId": id, "TopicArn": topic_arn, "Subject": "aidr",
                "Message": message, "Timestamp": "2026-11-30T00:00:00.000Z", "SignatureVersion": "1",
                "Signature": "", "SigningCertUrl": "", "UnsubscribeUrl": "",
                "MessageAttributes": {"severity": {"Type": "String", "Value": "high"}}}
    }]})
}

async fn create_secret(config: &aws_config::SdkConfig, value: &Value) -> String {
    let client = aws_sdk_secretsmanager::Client::new(config);
    let created = client
        .create_secret()
        .name(unique("aidr/measure"))
        .secret_string(value.to_string());
    created.send().await.unwrap().arn.unwrap()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = emulator()
        .await
        .expect("run through scripts/measure-notifier (it starts moto)");
    let stack = Stack::create(config.clone(), true).await;
    let mut detector = Runtime::start(&detector_binary("release"), &stack.detector_env());
    match detector.invoke(&sample("bedrock/DeleteGuardrail.json")) {
        Reply::Response(out) => assert_eq!(out["alerted"], 1, "{out}"),
        Reply::Error(e) => panic!("the detector failed: {e}"),
    }
    let note = stack.alerts(1, Duration::from_secs(10)).await.remove(0);
    let alert: Value = serde_json::from_str(note["Message"].as_str().unwrap()).unwrap();

    let (slack, pagerduty) = (Receiver::slack_webhook(), Receiver::pagerduty());
    let slack_arn = create_secret(&config, &json!({"webhook_url": slack.url("/services/T0/B0/hook")})).await;
    let pagerduty_arn = create_secret(&config, &json!({"routing_key": "R0UTINGKEY0123456789012345678901"})).await;
    let (dlq, _) = create_queue(&config, &unique("aidr-measure-dlq")).await;
    let mut env = stack.detector_env();
    env.retain(|(k, _)| k.starts_with("AWS_"));
    env.extend([
        ("AIDR_STATE_TABLE", stack.table.clone()),
        ("AIDR_DEAD_LETTER_QUEUE_URL", dlq),
        ("AIDR_SLACK_SECRET_ARN", slack_arn),
        ("AIDR_PAGERDUTY_SECRET_ARN", pagerduty_arn),
        ("AIDR_PAGERDUTY_EVENTS_URL", pagerduty.url("/v2/enqueue")),
        ("AIDR_PAGERDUTY_MIN_SEVERITY", "high".into()),
    ]);
    let (notifier, hello) = (
        function_binary("notifier", "release"),
        function_binary("examples/hello", "release"),
    );

    let (mut init_notifier, mut init_hello) = (Vec::new(), Vec::new());
    for _ in 0..COLD_STARTS {
        init_notifier.push(Runtime::start(&notifier, &env).wait_ready().as_secs_f64() * 1000.0);
        init_hello.push(Runtime::start(&hello, &env).wait_ready().as_secs_f64() * 1000.0);
    }

    let events: Vec<Value> = (0..ALERTS)
        .map(|i| {
            let mut alert = alert.clone();
            alert["event_ids"] = json!([format!("measure-{i:06}")]);
            sns_event(&alert.to_string(), &format!("m-{i}"), &stack.topic_arn)
        })
        .collect();
    let mut per_alert = Vec::new();
    for binary in [&notifier, &hello] {
        let mut rt = Runtime::start(binary, &env);
        rt.wait_ready();
        // The first invocation reads the secrets: leave it out of the steady-state figure.
        let _ = rt.invoke(&events[0]);
        let start = Instant::now();
        for event in &events[1..] {
            if let Reply::Error(e) = rt.invoke(event) {
                panic!("{} failed: {e}\n{}", binary.display(), rt.log());
            }
        }
        per_alert.push(start.elapsed().as_secs_f64() * 1000.0 / (ALERTS - 1) as f64);
    }
    assert_eq!(slack.requests().len(), ALERTS, "every alert posted to Slack once");
    assert_eq!(pagerduty.requests().len(), ALERTS, "every alert sent to PagerDuty once");

    let (n, h) = (median(init_notifier), median(init_hello));
    println!("| measurement | notifier | hello-world baseline | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| cold-start init, median of {COLD_STARTS} (ms) | {n:.1} | {h:.1} | {:.1}x |",
        n / h
    );
    println!(
        "| per alert, Slack and PagerDuty, mean of {} invocations (ms) | {:.2} | {:.2} | {:.1}x |",
        ALERTS - 1,
        per_alert[0],
        per_alert[1],
        per_alert[0] / per_alert[1]
    );
}
