//! Where destination credentials come from (Secrets Manager in the Lambda).

use std::future::Future;

use super::FailureKind;

/// A secret could not be read, and whether trying again can help. The message never holds the
/// secret's value.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("secret {id}: {message}")]
pub struct SecretError {
    pub kind: FailureKind,
    /// The secret's name or ARN.
    pub id: String,
    pub message: String,
}

/// Reads secrets by name or ARN.
pub trait SecretStore: Send + Sync {
    /// The current text value of the secret `id`.
    ///
    /// # Errors
    /// A [`SecretError`] when the secret cannot be read or has no text value.
    fn secret(&self, id: &str) -> impl Future<Output = Result<String, SecretError>> + Send;
}
