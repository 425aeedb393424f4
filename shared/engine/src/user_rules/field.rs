//! Field paths of user rules (`eventName`, `userIdentity.arn`,
//! `requestParameters.tags.key`), resolved once at load into a [`Field`] that reads its values
//! out of an [`Event`] without allocating (beyond the event's parsing, once, of what it reads).
//!
//! A path starts with a field of the CloudTrail record ([`RECORD_FIELDS`]) and is read one of
//! three ways:
//! - the top-level fields and `userIdentity` fields the parsed record keeps ([`TOP_LEVEL`],
//!   [`IDENTITY`]) are read from it directly;
//! - a path into one of the four free-form sections ([`SECTIONS`]), of any depth, is read from
//!   the section parsed on its own. The section may be written as an object or as a string
//!   holding one (exports);
//! - any other path (`resources.ARN`, `tlsDetails.tlsVersion`,
//!   `userIdentity.sessionContext.attributes.mfaAuthenticated`) is read from the whole record
//!   parsed as JSON ([`Event::whole`]), which is parsed only when such a path is read, at most
//!   once per event. An event built without the record's JSON text has no values there.
//!
//! Section and whole-record paths cross arrays: a path that meets an array goes on into each
//! element, and a value that is an array yields each element: a test of the field holds when
//! it holds for any of them. A numeric segment on an array picks that element
//! (`requestParameters.items.0.name`).

use std::borrow::Cow;

use serde_json::Value;

use super::error::CompileError;
use crate::cloudtrail::Event;
use crate::cloudtrail::record::{Record, SessionIssuer, UserIdentity, s};

/// One value read from a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'v> {
    /// A string field of the record or of `userIdentity`.
    Text(&'v str),
    /// A boolean field of the record (`readOnly`, `managementEvent`).
    Flag(bool),
    /// A value inside a section or the whole record: never an array (arrays are crossed),
    /// possibly `null`.
    Json(&'v Value),
}

impl<'v> FieldValue<'v> {
    /// The value when it is a string.
    pub fn as_str(&self) -> Option<&'v str> {
        match *self {
            FieldValue::Text(text) => Some(text),
            FieldValue::Json(Value::String(text)) => Some(text),
            _ => None,
        }
    }

    /// The value as a number: a JSON number, or a string holding one (surrounding blanks
    /// ignored). Not-a-number and infinities are not numbers.
    pub fn as_f64(&self) -> Option<f64> {
        let n = match *self {
            FieldValue::Json(Value::Number(n)) => n.as_f64(),
            _ => self.as_str().and_then(|t| t.trim().parse::<f64>().ok()),
        };
        n.filter(|n| n.is_finite())
    }

    /// The value as a boolean: a boolean, or the string `true` / `false` (any case).
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            FieldValue::Flag(b) | FieldValue::Json(&Value::Bool(b)) => Some(b),
            _ => match self.as_str()? {
                t if t.eq_ignore_ascii_case("true") => Some(true),
                t if t.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            },
        }
    }

    /// True for a JSON `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, FieldValue::Json(Value::Null))
    }

    /// The value as text: strings as they are, numbers and booleans written out, objects as
    /// compact JSON; `None` for `null`.
    pub fn text(&self) -> Option<Cow<'v, str>> {
        match *self {
            FieldValue::Text(text) => Some(Cow::Borrowed(text)),
            FieldValue::Json(Value::String(text)) => Some(Cow::Borrowed(text)),
            FieldValue::Flag(b) | FieldValue::Json(&Value::Bool(b)) => {
                Some(Cow::Borrowed(if b { "true" } else { "false" }))
            }
            FieldValue::Json(Value::Null) => None,
            FieldValue::Json(other) => Some(Cow::Owned(other.to_string())),
        }
    }
}

/// Reads one typed field of a record.
type Getter = for<'r> fn(&'r Record<'_>) -> Option<FieldValue<'r>>;

fn text<'r>(value: &'r crate::cloudtrail::record::Str<'_>) -> Option<FieldValue<'r>> {
    s(value).map(FieldValue::Text)
}

fn identity<'r>(record: &'r Record<'_>) -> Option<&'r UserIdentity<'r>> {
    record.user_identity.as_ref()
}

fn issuer<'r>(record: &'r Record<'_>) -> Option<&'r SessionIssuer<'r>> {
    identity(record)?.session_context.as_ref()?.session_issuer.as_ref()
}

