//! Each CloudTrail event counts once in the stateful detections, however often it arrives: an
//! event seen live (EventBridge) and again in the organization trail's log file, an event on
//! both the default and the organization bus, an SQS message delivered twice. Before a batch
//! is judged, each observation's event is marked seen (`llm#obs#<account>#<event id>`, a
//! conditional write, so of two deliveries racing only one counts); events marked before are
//! left out. When the batch then fails, its marks are taken back so the retry counts it.
//!
//! A batch judged without fault has moved the state (counters, sets, markers) for good: a
//! redelivery, whose events are then seen, raises nothing again. So the findings a batch raises
//! are kept, before they are delivered, with the mark of their first event ([`owe`]: the mark
//! set to [`OWES`], the findings at `llm#owed#<account>#<event id>`), and a delivery that
//! finds events seen hands their findings over again ([`owed`]); the alerting protocol then
//! sends what did not go out and nothing twice. They are kept as long as the marks.

use std::collections::HashMap;

use futures_util::stream::{self, StreamExt};

use super::Observation;
use super::keys::key;
use crate::finding::Finding;
use crate::ports::{StateError, StateStore};

/// How long an event is remembered as seen: 7 days, in seconds (longer than CloudTrail's
/// delivery to S3 and SQS's redelivery of a failed message within its retention of 4 days by
/// default).
pub const SEEN_TTL_SECS: i64 = 7 * 86_400;

/// Marks written at once.
const CONCURRENCY: usize = 32;

/// The value of a mark whose event raised findings, kept at its [`owed_key`]; a mark is
/// otherwise 1.
pub const OWES: i64 = 2;

fn seen_key(o: &Observation) -> String {
    key(&["obs", &o.account, &o.event_id])
}

fn owed_key(o: &Observation) -> String {
    key(&["owed", &o.account, &o.event_id])
}

/// An event of a batch seen before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    mark: String,
    owed: String,
    time: i64,
}

/// What [`first_sightings`] found: the observations whose events were not seen before (an
/// observation without an event id always counts), the marks it wrote (to [`forget`] if the
/// batch fails), and the events seen before (to look for findings [`owed`]).
#[derive(Debug, Default)]
pub struct Sightings {
    pub first: Vec<Observation>,
    pub marks: Vec<String>,
    pub seen: Vec<Seen>,
}

/// Marks the events of `batch` seen: see [`Sightings`]. Times are the events' own, so a
/// redelivery is judged against the same expiry.
///
/// # Errors
/// The first [`StateError`] of a mark; marks written before it are taken back.
pub async fn first_sightings(batch: Vec<Observation>, store: &dyn StateStore) -> Result<Sightings, StateError> {
    let marked: Vec<Result<bool, StateError>> = stream::iter(batch.iter().map(|o| async move {
        if o.event_id.is_empty() {
            return Ok(true);
        }
        store
            .insert_if_absent(&seen_key(o), 1, o.time + SEEN_TTL_SECS, o.time)
            .await
    }))
    .buffered(CONCURRENCY)
    .collect()
    .await;
    let mut written = Vec::new();
    let mut kept = Vec::with_capacity(batch.len());
    let mut seen = Vec::new();
    let mut failure = None;
    for (o, result) in batch.into_iter().zip(marked) {
        match result {
            Ok(true) => {
                if !o.event_id.is_empty() {
                    written.push(seen_key(&o));
                }
                kept.push(o);
            }
            Ok(false) => seen.push(Seen {
                mark: seen_key(&o),
                owed: owed_key(&o),
                time: o.time,
            }),
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    match failure {
        Some(e) => {
            forget(&written, store).await;
            Err(e)
        }
        None => Ok(Sightings {
            first: kept,
            marks: written,
            seen,
        }),
    }
}

/// Keeps `findings`, raised by judging `batch`, with the mark of their first event (one of
/// the batch's; a finding whose first event is not is not kept), before they are delivered.
///
/// # Errors
/// The first [`StateError`]; the findings are still to be delivered (a redelivery then
/// raises none of them again, as before they were kept).
pub async fn owe(findings: &[Finding], batch: &[Observation], store: &dyn StateStore) -> Result<(), StateError> {
    let by_event: HashMap<&str, &Observation> = batch
        .iter()
        .filter(|o| !o.event_id.is_empty())
        .map(|o| (o.event_id.as_str(), o))
        .collect();
    let mut kept: Vec<(&Observation, Vec<String>)> = Vec::new();
    for f in findings {
        let Some(o) = f.event_ids().first().and_then(|e| by_event.get(e.as_str())) else {
            continue;
        };
        let doc = serde_json::to_string(f).map_err(|e| StateError::permanent(format!("finding not kept: {e}")))?;
        match kept.iter_mut().find(|(seen, _)| std::ptr::eq(*seen, *o)) {
            Some((_, docs)) => docs.push(doc),
            None => kept.push((o, vec![doc])),
        }
    }
    for (o, docs) in kept {
        let expires = o.time + SEEN_TTL_SECS;
        store.append(&owed_key(o), &docs, expires, o.time).await?;
        store.set(&seen_key(o), OWES, expires).await?;
    }
    Ok(())
}

/// The findings kept ([`owe`]) for the events of `seen`.
///
/// # Errors
/// The first [`StateError`]; a kept finding that no longer reads as one is left out.
pub async fn owed(seen: &[Seen], store: &dyn StateStore) -> Result<Vec<Finding>, StateError> {
    let Some(now) = seen.iter().map(|s| s.time).min() else {
        return Ok(Vec::new());
    };
    let marks: Vec<String> = seen.iter().map(|s| s.mark.clone()).collect();
    let items = store.get_many(&marks, now).await?;
    let mut found = Vec::new();
    for (s, item) in seen.iter().zip(items) {
        if item.is_some_and(|i| i.value == OWES) {
            let kept = store.members(&s.owed, s.time).await?;
            found.extend(
                kept.members
                    .iter()
                    .filter_map(|doc| serde_json::from_str::<Finding>(doc).ok()),
            );
        }
    }
    Ok(found)
}

/// Takes back `marks` (a batch that failed is counted again when retried); best effort: a
/// mark that cannot be removed leaves that event uncounted on the retry.
pub async fn forget(marks: &[String], store: &dyn StateStore) {
    let _: Vec<Result<(), StateError>> = stream::iter(marks.iter().map(|k| store.remove(k)))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
}
