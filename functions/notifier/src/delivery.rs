//! Sending one message to one destination with retries: what a destination's answer means
//! ([`Refused`]), and how long to keep trying ([`RetryPolicy`], within the invocation's
//! deadline).
//!
//! - a rate limit (HTTP 429, Slack `ratelimited`) waits `Retry-After` (or a backoff) and tries
//!   again while the wait fits in the time left; then the delivery is transient (the invocation
//!   fails and Lambda delivers the message again);
//! - a server error, a timeout or a lost connection tries again after a backoff, a few times;
//!   then transient;
//! - an authentication error reads the secret again and tries once more; refused again, it is
//!   permanent;
//! - anything else (a revoked webhook, a bad routing key, an unknown channel) is permanent at
//!   once: the message goes to the dead-letter queue.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

/// How a destination refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Slowed down; try after the given time (when the destination said).
    RateLimited(Option<Duration>),
    /// A server error, timeout or lost connection.
    Transient,
    /// The credential was refused; it may have been rotated.
    Auth,
    /// Trying again cannot help.
    Permanent,
}

/// A refusal and what the destination said (never a secret: no URL, no token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub refusal: Refusal,
    pub detail: String,
}

impl Refused {
    /// A refusal of class `refusal`.
    pub fn new(refusal: Refusal, detail: impl Into<String>) -> Refused {
        Refused {
            refusal,
            detail: detail.into(),
        }
    }
}

/// How a delivery to one destination ended in failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// May pass later: the invocation fails so the message is delivered again.
    Transient(String),
    /// Never passes: the message goes to the dead-letter queue.
    Permanent(String),
    /// May pass later, and nothing was tried: another delivery of the same message holds the
    /// destination, or its delivery mark could not be claimed. The invocation fails so the
    /// message is delivered again.
    Deferred(String),
}

/// How many times, and how long, to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all after transient errors.
    pub attempts: u32,
    /// Rate-limit waits at most.
    pub rate_limit_waits: u32,
    /// The first backoff; it doubles each time.
    pub backoff: Duration,
    /// A request's timeout (less when the deadline is nearer).
    pub request_timeout: Duration,
    /// Time kept before the deadline for recording the outcome (state, dead letters).
    pub reserve: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            rate_limit_waits: 5,
            backoff: Duration::from_millis(250),
            request_timeout: Duration::from_secs(10),
            reserve: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The backoff before the `n`th retry (1-based).
    fn backoff(&self, n: u32) -> Duration {
        self.backoff.saturating_mul(1 << n.saturating_sub(1).min(10))
    }

    /// The time left before `deadline`, less the reserve.
    fn left(&self, deadline: Instant) -> Duration {
        deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(self.reserve)
    }
}

/// Whether a destination is reached with a credential kept in a secret (a webhook URL, a
/// token, a routing key), which a refusal for good may mean was rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// Read again once after a refusal for good, before giving up.
    Secret,
    /// None to read again (an AWS API reached with the function's role).
    None,
}

/// The least time a request gets after a wait; a wait that leaves less fails the invocation.
pub const MIN_REQUEST_TIME: Duration = Duration::from_secs(3);

