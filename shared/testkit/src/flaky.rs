//! A state store that fails on demand: [`FlakyStore`] wraps the in-memory store and fails the
//! next calls of the operations it is told to, with the kind of failure it is told. It keeps
//! records ([`Records`]) in the in-memory store too, without failing.

use std::future::Future;
use std::sync::Mutex;

use aidr_engine::ports::{
    FailureKind, Item, Members, MemoryStore, Records, StateError, StateStore, StoreFuture, Window,
};
use serde_json::Value;

/// The operations of a [`StateStore`], to choose which one fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    InsertIfAbsent,
    CompareAndSet,
    Add,
    Get,
    Set,
    Remove,
    GetMany,
    Append,
    Members,
    CountInWindow,
}

/// The in-memory store, with failures to come.
#[derive(Debug, Default)]
pub struct FlakyStore {
    pub inner: MemoryStore,
    failures: Mutex<Vec<(StoreOp, FailureKind)>>,
}

impl FlakyStore {
    /// Makes the next call of `op` fail with `kind` (once per call of this).
    pub fn fail_next(&self, op: StoreOp, kind: FailureKind) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.push((op, kind));
        }
    }

    /// `Some(error)` when this call of `op` must fail.
    fn failure(&self, op: StoreOp) -> Option<StateError> {
        let mut failures = self.failures.lock().ok()?;
        let at = failures.iter().position(|(o, _)| *o == op)?;
        let (_, kind) = failures.remove(at);
        Some(StateError {
            kind,
            message: format!("{op:?} failed (injected)"),
        })
    }

    /// The inner store's call, unless `op` must fail (then the call has no effect).
    fn call<'a, T: Send + 'a>(&self, op: StoreOp, inner: impl FnOnce() -> StoreFuture<'a, T>) -> StoreFuture<'a, T> {
        match self.failure(op) {
            Some(error) => Box::pin(std::future::ready(Err(error))),
            None => inner(),
        }
    }
}

impl Records for FlakyStore {
    fn put_record(
        &self,
        key: &str,
        doc: &Value,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StateError>> + Send {
        self.inner.put_record(key, doc, expires_at)
    }

    fn get_record(&self, key: &str, now: i64) -> impl Future<Output = Result<Option<Value>, StateError>> + Send {
        self.inner.get_record(key, now)
    }
}

impl StateStore for FlakyStore {
    fn insert_if_absent<'a>(&'a self, key: &'a str, value: i64, expires_at: i64, now: i64) -> StoreFuture<'a, bool> {
        self.call(StoreOp::InsertIfAbsent, || {
            self.inner.insert_if_absent(key, value, expires_at, now)
        })
    }
    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: i64,
        value: i64,
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, bool> {
        let inner = || self.inner.compare_and_set(key, expected, value, expires_at, now);
        self.call(StoreOp::CompareAndSet, inner)
    }
    fn add<'a>(&'a self, key: &'a str, delta: i64, expires_at: i64, now: i64) -> StoreFuture<'a, i64> {
        self.call(StoreOp::Add, || self.inner.add(key, delta, expires_at, now))
    }
    fn get<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Option<Item>> {
        self.call(StoreOp::Get, || self.inner.get(key, now))
    }
    fn set<'a>(&'a self, key: &'a str, value: i64, expires_at: i64) -> StoreFuture<'a, ()> {
        self.call(StoreOp::Set, || self.inner.set(key, value, expires_at))
    }
    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.call(StoreOp::Remove, || self.inner.remove(key))
    }
    fn get_many<'a>(&'a self, keys: &'a [String], now: i64) -> StoreFuture<'a, Vec<Option<Item>>> {
        self.call(StoreOp::GetMany, || self.inner.get_many(keys, now))
    }
    fn append<'a>(
        &'a self,
        key: &'a str,
        members: &'a [String],
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, Members> {
        self.call(StoreOp::Append, || self.inner.append(key, members, expires_at, now))
    }
    fn members<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Members> {
        self.call(StoreOp::Members, || self.inner.members(key, now))
    }
    fn count_in_window<'a>(
        &'a self,
        key: &'a str,
        event_id: &'a str,
        at: i64,
        window_end: i64,
        expires_at: i64,
    ) -> StoreFuture<'a, Window> {
        let inner = || self.inner.count_in_window(key, event_id, at, window_end, expires_at);
        self.call(StoreOp::CountInWindow, inner)
    }
}
