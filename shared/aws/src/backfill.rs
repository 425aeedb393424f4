//! `aidr backfill`'s queuing (feature `s3`): one message per log file
//! ([`aidr_engine::trail::backfill_message`]) sent to the backfill queue (read by the
//! back-test detector) with SQS `SendMessageBatch`, ten a call and a few calls in flight;
//! entries SQS reports failed are sent again with backoff; after each call the objects it
//! queued are added to the run's `queued` counter in the state store
//! ([`aidr_engine::trail::Progress::Queued`]).

use crate::failure::detail;
use std::time::Duration;

use aidr_engine::ports::StateStore;
use aidr_engine::trail::{PROGRESS_TTL_SECS, Progress, backfill_message};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::AsyncSleep;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use futures_util::stream::{FuturesUnordered, StreamExt};

/// IAM actions of the calls made here (`SendMessageBatch` is authorized as `SendMessage`).
pub const PERMISSIONS: &[&str] = &["sqs:SendMessage"];

/// Messages a `SendMessageBatch` call takes at most.
pub const BATCH: usize = 10;

/// `SendMessageBatch` calls in flight at once.
pub const CALLS_IN_FLIGHT: usize = 4;

/// Sends of an entry SQS reports failed (not the sender's fault), the first included.
pub const ATTEMPTS: u32 = 4;

/// The wait before the second send of failed entries; it doubles each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// An object that was not queued, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unqueued {
    pub key: String,
    pub reason: String,
}

/// What [`queue_log_files`] did.
#[derive(Debug, Default)]
pub struct Queued {
    /// Objects sent to the queue.
    pub queued: u64,
    /// Objects SQS still refused after [`ATTEMPTS`] sends.
    pub failed: Vec<Unqueued>,
    /// Objects not sent at all: a call failed as a whole and sending stopped.
    pub not_sent: u64,
    /// Why sending stopped, when it did.
    pub stopped: Option<String>,
    /// Counter updates that failed (the objects were queued, the counter is short of them).
    pub counter_errors: Vec<String>,
}

impl Queued {
    /// True when every object was queued and counted.
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.not_sent == 0 && self.stopped.is_none() && self.counter_errors.is_empty()
    }
}

/// Queues the log files `keys` of `bucket` for backfill run `run` on the queue at
/// `queue_url`, counting them in `store` (expiring [`PROGRESS_TTL_SECS`] after `now`).
/// Never fails as a whole: what was not queued or counted is in the result. A call that fails
/// as a whole (the SDK's retries spent: no queue, access denied) stops the sending.
pub async fn queue_log_files<S: StateStore>(
    sqs: &Client,
    queue_url: &str,
    store: &S,
    run: &str,
    bucket: &str,
    keys: &[String],
    now: i64,
) -> Queued {
    let counter = Progress::Queued.key(run);
    let mut result = Queued::default();
    let mut batches = keys.chunks(BATCH);
    let mut in_flight = FuturesUnordered::new();
    loop {
        while result.stopped.is_none() && in_flight.len() < CALLS_IN_FLIGHT {
            let Some(batch) = batches.next() else { break };
            in_flight.push(send_batch(sqs, queue_url, run, bucket, batch));
        }
        let Some(batch) = in_flight.next().await else { break };
        if batch.sent > 0 {
            let n = batch.sent as i64;
            if let Err(e) = store.add(&counter, n, now + PROGRESS_TTL_SECS, now).await {
                result.counter_errors.push(format!("{counter} not raised by {n}: {e}"));
            }
        }
        result.queued += batch.sent as u64;
        result.failed.extend(batch.failed);
        result.not_sent += batch.not_sent as u64;
        if let Some(why) = batch.stopped {
            result.stopped.get_or_insert(why);
        }
    }
    result.not_sent += batches.map(|b| b.len() as u64).sum::<u64>();
    result
}

/// What became of one batch.
struct Batch {
    sent: usize,
    failed: Vec<Unqueued>,
    /// Left unsent when a call failed as a whole (`stopped` says why).
    not_sent: usize,
    stopped: Option<String>,
}

/// Sends one batch, sending again what SQS reports failed (not the sender's fault).
async fn send_batch(sqs: &Client, queue_url: &str, run: &str, bucket: &str, keys: &[String]) -> Batch {
    let mut batch = Batch {
        sent: 0,
        failed: Vec::new(),
        not_sent: 0,
        stopped: None,
    };
    // Entry ids are the keys' indexes in the batch.
    let mut pending: Vec<usize> = (0..keys.len()).collect();
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        if pending.is_empty() {
            break;
        }
        if attempt > 1 {
            if let Some(sleep) = sqs.config().sleep_impl() {
                sleep.sleep(backoff).await;
            }
            backoff *= 2;
        }
        let entries = pending.iter().map(|&i| {
            SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(backfill_message(run, bucket, &keys[i]))
                .build()
        });
        let sent = match entries.collect::<Result<Vec<_>, _>>() {
            Ok(entries) => {
                sqs.send_message_batch()
                    .queue_url(queue_url)
                    .set_entries(Some(entries))
                    .send()
                    .await
            }
            Err(e) => {
                batch.not_sent += pending.len();
                batch.stopped = Some(e.to_string());
                return batch;
            }
        };
        let out = match sent {
            Ok(out) => out,
            Err(e) => {
                batch.not_sent += pending.len();
                batch.stopped = Some(format!("SQS SendMessageBatch to {queue_url}: {}", detail(&e)));
                return batch;
            }
        };
        let mut again = Vec::new();
        for &i in &pending {
            let id = i.to_string();
            match out.failed().iter().find(|e| e.id() == id) {
                None => batch.sent += 1,
                Some(entry) if entry.sender_fault() || attempt == ATTEMPTS => batch.failed.push(Unqueued {
                    key: keys[i].clone(),
                    reason: format!("{}: {}", entry.code(), entry.message().unwrap_or_default()),
                }),
                Some(_) => again.push(i),
            }
        }
        pending = again;
    }
    batch
}

