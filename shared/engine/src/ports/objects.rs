//! Objects in buckets: the organization trail's log files the detector reads, and the
//! back-test results it writes (S3 in the Lambda).

use std::future::Future;
use std::io::Read;

use super::FailureKind;

/// An object could not be read or written, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct ObjectError {
    pub kind: FailureKind,
    pub message: String,
}

impl ObjectError {
    /// A failure that may pass: throttling, a timeout, a server error, a lost connection.
    pub fn transient(message: impl Into<String>) -> ObjectError {
        ObjectError {
            kind: FailureKind::Transient,
            message: message.into(),
        }
    }

    /// A failure that will not pass by trying again: no such object, access denied.
    pub fn permanent(message: impl Into<String>) -> ObjectError {
        ObjectError {
            kind: FailureKind::Permanent,
            message: message.into(),
        }
    }
}

/// Reads and writes objects by bucket and key.
pub trait Objects: Send + Sync {
    /// Opens an object: a reader of its bytes as stored (gzip or not), streamed. The reader
    /// blocks, so it is read off the async runtime (`tokio::task::spawn_blocking`); an
    /// [`std::io::Error`] from it means the stream broke (which may pass), not bad content.
    ///
    /// # Errors
    /// An [`ObjectError`] when the object cannot be opened (missing, access denied, throttled).
    fn open(&self, bucket: &str, key: &str) -> impl Future<Output = Result<Box<dyn Read + Send>, ObjectError>> + Send;

    /// Writes `body` at `bucket`/`key`, replacing what is there.
    ///
    /// # Errors
    /// An [`ObjectError`] when the object was not written.
    fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> impl Future<Output = Result<(), ObjectError>> + Send;
}
