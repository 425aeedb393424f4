//! The notifier's logic, generic over the engine's ports so it runs in-process in tests: each
//! SNS message carrying an aidr alert goes to Slack, PagerDuty, a chat channel's topic and
//! AWS Security Hub (each when configured and the finding is severe enough), each destination
//! delivered once.
//!
//! Per message and destination, a delivery mark `notify#<destination>#<message key>` (the
//! key: [`Incoming::message_key`], the same for every delivery of one SNS message, and for the
//! same alert published twice) is claimed before sending (value -1, held
//! [`SEND_CLAIM_SECS`]), set once the destination accepted the message or the message was
//! kept in the dead-letter queue for that destination, and removed when the send failed in a
//! way that may pass. A marked destination is skipped, so a redelivered message posts nothing
//! new, and a retry redoes only what failed; a delivery that finds the mark claimed fails for
//! a retry instead of sending (two deliveries of one message at once post once). The
//! destinations are sent to side by side: one that is slow or down never holds up the other.
//!
//! Delivery is at least once, never at most once: a request that timed out or lost its
//! connection after the destination took the message is sent again (Slack's APIs take no
//! idempotency key; PagerDuty merges a trigger of the same `dedup_key` into the open incident).
//!
//! Each message then ends one of three ways:
//! - done: every destination accepted it, had it already, or does not take its severity;
//! - retried: a destination failed in a way that may pass (rate limits or throttling beyond
//!   the time left, server errors, timeouts): the invocation fails, and Lambda delivers the
//!   event again;
//! - dead-lettered: it is not an alert, or a destination refused it for good (a revoked
//!   webhook, a bad routing key, an unknown channel, a missing or forbidden chat topic): it
//!   is logged and kept in the dead-letter queue with the destination and the reason, at
//!   once, not retried.
//!
//! With a Slack bot token, the `ts` of an incident's first message is kept under
//! `thread#<dedupe key>`; later alerts and updates of the same dedupe key reply in its
//! thread, and one more severe than the thread so far is also broadcast to the channel.
//!
//! The chat destination publishes an Amazon Q Developer in chat applications custom
//! notification to its SNS topic; its `threadId` comes from the dedupe key, so an incident's
//! alerts and updates share one chat thread.
//!
//! The Security Hub destination imports the finding in ASFF into the default integration of
//! the account and region of the alert topic (where the notifier runs: Security Hub takes a
//! default integration's findings in its own region only). Its `Id` comes from the dedupe key,
//! so an update (with the count so far in `ProductFields` `aidr/Count` and `LastObservedAt`
//! now) updates the incident's finding.
//! Responses are not imported (the finding is the alert's).
//! A finding Security Hub refuses for being invalid is dead-lettered; one refused for
//! throttling or an internal error is retried.

use std::collections::HashMap;
use std::sync::Mutex;

use aidr_aws::subscriber::{Tally, dead_letter, handle_event};
use aidr_engine::alerting::{AlertKind, Incoming, MARKER_TTL_SECS, SnsMessage};
use aidr_engine::asff::{default_product_arn, product_arn_of, to_asff};
use aidr_engine::notify::{chat, pagerduty, slack as blocks};
use aidr_engine::ports::{
    DeadLetters, FailureKind, FindingsHub, PublishError, SecretError, SecretStore, StateStore, Topics,
};
use aidr_engine::time::format_secs;
use aidr_engine::{Finding, Severity};
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::config::{ChatConfig, NotifierConfig, PagerDutyConfig, SecurityHubConfig, SlackConfig};
use crate::delivery::{Credential, Failure, Refusal, Refused, RetryPolicy, post_json, with_retries};
use crate::pagerduty::{answer as pagerduty_answer, routing_key};
use crate::slack::{SlackSecret, Thread, api_answer, webhook_answer};

pub use aidr_aws::subscriber::HandlerError;

/// The error type of an invocation that failed for a retry.
const RETRY_ERROR_TYPE: &str = "Aidr.NotificationNotDelivered";

/// How long an incident's Slack thread is kept at least (longer when the finding's dedupe
/// window is).
pub const THREAD_TTL_SECS: i64 = 7 * 86_400;

