//! The notifier's handler end to end in process: real HTTP to local receivers that answer like
//! Slack and PagerDuty, the in-memory state store, recording chat topics, Security Hub and
//! dead-letter queue, and secrets from a map.

use std::time::Duration;

use aidr_engine::alerting::AlertKind;
use aidr_engine::notify::chat;
use aidr_engine::ports::{FailureKind, MemoryStore, StateStore};
use aidr_engine::{Finding, Severity, Subject};
use aidr_testkit::flaky::{FlakyStore, StoreOp};
use aidr_testkit::receiver::{Receiver, Reply};
use aidr_testkit::recording::{RecordingDeadLetters, RecordingHub, RecordingTopics};
use aidr_testkit::samples::sample_findings;
use aidr_testkit::secrets::MapSecrets;
use aidr_testkit::sns::{alert_message, response_message, sns_event};
use notifier::config::{ChatConfig, NotifierConfig, PagerDutyConfig, SecurityHubConfig, SlackConfig};
use notifier::delivery::RetryPolicy;
use notifier::handler::{HandlerError, Notifier};
use serde_json::{Value, json};
use tokio::time::Instant;

const SLACK_ARN: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:aidr/slack-AbCdEf";
const PAGERDUTY_ARN: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:aidr/pagerduty-AbCdEf";
const CHAT_TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:aidr-chat";
const NOW: i64 = 1_800_000_000;

type TestNotifier<S = MemoryStore> = Notifier<S, RecordingDeadLetters, MapSecrets, RecordingTopics, RecordingHub>;

struct World<S = MemoryStore> {
    slack: Receiver,
    pagerduty: Receiver,
    notifier: TestNotifier<S>,
}

/// Slack through a webhook (`bot` false) or the Web API with a bot token, and PagerDuty.
fn world(bot: bool) -> World {
    world_with_chat(bot, None)
}

/// [`world`], and chat notifications to [`CHAT_TOPIC`] from `chat_min_severity` up when given.
fn world_with_chat(bot: bool, chat_min_severity: Option<Severity>) -> World {
    world_on(bot, chat_min_severity, MemoryStore::default())
}

/// [`world_with_chat`] on the state store `store`.
fn world_on<S: StateStore>(bot: bool, chat_min_severity: Option<Severity>, store: S) -> World<S> {
    let slack = if bot {
        Receiver::slack_api()
    } else {
        Receiver::slack_webhook()
    };
    world_with(slack, Receiver::pagerduty(), bot, chat_min_severity, store)
}

