//! The real notifier binary, fed the alert the real detector published, under the faults Slack
//! and PagerDuty really produce (played by local receivers with scripted replies): rate limits
//! with `Retry-After`, server errors, dropped connections, refusals for good, a reply slower
//! than the invocation's time; the state table throttled (through the fault proxy); and the
//! same alert published twice. Lambda's retries are played by invoking the failed event again.
//!
//! What is counted: the requests each destination took (answered 2xx, see
//! [`Receiver::accepted`]), against the messages that should reach it.

use std::time::Duration;

use aidr_e2e::faults::{Fault, FaultProxy, Rule, Times};
use aidr_e2e::notify::{
    create_secret, republished, slack_and_pagerduty_env, sns_event, stack_with_an_alert, update_event,
};
use aidr_e2e::runtime_api::{Reply as Outcome, Runtime, TIMED_OUT, function_binary};
use aidr_e2e::{Stack, emulator, receive_messages};
use aidr_testkit::receiver::{Receiver, Reply};
use aws_config::SdkConfig;
use serde_json::{Value, json};

/// The error type of a notifier invocation that failed for a retry.
const RETRY_ERROR: &str = "Aidr.NotificationNotDelivered";

/// A stack whose detector alerted once, the alert's SNS event, Slack (an incoming webhook) and
/// PagerDuty receivers, and a notifier's environment sending to both.
struct Setup {
    config: SdkConfig,
    stack: Stack,
    event: Value,
    slack: Receiver,
    pagerduty: Receiver,
    env: Vec<(&'static str, String)>,
    dead_letters: String,
}

impl Setup {
    async fn new() -> Option<Setup> {
        let config = emulator().await?;
        let (stack, note) = stack_with_an_alert(&config, "debug").await;
        let event = sns_event(&note, &stack.topic_arn);
        let (slack, pagerduty) = (Receiver::slack_webhook(), Receiver::pagerduty());
        let (env, dead_letters) = slack_and_pagerduty_env(&config, &stack, &slack, &pagerduty).await;
        Some(Setup {
            config,
            stack,
            event,
            slack,
            pagerduty,
            env,
            dead_letters,
        })
    }

    fn notifier(&self) -> Runtime {
        Runtime::start(&function_binary("notifier", "debug"), &self.env)
    }

