//! The lenient CloudTrail record: every field optional, strings borrowed from the input where
//! possible, the free-form sections kept as raw JSON until a rule asks for them.
//!
//! Exports from SIEMs and data lakes write some fields with other JSON types. Every spelling
//! whose meaning is clear is accepted: a number or boolean where a string is expected (kept as
//! its text), `"True"` / `"false"` for a boolean, `null` for anything absent, an `eventTime`
//! that [`parse_millis`] reads, a section written as a string holding its JSON object. A field
//! that cannot be used is left out and listed in [`Record::ignored`]. Of duplicate keys the
//! last one wins; unknown keys are skipped. Deserializing fails only on malformed JSON, a value
//! that is not an object, or (serde_json's limit) a number beyond `f64` where a string is read.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::time::parse_millis;

/// Borrowed string: points into the input unless it held escapes.
pub type Str<'a> = Option<Cow<'a, str>>;

/// One CloudTrail record, as found in `detail` of an EventBridge event, in `Records` of a
/// CloudTrail log file, or alone on a JSON line. Each field is the CloudTrail field of the
/// same name in camelCase.
#[derive(Debug, Default)]
pub struct Record<'a> {
    pub event_version: Str<'a>,
    pub user_identity: Option<UserIdentity<'a>>,
    /// As written; only a time [`parse_millis`] reads is kept.
    pub event_time: Str<'a>,
    pub event_source: Str<'a>,
    pub event_name: Str<'a>,
    pub aws_region: Str<'a>,
    /// `sourceIPAddress`.
    pub source_ip_address: Str<'a>,
    pub user_agent: Str<'a>,
    pub error_code: Str<'a>,
    pub error_message: Str<'a>,
    /// The sections, as raw JSON: an object, or a string that may hold one (see `Event`).
    pub request_parameters: Option<&'a RawValue>,
    pub response_elements: Option<&'a RawValue>,
    pub additional_event_data: Option<&'a RawValue>,
    pub service_event_details: Option<&'a RawValue>,
    /// `requestID`.
    pub request_id: Str<'a>,
    /// `eventID`.
    pub event_id: Str<'a>,
    pub read_only: Option<bool>,
    pub event_type: Str<'a>,
    pub recipient_account_id: Str<'a>,
    pub event_category: Str<'a>,
    pub management_event: Option<bool>,
    /// The fields that could not be used, in the order read (empty for a well-formed record).
    pub ignored: Vec<IgnoredField>,
}

/// `userIdentity`: who made the call.
#[derive(Debug, Default)]
pub struct UserIdentity<'a> {
    /// `type`.
    pub kind: Str<'a>,
    pub principal_id: Str<'a>,
    pub arn: Str<'a>,
    pub account_id: Str<'a>,
    pub access_key_id: Str<'a>,
    pub user_name: Str<'a>,
    pub invoked_by: Str<'a>,
    pub session_context: Option<SessionContext<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Default)]
pub struct SessionContext<'a> {
    pub session_issuer: Option<SessionIssuer<'a>>,
}

/// `userIdentity.sessionContext.sessionIssuer`: the role behind temporary credentials.
#[derive(Debug, Default)]
pub struct SessionIssuer<'a> {
    /// `type`.
    pub kind: Str<'a>,
    pub arn: Str<'a>,
    pub account_id: Str<'a>,
    pub user_name: Str<'a>,
}

/// A field of a record that could not be used, and was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredField {
    /// Dotted path: `readOnly`, `userIdentity.sessionContext.sessionIssuer.arn`.
    pub field: &'static str,
    /// What aidr expected there: `a string`, `a boolean`, `an object`, `a timestamp`.
    pub expected: &'static str,
    /// What was found, short: `an object`, `an array`, `the string "maybe"` (strings cut to 40
    /// chars).
    pub found: String,
}

impl<'de: 'a, 'a> Deserialize<'de> for Record<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Whole::<Record<'de>>(PhantomData))
    }
}

/// Alone, the fields it cannot use are dropped without a trace.
impl<'de: 'a, 'a> Deserialize<'de> for UserIdentity<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Whole::<UserIdentity<'de>>(PhantomData))
    }
}

/// Alone, the fields it cannot use are dropped without a trace.
impl<'de: 'a, 'a> Deserialize<'de> for SessionContext<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Whole::<SessionContext<'de>>(PhantomData))
    }
}

