//! Why a call of the collection failed ([`GapReason`]), read from the SDK's error, and the
//! message the gap carries.
//!
//! - `NotPermitted`: the service refused the caller (`AccessDenied*`, `UnauthorizedOperation`,
//!   `UnrecognizedClientException`, an invalid or expired token, HTTP 403); when the member
//!   role could not be assumed, STS's refusal is the reason.
//! - `NotAvailable`: the service or operation does not exist there: a region that is not
//!   enabled (`OptInRequired`), an operation the endpoint does not know, no endpoint for the
//!   region, or an endpoint host that does not resolve (the service is not in that region).
//! - `Throttled`: still throttled once the SDK's retries were spent.
//! - `Failed`: the rest (5xx after the retries, timeouts, unreadable responses).

use std::error::Error;

use aidr_engine::inventory::GapReason;
use aws_runtime::retries::classifiers::THROTTLING_ERRORS;
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::endpoint::error::ResolveEndpointError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;

use crate::failure::causes;

/// Error codes of a caller the service does not accept.
const NOT_PERMITTED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AuthFailure",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
];

/// Error codes of an operation or region the account cannot use there.
const NOT_AVAILABLE: &[&str] = &[
    "OptInRequired",
    "UnknownOperationException",
    "InvalidAction",
    "SubscriptionRequiredException",
];

/// What the SDK reports when the member role could not be assumed.
type AssumeRoleFailure = SdkError<AssumeRoleError, Response>;

/// The reason and message of a failed call.
pub(super) fn classify<E>(error: &SdkError<E, Response>) -> (GapReason, String)
where
    E: ProvideErrorMetadata + Error + 'static,
{
    if let Some(sts) = find::<AssumeRoleFailure>(error) {
        let (reason, message) = classify(sts);
        return (reason, format!("sts:AssumeRole failed: {message}"));
    }
    let reason = match error {
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("");
            let status = e.raw().status().as_u16();
            if NOT_PERMITTED.contains(&code) || code.starts_with("AccessDenied") || (code.is_empty() && status == 403) {
                GapReason::NotPermitted
            } else if NOT_AVAILABLE.contains(&code) {
                GapReason::NotAvailable
            } else if THROTTLING_ERRORS.contains(&code) || status == 429 {
                GapReason::Throttled
            } else {
                GapReason::Failed
            }
        }
        _ if find::<ResolveEndpointError>(error).is_some() => GapReason::NotAvailable,
        SdkError::DispatchFailure(d) if d.is_io() && unresolved_host(error) => GapReason::NotAvailable,
        _ => GapReason::Failed,
    };
    (reason, detail(error))
}

/// Whether the connection failed because the endpoint's host name does not resolve (what a
/// service endpoint that does not exist in a region looks like). The HTTP client reports it
/// only in its message.
fn unresolved_host(error: &(dyn Error + 'static)) -> bool {
    let text = causes(error).to_ascii_lowercase();
    text.contains("dns error") || text.contains("failed to lookup address")
}

/// The first error of type `T` in the chain of `error`.
fn find<'a, T: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a T> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// `Code: message` of a service error (the HTTP status when it has no code); the chain of
/// causes otherwise.
fn detail<E: ProvideErrorMetadata + Error + 'static>(error: &SdkError<E, Response>) -> String {
    match error {
        SdkError::ServiceError(e) => match (e.err().code(), e.err().message()) {
            (Some(code), Some(message)) if !message.is_empty() => format!("{code}: {message}"),
            (Some(code), _) => code.to_owned(),
            (None, _) => format!("HTTP {}: {}", e.raw().status().as_u16(), causes(error)),
        },
        _ => causes(error),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sts::error::ErrorMetadata;
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    type Failure = SdkError<GetCallerIdentityError, Response>;

    fn service(status: u16, code: &str) -> Failure {
        let meta = ErrorMetadata::builder().code(code).message("said the service").build();
        let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(GetCallerIdentityError::generic(meta), raw)
    }

    #[test]
    fn codes_tell_refusals_absences_and_throttling_apart() {
        let cases = [
            (403, "AccessDeniedException", GapReason::NotPermitted),
            (400, "UnrecognizedClientException", GapReason::NotPermitted),
            (403, "UnauthorizedOperation", GapReason::NotPermitted),
            (403, "OptInRequired", GapReason::NotAvailable),
            (400, "UnknownOperationException", GapReason::NotAvailable),
            (400, "ThrottlingException", GapReason::Throttled),
            (500, "InternalServerException", GapReason::Failed),
            (400, "ValidationException", GapReason::Failed),
        ];
        for (status, code, reason) in cases {
            assert_eq!(
                classify(&service(status, code)),
                (reason, format!("{code}: said the service")),
                "{code}"
            );
        }
    }

    #[test]
    fn a_host_that_does_not_resolve_or_no_endpoint_is_not_available() {
        let dns = std::io::Error::other("dns error: failed to lookup address information: Name or service not known");
        let failure: Failure = SdkError::dispatch_failure(ConnectorError::io(dns.into()));
        assert_eq!(classify(&failure).0, GapReason::NotAvailable);
        let refused = std::io::Error::other("tcp connect error: Connection refused");
        let failure: Failure = SdkError::dispatch_failure(ConnectorError::io(refused.into()));
        assert_eq!(classify(&failure).0, GapReason::Failed);
        let failure: Failure = SdkError::construction_failure(ResolveEndpointError::message("no endpoint for region"));
        assert_eq!(classify(&failure).0, GapReason::NotAvailable);
    }
}
