//! Stateful detections: what an identity does over time, kept in the engine's [`StateStore`] so
//! the same logic runs in `aidr scan` (in memory) and in the detector Lambda (DynamoDB).
//!
//! Records that a stateful detection consumes (through the registry's (eventSource, eventName)
//! index, like event rules) become [`Observation`]s. A batch of them (an SQS batch in the
//! Lambda, a slice of the time-ordered replay in the CLI) goes to [`judge`]: each detection
//! sees its own observations in event-time order, aggregates them in memory and writes state at
//! most once per distinct key, and reports [`Signal`]s. The signals about one access key are
//! correlated into one incident (`incident.rs`), which is what becomes a finding.
//!
//! Time is event time (`eventTime`), never arrival time: windows are judged on event times,
//! and an item is live while its `expires_at` (event time + window) is later than the event
//! being judged. Late or out-of-order events therefore land in the windows they belong to as
//! long as those have not been deleted, and windows only ever grow forward. The state keys are
//! listed in `keys.rs`; windows and thresholds in `settings.rs`.

mod batch;
pub mod bedrock;
mod incident;
mod keys;
mod observation;
mod sequence;
mod settings;
mod sightings;

mod breadth;
mod enablement_then_use;
mod first_seen;
mod probing;
mod recon_then_use;
mod region_fan_out;
mod volume_spike;

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

pub use batch::{Batch, Group, GroupKey, Invocations, sort};
pub use incident::{INCIDENT_EVENTS, INCIDENT_GROUP};
pub use observation::{Interner, Observation, ip_prefix, observe};
pub use settings::StatefulSettings;
pub use sightings::{OWES, SEEN_TTL_SECS, Seen, Sightings, first_sightings, forget, owe, owed};

use crate::detection::Metadata;
use crate::finding::Finding;
use crate::ports::{StateError, StateStore};
use crate::severity::Severity;

/// What a stateful detection reports about one observation of a batch.
#[derive(Debug, Clone)]
pub struct Signal<'a> {
    pub detection: &'a Metadata,
    pub severity: Severity,
    /// Index (in the batch) of the observation that completed the signal.
    pub at: usize,
    /// One line on what was seen: "12 denied or invalid Bedrock calls".
    pub detail: String,
    /// The CloudTrail event ids behind the signal.
    pub event_ids: Vec<String>,
}

/// What one detection gets to judge a batch with.
pub struct Job<'a> {
    pub batch: &'a Batch<'a>,
    /// The detection's own observations: indices into the batch, in event-time order.
    pub mine: Vec<usize>,
    pub store: &'a dyn StateStore,
    pub settings: &'a StatefulSettings,
    pub metadata: &'a Metadata,
    /// The batch's invocation groups, made by the first detection that asks.
    invocations: &'a OnceLock<Invocations<'a>>,
}

impl<'a> Job<'a> {
    /// A signal of this detection about the observation at `at`.
    pub fn signal(&self, severity: Severity, at: usize, detail: String, event_ids: Vec<String>) -> Signal<'a> {
        Signal {
            detection: self.metadata,
            severity,
            at,
            detail,
            event_ids,
        }
    }

    /// The detection's observations with their batch index, in event-time order.
    pub fn observations(&self) -> impl Iterator<Item = (usize, &'a Observation)> + '_ {
        self.mine.iter().map(|&i| (i, self.batch.at(i)))
    }

    /// The batch's Bedrock invocations that reached the model, grouped (see [`Batch::invocations`]).
    pub fn invocations(&self) -> &'a Invocations<'a> {
        self.invocations.get_or_init(|| self.batch.invocations())
    }

    /// Adds `n` observations, the last of them at batch index `last`, to the counter `key`
    /// (kept until `expires_at`, Unix seconds); returns its total. A retry of this add, applied
    /// with its answer lost, does not count twice ([`StateStore::add_once`], with the token
    /// `<last event id>+<n>`); an observation without an event id has no such token, so it
    /// is added plainly.
    ///
    /// # Errors
    /// The store's failure.
    pub async fn count(&self, key: &str, n: i64, last: usize, expires_at: i64) -> Result<i64, StateError> {
        let at = self.batch.at(last);
        if at.event_id.is_empty() {
            return self.store.add(key, n, expires_at, at.time).await;
        }
        let token = format!("{}+{n}", at.event_id);
        self.store.add_once(key, n, &token, expires_at, at.time).await
    }
}

/// The signals a detection reports on a batch, or the state failure that stopped it.
pub type Judgement<'a> = Pin<Box<dyn Future<Output = Result<Vec<Signal<'a>>, StateError>> + Send + 'a>>;

/// A detection over observations, with state.
pub trait StatefulDetection: Send + Sync {
    /// The detection's metadata; `events` says which records become its observations and
    /// `failed_calls` whether failed calls are among them (invocations that failed with an
    /// error proving access always are: see [`Observation::took_effect`]).
    fn metadata(&self) -> &Metadata;

    /// Judges the detection's observations of one batch (`job.mine`), reading and writing the
    /// state it keeps through `job.store`.
    fn judge<'a>(&'a self, job: Job<'a>) -> Judgement<'a>;
}

/// A compiled-in stateful detection: metadata plus a judge function (which boxes its future:
/// `judge: |job| Box::pin(judge(job))`).
pub struct BuiltinStateful {
    pub metadata: Metadata,
    pub judge: for<'a> fn(Job<'a>) -> Judgement<'a>,
}

impl StatefulDetection for BuiltinStateful {
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn judge<'a>(&'a self, job: Job<'a>) -> Judgement<'a> {
        (self.judge)(job)
    }
}

/// Every built-in stateful detection, in catalog order.
pub fn all() -> Vec<Box<dyn StatefulDetection>> {
    vec![
        Box::new(enablement_then_use::DETECTION),
        Box::new(recon_then_use::DETECTION),
        Box::new(breadth::DETECTION),
        Box::new(probing::DETECTION),
        Box::new(first_seen::DETECTION),
        Box::new(volume_spike::DETECTION),
        Box::new(region_fan_out::DETECTION),
    ]
}

/// Judges a batch of observations (any order; they are put in event-time order) with
/// `detections` (bit `i` of [`Observation::wanted`] names `detections[i]`) and returns the
/// incident findings it opens or raises.
///
/// # Errors
/// The first [`StateError`] of the store; the batch should then be retried as a whole. The
/// state already written stays: counters added with [`StateStore::add_once`] do not count the
/// retry twice, but sets and markers a detection moved before the failure (or with a write
/// whose answer was lost) are not moved again, so the retry does not raise their signal.
pub async fn judge(
    detections: &[&dyn StatefulDetection],
    observations: &mut [Observation],
    store: &dyn StateStore,
    settings: &StatefulSettings,
) -> Result<Vec<Finding>, StateError> {
    if observations.is_empty() {
        return Ok(Vec::new());
    }
    let batch = Batch::new(observations);
    let invocations = OnceLock::new();
    let mut signals = Vec::new();
    for (bit, detection) in detections.iter().enumerate() {
        let metadata = detection.metadata();
        let mine: Vec<usize> = batch
            .observations()
            .iter()
            .enumerate()
            .filter(|(_, o)| o.wanted & (1 << bit) != 0 && (metadata.failed_calls || o.took_effect()))
            .map(|(i, _)| i)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let job = Job {
            batch: &batch,
            mine,
            store,
            settings,
            metadata,
            invocations: &invocations,
        };
        signals.extend(detection.judge(job).await?);
    }
    incident::correlate(&batch, signals, store, settings).await
}

#[cfg(test)]
mod tests;
