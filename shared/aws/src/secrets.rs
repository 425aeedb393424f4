//! The engine's [`SecretStore`] port on AWS Secrets Manager.

use aidr_engine::ports::{SecretError, SecretStore};
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;

use crate::failure::failure_kind;

/// Reads secret strings with `GetSecretValue` (the current version). Errors name the secret,
/// never its value.
#[derive(Clone, Debug)]
pub struct SecretsManager {
    client: Client,
}

impl SecretsManager {
    /// Secrets read through `client`.
    pub fn new(client: Client) -> SecretsManager {
        SecretsManager { client }
    }
}

impl SecretStore for SecretsManager {
    async fn secret(&self, id: &str) -> Result<String, SecretError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|e| SecretError {
                kind: failure_kind(&e),
                id: id.to_owned(),
                message: format!("GetSecretValue: {}", DisplayErrorContext(e)),
            })?;
        out.secret_string.ok_or_else(|| SecretError {
            kind: aidr_engine::ports::FailureKind::Permanent,
            id: id.to_owned(),
            message: "the secret has no text value (SecretString)".into(),
        })
    }
}
