//! A [`StateStore`] seen through a key prefix, so that one table holds state that must not
//! mix: the back-test detector's stateful detections run under `backtest#` and never see, or
//! change, the live detector's counters and first-seen markers.

use super::state::{Item, Members, StateStore, StoreFuture, Window};

/// Every key of `inner` prefixed with `prefix`.
pub struct Namespaced<'s, S: ?Sized> {
    inner: &'s S,
    prefix: &'s str,
}

impl<'s, S: StateStore + ?Sized> Namespaced<'s, S> {
    /// `inner` with every key prefixed by `prefix` (such as `backtest#`).
    pub fn new(inner: &'s S, prefix: &'s str) -> Namespaced<'s, S> {
        Namespaced { inner, prefix }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

impl<S: StateStore + ?Sized> StateStore for Namespaced<'_, S> {
    fn insert_if_absent<'a>(&'a self, key: &'a str, value: i64, expires_at: i64, now: i64) -> StoreFuture<'a, bool> {
        let key = self.key(key);
        Box::pin(async move { self.inner.insert_if_absent(&key, value, expires_at, now).await })
    }

    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: i64,
        value: i64,
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, bool> {
        let key = self.key(key);
        Box::pin(async move { self.inner.compare_and_set(&key, expected, value, expires_at, now).await })
    }

    fn add<'a>(&'a self, key: &'a str, delta: i64, expires_at: i64, now: i64) -> StoreFuture<'a, i64> {
        let key = self.key(key);
        Box::pin(async move { self.inner.add(&key, delta, expires_at, now).await })
    }

    fn add_once<'a>(
        &'a self,
        key: &'a str,
        delta: i64,
        token: &'a str,
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, i64> {
        let key = self.key(key);
        Box::pin(async move { self.inner.add_once(&key, delta, token, expires_at, now).await })
    }

    fn get<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Option<Item>> {
        let key = self.key(key);
        Box::pin(async move { self.inner.get(&key, now).await })
    }

    fn set<'a>(&'a self, key: &'a str, value: i64, expires_at: i64) -> StoreFuture<'a, ()> {
        let key = self.key(key);
        Box::pin(async move { self.inner.set(&key, value, expires_at).await })
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        let key = self.key(key);
        Box::pin(async move { self.inner.remove(&key).await })
    }

    fn get_many<'a>(&'a self, keys: &'a [String], now: i64) -> StoreFuture<'a, Vec<Option<Item>>> {
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        Box::pin(async move { self.inner.get_many(&keys, now).await })
    }

    fn append<'a>(
        &'a self,
        key: &'a str,
        members: &'a [String],
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, Members> {
        let key = self.key(key);
        Box::pin(async move { self.inner.append(&key, members, expires_at, now).await })
    }

    fn members<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Members> {
        let key = self.key(key);
        Box::pin(async move { self.inner.members(&key, now).await })
    }

    fn count_in_window<'a>(
        &'a self,
        key: &'a str,
        event_id: &'a str,
        at: i64,
        window_end: i64,
        expires_at: i64,
    ) -> StoreFuture<'a, Window> {
        let key = self.key(key);
        Box::pin(async move {
            self.inner
                .count_in_window(&key, event_id, at, window_end, expires_at)
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MemoryStore, now_or_never};

    #[test]
    fn keys_live_under_the_prefix_and_nowhere_else() {
        let store = MemoryStore::default();
        let scoped = Namespaced::new(&store, "backtest#");
        let run = |f: StoreFuture<'_, i64>| now_or_never(f).unwrap().unwrap();
        assert_eq!(run(scoped.add("llm#probe#1", 3, 100, 0)), 3);
        assert_eq!(run(store.add("llm#probe#1", 1, 100, 0)), 1, "the live counter is apart");
        let got = now_or_never(store.get("backtest#llm#probe#1", 0)).unwrap().unwrap();
        assert_eq!(got.map(|i| i.value), Some(3));
        let many = now_or_never(scoped.get_many(&["llm#probe#1".into(), "x".into()], 0))
            .unwrap()
            .unwrap();
        assert_eq!(
            many.iter().map(|i| i.as_ref().map(|i| i.value)).collect::<Vec<_>>(),
            [Some(3), None]
        );
        assert!(now_or_never(scoped.insert_if_absent("m", 1, 100, 0)).unwrap().unwrap());
        assert!(!now_or_never(scoped.insert_if_absent("m", 1, 100, 0)).unwrap().unwrap());
        assert!(now_or_never(store.insert_if_absent("m", 1, 100, 0)).unwrap().unwrap());
    }
}