/// The top-level fields of a record, by their CloudTrail names.
pub const TOP_LEVEL: &[(&str, Getter)] = &[
    ("eventVersion", |r| text(&r.event_version)),
    ("eventTime", |r| text(&r.event_time)),
    ("eventSource", |r| text(&r.event_source)),
    ("eventName", |r| text(&r.event_name)),
    ("awsRegion", |r| text(&r.aws_region)),
    ("sourceIPAddress", |r| text(&r.source_ip_address)),
    ("userAgent", |r| text(&r.user_agent)),
    ("errorCode", |r| text(&r.error_code)),
    ("errorMessage", |r| text(&r.error_message)),
    ("requestID", |r| text(&r.request_id)),
    ("eventID", |r| text(&r.event_id)),
    ("readOnly", |r| r.read_only.map(FieldValue::Flag)),
    ("eventType", |r| text(&r.event_type)),
    ("recipientAccountId", |r| text(&r.recipient_account_id)),
    ("eventCategory", |r| text(&r.event_category)),
    ("managementEvent", |r| r.management_event.map(FieldValue::Flag)),
];

/// The fields of `userIdentity` a record keeps.
pub const IDENTITY: &[(&str, Getter)] = &[
    ("userIdentity.type", |r| text(&identity(r)?.kind)),
    ("userIdentity.principalId", |r| text(&identity(r)?.principal_id)),
    ("userIdentity.arn", |r| text(&identity(r)?.arn)),
    ("userIdentity.accountId", |r| text(&identity(r)?.account_id)),
    ("userIdentity.accessKeyId", |r| text(&identity(r)?.access_key_id)),
    ("userIdentity.userName", |r| text(&identity(r)?.user_name)),
    ("userIdentity.invokedBy", |r| text(&identity(r)?.invoked_by)),
    ("userIdentity.sessionContext.sessionIssuer.type", |r| {
        text(&issuer(r)?.kind)
    }),
    ("userIdentity.sessionContext.sessionIssuer.arn", |r| {
        text(&issuer(r)?.arn)
    }),
    ("userIdentity.sessionContext.sessionIssuer.accountId", |r| {
        text(&issuer(r)?.account_id)
    }),
    ("userIdentity.sessionContext.sessionIssuer.userName", |r| {
        text(&issuer(r)?.user_name)
    }),
];

/// The free-form sections, which paths may go into at any depth.
pub const SECTIONS: &[&str] = &[
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "serviceEventDetails",
];

/// The fields of a CloudTrail record (its documented contents): every path starts with one.
pub const RECORD_FIELDS: &[&str] = &[
    "eventTime",
    "eventVersion",
    "userIdentity",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "eventType",
    "apiVersion",
    "managementEvent",
    "readOnly",
    "resources",
    "recipientAccountId",
    "serviceEventDetails",
    "sharedEventID",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "eventCategory",
    "addendum",
    "sessionCredentialFromConsole",
    "edgeDeviceDetails",
    "tlsDetails",
    "insightDetails",
];

/// A free-form section of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Request,
    Response,
    Additional,
    ServiceDetails,
}

impl Section {
    fn of(name: &str) -> Option<Section> {
        Some(match name {
            "requestParameters" => Section::Request,
            "responseElements" => Section::Response,
            "additionalEventData" => Section::Additional,
            "serviceEventDetails" => Section::ServiceDetails,
            _ => return None,
        })
    }

    fn read<'e>(self, event: &'e Event<'_, '_>) -> Option<&'e Value> {
        match self {
            Section::Request => event.request(),
            Section::Response => event.response(),
            Section::Additional => event.additional(),
            Section::ServiceDetails => event.service_details(),
        }
    }
}

/// One step of a path into a JSON value: an object key, which on an array is an index when it
/// is a number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    key: Box<str>,
    index: Option<usize>,
}

#[derive(Debug, Clone)]
enum Place {
    Typed(Getter),
    Section(Section, Box<[Segment]>),
    /// A path from the top of the whole record ([`Event::whole`]).
    Whole(Box<[Segment]>),
}

/// The steps of a dot path (`""` has none).
fn segments(path: &str) -> Box<[Segment]> {
    path.split('.')
        .filter(|_| !path.is_empty())
        .map(|key| Segment {
            key: key.into(),
            index: key.parse().ok(),
        })
        .collect()
}

/// A compiled field path.
#[derive(Debug, Clone)]
pub struct Field {
    path: Box<str>,
    place: Place,
}

