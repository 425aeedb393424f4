//! Measures the release notifier next to a hello-world `lambda_runtime` function (the baseline,
//! same runtime crate and profile) in the same run: cold-start init time (process start to
//! first Runtime API request), and the time per alert delivered to Slack (incoming webhook)
//! and PagerDuty played by local receivers, with the delivery marks in DynamoDB (moto) and the
//! secrets in Secrets Manager (moto), against the same invocations answered by hello-world.
//! The alert is one the real detector published in the same run; each invocation carries it
//! with a new event id, so each is a new alert. Run through `scripts/measure-notifier`.

use std::time::Instant;

use aidr_e2e::notify::{create_secret, sns_event, stack_with_an_alert};
use aidr_e2e::runtime_api::{Reply, Runtime, function_binary};
use aidr_e2e::{create_queue, emulator, unique};
use aidr_testkit::receiver::Receiver;
use serde_json::{Value, json};

const COLD_STARTS: usize = 15;
const ALERTS: usize = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = emulator()
        .await
        .expect("run through scripts/measure-notifier (it starts moto)");
    let (stack, note) = stack_with_an_alert(&config, "release").await;
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
            let mut note = note.clone();
            note["Message"] = json!(alert.to_string());
            note["MessageId"] = json!(format!("m-{i}"));
            sns_event(&note, &stack.topic_arn)
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