/// Alone, the fields it cannot use are dropped without a trace.
impl<'de: 'a, 'a> Deserialize<'de> for SessionIssuer<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Whole::<SessionIssuer<'de>>(PhantomData))
    }
}

/// An object read field by field, the fields it cannot use listed with their full path.
trait Object<'de>: Default {
    /// What `expecting` says.
    const WHAT: &'static str;
    /// Reads the object's entries into `self`.
    fn read<A: MapAccess<'de>>(&mut self, fields: Fields<'_, A>) -> Result<(), A::Error>;
    /// Keeps the fields ignored when this is the top-level object (only a record does).
    fn keep(&mut self, _ignored: Vec<IgnoredField>) {}
}

impl<'de> Object<'de> for Record<'de> {
    const WHAT: &'static str = "a CloudTrail record (a JSON object)";
    fn read<A: MapAccess<'de>>(&mut self, mut f: Fields<'_, A>) -> Result<(), A::Error> {
        while let Some(key) = f.key()? {
            match key {
                "eventVersion" => self.event_version = f.text("eventVersion")?,
                "userIdentity" => f.object("userIdentity", &mut self.user_identity)?,
                "eventTime" => self.event_time = f.time("eventTime")?,
                "eventSource" => self.event_source = f.text("eventSource")?,
                "eventName" => self.event_name = f.text("eventName")?,
                "awsRegion" => self.aws_region = f.text("awsRegion")?,
                "sourceIPAddress" => self.source_ip_address = f.text("sourceIPAddress")?,
                "userAgent" => self.user_agent = f.text("userAgent")?,
                "requestParameters" => self.request_parameters = f.section("requestParameters")?,
                "responseElements" => self.response_elements = f.section("responseElements")?,
                "requestID" => self.request_id = f.text("requestID")?,
                "eventID" => self.event_id = f.text("eventID")?,
                "readOnly" => self.read_only = f.flag("readOnly")?,
                "eventType" => self.event_type = f.text("eventType")?,
                "managementEvent" => self.management_event = f.flag("managementEvent")?,
                "recipientAccountId" => self.recipient_account_id = f.text("recipientAccountId")?,
                "eventCategory" => self.event_category = f.text("eventCategory")?,
                "errorCode" => self.error_code = f.text("errorCode")?,
                "errorMessage" => self.error_message = f.text("errorMessage")?,
                "additionalEventData" => self.additional_event_data = f.section("additionalEventData")?,
                "serviceEventDetails" => self.service_event_details = f.section("serviceEventDetails")?,
                _ => f.skip()?,
            }
        }
        Ok(())
    }
    fn keep(&mut self, ignored: Vec<IgnoredField>) {
        self.ignored = ignored;
    }
}

impl<'de> Object<'de> for UserIdentity<'de> {
    const WHAT: &'static str = "userIdentity (a JSON object)";
    fn read<A: MapAccess<'de>>(&mut self, mut f: Fields<'_, A>) -> Result<(), A::Error> {
        while let Some(key) = f.key()? {
            match key {
                "type" => self.kind = f.text("userIdentity.type")?,
                "principalId" => self.principal_id = f.text("userIdentity.principalId")?,
                "arn" => self.arn = f.text("userIdentity.arn")?,
                "accountId" => self.account_id = f.text("userIdentity.accountId")?,
                "accessKeyId" => self.access_key_id = f.text("userIdentity.accessKeyId")?,
                "userName" => self.user_name = f.text("userIdentity.userName")?,
                "invokedBy" => self.invoked_by = f.text("userIdentity.invokedBy")?,
                "sessionContext" => f.object("userIdentity.sessionContext", &mut self.session_context)?,
                _ => f.skip()?,
            }
        }
        Ok(())
    }
}

impl<'de> Object<'de> for SessionContext<'de> {
    const WHAT: &'static str = "sessionContext (a JSON object)";
    fn read<A: MapAccess<'de>>(&mut self, mut f: Fields<'_, A>) -> Result<(), A::Error> {
        while let Some(key) = f.key()? {
            match key {
                "sessionIssuer" => f.object("userIdentity.sessionContext.sessionIssuer", &mut self.session_issuer)?,
                _ => f.skip()?,
            }
        }
        Ok(())
    }
}