/// The value of `thread#<dedupe key>` while the incident's first message is being posted.
const THREAD_PENDING: i64 = -1;
/// How long a claim on an incident's thread holds when its holder never posts.
pub const THREAD_CLAIM_SECS: i64 = 60;

/// A delivery mark's value while a delivery is sending the message.
const SENDING: i64 = -1;
/// How long a claim to send holds when its holder never settles it: longer than an invocation
/// of the notifier (30 s in the template), shorter than the minute before Lambda tries a
/// failed event again, so the retry of an invocation that died finds the claim gone.
pub const SEND_CLAIM_SECS: i64 = 45;

/// A delivery mark's value: the destination accepted the message.
const DELIVERED: i64 = 1;
/// A delivery mark's value: the destination refused it for good; it is in the dead-letter queue.
const DEAD_LETTERED: i64 = 2;

/// Secrets read once and kept for the life of the process, read again on demand (after the
/// destination refused the credential).
#[derive(Debug)]
pub struct SecretCache<K> {
    store: K,
    values: Mutex<HashMap<String, String>>,
}

impl<K: SecretStore> SecretCache<K> {
    /// An empty cache over `store`.
    pub fn new(store: K) -> SecretCache<K> {
        SecretCache {
            store,
            values: Mutex::new(HashMap::new()),
        }
    }

    /// The store behind the cache.
    pub fn store(&self) -> &K {
        &self.store
    }

    /// The secret `id`: from the cache unless `fresh`, else read and kept.
    ///
    /// # Errors
    /// The store's error when it has to be read and cannot be.
    pub async fn get(&self, id: &str, fresh: bool) -> Result<String, SecretError> {
        if !fresh {
            let cached = self.values.lock().ok().and_then(|v| v.get(id).cloned());
            if let Some(value) = cached {
                return Ok(value);
            }
        }
        let value = self.store.secret(id).await?;
        if let Ok(mut values) = self.values.lock() {
            values.insert(id.to_owned(), value.clone());
        }
        Ok(value)
    }
}

/// Everything one invocation needs; built once per cold start.
pub struct Notifier<S, D, K, T, H> {
    pub store: S,
    pub dead_letters: D,
    pub secrets: SecretCache<K>,
    pub http: reqwest::Client,
    /// Where chat notifications are published.
    pub topics: T,
    /// Where findings are imported (Security Hub).
    pub hub: H,
    pub slack: Option<SlackConfig>,
    pub pagerduty: Option<PagerDutyConfig>,
    pub chat: Option<ChatConfig>,
    pub securityhub: Option<SecurityHubConfig>,
    pub retry: RetryPolicy,
}

impl<S, D, K: SecretStore, T, H> Notifier<S, D, K, T, H> {
    /// A notifier for `config` on these ports, with the default [`RetryPolicy`].
    pub fn new(
        config: &NotifierConfig,
        store: S,
        dead_letters: D,
        secrets: K,
        topics: T,
        hub: H,
        http: reqwest::Client,
    ) -> Self {
        Notifier {
            store,
            dead_letters,
            secrets: SecretCache::new(secrets),
            http,
            topics,
            hub,
            slack: config.slack.clone(),
            pagerduty: config.pagerduty.clone(),
            chat: config.chat.clone(),
            securityhub: config.securityhub.clone(),
            retry: RetryPolicy::default(),
        }
    }
}

/// What an invocation did, counted per message and destination.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Messages seen, dead-lettered (not an alert, or refused for good by a destination), and
    /// failed in a way that may pass (the event is delivered again).
    #[serde(flatten)]
    pub tally: Tally,
    /// Accepted by a destination now.
    pub sent: usize,
    /// Accepted (or dead-lettered) by an earlier delivery of the same message.
    pub already_sent: usize,
    /// Below a destination's minimum severity.
    pub below_minimum: usize,
}

impl AsMut<Tally> for Summary {
    fn as_mut(&mut self) -> &mut Tally {
        &mut self.tally
    }
}

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destination {
    Slack,
    PagerDuty,
    Chat,
    SecurityHub,
}