/// A notifier posting to the receivers `slack` and `pagerduty`.
fn world_with<S: StateStore>(
    slack: Receiver,
    pagerduty: Receiver,
    bot: bool,
    chat_min_severity: Option<Severity>,
    store: S,
) -> World<S> {
    let config = NotifierConfig {
        table: "aidr-state".into(),
        dead_letter_queue_url: "https://sqs.us-east-1.amazonaws.com/111122223333/aidr-notify-dlq".into(),
        slack: Some(SlackConfig {
            secret_arn: SLACK_ARN.into(),
            api_url: slack.url("/api"),
            min_severity: Severity::Low,
        }),
        pagerduty: Some(PagerDutyConfig {
            secret_arn: PAGERDUTY_ARN.into(),
            events_url: pagerduty.url("/v2/enqueue"),
            min_severity: Severity::High,
        }),
        chat: chat_min_severity.map(|min_severity| ChatConfig {
            topic_arn: CHAT_TOPIC.into(),
            min_severity,
        }),
        securityhub: None,
    };
    let secrets = MapSecrets::default();
    let slack_secret = if bot {
        json!({"bot_token": "xoxb-test-1", "channel": "C0AIDR"})
    } else {
        json!({"webhook_url": slack.url("/services/T0/B0/hook")})
    };
    secrets.put(SLACK_ARN, &slack_secret.to_string());
    secrets.put(PAGERDUTY_ARN, r#"{"routing_key":"R0UTINGKEY0123456789012345678901"}"#);
    let mut notifier = Notifier::new(
        &config,
        store,
        RecordingDeadLetters::default(),
        secrets,
        RecordingTopics::default(),
        RecordingHub::default(),
        reqwest::Client::new(),
    );
    notifier.retry = RetryPolicy {
        backoff: Duration::from_millis(5),
        reserve: Duration::from_millis(200),
        ..RetryPolicy::default()
    };
    World {
        slack,
        pagerduty,
        notifier,
    }
}

/// A high finding (a Bedrock guardrail deleted).
fn high() -> Finding {
    sample_findings("events/bedrock/DeleteGuardrail.json").remove(0)
}

/// `f` as reported on another CloudTrail event (same dedupe key, another alert message).
fn on_event(mut f: Finding, event_id: &str) -> Finding {
    if let Subject::Events(evidence) = &mut f.subject {
        evidence.event_ids = vec![event_id.to_owned()];
    }
    f
}

fn message(f: &Finding, kind: AlertKind, count: i64) -> String {
    alert_message(f, kind, count)
}

/// An SNS event with one message, as Lambda delivers it.
fn sns(message_id: &str, message: &str) -> String {
    sns_event(&[(message_id, message)])
}

async fn invoke_within(w: &World, payload: &str, time: Duration) -> Result<Value, HandlerError> {
    w.notifier.handle(payload, Instant::now() + time, NOW).await
}

async fn invoke(w: &World, payload: &str) -> Result<Value, HandlerError> {
    invoke_within(w, payload, Duration::from_secs(30)).await
}

#[tokio::test]
async fn a_high_finding_reaches_slack_and_pagerduty_with_the_mapped_severity() {
    let w = world(false);
    let f = high();
    let out = invoke(&w, &sns("m-1", &message(&f, AlertKind::Alert, 1)))
        .await
        .unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(2), Some(0))
    );
    let slack = w.slack.requests();
    assert_eq!((slack.len(), slack[0].path.as_str()), (1, "/services/T0/B0/hook"));
    let body = slack[0].json();
    assert!(body["text"].as_str().unwrap().contains("HIGH"), "{body}");
    assert!(body["blocks"].as_array().is_some_and(|b| !b.is_empty()));
    let pagerduty = w.pagerduty.requests();
    assert_eq!(pagerduty.len(), 1);
    let event = pagerduty[0].json();
    assert_eq!(event["event_action"], "trigger");
    assert_eq!(event["payload"]["severity"], "error");
    assert_eq!(event["dedup_key"], f.dedupe_key.as_str());
    assert_eq!(event["routing_key"], "R0UTINGKEY0123456789012345678901");
    // A critical one maps to critical.
    let mut critical = on_event(high(), "ev-critical");
    critical.severity = Severity::Critical;
    invoke(&w, &sns("m-2", &message(&critical, AlertKind::Alert, 1)))
        .await
        .unwrap();
    assert_eq!(w.pagerduty.requests()[1].json()["payload"]["severity"], "critical");
}

#[tokio::test]
async fn a_low_finding_goes_to_slack_only() {
    let w = world(false);
    let mut f = high();
    f.severity = Severity::Low;
    let out = invoke(&w, &sns("m-1", &message(&f, AlertKind::Alert, 1)))
        .await
        .unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["below_minimum"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 0));
}

#[tokio::test]
async fn the_same_sns_message_again_posts_nothing() {
    let w = world(true);
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    invoke(&w, &event).await.unwrap();
    let again = invoke(&w, &event).await.unwrap();
    assert_eq!(
        (again["sent"].as_u64(), again["already_sent"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 1));
    // Another message about the same finding (an update) is a new message.
    invoke(&w, &sns("m-2", &message(&high(), AlertKind::Update, 4)))
        .await
        .unwrap();
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (2, 2));
}

#[tokio::test]
async fn a_rate_limit_waits_retry_after_and_then_posts_once() {
    let w = world(false);
    w.slack.queue(Reply::too_many(1));
    let started = std::time::Instant::now();
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    let out = invoke(&w, &event).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(out["sent"], 2);
    assert_eq!(w.slack.requests().len(), 2);
    invoke(&w, &event).await.unwrap();
    assert_eq!(w.slack.requests().len(), 2);
}

