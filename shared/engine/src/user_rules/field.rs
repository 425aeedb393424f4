//! Field paths of user rules (`eventName`, `userIdentity.arn`,
//! `requestParameters.tags.key`), resolved once at load into a [`Field`] that reads its values
//! out of an [`Event`] without allocating.
//!
//! Three kinds of paths are supported:
//! - a top-level field of the record by its CloudTrail name ([`TOP_LEVEL`]);
//! - a field of `userIdentity` that the record keeps ([`IDENTITY`]);
//! - a path into one of the four free-form sections ([`SECTIONS`]), of any depth. The
//!   section may be written as an object or as a string holding one (exports). A path that
//!   meets an array goes on into each element, and a value that is an array yields each
//!   element: a test of the field holds when it holds for any of them. A numeric segment on an
//!   array picks that element (`requestParameters.items.0.name`).

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
    /// A value inside a section: never an array (arrays are crossed), possibly `null`.
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

/// One step of a path into a section: an object key, which on an array is an index when it
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
    /// A [`CompileError`] (at the empty key path: the caller places it) for an empty segment
    /// or a path that names no supported field, with a hint: the near miss it may mean, else
    /// what is supported.
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
        if let Some(section) = Section::of(head) {
            let segments = rest
                .split('.')
                .filter(|_| !rest.is_empty())
                .map(|key| Segment {
                    key: key.into(),
                    index: key.parse().ok(),
                })
                .collect();
            return Ok(Field {
                path: path.into(),
                place: Place::Section(section, segments),
            });
        }
        let message = format!("field path {path:?} names no field aidr reads");
        Err(bad(message).hint(hint(path)))
    }

    /// The path as written.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Calls `test` on each value of the field in `event` until it returns true; true when
    /// one did. A missing field has no values; `null` is a value ([`FieldValue::is_null`]).
    pub fn any<'e>(&self, event: &'e Event<'_, '_>, mut test: impl FnMut(FieldValue<'e>) -> bool) -> bool {
        match &self.place {
            Place::Typed(get) => get(event.record).is_some_and(test),
            Place::Section(section, segments) => {
                section.read(event).is_some_and(|root| walk(root, segments, &mut test))
            }
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

/// The hint for an unsupported path: the supported path it most likely means, else the list.
fn hint(path: &str) -> String {
    const NEAR: usize = 2;
    let typed = TOP_LEVEL
        .iter()
        .chain(IDENTITY)
        .map(|(name, _)| (distance(path, name), (*name).to_owned()));
    let (head, rest) = path.split_once('.').map_or((path, None), |(h, r)| (h, Some(r)));
    let sections = SECTIONS.iter().map(|name| {
        let suggestion = rest.map_or_else(|| (*name).to_owned(), |rest| format!("{name}.{rest}"));
        (distance(head, name), suggestion)
    });
    if let Some((_, best)) = typed
        .chain(sections)
        .filter(|(d, _)| *d <= NEAR)
        .min_by_key(|(d, _)| *d)
    {
        return format!("did you mean `{best}`?");
    }
    let names = |list: &[(&str, Getter)]| list.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let identity = if head == "userIdentity" {
        "userIdentity holds only these fields: "
    } else {
        ""
    };
    format!(
        "{identity}supported are the top-level fields {}; the userIdentity fields {}; and any path \
         under {}",
        names(TOP_LEVEL),
        names(IDENTITY),
        SECTIONS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(path: &str, record: &str) -> Vec<String> {
        let record: Record = serde_json::from_str(record).unwrap();
        let event = Event::new(&record);
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
        let e = err("userIdentity.sessionContext.attributes.mfaAuthenticated");
        let hint = e.hint.unwrap();
        assert!(hint.starts_with("userIdentity holds only these fields"), "{hint}");
        assert!(hint.contains("userIdentity.sessionContext.sessionIssuer.arn"), "{hint}");
        assert!(err("detail").hint.unwrap().contains("requestParameters"));
        assert!(err("a..b").message.contains("empty part"));
        assert!(err("").message.contains("empty part"));
        assert!(err("requestParameters.").message.contains("empty part"));
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