impl<'de> Object<'de> for SessionIssuer<'de> {
    const WHAT: &'static str = "sessionIssuer (a JSON object)";
    fn read<A: MapAccess<'de>>(&mut self, mut f: Fields<'_, A>) -> Result<(), A::Error> {
        while let Some(key) = f.key()? {
            match key {
                "type" => self.kind = f.text("userIdentity.sessionContext.sessionIssuer.type")?,
                "arn" => self.arn = f.text("userIdentity.sessionContext.sessionIssuer.arn")?,
                "accountId" => self.account_id = f.text("userIdentity.sessionContext.sessionIssuer.accountId")?,
                "userName" => self.user_name = f.text("userIdentity.sessionContext.sessionIssuer.userName")?,
                _ => f.skip()?,
            }
        }
        Ok(())
    }
}

/// Visits a top-level object: a record keeps the fields it ignored, the others drop them.
struct Whole<T>(PhantomData<T>);

impl<'de, T: Object<'de>> Visitor<'de> for Whole<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::WHAT)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let (mut value, mut ignored) = (T::default(), Vec::new());
        value.read(Fields {
            map,
            ignored: &mut ignored,
        })?;
        value.keep(ignored);
        Ok(value)
    }
}

/// The entries of one object, read value by value into the types aidr uses.
struct Fields<'v, A> {
    map: A,
    ignored: &'v mut Vec<IgnoredField>,
}