#[tokio::test]
async fn a_rate_limit_longer_than_the_time_left_fails_the_invocation_and_the_retry_posts_once() {
    let w = world(false);
    w.slack.queue(Reply::too_many(60));
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    let err = invoke_within(&w, &event, Duration::from_secs(5)).await.unwrap_err();
    assert!(
        matches!(&err, HandlerError::Retry { why, .. } if why.starts_with("slack:")),
        "{err}"
    );
    let diagnostic: lambda_runtime::Diagnostic = err.into();
    assert_eq!(diagnostic.error_type, "Aidr.NotificationNotDelivered");
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 1));
    assert!(w.notifier.dead_letters.kept().is_empty());
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!((out["sent"].as_u64(), out["already_sent"].as_u64()), (Some(1), Some(1)));
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (2, 1));
}

#[tokio::test]
async fn later_alerts_and_updates_of_a_dedupe_key_reply_in_the_first_messages_thread() {
    let w = world(true);
    let f = high();
    invoke(&w, &sns("m-1", &message(&f, AlertKind::Alert, 1)))
        .await
        .unwrap();
    invoke(&w, &sns("m-2", &message(&f, AlertKind::Update, 5)))
        .await
        .unwrap();
    let mut worse = on_event(high(), "ev-worse");
    worse.severity = Severity::Critical;
    invoke(&w, &sns("m-3", &message(&worse, AlertKind::Alert, 1)))
        .await
        .unwrap();
    invoke(&w, &sns("m-4", &message(&worse, AlertKind::Update, 9)))
        .await
        .unwrap();
    let requests = w.slack.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_eq!(r.path, "/api/chat.postMessage");
        assert_eq!(r.header("authorization"), Some("Bearer xoxb-test-1"));
    }
    let bodies: Vec<Value> = requests.iter().map(|r| r.json()).collect();
    assert_eq!(bodies[0]["channel"], "C0AIDR");
    assert_eq!(bodies[0].get("thread_ts"), None);
    assert_eq!(bodies[1]["thread_ts"], "1700000000.000001");
    assert_eq!(bodies[1].get("reply_broadcast"), None);
    assert!(
        bodies[1]["text"].as_str().unwrap().contains("update"),
        "{}",
        bodies[1]["text"]
    );
    // The severity rose: the reply is broadcast to the channel, once.
    assert_eq!(bodies[2]["thread_ts"], "1700000000.000001");
    assert_eq!(bodies[2]["reply_broadcast"], true);
    assert_eq!(bodies[3]["thread_ts"], "1700000000.000001");
    assert_eq!(bodies[3].get("reply_broadcast"), None);
}

#[tokio::test]
async fn a_revoked_webhook_sends_the_message_to_the_dead_letter_queue_without_retry_loops() {
    let w = world(false);
    w.slack.answer_with(|_| Reply::text(404, "no_service"));
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(1), Some(1))
    );
    // Tried once more with the secret read again (it may have been rotated), then kept.
    assert_eq!(w.slack.requests().len(), 2);
    let kept = w.notifier.dead_letters.kept();
    assert_eq!((kept.len(), kept[0].origin.as_str()), (1, "m-1"));
    assert_eq!(
        kept[0].reason,
        "slack: the webhook answered HTTP 404: no_service (refused again after the secret was read again)"
    );
    assert!(serde_json::from_str::<Value>(&kept[0].body).unwrap()["rule_id"].is_string());
    assert!(!kept[0].reason.contains("/services/"));
    // Delivered again, it is not posted or dead-lettered again.
    invoke(&w, &event).await.unwrap();
    assert_eq!((w.slack.requests().len(), w.notifier.dead_letters.kept().len()), (2, 1));
}

#[tokio::test]
async fn an_unknown_channel_or_a_bad_routing_key_is_dead_lettered_for_that_destination_only() {
    let w = world(true);
    w.slack
        .answer_with(|_| Reply::json(200, &json!({"ok": false, "error": "channel_not_found"})));
    w.pagerduty.answer_with(|_| {
        Reply::json(400, &json!({"status": "invalid event", "message": "Event object is invalid", "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)"]}))
    });
    let out = invoke(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1)))
        .await
        .unwrap();
    assert_eq!(out["dead_lettered"], 2);
    let reasons: Vec<String> = w.notifier.dead_letters.kept().into_iter().map(|k| k.reason).collect();
    assert_eq!(
        reasons[0],
        "slack: chat.postMessage answered channel_not_found (refused again after the secret was read again)"
    );
    assert!(
        reasons[1].starts_with("pagerduty: the Events API answered HTTP 400"),
        "{}",
        reasons[1]
    );
    // Each tried once more with its secret read again, then kept.
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (2, 2));
}

