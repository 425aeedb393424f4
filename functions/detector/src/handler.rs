//! The detector's logic, generic over the engine's ports so it runs in-process in tests: an
//! EventBridge event (one CloudTrail record) or an SQS batch of them goes through the
//! pipeline; findings go through the alerting protocol.
//!
//! Each input (the event, or each SQS message) ends one of three ways:
//! - done: every finding was alerted, merged (with or without an update), a duplicate or silenced;
//! - retried: something that can pass failed (throttling, a timeout, a 5xx, another delivery
//!   of the same event in flight): the event invocation fails, or the SQS message is reported
//!   in `batchItemFailures`, and AWS delivers it again;
//! - dead-lettered: it can never succeed (unreadable, or refused by DynamoDB or SNS for good):
//!   it is logged with its event id and sent to the dead-letter queue at once, not retried.
//!
//! The work of an invocation is bounded by its [`Deadline`] (Lambda's, less a reserve): when the
//! time runs out, the deliveries in flight are given up (`aidr_engine::alerting::abandon`), and
//! every input not done is retried as above (cause [`Cause::Deadline`]), whatever stage it was
//! at; an input read with nothing to do (no finding, no observation for the stateful
//! detections, no configuration to keep, no backfill progress to count) is done.
//!
//! Records whose rules ask lookups (see `aidr_engine::enrich`) are set aside by the pipeline;
//! the requests of the whole invocation are answered at once (live reads through the
//! detector's [`Resolver`], the previous configurations from the state table), each record is
//! judged again with the answers, and only once its findings were alerted are the
//! configurations an input put kept (so a put, and its retry, is compared with the one before
//! it, not with itself; two puts of one configuration in the same SQS batch are both compared
//! with the one before the batch). A lookup that fails or times out is an answer too: the
//! finding goes out saying what was not checked.
//!
//! A message that names objects (an S3 event notification, directly or through SNS or
//! EventBridge; CloudTrail's SNS notification; an `aidr backfill` message: see
//! `aidr_engine::trail`) is one input per CloudTrail log file it names: each is streamed from
//! S3 and read off the async runtime in bounded memory; digest, Insights and other objects are
//! skipped. A file that cannot be opened for good (missing, access denied) or read (corrupt
//! gzip, bad JSON) goes to the dead-letter queue with its `s3://` location, after the findings
//! of the records it did hold; a download that broke is retried. Events seen both live and
//! in the trail are alerted once: delivery is idempotent by CloudTrail event id.
//!
//! In back-test mode ([`Mode::Backtest`]) nobody is alerted: the findings of each input are
//! written to S3 as OCSF JSON lines, and the stateful detections keep each run's state apart,
//! under [`BACKTEST_NAMESPACE`] and the run id. Either way, an object queued by a backfill run counts towards the
//! run's progress (`aidr_engine::trail::Progress`) once, when it is done or dead-lettered.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};

use aidr_engine::alerting::{AlertPolicy, Outcome, abandon, deliver, event_key, marker_key};
use aidr_engine::enrich::{Answers, LookupRequest, Resolver};
use aidr_engine::input::Layout;
use aidr_engine::ocsf::to_ocsf;
use aidr_engine::ports::{
    DeadLetters, FailureKind, Lookup, Namespaced, Objects, Publisher, Records, StateError, StateStore,
};
use aidr_engine::response::RECORD_TTL_SECS;
use aidr_engine::trail::{self, LogObject, Message, Progress};
use aidr_engine::{DetectionKind, Evaluation, Finding, FindingSink, Pipeline};
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse};
use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tracing::{error, info, warn};

use crate::deadline::{Deadline, GIVE_UP};

/// Everything one invocation needs; built once per cold start.
pub struct Detector<S, P, D, L = aidr_aws::lookup::AwsLookup, O = aidr_aws::s3::S3Objects> {
    /// Built [`Pipeline::with_lookups`] when `lookups` is set; shared with the threads that
    /// read log files.
    pub pipeline: Arc<Pipeline>,
    pub store: S,
    pub publisher: P,
    pub dead_letters: D,
    pub policy: AlertPolicy,
    /// Answers the lookups rules ask (kept for the life of the function, with its cache);
    /// `None` when lookups are off: a record set aside is then judged with every lookup
    /// unanswered.
    pub lookups: Option<Resolver<L>>,
    /// Where log files are read (and back-test findings written).
    pub objects: O,
    /// `AIDR_TRAIL_BUCKETS`: the buckets log files may be read from; empty: any the role can
    /// read.
    pub trail_buckets: Vec<String>,
    pub mode: Mode,
}

/// Where findings go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Mode {
    /// Alerted through the alerting protocol (`AIDR_MODE=live`, the default).
    #[default]
    Live,
    /// Back-test (`AIDR_MODE=backtest`): each input's findings (those the alert policy would
    /// not silence) are written as OCSF JSON lines at
    /// `s3://bucket/` [`trail::results_key`]`(prefix, run, key)`; nobody is alerted.
    Backtest { bucket: String, prefix: String },
}

/// The key prefix of the back-test detector's stateful state; each run's is
/// `backtest#<run>#` (`backtest#-#` for objects no run queued).
pub const BACKTEST_NAMESPACE: &str = "backtest#";

/// What stopped an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The input could not be read.
    Unreadable,
    /// A finding could not be alerted.
    Alert,
    /// The stateful detections could not keep their state.
    State,
    /// The input could not be kept in the dead-letter queue.
    DeadLetter,
    /// The invocation's time ran out before the input was done.
    Deadline,
}

/// Why an input was not done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub kind: FailureKind,
    pub cause: Cause,
    pub message: String,
}

/// Why an invocation failed as a whole; Lambda delivers the event again.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("the answer could not be written: {0}")]
    Response(String),
    #[error("the event will be retried: {0}")]
    Retry(Failure),
}

/// What an invocation did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub records: usize,
    pub skipped: usize,
    pub findings: usize,
    pub alerted: usize,
    pub merged: usize,
    /// Merged, and an update on the repeats published.
    pub updated: usize,
    pub duplicates: usize,
    pub silenced: usize,
    /// CloudTrail log files read.
    pub log_files: usize,
    /// Objects named that are not log files (digests, Insights, other prefixes), and S3 test
    /// events.
    pub objects_skipped: usize,
    /// Inputs that can never be processed, kept in the dead-letter queue.
    pub dead_lettered: usize,
    /// Inputs to be delivered again.
    pub retried: usize,
}