impl Field {
    /// Resolves a dot path.
    ///
    /// # Errors
    /// A [`CompileError`] (at the empty key path: the caller places it) for an empty segment,
    /// a path that goes under a top-level field holding one value (`eventName.x`), or a path
    /// that does not start with a record field, with a hint: the near miss it may mean, else
    /// the record fields.
    pub fn compile(path: &str) -> Result<Field, CompileError> {
        let bad = |message: String| CompileError::new("", message).text(path);
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(bad(format!("field path {path:?} has an empty part")));
        }
        if let Some(&(_, get)) = TOP_LEVEL.iter().chain(IDENTITY).find(|(name, _)| *name == path) {
            return Ok(Field {
                path: path.into(),
                place: Place::Typed(get),
            });
        }
        let (head, rest) = path.split_once('.').map_or((path, ""), |(h, r)| (h, r));
        let place = if let Some(section) = Section::of(head) {
            Place::Section(section, segments(rest))
        } else if TOP_LEVEL.iter().any(|(name, _)| *name == head) {
            let message = format!("field path {path:?} goes under `{head}`, which holds a single value");
            return Err(bad(message).hint(format!("use `{head}`")));
        } else if RECORD_FIELDS.contains(&head) {
            Place::Whole(segments(path))
        } else {
            let message = format!("field path {path:?} names no field aidr reads");
            return Err(bad(message).hint(hint(head, rest)));
        };
        Ok(Field {
            path: path.into(),
            place,
        })
    }

    /// The path as written.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Calls `test` on each value of the field in `event` until it returns true; true when
    /// one did. A missing field has no values; `null` is a value ([`FieldValue::is_null`]).
    /// A path read from the whole record has no values in an event without its JSON text
    /// ([`Event::with_raw`]).
    pub fn any<'e>(&self, event: &'e Event<'_, '_>, mut test: impl FnMut(FieldValue<'e>) -> bool) -> bool {
        match &self.place {
            Place::Typed(get) => get(event.record).is_some_and(test),
            Place::Section(section, segments) => {
                section.read(event).is_some_and(|root| walk(root, segments, &mut test))
            }
            Place::Whole(segments) => event.whole().is_some_and(|root| walk(root, segments, &mut test)),
        }
    }

    /// Every value's text ([`FieldValue::text`]; `null` left out), in record order.
    pub fn texts<'e>(&self, event: &'e Event<'_, '_>) -> Vec<Cow<'e, str>> {
        let mut out = Vec::new();
        self.any(event, |v| {
            out.extend(v.text());
            false
        });
        out
    }
}

/// Visits the values at `segments` under `value`, crossing arrays.
fn walk<'v>(value: &'v Value, segments: &[Segment], test: &mut impl FnMut(FieldValue<'v>) -> bool) -> bool {
    if let Value::Array(items) = value {
        if let Some((first, rest)) = segments.split_first()
            && let Some(i) = first.index
        {
            return items.get(i).is_some_and(|item| walk(item, rest, test));
        }
        return items.iter().any(|item| walk(item, segments, test));
    }
    match segments.split_first() {
        None => test(FieldValue::Json(value)),
        Some((first, rest)) => value
            .as_object()
            .and_then(|map| map.get(&*first.key))
            .is_some_and(|next| walk(next, rest, test)),
    }
}

/// How far apart two names are, for suggestions: the edit distance, ignoring case.
fn distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(&a.to_ascii_lowercase(), &b.to_ascii_lowercase())
}