#[tokio::test]
async fn pagerduty_down_neither_stops_nor_repeats_the_slack_post() {
    let w = world(false);
    w.pagerduty.answer_with(|_| Reply::text(503, "unavailable"));
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    let err = invoke(&w, &event).await.unwrap_err();
    assert!(
        matches!(&err, HandlerError::Retry { why, .. } if why.starts_with("pagerduty:")),
        "{err}"
    );
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 4));
    w.pagerduty.answer_with(|r| {
        let key = r.json()["dedup_key"].clone();
        Reply::json(202, &json!({"status": "success", "dedup_key": key}))
    });
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!((out["sent"].as_u64(), out["already_sent"].as_u64()), (Some(1), Some(1)));
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 5));
}

#[tokio::test]
async fn a_refused_token_reads_the_secret_again() {
    let w = world(true);
    w.slack
        .queue(Reply::json(200, &json!({"ok": false, "error": "token_revoked"})));
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    // The secret was rotated after the first read.
    w.notifier.secrets.get(SLACK_ARN, false).await.unwrap();
    w.notifier
        .secrets
        .store()
        .put(SLACK_ARN, r#"{"bot_token":"xoxb-test-2","channel":"C0AIDR"}"#);
    invoke(&w, &event).await.unwrap();
    let auth: Vec<Option<String>> = w
        .slack
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        auth,
        [Some("Bearer xoxb-test-1".into()), Some("Bearer xoxb-test-2".into())]
    );
    // Cached from then on: later messages read no secret.
    let reads = w.notifier.secrets.store().reads();
    invoke(&w, &sns("m-2", &message(&high(), AlertKind::Update, 2)))
        .await
        .unwrap();
    assert_eq!(w.notifier.secrets.store().reads(), reads);
}

