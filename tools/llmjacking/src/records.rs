//! One API call (an event before it gets its ids) and how it is rendered as a CloudTrail record.

use std::fmt::Write as _;
use std::rc::Rc;

use crate::identity::Ident;
use crate::time::push_time;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A malformed request body.
    Validation,
    /// No IAM permission.
    Denied,
    /// The model is not enabled in the account.
    NotEnabled,
    Throttled,
}

/// One API call, before it gets its ids and is rendered.
#[derive(Debug, Clone)]
pub(crate) struct Ev {
    pub(crate) time: i64,
    pub(crate) who: Rc<Ident>,
    pub(crate) region: &'static str,
    pub(crate) name: &'static str,
    /// The model id, or for ListFoundationModels the provider filter.
    pub(crate) arg: Option<&'static str>,
    pub(crate) failure: Option<Failure>,
    pub(crate) ip: [u8; 4],
    pub(crate) ua: &'static str,
    /// Index into the scenario list for attacker events.
    pub(crate) scenario: Option<usize>,
}

pub(crate) const INVOKE: &str = "InvokeModel";
pub(crate) const INVOKE_STREAM: &str = "InvokeModelWithResponseStream";
pub(crate) const CONVERSE: &str = "Converse";
pub(crate) const CONVERSE_STREAM: &str = "ConverseStream";
pub(crate) const LIST_MODELS: &str = "ListFoundationModels";
pub(crate) const AVAILABILITY: &str = "GetFoundationModelAvailability";
pub(crate) const GET_LOGGING: &str = "GetModelInvocationLoggingConfiguration";
pub(crate) const DELETE_LOGGING: &str = "DeleteModelInvocationLoggingConfiguration";
pub(crate) const USE_CASE: &str = "PutUseCaseForModelAccess";
pub(crate) const OFFERS: &str = "ListFoundationModelAgreementOffers";
pub(crate) const AGREEMENT: &str = "CreateFoundationModelAgreement";
pub(crate) const ENTITLEMENT: &str = "PutFoundationModelEntitlement";

pub(crate) fn is_runtime(name: &str) -> bool {
    matches!(name, INVOKE | INVOKE_STREAM | CONVERSE | CONVERSE_STREAM)
}

fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Ev {
    /// Appends the CloudTrail record (one line of JSON) to `out`.
    pub(crate) fn render(&self, event_id: &str, request_id: &str, out: &mut String) {
        let [a, b, c, d] = self.ip;
        out.push_str(r#"{"eventVersion":"1.09","userIdentity":"#);
        out.push_str(&self.who.json);
        out.push_str(r#","eventTime":""#);
        push_time(out, self.time);
        let _ = write!(
            out,
            r#"","eventSource":"bedrock.amazonaws.com","eventName":"{}","awsRegion":"{}","sourceIPAddress":"{a}.{b}.{c}.{d}","userAgent":"#,
            self.name, self.region
        );
        push_json_str(out, self.ua);
        if let Some(failure) = self.failure {
            let (code, message) = self.error(failure);
            let _ = write!(out, r#","errorCode":"{code}","errorMessage":"#);
            push_json_str(out, &message);
        }
        out.push_str(r#","requestParameters":"#);
        let arg = self.arg.unwrap_or("");
        match self.name {
            USE_CASE => out.push_str(r#"{"formData":"HIDDEN_DUE_TO_SECURITY_REASONS"}"#),
            AGREEMENT => {
                let _ = write!(
                    out,
                    r#"{{"modelId":"{arg}","offerToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}}"#
                );
            }
            LIST_MODELS if self.arg.is_some() => {
                let _ = write!(out, r#"{{"byProvider":"{arg}"}}"#);
            }
            LIST_MODELS | GET_LOGGING | DELETE_LOGGING => out.push_str("null"),
            _ => {
                let _ = write!(out, r#"{{"modelId":"{arg}"}}"#);
            }
        }
        out.push_str(r#","responseElements":"#);
        match (self.name, self.failure) {
            (AGREEMENT, None) => {
                let _ = write!(out, r#"{{"modelId":"{arg}"}}"#);
            }
            (ENTITLEMENT, None) => out.push_str(r#"{"status":"SUCCESS"}"#),
            _ => out.push_str("null"),
        }
        let read_only = !matches!(self.name, USE_CASE | AGREEMENT | ENTITLEMENT | DELETE_LOGGING);
        let host = if is_runtime(self.name) {
            "bedrock-runtime"
        } else {
            "bedrock"
        };
        let _ = write!(
            out,
            r#","requestID":"{request_id}","eventID":"{event_id}","readOnly":{read_only},"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{}","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{host}.{}.amazonaws.com"}}}}"#,
            self.who.account, self.region
        );
    }

    fn error(&self, failure: Failure) -> (&'static str, String) {
        let model = self.arg.unwrap_or("");
        let action = if is_runtime(self.name) {
            if matches!(self.name, INVOKE_STREAM | CONVERSE_STREAM) {
                "InvokeModelWithResponseStream"
            } else {
                "InvokeModel"
            }
        } else {
            self.name
        };
        match failure {
            Failure::Validation => (
                "ValidationException",
                if matches!(self.name, CONVERSE | CONVERSE_STREAM) {
                    "A conversation must start with a user message. Try again with a conversation that starts with a user message.".into()
                } else {
                    "Malformed input request: #: required key [messages] not found, please reformat your input and try again.".into()
                },
            ),
            Failure::Denied => {
                let resource = if is_runtime(self.name) || (self.arg.is_some() && self.name != LIST_MODELS) {
                    format!(
                        " on resource: arn:aws:bedrock:{}::foundation-model/{model}",
                        self.region
                    )
                } else {
                    String::new()
                };
                (
                    "AccessDeniedException",
                    format!(
                        "User: {} is not authorized to perform: bedrock:{action}{resource} because no identity-based policy allows the bedrock:{action} action",
                        self.who.arn
                    ),
                )
            }
            Failure::NotEnabled => (
                "AccessDeniedException",
                "You don't have access to the model with the specified model ID.".into(),
            ),
            Failure::Throttled => (
                "ThrottlingException",
                "Too many requests, please wait before trying again.".into(),
            ),
        }
    }

    pub(crate) fn with_failure(mut self, failure: Option<Failure>) -> Ev {
        self.failure = failure;
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::attacks::{SC_PROBING, attack_events};
    use crate::catalog::CLAUDE_35_SONNET;
    use crate::time::{DAY, parse_time};
    use crate::world::World;

    fn record(e: &Ev) -> Value {
        let mut s = String::new();
        e.render(
            "11111111-1111-4111-8111-111111111111",
            "22222222-2222-4222-8222-222222222222",
            &mut s,
        );
        serde_json::from_str(&s).unwrap()
    }

    #[test]
    fn records_follow_the_cloudtrail_format() {
        let mut world = World::new(7);
        let events = attack_events(&mut world, 30 * DAY);
        let denied = events
            .iter()
            .find(|e| e.scenario == Some(SC_PROBING) && e.name == INVOKE)
            .unwrap();
        let r = record(denied);
        assert_eq!(r["eventSource"], "bedrock.amazonaws.com");
        assert_eq!(r["eventType"], "AwsApiCall");
        assert_eq!(r["userIdentity"]["type"], "IAMUser");
        assert!(r["userIdentity"]["accessKeyId"].as_str().unwrap().starts_with("AKIA"));
        assert_eq!(r["errorCode"], "AccessDeniedException");
        assert_eq!(r["responseElements"], Value::Null);
        assert_eq!(r["readOnly"], true);
        assert!(r["requestParameters"]["modelId"].is_string());
        assert_eq!(parse_time(r["eventTime"].as_str().unwrap()), Some(denied.time));

        let stolen = events.iter().find(|e| e.name == DELETE_LOGGING).unwrap();
        let r = record(stolen);
        assert_eq!(r["userIdentity"]["type"], "AssumedRole");
        assert_eq!(r["readOnly"], false);
        assert_eq!(r["requestParameters"], Value::Null);
        let issuer = &r["userIdentity"]["sessionContext"]["sessionIssuer"];
        assert!(
            issuer["arn"]
                .as_str()
                .unwrap()
                .contains(":role/aws-reserved/sso.amazonaws.com/")
        );
        assert!(
            parse_time(
                r["userIdentity"]["sessionContext"]["attributes"]["creationDate"]
                    .as_str()
                    .unwrap()
            )
            .is_some()
        );
        let agreement = events.iter().find(|e| e.name == AGREEMENT).unwrap();
        assert_eq!(record(agreement)["responseElements"]["modelId"], CLAUDE_35_SONNET);
    }
}