/// The hint for a path starting with `head`, not a record field, followed by `rest`: the
/// record field it most likely means, else the list of them.
fn hint(head: &str, rest: &str) -> String {
    const NEAR: usize = 2;
    let near = RECORD_FIELDS
        .iter()
        .map(|name| (distance(head, name), name))
        .filter(|(d, _)| *d <= NEAR)
        .min_by_key(|(d, _)| *d);
    match near {
        Some((_, name)) if rest.is_empty() => format!("did you mean `{name}`?"),
        Some((_, name)) => format!("did you mean `{name}.{rest}`?"),
        None => format!("a path starts with a record field: {}", RECORD_FIELDS.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(path: &str, text: &str) -> Vec<String> {
        let record: Record = serde_json::from_str(text).unwrap();
        let event = Event::new(&record).with_raw(text.as_bytes());
        let mut out = Vec::new();
        Field::compile(path).unwrap().any(&event, |v| {
            out.push(v.text().map_or_else(|| "null".to_owned(), Cow::into_owned));
            false
        });
        out
    }

    #[test]
    fn typed_fields() {
        let record = r#"{"eventName":"X","readOnly":false,"sourceIPAddress":"10.0.0.1",
            "userIdentity":{"type":"AssumedRole","arn":"a","sessionContext":{"sessionIssuer":{"arn":"role","userName":"R"}}}}"#;
        assert_eq!(values("eventName", record), ["X"]);
        assert_eq!(values("readOnly", record), ["false"]);
        assert_eq!(values("sourceIPAddress", record), ["10.0.0.1"]);
        assert_eq!(values("userIdentity.arn", record), ["a"]);
        assert_eq!(
            values("userIdentity.sessionContext.sessionIssuer.userName", record),
            ["R"]
        );
        assert!(values("errorCode", record).is_empty());
        assert!(values("userIdentity.userName", "{}").is_empty());
    }

    #[test]
    fn section_paths_cross_arrays() {
        let record = r#"{"requestParameters":{"tags":[{"key":"env","value":"prod"},{"key":"team"}],
            "names":["a","b"],"nested":[[{"x":1}],[{"x":2}]],"n":null}}"#;
        assert_eq!(values("requestParameters.tags.key", record), ["env", "team"]);
        assert_eq!(values("requestParameters.tags.value", record), ["prod"]);
        assert_eq!(values("requestParameters.tags.1.key", record), ["team"]);
        assert_eq!(values("requestParameters.names", record), ["a", "b"]);
        assert_eq!(values("requestParameters.nested.x", record), ["1", "2"]);
        assert_eq!(values("requestParameters.n", record), ["null"]);
        assert!(values("requestParameters.missing.x", record).is_empty());
        assert_eq!(values("requestParameters.tags.9.key", record), Vec::<String>::new());
        let whole = values("requestParameters", r#"{"requestParameters":{"a":1}}"#);
        assert_eq!(whole, [r#"{"a":1}"#]);
    }

    #[test]
    fn sections_held_in_strings_and_every_section() {
        let record = r#"{"requestParameters":"{\"a\":{\"b\":\"x\"}}","responseElements":{"r":1},
            "additionalEventData":{"MFAUsed":"Yes"},"serviceEventDetails":"{\"d\":true}"}"#;
        assert_eq!(values("requestParameters.a.b", record), ["x"]);
        assert_eq!(values("responseElements.r", record), ["1"]);
        assert_eq!(values("additionalEventData.MFAUsed", record), ["Yes"]);
        assert_eq!(values("serviceEventDetails.d", record), ["true"]);
    }

    #[test]
    fn unsupported_paths_say_what_is_meant() {
        let err = |p: &str| Field::compile(p).unwrap_err();
        let e = err("sourceIpAddress");
        assert_eq!(e.hint.as_deref(), Some("did you mean `sourceIPAddress`?"));
        assert_eq!(e.text.as_deref(), Some("sourceIpAddress"));
        let e = err("requestParameter.endpointName");
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `requestParameters.endpointName`?")
        );
        let e = err("useridentity.sessionContext.attributes.mfaAuthenticated");
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `userIdentity.sessionContext.attributes.mfaAuthenticated`?")
        );
        assert_eq!(err("tlsDetail").hint.as_deref(), Some("did you mean `tlsDetails`?"));
        let e = err("status.code");
        assert_eq!(e.message, r#"field path "status.code" names no field aidr reads"#);
        let hint = e.hint.unwrap();
        assert!(
            hint.starts_with("a path starts with a record field: eventTime, "),
            "{hint}"
        );
        assert!(hint.contains("tlsDetails") && hint.len() < 500, "{hint}");
        assert!(err("detail.eventName").hint.unwrap().contains("requestParameters"));
        let e = err("eventName.x");
        assert!(
            e.message.contains("goes under `eventName`, which holds a single value"),
            "{e:?}"
        );
        assert_eq!(e.hint.as_deref(), Some("use `eventName`"));
        assert!(err("a..b").message.contains("empty part"));
        assert!(err("").message.contains("empty part"));
        assert!(err("requestParameters.").message.contains("empty part"));
    }

    const CONSOLE_LOGIN: &str = r#"{"eventName":"ConsoleLogin","apiVersion":"2015-01-01",
        "userIdentity":{"type":"AssumedRole","arn":"a","sessionContext":{
            "attributes":{"mfaAuthenticated":"true","creationDate":"2026-03-02T10:00:00Z"},
            "sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"role"},
            "webIdFederationData":{"federatedProvider":"accounts.google.com","attributes":{"aud":"x"}}}},
        "resources":[{"ARN":"arn:aws:s3:::a","type":"AWS::S3::Bucket"},{"ARN":"arn:aws:s3:::b"}],
        "tlsDetails":{"tlsVersion":"TLSv1.3","clientProvidedHostHeader":"signin.aws.amazon.com"},
        "vpcEndpointId":"vpce-1","vpcEndpointAccountId":"111122223333","sharedEventID":"s-1",
        "sessionCredentialFromConsole":"true","addendum":{"reason":"DELIVERY_DELAY"},"readOnly":false}"#;

    #[test]
    fn other_record_fields_are_read_from_the_whole_record() {
        let r = CONSOLE_LOGIN;
        let mfa = "userIdentity.sessionContext.attributes.mfaAuthenticated";
        assert_eq!(values(mfa, r), ["true"]);
        assert_eq!(
            values("userIdentity.sessionContext.sessionIssuer.principalId", r),
            ["AROAEXAMPLE"]
        );
        assert_eq!(
            values("userIdentity.sessionContext.webIdFederationData.federatedProvider", r),
            ["accounts.google.com"]
        );
        assert_eq!(values("resources.ARN", r), ["arn:aws:s3:::a", "arn:aws:s3:::b"]);
        assert_eq!(values("resources.type", r), ["AWS::S3::Bucket"]);
        assert_eq!(values("resources.1.ARN", r), ["arn:aws:s3:::b"]);
        assert_eq!(values("tlsDetails.tlsVersion", r), ["TLSv1.3"]);
        assert_eq!(
            values("tlsDetails.clientProvidedHostHeader", r),
            ["signin.aws.amazon.com"]
        );
        assert_eq!(values("vpcEndpointId", r), ["vpce-1"]);
        assert_eq!(values("vpcEndpointAccountId", r), ["111122223333"]);
        assert_eq!(values("sharedEventID", r), ["s-1"]);
        assert_eq!(values("apiVersion", r), ["2015-01-01"]);
        assert_eq!(values("addendum.reason", r), ["DELIVERY_DELAY"]);
        assert_eq!(values("sessionCredentialFromConsole", r), ["true"]);
        // An object reads as its JSON text (compared as JSON: the key order depends on
        // serde_json's features in the build).
        let text = values("tlsDetails", r);
        let object: Value = serde_json::from_str(&text[0]).unwrap();
        assert_eq!(
            object,
            serde_json::json!({"clientProvidedHostHeader": "signin.aws.amazon.com", "tlsVersion": "TLSv1.3"})
        );
        assert!(values("edgeDeviceDetails", r).is_empty());
        assert!(values("insightDetails.state", r).is_empty());
        // The typed fields still read the parsed record.
        assert_eq!(values("userIdentity.arn", r), ["a"]);
        assert_eq!(values("readOnly", r), ["false"]);
        // mfaAuthenticated is the string "true": it reads as a boolean too.
        let record: Record = serde_json::from_str(r).unwrap();
        let event = Event::new(&record).with_raw(r.as_bytes());
        assert!(Field::compile(mfa).unwrap().any(&event, |v| v.as_bool() == Some(true)));
    }

    #[test]
    fn an_event_without_its_text_has_no_whole_record_values() {
        let record: Record = serde_json::from_str(CONSOLE_LOGIN).unwrap();
        let event = Event::new(&record);
        for path in [
            "tlsDetails.tlsVersion",
            "resources.ARN",
            "userIdentity.sessionContext.attributes.mfaAuthenticated",
        ] {
            assert!(Field::compile(path).unwrap().texts(&event).is_empty(), "{path}");
        }
        // The typed fields and sections do not need it.
        assert_eq!(Field::compile("userIdentity.arn").unwrap().texts(&event), ["a"]);
        assert!(event.whole().is_none(), "nothing to parse");
    }

    #[test]
    fn typed_paths_and_sections_leave_the_whole_record_unparsed() {
        let text = r#"{"eventName":"X","userIdentity":{"arn":"a"},"requestParameters":{"k":"v"}}"#;
        let record: Record = serde_json::from_str(text).unwrap();
        let event = Event::new(&record).with_raw(text.as_bytes());
        for path in ["eventName", "userIdentity.arn", "requestParameters.k"] {
            assert_eq!(Field::compile(path).unwrap().texts(&event).len(), 1, "{path}");
        }
        assert!(event.whole_parsed().is_none(), "parsed without need");
        assert!(Field::compile("userIdentity").unwrap().texts(&event)[0].contains("\"arn\""));
        assert!(event.whole_parsed().is_some());
    }

    #[test]
    fn value_conversions() {
        let n = serde_json::json!(5);
        assert_eq!(FieldValue::Json(&n).as_f64(), Some(5.0));
        assert_eq!(FieldValue::Text(" 7.5 ").as_f64(), Some(7.5));
        assert_eq!(FieldValue::Text("NaN").as_f64(), None);
        assert_eq!(FieldValue::Text("TRUE").as_bool(), Some(true));
        assert_eq!(FieldValue::Flag(false).text().as_deref(), Some("false"));
        assert_eq!(FieldValue::Json(&Value::Null).text(), None);
    }
}