#[tokio::test]
async fn what_is_not_an_alert_goes_to_the_dead_letter_queue_with_its_message_id() {
    let w = world(false);
    let out = invoke(&w, &sns("m-bad", "{not json")).await.unwrap();
    assert_eq!(out["dead_lettered"], 1);
    invoke(&w, &sns("m-shape", r#"{"kind":"alert","count":1,"rule_id":7}"#))
        .await
        .unwrap();
    invoke(&w, r#"{"detail-type":"something else"}"#).await.unwrap();
    invoke(&w, r#"{"Records":[{"Sns":{"MessageId":"m-none"}}]}"#)
        .await
        .unwrap();
    let kept = w.notifier.dead_letters.kept();
    let origins: Vec<&str> = kept.iter().map(|k| k.origin.as_str()).collect();
    assert_eq!(origins, ["m-bad", "m-shape", "event", "record 0"]);
    assert_eq!(kept[0].body, "{not json");
    assert!(kept[1].reason.starts_with("not an aidr alert"), "{}", kept[1].reason);
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (0, 0));
    // When the dead-letter queue is down, the invocation fails so nothing is lost.
    w.notifier.dead_letters.set_outage(Some(FailureKind::Transient));
    assert!(invoke(&w, &sns("m-bad-2", "[]")).await.is_err());
}

#[tokio::test]
async fn a_server_error_is_retried_within_the_invocation() {
    let w = world(false);
    w.slack.queue(Reply::text(500, "oops"));
    w.slack.queue(Reply::text(502, "bad gateway"));
    let out = invoke(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1)))
        .await
        .unwrap();
    assert_eq!(out["sent"], 2);
    assert_eq!(w.slack.requests().len(), 3);
}

/// The chat notifications published so far, as JSON; all to [`CHAT_TOPIC`].
fn chat_notifications(w: &World) -> Vec<Value> {
    let kept = w.notifier.topics.kept();
    assert!(kept.iter().all(|m| m.topic == CHAT_TOPIC), "{kept:?}");
    kept.iter().map(|m| serde_json::from_str(&m.message).unwrap()).collect()
}

#[tokio::test]
async fn chat_notifications_keep_an_incident_in_one_thread_and_are_published_once() {
    let w = world_with_chat(false, Some(Severity::Low));
    let f = high();
    let first = sns("m-1", &message(&f, AlertKind::Alert, 1));
    let out = invoke(&w, &first).await.unwrap();
    assert_eq!(out["sent"], 3, "{out}");
    invoke(
        &w,
        &sns("m-2", &message(&on_event(high(), "ev-2"), AlertKind::Alert, 1)),
    )
    .await
    .unwrap();
    invoke(&w, &sns("m-3", &message(&f, AlertKind::Update, 4)))
        .await
        .unwrap();
    let notes = chat_notifications(&w);
    assert_eq!(notes.len(), 3);
    for note in &notes {
        assert_eq!(
            (note["version"].as_str(), note["source"].as_str()),
            (Some("1.0"), Some("custom"))
        );
        assert_eq!(note["metadata"]["threadId"], chat::thread_id(&f.dedupe_key).as_str());
        assert!(
            note["content"]["title"].as_str().unwrap().starts_with("[HIGH] "),
            "{note}"
        );
    }
    assert_eq!(notes[0], chat::notification(&f, &chat::thread_id(&f.dedupe_key)));
    assert_ne!(notes[0]["id"], notes[1]["id"]);
    // The update is a message of its own, saying how often the incident was seen.
    assert_ne!(notes[2]["id"], notes[0]["id"]);
    assert_eq!(notes[2]["metadata"]["additionalContext"]["update"], "seen 4 times");
    // Delivered again, a message publishes nothing.
    let again = invoke(&w, &first).await.unwrap();
    assert_eq!(
        (again["sent"].as_u64(), again["already_sent"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(chat_notifications(&w).len(), 3);
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (3, 3));
}

#[tokio::test]
async fn chat_takes_only_findings_from_its_minimum_severity() {
    let w = world_with_chat(false, Some(Severity::Critical));
    let out = invoke(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1)))
        .await
        .unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["below_minimum"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(w.notifier.topics.kept().is_empty());
}

#[tokio::test]
async fn a_chat_topic_down_neither_stops_nor_repeats_the_slack_post() {
    let w = world_with_chat(false, Some(Severity::Low));
    w.notifier.topics.set_outage(Some(FailureKind::Transient));
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    let err = invoke(&w, &event).await.unwrap_err();
    assert!(
        matches!(&err, HandlerError::Retry { why, .. } if why.starts_with("chat: topic unavailable")),
        "{err}"
    );
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 1));
    assert!(w.notifier.dead_letters.kept().is_empty());
    w.notifier.topics.set_outage(None);
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!((out["sent"].as_u64(), out["already_sent"].as_u64()), (Some(1), Some(2)));
    assert_eq!(chat_notifications(&w).len(), 1);
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 1));
}

#[tokio::test]
async fn a_chat_topic_refusing_for_good_dead_letters_the_message_once() {
    let w = world_with_chat(false, Some(Severity::Low));
    w.notifier.topics.set_outage(Some(FailureKind::Permanent));
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(2), Some(1))
    );
    let kept = w.notifier.dead_letters.kept();
    assert_eq!((kept.len(), kept[0].origin.as_str()), (1, "m-1"));
    assert_eq!(kept[0].reason, "chat: topic unavailable");
    // Settled: delivered again, nothing is published, posted or dead-lettered again.
    w.notifier.topics.set_outage(None);
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!(out["already_sent"], 3, "{out}");
    assert!(w.notifier.topics.kept().is_empty());
    assert_eq!(w.notifier.dead_letters.kept().len(), 1);
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 1));
}

