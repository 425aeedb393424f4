//! A [`SecretStore`] that holds its secrets in a map and counts the reads, so tests can see
//! when a secret is read again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use aidr_engine::ports::{FailureKind, SecretError, SecretStore};

/// Secrets by id; a missing id is a permanent error, as Secrets Manager's
/// `ResourceNotFoundException` is.
#[derive(Debug, Default)]
pub struct MapSecrets {
    values: Mutex<HashMap<String, String>>,
    reads: AtomicUsize,
}

impl MapSecrets {
    /// Sets (or replaces) the secret `id`.
    pub fn put(&self, id: &str, value: &str) {
        if let Ok(mut values) = self.values.lock() {
            values.insert(id.to_owned(), value.to_owned());
        }
    }

    /// How many reads were made so far.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl SecretStore for MapSecrets {
    async fn secret(&self, id: &str) -> Result<String, SecretError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let value = self.values.lock().ok().and_then(|v| v.get(id).cloned());
        value.ok_or_else(|| SecretError {
            kind: FailureKind::Permanent,
            id: id.to_owned(),
            message: "no such secret".into(),
        })
    }
}
