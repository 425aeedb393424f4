//! What a rule sees: one parsed record, its principal, its JSON sections parsed on demand,
//! and (when its JSON text is given) the whole record as a JSON value, also parsed on demand.

use std::cell::{OnceCell, RefCell};

use serde_json::Value;
use serde_json::value::RawValue;

use crate::cloudtrail::principal::Principal;
use crate::cloudtrail::record::{Record, s};
use crate::enrich::{Answer, Answers, LookupRequest, MAX_PER_EVENT};

/// One record under evaluation. The free-form sections are parsed at most once, and only
/// when a rule reads them; so is the whole record ([`Event::whole`]), from the JSON text
/// given with [`Event::with_raw`].
pub struct Event<'r, 'a> {
    pub record: &'r Record<'a>,
    /// The JSON text `record` was parsed from, when known.
    raw: Option<&'r [u8]>,
    whole: OnceCell<Option<Value>>,
    principal: OnceCell<Principal>,
    request: OnceCell<Option<Value>>,
    response: OnceCell<Option<Value>>,
    additional: OnceCell<Option<Value>>,
    service_details: OnceCell<Option<Value>>,
    /// The answers to the lookups of the rules, when the event is judged again with them.
    answers: Option<&'r Answers>,
    /// What the rules asked (without answers), at most [`MAX_PER_EVENT`].
    asked: RefCell<Vec<LookupRequest>>,
}

/// A section as a JSON value: as written, or held in a JSON string (Athena, Glue).
fn read_section(raw: Option<&RawValue>) -> Option<Value> {
    match serde_json::from_str(raw?.get()).ok()? {
        Value::String(text) => serde_json::from_str(&text).ok(),
        v => Some(v),
    }
}