async fn handle<S: StateStore>(w: &World<S>, payload: &str) -> Value {
    w.notifier
        .handle(payload, Instant::now() + Duration::from_secs(30), NOW)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rotated_webhook_or_routing_key_is_picked_up_without_a_cold_start() {
    let slack = Receiver::start(|r| match r.path.contains("/old") {
        true => Reply::text(404, "no_service"),
        false => Reply::text(200, "ok"),
    });
    let pagerduty = Receiver::start(
        |r| match r.json()["routing_key"] == "NEWKEY00000000000000000000000000" {
            true => Reply::json(202, &json!({"status": "success"})),
            false => Reply::json(
                400,
                &json!({"status": "invalid event", "errors": ["Invalid routing key"]}),
            ),
        },
    );
    let old_hook = json!({"webhook_url": slack.url("/services/old")}).to_string();
    let new_hook = json!({"webhook_url": slack.url("/services/new")}).to_string();
    let w = world_with(slack, pagerduty, false, None, MemoryStore::default());
    // A warm instance holds the old webhook and routing key; both are then rotated.
    let secrets = &w.notifier.secrets;
    secrets.store().put(SLACK_ARN, &old_hook);
    secrets.get(SLACK_ARN, false).await.unwrap();
    secrets.get(PAGERDUTY_ARN, false).await.unwrap();
    secrets.store().put(SLACK_ARN, &new_hook);
    secrets
        .store()
        .put(PAGERDUTY_ARN, r#"{"routing_key":"NEWKEY00000000000000000000000000"}"#);
    let out = handle(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1))).await;
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(2), Some(0)),
        "{out}"
    );
    let paths: Vec<String> = w.slack.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/services/old", "/services/new"]);
    assert_eq!(w.pagerduty.requests().len(), 2);
    assert!(w.notifier.dead_letters.kept().is_empty());
}

#[tokio::test]
async fn slacks_rate_limited_answer_waits_instead_of_dead_lettering() {
    let w = world(true);
    w.slack
        .queue(Reply::json(200, &json!({"ok": false, "error": "rate_limited"})));
    let out = handle(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1))).await;
    assert_eq!(out["dead_lettered"], 0, "{out}");
    assert_eq!(w.slack.requests().len(), 2, "waited, then posted");
}

#[tokio::test]
async fn a_state_table_refusing_for_good_does_not_silence_alerts() {
    let store = FlakyStore::default();
    store.fail_next(StoreOp::Get, FailureKind::Permanent);
    store.fail_next(StoreOp::Get, FailureKind::Permanent);
    let w = world_on(false, None, store);
    let out = handle(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1))).await;
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(2), Some(0)),
        "{out}"
    );
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 1));

    // With a bot token, a thread that cannot be read means a post at the top of the channel.
    let store = FlakyStore::default();
    let w = world_on(true, None, store);
    w.notifier.store.fail_next(StoreOp::Get, FailureKind::Permanent); // Slack's mark
    w.notifier.store.fail_next(StoreOp::Get, FailureKind::Permanent); // PagerDuty's mark
    w.notifier.store.fail_next(StoreOp::Get, FailureKind::Permanent); // the thread
    let out = handle(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1))).await;
    assert_eq!(out["dead_lettered"], 0, "{out}");
    assert_eq!(w.slack.requests().len(), 1);
}

#[tokio::test]
async fn concurrent_first_alerts_of_an_incident_share_one_thread() {
    let w = world(true);
    let (a, b) = (on_event(high(), "ev-a"), on_event(high(), "ev-b"));
    let (first, second) = (
        sns("m-a", &message(&a, AlertKind::Alert, 1)),
        sns("m-b", &message(&b, AlertKind::Update, 2)),
    );
    let (ra, rb) = tokio::join!(handle(&w, &first), handle(&w, &second));
    assert_eq!(
        (ra["dead_lettered"].as_u64(), rb["dead_lettered"].as_u64()),
        (Some(0), Some(0))
    );
    let posts: Vec<Value> = w.slack.requests().iter().map(|r| r.json()).collect();
    assert_eq!(posts.len(), 2, "{posts:?}");
    let top: Vec<&Value> = posts.iter().filter(|p| p.get("thread_ts").is_none()).collect();
    assert_eq!(top.len(), 1, "one message starts the thread, the other replies in it");
}

/// Slack through a webhook and PagerDuty as in [`world`], and Security Hub from
/// `min_severity` up.
fn world_with_security_hub(min_severity: Severity) -> World {
    let mut w = world(false);
    w.notifier.securityhub = Some(SecurityHubConfig { min_severity });
    w
}