/// An SQS batch as Lambda delivers it, each message left unparsed until its turn.
#[derive(Deserialize)]
struct SqsBatch<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Vec<&'a RawValue>,
}

/// What tells an SQS message and names it (its body is left unread).
#[derive(Deserialize)]
struct SqsMessageHead<'a> {
    #[serde(rename = "messageId", borrow, default)]
    message_id: Cow<'a, str>,
    #[serde(rename = "eventSource", borrow, default)]
    event_source: Option<Cow<'a, str>>,
}

/// The body of an SQS message.
#[derive(Deserialize)]
struct SqsMessageBody {
    #[serde(default)]
    body: Option<String>,
}

/// The messages of `payload` when it is an SQS batch.
fn sqs_batch(payload: &str) -> Option<Vec<&RawValue>> {
    let batch: SqsBatch = serde_json::from_str(payload).ok()?;
    let first: SqsMessageHead = serde_json::from_str(batch.records.first()?.get()).ok()?;
    (first.event_source.as_deref() == Some("aws:sqs")).then_some(batch.records)
}

/// The CloudTrail event id (or else the EventBridge event id) of an input, for logs, read
/// leniently from input that may be otherwise unreadable.
fn event_id_of(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return "-".into();
    };
    ["/detail/eventID", "/eventID", "/id"]
        .iter()
        .find_map(|p| v.pointer(p).and_then(|id| id.as_str()))
        .unwrap_or("-")
        .to_owned()
}

/// One input of an invocation: the event itself, one SQS message (whose body is read again
/// from the payload only if it must go to the dead-letter queue, so one body at a time is held
/// in memory), or one log file a message names.
struct Input<'a> {
    /// `event`, or the SQS message id.
    origin: String,
    source: Source<'a>,
    /// The log file to read, when the message names objects.
    object: Option<LogObject>,
}