#[cfg(test)]
mod tests {
    use aidr_engine::ports::MemoryStore;
    use aws_sdk_sqs::operation::send_message_batch::{SendMessageBatchError, SendMessageBatchOutput};
    use aws_sdk_sqs::types::error::QueueDoesNotExist;
    use aws_sdk_sqs::types::{BatchResultErrorEntry, SendMessageBatchResultEntry};
    use aws_smithy_mocks::{Rule, mock};

    use super::*;

    const URL: &str = "https://sqs.us-east-1.amazonaws.com/111122223333/trail";
    const NOW: i64 = 1_800_000_000;

    fn keys(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/f{i:03}.json.gz"))
            .collect()
    }

    fn ok(id: &str) -> SendMessageBatchResultEntry {
        SendMessageBatchResultEntry::builder()
            .id(id)
            .message_id("m")
            .md5_of_message_body("x")
            .build()
            .unwrap()
    }

    fn refused(id: &str, sender_fault: bool) -> BatchResultErrorEntry {
        BatchResultErrorEntry::builder()
            .id(id)
            .sender_fault(sender_fault)
            .code(if sender_fault {
                "InvalidParameterValue"
            } else {
                "InternalError"
            })
            .message("no")
            .build()
            .unwrap()
    }

    /// SQS's answer: `successful` sent, `failed` refused.
    fn answer(
        successful: Vec<SendMessageBatchResultEntry>,
        failed: Vec<BatchResultErrorEntry>,
    ) -> SendMessageBatchOutput {
        SendMessageBatchOutput::builder()
            .set_successful(Some(successful))
            .set_failed(Some(failed))
            .build()
            .unwrap()
    }

    async fn queue(rules: &[&Rule], n: usize) -> (Queued, MemoryStore) {
        let sqs = crate::mock::mock_client!(aws_sdk_sqs, rules.iter().copied());
        let store = MemoryStore::default();
        let queued = queue_log_files(&sqs, URL, &store, "r1", "trail", &keys(n), NOW).await;
        (queued, store)
    }

    async fn counted(store: &MemoryStore) -> Option<i64> {
        store
            .get(&Progress::Queued.key("r1"), NOW)
            .await
            .unwrap()
            .map(|i| i.value)
    }

    #[tokio::test]
    async fn batches_of_ten_are_sent_and_counted() {
        let all_ok = mock!(aws_sdk_sqs::Client::send_message_batch)
            .match_requests(|r| {
                let entries = r.entries();
                entries
                    .iter()
                    .all(|e| e.message_body().contains("\"aidr\":\"backfill\""))
                    && entries.len() <= BATCH
                    && r.queue_url() == Some(URL)
            })
            .then_output(|| answer(Vec::new(), Vec::new()));
        let (queued, store) = queue(&[&all_ok], 25).await;
        assert!(queued.complete(), "{queued:?}");
        // The mock answers with no entry failed: every entry counts as sent.
        assert_eq!(queued.queued, 25);
        assert_eq!(counted(&store).await, Some(25));
        assert_eq!(all_ok.num_calls(), 3);
    }

    #[tokio::test]
    async fn failed_entries_are_sent_again_and_what_still_fails_is_reported() {
        // First send: entry 1 fails (may pass), entry 2 is the sender's fault; then entry 1
        // goes through.
        let calls = mock!(aws_sdk_sqs::Client::send_message_batch)
            .sequence()
            .output(|| answer(vec![ok("0")], vec![refused("1", false), refused("2", true)]))
            .output(|| answer(vec![ok("1")], Vec::new()))
            .build();
        let (queued, store) = queue(&[&calls], 3).await;
        assert_eq!(calls.num_calls(), 2);
        assert_eq!(queued.queued, 2);
        assert_eq!(queued.failed.len(), 1);
        assert_eq!(queued.failed[0].key, keys(3)[2]);
        assert!(
            queued.failed[0].reason.starts_with("InvalidParameterValue"),
            "{queued:?}"
        );
        assert!(!queued.complete());
        assert_eq!(counted(&store).await, Some(2));

        // An entry that keeps failing is given up after ATTEMPTS sends.
        let always = mock!(aws_sdk_sqs::Client::send_message_batch)
            .then_output(|| answer(Vec::new(), vec![refused("0", false)]));
        let (queued, store) = queue(&[&always], 1).await;
        assert_eq!(always.num_calls(), ATTEMPTS as usize);
        assert_eq!((queued.queued, queued.failed.len()), (0, 1));
        assert_eq!(counted(&store).await, None);
    }

    #[tokio::test]
    async fn a_call_that_fails_whole_stops_the_sending() {
        let missing = mock!(aws_sdk_sqs::Client::send_message_batch).then_error(|| {
            SendMessageBatchError::QueueDoesNotExist(QueueDoesNotExist::builder().message("no queue").build())
        });
        let (queued, store) = queue(&[&missing], 95).await;
        assert_eq!(queued.queued, 0);
        assert_eq!(queued.not_sent, 95);
        assert!(queued.stopped.as_deref().unwrap().contains("no queue"), "{queued:?}");
        assert!(missing.num_calls() <= CALLS_IN_FLIGHT, "no new call once one failed");
        assert_eq!(counted(&store).await, None);
    }
}