impl<'de, A: MapAccess<'de>> Fields<'_, A> {
    /// The next key, borrowed unless it holds escapes.
    #[inline]
    fn key(&mut self) -> Result<Option<&'de str>, A::Error> {
        self.map.next_key_seed(Key)
    }

    /// Skips the value of an unknown key.
    #[inline]
    fn skip(&mut self) -> Result<(), A::Error> {
        self.map.next_value::<IgnoredAny>().map(drop)
    }

    /// Lists `field` as ignored.
    fn ignore(&mut self, field: &'static str, expected: &'static str, found: String) {
        self.ignored.push(IgnoredField { field, expected, found });
    }

    /// The next value as a scalar, forgetting what an earlier value of the same key left.
    #[inline]
    fn scalar(&mut self, field: &'static str) -> Result<Scalar<'de>, A::Error> {
        forget(self.ignored, field);
        self.map.next_value_seed(AnyValue)
    }

    /// A string field: strings, numbers and booleans (as their JSON text), or `null`.
    #[inline]
    fn text(&mut self, field: &'static str) -> Result<Str<'de>, A::Error> {
        forget(self.ignored, field);
        self.map.next_value_seed(Text {
            ignored: &mut *self.ignored,
            field,
        })
    }

    /// A boolean field: `true` / `false`, the same as strings in any case, or `null`.
    #[inline]
    fn flag(&mut self, field: &'static str) -> Result<Option<bool>, A::Error> {
        Ok(match self.scalar(field)? {
            Scalar::Null => None,
            Scalar::Bool(b) => Some(b),
            Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            other => {
                self.ignore(field, "a boolean", other.describe());
                None
            }
        })
    }

    /// A timestamp field: a string [`parse_millis`] reads, or `null`.
    #[inline]
    fn time(&mut self, field: &'static str) -> Result<Str<'de>, A::Error> {
        Ok(match self.scalar(field)? {
            Scalar::Null => None,
            Scalar::Str(s) if parse_millis(&s).is_some() => Some(s),
            other => {
                self.ignore(field, "a timestamp", other.describe());
                None
            }
        })
    }

    /// A section, kept raw: an object, a string (maybe holding one), or `null`.
    #[inline]
    fn section(&mut self, field: &'static str) -> Result<Option<&'de RawValue>, A::Error> {
        forget(self.ignored, field);
        let Some(raw) = self.map.next_value::<Option<&'de RawValue>>()? else {
            return Ok(None);
        };
        let text = raw.get();
        let found = match text.as_bytes().first() {
            Some(b'{') => return Ok(Some(raw)),
            // Athena and Glue write sections as JSON text: kept if it holds an object.
            Some(b'"') if holds_object(text) => return Ok(Some(raw)),
            Some(b'"') => format!("the string {}", cut(text)),
            Some(b'n') => return Ok(None),
            Some(b'[') => "an array".to_owned(),
            Some(b't' | b'f') => format!("the boolean {text}"),
            _ => format!("the number {}", cut(text)),
        };
        self.ignore(field, "an object", found);
        Ok(None)
    }

    /// A nested object, or `null`, read into `slot`.
    #[inline]
    fn object<T: Object<'de>>(&mut self, field: &'static str, slot: &mut Option<T>) -> Result<(), A::Error> {
        forget(self.ignored, field);
        self.map.next_value_seed(Nested {
            ignored: &mut *self.ignored,
            field,
            slot,
        })
    }
}

/// True when the JSON string `text` holds a JSON object (one `serde_json::Value` reads).
fn holds_object(text: &str) -> bool {
    serde_json::from_str::<String>(text)
        .ok()
        .and_then(|inner| serde_json::from_str::<serde_json::Value>(&inner).ok())
        .is_some_and(|v| v.is_object())
}

/// Drops what an earlier value of `field` (and its own fields) left in `ignored`: of duplicate
/// keys the last one wins.
#[inline]
fn forget(ignored: &mut Vec<IgnoredField>, field: &str) {
    if !ignored.is_empty() {
        forget_in(ignored, field);
    }
}

#[cold]
fn forget_in(ignored: &mut Vec<IgnoredField>, field: &str) {
    ignored.retain(|i| {
        !i.field
            .strip_prefix(field)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    });
}

/// At most 40 characters of `text`, `…` marking a cut.
fn cut(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Reads a map key, borrowed from the input. A key written with escapes (`"\u0061rn"`) is
/// looked up in [`KEYS`]; if not there it reads as "", which no field has.
struct Key;

/// Every key a record or its nested objects read (the arms of their `match`es).
const KEYS: &[&str] = &[
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
    "errorCode",
    "errorMessage",
    "additionalEventData",
    "serviceEventDetails",
    "type",
    "principalId",
    "arn",
    "accountId",
    "accessKeyId",
    "userName",
    "invokedBy",
    "sessionContext",
    "sessionIssuer",
];

impl<'de> DeserializeSeed<'de> for Key {
    type Value = &'de str;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = &'de str;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    #[inline]
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(v)
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(KEYS.iter().find(|k| **k == v).copied().unwrap_or(""))
    }
}

/// Any JSON value as a scalar field sees it: objects and arrays are skipped.
enum Scalar<'de> {
    Null,
    Str(Cow<'de, str>),
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Object,
    Array,
}

impl Scalar<'_> {
    /// What was found, for [`IgnoredField::found`].
    fn describe(&self) -> String {
        match self {
            Scalar::Null => "null".to_owned(),
            Scalar::Str(s) => format!("the string {:?}", cut(s)),
            Scalar::Bool(b) => format!("the boolean {b}"),
            Scalar::U64(n) => format!("the number {n}"),
            Scalar::I64(n) => format!("the number {n}"),
            Scalar::F64(x) => format!("the number {x:?}"),
            Scalar::Object => "an object".to_owned(),
            Scalar::Array => "an array".to_owned(),
        }
    }
}

/// Reads any value into a [`Scalar`].
struct AnyValue;

impl<'de> DeserializeSeed<'de> for AnyValue {
    type Value = Scalar<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnyValue {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
        IgnoredAny.visit_map(map).map(|_| Scalar::Object)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Self::Value, S::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Scalar::Array)
    }
}

/// Reads a string field: strings, numbers and booleans (as their JSON text), or `null`.
struct Text<'v> {
    ignored: &'v mut Vec<IgnoredField>,
    field: &'static str,
}

impl<'de> DeserializeSeed<'de> for Text<'_> {
    type Value = Str<'de>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl Text<'_> {
    #[cold]
    fn unusable<E>(self, found: Scalar<'_>) -> Result<Str<'static>, E> {
        self.ignored.push(IgnoredField {
            field: self.field,
            expected: "a string",
            found: found.describe(),
        });
        Ok(None)
    }
}

impl<'de> Visitor<'de> for Text<'_> {
    type Value = Str<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    #[inline]
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(format!("{v:?}"))))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
        IgnoredAny.visit_map(map)?;
        self.unusable(Scalar::Object)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Self::Value, S::Error> {
        IgnoredAny.visit_seq(seq)?;
        self.unusable(Scalar::Array)
    }
}