/// True for the marker CloudTrail writes in place of a section over its size limit:
/// `{"omitted":true,"reason":"…too large"}`.
/// The flag may be a boolean or, in exports, the text `"true"` (any case).
fn is_omitted(section: &Value) -> bool {
    match section.get("omitted") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A section as an object: as written, or held in a JSON string (Athena, Glue). `None` for
/// anything else, and for a section CloudTrail omitted for size.
fn parse_section(raw: Option<&RawValue>) -> Option<Value> {
    read_section(raw).filter(|v| v.is_object() && !is_omitted(v))
}

/// Looks up a dotted path (`a.b.0.c`; numbers index arrays) in a JSON value.
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

impl<'r, 'a> Event<'r, 'a> {
    /// Wraps a record for evaluation.
    pub fn new(record: &'r Record<'a>) -> Self {
        Event {
            record,
            raw: None,
            whole: OnceCell::new(),
            principal: OnceCell::new(),
            request: OnceCell::new(),
            response: OnceCell::new(),
            additional: OnceCell::new(),
            service_details: OnceCell::new(),
            answers: None,
            asked: RefCell::default(),
        }
    }

    /// The same event with `raw`, the JSON text of the record (the object it was parsed
    /// from: for an EventBridge event, its `detail`), which [`Event::whole`] reads. Empty
    /// text counts as none.
    pub fn with_raw(mut self, raw: &'r [u8]) -> Self {
        self.raw = Some(raw).filter(|raw| !raw.is_empty());
        self
    }

    /// The whole record as a JSON object, parsed from the text given with
    /// [`Event::with_raw`] the first time it is asked for. `None` for an event without that
    /// text, or whose text is not a JSON object.
    pub fn whole(&self) -> Option<&Value> {
        self.whole
            .get_or_init(|| {
                let value: Value = serde_json::from_slice(self.raw?).ok()?;
                value.is_object().then_some(value)
            })
            .as_ref()
    }

    /// The whole record if it was parsed already (tests of laziness).
    #[cfg(test)]
    pub(crate) fn whole_parsed(&self) -> Option<&Option<Value>> {
        self.whole.get()
    }

    /// Wraps a record to be judged again with the `answers` to its rules' lookups.
    pub fn answered(record: &'r Record<'a>, answers: &'r Answers) -> Self {
        Event {
            answers: Some(answers),
            ..Event::new(record)
        }
    }

    /// The answer to `request`, when the event is judged with answers (a request that was
    /// not looked up is [`Answer::Skipped`]). `None` when it is judged without: the request
    /// is then noted (see [`Event::asked`]), up to [`MAX_PER_EVENT`], and the rule judges
    /// the record alone.
    pub fn look_up(&self, request: LookupRequest) -> Option<&'r Answer> {
        if let Some(answers) = self.answers {
            return Some(answers.get(&request));
        }
        let mut asked = self.asked.borrow_mut();
        if !asked.contains(&request) && asked.len() < MAX_PER_EVENT {
            asked.push(request);
        }
        None
    }

    /// What the rules asked while judged without answers, in the order asked.
    pub fn asked(&self) -> Vec<LookupRequest> {
        self.asked.borrow().clone()
    }

    /// `eventName`.
    pub fn name(&self) -> &str {
        self.record.name()
    }

    /// True when the call failed (`errorCode` set).
    pub fn failed(&self) -> bool {
        self.record.failed()
    }

    /// `errorCode`, if any.
    pub fn error_code(&self) -> Option<&str> {
        s(&self.record.error_code)
    }

    /// True for AccessDenied-style error codes.
    pub fn access_denied(&self) -> bool {
        self.error_code().is_some_and(|c| {
            c.contains("AccessDenied") || c.contains("UnauthorizedOperation") || c.contains("NotAuthorized")
        })
    }

    /// The account the event happened in.
    pub fn account(&self) -> Option<&str> {
        self.record.account()
    }

    /// The caller.
    pub fn principal(&self) -> &Principal {
        self.principal.get_or_init(|| Principal::of(self.record))
    }

    /// `requestParameters`, unless absent, null or omitted for size.
    pub fn request(&self) -> Option<&Value> {
        self.request
            .get_or_init(|| parse_section(self.record.request_parameters))
            .as_ref()
    }

    /// True when CloudTrail left `requestParameters` out for size
    /// (`{"reason":"requestParameters too large","omitted":true}`): the call's input is unknown.
    pub fn request_omitted(&self) -> bool {
        read_section(self.record.request_parameters).is_some_and(|v| is_omitted(&v))
    }

    /// `responseElements`, unless absent, null or omitted.
    pub fn response(&self) -> Option<&Value> {
        self.response
            .get_or_init(|| parse_section(self.record.response_elements))
            .as_ref()
    }

    /// `additionalEventData`, unless absent or null.
    pub fn additional(&self) -> Option<&Value> {
        self.additional
            .get_or_init(|| parse_section(self.record.additional_event_data))
            .as_ref()
    }

    /// `serviceEventDetails`, unless absent or null.
    pub fn service_details(&self) -> Option<&Value> {
        self.service_details
            .get_or_init(|| parse_section(self.record.service_event_details))
            .as_ref()
    }

    /// A value under `requestParameters` by dotted path.
    pub fn req(&self, path: &str) -> Option<&Value> {
        lookup(self.request()?, path)
    }

    /// A string under `requestParameters` by dotted path.
    pub fn req_str(&self, path: &str) -> Option<&str> {
        self.req(path)?.as_str()
    }

    /// A string under `responseElements` by dotted path.
    pub fn resp_str(&self, path: &str) -> Option<&str> {
        lookup(self.response()?, path)?.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_sections_and_paths() {
        let text =
            r#"{"requestParameters":{"a":{"b":[{"c":"x"}]}},"responseElements":{"omitted":true,"reason":"too large"}}"#;
        let record: Record = serde_json::from_str(text).unwrap();
        let ev = Event::new(&record);
        assert_eq!(ev.req_str("a.b.0.c"), Some("x"));
        assert_eq!(ev.req("a.b.1"), None);
        assert_eq!(ev.req("a.missing.c"), None);
        assert!(ev.response().is_none());
        assert!(ev.additional().is_none());
        assert!(!ev.request_omitted());
        let exported = r#"{"requestParameters":{"omitted":"True","reason":"requestParameters too large"}}"#;
        let record: Record = serde_json::from_str(exported).unwrap();
        let ev = Event::new(&record);
        assert!(ev.request_omitted() && ev.request().is_none());
    }

    #[test]
    fn omitted_request_is_told_apart_from_absent() {
        let omitted = r#"{"requestParameters":{"reason":"requestParameters too large","omitted":true}}"#;
        let record: Record = serde_json::from_str(omitted).unwrap();
        let ev = Event::new(&record);
        assert!(ev.request_omitted() && ev.request().is_none());
        for other in [
            r#"{}"#,
            r#"{"requestParameters":null}"#,
            r#"{"requestParameters":{"omitted":false}}"#,
        ] {
            let record: Record = serde_json::from_str(other).unwrap();
            assert!(!Event::new(&record).request_omitted(), "{other}");
        }
    }

    #[test]
    fn sections_held_in_strings() {
        let text = r#"{"requestParameters":"{\"a\":{\"b\":\"x\"}}","responseElements":"not json",
            "additionalEventData":"[1]","serviceEventDetails":"{}"}"#;
        let record: Record = serde_json::from_str(text).unwrap();
        let left_out: Vec<&str> = record.ignored.iter().map(|f| f.field).collect();
        assert_eq!(left_out, ["responseElements", "additionalEventData"]);
        let ev = Event::new(&record);
        assert_eq!(ev.req_str("a.b"), Some("x"));
        assert!(ev.response().is_none());
        assert!(ev.additional().is_none());
        let omitted = r#"{"responseElements":"{\"omitted\":true}"}"#;
        let record: Record = serde_json::from_str(omitted).unwrap();
        assert!(Event::new(&record).response().is_none());
    }

    #[test]
    fn sections_of_other_types_are_absent() {
        for other in ["[1]", "7", "true", "null", r#""""#] {
            let text = format!(r#"{{"requestParameters":{other}}}"#);
            let record: Record = serde_json::from_str(&text).unwrap();
            assert!(Event::new(&record).request().is_none(), "{other}");
            // Past the record's own checks (as when built by hand), still no section.
            let raw = RawValue::from_string(other.to_owned()).unwrap();
            assert!(parse_section(Some(&raw)).is_none(), "{other}");
        }
    }

    #[test]
    fn the_whole_record_needs_its_text() {
        let text = r#"{"eventName":"X","tlsDetails":{"tlsVersion":"TLSv1.3"}}"#;
        let record: Record = serde_json::from_str(text).unwrap();
        let ev = Event::new(&record).with_raw(text.as_bytes());
        assert_eq!(
            lookup(ev.whole().unwrap(), "tlsDetails.tlsVersion"),
            Some(&Value::from("TLSv1.3"))
        );
        assert!(Event::new(&record).whole().is_none());
        assert!(Event::new(&record).with_raw(b"").whole().is_none());
        assert!(Event::new(&record).with_raw(b"[1]").whole().is_none());
    }

    #[test]
    fn access_denied_codes() {
        let record: Record = serde_json::from_str(r#"{"errorCode":"AccessDeniedException"}"#).unwrap();
        let ev = Event::new(&record);
        assert!(ev.failed() && ev.access_denied());
    }
}