#[derive(Clone, Copy)]
enum Source<'a> {
    /// The invocation payload is the input.
    Event(&'a str),
    /// An SQS message of the batch.
    Message(&'a RawValue),
}

impl<'a> Input<'a> {
    /// The inputs of one message: the log files it names, none when it names no log file
    /// (`skipped` counts the objects left out), or the message itself.
    fn of_message(origin: String, source: Source<'a>, skipped: &mut usize) -> Vec<Input<'a>> {
        let input = Input {
            origin,
            source,
            object: None,
        };
        let message = match input.body() {
            Ok(body) => trail::message(&body),
            Err(_) => Message::Other,
        };
        let objects = match message {
            Message::Other => return vec![input],
            Message::Test => {
                info!(origin = %input.origin, "S3 test event; nothing to read");
                *skipped += 1;
                return Vec::new();
            }
            Message::Objects(objects) => objects,
        };
        let mut inputs = Vec::new();
        for object in objects {
            if let Some(why) = trail::classify(&object.key).skip_reason() {
                info!(origin = %input.origin, bucket = %object.bucket, key = %object.key, why, "object skipped");
                *skipped += 1;
                continue;
            }
            inputs.push(Input {
                origin: input.origin.clone(),
                source: input.source,
                object: Some(object),
            });
        }
        inputs
    }

    /// The input as received: the event, or the message's body.
    fn body(&self) -> Result<Cow<'_, str>, String> {
        match self.source {
            Source::Event(text) => Ok(Cow::Borrowed(text)),
            Source::Message(raw) => match serde_json::from_str::<SqsMessageBody>(raw.get()) {
                Ok(SqsMessageBody { body: Some(body) }) => Ok(Cow::Owned(body)),
                Ok(_) => Err("SQS message has no body".into()),
                Err(e) => Err(format!("unreadable SQS message: {e}")),
            },
        }
    }
}

impl<S: StateStore + Records, P: Publisher, D: DeadLetters, L: Lookup, O: Objects> Detector<S, P, D, L, O> {
    /// Handles one invocation payload: an SQS batch (answered with the ids of the messages to
    /// retry) or an EventBridge event (answered with a summary). `now` is wall-clock Unix
    /// seconds. No deadline: see [`Detector::handle_by`].
    ///
    /// # Errors
    /// [`HandlerError::Retry`] when the event should be delivered again (an SQS batch never
    /// fails as a whole: it answers with the messages to retry).
    pub async fn handle(&self, payload: &RawValue, now: i64) -> Result<serde_json::Value, HandlerError> {
        self.handle_by(payload, now, Deadline::none()).await
    }

    /// [`Detector::handle`], stopping the work at `deadline`: what is not done then is retried.
    ///
    /// # Errors
    /// As [`Detector::handle`].
    pub async fn handle_by(
        &self,
        payload: &RawValue,
        now: i64,
        deadline: Deadline,
    ) -> Result<serde_json::Value, HandlerError> {
        let text = payload.get();
        if let Some(messages) = sqs_batch(text) {
            let response = self.handle_batch(&messages, now, deadline).await;
            return serde_json::to_value(response).map_err(|e| HandlerError::Response(e.to_string()));
        }
        let mut skipped = 0;
        let inputs = Input::of_message("event".into(), Source::Event(text), &mut skipped);
        let (summary, results) = self.handle_inputs(inputs, skipped, now, deadline).await;
        let mut failures: Vec<Failure> = results.into_iter().flatten().collect();
        failures.sort_by_key(|f| !f.kind.is_transient());
        match failures.into_iter().next() {
            Some(failure) => Err(HandlerError::Retry(failure)),
            None => serde_json::to_value(summary).map_err(|e| HandlerError::Response(e.to_string())),
        }
    }

    /// Handles the messages of an SQS batch: each through the pipeline, the stateful
    /// detections once over all of them. Only the messages to retry are reported.
    async fn handle_batch(&self, messages: &[&RawValue], now: i64, deadline: Deadline) -> SqsBatchResponse {
        let mut skipped = 0;
        let inputs: Vec<Input> = messages
            .iter()
            .flat_map(|&raw| {
                let origin = serde_json::from_str::<SqsMessageHead>(raw.get())
                    .map(|m| m.message_id.into_owned())
                    .unwrap_or_default();
                Input::of_message(origin, Source::Message(raw), &mut skipped)
            })
            .collect();
        let origins: Vec<String> = inputs.iter().map(|i| i.origin.clone()).collect();
        let (_, results) = self.handle_inputs(inputs, skipped, now, deadline).await;
        let mut response = SqsBatchResponse::default();
        for (origin, result) in origins.into_iter().zip(results) {
            let reported = response.batch_item_failures.iter().any(|f| f.item_identifier == origin);
            if result.is_some() && !reported {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = origin;
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    /// Runs `inputs` through the pipeline and settles each: `None` when done or
    /// dead-lettered, `Some(failure)` when it must be retried. `skipped` objects were left out
    /// of the inputs already. When `deadline` passes first, the deliveries in flight are given
    /// up and every input not done is retried.
    async fn handle_inputs(
        &self,
        inputs: Vec<Input<'_>>,
        skipped: usize,
        now: i64,
        deadline: Deadline,
    ) -> (Summary, Vec<Option<Failure>>) {
        let mut alerts = Alerts {
            detector: self,
            now,
            summary: Summary {
                objects_skipped: skipped,
                ..Summary::default()
            },
            failures: vec![None; inputs.len()],
            found: vec![0; inputs.len()],
            kept: vec![Vec::new(); inputs.len()],
            delivering: Mutex::default(),
            namespace: String::new(),
            judging: Vec::new(),
        };
        let mut quiet = vec![false; inputs.len()];
        let mut results: Vec<Option<Option<Failure>>> = vec![None; inputs.len()];
        let work = self.work(&inputs, &mut alerts, &mut quiet, &mut results, now);
        if deadline.bound(work).await.is_none() {
            self.out_of_time(&inputs, &mut alerts, &quiet, &mut results, now).await;
        }
        let results = results.into_iter().map(Option::flatten).collect();
        info!(summary = ?alerts.summary, "done");
        (alerts.summary, results)
    }

    /// The time ran out: gives up the deliveries in flight and takes back the sightings of a
    /// stateful batch being judged (within [`GIVE_UP`]), and marks every input not settled for
    /// retry, except those read with nothing to do (`quiet`).
    async fn out_of_time(
        &self,
        inputs: &[Input<'_>],
        alerts: &mut Alerts<'_, S, P, D, L, O>,
        quiet: &[bool],
        results: &mut [Option<Option<Failure>>],
        now: i64,
    ) {
        let markers: Vec<String> = std::mem::take(alerts.delivering.get_mut().unwrap_or_else(PoisonError::into_inner))
            .into_iter()
            .collect();
        let marks = std::mem::take(&mut alerts.judging);
        let given_up = async {
            // The deliveries first: an event left in flight fails its retries for minutes.
            let outcomes = stream::iter(markers.iter().map(|m| abandon(m, &self.store, now)))
                .buffer_unordered(DELIVERIES_AT_ONCE)
                .collect::<Vec<_>>()
                .await;
            // The retry counts the batch's events again (its counters add once per batch).
            aidr_engine::stateful::forget(&marks, &self.store).await;
            outcomes
        };
        match Deadline::after(GIVE_UP).bound(given_up).await {
            Some(outcomes) => {
                for (marker, outcome) in markers.iter().zip(outcomes) {
                    if let Err(e) = outcome {
                        warn!(marker, error = %e, "delivery not given up; it is taken over once stale");
                    }
                }
            }
            None => warn!(
                deliveries = markers.len(),
                "deliveries not given up in time; they are taken over once stale"
            ),
        }
        for (i, (input, result)) in inputs.iter().zip(results.iter_mut()).enumerate() {
            if result.is_some() {
                continue;
            }
            if quiet[i] {
                *result = Some(None);
                continue;
            }
            let body = input.body().unwrap_or_default();
            error!(origin = %input.origin, event_id = %event_id_of(&body), "the invocation's time ran out; it will be delivered again");
            alerts.summary.retried += 1;
            *result = Some(Some(Failure {
                kind: FailureKind::Transient,
                cause: Cause::Deadline,
                message: "the invocation's time ran out before the input was done".into(),
            }));
        }
    }

    /// The work of [`Detector::handle_inputs`]: reads the inputs, alerts, keeps what they put,
    /// settles each into `results`. `quiet` tells the inputs read with nothing more to do.
    async fn work(
        &self,
        inputs: &[Input<'_>],
        alerts: &mut Alerts<'_, S, P, D, L, O>,
        quiet: &mut [bool],
        results: &mut [Option<Option<Failure>>],
        now: i64,
    ) {
        let mut evaluations = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let evaluation = match (&input.object, input.body()) {
                (Some(object), _) => {
                    alerts.summary.log_files += 1;
                    self.read_object(object).await.unwrap_or_else(|failure| {
                        alerts.fail(i, failure.kind, failure.cause, failure.message);
                        Evaluation::default()
                    })
                }
                (None, Ok(body)) => self.pipeline.read(body.as_bytes(), Layout::Stream, &input.origin),
                (None, Err(why)) => {
                    alerts.fail(i, FailureKind::Permanent, Cause::Unreadable, why);
                    Evaluation::default()
                }
            };
            alerts.summary.records += evaluation.records as usize;
            alerts.summary.skipped += evaluation.skipped as usize;
            if evaluation.skipped > 0 {
                warn!(origin = %input.origin, skipped = evaluation.skipped, "not a CloudTrail API call event; skipped");
            }
            for kind in evaluation.ignored.kinds() {
                warn!(origin = %input.origin, field = kind.field, count = kind.count, first = %kind.first, "field left out; the record was still evaluated");
            }
            if let Some(first) = evaluation.errors.first() {
                let count = evaluation.errors.len();
                let what = if input.object.is_some() {
                    "unreadable log file"
                } else {
                    "unreadable event"
                };
                let message = format!("{what}: {first} ({count} error(s))");
                alerts.fail(i, FailureKind::Permanent, Cause::Unreadable, message);
            }
            // Nothing more to do: no failure to settle, nothing to alert, count or keep.
            quiet[i] = alerts.failures[i].is_none()
                && evaluation.findings.is_empty()
                && evaluation.observations.is_empty()
                && evaluation.configurations.is_empty()
                && evaluation.deferred.is_empty()
                && input.object.as_ref().is_none_or(|o| o.run.is_none());
            evaluations.push(evaluation);
        }
        self.enrich(&mut evaluations, now).await;
        // Live: one state for all. Back-test: each run's inputs apart, in the run's own
        // namespace, so runs neither see nor change each other's (nor live) state.
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let namespace = match self.mode {
                Mode::Live => String::new(),
                Mode::Backtest { .. } => {
                    let run = input.object.as_ref().and_then(|o| o.run.as_deref()).unwrap_or("-");
                    format!("{BACKTEST_NAMESPACE}{run}#")
                }
            };
            match groups.iter_mut().find(|(n, _)| *n == namespace) {
                Some((_, members)) => members.push(i),
                None => groups.push((namespace, vec![i])),
            }
        }
        for (namespace, members) in &groups {
            let mut group: Vec<Evaluation> = members.iter().map(|&i| std::mem::take(&mut evaluations[i])).collect();
            let namespaced = Namespaced::new(&self.store, namespace);
            alerts.namespace.clone_from(namespace);
            let store: &dyn StateStore = if namespace.is_empty() { &self.store } else { &namespaced };
            let mut sink = Remapped {
                inner: &mut *alerts,
                members,
            };
            let finished = self.pipeline.finish(&mut group, store, &mut sink).await;
            if let Err(failure) = finished {
                error!(inputs = failure.inputs.len(), error = %failure.error, "stateful detections failed");
                for &i in &failure.inputs {
                    let message = format!("stateful detections: {}", failure.error);
                    alerts.fail(members[i], failure.error.kind, Cause::State, message);
                }
            }
            for (&i, evaluation) in members.iter().zip(group) {
                evaluations[i] = evaluation;
            }
        }
        match &self.mode {
            Mode::Live => self.keep_configurations(&evaluations, alerts, now).await,
            Mode::Backtest { bucket, prefix } => self.write_results(inputs, alerts, bucket, prefix).await,
        }
        for (i, input) in inputs.iter().enumerate() {
            let failure = alerts.failures[i].take();
            let failed = failure.is_some();
            let mut result = self.settle(input, failure, &mut alerts.summary).await;
            if let (Some(object), None) = (&input.object, &result) {
                result = self.count_progress(object, failed, alerts.found[i], now).await;
            }
            results[i] = Some(result);
        }
    }

    /// Reads one log file, streamed, on a thread of its own: its evaluation, or why it could
    /// not be read.
    async fn read_object(&self, object: &LogObject) -> Result<Evaluation, Failure> {
        let at = format!("s3://{}/{}", object.bucket, object.key);
        let fail = |kind: FailureKind, why: &str| Failure {
            kind,
            cause: Cause::Unreadable,
            message: if why.contains(&at) {
                why.to_owned()
            } else {
                format!("{at}: {why}")
            },
        };
        if !self.trail_buckets.is_empty() && !self.trail_buckets.contains(&object.bucket) {
            return Err(fail(
                FailureKind::Permanent,
                "the bucket is not one of AIDR_TRAIL_BUCKETS",
            ));
        }
        let reader = self
            .objects
            .open(&object.bucket, &object.key)
            .await
            .map_err(|e| fail(e.kind, &e.message))?;
        let broke = Arc::new(Mutex::new(None));
        let watched = Watched {
            inner: reader,
            broke: Arc::clone(&broke),
        };
        let (pipeline, origin) = (Arc::clone(&self.pipeline), at.clone());
        let read = tokio::task::spawn_blocking(move || {
            let mut input = aidr_engine::input::open(io::BufReader::with_capacity(READ_BUFFER, watched))?;
            Ok::<_, io::Error>(pipeline.read_from(&mut input, Layout::Stream, &origin, &mut |_| {}))
        })
        .await;
        if let Some(e) = broke.lock().ok().and_then(|mut b| b.take()) {
            return Err(fail(FailureKind::Transient, &format!("the download broke: {e}")));
        }
        match read {
            Ok(Ok(evaluation)) => Ok(evaluation),
            Ok(Err(e)) => Err(fail(FailureKind::Permanent, &e.to_string())),
            Err(e) if e.is_panic() => Err(fail(FailureKind::Permanent, &format!("the reader failed: {e}"))),
            Err(e) => Err(fail(FailureKind::Transient, &format!("the reader was stopped: {e}"))),
        }
    }

    /// Back-test mode: writes each input's findings to S3 as OCSF JSON lines: the event rules'
    /// in one object per input (the same on every redelivery), each stateful detection's
    /// finding in an object of its own (a redelivery, whose events were observed already,
    /// finds it no more and must not overwrite it). An input to be retried writes nothing yet;
    /// one dead-lettered for bad records still writes the findings of the records it held. An
    /// input whose findings were not written fails, and counts none.
    async fn write_results(
        &self,
        inputs: &[Input<'_>],
        alerts: &mut Alerts<'_, S, P, D, L, O>,
        bucket: &str,
        prefix: &str,
    ) {
        for (i, input) in inputs.iter().enumerate() {
            let findings = std::mem::take(&mut alerts.kept[i]);
            if findings.is_empty() || alerts.failures[i].as_ref().is_some_and(|f| f.kind.is_transient()) {
                continue;
            }
            let run = input.object.as_ref().and_then(|o| o.run.as_deref());
            let stateful = |f: &Finding| {
                let detection = self.pipeline.registry().get(&f.rule_id);
                detection.is_some_and(|d| d.kind() == DetectionKind::Stateful)
            };
            let (apart, together): (Vec<Finding>, Vec<Finding>) = findings.into_iter().partition(|f| stateful(f));
            let mut objects: Vec<(String, &[Finding])> = apart
                .iter()
                .map(|f| {
                    (
                        trail::stateful_results_key(prefix, run, &f.rule_id, &event_key(f)),
                        std::slice::from_ref(f),
                    )
                })
                .collect();
            if !together.is_empty() {
                let key = match &input.object {
                    Some(object) => trail::results_key(prefix, run, &object.key),
                    None => {
                        let body = input.body().unwrap_or_default();
                        format!("{prefix}events/{}.ocsf.ndjson", event_id_of(&body))
                    }
                };
                objects.push((key, &together));
            }
            for (key, findings) in objects {
                let mut body = Vec::new();
                for finding in findings {
                    body.extend(to_ocsf(finding).to_string().into_bytes());
                    body.push(b'\n');
                }
                match self.objects.put(bucket, &key, body, "application/x-ndjson").await {
                    Ok(()) => info!(bucket, key, findings = findings.len(), "back-test findings written"),
                    Err(e) => {
                        alerts.found[i] = 0;
                        alerts.fail(i, e.kind, Cause::Alert, format!("writing s3://{bucket}/{key}: {e}"));
                    }
                }
            }
        }
    }

    /// Counts an object queued by a backfill run towards the run's progress, once: done (with
    /// its `found` findings) or, when it `failed` and was dead-lettered, failed. A done
    /// object whose count could not be written (for a reason that may pass) is retried.
    async fn count_progress(&self, object: &LogObject, failed: bool, found: usize, now: i64) -> Option<Failure> {
        let run = object.run.as_deref()?;
        let counter = if failed { Progress::Failed } else { Progress::Done };
        let counted = async {
            let expires = now + trail::PROGRESS_TTL_SECS;
            if !self
                .store
                .insert_if_absent(&trail::counted_key(run, &object.key), 1, expires, now)
                .await?
            {
                return Ok::<_, StateError>(());
            }
            self.store.add(&counter.key(run), 1, expires, now).await?;
            if found > 0 {
                let found = i64::try_from(found).unwrap_or(i64::MAX);
                self.store
                    .add(&Progress::Findings.key(run), found, expires, now)
                    .await?;
            }
            Ok(())
        };
        match counted.await {
            Ok(()) => None,
            Err(e) if !failed && e.kind.is_transient() => {
                error!(run, key = %object.key, error = %e, "backfill progress not counted; the object will be read again");
                Some(Failure {
                    kind: e.kind,
                    cause: Cause::State,
                    message: format!("backfill progress of {run}: {e}"),
                })
            }
            Err(e) => {
                error!(run, key = %object.key, error = %e, "backfill progress not counted");
                None
            }
        }
    }

    /// Answers the lookups the records set aside asked (all inputs' at once, each request
    /// once) and judges those records again: their findings and configurations join their
    /// evaluations.
    async fn enrich(&self, evaluations: &mut [Evaluation], now: i64) {
        let requests: Vec<LookupRequest> = evaluations
            .iter()
            .flat_map(|e| e.deferred.iter().flat_map(|d| d.requests.iter().cloned()))
            .collect();
        if requests.is_empty() {
            return;
        }
        let answers = match &self.lookups {
            Some(resolver) => resolver.resolve(&requests, &self.store, now).await,
            None => Answers::default(),
        };
        for request in &requests {
            let answer = answers.get(request);
            match answer.failure() {
                Some(why) => {
                    warn!(lookup = ?request, why, "lookup not answered; the finding says what was not checked")
                }
                None => info!(lookup = ?request, found = answer.doc().is_some(), "looked up"),
            }
        }
        for evaluation in evaluations.iter_mut() {
            for deferred in std::mem::take(&mut evaluation.deferred) {
                self.pipeline.rejudge(&deferred, &answers, evaluation);
            }
        }
    }

    /// Keeps the configurations the inputs put (the Bedrock logging configuration a playbook
    /// restores, the last one seen for the next put's diff) once their findings were alerted:
    /// an input that will be delivered again keeps nothing yet, so that its retry is still
    /// compared with the configuration before it. An input whose configuration could not be
    /// kept fails like a state failure.
    async fn keep_configurations(&self, evaluations: &[Evaluation], alerts: &mut Alerts<'_, S, P, D, L, O>, now: i64) {
        for (i, evaluation) in evaluations.iter().enumerate() {
            if alerts.failures[i].is_some() {
                continue;
            }
            for observed in &evaluation.configurations {
                match self
                    .store
                    .put_record(&observed.key, &observed.doc, now + RECORD_TTL_SECS)
                    .await
                {
                    Ok(()) => info!(key = %observed.key, "configuration kept"),
                    Err(e) => {
                        let message = format!("keeping {}: {e}", observed.key);
                        alerts.fail(i, e.kind, Cause::State, message);
                    }
                }
            }
        }
    }

    /// Settles one input's failure: a permanent one goes to the dead-letter queue (when that
    /// fails, the input is retried instead); a transient one is returned for retry.
    async fn settle(&self, input: &Input<'_>, failure: Option<Failure>, summary: &mut Summary) -> Option<Failure> {
        let failure = failure?;
        let body = input.body().unwrap_or_default();
        let (origin, event_id) = (&input.origin, event_id_of(&body));
        if failure.kind.is_transient() {
            error!(origin, event_id, error = %failure, "failed; it will be delivered again");
            summary.retried += 1;
            return Some(failure);
        }
        match self.dead_letters.keep(&body, origin, &failure.message).await {
            Ok(()) => {
                error!(origin, event_id, error = %failure, "can never be processed; sent to the dead-letter queue");
                summary.dead_lettered += 1;
                None
            }
            Err(e) => {
                error!(origin, event_id, error = %failure, dead_letter_error = %e, "can never be processed, and the dead-letter queue refused it; it will be delivered again");
                summary.retried += 1;
                Some(Failure {
                    kind: FailureKind::Transient,
                    cause: Cause::DeadLetter,
                    message: format!("{failure}; the dead-letter queue refused it: {e}"),
                })
            }
        }
    }
}

/// The detector's [`FindingSink`]: the alerting protocol (or, in back-test mode, the findings
/// kept per input), with one log line per finding and the failures of each input.
struct Alerts<'d, S, P, D, L, O> {
    detector: &'d Detector<S, P, D, L, O>,
    now: i64,
    summary: Summary,
    /// Per input, the failure that decides its fate (a transient one wins).
    failures: Vec<Option<Failure>>,
    /// Per input, its findings (a stateful finding counts for the first input it came from).
    found: Vec<usize>,
    /// Per input, back-test mode's findings to write.
    kept: Vec<Vec<Finding>>,
    /// The markers ([`marker_key`]) of the alerts being delivered and not yet ended, to give
    /// up if the time runs out (a delivery that ended, whatever its outcome, leaves nothing in
    /// flight; one that found another delivery at work must not touch that one's marker).
    delivering: Mutex<BTreeSet<String>>,
    /// The namespace of the state the pipeline works on now (back-test runs have their own).
    namespace: String,
    /// The sightings marks (under `namespace`) of a stateful batch being judged, to take back
    /// if the time runs out.
    judging: Vec<String>,
}

/// A sink for a group of the inputs: positions in the group are the inputs at `members`.
struct Remapped<'a, K> {
    inner: &'a mut K,
    members: &'a [usize],
}

impl<K: FindingSink> FindingSink for Remapped<'_, K> {
    async fn accept(&mut self, findings: Vec<Finding>, inputs: &[usize]) {
        let inputs: Vec<usize> = inputs.iter().map(|&i| self.members[i]).collect();
        self.inner.accept(findings, &inputs).await;
    }

    fn judging(&mut self, marks: &[String]) {
        self.inner.judging(marks);
    }
}

/// A log file's download, remembering whether it broke (so a broken download is retried,
/// while bad content is not).
struct Watched {
    inner: Box<dyn Read + Send>,
    broke: Arc<Mutex<Option<io::Error>>>,
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if let Ok(mut broke) = self.broke.lock() {
                *broke = Some(io::Error::new(e.kind(), e.to_string()));
            }
        })
    }
}

