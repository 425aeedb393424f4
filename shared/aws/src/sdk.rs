//! The AWS SDK settings every aidr Lambda builds its clients with: retries and timeouts chosen
//! against the functions' Lambda timeouts (infra/template.yaml: notifiers 30 s, detector and
//! responder 60 s, trail and back-test detectors 300 s, inventory 900 s).
//!
//! - Retries: the SDK's standard mode (throttling, HTTP 5xx, timeouts and lost connections are
//!   retried; a retry quota stops a client from hammering a failing service), [`MAX_ATTEMPTS`]
//!   attempts a call, backoff from [`INITIAL_BACKOFF`] doubling with full jitter, at most
//!   [`MAX_BACKOFF`]. The environment's `AWS_MAX_ATTEMPTS` (a number of attempts, at least 1)
//!   still overrides the attempts; the tests set 1 so that each fault they inject reaches the
//!   function.
//! - Timeouts: [`CONNECT_TIMEOUT`] to connect, [`ATTEMPT_TIMEOUT`] an attempt (up to the
//!   response's headers: a streamed S3 body is read beyond it), [`OPERATION_TIMEOUT`] a call
//!   with its retries. DynamoDB and SNS answer single-item calls in milliseconds, so an attempt
//!   not answered in 4 s is on a lost connection and is better made again; three attempts and
//!   their backoff fit in 15 s, half of the shortest Lambda timeout, so a function still has
//!   time to report the failure (the detector also bounds each invocation by its deadline).
//!
//! The inventory collector sets its own, longer, retries (adaptive mode, 8 attempts; see
//! `inventory::CollectOptions::default_retry`) and drops the operation timeout for its listings;
//! the detector's lookups set their own timeout (`AIDR_LOOKUP_TIMEOUT_MS`).

use std::time::Duration;

use aws_types::SdkConfig;
use aws_types::sdk_config::{RetryConfig, TimeoutConfig};

/// Attempts a call, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// The first retry waits up to this long (full jitter); each next one up to twice as long.
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(200);
/// No retry waits longer.
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Connecting to the service.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// One attempt of a call, up to the response's headers.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(4);
/// A call with all its attempts and backoff.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(15);

/// The retries: standard mode, `max_attempts` (else [`MAX_ATTEMPTS`]) attempts.
pub fn retry_config(max_attempts: Option<u32>) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(max_attempts.unwrap_or(MAX_ATTEMPTS))
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// The connect, attempt and operation timeouts.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// `AWS_MAX_ATTEMPTS` when it is a number of attempts (at least 1); otherwise `None`.
pub fn max_attempts_from(value: Option<&str>) -> Option<u32> {
    value?.trim().parse().ok().filter(|&n| n >= 1)
}

/// `config` (as loaded from the environment) with aidr's retries and timeouts; the attempts
/// from `AWS_MAX_ATTEMPTS` when set.
pub fn tuned(config: SdkConfig) -> SdkConfig {
    let attempts = max_attempts_from(std::env::var("AWS_MAX_ATTEMPTS").ok().as_deref());
    config
        .to_builder()
        .retry_config(retry_config(attempts))
        .timeout_config(timeout_config())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_attempts_and_their_backoff_fit_in_the_operation_timeout() {
        assert_eq!(retry_config(None).max_attempts(), MAX_ATTEMPTS);
        let attempts = ATTEMPT_TIMEOUT * MAX_ATTEMPTS;
        let waits = INITIAL_BACKOFF + (INITIAL_BACKOFF * 2).min(MAX_BACKOFF);
        assert!(attempts + waits <= OPERATION_TIMEOUT, "{:?}", attempts + waits);
        assert!(
            OPERATION_TIMEOUT * 2 <= Duration::from_secs(30),
            "half the notifiers' timeout"
        );
        let timeouts = timeout_config();
        assert_eq!(timeouts.operation_timeout(), Some(OPERATION_TIMEOUT));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(ATTEMPT_TIMEOUT));
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
    }

    #[test]
    fn aws_max_attempts_overrides_the_attempts_when_it_is_a_number() {
        assert_eq!(max_attempts_from(Some("1")), Some(1));
        assert_eq!(max_attempts_from(Some(" 5 ")), Some(5));
        for bad in [Some("0"), Some("-1"), Some("three"), Some(""), None] {
            assert_eq!(max_attempts_from(bad), None, "{bad:?}");
        }
        assert_eq!(retry_config(Some(1)).max_attempts(), 1);
    }
}