/// Reads a nested object (or `null`) into the record's list of ignored fields.
struct Nested<'v, T> {
    ignored: &'v mut Vec<IgnoredField>,
    field: &'static str,
    slot: &'v mut Option<T>,
}

impl<'de, T: Object<'de>> DeserializeSeed<'de> for Nested<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Object<'de>> Nested<'_, T> {
    #[cold]
    fn unusable<E>(self, found: Scalar<'_>) -> Result<(), E> {
        *self.slot = None;
        self.ignored.push(IgnoredField {
            field: self.field,
            expected: "an object",
            found: found.describe(),
        });
        Ok(())
    }
}

impl<'de, T: Object<'de>> Visitor<'de> for Nested<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::WHAT)
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
        self.slot.insert(T::default()).read(Fields {
            map,
            ignored: self.ignored,
        })
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        *self.slot = None;
        Ok(())
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        *self.slot = None;
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        self.unusable(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        self.unusable(Scalar::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        self.unusable(Scalar::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        self.unusable(Scalar::I64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        self.unusable(Scalar::F64(v))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Self::Value, S::Error> {
        IgnoredAny.visit_seq(seq)?;
        self.unusable(Scalar::Array)
    }
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

    /// True when `eventSource` and `eventName` are both present and not empty.
    pub fn has_source_and_name(&self) -> bool {
        !self.source().is_empty() && !self.name().is_empty()
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

    const WELL_TYPED: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROA:s",
            "arn":"arn:aws:sts::1:assumed-role/R/s","accountId":"1","accessKeyId":"ASIA1","userName":"u",
            "invokedBy":"x","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::1:role/R",
            "accountId":"1","userName":"R"},"attributes":{"mfaAuthenticated":"false"}}},
            "eventTime":"2026-10-01T00:01:45Z","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy",
            "awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userAgent":"cli","errorCode":"E",
            "errorMessage":"m","requestParameters":{"a":1},"responseElements":null,"additionalEventData":{"b":2},
            "serviceEventDetails":{"c":3},"requestID":"r","eventID":"e","readOnly":false,"eventType":"AwsApiCall",
            "recipientAccountId":"1","eventCategory":"Management","managementEvent":true,"resources":[{}]}"#;

    fn read(text: &str) -> Record<'_> {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn ignored(field: &'static str, expected: &'static str, found: &str) -> IgnoredField {
        IgnoredField {
            field,
            expected,
            found: found.to_owned(),
        }
    }

    #[test]
    fn well_typed_record_borrows_everything_and_ignores_nothing() {
        let r = read(WELL_TYPED);
        assert!(r.ignored.is_empty() && r.ignored.capacity() == 0);
        let u = r.user_identity.as_ref().unwrap();
        let issuer = u.session_context.as_ref().unwrap().session_issuer.as_ref().unwrap();
        let strings = [
            &r.event_version,
            &r.event_time,
            &r.event_source,
            &r.event_name,
            &r.aws_region,
            &r.source_ip_address,
            &r.user_agent,
            &r.error_code,
            &r.error_message,
            &r.request_id,
            &r.event_id,
            &r.event_type,
            &r.recipient_account_id,
            &r.event_category,
            &u.kind,
            &u.principal_id,
            &u.arn,
            &u.account_id,
            &u.access_key_id,
            &u.user_name,
            &u.invoked_by,
            &issuer.kind,
            &issuer.arn,
            &issuer.account_id,
            &issuer.user_name,
        ];
        for v in strings {
            assert!(matches!(v, Some(Cow::Borrowed(_))), "{v:?}");
        }
        assert_eq!(s(&issuer.user_name), Some("R"));
        assert_eq!((r.read_only, r.management_event), (Some(false), Some(true)));
        assert!(r.request_parameters.is_some() && r.response_elements.is_none());
        assert!(r.additional_event_data.is_some() && r.service_event_details.is_some());
        assert!(r.has_source_and_name());
        assert!(!read(r#"{"eventSource":"s","eventName":""}"#).has_source_and_name());
        assert!(!read(r#"{"eventName":"n"}"#).has_source_and_name());
    }

    #[test]
    fn escaped_keys_are_matched() {
        use serde_json::Value;
        // Writes `value` with the first letter of every key as a \u escape, except inside the
        // sections (kept raw, they would differ).
        fn escaped(value: &Value, out: &mut String) {
            let Value::Object(map) = value else {
                return out.push_str(&value.to_string());
            };
            out.push('{');
            for (i, (key, value)) in map.iter().enumerate() {
                let mut chars = key.chars();
                let first = chars.next().unwrap() as u32;
                out.push_str(&format!(
                    "{}\"\\u{first:04x}{}\":",
                    if i > 0 { "," } else { "" },
                    chars.as_str()
                ));
                let sections = [
                    "requestParameters",
                    "responseElements",
                    "additionalEventData",
                    "serviceEventDetails",
                ];
                if sections.contains(&key.as_str()) {
                    out.push_str(&value.to_string());
                } else {
                    escaped(value, out);
                }
            }
            out.push('}');
        }
        let value: Value = serde_json::from_str(WELL_TYPED).unwrap();
        let mut text = String::new();
        escaped(&value, &mut text);
        assert!(text.contains(r#""\u0072eadOnly":false"#), "{text}");
        assert_eq!(format!("{:?}", read(&text)), format!("{:?}", read(WELL_TYPED)));
        // And the test covers every key.
        for key in KEYS {
            assert!(WELL_TYPED.contains(&format!("\"{key}\":")), "{key}");
        }
    }

    #[test]
    fn escaped_strings_and_keys_are_read() {
        let r = read(r#"{"event\u004eame":"A\"B","eventSource":"s\u00e9"}"#);
        assert_eq!((r.name(), r.source()), ("A\"B", "s\u{e9}"));
        assert!(matches!(r.event_name, Some(Cow::Owned(_))));
    }

    #[test]
    fn numbers_and_booleans_where_strings_are_expected() {
        let r = read(
            r#"{"eventVersion":1.08,"recipientAccountId":111122223333,"eventName":true,"errorCode":-3,
            "userIdentity":{"accountId":444455556666,"userName":false},"awsRegion":1.0,"eventID":1e3}"#,
        );
        assert_eq!(s(&r.event_version), Some("1.08"));
        assert_eq!(r.account(), Some("111122223333"));
        assert_eq!(r.name(), "true");
        assert_eq!(s(&r.error_code), Some("-3"));
        assert_eq!(s(&r.aws_region), Some("1.0"));
        assert_eq!(s(&r.event_id), Some("1000.0"));
        let u = r.user_identity.as_ref().unwrap();
        assert_eq!(
            (s(&u.account_id), s(&u.user_name)),
            (Some("444455556666"), Some("false"))
        );
        assert!(r.ignored.is_empty());
    }

    #[test]
    fn nulls_are_absent() {
        let r = read(
            r#"{"eventName":null,"userIdentity":null,"readOnly":null,"managementEvent":null,"eventTime":null,
            "requestParameters":null,"additionalEventData":null}"#,
        );
        assert!(r.event_name.is_none() && r.user_identity.is_none() && r.event_time.is_none());
        assert!(r.read_only.is_none() && r.management_event.is_none());
        assert!(r.request_parameters.is_none() && r.additional_event_data.is_none());
        assert!(r.ignored.is_empty());
        let r = read(r#"{"userIdentity":{"sessionContext":null,"arn":null}}"#);
        let u = r.user_identity.unwrap();
        assert!(u.session_context.is_none() && u.arn.is_none());
        let r = read(r#"{"userIdentity":{"sessionContext":{"sessionIssuer":null}}}"#);
        assert!(
            r.user_identity
                .unwrap()
                .session_context
                .unwrap()
                .session_issuer
                .is_none()
        );
    }

    #[test]
    fn booleans_as_strings_in_any_case() {
        for (text, expected) in [
            ("true", true),
            ("false", false),
            (r#""True""#, true),
            (r#""FALSE""#, false),
            (r#""false""#, false),
            (r#""tRuE""#, true),
        ] {
            let text = format!(r#"{{"readOnly":{text},"managementEvent":{text}}}"#);
            let r = read(&text);
            assert_eq!(
                (r.read_only, r.management_event),
                (Some(expected), Some(expected)),
                "{text}"
            );
            assert!(r.ignored.is_empty());
        }
    }

    #[test]
    fn unusable_booleans_are_ignored() {
        let r = read(r#"{"readOnly":"maybe","managementEvent":1}"#);
        assert_eq!((r.read_only, r.management_event), (None, None));
        assert_eq!(
            r.ignored,
            [
                ignored("readOnly", "a boolean", r#"the string "maybe""#),
                ignored("managementEvent", "a boolean", "the number 1"),
            ]
        );
        let r = read(r#"{"readOnly":" true","managementEvent":{"a":[1]}}"#);
        assert_eq!((r.read_only, r.management_event), (None, None));
        assert_eq!(r.ignored[1], ignored("managementEvent", "a boolean", "an object"));
    }

    #[test]
    fn objects_and_arrays_where_strings_are_expected_are_ignored() {
        let r = read(r#"{"eventName":["A"],"eventSource":{"x":"y"},"awsRegion":"us-east-1"}"#);
        assert_eq!((r.event_name.as_deref(), r.event_source.as_deref()), (None, None));
        assert_eq!(s(&r.aws_region), Some("us-east-1"));
        assert_eq!(
            r.ignored,
            [
                ignored("eventName", "a string", "an array"),
                ignored("eventSource", "a string", "an object"),
            ]
        );
        assert!(!r.has_source_and_name());
    }

    #[test]
    fn unusable_objects_are_ignored_with_their_path() {
        let r = read(r#"{"userIdentity":"bob","eventName":"A"}"#);
        assert!(r.user_identity.is_none());
        assert_eq!(r.ignored, [ignored("userIdentity", "an object", r#"the string "bob""#)]);
        let r = read(r#"{"userIdentity":{"arn":{"a":1},"sessionContext":"{\"sessionIssuer\":{}}","userName":"u"}}"#);
        let u = r.user_identity.as_ref().unwrap();
        assert!(u.arn.is_none() && u.session_context.is_none());
        assert_eq!(s(&u.user_name), Some("u"));
        assert_eq!(
            r.ignored,
            [
                ignored("userIdentity.arn", "a string", "an object"),
                ignored(
                    "userIdentity.sessionContext",
                    "an object",
                    r#"the string "{\"sessionIssuer\":{}}""#
                ),
            ]
        );
        let r = read(r#"{"userIdentity":{"sessionContext":{"sessionIssuer":[1],"x":2}}}"#);
        assert_eq!(
            r.ignored,
            [ignored(
                "userIdentity.sessionContext.sessionIssuer",
                "an object",
                "an array"
            )]
        );
        let r = read(r#"{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":[],"type":7.5,"userName":"R"}}}}"#);
        assert_eq!(
            r.ignored,
            [ignored(
                "userIdentity.sessionContext.sessionIssuer.arn",
                "a string",
                "an array"
            )]
        );
        let issuer = r
            .user_identity
            .unwrap()
            .session_context
            .unwrap()
            .session_issuer
            .unwrap();
        assert_eq!((s(&issuer.kind), s(&issuer.user_name)), (Some("7.5"), Some("R")));
        for (other, found) in [
            ("true", "the boolean true"),
            ("-2", "the number -2"),
            ("0.5", "the number 0.5"),
        ] {
            let text = format!(r#"{{"userIdentity":{other}}}"#);
            let r = read(&text);
            assert_eq!(r.ignored, [ignored("userIdentity", "an object", found)]);
        }
    }

    #[test]
    fn event_times_are_kept_when_readable() {
        for t in [
            "2026-10-01T00:01:45Z",
            "2026-10-01 00:01:45",
            "2026-10-01T00:01:45.123456Z",
            "2026-10-01T02:01:45+02:00",
        ] {
            let text = format!(r#"{{"eventTime":"{t}"}}"#);
            let r = read(&text);
            assert_eq!(s(&r.event_time), Some(t));
            assert!(r.ignored.is_empty());
        }
        for (t, found) in [
            (r#""yesterday""#, r#"the string "yesterday""#),
            ("1790812905", "the number 1790812905"),
            (r#"{"t":1}"#, "an object"),
            ("false", "the boolean false"),
        ] {
            let text = format!(r#"{{"eventTime":{t}}}"#);
            let r = read(&text);
            assert!(r.event_time.is_none());
            assert_eq!(r.ignored, [ignored("eventTime", "a timestamp", found)]);
        }
    }

    #[test]
    fn sections_stay_raw() {
        let r = read(r#"{"requestParameters":"{\"a\":1}","responseElements":{"b":[2]},"additionalEventData":null}"#);
        assert_eq!(r.request_parameters.unwrap().get(), r#""{\"a\":1}""#);
        assert_eq!(r.response_elements.unwrap().get(), r#"{"b":[2]}"#);
        assert!(r.additional_event_data.is_none() && r.ignored.is_empty());
        let r = read(r#"{"requestParameters":[1],"responseElements":12,"additionalEventData":true}"#);
        assert!(r.request_parameters.is_none() && r.response_elements.is_none() && r.additional_event_data.is_none());
        assert_eq!(
            r.ignored,
            [
                ignored("requestParameters", "an object", "an array"),
                ignored("responseElements", "an object", "the number 12"),
                ignored("additionalEventData", "an object", "the boolean true"),
            ]
        );
    }

    #[test]
    fn sections_held_in_strings_must_hold_an_object() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for held in [
            r#"{\"userName\":"#,
            r#"{\"a\":1} trailing"#,
            r#"\"{}\""#,
            "[1,2]",
            "{\\\"n\\\":1e400}",
            deep.as_str(),
        ] {
            let text = format!(r#"{{"requestParameters":"{held}"}}"#);
            let r = read(&text);
            assert!(r.request_parameters.is_none(), "{held}");
            assert_eq!((r.ignored.len(), r.ignored[0].expected), (1, "an object"), "{held}");
        }
    }

    #[test]
    fn long_strings_are_cut_in_descriptions() {
        let long = "é".repeat(45);
        let text = format!(r#"{{"readOnly":"{long}"}}"#);
        let r = read(&text);
        assert_eq!(r.ignored[0].found, format!("the string \"{}…\"", "é".repeat(40)));
        let r = read(r#"{"readOnly":"a\"b"}"#);
        assert_eq!(r.ignored[0].found, r#"the string "a\"b""#);
    }

    #[test]
    fn duplicate_keys_last_one_wins() {
        let r = read(r#"{"eventName":"A","eventName":"B","readOnly":"maybe","readOnly":true}"#);
        assert_eq!((r.name(), r.read_only), ("B", Some(true)));
        assert!(r.ignored.is_empty());
        let r = read(r#"{"eventName":"A","eventName":{}}"#);
        assert_eq!(r.event_name, None);
        assert_eq!(r.ignored, [ignored("eventName", "a string", "an object")]);
        let r = read(
            r#"{"userIdentity":{"arn":[],"arn":[],"sessionContext":{"sessionIssuer":{"arn":[]}}},
            "userIdentity":{"arn":"a","arn":[]},"userIdentityX":1}"#,
        );
        assert!(r.user_identity.as_ref().unwrap().arn.is_none());
        assert_eq!(r.ignored, [ignored("userIdentity.arn", "a string", "an array")]);
    }

    #[test]
    fn only_malformed_json_or_a_non_object_is_an_error() {
        for bad in [
            r#"{"eventName":"A""#,
            r#"{"eventName":}"#,
            r#"{"eventName":"A",}"#,
            "[]",
            r#"["eventName"]"#,
            "7",
            r#""record""#,
            "null",
        ] {
            assert!(serde_json::from_str::<Record>(bad).is_err(), "{bad}");
        }
        // Deep values are skipped without recursion, as serde_json skips unknown fields.
        let deep = format!(
            r#"{{"x":{0}{1},"eventName":{0}{1}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(read(&deep).ignored, [ignored("eventName", "a string", "an array")]);
        let deep = format!(r#"{{"x":{}{}}}"#, "[".repeat(100_000), "]");
        assert!(serde_json::from_str::<Record>(&deep).is_err());
        let r = read(r#"{"eventName":5}"#);
        assert_eq!(r.name(), "5");
        assert!(!r.has_source_and_name());
    }

    #[test]
    fn nested_structs_deserialize_alone() {
        let u: UserIdentity = serde_json::from_str(r#"{"type":"Root","arn":[],"sessionContext":null}"#).unwrap();
        assert_eq!(s(&u.kind), Some("Root"));
        assert!(u.arn.is_none());
        let i: SessionIssuer = serde_json::from_str(r#"{"userName":"R"}"#).unwrap();
        assert_eq!(s(&i.user_name), Some("R"));
        let c: SessionContext = serde_json::from_str(r#"{"sessionIssuer":{"arn":"a"}}"#).unwrap();
        assert!(c.session_issuer.is_some());
    }
}
