//! Documents the responder keeps beside the state items: action records (the audit), and
//! configurations observed by the detector (the last Bedrock logging configuration), each a
//! JSON document under a key, with an expiry.

use std::future::Future;

use serde_json::Value;

use super::StateError;

/// Stores JSON documents by key. Times are Unix seconds; an expired document counts as absent.
pub trait Records: Send + Sync {
    /// Writes `doc` at `key`, replacing what was there.
    ///
    /// # Errors
    /// A [`StateError`] when it was not written.
    fn put_record(
        &self,
        key: &str,
        doc: &Value,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StateError>> + Send;

    /// The live document at `key`, if any.
    ///
    /// # Errors
    /// A [`StateError`] when it cannot be read (or what is stored is not JSON).
    fn get_record(&self, key: &str, now: i64) -> impl Future<Output = Result<Option<Value>, StateError>> + Send;
}