#[tokio::test]
async fn each_message_is_imported_into_security_hub_once() {
    let w = world_with_security_hub(Severity::Low);
    let f = high();
    let event = sns("m-1", &message(&f, AlertKind::Alert, 1));
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(3), Some(0))
    );
    let imported = w.notifier.hub.imported();
    assert_eq!(imported.len(), 1);
    let asff = &imported[0];
    assert_eq!(asff["GeneratorId"], f.rule_id.as_str());
    assert_eq!(asff["Id"], format!("aidr/{}", f.dedupe_key).as_str());
    assert_eq!(
        asff["ProductArn"],
        format!(
            "arn:aws:securityhub:{0}:{1}:product/{1}/default",
            f.region.as_deref().unwrap(),
            f.account.as_deref().unwrap()
        )
        .as_str()
    );
    assert_eq!(asff["ProductFields"]["aidr/Count"], "1");
    assert_eq!(asff["UpdatedAt"], aidr_engine::time::format_secs(NOW).as_str());
    // Delivered again, it is not imported again.
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!((out["sent"].as_u64(), out["already_sent"].as_u64()), (Some(0), Some(3)));
    assert_eq!(w.notifier.hub.imported().len(), 1);
}

#[tokio::test]
async fn a_response_is_not_imported_into_security_hub() {
    let w = world_with_security_hub(Severity::Low);
    let f = high();
    invoke(&w, &sns("m-1", &message(&f, AlertKind::Alert, 1)))
        .await
        .unwrap();
    let response = response_message(
        &f,
        1,
        "stop-notebook-instance (dry-run): would call sagemaker:StopNotebookInstance",
    );
    invoke(&w, &sns("m-2", &response)).await.unwrap();
    assert_eq!(w.notifier.hub.imported().len(), 1, "only the alert");
}

#[tokio::test]
async fn an_update_imports_the_same_security_hub_finding_with_the_new_count() {
    let w = world_with_security_hub(Severity::Low);
    invoke(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1)))
        .await
        .unwrap();
    let later = on_event(high(), "ev-later");
    invoke(&w, &sns("m-2", &message(&later, AlertKind::Update, 5)))
        .await
        .unwrap();
    let imported = w.notifier.hub.imported();
    assert_eq!(imported.len(), 2);
    assert_eq!(imported[0]["Id"], imported[1]["Id"]);
    assert_eq!(imported[1]["ProductFields"]["aidr/Count"], "5");
    assert_eq!(imported[1]["ProductFields"]["aidr/EventIds"], "ev-later");
    assert_eq!(
        imported[1]["LastObservedAt"],
        aidr_engine::time::format_secs(NOW).as_str()
    );
    assert_eq!(imported[0]["FirstObservedAt"], imported[1]["FirstObservedAt"]);
}

#[tokio::test]
async fn security_hub_takes_only_findings_from_its_minimum_severity() {
    let w = world_with_security_hub(Severity::Critical);
    let out = invoke(&w, &sns("m-1", &message(&high(), AlertKind::Alert, 1)))
        .await
        .unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["below_minimum"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(w.notifier.hub.imported().is_empty());
}

#[tokio::test]
async fn a_finding_security_hub_finds_invalid_is_dead_lettered_for_that_destination_only() {
    let w = world_with_security_hub(Severity::Low);
    w.notifier
        .hub
        .set_refusal(Some(("InvalidInput", FailureKind::Permanent)));
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(2), Some(1))
    );
    let kept = w.notifier.dead_letters.kept();
    assert_eq!((kept.len(), kept[0].origin.as_str()), (1, "m-1"));
    assert!(
        kept[0]
            .reason
            .starts_with("securityhub: Security Hub refused finding aidr/"),
        "{}",
        kept[0].reason
    );
    assert!(kept[0].reason.contains("InvalidInput"), "{}", kept[0].reason);
    // Settled: delivered again, nothing is imported, posted or dead-lettered again.
    w.notifier.hub.set_refusal(None);
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!(out["already_sent"], 3, "{out}");
    assert!(w.notifier.hub.imported().is_empty());
    assert_eq!(w.notifier.dead_letters.kept().len(), 1);
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 1));
}