/// Calls `attempt` until it succeeds or the policy gives up. `attempt` gets the request
/// timeout and whether to read the secret again (after a refusal that a rotated credential
/// may explain: authentication errors and refusals for good, once).
///
/// # Errors
/// [`Failure::Transient`] when time or attempts ran out on errors that may pass,
/// [`Failure::Permanent`] when the destination refused the message for good.
pub async fn with_retries<T>(
    policy: &RetryPolicy,
    deadline: Instant,
    credential: Credential,
    mut attempt: impl AsyncFnMut(Duration, bool) -> Result<T, Refused>,
) -> Result<T, Failure> {
    let (mut errors, mut waits, mut reread, mut fresh) = (0, 0, false, false);
    let mut last = String::from("no time left to try");
    loop {
        let left = policy.left(deadline);
        if left.is_zero() {
            return Err(Failure::Transient(format!("{last}; no time left in this invocation")));
        }
        let refused = match attempt(left.min(policy.request_timeout), fresh).await {
            Ok(value) => return Ok(value),
            Err(refused) => refused,
        };
        fresh = false;
        last = refused.detail;
        let wait = match refused.refusal {
            // A refusal for good may be a rotated credential (a revoked webhook answers 404,
            // a replaced routing key 400, a fixed secret no longer fails to parse): read the
            // secret again and try once more before giving up.
            Refusal::Permanent if credential == Credential::None => return Err(Failure::Permanent(last)),
            Refusal::Permanent | Refusal::Auth if reread => {
                return Err(Failure::Permanent(format!(
                    "{last} (refused again after the secret was read again)"
                )));
            }
            Refusal::Permanent | Refusal::Auth => {
                (reread, fresh) = (true, true);
                continue;
            }
            Refusal::RateLimited(after) => {
                waits += 1;
                if waits > policy.rate_limit_waits {
                    return Err(Failure::Transient(format!(
                        "{last}; still rate limited after {} waits",
                        waits - 1
                    )));
                }
                after.unwrap_or_else(|| policy.backoff(waits))
            }
            Refusal::Transient => {
                errors += 1;
                if errors >= policy.attempts {
                    return Err(Failure::Transient(format!("{last} ({errors} attempts)")));
                }
                policy.backoff(errors)
            }
        };
        // The next request must still have time of its own after the wait: a request cut
        // short after the destination took the message would send it twice on the retry.
        if wait + MIN_REQUEST_TIME >= policy.left(deadline) {
            return Err(Failure::Transient(format!(
                "{last}; waiting {} ms more does not fit in this invocation",
                wait.as_millis()
            )));
        }
        tokio::time::sleep(wait).await;
    }
}

/// What a destination answered over HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Retry-After` in seconds, when given so.
    pub retry_after: Option<Duration>,
    pub body: String,
}

impl Answer {
    /// The refusal that a status says by itself: 429 rate limited (with `Retry-After`), 5xx
    /// transient, 401 and 403 authentication, other 4xx permanent; `None` for the rest.
    pub fn refusal(&self) -> Option<Refusal> {
        match self.status {
            429 => Some(Refusal::RateLimited(self.retry_after)),
            401 | 403 => Some(Refusal::Auth),
            500..=599 => Some(Refusal::Transient),
            400..=499 => Some(Refusal::Permanent),
            _ => None,
        }
    }

    /// The start of the body, for logs and dead-letter reasons.
    pub fn excerpt(&self) -> String {
        let text: String = self.body.chars().take(300).collect();
        if text.trim().is_empty() {
            "(empty body)".into()
        } else {
            text
        }
    }
}

/// POSTs `body` as JSON to `url` (with `Authorization: Bearer <bearer>` when given).
///
/// # Errors
/// A transient [`Refused`] when the request timed out or the connection failed, a permanent
/// one when it could not be made at all. Neither names the URL (a webhook URL is a secret).
pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
    timeout: Duration,
) -> Result<Answer, Refused> {
    let mut request = http
        .post(url)
        .timeout(timeout)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(body.to_string());
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| request_error(&e))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.map_err(|e| request_error(&e))?;
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

