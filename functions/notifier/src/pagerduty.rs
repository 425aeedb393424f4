//! PagerDuty's Events API v2: the secret, and what the enqueue endpoint's answers mean.

use serde_json::Value;

use crate::delivery::{Answer, Refusal, Refused};

/// The routing (integration) key in `{"routing_key": "…"}`.
///
/// # Errors
/// What is wrong with the secret, without its value.
pub fn routing_key(secret: &str) -> Result<String, String> {
    let value: Value = serde_json::from_str(secret).map_err(|_| "the PagerDuty secret is not JSON".to_owned())?;
    value
        .get("routing_key")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "the PagerDuty secret has no routing_key".into())
}

/// What an enqueue answer means: 2xx (PagerDuty answers 202) is accepted; 400 (an invalid
/// event or routing key) is permanent; 429 waits; 5xx retries.
///
/// # Errors
/// The refusal, with PagerDuty's `message` and `errors`.
pub fn answer(answer: &Answer) -> Result<(), Refused> {
    if (200..300).contains(&answer.status) {
        return Ok(());
    }
    let said = match serde_json::from_str::<Value>(&answer.body) {
        Ok(body) => {
            let message = body.get("message").and_then(Value::as_str).unwrap_or("");
            let errors = body.get("errors").map(Value::to_string).unwrap_or_default();
            format!("{message} {errors}").trim().to_owned()
        }
        Err(_) => answer.excerpt(),
    };
    let refusal = answer.refusal().unwrap_or(Refusal::Permanent);
    Err(Refused::new(
        refusal,
        format!("the Events API answered HTTP {}: {said}", answer.status),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn secret_and_answers() {
        assert_eq!(routing_key(r#"{"routing_key":" R0123 "}"#).unwrap(), "R0123");
        assert!(
            routing_key(r#"{"integration_key":"R0123"}"#)
                .unwrap_err()
                .contains("no routing_key")
        );
        assert!(!routing_key("R0123").unwrap_err().contains("R0123"));
        let answer_of = |status, body: &str| Answer {
            status,
            retry_after: Some(Duration::from_secs(2)),
            body: body.into(),
        };
        assert_eq!(answer(&answer_of(202, r#"{"status":"success"}"#)), Ok(()));
        let bad = answer(&answer_of(
            400,
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect"]}"#,
        ))
        .unwrap_err();
        assert_eq!(bad.refusal, Refusal::Permanent);
        assert!(bad.detail.contains("routing_key' is incorrect"), "{}", bad.detail);
        let limited = answer(&answer_of(429, "")).unwrap_err();
        assert_eq!(limited.refusal, Refusal::RateLimited(Some(Duration::from_secs(2))));
    }
}
