//! A batch of observations in event-time order, and the groups of Bedrock invocations that
//! reached the model that several detections (sequences, first-seen, volume, fan-out) read: computed
//! once per batch, whichever detection asks first (see `Job::invocations`).

use std::collections::{BTreeMap, BTreeSet};

use super::bedrock;
use super::observation::Observation;

/// The observations of one batch (an SQS batch in the Lambda, a slice of the time-ordered
/// replay in the CLI), sorted by event time, then event id.
#[derive(Debug)]
pub struct Batch<'o> {
    observations: &'o [Observation],
}

/// (account, identity, baseline principal, model, region, hour) of a group of invocations;
/// the strings are the observations'.
pub type GroupKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, i64);

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

/// The groups of Bedrock invocations that reached the model in a batch, in key order.
pub type Invocations<'a> = BTreeMap<GroupKey<'a>, Group>;

/// Puts observations in event-time order (time, then event id).
pub fn sort(observations: &mut [Observation]) {
    observations.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
}

impl<'o> Batch<'o> {
    /// A batch of `observations`, put in event-time order first.
    pub fn new(observations: &'o mut [Observation]) -> Batch<'o> {
        sort(observations);
        Batch { observations }
    }

    /// Every observation, in event-time order.
    pub fn observations(&self) -> &'o [Observation] {
        self.observations
    }

    /// The observation at `index`.
    pub fn at(&self, index: usize) -> &'o Observation {
        &self.observations[index]
    }

    /// The time of the earliest observation (0 for an empty batch).
    pub fn start(&self) -> i64 {
        self.observations.first().map_or(0, |o| o.time)
    }

    /// The Bedrock invocations that reached the model (succeeded, or failed with an error that
    /// proves access, such as the ValidationException of a probe with an invalid body), grouped
    /// by account, key, principal, model, region and hour, computed anew (detections use `Job::invocations`, computed once per batch).
    pub fn invocations(&self) -> Invocations<'o> {
        let mut groups = Invocations::new();
        for (i, o) in self.observations.iter().enumerate() {
            if !o.took_effect() || !bedrock::is_in(bedrock::INVOKE, o.source, o.action) {
                continue;
            }
            let key = (
                &*o.account,
                &*o.identity,
                &*o.baseline,
                o.model.as_deref().unwrap_or("unknown-model"),
                &*o.region,
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
}
