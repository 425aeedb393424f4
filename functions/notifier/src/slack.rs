//! Slack: the secret's two forms, posting through an incoming webhook or `chat.postMessage`,
//! what Slack's answers mean, and the thread of an incident as one stored number.

use std::fmt;

use aidr_engine::Severity;
use serde_json::Value;

use crate::config::check_destination_url;
use crate::delivery::{Answer, Refusal, Refused};

/// What `AIDR_SLACK_SECRET_ARN` holds. Its `Debug` shows no credential.
#[derive(Clone, PartialEq, Eq)]
pub enum SlackSecret {
    /// `{"webhook_url": "https://hooks.slack.com/services/…"}`: one message per alert.
    Webhook { url: String },
    /// `{"bot_token": "xoxb-…", "channel": "C…"}`: messages through the Web API, later alerts
    /// of an incident in the thread of its first.
    Bot { token: String, channel: String },
}

impl fmt::Debug for SlackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlackSecret::Webhook { .. } => f.write_str("SlackSecret::Webhook"),
            SlackSecret::Bot { channel, .. } => write!(f, "SlackSecret::Bot {{ channel: {channel:?} }}"),
        }
    }
}

impl SlackSecret {
    /// Reads the secret's JSON. A webhook URL must be `https` (or `http` to a loopback
    /// address).
    ///
    /// # Errors
    /// What is wrong with the secret, without its values.
    pub fn parse(text: &str) -> Result<SlackSecret, String> {
        let value: Value = serde_json::from_str(text).map_err(|_| "the Slack secret is not JSON".to_owned())?;
        let field = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        if let Some(url) = field("webhook_url") {
            check_destination_url(&url).map_err(|why| format!("the Slack secret's webhook_url is refused: {why}"))?;
            return Ok(SlackSecret::Webhook { url });
        }
        match (field("bot_token"), field("channel")) {
            (Some(token), Some(channel)) => Ok(SlackSecret::Bot { token, channel }),
            (Some(_), None) => Err("the Slack secret has a bot_token but no channel".into()),
            _ => Err("the Slack secret has neither webhook_url nor bot_token and channel".into()),
        }
    }
}

/// What an incoming webhook's answer means: any 2xx (Slack answers `ok`) is delivered.
///
/// # Errors
/// The refusal, with Slack's words (`no_service`, `channel_is_archived`, …).
pub fn webhook_answer(answer: &Answer) -> Result<(), Refused> {
    let detail = || format!("the webhook answered HTTP {}: {}", answer.status, answer.excerpt());
    match answer.refusal() {
        Some(refusal) => Err(Refused::new(refusal, detail())),
        None if (200..300).contains(&answer.status) => Ok(()),
        None => Err(Refused::new(Refusal::Permanent, detail())),
    }
}

/// What a `chat.postMessage` answer means: the message's `ts` when `ok`.
///
/// # Errors
/// The refusal: by HTTP status first, then by Slack's `error` (`invalid_auth`,
/// `token_revoked`, … read the secret again; `ratelimited` waits; `internal_error`,
/// `service_unavailable`, … retry; the rest, such as `channel_not_found`, are permanent).
pub fn api_answer(answer: &Answer) -> Result<String, Refused> {
    if let Some(refusal) = answer.refusal() {
        let detail = format!("chat.postMessage answered HTTP {}: {}", answer.status, answer.excerpt());
        return Err(Refused::new(refusal, detail));
    }
    let Ok(body) = serde_json::from_str::<Value>(&answer.body) else {
        let detail = format!(
            "chat.postMessage answered HTTP {} with no JSON: {}",
            answer.status,
            answer.excerpt()
        );
        return Err(Refused::new(Refusal::Transient, detail));
    };
    if body.get("ok").and_then(Value::as_bool) == Some(true) {
        return match body.get("ts").and_then(Value::as_str) {
            Some(ts) => Ok(ts.to_owned()),
            None => Err(Refused::new(
                Refusal::Permanent,
                "chat.postMessage answered ok without a ts",
            )),
        };
    }
    let error = body.get("error").and_then(Value::as_str).unwrap_or("unknown_error");
    let refusal = match error {
        "invalid_auth" | "token_revoked" | "token_expired" | "not_authed" | "account_inactive" => Refusal::Auth,
        // `ratelimited` (the Web API's rate limits) and `rate_limited` (the chat methods'
        // message rate), both per Slack's method reference.
        "ratelimited" | "rate_limited" => Refusal::RateLimited(answer.retry_after),
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" => Refusal::Transient,
        _ => Refusal::Permanent,
    };
    Err(Refused::new(refusal, format!("chat.postMessage answered {error}")))
}