impl Destination {
    fn name(self) -> &'static str {
        match self {
            Destination::Slack => "slack",
            Destination::PagerDuty => "pagerduty",
            Destination::Chat => "chat",
            Destination::SecurityHub => "securityhub",
        }
    }
}

/// How a destination ended for one message, short of failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    NotConfigured,
    BelowMinimum,
    AlreadySent,
    Sent,
}

/// The refusal of a port's failure of `kind`.
fn port_refusal(kind: FailureKind) -> Refusal {
    match kind {
        FailureKind::Transient => Refusal::Transient,
        FailureKind::Permanent => Refusal::Permanent,
    }
}

fn secret_refused(e: SecretError) -> Refused {
    Refused::new(port_refusal(e.kind), e.to_string())
}

impl<S: StateStore, D: DeadLetters, K: SecretStore, T: Topics, H: FindingsHub> Notifier<S, D, K, T, H> {
    /// Handles one invocation payload, an SNS event; `deadline` is when the invocation times
    /// out, `now` wall-clock Unix seconds.
    ///
    /// # Errors
    /// [`HandlerError::Retry`] when a message must be delivered again (every message was
    /// tried first, and what succeeded is marked, so the retry redoes only what failed).
    pub async fn handle(&self, payload: &str, deadline: Instant, now: i64) -> Result<Value, HandlerError> {
        handle_event(
            payload,
            &self.dead_letters,
            RETRY_ERROR_TYPE,
            async |sns, alert, summary: &mut Summary| self.handle_alert(sns, alert, deadline, now, summary).await,
        )
        .await
    }

