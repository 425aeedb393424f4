//! Each CloudTrail event counts once in the stateful detections, however often it arrives: an
//! event seen live (EventBridge) and again in the organization trail's log file, an event on
//! both the default and the organization bus, an SQS message delivered twice. Before a batch
//! is judged, each observation's event is marked seen (`llm#obs#<account>#<event id>`, a
//! conditional write, so of two deliveries racing only one counts); events marked before are
//! left out. When the batch then fails, its marks are taken back so the retry counts it.

use futures_util::stream::{self, StreamExt};

use super::Observation;
use super::keys::key;
use crate::ports::{StateError, StateStore};

/// How long an event is remembered as seen: 7 days, in seconds (longer than CloudTrail's
/// delivery to S3 and SQS's redelivery of a failed message within its retention of 4 days by
/// default).
pub const SEEN_TTL_SECS: i64 = 7 * 86_400;

/// Marks written at once.
const CONCURRENCY: usize = 32;

fn seen_key(o: &Observation) -> String {
    key(&["obs", &o.account, &o.event_id])
}

/// The observations of `batch` whose events were not seen before (an observation without an
/// event id always counts), and the marks this call wrote (to [`forget`] if the batch fails).
/// Times are the events' own, so a redelivery is judged against the same expiry.
///
/// # Errors
/// The first [`StateError`] of a mark; marks written before it are taken back.
pub async fn first_sightings(
    batch: Vec<Observation>,
    store: &dyn StateStore,
) -> Result<(Vec<Observation>, Vec<String>), StateError> {
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
    let mut failure = None;
    for (o, result) in batch.into_iter().zip(marked) {
        match result {
            Ok(true) => {
                if !o.event_id.is_empty() {
                    written.push(seen_key(&o));
                }
                kept.push(o);
            }
            Ok(false) => {}
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    match failure {
        Some(e) => {
            forget(&written, store).await;
            Err(e)
        }
        None => Ok((kept, written)),
    }
}

/// Takes back `marks` (a batch that failed is counted again when retried); best effort: a
/// mark that cannot be removed leaves that event uncounted on the retry.
pub async fn forget(marks: &[String], store: &dyn StateStore) {
    let _: Vec<Result<(), StateError>> = stream::iter(marks.iter().map(|k| store.remove(k)))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
}
