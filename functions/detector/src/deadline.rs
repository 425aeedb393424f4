//! The time an invocation may use: Lambda's deadline (`Lambda-Runtime-Deadline-Ms`, Unix
//! milliseconds) less a [`RESERVE`] in which the handler gives up what it had begun and answers
//! with what is not done (so Lambda or SQS delivers it again), instead of being stopped by
//! Lambda half-way and silently.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// Kept back from Lambda's deadline: for giving up the deliveries in flight (at most
/// [`GIVE_UP`]) and posting the answer.
pub const RESERVE: Duration = Duration::from_secs(2);

/// The most spent on giving up the deliveries in flight once the time ran out.
pub const GIVE_UP: Duration = Duration::from_secs(1);

/// When the work of an invocation must stop; [`Deadline::none`] never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No deadline (tests, benchmarks): work runs to its end.
    pub fn none() -> Deadline {
        Deadline(None)
    }

    /// Lambda's deadline `epoch_ms` (Unix milliseconds, the invocation context's `deadline`)
    /// less [`RESERVE`], measured on this process's clock now.
    pub fn lambda(epoch_ms: u64) -> Deadline {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let left = Duration::from_millis(epoch_ms.saturating_sub(now_ms));
        Deadline::after(left.saturating_sub(RESERVE))
    }

    /// A deadline `left` from now.
    pub fn after(left: Duration) -> Deadline {
        Deadline(Some(Instant::now() + left))
    }

    /// Runs `work` until it ends (`Some` of its output) or the deadline passes (`None`: `work`
    /// was dropped where it stood).
    pub async fn bound<T>(self, work: impl Future<Output = T>) -> Option<T> {
        match self.0 {
            None => Some(work.await),
            Some(at) => tokio::time::timeout_at(at, work).await.ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn work_past_the_deadline_is_stopped_and_work_within_it_ends() {
        let deadline = Deadline::after(Duration::from_millis(100));
        assert_eq!(deadline.bound(async { 7 }).await, Some(7));
        let slow = tokio::time::sleep(Duration::from_secs(30));
        assert_eq!(deadline.bound(slow).await, None);
        assert_eq!(Deadline::none().bound(async { 8 }).await, Some(8));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_lambda_deadline_already_within_the_reserve_stops_at_once() {
        let now_ms = u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap();
        let later = Deadline::lambda(now_ms + 60_000);
        assert_eq!(later.bound(async { 1 }).await, Some(1));
        let close = Deadline::lambda(now_ms + RESERVE.as_millis() as u64 / 2);
        assert_eq!(close.bound(tokio::time::sleep(Duration::from_secs(30))).await, None);
    }
}
