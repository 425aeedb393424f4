//! SDK errors as [`ActionError`]s: transient or permanent as [`crate::failure`] decides, with a
//! message naming the API and the entity (`iam:UpdateAccessKey AKIA… of alice: AccessDenied:
//! …`). A call in another account whose member role cannot be assumed fails as STS failed.

use std::error::Error;

use aidr_engine::ports::ActionError;
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;

use crate::failure::failure_kind;
pub(crate) use crate::failure::{detail, service_error};

/// What the SDK reports when the member role could not be assumed (inside the error of the
/// call that needed its credentials).
type AssumeRoleFailure = SdkError<AssumeRoleError, Response>;

/// Maps a failed call of `api` on `entity` to an [`ActionError`]; for `.map_err`.
pub(crate) fn failed<E>(api: &str, entity: impl Into<String>) -> impl FnOnce(SdkError<E, Response>) -> ActionError
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let entity = entity.into();
    move |error| failure(api, &entity, error)
}

/// A failed call of `api` on `entity` as an [`ActionError`].
fn failure<E>(api: &str, entity: &str, error: SdkError<E, Response>) -> ActionError
where
    E: ProvideErrorMetadata + Error + 'static,
{
    match assume_role_failure(&error) {
        Some(sts) => ActionError {
            kind: failure_kind(sts),
            message: format!("{api} {entity}: sts:AssumeRole failed: {}", detail(sts)),
        },
        None => ActionError {
            kind: failure_kind(&error),
            message: format!("{api} {entity}: {}", detail(&error)),
        },
    }
}

/// The outcome of a call of `api` on `entity` whose answer is not needed.
#[cfg_attr(not(feature = "respond"), allow(dead_code))]
pub(crate) fn made<O, E>(api: &str, entity: &str, result: Result<O, SdkError<E, Response>>) -> Result<(), ActionError>
where
    E: ProvideErrorMetadata + Error + 'static,
{
    result.map(drop).map_err(|error| failure(api, entity, error))
}

/// A permanent error for a response that lacks what the call needs (`field`).
pub(crate) fn odd_response(api: &str, entity: &str, field: &str) -> ActionError {
    ActionError::permanent(format!("{api} {entity}: the response has no {field}"))
}

/// The STS failure somewhere in the sources of `error`, if its credentials could not be had.
pub(crate) fn assume_role_failure<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a AssumeRoleFailure> {
    let mut next = error.source();
    while let Some(e) = next {
        if let Some(sts) = e.downcast_ref::<AssumeRoleFailure>() {
            return Some(sts);
        }
        next = e.source();
    }
    None
}
