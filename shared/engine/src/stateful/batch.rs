//! A batch of observations in event-time order, and the groups of successful Bedrock
//! invocations that several detections (sequences, first-seen, volume, fan-out) read: computed
//! once per batch, whichever detection asks first.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use super::bedrock;
use super::observation::Observation;

/// The observations of one batch (an SQS batch in the Lambda, a slice of the time-ordered
/// replay in the CLI), sorted by event time, then event id.
#[derive(Debug)]
pub struct Batch {
    observations: Vec<Observation>,
    invocations: OnceLock<Invocations>,
}

/// (account, identity, baseline principal, model, region, hour) of a group of invocations;
/// the strings are shared with the observations.
pub type GroupKey = (Arc<str>, Arc<str>, Arc<str>, Arc<str>, Arc<str>, i64);

/// Invocations of one model by one principal and key, in one region and hour, in one batch.
#[derive(Debug)]
pub struct Group {
    /// Index of the first and the last invocation of the group.
    pub first: usize,
    pub last: usize,
    pub count: i64,
    /// The public network prefixes the calls came from.
    pub prefixes: BTreeSet<String>,
}

/// The groups of successful Bedrock invocations of a batch, in key order.
pub type Invocations = BTreeMap<GroupKey, Group>;

impl Batch {
    /// A batch of `observations`, put in event-time order.
    pub fn new(mut observations: Vec<Observation>) -> Batch {
        observations.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
        Batch {
            observations,
            invocations: OnceLock::new(),
        }
    }

    /// Every observation, in event-time order.
    pub fn observations(&self) -> &[Observation] {
        &self.observations
    }

    /// The observation at `index`.
    pub fn at(&self, index: usize) -> &Observation {
        &self.observations[index]
    }

    /// The time of the earliest observation (0 for an empty batch).
    pub fn start(&self) -> i64 {
        self.observations.first().map_or(0, |o| o.time)
    }

    /// The successful Bedrock invocations grouped by account, key, principal, model, region
    /// and hour.
    pub fn invocations(&self) -> &Invocations {
        self.invocations.get_or_init(|| group(&self.observations))
    }
}

fn group(observations: &[Observation]) -> Invocations {
    let mut groups = Invocations::new();
    let unknown_model: Arc<str> = Arc::from("unknown-model");
    for (i, o) in observations.iter().enumerate() {
        if o.failed() || !bedrock::is_in(bedrock::INVOKE, &o.source, &o.action) {
            continue;
        }
        let key = (
            Arc::clone(&o.account),
            Arc::clone(&o.identity),
            Arc::clone(&o.baseline),
            Arc::clone(o.model.as_ref().unwrap_or(&unknown_model)),
            Arc::clone(&o.region),
            o.time.div_euclid(3600),
        );
        let g = groups.entry(key).or_insert(Group {
            first: i,
            last: i,
            count: 0,
            prefixes: BTreeSet::new(),
        });
        g.last = i;
        g.count += 1;
        g.prefixes.extend(o.ip_prefix.iter().map(|p| p.to_string()));
    }
    groups
}
