//! Whether an AWS call that failed can succeed if made again: the SDK's own lists of throttling
//! and transient error codes (`aws_runtime::retries::classifiers`), HTTP 429 and 5xx, timeouts
//! and lost connections are transient; the rest (validation, access denied, no such table or
//! topic) is permanent.

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
