//! State that detections and the alerting protocol keep between events: first-seen markers,
//! counters, sets, deduplication windows, processed-event markers. The engine talks to storage
//! only through [`StateStore`]. Every item has an expiry (Unix seconds); an expired item
//! counts as absent even before the storage deletes it.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use super::FailureKind;

/// A storage failure, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("state store: {message}")]
pub struct StateError {
    pub kind: FailureKind,
    pub message: String,
}

impl StateError {
    /// A failure that may pass: throttling, a timeout, a server error.
    pub fn transient(message: impl Into<String>) -> StateError {
        StateError {
            kind: FailureKind::Transient,
            message: message.into(),
        }
    }

    /// A failure that will not pass by trying again: validation, access denied, no table.
    pub fn permanent(message: impl Into<String>) -> StateError {
        StateError {
            kind: FailureKind::Permanent,
            message: message.into(),
        }
    }
}

/// A stored value and when it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub value: i64,
    pub expires_at: i64,
}

/// A set of strings (event ids, actions, regions) that lives until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Members {
    pub members: BTreeSet<String>,
    pub expires_at: i64,
}

/// A deduplication window: how many occurrences it has seen and which event opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub count: i64,
    pub opened_by: String,
    pub window_end: i64,
}

/// What a [`StateStore`] call returns: a future of the result.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StateError>> + Send + 'a>>;

/// Atomic key-value operations. Implementations make each call atomic with respect to
/// concurrent callers (conditional writes, `ADD`), never read-modify-write. Times are Unix
/// seconds; `now` decides which items are live. Every call may fail with a [`StateError`]
/// saying whether a retry can help.
pub trait StateStore: Send + Sync {
    /// Creates `key` with `value` unless a live item exists; true when this call created it.
    fn insert_if_absent<'a>(&'a self, key: &'a str, value: i64, expires_at: i64, now: i64) -> StoreFuture<'a, bool>;

    /// Replaces the value of the live item at `key` with `value` (and its expiry) if it is
    /// `expected`; true when this call replaced it. Absent and expired items are not replaced.
    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: i64,
        value: i64,
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, bool>;

    /// Adds `delta` to the counter at `key` (an absent or expired counter starts at 0), sets
    /// its expiry, and returns the new total.
    fn add<'a>(&'a self, key: &'a str, delta: i64, expires_at: i64, now: i64) -> StoreFuture<'a, i64>;

    /// [`StateStore::add`], made at most once for `token` in a row: when the last add to the
    /// counter was this token's (a retry of a call that was applied but whose answer was
    /// lost), nothing is added and the total is returned as it is. Stores whose calls never
    /// lose an answer (in memory) may just add.
    fn add_once<'a>(
        &'a self,
        key: &'a str,
        delta: i64,
        token: &'a str,
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, i64> {
        let _ = token;
        self.add(key, delta, expires_at, now)
    }

    /// The live item at `key`, if any.
    fn get<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Option<Item>>;

    /// Writes `key` unconditionally.
    fn set<'a>(&'a self, key: &'a str, value: i64, expires_at: i64) -> StoreFuture<'a, ()>;

    /// Deletes `key`; absent keys are not an error.
    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;

    /// Several live items at once (`None` for absent or expired keys), in the order of `keys`.
    fn get_many<'a>(&'a self, keys: &'a [String], now: i64) -> StoreFuture<'a, Vec<Option<Item>>>;

    /// Adds `members` to the set at `key` (an absent or expired set starts empty) and moves its
    /// expiry to `expires_at` unless it is already later. Returns the set after the call.
    fn append<'a>(&'a self, key: &'a str, members: &'a [String], expires_at: i64, now: i64)
    -> StoreFuture<'a, Members>;

    /// The live set at `key` (empty when absent or expired).
    fn members<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Members>;

    /// Counts one occurrence in the deduplication window at `key`. A missing or ended window
    /// (`window_end <= at`) is opened by `event_id`, ending at `window_end`; otherwise the
    /// count grows by one. Returns the window after the call.
    fn count_in_window<'a>(
        &'a self,
        key: &'a str,
        event_id: &'a str,
        at: i64,
        window_end: i64,
        expires_at: i64,
    ) -> StoreFuture<'a, Window>;
}
