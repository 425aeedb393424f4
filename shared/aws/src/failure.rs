//! Whether an AWS call that failed can succeed if made again: the SDK's own lists of throttling
//! and transient error codes (`aws_runtime::retries::classifiers`), HTTP 429 and 5xx, timeouts
//! and lost connections are transient; the rest (validation, access denied, no such table or
//! topic) is permanent.

#[cfg(any(feature = "accounts", feature = "s3", feature = "inventory"))]
use std::error::Error;

use aidr_engine::ports::FailureKind;
use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;

/// Throttling codes of services that sit behind our calls (KMS behind an encrypted SNS topic).
const MORE_THROTTLING: &[&str] = &["KMSThrottlingException", "KMSThrottling"];

/// Error codes of internal failures that services report per item of a batch (Security Hub's
/// `FailedFindings`).
const MORE_TRANSIENT: &[&str] = &["InternalException", "InternalError"];

/// How an error of `code` fails, where a service reports it per item of a batch call that
/// succeeded: throttling and internal errors are transient, the rest (validation) permanent.
pub(crate) fn code_failure_kind(code: &str) -> FailureKind {
    let transient = [THROTTLING_ERRORS, TRANSIENT_ERRORS, MORE_THROTTLING, MORE_TRANSIENT]
        .iter()
        .any(|codes| codes.contains(&code));
    if transient {
        FailureKind::Transient
    } else {
        FailureKind::Permanent
    }
}

/// How a failed call to an AWS API fails.
pub(crate) fn failure_kind<E: ProvideErrorMetadata>(error: &SdkError<E, Response>) -> FailureKind {
    match error {
        SdkError::ConstructionFailure(_) => FailureKind::Permanent,
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("");
            let status = e.raw().status().as_u16();
            if code_failure_kind(code).is_transient() || status == 429 || status >= 500 {
                FailureKind::Transient
            } else {
                FailureKind::Permanent
            }
        }
        // Timeouts, connections that failed or broke, responses that could not be read.
        _ => FailureKind::Transient,
    }
}

/// The error code and message of a service error (`NoSuchEntity`, `ResourceNotFoundException`).
#[cfg(any(feature = "accounts", feature = "s3"))]
pub(crate) fn service_error<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> Option<(&str, &str)> {
    let e = error.as_service_error()?;
    Some((e.code().unwrap_or(""), e.message().unwrap_or("")))
}

/// `Code: message` of a service error (with the HTTP status when there is no code); the chain
/// of causes otherwise (timeouts, connections).
#[cfg(any(feature = "accounts", feature = "s3"))]
pub(crate) fn detail<E: ProvideErrorMetadata + Error + 'static>(error: &SdkError<E, Response>) -> String {
    match (service_error(error), error.raw_response()) {
        (Some((code, message)), _) if !code.is_empty() => {
            if message.is_empty() {
                code.to_owned()
            } else {
                format!("{code}: {message}")
            }
        }
        (_, Some(raw)) => format!("HTTP {}: {}", raw.status().as_u16(), causes(error)),
        _ => causes(error),
    }
}

/// `error` and its chain of causes, `: `-separated (timeouts, connections, credentials).
#[cfg(any(feature = "accounts", feature = "s3", feature = "inventory"))]
pub(crate) fn causes(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        text.push_str(": ");
        text.push_str(&e.to_string());
        next = e.source();
    }
    text
}