fn request_error(e: &reqwest::Error) -> Refused {
    // The URL is left out: a webhook URL is its own credential.
    let refusal = if e.is_builder() {
        Refusal::Permanent
    } else {
        Refusal::Transient
    };
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_builder() {
        "the request could not be made"
    } else {
        "the request failed"
    };
    let mut detail = what.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    Refused::new(refusal, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> RetryPolicy {
        RetryPolicy {
            backoff: Duration::from_millis(1),
            reserve: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    fn run<T>(policy: &RetryPolicy, answers: Vec<Result<T, Refused>>) -> (Result<T, Failure>, Vec<bool>) {
        run_with(policy, Credential::Secret, answers)
    }

    fn run_with<T>(
        policy: &RetryPolicy,
        credential: Credential,
        mut answers: Vec<Result<T, Refused>>,
    ) -> (Result<T, Failure>, Vec<bool>) {
        answers.reverse();
        let mut calls = Vec::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let result = runtime.block_on(with_retries(policy, deadline, credential, async |_, fresh| {
            calls.push(fresh);
            answers
                .pop()
                .unwrap_or_else(|| Err(Refused::new(Refusal::Transient, "out of answers")))
        }));
        (result, calls)
    }

    #[test]
    fn retries_what_can_pass_and_stops_on_what_cannot() {
        let p = quick();
        let transient = || Err(Refused::new(Refusal::Transient, "500"));
        assert_eq!(run(&p, vec![transient(), transient(), Ok(7)]).0, Ok(7));
        let (result, calls) = run::<i32>(&p, vec![transient(); 9]);
        assert_eq!(calls.len(), 4);
        assert!(matches!(result, Err(Failure::Transient(m)) if m == "500 (4 attempts)"));
        // A refusal for good: with a credential in a secret, tried once more with the secret
        // read again (it may have been rotated); without one, given up at once.
        let gone = || Err(Refused::new(Refusal::Permanent, "404 no_service"));
        let (result, calls) = run::<()>(&p, vec![gone(), gone()]);
        assert_eq!(calls, [false, true]);
        let again = "404 no_service (refused again after the secret was read again)";
        assert_eq!(result, Err(Failure::Permanent(again.into())));
        assert_eq!(run(&p, vec![gone(), Ok(())]), (Ok(()), vec![false, true]), "rotated");
        let (result, calls) = run_with::<()>(&p, Credential::None, vec![gone()]);
        assert_eq!(
            (result, calls.len()),
            (Err(Failure::Permanent("404 no_service".into())), 1)
        );
    }

    #[test]
    fn an_auth_error_reads_the_secret_again_once() {
        let p = quick();
        let auth = || Err(Refused::new(Refusal::Auth, "invalid_auth"));
        assert_eq!(run(&p, vec![auth(), Ok(1)]), (Ok(1), vec![false, true]));
        let (result, calls) = run::<i32>(&p, vec![auth(), auth(), auth()]);
        assert_eq!(calls, [false, true]);
        assert!(matches!(result, Err(Failure::Permanent(_))));
    }

    #[test]
    fn rate_limits_wait_only_within_the_deadline() {
        let p = quick();
        let limited = |ms| {
            Err(Refused::new(
                Refusal::RateLimited(Some(Duration::from_millis(ms))),
                "429",
            ))
        };
        assert_eq!(run(&p, vec![limited(5), limited(5), Ok(())]).0, Ok(()));
        let (result, calls) = run::<()>(&p, vec![limited(60_000), Ok(())]);
        assert_eq!(calls.len(), 1);
        assert!(matches!(result, Err(Failure::Transient(m)) if m.contains("does not fit")),);
        let (result, calls) = run::<()>(&p, vec![limited(1); 10]);
        assert_eq!(calls.len(), 6);
        assert!(matches!(result, Err(Failure::Transient(_))));
    }

    #[test]
    fn statuses() {
        let answer = |status, retry_after| Answer {
            status,
            retry_after,
            body: String::new(),
        };
        let after = Some(Duration::from_secs(3));
        assert_eq!(answer(429, after).refusal(), Some(Refusal::RateLimited(after)));
        assert_eq!(answer(503, None).refusal(), Some(Refusal::Transient));
        assert_eq!(answer(403, None).refusal(), Some(Refusal::Auth));
        assert_eq!(answer(410, None).refusal(), Some(Refusal::Permanent));
        assert_eq!(answer(200, None).refusal(), None);
        assert_eq!(answer(200, None).excerpt(), "(empty body)");
    }
}