/// Findings delivered at once.
const DELIVERIES_AT_ONCE: usize = 16;

/// Bytes read from S3 at a time.
const READ_BUFFER: usize = 256 * 1024;

impl<S, P, D, L, O> Alerts<'_, S, P, D, L, O> {
    fn fail(&mut self, input: usize, kind: FailureKind, cause: Cause, message: String) {
        let slot = &mut self.failures[input];
        let replace = match slot {
            None => true,
            Some(current) => kind.is_transient() && !current.kind.is_transient(),
        };
        if replace {
            *slot = Some(Failure { kind, cause, message });
        }
    }
}

impl<S: StateStore, P: Publisher, D: DeadLetters, L: Send + Sync, O: Send + Sync> FindingSink
    for Alerts<'_, S, P, D, L, O>
{
    async fn accept(&mut self, findings: Vec<Finding>, inputs: &[usize]) {
        let d = self.detector;
        self.summary.findings += findings.len();
        let Some(&first) = inputs.first() else { return };
        if let Mode::Backtest { .. } = d.mode {
            for finding in findings {
                match d.policy.silenced(&finding, self.now) {
                    Some(_) => self.summary.silenced += 1,
                    None => {
                        self.found[first] += 1;
                        self.kept[first].push(finding);
                    }
                }
            }
            return;
        }
        self.found[first] += findings.len();
        // Findings are delivered a few at a time (a log file may hold thousands; each takes a
        // handful of calls); the protocol is safe for concurrent deliveries of one dedupe key.
        let now = self.now;
        *self.delivering.get_mut().unwrap_or_else(PoisonError::into_inner) = findings.iter().map(marker_key).collect();
        let delivering = &self.delivering;
        let mut deliveries = Vec::with_capacity(findings.len());
        for finding in &findings {
            deliveries.push(async move {
                let outcome = deliver(finding, &d.store, &d.publisher, &d.policy, now).await;
                delivering
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&marker_key(finding));
                outcome
            });
        }
        let outcomes: Vec<_> = stream::iter(deliveries).buffered(DELIVERIES_AT_ONCE).collect().await;
        self.delivering
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        for (finding, outcome) in findings.iter().zip(outcomes) {
            let event_id = finding.event_ids().first().map(String::as_str).unwrap_or("-");
            match outcome {
                Ok(outcome) => {
                    let (count, name) = match outcome {
                        Outcome::Alerted => (&mut self.summary.alerted, "alerted"),
                        Outcome::Merged { .. } => (&mut self.summary.merged, "merged"),
                        Outcome::Updated { .. } => (&mut self.summary.updated, "updated"),
                        Outcome::Duplicate => (&mut self.summary.duplicates, "duplicate"),
                        Outcome::Silenced(_) => (&mut self.summary.silenced, "silenced"),
                    };
                    *count += 1;
                    info!(
                        rule_id = %finding.rule_id,
                        severity = %finding.severity,
                        event_id,
                        account = finding.account.as_deref().unwrap_or("-"),
                        dedupe_key = %finding.dedupe_key,
                        outcome = name,
                        detail = ?outcome,
                        summary = %finding.summary,
                        "finding"
                    );
                }
                Err(e) => {
                    error!(rule_id = %finding.rule_id, event_id, error = %e, "finding not alerted");
                    let message = format!("finding {} not alerted: {e}", finding.rule_id);
                    for &input in inputs {
                        self.fail(input, e.kind(), Cause::Alert, message.clone());
                    }
                }
            }
        }
    }

    fn judging(&mut self, marks: &[String]) {
        self.judging = marks.iter().map(|m| format!("{}{m}", self.namespace)).collect();
    }
}