    /// How many requests (received, taken) Slack and PagerDuty have seen.
    fn seen(&self) -> [(usize, usize); 2] {
        [&self.slack, &self.pagerduty].map(|r| (r.requests().len(), r.accepted().len()))
    }
}

/// The error an invocation reported for a retry (not Lambda's timeout); its message.
fn retry_error(outcome: Outcome) -> String {
    match outcome {
        Outcome::Error(e) => {
            assert_eq!(e["errorType"], RETRY_ERROR, "{e}");
            assert_ne!(e["errorType"], TIMED_OUT);
            e["errorMessage"].as_str().unwrap_or("").to_owned()
        }
        Outcome::Response(r) => panic!("expected a failure for a retry, got {r}"),
    }
}

/// `(sent, already_sent, dead_lettered, failed)` of a summary.
fn counts(out: &Value) -> [u64; 4] {
    ["sent", "already_sent", "dead_lettered", "failed"].map(|k| out[k].as_u64().unwrap_or(u64::MAX))
}

#[tokio::test]
async fn rate_limits_are_waited_out_or_retried_and_each_message_arrives_once() {
    let Some(s) = Setup::new().await else { return };
    let mut notifier = s.notifier();
    // Retry-After within the time left: waited out in the invocation.
    s.slack.queue(Reply::too_many(1));
    s.slack.queue(Reply::too_many(1));
    s.pagerduty.queue(Reply::too_many(1));
    let out = notifier.invoke(&s.event).ok();
    assert_eq!(counts(&out), [2, 0, 0, 0], "{out}");
    assert_eq!(s.seen(), [(3, 1), (2, 1)]);

    // Retry-After beyond the time left: the invocation fails at once (PagerDuty, not limited,
    // has the update), and Lambda's retry sends only to Slack.
    let update = update_event(&s.event, 2);
    s.slack.queue(Reply::too_many(600));
    let why = retry_error(notifier.invoke_with_time(&update, Duration::from_secs(20)));
    assert!(why.contains(": slack: ") && why.contains("does not fit"), "{why}");
    assert_eq!(s.seen(), [(4, 1), (3, 2)]);
    let out = notifier.invoke(&update).ok();
    assert_eq!(counts(&out), [1, 1, 0, 0], "{out}");
    assert_eq!(
        s.seen(),
        [(5, 2), (3, 2)],
        "each of the 2 messages once per destination"
    );
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_retried_until_delivered_once() {
    let Some(s) = Setup::new().await else { return };
    let mut notifier = s.notifier();
    // Passing errors: retried in the invocation.
    s.slack.queue(Reply::text(503, "service unavailable"));
    s.slack.queue(Reply::text(500, "internal error"));
    s.pagerduty.queue(Reply::hang_up());
    let out = notifier.invoke(&s.event).ok();
    assert_eq!(counts(&out), [2, 0, 0, 0], "{out}");
    assert_eq!(s.seen(), [(3, 1), (2, 1)]);

    // Slack down for longer than the attempts: the invocation fails, PagerDuty has the update.
    let update = update_event(&s.event, 2);
    s.slack.answer_with(|_| Reply::text(500, "internal error"));
    let why = retry_error(notifier.invoke(&update));
    assert!(why.contains("HTTP 500") && why.contains("(4 attempts)"), "{why}");
    assert_eq!(s.seen(), [(7, 1), (3, 2)]);
    // Slack back: Lambda's retry sends to Slack only; a redelivery after that sends nothing.
    s.slack.answer_with(|_| Reply::text(200, "ok"));
    let out = notifier.invoke(&update).ok();
    assert_eq!(counts(&out), [1, 1, 0, 0], "{out}");
    let out = notifier.invoke(&update).ok();
    assert_eq!(counts(&out), [0, 2, 0, 0], "{out}");
    assert_eq!(
        s.seen(),
        [(8, 2), (3, 2)],
        "each of the 2 messages once per destination"
    );
}

#[tokio::test]
async fn permanent_refusals_are_dead_lettered_at_once_with_their_reason() {
    let Some(s) = Setup::new().await else { return };
    let mut notifier = s.notifier();
    let invalid = json!({"status": "invalid event", "message": "Event object is invalid", "errors": ["'routing_key' is invalid"]});
    let cases = [
        (s.event.clone(), 403, "invalid_token", "HTTP 403: invalid_token"),
        (update_event(&s.event, 2), 404, "no_service", "HTTP 404: no_service"),
        (
            update_event(&s.event, 3),
            400,
            "invalid_payload",
            "HTTP 400: invalid_payload",
        ),
    ];
    for (n, (event, status, said, expected)) in cases.into_iter().enumerate() {
        s.slack.answer_with(move |_| Reply::text(status, said));
        let body = invalid.clone();
        let pd_status = if status == 403 { 404 } else { 400 };
        s.pagerduty.answer_with(move |_| Reply::json(pd_status, &body));
        let out = notifier.invoke(&event).ok();
        assert_eq!(counts(&out), [0, 0, 2, 0], "{status}: {out}");
        // One more try each, with the secret read again (it may have been rotated); no retry.
        assert_eq!(s.seen(), [(2 * n + 2, 0), (2 * n + 2, 0)], "{status}");
        let kept = receive_messages(&s.config, &s.dead_letters, 2, Duration::from_secs(10)).await;
        let origin = event["Records"][0]["Sns"]["MessageId"].as_str().unwrap();
        let mut reasons: Vec<&str> = kept.iter().map(|m| m.attributes["aidr_reason"].as_str()).collect();
        reasons.sort_unstable();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(
            reasons[0].starts_with("pagerduty: the Events API answered HTTP "),
            "{reasons:?}"
        );
        assert!(reasons[0].contains("Event object is invalid"), "{reasons:?}");
        assert!(
            reasons[1].starts_with(&format!("slack: the webhook answered {expected}")),
            "{reasons:?}"
        );
        assert!(kept.iter().all(|m| m.attributes["aidr_origin"] == origin));
        // Redelivered, it is neither sent nor dead-lettered again.
        let out = notifier.invoke(&event).ok();
        assert_eq!(counts(&out), [0, 2, 0, 0], "{status}: {out}");
    }
    assert_eq!(s.seen(), [(6, 0), (6, 0)]);
    let more = receive_messages(&s.config, &s.dead_letters, 0, Duration::from_secs(2)).await;
    assert!(more.is_empty(), "{more:?}");
}

#[tokio::test]
async fn a_reply_slower_than_the_time_left_fails_the_invocation_before_its_deadline() {
    let Some(s) = Setup::new().await else { return };
    let mut notifier = s.notifier();
    // Slack takes the message but answers after the invocation's deadline.
    s.slack.queue(Reply::text(200, "ok").after(Duration::from_secs(20)));
    let why = retry_error(notifier.invoke_with_time(&s.event, Duration::from_secs(8)));
    assert!(why.contains(": slack: timed out"), "{why}");
    assert_eq!(s.seen(), [(1, 1), (1, 1)]);
    // Lambda's retry: PagerDuty is not sent again. Slack is: the notifier cannot know that
    // the request it gave up on was taken (Slack takes no idempotency key), and it delivers
    // at least once rather than risk losing the alert.
    let out = notifier.invoke(&s.event).ok();
    assert_eq!(counts(&out), [1, 1, 0, 0], "{out}");
    assert_eq!(s.seen(), [(2, 2), (1, 1)]);
}

#[tokio::test]
async fn the_same_alert_published_twice_is_posted_once_even_when_delivered_at_once() {
    let Some(s) = Setup::new().await else { return };
    let mut first = s.notifier();
    // One after the other: the second publication finds the delivery marks.
    let out = first.invoke(&s.event).ok();
    assert_eq!(counts(&out), [2, 0, 0, 0], "{out}");
    let out = first.invoke(&republished(&s.event, "m-again")).ok();
    assert_eq!(counts(&out), [0, 2, 0, 0], "{out}");
    assert_eq!(s.seen(), [(1, 1), (1, 1)]);

    // At the same time, to two instances, while the destinations are slow to answer: one
    // sends, the other fails for a retry, which then finds the message sent.
    let update = update_event(&s.event, 2);
    let twice = [update.clone(), republished(&update, "m-update-again")];
    s.slack
        .answer_with(|_| Reply::text(200, "ok").after(Duration::from_secs(3)));
    s.pagerduty
        .answer_with(|_| Reply::json(202, &json!({"status": "success"})).after(Duration::from_secs(3)));
    let mut second = s.notifier();
    first.wait_ready();
    second.wait_ready();
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let runs = [(&mut first, &twice[0]), (&mut second, &twice[1])]
            .map(|(notifier, event)| scope.spawn(move || notifier.invoke(event)));
        runs.map(|run| run.join().unwrap()).into()
    });
    // Each instance may win one destination and lose the other: every loser fails for a
    // retry, and the retry finds both sent. (The replies take 3 s: the two overlap.)
    let mut lost = 0;
    for (outcome, (notifier, event)) in outcomes
        .into_iter()
        .zip([(&mut first, &twice[0]), (&mut second, &twice[1])])
    {
        match outcome {
            Outcome::Response(out) => assert_eq!(counts(&out)[2..], [0, 0], "{out}"),
            failed => {
                let why = retry_error(failed);
                assert!(why.contains("another delivery of this message is sending it"), "{why}");
                lost += 1;
                let out = notifier.invoke(event).ok();
                assert_eq!(counts(&out), [0, 2, 0, 0], "{out}");
            }
        }
    }
    assert!(lost >= 1, "the two deliveries ran at the same time");
    assert_eq!(
        s.seen(),
        [(2, 2), (2, 2)],
        "each of the 2 messages once per destination"
    );
}

