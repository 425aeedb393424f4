//! The stack's EventBridge patterns (generated from the catalog, the same text the template
//! holds) put on moto's EventBridge: CloudTrail-shaped events are routed to the right queue,
//! events no rule consumes and custom-source copies are not.

use std::time::Duration;

use aidr_e2e::{create_queue, emulator, receive, sample, unique};
use aidr_engine::{Registry, patterns};
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, Target};
use serde_json::Value;

/// "source:eventName" of every event routed to the queue within a few seconds, sorted.
async fn drain(config: &aws_config::SdkConfig, url: &str) -> Vec<String> {
    let events = receive(config, url, 0, Duration::from_secs(3)).await;
    let mut names: Vec<String> = events
        .iter()
        .map(|v| {
            format!(
                "{}:{}",
                v["source"].as_str().unwrap_or("?"),
                v["detail"]["eventName"].as_str().unwrap_or("?")
            )
        })
        .collect();
    names.sort();
    names
}

fn entry(bus: &str, envelope: &Value, source: &str) -> PutEventsRequestEntry {
    PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(source)
        .detail_type(envelope["detail-type"].as_str().unwrap())
        .detail(envelope["detail"].to_string())
        .build()
}

#[tokio::test]
async fn template_patterns_route_only_what_the_rules_consume() {
    let Some(config) = emulator().await else { return };
    let eb = aws_sdk_eventbridge::Client::new(&config);
    let bus = unique("aidr-bus");
    eb.create_event_bus().name(&bus).send().await.unwrap();
    let patterns = patterns::patterns(&Registry::builtin());
    let mut queues = Vec::new();
    for which in ["write", "read"] {
        let (url, arn) = create_queue(&config, &unique(&format!("aidr-{which}"))).await;
        let rule = unique(&format!("aidr-{which}"));
        eb.put_rule()
            .name(&rule)
            .event_bus_name(&bus)
            .event_pattern(patterns[which].to_string())
            .send()
            .await
            .unwrap();
        let target = Target::builder().id("queue").arn(arn).build().unwrap();
        eb.put_targets()
            .rule(&rule)
            .event_bus_name(&bus)
            .targets(target)
            .send()
            .await
            .unwrap();
        queues.push(url);
    }

    let risky = sample("bedrock/DeleteGuardrail.json");
    let iam = sample("iam/AttachUserPolicy.json");
    let invoke = sample("bedrock/InvokeModel-long-term-key.json");
    let mut unrelated = sample("bedrock/DeleteGuardrail.json");
    unrelated["detail"]["eventName"] = "ListGuardrails".into();
    let entries = vec![
        entry(&bus, &risky, "aws.bedrock"),
        entry(&bus, &iam, "aws.iam"),
        entry(&bus, &invoke, "aws.bedrock"),
        entry(&bus, &unrelated, "aws.bedrock"),
        // A custom event that copies a CloudTrail record must not reach the detector.
        entry(&bus, &risky, "custom.bedrock"),
    ];
    let out = eb.put_events().set_entries(Some(entries)).send().await.unwrap();
    assert_eq!(out.failed_entry_count, 0);

    assert_eq!(
        drain(&config, &queues[0]).await,
        ["aws.bedrock:DeleteGuardrail", "aws.iam:AttachUserPolicy"]
    );
    assert_eq!(drain(&config, &queues[1]).await, ["aws.bedrock:InvokeModel"]);
}