impl From<HandlerError> for lambda_runtime::Diagnostic {
    fn from(e: HandlerError) -> Self {
        let error_type = match &e {
            HandlerError::Response(_) => "Aidr.ResponseNotWritten",
            HandlerError::Retry(f) => match f.cause {
                Cause::Alert => "Aidr.AlertNotDelivered",
                Cause::State => "Aidr.StateUnavailable",
                Cause::DeadLetter => "Aidr.DeadLetterNotKept",
                Cause::Unreadable => "Aidr.UnreadableEvent",
                Cause::Deadline => "Aidr.OutOfTime",
            },
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.into(),
            error_message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use aidr_aws::lookup::AwsLookup;
    use aidr_engine::ports::{DefaultVersion, LookupError, MemoryStore, now_or_never};
    use aidr_engine::response::PrincipalKind;
    use aidr_engine::{Organization, Registry};
    use aidr_testkit::objects::MemoryObjects;
    use aidr_testkit::recording::{RecordingDeadLetters, RecordingPublisher};
    use aidr_testkit::samples::events_dir;
    use serde_json::{Value, json};

    use super::*;

    type TestDetector = Detector<MemoryStore, RecordingPublisher, RecordingDeadLetters, AwsLookup, MemoryObjects>;

    fn detector() -> TestDetector {
        Detector {
            pipeline: Pipeline::new(Registry::builtin(), Organization::default(), Some(Default::default())).into(),
            store: MemoryStore::default(),
            publisher: RecordingPublisher::default(),
            dead_letters: RecordingDeadLetters::default(),
            policy: AlertPolicy::default(),
            lookups: None,
            objects: MemoryObjects::default(),
            trail_buckets: Vec::new(),
            mode: Mode::Live,
        }
    }

    fn sample(name: &str) -> String {
        std::fs::read_to_string(events_dir().join(name)).unwrap()
    }

    fn invoke(d: &TestDetector, payload: &str) -> Result<Value, HandlerError> {
        let raw = RawValue::from_string(payload.to_owned()).unwrap();
        now_or_never(d.handle(&raw, 1_800_000_000)).expect("in-memory ports never wait")
    }

    fn sqs(bodies: &[(&str, String)]) -> String {
        let records: Vec<Value> = bodies
            .iter()
            .map(|(id, body)| {
                json!({"messageId": id, "receiptHandle": "r", "body": body, "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:aidr-batch", "awsRegion": "us-east-1",
                "attributes": {}, "messageAttributes": {}, "md5OfBody": ""})
            })
            .collect();
        json!({ "Records": records }).to_string()
    }

    fn failed_ids(out: &Value) -> Vec<&str> {
        out["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn logging_configurations_put_are_kept_unless_they_weaken_logging() {
        let d = detector();
        let now = 1_800_000_000;
        invoke(&d, &sample("bedrock/PutModelInvocationLoggingConfiguration.json")).unwrap();
        let event: Value =
            serde_json::from_str(&sample("bedrock/PutModelInvocationLoggingConfiguration.json")).unwrap();
        let detail = &event["detail"];
        let key = aidr_engine::response::logging_config_key(
            detail["recipientAccountId"].as_str().unwrap(),
            detail["awsRegion"].as_str().unwrap(),
        );
        let kept = now_or_never(d.store.get_record(&key, now)).unwrap().unwrap();
        assert_eq!(kept, Some(detail["requestParameters"]["loggingConfig"].clone()));
        invoke(
            &d,
            &sample("bedrock/PutModelInvocationLoggingConfiguration-text-off.json"),
        )
        .unwrap();
        let still = now_or_never(d.store.get_record(&key, now)).unwrap().unwrap();
        assert_eq!(still, kept, "a weakening put is not what a restore should bring back");
    }

    /// A lookup whose every call fails as a timeout would.
    struct TimingOut;

    impl Lookup for TimingOut {
        async fn default_policy_version(&self, _: &str, _: &str) -> Result<Option<DefaultVersion>, LookupError> {
            Err(LookupError::new("iam:GetPolicy", "timed out after 2 s"))
        }
        async fn policy_version(&self, _: &str, _: &str, _: &str) -> Result<Option<Value>, LookupError> {
            Err(LookupError::new("iam:GetPolicyVersion", "timed out after 2 s"))
        }
        async fn inline_policy(
            &self,
            _: &str,
            _: PrincipalKind,
            _: &str,
            _: &str,
        ) -> Result<Option<Value>, LookupError> {
            Err(LookupError::new("iam:GetRolePolicy", "timed out after 2 s"))
        }
        async fn guardrail(&self, _: &str, _: &str, _: &str) -> Result<Option<Value>, LookupError> {
            Err(LookupError::new("bedrock:GetGuardrail", "timed out after 2 s"))
        }
    }

    fn enriching() -> Detector<MemoryStore, RecordingPublisher, RecordingDeadLetters, TimingOut, MemoryObjects> {
        Detector {
            pipeline: Pipeline::new(Registry::builtin(), Organization::default(), None)
                .with_lookups()
                .into(),
            store: MemoryStore::default(),
            publisher: RecordingPublisher::default(),
            dead_letters: RecordingDeadLetters::default(),
            policy: AlertPolicy::default(),
            lookups: Some(Resolver::new(TimingOut, std::time::Duration::from_secs(4))),
            objects: MemoryObjects::default(),
            trail_buckets: Vec::new(),
            mode: Mode::Live,
        }
    }

    fn run<L: Lookup>(
        d: &Detector<MemoryStore, RecordingPublisher, RecordingDeadLetters, L, MemoryObjects>,
        payload: &Value,
    ) -> Value {
        let raw = RawValue::from_string(payload.to_string()).unwrap();
        now_or_never(d.handle(&raw, 1_800_000_000)).unwrap().unwrap()
    }

    #[test]
    fn a_put_is_compared_with_the_one_kept_before_it_and_a_failed_lookup_still_alerts() {
        let d = enriching();
        let mut put: Value =
            serde_json::from_str(&sample("bedrock/PutModelInvocationLoggingConfiguration.json")).unwrap();
        let config = put["detail"]["requestParameters"]["loggingConfig"].clone();
        assert!(
            config["s3Config"].is_object() && config["cloudWatchConfig"].is_object(),
            "{config}"
        );
        assert_eq!(run(&d, &put)["findings"], 0);
        put["detail"]["eventID"] = json!("second-put");
        put["detail"]["requestParameters"]["loggingConfig"]
            .as_object_mut()
            .unwrap()
            .remove("s3Config");
        assert_eq!(run(&d, &put)["alerted"], 1);
        let sent = d.publisher.sent();
        let summary = sent[0].summary.clone();
        assert!(
            summary.contains("since the previous configuration: S3 destination removed"),
            "{summary}"
        );

        // A put whose alert failed is retried, and its retry is still compared with the one
        // before it (nothing was kept for it).
        let mut third = put.clone();
        third["detail"]["eventID"] = json!("third-put");
        third["detail"]["requestParameters"]["loggingConfig"]
            .as_object_mut()
            .unwrap()
            .remove("cloudWatchConfig");
        d.publisher.set_outage(Some(FailureKind::Transient));
        let raw = RawValue::from_string(third.to_string()).unwrap();
        assert!(now_or_never(d.handle(&raw, 1_800_000_000)).unwrap().is_err());
        d.publisher.set_outage(None);
        assert_eq!(run(&d, &third)["alerted"], 1);
        let sent = d.publisher.sent();
        let summary = &sent[1].summary;
        assert!(summary.contains("CloudWatch destination removed"), "{summary}");

        // IAM does not answer: the attachment is still alerted, saying what was not checked.
        let mut attach: Value = serde_json::from_str(&sample("iam/AttachUserPolicy.json")).unwrap();
        attach["detail"]["requestParameters"]["policyArn"] = json!("arn:aws:iam::111122223333:policy/Ops");
        assert_eq!(run(&d, &attach)["alerted"], 1);
        let sent = d.publisher.sent();
        let summary = &sent[2].summary;
        assert!(
            summary.contains("its document was not checked (iam:GetPolicy failed: timed out after 2 s)"),
            "{summary}"
        );
    }

    #[test]
    fn risky_event_alerts_once() {
        let d = detector();
        let out = invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap();
        assert_eq!((out["findings"].as_u64(), out["alerted"].as_u64()), (Some(1), Some(1)));
        let again = invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap();
        assert_eq!(again["duplicates"], 1);
        assert_eq!(d.publisher.sent_rules(), ["bedrock.guardrail_deleted"]);
    }

    #[test]
    fn benign_and_other_events_touch_nothing() {
        let d = detector();
        let out = invoke(&d, &sample("iam/AttachRolePolicy-readonly.json")).unwrap();
        assert_eq!((out["records"].as_u64(), out["findings"].as_u64()), (Some(1), Some(0)));
        let other = r#"{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}"#;
        assert_eq!(invoke(&d, other).unwrap()["skipped"], 1);
        assert!(d.store.is_empty());
        assert!(d.publisher.sent().is_empty());
        assert!(d.dead_letters.kept().is_empty());
    }

    #[test]
    fn unreadable_event_goes_to_the_dead_letter_queue_at_once() {
        let d = detector();
        let bad =
            r#"{"detail-type":"AWS API Call via CloudTrail","id":"env-7","detail":{"eventName":7,"eventID":"ev-7"}}"#;
        let out = invoke(&d, bad).unwrap();
        assert_eq!(
            (out["dead_lettered"].as_u64(), out["retried"].as_u64()),
            (Some(1), Some(0))
        );
        let kept = d.dead_letters.kept();
        assert_eq!(kept.len(), 1);
        assert_eq!((kept[0].body.as_str(), kept[0].origin.as_str()), (bad, "event"));
        assert!(kept[0].reason.starts_with("unreadable event"), "{}", kept[0].reason);
        assert_eq!(event_id_of(bad), "ev-7");
    }

    #[test]
    fn unreadable_event_is_retried_when_the_dead_letter_queue_is_down() {
        let d = detector();
        d.dead_letters.set_outage(Some(FailureKind::Transient));
        let err = invoke(
            &d,
            r#"{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":7}}"#,
        )
        .unwrap_err();
        let diagnostic: lambda_runtime::Diagnostic = err.into();
        assert_eq!(diagnostic.error_type, "Aidr.DeadLetterNotKept");
    }

    #[test]
    fn sqs_batch_retries_only_what_can_pass_and_dead_letters_what_cannot() {
        let d = detector();
        let batch = sqs(&[
            ("m1", sample("bedrock/InvokeModel-long-term-key.json")),
            ("m2", "{not json".into()),
            ("m3", sample("bedrock/Converse-root.json")),
            ("m4", sample("bedrock/InvokeModel.json")),
        ]);
        let out = invoke(&d, &batch).unwrap();
        assert!(failed_ids(&out).is_empty(), "{out}");
        assert_eq!(d.publisher.sent().len(), 2);
        let kept = d.dead_letters.kept();
        assert_eq!(
            (kept.len(), kept[0].origin.as_str(), kept[0].body.as_str()),
            (1, "m2", "{not json")
        );
    }

    #[test]
    fn deeply_nested_body_is_dead_lettered_and_the_rest_of_the_batch_goes_on() {
        let d = detector();
        let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        let mut odd: Value = serde_json::from_str(&sample("bedrock/DeleteGuardrail.json")).unwrap();
        odd["detail"]["readOnly"] = json!("False");
        odd["detail"]["userIdentity"]["sessionContext"] = json!("not an object");
        let batch = sqs(&[("deep", deep), ("odd", odd.to_string())]);
        let out = invoke(&d, &batch).unwrap();
        assert!(failed_ids(&out).is_empty(), "{out}");
        assert_eq!(d.publisher.sent_rules(), ["bedrock.guardrail_deleted"]);
        let kept = d.dead_letters.kept();
        assert_eq!((kept.len(), kept[0].origin.as_str()), (1, "deep"));
        assert!(kept[0].reason.contains("nested more than"), "{}", kept[0].reason);
    }

    #[test]
    fn transient_publish_failure_retries_the_event_and_the_retry_alerts_once() {
        let d = detector();
        d.publisher.set_outage(Some(FailureKind::Transient));
        let err = invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap_err();
        assert!(
            matches!(&err, HandlerError::Retry(f) if f.cause == Cause::Alert),
            "{err}"
        );
        let diagnostic: lambda_runtime::Diagnostic = err.into();
        assert_eq!(diagnostic.error_type, "Aidr.AlertNotDelivered");
        d.publisher.set_outage(None);
        assert_eq!(
            invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap()["alerted"],
            1
        );
        assert_eq!(
            invoke(&d, &sample("bedrock/DeleteGuardrail.json")).unwrap()["duplicates"],
            1
        );
        assert_eq!(d.publisher.sent().len(), 1);
        assert!(d.dead_letters.kept().is_empty());
    }

    #[test]
    fn permanent_publish_failure_dead_letters_the_message_only() {
        let d = detector();
        d.publisher.set_outage(Some(FailureKind::Permanent));
        let batch = sqs(&[
            ("alerting", sample("bedrock/DeleteGuardrail.json")),
            ("benign", sample("bedrock/InvokeModel.json")),
        ]);
        let out = invoke(&d, &batch).unwrap();
        assert!(failed_ids(&out).is_empty(), "{out}");
        let kept = d.dead_letters.kept();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].origin, "alerting");
        assert!(kept[0].reason.contains("not alerted"), "{}", kept[0].reason);
    }

    #[test]
    fn sqs_batch_feeds_the_stateful_detections_once() {
        let d = detector();
        let mut denied: Value = serde_json::from_str(&sample("bedrock/InvokeModel.json")).unwrap();
        denied["detail"]["errorCode"] = json!("AccessDeniedException");
        let bodies: Vec<(String, String)> = (0..12)
            .map(|i| {
                denied["detail"]["eventID"] = json!(format!("probe-{i}"));
                (format!("m{i}"), denied.to_string())
            })
            .collect();
        let refs: Vec<(&str, String)> = bodies.iter().map(|(id, b)| (id.as_str(), b.clone())).collect();
        let out = invoke(&d, &sqs(&refs)).unwrap();
        assert_eq!(out["batchItemFailures"], json!([]));
        assert_eq!(d.publisher.sent_rules(), ["bedrock.llmjacking_probing"]);
        // The same burst redelivered is one alert still (idempotent per event, merged per key).
        invoke(&d, &sqs(&refs)).unwrap();
        assert_eq!(d.publisher.sent().len(), 1);
    }
}
