//! The organization trail through the real detector binary against moto: a gzip log file
//! written to the trail bucket notifies a queue (S3 event notification), and the detector,
//! invoked with the queue's messages as the SQS event source mapping would, streams the file
//! from S3 and alerts; an event seen live and in the trail alerts once; a corrupt file goes to
//! the dead-letter queue while the rest of the batch succeeds. And live events from two member
//! accounts, routed from each account's bus to the central bus, alert with their own account.

use std::time::Duration;

use aidr_e2e::cli::aidr_ok;
use aidr_e2e::respond::{member_config, sample_at};
use aidr_e2e::runtime_api::{Runtime, detector_binary};
use aidr_e2e::trail::{client, log_file, log_key, notifying_bucket, put, sqs_event};
use aidr_e2e::{Stack, create_queue, emulator, fresh_account, receive_messages, sample, unique};
use aidr_engine::{Registry, patterns};
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, Target};
use serde_json::Value;

/// The bodies of the notifications the bucket sent, the S3 test event left out.
async fn notifications(stack: &Stack, queue: &str, expected: usize) -> Vec<String> {
    let got = receive_messages(&stack.config, queue, expected + 1, Duration::from_secs(10)).await;
    let bodies: Vec<String> = got
        .into_iter()
        .map(|m| m.body)
        .filter(|b| !b.contains("s3:TestEvent"))
        .collect();
    assert_eq!(bodies.len(), expected, "{bodies:?}");
    bodies
}

fn alert_accounts(alerts: &[Value]) -> Vec<String> {
    let mut accounts: Vec<String> = alerts
        .iter()
        .map(|a| {
            a["MessageAttributes"]["account"]["Value"]
                .as_str()
                .unwrap_or("-")
                .to_owned()
        })
        .collect();
    accounts.sort();
    accounts
}

#[tokio::test]
async fn a_log_file_in_the_trail_bucket_alerts_once_even_when_seen_live_too() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let (bucket, queue) = notifying_bucket(&stack.config).await;
    let mut env = stack.detector_env();
    env.push(("AIDR_TRAIL_BUCKETS", bucket.clone()));
    let mut detector = Runtime::start(&detector_binary("debug"), &env);

    // Seen live first, from EventBridge.
    let live = sample("bedrock/DeleteGuardrail.json");
    assert_eq!(detector.invoke(&live).ok()["alerted"], 1);
    assert_eq!(stack.alerts(1, Duration::from_secs(10)).await.len(), 1);

    // Then in the trail, with an event EventBridge never delivered, a benign one, and a
    // digest file that is skipped.
    let unseen = sample_at("iam/AttachUserPolicy.json", "111122223333", "us-east-1");
    let benign = sample("iam/AttachRolePolicy-readonly.json");
    let records = [
        live["detail"].clone(),
        unseen["detail"].clone(),
        benign["detail"].clone(),
    ];
    let key = log_key("111122223333", "us-east-1", "2026/10/01", "a1");
    put(&stack.config, &bucket, &key, log_file(&records)).await;
    let digest = "AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/us-east-1/2026/10/01/d.json.gz";
    put(&stack.config, &bucket, digest, b"{}".to_vec()).await;
    let bodies = notifications(&stack, &queue, 2).await;
    let out = detector.invoke(&sqs_event(&bodies)).ok();
    assert_eq!(
        out["batchItemFailures"],
        serde_json::json!([]),
        "{out}\n{}",
        detector.log()
    );
    let alerts = stack.alerts(1, Duration::from_secs(10)).await;
    let rules: Vec<&str> = alerts
        .iter()
        .filter_map(|a| a["MessageAttributes"]["rule_id"]["Value"].as_str())
        .collect();
    assert_eq!(
        rules,
        ["iam.admin_policy_attached"],
        "only the event not seen live is new"
    );
    let log = detector.log();
    assert!(
        log.contains("object skipped") && log.contains("CloudTrail-Digest"),
        "{log}"
    );
}

