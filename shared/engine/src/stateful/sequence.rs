//! Sequences: a call that prepares LLMjacking (a model enablement, a look around by a
//! long-term key), then an invocation by the same key within a window. The first call leaves a
//! marker (`llm#<marker>_at#acct#id`, its time) and its event ids (`llm#<marker>_ids#…`), both
//! expiring with the window; an invocation that finds the marker completes the sequence.

use std::collections::BTreeSet;

use super::bedrock;
use super::keys::key;
use super::settings::StatefulSettings;
use super::{Job, Signal};
use crate::detection::EventKey;
use crate::ports::StateError;
use crate::severity::Severity;

/// One kind of sequence.
pub(super) struct Sequence {
    /// The marker's name in the state keys: `enable`, `recon`.
    pub marker: &'static str,
    /// The calls that start the sequence.
    pub starts: &'static [EventKey],
    /// Whether only long-term keys (or root) start it.
    pub long_term_only: bool,
    /// The window, from the settings.
    pub window: fn(&StatefulSettings) -> i64,
    /// What the first call did, for the signal's detail: "model access was enabled".
    pub what: &'static str,
}

impl Sequence {
    /// Leaves markers for the calls that start the sequence, then reports the earliest
    /// invocation of each key that finds one.
    pub(super) async fn judge<'a>(&self, job: Job<'a>) -> Result<Vec<Signal<'a>>, StateError> {
        let window = (self.window)(job.settings);
        let (at_key, ids_key) = (format!("{}_at", self.marker), format!("{}_ids", self.marker));
        for (_, o) in job.observations() {
            if !bedrock::is_in(self.starts, o.source, o.action) {
                continue;
            }
            // A call AWS made for the caller (the Marketplace subscription Bedrock starts on a
            // first third-party invocation) is the caller's own invocation: a start only for
            // the credentials LLMjacking runs on.
            let on_behalf = || o.principal.aws_service().is_some();
            if !o.long_term() && (self.long_term_only || on_behalf()) {
                continue;
            }
            let (acct, id, t) = (&*o.account, &*o.identity, o.time);
            job.store.set(&key(&[&at_key, acct, id]), t, t + window).await?;
            job.store
                .append(
                    &key(&[&ids_key, acct, id]),
                    std::slice::from_ref(&o.event_id),
                    t + window,
                    t,
                )
                .await?;
        }
        let groups = job.invocations();
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let now = job.batch.start();
        let identities: BTreeSet<(&str, &str)> = groups.keys().map(|k| (k.0, k.1)).collect();
        let marker_keys: Vec<String> = identities.iter().map(|(acct, id)| key(&[&at_key, acct, id])).collect();
        let markers = job.store.get_many(&marker_keys, now).await?;
        let mut signals = Vec::new();
        for ((acct, id), marker) in identities.into_iter().zip(markers) {
            let Some(at) = marker.map(|m| m.value) else { continue };
            // The earliest invocation of the key inside the window (groups span an hour at
            // most, so their first and last calls bound them).
            let hit = groups
                .iter()
                .filter(|(k, _)| k.0 == acct && k.1 == id)
                .flat_map(|(_, g)| [g.first, g.last])
                .filter(|&i| (at..=at + window).contains(&job.batch.at(i).time))
                .min_by_key(|&i| job.batch.at(i).time);
            let Some(i) = hit else { continue };
            let invocation = job.batch.at(i);
            let mut event_ids: Vec<String> = job
                .store
                .members(&key(&[&ids_key, acct, id]), now)
                .await?
                .members
                .into_iter()
                .collect();
            event_ids.push(invocation.event_id.clone());
            let detail = format!(
                "{}, then the key invoked {} {} s later",
                self.what,
                invocation.action,
                invocation.time - at
            );
            signals.push(job.signal(Severity::High, i, detail, event_ids));
        }
        Ok(signals)
    }
}