#[tokio::test]
async fn security_hub_throttling_retries_the_event_without_repeating_other_destinations() {
    let w = world_with_security_hub(Severity::Low);
    w.notifier
        .hub
        .set_refusal(Some(("ThrottlingException", FailureKind::Transient)));
    let event = sns("m-1", &message(&high(), AlertKind::Alert, 1));
    let err = invoke(&w, &event).await.unwrap_err();
    assert!(
        matches!(&err, HandlerError::Retry { why, .. } if why.starts_with("securityhub: Security Hub refused finding")),
        "{err}"
    );
    assert!(w.notifier.dead_letters.kept().is_empty());
    // Down as a whole, the same.
    w.notifier.hub.set_refusal(None);
    w.notifier.hub.set_outage(Some(FailureKind::Transient));
    assert!(invoke(&w, &event).await.is_err());
    w.notifier.hub.set_outage(None);
    let out = invoke(&w, &event).await.unwrap();
    assert_eq!((out["sent"].as_u64(), out["already_sent"].as_u64()), (Some(1), Some(2)));
    assert_eq!(w.notifier.hub.imported().len(), 1);
    assert_eq!((w.slack.requests().len(), w.pagerduty.requests().len()), (1, 1));
}

#[tokio::test]
async fn findings_of_other_regions_are_imported_into_the_alert_topics_region() {
    let w = world_with_security_hub(Severity::Low);
    let mut f = high();
    f.region = Some("eu-west-1".into());
    invoke(&w, &sns("m-1", &message(&f, AlertKind::Alert, 1)))
        .await
        .unwrap();
    let asff = &w.notifier.hub.imported()[0];
    assert_eq!(
        asff["ProductArn"],
        "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default"
    );
    assert_eq!(asff["Region"], "eu-west-1");
}

#[tokio::test]
async fn a_finding_without_an_account_is_dead_lettered_for_security_hub() {
    let w = world_with_security_hub(Severity::Low);
    let mut f = high();
    f.account = None;
    let out = invoke(&w, &sns("m-1", &message(&f, AlertKind::Alert, 1)))
        .await
        .unwrap();
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(2), Some(1))
    );
    let reason = &w.notifier.dead_letters.kept()[0].reason;
    assert!(reason.starts_with("securityhub: finding "), "{reason}");
    assert!(w.notifier.hub.imported().is_empty());
}

#[tokio::test]
async fn a_response_replies_in_the_incidents_thread_and_reaches_the_pager() {
    let w = world(true);
    let f = high();
    handle(&w, &sns("m-1", &message(&f, AlertKind::Alert, 1))).await;
    let response = response_message(&f, 1, "deactivated access key AKIA… of <@U123> (dry run)");
    let out = handle(&w, &sns("m-2", &response)).await;
    assert_eq!(
        (out["sent"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(2), Some(0)),
        "{out}"
    );
    let posts: Vec<Value> = w.slack.requests().iter().map(|r| r.json()).collect();
    assert_eq!(posts.len(), 2);
    let reply = &posts[1];
    assert!(reply["thread_ts"].is_string(), "in the alert's thread: {reply}");
    let text = reply.to_string();
    assert!(
        text.contains("deactivated access key") && text.contains("&lt;@U123&gt;"),
        "{text}"
    );
    let pages = w.pagerduty.requests();
    assert_eq!(pages.len(), 2);
    let trigger = pages[1].json();
    assert_eq!(trigger["dedup_key"], f.dedupe_key.as_str(), "the same incident");
    let summary = trigger["payload"]["summary"].as_str().unwrap();
    assert!(summary.contains(": Response: deactivated access key"), "{summary}");
}

#[tokio::test]
async fn each_response_to_an_alert_is_posted_once() {
    let w = world(true);
    let f = high();
    handle(&w, &sns("m-1", &message(&f, AlertKind::Alert, 1))).await;
    let response = |line: &str| response_message(&f, 1, line);
    let key = response("deactivate-access-key (enforce): called iam:UpdateAccessKey [action act-1]");
    let user = response("quarantine-user (enforce): called iam:AttachUserPolicy [action act-2]");
    handle(&w, &sns("m-2", &key)).await;
    handle(&w, &sns("m-3", &user)).await;
    // The same SNS message again (a redelivery) posts nothing.
    let out = handle(&w, &sns("m-3", &user)).await;
    assert_eq!(out["sent"], 0, "{out}");
    let posts: Vec<String> = w.slack.requests().iter().map(|r| r.json().to_string()).collect();
    assert_eq!(posts.len(), 3, "the alert and both responses");
    assert!(posts[1].contains("act-1") && posts[2].contains("act-2"), "{posts:?}");
}