#[tokio::test]
async fn a_throttled_delivery_mark_sends_nothing_until_the_retry_sends_once() {
    let Some(s) = Setup::new().await else { return };
    let proxy = FaultProxy::to_emulator();
    let mut env = s.env.clone();
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL", proxy.endpoint()));
    let mut notifier = Runtime::start(&function_binary("notifier", "debug"), &env);
    // The claim on Slack's mark throttled: Slack is not sent to, PagerDuty is.
    proxy.inject(
        Rule::new("dynamodb", "PutItem", Fault::Throttling)
            .body_contains("notify#slack#")
            .times(Times::Once),
    );
    let why = retry_error(notifier.invoke(&s.event));
    assert!(why.contains(": slack: the delivery mark: "), "{why}");
    assert_eq!(s.seen(), [(0, 0), (1, 1)]);
    let out = notifier.invoke(&s.event).ok();
    assert_eq!(counts(&out), [1, 1, 0, 0], "{out}");
    assert_eq!(s.seen(), [(1, 1), (1, 1)]);
    assert_eq!(proxy.faulted(), 1);
    let marks: Vec<String> = s
        .stack
        .items()
        .await
        .iter()
        .filter_map(|i| i["pk"].as_s().ok().cloned())
        .filter(|pk| pk.starts_with("notify#"))
        .collect();
    assert_eq!(marks.len(), 2, "{marks:?}");
}

#[tokio::test]
async fn a_slack_thread_claimed_by_a_failed_post_is_given_back_to_the_retry() {
    let Some(mut s) = Setup::new().await else { return };
    // Slack through the Web API with a bot token: the incident's first message claims its
    // thread.
    let api = Receiver::slack_api();
    let bot = create_secret(&s.config, &json!({"bot_token": "xoxb-test", "channel": "C0ALERTS"})).await;
    s.env.retain(|(k, _)| *k != "AIDR_SLACK_SECRET_ARN");
    s.env
        .extend([("AIDR_SLACK_SECRET_ARN", bot), ("AIDR_SLACK_API_URL", api.url("/api"))]);
    let mut notifier = s.notifier();
    for _ in 0..4 {
        api.queue(Reply::text(500, "internal error"));
    }
    let why = retry_error(notifier.invoke(&s.event));
    assert!(why.contains(": slack: ") && why.contains("(4 attempts)"), "{why}");
    // Slack back: Lambda's retry starts the thread at once, without waiting for the claim of
    // the failed post to expire.
    let out = notifier.invoke(&s.event).ok();
    assert_eq!(counts(&out), [1, 1, 0, 0], "{out}");
    let posted = api.accepted();
    assert_eq!((api.requests().len(), posted.len()), (5, 1));
    assert!(posted[0].json().get("thread_ts").is_none(), "starts the thread");
    let thread = s.stack.items().await;
    let thread = thread
        .iter()
        .find(|i| i["pk"].as_s().is_ok_and(|pk| pk.starts_with("thread#")))
        .expect("the incident's thread is kept");
    assert!(thread["v"].as_n().unwrap().parse::<i64>().unwrap() > 0, "{thread:?}");
}
