//! The in-process [`StateStore`] of the CLI (and of tests): one mutex-guarded map per item
//! kind; its futures never wait.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard};

use super::records::Records;
use super::state::{Item, Members, StateError, StateStore, StoreFuture, Window};

/// State kept in memory for one process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: Mutex<HashMap<String, Item>>,
    windows: Mutex<HashMap<String, Window>>,
    sets: Mutex<HashMap<String, Members>>,
    records: Mutex<HashMap<String, (serde_json::Value, i64)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> Result<MutexGuard<'_, T>, StateError> {
    mutex
        .lock()
        .map_err(|_| StateError::permanent("memory store lock poisoned"))
}

/// A future that is ready with `f`'s result.
fn ready<'a, T: Send + 'a>(f: impl FnOnce() -> Result<T, StateError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(f()))
}

impl MemoryStore {
    /// Number of stored items, windows and sets, expired ones included.
    pub fn len(&self) -> usize {
        let count = |n: Result<usize, StateError>| n.unwrap_or(0);
        count(lock(&self.items).map(|i| i.len()))
            + count(lock(&self.windows).map(|w| w.len()))
            + count(lock(&self.sets).map(|s| s.len()))
            + count(lock(&self.records).map(|r| r.len()))
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys of every stored item, window, set and record, expired ones included, sorted.
    pub fn keys(&self) -> Vec<String> {
        fn of<V>(map: &Mutex<HashMap<String, V>>) -> Vec<String> {
            lock(map).map(|m| m.keys().cloned().collect()).unwrap_or_default()
        }
        let mut keys = [of(&self.items), of(&self.windows), of(&self.sets), of(&self.records)].concat();
        keys.sort();
        keys
    }
}

impl StateStore for MemoryStore {
    fn insert_if_absent<'a>(&'a self, key: &'a str, value: i64, expires_at: i64, now: i64) -> StoreFuture<'a, bool> {
        ready(|| {
            let mut items = lock(&self.items)?;
            Ok(match items.get(key) {
                Some(item) if item.expires_at > now => false,
                _ => {
                    items.insert(key.to_owned(), Item { value, expires_at });
                    true
                }
            })
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
        ready(|| {
            let mut items = lock(&self.items)?;
            Ok(match items.get_mut(key) {
                Some(item) if item.expires_at > now && item.value == expected => {
                    *item = Item { value, expires_at };
                    true
                }
                _ => false,
            })
        })
    }

    fn add<'a>(&'a self, key: &'a str, delta: i64, expires_at: i64, now: i64) -> StoreFuture<'a, i64> {
        ready(|| {
            let mut items = lock(&self.items)?;
            let item = items.entry(key.to_owned()).or_insert(Item { value: 0, expires_at });
            if item.expires_at <= now {
                item.value = 0;
            }
            item.value += delta;
            item.expires_at = expires_at;
            Ok(item.value)
        })
    }

    fn get<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Option<Item>> {
        ready(|| Ok(lock(&self.items)?.get(key).copied().filter(|i| i.expires_at > now)))
    }

    fn set<'a>(&'a self, key: &'a str, value: i64, expires_at: i64) -> StoreFuture<'a, ()> {
        ready(|| {
            lock(&self.items)?.insert(key.to_owned(), Item { value, expires_at });
            Ok(())
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        ready(|| {
            lock(&self.items)?.remove(key);
            Ok(())
        })
    }

    fn get_many<'a>(&'a self, keys: &'a [String], now: i64) -> StoreFuture<'a, Vec<Option<Item>>> {
        ready(|| {
            let items = lock(&self.items)?;
            Ok(keys
                .iter()
                .map(|k| items.get(k).copied().filter(|i| i.expires_at > now))
                .collect())
        })
    }

    fn append<'a>(
        &'a self,
        key: &'a str,
        members: &'a [String],
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, Members> {
        ready(|| {
            let mut sets = lock(&self.sets)?;
            let set = sets.entry(key.to_owned()).or_default();
            if set.expires_at <= now {
                *set = Members::default();
            }
            set.members.extend(members.iter().cloned());
            set.expires_at = set.expires_at.max(expires_at);
            Ok(set.clone())
        })
    }

    fn members<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Members> {
        ready(|| {
            let sets = lock(&self.sets)?;
            Ok(sets
                .get(key)
                .filter(|s| s.expires_at > now)
                .cloned()
                .unwrap_or_default())
        })
    }

    fn count_in_window<'a>(
        &'a self,
        key: &'a str,
        event_id: &'a str,
        at: i64,
        window_end: i64,
        _expires_at: i64,
    ) -> StoreFuture<'a, Window> {
        ready(|| {
            let mut windows = lock(&self.windows)?;
            let open = Window {
                count: 1,
                opened_by: event_id.to_owned(),
                window_end,
            };
            let window = windows
                .entry(key.to_owned())
                .and_modify(|w| {
                    if w.window_end > at {
                        w.count += 1
                    } else {
                        *w = open.clone()
                    }
                })
                .or_insert_with(|| open.clone());
            Ok(window.clone())
        })
    }
}

impl Records for MemoryStore {
    fn put_record(
        &self,
        key: &str,
        doc: &serde_json::Value,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StateError>> + Send {
        let result = lock(&self.records).map(|mut r| {
            r.insert(key.to_owned(), (doc.clone(), expires_at));
        });
        std::future::ready(result)
    }

    fn get_record(
        &self,
        key: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<serde_json::Value>, StateError>> + Send {
        let result = lock(&self.records).map(|r| r.get(key).filter(|(_, e)| *e > now).map(|(d, _)| d.clone()));
        std::future::ready(result)
    }
}

/// Runs a future that completes without waiting (as the memory store's do). Returns `None`
/// if it would wait.
pub fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}