    /// One alert: `Err` with the reason when it must be delivered again.
    async fn handle_alert(
        &self,
        sns: &SnsMessage,
        alert: &Incoming,
        deadline: Instant,
        now: i64,
        summary: &mut Summary,
    ) -> Result<(), String> {
        let SnsMessage {
            message_id,
            topic_arn,
            message,
        } = sns;
        let key = alert.message_key();
        let (slack, pagerduty, chat, securityhub) = tokio::join!(
            self.to_slack(alert, &key, deadline, now),
            self.to_pagerduty(alert, &key, deadline, now),
            self.to_chat(alert, &key, deadline, now),
            self.to_securityhub(alert, &key, topic_arn, deadline, now)
        );
        let mut failures = Vec::new();
        let results = [
            (Destination::Slack, slack),
            (Destination::PagerDuty, pagerduty),
            (Destination::Chat, chat),
            (Destination::SecurityHub, securityhub),
        ];
        for (destination, result) in results {
            let name = destination.name();
            let f = &alert.finding;
            match result {
                Ok(step) => {
                    let counter = match step {
                        Step::NotConfigured => continue,
                        Step::BelowMinimum => &mut summary.below_minimum,
                        Step::AlreadySent => &mut summary.already_sent,
                        Step::Sent => &mut summary.sent,
                    };
                    *counter += 1;
                    info!(destination = name, message_id, rule_id = %f.rule_id, severity = %f.severity, kind = alert.kind.as_str(), dedupe_key = %f.dedupe_key, outcome = ?step, "notification");
                }
                Err(Failure::Transient(why)) => {
                    error!(destination = name, message_id, rule_id = %f.rule_id, error = %why, "not delivered; the event will be delivered again");
                    self.release(destination, &key).await;
                    failures.push(format!("{name}: {why}"));
                }
                Err(Failure::Deferred(why)) => {
                    warn!(destination = name, message_id, rule_id = %f.rule_id, error = %why, "not sent now; the event will be delivered again");
                    failures.push(format!("{name}: {why}"));
                }
                Err(Failure::Permanent(why)) => {
                    let reason = format!("{name}: {why}");
                    match self.dead_letter(message, message_id, &reason, summary).await {
                        Ok(()) => self.mark(destination, &key, DEAD_LETTERED, now).await,
                        Err(why) => {
                            self.release(destination, &key).await;
                            failures.push(why);
                        }
                    }
                }
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    }

    /// Keeps `body` in the dead-letter queue; `Err` (for a retry) when the queue refused it.
    async fn dead_letter(&self, body: &str, origin: &str, reason: &str, summary: &mut Summary) -> Result<(), String> {
        dead_letter(&self.dead_letters, body, origin, reason, &mut summary.tally).await
    }

    fn mark_key(destination: Destination, key: &str) -> String {
        format!("notify#{}#{key}", destination.name())
    }

    /// How `destination` ends for this message without sending: below its minimum severity,
    /// or settled by an earlier delivery; `None` when it is to be sent, the mark then claimed
    /// by this delivery.
    ///
    /// # Errors
    /// [`Failure::Deferred`] when another delivery holds the claim, or the state table failed
    /// in a way that may pass.
    async fn settled(
        &self,
        destination: Destination,
        min_severity: Severity,
        f: &Finding,
        key: &str,
        now: i64,
    ) -> Result<Option<Step>, Failure> {
        if f.severity < min_severity {
            return Ok(Some(Step::BelowMinimum));
        }
        let mark = Self::mark_key(destination, key);
        let claimed = self
            .store
            .insert_if_absent(&mark, SENDING, now + SEND_CLAIM_SECS, now)
            .await;
        let held = match claimed {
            Ok(true) => return Ok(None),
            Ok(false) => self.store.get(&mark, now).await,
            Err(e) => Err(e),
        };
        match held {
            Ok(Some(item)) if item.value == SENDING => Err(Failure::Deferred(
                "another delivery of this message is sending it".into(),
            )),
            Ok(Some(_)) => Ok(Some(Step::AlreadySent)),
            // The claim expired between the two calls: its holder died; try again later.
            Ok(None) => Err(Failure::Deferred("the delivery mark changed while it was read".into())),
            Err(e) if e.kind.is_transient() => Err(Failure::Deferred(format!("the delivery mark: {e}"))),
            // A state table refusing for good (a permission, a key it cannot take) must not
            // silence alerts: send without knowing whether an earlier delivery did.
            Err(e) => {
                error!(destination = destination.name(), error = %e, "the delivery mark cannot be claimed; sending anyway");
                Ok(None)
            }
        }
    }

    /// Marks `destination` settled for this message (replacing this delivery's claim). A
    /// failure is logged, not returned: the destination has the message, and failing the
    /// invocation would send it again now.
    async fn mark(&self, destination: Destination, key: &str, value: i64, now: i64) {
        let mark = Self::mark_key(destination, key);
        if let Err(e) = self.store.set(&mark, value, now + MARKER_TTL_SECS).await {
            error!(destination = destination.name(), mark, error = %e, "delivered, but the delivery mark was not written; a redelivery of this message after the claim expires would be sent again");
        }
    }

    /// Gives up this delivery's claim on `destination` after a failure that may pass, so the
    /// retry sends at once. A failure is logged: the claim then expires by itself.
    async fn release(&self, destination: Destination, key: &str) {
        let mark = Self::mark_key(destination, key);
        if let Err(e) = self.store.remove(&mark).await {
            warn!(destination = destination.name(), mark, error = %e, "the claim to send was not given up; a retry waits for it to expire");
        }
    }

    async fn to_slack(&self, alert: &Incoming, key: &str, deadline: Instant, now: i64) -> Result<Step, Failure> {
        let Some(config) = &self.slack else {
            return Ok(Step::NotConfigured);
        };
        let f = &alert.finding;
        if let Some(step) = self
            .settled(Destination::Slack, config.min_severity, f, key, now)
            .await?
        {
            return Ok(step);
        }
        let message = blocks::message(f, &slack_context(alert));
        blocks::validate(&message).map_err(|e| Failure::Permanent(format!("the message breaks a Slack limit: {e}")))?;
        let thread_key = format!("thread#{}", f.dedupe_key);
        // Looked up on the first attempt with a bot token, then kept.
        let mut thread: Option<Option<Thread>> = None;
        let posted = with_retries(&self.retry, deadline, Credential::Secret, async |timeout, fresh| {
            let secret = self
                .secrets
                .get(&config.secret_arn, fresh)
                .await
                .map_err(secret_refused)?;
            match SlackSecret::parse(&secret).map_err(|why| Refused::new(Refusal::Permanent, why))? {
                SlackSecret::Webhook { url } => {
                    let answer = post_json(&self.http, &url, None, &message, timeout).await?;
                    webhook_answer(&answer).map(|()| None)
                }
                SlackSecret::Bot { token, channel } => {
                    if thread.is_none() {
                        thread = Some(self.thread_or_claim(&thread_key, now).await?);
                    }
                    let mut body = message.clone();
                    body["channel"] = Value::String(channel);
                    if let Some(Some(parent)) = &thread {
                        body["thread_ts"] = Value::String(parent.ts.clone());
                        if f.severity > parent.severity {
                            body["reply_broadcast"] = Value::Bool(true);
                        }
                    }
                    let url = format!("{}/chat.postMessage", config.api_url);
                    let answer = post_json(&self.http, &url, Some(&token), &body, timeout).await?;
                    api_answer(&answer).map(Some)
                }
            }
        })
        .await;
        let posted = match posted {
            Ok(posted) => posted,
            Err(failure) => {
                if thread == Some(None) {
                    self.give_up_thread(&thread_key, now).await;
                }
                return Err(failure);
            }
        };
        if let Some(ts) = posted {
            self.keep_thread(&thread_key, thread.flatten(), ts, f, now).await;
        }
        self.mark(Destination::Slack, key, DELIVERED, now).await;
        Ok(Step::Sent)
    }

    /// The incident's thread to reply in, or `None` when this delivery is to start it: it then
    /// holds a claim on `thread#<dedupe key>` (for [`THREAD_CLAIM_SECS`]) so that a concurrent
    /// first alert of the same incident waits for the thread instead of starting another.
    /// Best effort: when the state cannot be read or written, the message is posted at the top
    /// of the channel rather than held back.
    ///
    /// # Errors
    /// A transient refusal while another delivery is starting the thread (retry shortly).
    async fn thread_or_claim(&self, thread_key: &str, now: i64) -> Result<Option<Thread>, Refused> {
        let read = async || match self.store.get(thread_key, now).await {
            Ok(item) => Ok(item.map(|i| i.value)),
            Err(e) => {
                warn!(thread_key, error = %e, "the incident's Slack thread cannot be read; posting at the top of the channel");
                Err(())
            }
        };
        let starting = || {
            Refused::new(
                Refusal::Transient,
                "another delivery is starting this incident's Slack thread",
            )
        };
        match read().await {
            Err(()) => return Ok(None),
            Ok(Some(THREAD_PENDING)) => return Err(starting()),
            Ok(Some(value)) => return Ok(Thread::decode(value)),
            Ok(None) => {}
        }
        let claim = self
            .store
            .insert_if_absent(thread_key, THREAD_PENDING, now + THREAD_CLAIM_SECS, now)
            .await;
        match claim {
            Ok(true) | Err(_) => Ok(None),
            Ok(false) => match read().await {
                Ok(Some(THREAD_PENDING)) => Err(starting()),
                Ok(Some(value)) => Ok(Thread::decode(value)),
                Ok(None) | Err(()) => Ok(None),
            },
        }
    }

    /// Gives up this delivery's claim on the incident's thread after its message was not
    /// posted, so that the retry (or another alert of the incident) starts the thread at once
    /// instead of waiting [`THREAD_CLAIM_SECS`]: the claim is made to expire now. Best effort.
    async fn give_up_thread(&self, thread_key: &str, now: i64) {
        let result = self
            .store
            .compare_and_set(thread_key, THREAD_PENDING, THREAD_PENDING, now, now)
            .await;
        if let Err(e) = result {
            warn!(thread_key, error = %e, "the claim on the Slack thread was not given up; it expires by itself");
        }
    }

    /// Starts the incident's thread with the message just posted (`ts`), or raises the
    /// thread's severity. Best effort: the message is posted either way.
    async fn keep_thread(&self, thread_key: &str, parent: Option<Thread>, ts: String, f: &Finding, now: i64) {
        let expires_at = now + THREAD_TTL_SECS.max(f.dedupe_window_secs);
        let result = match parent {
            None => match (Thread {
                ts,
                severity: f.severity,
            })
            .encode()
            {
                // Replaces this delivery's claim (or, when the claim could not be written,
                // is written afresh).
                Some(value) => match self
                    .store
                    .compare_and_set(thread_key, THREAD_PENDING, value, expires_at, now)
                    .await
                {
                    Ok(true) => Ok(()),
                    _ => self
                        .store
                        .insert_if_absent(thread_key, value, expires_at, now)
                        .await
                        .map(|_| ()),
                },
                None => {
                    warn!(
                        thread_key,
                        "Slack answered a ts of an unknown form; later alerts will not be threaded"
                    );
                    Ok(())
                }
            },
            Some(parent) if f.severity > parent.severity => {
                let raised = Thread {
                    ts: parent.ts.clone(),
                    severity: f.severity,
                };
                match (parent.encode(), raised.encode()) {
                    (Some(old), Some(new)) => self
                        .store
                        .compare_and_set(thread_key, old, new, expires_at, now)
                        .await
                        .map(|_| ()),
                    _ => Ok(()),
                }
            }
            Some(_) => Ok(()),
        };
        if let Err(e) = result {
            warn!(thread_key, error = %e, "the Slack thread was not kept; later alerts may start a new one");
        }
    }

    async fn to_pagerduty(&self, alert: &Incoming, key: &str, deadline: Instant, now: i64) -> Result<Step, Failure> {
        let Some(config) = &self.pagerduty else {
            return Ok(Step::NotConfigured);
        };
        let f = &alert.finding;
        if let Some(step) = self
            .settled(Destination::PagerDuty, config.min_severity, f, key, now)
            .await?
        {
            return Ok(step);
        }
        with_retries(&self.retry, deadline, Credential::Secret, async |timeout, fresh| {
            let secret = self
                .secrets
                .get(&config.secret_arn, fresh)
                .await
                .map_err(secret_refused)?;
            let key = routing_key(&secret).map_err(|why| Refused::new(Refusal::Permanent, why))?;
            let shown = shown_finding(alert);
            let event = pagerduty::trigger(&shown, &key, &f.dedupe_key);
            let answer = post_json(&self.http, &config.events_url, None, &event, timeout).await?;
            pagerduty_answer(&answer)
        })
        .await?;
        self.mark(Destination::PagerDuty, key, DELIVERED, now).await;
        Ok(Step::Sent)
    }

    async fn to_chat(&self, alert: &Incoming, key: &str, deadline: Instant, now: i64) -> Result<Step, Failure> {
        let Some(config) = &self.chat else {
            return Ok(Step::NotConfigured);
        };
        let f = &alert.finding;
        if let Some(step) = self
            .settled(Destination::Chat, config.min_severity, f, key, now)
            .await?
        {
            return Ok(step);
        }
        let message = chat_notification(alert, key).to_string();
        with_retries(
            &self.retry,
            deadline,
            Credential::None,
            async |timeout, _| match tokio::time::timeout(
                timeout,
                self.topics.publish_text(&config.topic_arn, &message),
            )
            .await
            {
                Ok(result) => result.map_err(publish_refused),
                Err(_) => Err(Refused::new(Refusal::Transient, "SNS Publish timed out")),
            },
        )
        .await?;
        self.mark(Destination::Chat, key, DELIVERED, now).await;
        Ok(Step::Sent)
    }

    async fn to_securityhub(
        &self,
        alert: &Incoming,
        key: &str,
        topic_arn: &str,
        deadline: Instant,
        now: i64,
    ) -> Result<Step, Failure> {
        let Some(config) = &self.securityhub else {
            return Ok(Step::NotConfigured);
        };
        if alert.kind == AlertKind::Response {
            // The finding is imported with its alert; a response changes nothing in it.
            return Ok(Step::NotConfigured);
        }
        let f = &alert.finding;
        if let Some(step) = self
            .settled(Destination::SecurityHub, config.min_severity, f, key, now)
            .await?
        {
            return Ok(step);
        }
        let finding = [asff_finding(alert, topic_arn, now).map_err(Failure::Permanent)?];
        with_retries(&self.retry, deadline, Credential::None, async |timeout, _| {
            let result = match tokio::time::timeout(timeout, self.hub.import(&finding)).await {
                Ok(result) => result.map_err(publish_refused)?,
                Err(_) => {
                    return Err(Refused::new(
                        Refusal::Transient,
                        "Security Hub BatchImportFindings timed out",
                    ));
                }
            };
            match result.failed.first() {
                None => Ok(()),
                Some(failed) => Err(Refused::new(
                    port_refusal(failed.kind),
                    format!(
                        "Security Hub refused finding {}: {}: {}",
                        failed.id, failed.code, failed.message
                    ),
                )),
            }
        })
        .await?;
        self.mark(Destination::SecurityHub, key, DELIVERED, now).await;
        Ok(Step::Sent)
    }
}

/// The ASFF finding of `alert` at `now` (Unix seconds), in the default integration of the
/// account and region of `topic_arn` (the alert topic), or of the finding's own when that is no
/// topic ARN. An update says how often the incident was seen and that it was seen now.
///
/// # Errors
/// Why the finding cannot be written in ASFF (it names no account or region).
fn asff_finding(alert: &Incoming, topic_arn: &str, now: i64) -> Result<Value, String> {
    let f = &alert.finding;
    let home = match topic_arn.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "sns", region, account, _] if !region.is_empty() && !account.is_empty() => {
            Some(default_product_arn(region, account))
        }
        _ => None,
    };
    let product_arn = home.or_else(|| product_arn_of(f)).ok_or_else(|| {
        format!(
            "finding {} names no account or region, which Security Hub requires",
            f.rule_id
        )
    })?;
    let now = format_secs(now);
    let mut finding = to_asff(f, &product_arn, &now).map_err(|e| e.to_string())?;
    finding["ProductFields"]["aidr/Count"] = Value::String(alert.count.to_string());
    if alert.kind == AlertKind::Update {
        finding["LastObservedAt"] = Value::String(now);
    }
    Ok(finding)
}