#[tokio::test]
async fn a_corrupt_log_file_goes_to_the_dead_letter_queue_and_the_rest_of_the_batch_succeeds() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let (bucket, queue) = notifying_bucket(&stack.config).await;
    let mut detector = Runtime::start(&detector_binary("debug"), &stack.detector_env());
    let good = log_key("111122223333", "us-east-1", "2026/10/02", "good");
    let event = sample_at("bedrock/DeleteGuardrail.json", "111122223333", "us-east-1");
    put(&stack.config, &bucket, &good, log_file(&[event["detail"].clone()])).await;
    let corrupt = log_key("111122223333", "us-east-1", "2026/10/02", "corrupt");
    let mut bytes = log_file(&[event["detail"].clone()]);
    bytes.truncate(bytes.len() / 2);
    put(&stack.config, &bucket, &corrupt, bytes).await;
    let bodies = notifications(&stack, &queue, 2).await;
    // A notification of an object deleted since (S3 answers NoSuchKey).
    let mut missing: Value = serde_json::from_str(&bodies[0]).unwrap();
    missing["Records"][0]["s3"]["object"]["key"] = log_key("111122223333", "us-east-1", "2026/10/02", "gone").into();
    let mut batch = bodies.clone();
    batch.push(missing.to_string());
    let out = detector.invoke(&sqs_event(&batch)).ok();
    assert_eq!(
        out["batchItemFailures"],
        serde_json::json!([]),
        "nothing to retry: {out}"
    );
    assert_eq!(
        stack.alerts(1, Duration::from_secs(10)).await.len(),
        1,
        "the good file alerted"
    );
    let dead = stack.dead_letters(2, Duration::from_secs(10)).await;
    let reasons: Vec<&str> = dead.iter().map(|m| m.attributes["aidr_reason"].as_str()).collect();
    assert_eq!(dead.len(), 2, "{reasons:?}\n{}", detector.log());
    assert!(
        reasons
            .iter()
            .any(|r| r.contains(&format!("s3://{bucket}/{corrupt}")) && r.contains("gzip")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("gone") && r.contains("NoSuchKey")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn events_on_member_buses_reach_the_central_bus_and_alert_with_their_own_account() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let eb = aws_sdk_eventbridge::Client::new(&stack.config);
    let central_bus = unique("aidr-org");
    let bus_arn = eb
        .create_event_bus()
        .name(&central_bus)
        .send()
        .await
        .unwrap()
        .event_bus_arn
        .unwrap();
    let write_pattern = patterns::patterns(&Registry::builtin())["write"].to_string();
    let (to_detector, to_detector_arn) = create_queue(&stack.config, &unique("aidr-central")).await;
    let rule = unique("aidr-write");
    eb.put_rule()
        .name(&rule)
        .event_bus_name(&central_bus)
        .event_pattern(&write_pattern)
        .send()
        .await
        .unwrap();
    let target = Target::builder().id("detector").arn(to_detector_arn).build().unwrap();
    eb.put_targets()
        .rule(&rule)
        .event_bus_name(&central_bus)
        .targets(target)
        .send()
        .await
        .unwrap();

    // Two member accounts, each forwarding the catalog's pattern to the central bus, each with
    // the same change (same principal, same policy): one alert per account.
    let members = [fresh_account(), fresh_account()];
    for account in &members {
        let member = member_config(&stack.config, account, "aidr-test").await;
        let member_eb = aws_sdk_eventbridge::Client::new(&member);
        let forward = unique("aidr-forward");
        member_eb
            .put_rule()
            .name(&forward)
            .event_pattern(&write_pattern)
            .send()
            .await
            .unwrap();
        let target = Target::builder().id("central").arn(&bus_arn).build().unwrap();
        member_eb
            .put_targets()
            .rule(&forward)
            .targets(target)
            .send()
            .await
            .unwrap();
        let event = sample_at("iam/AttachUserPolicy.json", account, "us-east-1");
        let entry = PutEventsRequestEntry::builder()
            .source(event["source"].as_str().unwrap())
            .detail_type(event["detail-type"].as_str().unwrap())
            .detail(event["detail"].to_string())
            .build();
        let put = member_eb.put_events().entries(entry).send().await.unwrap();
        assert_eq!(put.failed_entry_count, 0);
    }
    let routed = receive_messages(&stack.config, &to_detector, 2, Duration::from_secs(10)).await;
    assert_eq!(routed.len(), 2, "both members' events reached the central bus's rule");
    let mut detector = Runtime::start(&detector_binary("debug"), &stack.detector_env());
    for message in &routed {
        let event: Value = serde_json::from_str(&message.body).unwrap();
        assert_eq!(detector.invoke(&event).ok()["alerted"], 1, "{}", detector.log());
    }
    let alerts = stack.alerts(2, Duration::from_secs(10)).await;
    let mut expected = members.to_vec();
    expected.sort();
    assert_eq!(alert_accounts(&alerts), expected);
}

/// `aidr backfill` over 50 log files, the back-test detector fed the queue's messages in
/// batches of ten as the event source mapping would: 50 done, the expected findings written
/// to the results bucket as OCSF, nobody alerted, and the progress what `aidr backfill status`
/// reports.
#[tokio::test]
async fn backfill_of_fifty_files_reports_fifty_done_and_the_expected_findings() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let trail = unique("org-trail");
    let results = unique("aidr-backtest");
    let s3 = client(&stack.config);
    for bucket in [&trail, &results] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
    }
    // Each file: one alerting record of its own, and a benign one.
    let benign = sample("iam/AttachRolePolicy-readonly.json")["detail"].clone();
    for i in 0..50 {
        let alerting = sample_at("bedrock/DeleteGuardrail.json", "111122223333", "us-east-1")["detail"].clone();
        let day = format!("2026/10/{:02}", 1 + i % 5);
        let key = log_key("111122223333", "us-east-1", &day, &format!("f{i}"));
        put(&stack.config, &trail, &key, log_file(&[alerting, benign.clone()])).await;
    }
    let (queue, _) = create_queue(&stack.config, &unique("aidr-backfill")).await;
    let run = unique("run");
    let (out, _) = aidr_ok(&[
        "backfill",
        "--bucket",
        &trail,
        "--prefix",
        "AWSLogs/",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-05",
        "--queue-url",
        &queue,
        "--table",
        &stack.table,
        "--run",
        &run,
    ]);
    assert!(out.contains("queued 50 of 50"), "{out}");

    let mut env = stack.detector_env();
    env.retain(|(k, _)| *k != "AIDR_ALERT_TOPIC_ARN");
    env.extend([
        ("AIDR_MODE", "backtest".to_owned()),
        ("AIDR_BACKTEST_BUCKET", results.clone()),
        ("AIDR_TRAIL_BUCKETS", trail.clone()),
    ]);
    let mut detector = Runtime::start(&detector_binary("debug"), &env);
    let messages = receive_messages(&stack.config, &queue, 50, Duration::from_secs(20)).await;
    assert_eq!(messages.len(), 50);
    let bodies: Vec<String> = messages.into_iter().map(|m| m.body).collect();
    for batch in bodies.chunks(10) {
        let out = detector.invoke(&sqs_event(batch)).ok();
        assert_eq!(
            out["batchItemFailures"],
            serde_json::json!([]),
            "{out}\n{}",
            detector.log()
        );
    }
    // A redelivery of a batch counts nothing twice.
    detector.invoke(&sqs_event(&bodies[..10])).ok();

    let (status, _) = aidr_ok(&["backfill", "status", &run, "--table", &stack.table, "--json"]);
    let status: Value = serde_json::from_str(&status).unwrap();
    let counts = ["queued", "done", "failed", "findings", "in_flight"].map(|k| status[k].as_i64());
    assert_eq!(counts, [Some(50), Some(50), Some(0), Some(50), Some(0)], "{status}");
    let listed = s3
        .list_objects_v2()
        .bucket(&results)
        .prefix(format!("findings/{run}/"))
        .send()
        .await
        .unwrap();
    let written: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    assert_eq!(written.len(), 50, "one findings object per log file");
    let object = s3.get_object().bucket(&results).key(&written[0]).send().await.unwrap();
    let text = String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap();
    let finding: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(finding["finding_info"]["title"], "Bedrock guardrail deleted");
    assert!(
        stack.alerts(0, Duration::from_secs(2)).await.is_empty(),
        "a back-test pages nobody"
    );
}
