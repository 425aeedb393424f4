//! State that detections keep between events: first-seen markers, counters, processed-event
//! markers. The engine talks to storage only through [`StateStore`]; the CLI uses
//! [`MemoryStore`], the Lambda a DynamoDB adapter. Every item has an expiry (Unix seconds);
//! an expired item counts as absent even before the storage deletes it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

/// A storage failure; whether a retry can help is the caller's call.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("state store: {0}")]
pub struct StateError(pub String);

/// A stored value and when it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub value: i64,
    pub expires_at: i64,
}

/// Atomic key-value operations the stateful detections need. Implementations must make
/// each call atomic with respect to concurrent callers (conditional writes, `ADD`), never
/// read-modify-write.
pub trait StateStore: Send + Sync {
    /// Creates `key` with `value` unless a live item exists (one with `expires_at > now`).
    /// Returns true when this call created it.
    fn insert_if_absent(
        &self,
        key: &str,
        value: i64,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool, StateError>> + Send;

    /// Adds `delta` to the counter at `key` (an absent or expired counter starts at 0), sets
    /// its expiry, and returns the new total.
    fn add(
        &self,
        key: &str,
        delta: i64,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<i64, StateError>> + Send;

    /// The live item at `key`, if any.
    fn get(&self, key: &str, now: i64) -> impl Future<Output = Result<Option<Item>, StateError>> + Send;

    /// Writes `key` unconditionally.
    fn set(&self, key: &str, value: i64, expires_at: i64) -> impl Future<Output = Result<(), StateError>> + Send;

    /// Deletes `key`; absent keys are not an error.
    fn remove(&self, key: &str) -> impl Future<Output = Result<(), StateError>> + Send;

    /// Several live items at once (`None` for absent or expired keys), in the order of `keys`.
    fn get_many(&self, keys: &[String], now: i64)
    -> impl Future<Output = Result<Vec<Option<Item>>, StateError>> + Send;

    /// Adds `members` to the set at `key` (an absent or expired set starts empty) and moves its
    /// expiry to `expires_at` unless it is already later. Returns the set after the call.
    fn append(
        &self,
        key: &str,
        members: &[String],
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<Members, StateError>> + Send;

    /// The live set at `key` (empty when absent or expired).
    fn members(&self, key: &str, now: i64) -> impl Future<Output = Result<Members, StateError>> + Send;

    /// Counts one occurrence in the deduplication window at `key`. A missing or ended window
    /// (`window_end <= at`) is opened by `event_id`, ending at `window_end`; otherwise the
    /// count grows by one. Returns the window after the call.
    fn count_in_window(
        &self,
        key: &str,
        event_id: &str,
        at: i64,
        window_end: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<Window, StateError>> + Send;
}

/// A set of strings (event ids, actions, regions) that lives until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Members {
    pub members: std::collections::BTreeSet<String>,
    pub expires_at: i64,
}

/// A deduplication window: how many occurrences it has seen and which event opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub count: i64,
    pub opened_by: String,
    pub window_end: i64,
}

/// In-process store for the CLI and tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: Mutex<HashMap<String, Item>>,
    windows: Mutex<HashMap<String, Window>>,
    sets: Mutex<HashMap<String, Members>>,
}

impl MemoryStore {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Item>) -> T) -> Result<T, StateError> {
        let mut items = self
            .items
            .lock()
            .map_err(|_| StateError("memory store lock poisoned".into()))?;
        Ok(f(&mut items))
    }

    /// Number of stored items and windows, expired ones included.
    pub fn len(&self) -> usize {
        self.items.lock().map(|i| i.len()).unwrap_or(0)
            + self.windows.lock().map(|w| w.len()).unwrap_or(0)
            + self.sets.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl StateStore for MemoryStore {
    async fn insert_if_absent(&self, key: &str, value: i64, expires_at: i64, now: i64) -> Result<bool, StateError> {
        self.with(|items| match items.get(key) {
            Some(item) if item.expires_at > now => false,
            _ => {
                items.insert(key.to_owned(), Item { value, expires_at });
                true
            }
        })
    }

    async fn add(&self, key: &str, delta: i64, expires_at: i64, now: i64) -> Result<i64, StateError> {
        self.with(|items| {
            let item = items.entry(key.to_owned()).or_insert(Item { value: 0, expires_at });
            if item.expires_at <= now {
                item.value = 0;
            }
            item.value += delta;
            item.expires_at = expires_at;
            item.value
        })
    }

    async fn get(&self, key: &str, now: i64) -> Result<Option<Item>, StateError> {
        self.with(|items| items.get(key).copied().filter(|i| i.expires_at > now))
    }

    async fn set(&self, key: &str, value: i64, expires_at: i64) -> Result<(), StateError> {
        self.with(|items| {
            items.insert(key.to_owned(), Item { value, expires_at });
        })
    }

    async fn remove(&self, key: &str) -> Result<(), StateError> {
        self.with(|items| {
            items.remove(key);
        })
    }

    async fn get_many(&self, keys: &[String], now: i64) -> Result<Vec<Option<Item>>, StateError> {
        self.with(|items| {
            keys.iter()
                .map(|k| items.get(k).copied().filter(|i| i.expires_at > now))
                .collect()
        })
    }

    async fn append(&self, key: &str, members: &[String], expires_at: i64, now: i64) -> Result<Members, StateError> {
        let mut sets = self
            .sets
            .lock()
            .map_err(|_| StateError("memory store lock poisoned".into()))?;
        let set = sets.entry(key.to_owned()).or_default();
        if set.expires_at <= now {
            *set = Members::default();
        }
        set.members.extend(members.iter().cloned());
        set.expires_at = set.expires_at.max(expires_at);
        Ok(set.clone())
    }

    async fn members(&self, key: &str, now: i64) -> Result<Members, StateError> {
        let sets = self
            .sets
            .lock()
            .map_err(|_| StateError("memory store lock poisoned".into()))?;
        Ok(sets
            .get(key)
            .filter(|s| s.expires_at > now)
            .cloned()
            .unwrap_or_default())
    }

    async fn count_in_window(
        &self,
        key: &str,
        event_id: &str,
        at: i64,
        window_end: i64,
        _expires_at: i64,
    ) -> Result<Window, StateError> {
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| StateError("memory store lock poisoned".into()))?;
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

/// The behaviour every [`StateStore`] must show; run by each implementation's tests.
/// `prefix` keeps keys apart when several runs share one store. Panics on a violation.
pub async fn conformance<S: StateStore>(store: &S, prefix: &str) {
    let k = |name: &str| format!("{prefix}{name}");
    let now = 1_700_000_000;
    assert!(
        store.insert_if_absent(&k("a"), 1, now + 60, now).await.unwrap(),
        "first insert creates"
    );
    assert!(
        !store.insert_if_absent(&k("a"), 2, now + 60, now).await.unwrap(),
        "second insert is refused"
    );
    assert_eq!(store.get(&k("a"), now).await.unwrap().map(|i| i.value), Some(1));
    assert!(
        store.insert_if_absent(&k("a"), 3, now + 200, now + 61).await.unwrap(),
        "an expired item is replaced"
    );
    assert_eq!(
        store.get(&k("a"), now + 61).await.unwrap(),
        Some(Item {
            value: 3,
            expires_at: now + 200
        })
    );
    assert_eq!(
        store.get(&k("a"), now + 200).await.unwrap(),
        None,
        "expired items are absent"
    );

    assert_eq!(store.add(&k("n"), 1, now + 60, now).await.unwrap(), 1);
    assert_eq!(store.add(&k("n"), 5, now + 90, now).await.unwrap(), 6);
    assert_eq!(
        store.get(&k("n"), now).await.unwrap(),
        Some(Item {
            value: 6,
            expires_at: now + 90
        })
    );
    assert_eq!(
        store.add(&k("n"), 2, now + 300, now + 100).await.unwrap(),
        2,
        "an expired counter restarts"
    );

    store.set(&k("s"), 4, now + 10).await.unwrap();
    store.set(&k("s"), 5, now + 20).await.unwrap();
    assert_eq!(
        store.get(&k("s"), now).await.unwrap(),
        Some(Item {
            value: 5,
            expires_at: now + 20
        })
    );

    let w = |count, opened_by: &str, window_end| Window {
        count,
        opened_by: opened_by.to_owned(),
        window_end,
    };
    let key = k("w");
    assert_eq!(
        store
            .count_in_window(&key, "e1", now, now + 100, now + 200)
            .await
            .unwrap(),
        w(1, "e1", now + 100)
    );
    assert_eq!(
        store
            .count_in_window(&key, "e2", now + 50, now + 150, now + 250)
            .await
            .unwrap(),
        w(2, "e1", now + 100)
    );
    assert_eq!(
        store
            .count_in_window(&key, "e3", now + 100, now + 200, now + 300)
            .await
            .unwrap(),
        w(1, "e3", now + 200),
        "an ended window reopens"
    );

    let got = store.get_many(&[k("s"), k("absent"), k("a")], now).await.unwrap();
    let expected = vec![
        Some(Item {
            value: 5,
            expires_at: now + 20,
        }),
        None,
        Some(Item {
            value: 3,
            expires_at: now + 200,
        }),
    ];
    assert_eq!(got, expected, "get_many answers in the order asked");

    let names = |m: &Members| m.members.iter().cloned().collect::<Vec<_>>();
    let set = k("set");
    let m = store
        .append(&set, &["b".into(), "a".into()], now + 100, now)
        .await
        .unwrap();
    assert_eq!(
        (names(&m), m.expires_at),
        (vec!["a".to_string(), "b".to_string()], now + 100)
    );
    let m = store
        .append(&set, &["a".into(), "c".into()], now + 50, now + 10)
        .await
        .unwrap();
    assert_eq!(
        (names(&m), m.expires_at),
        (vec!["a".into(), "b".into(), "c".into()], now + 100),
        "expiry never moves back"
    );
    assert_eq!(names(&store.members(&set, now + 99).await.unwrap()).len(), 3);
    assert!(
        store.members(&set, now + 100).await.unwrap().members.is_empty(),
        "an expired set is empty"
    );
    let m = store.append(&set, &["z".into()], now + 300, now + 150).await.unwrap();
    assert_eq!(names(&m), vec!["z".to_string()], "an expired set starts over");
    assert!(store.members(&k("no-set"), now).await.unwrap().members.is_empty());

    store.remove(&k("n")).await.unwrap();
    store.remove(&k("never-there")).await.unwrap();
    assert_eq!(store.get(&k("n"), now).await.unwrap(), None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_conforms() {
        let store = MemoryStore::default();
        now_or_never(conformance(&store, "t/")).expect("memory store never waits");
        assert_eq!(store.len(), 4);
    }
}