/// The thread of an incident's messages: the `ts` of its first message and the highest
/// severity posted in it so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub ts: String,
    pub severity: Severity,
}

impl Thread {
    /// As one stored number: the `ts` in microseconds, times 8, plus the severity's rank.
    /// `None` when the `ts` is not `<seconds>.<microseconds>`.
    pub fn encode(&self) -> Option<i64> {
        let (secs, frac) = self.ts.split_once('.')?;
        if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let secs: i64 = secs.parse().ok().filter(|s| *s >= 0 && *s < 100_000_000_000)?;
        let micros: i64 = format!("{frac:0<6}").parse().ok()?;
        let rank = Severity::ALL.iter().position(|s| *s == self.severity)? as i64;
        Some((secs * 1_000_000 + micros) * 8 + rank)
    }

    /// The thread [`Thread::encode`] stored as `value`.
    pub fn decode(value: i64) -> Option<Thread> {
        let severity = *Severity::ALL.get(usize::try_from(value % 8).ok()?)?;
        let micros = value / 8;
        Some(Thread {
            ts: format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000),
            severity,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            retry_after: None,
            body: body.into(),
        }
    }

    #[test]
    fn secrets_of_both_forms_and_no_credential_in_errors_or_debug() {
        let webhook = SlackSecret::parse(r#"{"webhook_url":"https://hooks.slack.com/services/T0/B0/sekrit"}"#).unwrap();
        assert!(matches!(webhook, SlackSecret::Webhook { .. }));
        assert!(!format!("{webhook:?}").contains("sekrit"));
        let bot = SlackSecret::parse(r#"{"bot_token":"xoxb-sekrit","channel":"C0123"}"#).unwrap();
        assert_eq!(format!("{bot:?}"), r#"SlackSecret::Bot { channel: "C0123" }"#);
        for bad in [
            "xoxb-sekrit",
            r#"{"bot_token":"xoxb-sekrit"}"#,
            r#"{"webhook_url":"http://hooks.slack.com/services/sekrit"}"#,
            r#"{"channel":"C0"}"#,
        ] {
            let err = SlackSecret::parse(bad).unwrap_err();
            assert!(!err.contains("sekrit"), "{err}");
        }
    }

    #[test]
    fn answers() {
        assert_eq!(webhook_answer(&answer(200, "ok")), Ok(()));
        let gone = webhook_answer(&answer(410, "channel_is_archived")).unwrap_err();
        assert_eq!(
            (gone.refusal, gone.detail.as_str()),
            (Refusal::Permanent, "the webhook answered HTTP 410: channel_is_archived")
        );
        assert_eq!(
            webhook_answer(&answer(403, "invalid_token")).unwrap_err().refusal,
            Refusal::Auth
        );
        let ok = json!({"ok": true, "channel": "C0", "ts": "1700000000.000100"}).to_string();
        assert_eq!(api_answer(&answer(200, &ok)).unwrap(), "1700000000.000100");
        for (error, refusal) in [
            ("channel_not_found", Refusal::Permanent),
            ("invalid_auth", Refusal::Auth),
            ("token_revoked", Refusal::Auth),
            ("ratelimited", Refusal::RateLimited(None)),
            ("internal_error", Refusal::Transient),
        ] {
            let body = json!({"ok": false, "error": error}).to_string();
            assert_eq!(api_answer(&answer(200, &body)).unwrap_err().refusal, refusal, "{error}");
        }
        assert_eq!(
            api_answer(&answer(502, "<html>")).unwrap_err().refusal,
            Refusal::Transient
        );
    }

    #[test]
    fn threads_round_trip() {
        for severity in Severity::ALL {
            let thread = Thread {
                ts: "1712345678.012345".into(),
                severity,
            };
            assert_eq!(Thread::decode(thread.encode().unwrap()), Some(thread));
        }
        let short = Thread {
            ts: "1712345678.5".into(),
            severity: Severity::High,
        };
        assert_eq!(Thread::decode(short.encode().unwrap()).unwrap().ts, "1712345678.500000");
        for bad in ["", "1712345678", "x.1", "1.1234567", "-1.000001"] {
            let thread = Thread {
                ts: bad.into(),
                severity: Severity::Low,
            };
            assert_eq!(thread.encode(), None, "{bad}");
        }
    }
}