fn publish_refused(e: PublishError) -> Refused {
    Refused::new(port_refusal(e.kind), e.message)
}

/// The chat custom notification of `alert`, in the thread of its dedupe key. An update or a
/// response has its own `id` (from the message key); an update says how often the incident
/// was seen, a response leads with what was done.
fn chat_notification(alert: &Incoming, key: &str) -> Value {
    let f = shown_finding(alert);
    let mut notification = chat::notification(&f, &chat::thread_id(&f.dedupe_key));
    if alert.kind != AlertKind::Alert {
        notification["id"] = Value::String(chat::thread_id(key));
    }
    if alert.kind == AlertKind::Update {
        notification["metadata"]["additionalContext"]["update"] = Value::String(format!("seen {} times", alert.count));
    }
    notification
}

/// The Slack message's extras: an update shows how often the incident was seen, a response
/// what was done (escaped: it may quote the record).
fn slack_context(alert: &Incoming) -> blocks::Context {
    let mut context = blocks::Context::default();
    match alert.kind {
        AlertKind::Alert => {}
        AlertKind::Update => {
            context.kind = blocks::Kind::Update;
            context.repeat = Some(blocks::Repeat {
                count: u64::try_from(alert.count).unwrap_or(0),
                latest_event_ids: alert.finding.event_ids().to_vec(),
            });
        }
        AlertKind::Response => {
            context.kind = blocks::Kind::Response;
            context.note = alert.response.as_deref().map(|r| blocks::mrkdwn(r, RESPONSE_NOTE_MAX));
        }
    }
    context
}

/// The longest response line shown, in characters.
const RESPONSE_NOTE_MAX: usize = 1_000;

/// The finding as the pager and the chat channel show a message: a response's line leads the
/// summary (they have no field of their own for it).
fn shown_finding(alert: &Incoming) -> std::borrow::Cow<'_, Finding> {
    match (&alert.kind, &alert.response) {
        (AlertKind::Response, Some(response)) => {
            let mut f = alert.finding.clone();
            f.summary = format!("Response: {response} | {}", f.summary);
            std::borrow::Cow::Owned(f)
        }
        _ => std::borrow::Cow::Borrowed(&alert.finding),
    }
}
