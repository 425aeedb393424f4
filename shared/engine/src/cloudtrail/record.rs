//! The lenient CloudTrail record: every field optional, strings borrowed from the input where
//! possible, the free-form sections kept as raw JSON until a rule asks for them.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// Borrowed string: points into the input unless it held escapes.
pub type Str<'a> = Option<Cow<'a, str>>;

/// One CloudTrail record, as found in `detail` of an EventBridge event, in `Records` of a
/// CloudTrail log file, or alone on a JSON line. Unknown fields are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record<'a> {
    #[serde(borrow, default, deserialize_with = "cow")]
    pub event_version: Str<'a>,
    #[serde(borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub event_time: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub event_source: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub event_name: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub aws_region: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow", rename = "sourceIPAddress")]
    pub source_ip_address: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub user_agent: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub error_code: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub error_message: Str<'a>,
    #[serde(borrow)]
    pub request_parameters: Option<&'a RawValue>,
    #[serde(borrow)]
    pub response_elements: Option<&'a RawValue>,
    #[serde(borrow)]
    pub additional_event_data: Option<&'a RawValue>,
    #[serde(borrow)]
    pub service_event_details: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "cow", rename = "requestID")]
    pub request_id: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow", rename = "eventID")]
    pub event_id: Str<'a>,
    pub read_only: Option<bool>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub event_type: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub recipient_account_id: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub event_category: Str<'a>,
    pub management_event: Option<bool>,
}

/// `userIdentity`: who made the call.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    #[serde(borrow, default, deserialize_with = "cow", rename = "type")]
    pub kind: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub principal_id: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub arn: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub account_id: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub access_key_id: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub user_name: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub invoked_by: Str<'a>,
    #[serde(borrow)]
    pub session_context: Option<SessionContext<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext<'a> {
    #[serde(borrow)]
    pub session_issuer: Option<SessionIssuer<'a>>,
}

/// `userIdentity.sessionContext.sessionIssuer`: the role behind temporary credentials.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer<'a> {
    #[serde(borrow, default, deserialize_with = "cow", rename = "type")]
    pub kind: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub arn: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub account_id: Str<'a>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub user_name: Str<'a>,
}

/// Deserializes an optional string, borrowing from the input unless it holds escapes
/// (serde's `borrow` alone does not reach through `Option`).
fn cow<'de: 'a, 'a, D: serde::Deserializer<'de>>(d: D) -> Result<Str<'a>, D::Error> {
    #[derive(Deserialize)]
    struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);
    Ok(Option::<Borrowed<'a>>::deserialize(d)?.map(|b| b.0))
}

/// Shorthand for reading an optional borrowed string.
pub(crate) fn s<'r>(v: &'r Str<'_>) -> Option<&'r str> {
    v.as_deref()
}

impl Record<'_> {
    /// `eventSource`, or "" when absent.
    pub fn source(&self) -> &str {
        s(&self.event_source).unwrap_or("")
    }

    /// `eventName`, or "" when absent.
    pub fn name(&self) -> &str {
        s(&self.event_name).unwrap_or("")
    }

    /// True when the call failed (`errorCode` set and not empty).
    pub fn failed(&self) -> bool {
        s(&self.error_code).is_some_and(|c| !c.is_empty())
    }

    /// The account the event belongs to: `recipientAccountId`, else the caller's account.
    pub fn account(&self) -> Option<&str> {
        s(&self.recipient_account_id).or_else(|| self.user_identity.as_ref().and_then(|u| s(&u.account_id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minimal_and_borrows() {
        let text = r#"{"eventName":"DeleteGuardrail","eventSource":"bedrock.amazonaws.com","requestParameters":null,"unknownField":[1,2]}"#;
        let r: Record = serde_json::from_str(text).unwrap();
        assert_eq!(r.name(), "DeleteGuardrail");
        assert!(matches!(r.event_name, Some(Cow::Borrowed(_))));
        assert!(r.request_parameters.is_none());
        assert!(!r.failed());
        assert_eq!(r.account(), None);
    }

    #[test]
    fn keeps_raw_sections_and_error_fields() {
        let text = r#"{"eventName":"X","errorCode":"AccessDenied","recipientAccountId":"111122223333","readOnly":true,
            "requestParameters":{"a":{"b":1}},"userIdentity":{"type":"IAMUser","accountId":"999"}}"#;
        let r: Record = serde_json::from_str(text).unwrap();
        assert!(r.failed());
        assert_eq!(r.read_only, Some(true));
        assert_eq!(r.account(), Some("111122223333"));
        assert_eq!(r.request_parameters.unwrap().get(), r#"{"a":{"b":1}}"#);
    }

    #[test]
    fn wrong_type_is_an_error() {
        let err = serde_json::from_str::<Record>(r#"{"eventName":5}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }
}
