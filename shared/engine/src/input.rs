//! Reading CloudTrail records out of the forms they come in: EventBridge envelopes, CloudTrail
//! log files (`{"Records":[...]}`, plain or gzip), JSON lines of either, bare records, and
//! JSON arrays of any of these; and resource snapshots for the posture checks, as AWS Config
//! configuration items (alone, or in the `configurationItems` of a Config snapshot or history
//! file). Bad input is reported through the sink with its location and reading goes on;
//! nothing here panics on input.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::cloudtrail::record::Record;
use crate::resource::ResourceSnapshot;

/// The EventBridge detail-type of CloudTrail API calls; other detail-types are skipped.
pub const API_CALL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";

/// How a text is split into top-level JSON values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One value, or values one after another (a malformed value ends the text).
    Stream,
    /// One value per line; a malformed line is reported and the next line is read.
    Lines,
}

impl Layout {
    /// The layout a file name implies: `.jsonl` / `.ndjson` (optionally `.gz`) are lines.
    pub fn for_name(name: &str) -> Layout {
        let name = name.strip_suffix(".gz").unwrap_or(name);
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Layout::Lines
        } else {
            Layout::Stream
        }
    }

    /// Guesses the layout of unnamed input (stdin): lines when the first non-empty line is a
    /// complete JSON value and more follows.
    pub fn sniff(text: &[u8]) -> Layout {
        let mut lines = text.split(|&b| b == b'\n').filter(|l| !l.trim_ascii().is_empty());
        match (lines.next(), lines.next()) {
            (Some(first), Some(_)) if serde_json::from_slice::<IgnoredAny>(first).is_ok() => Layout::Lines,
            _ => Layout::Stream,
        }
    }
}

/// A piece of input that could not be read, with where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// File name, or `-` for stdin.
    pub origin: String,
    /// `line 12`, `line 3, record 7`, … (empty when the whole input is concerned).
    pub location: String,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{}: {}: {}", self.origin, self.location, self.message)
        }
    }
}

/// Receives what a reader finds.
pub trait Sink {
    /// A CloudTrail record.
    fn record(&mut self, record: &Record<'_>);
    /// A resource snapshot (an AWS Config configuration item).
    fn resource(&mut self, resource: ResourceSnapshot);
    /// An EventBridge event of another detail-type, or a configuration item of a deleted
    /// resource, skipped.
    fn skipped(&mut self);
    /// A value that could not be read.
    fn error(&mut self, error: InputError);
}

/// Returns the bytes to parse: gunzipped when they start with the gzip magic number.
///
/// # Errors
/// An [`InputError`] naming `origin` when the gzip data is truncated or corrupt.
pub fn decode<'b>(bytes: &'b [u8], origin: &str) -> Result<Cow<'b, [u8]>, InputError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::with_capacity(bytes.len() * 8);
    match flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out) {
        Ok(_) => Ok(Cow::Owned(out)),
        Err(e) => Err(InputError {
            origin: origin.to_owned(),
            location: String::new(),
            message: format!("truncated or corrupt gzip data: {e}"),
        }),
    }
}

/// The fields that tell what a top-level object is.
#[derive(Deserialize)]
struct TopLevel<'a> {
    #[serde(rename = "Records", borrow)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(rename = "detail-type", borrow)]
    detail_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    detail: Option<&'a RawValue>,
    #[serde(rename = "eventName")]
    event_name: Option<IgnoredAny>,
    #[serde(rename = "eventSource")]
    event_source: Option<IgnoredAny>,
    #[serde(rename = "configurationItems", borrow)]
    configuration_items: Option<Vec<&'a RawValue>>,
    #[serde(rename = "resourceType")]
    resource_type: Option<IgnoredAny>,
}

/// Whether a configuration item records a deleted resource (nothing to judge).
#[derive(Deserialize)]
struct ItemStatus<'a> {
    #[serde(rename = "configurationItemStatus", borrow)]
    status: Option<Cow<'a, str>>,
}

/// Reads every record in `text` into `sink`.
pub fn read(text: &[u8], layout: Layout, origin: &str, sink: &mut dyn Sink) {
    let text = match std::str::from_utf8(text) {
        Ok(t) => t,
        Err(e) => {
            let line = line_of(text, e.valid_up_to());
            sink.error(InputError {
                origin: origin.into(),
                location: format!("line {line}"),
                message: format!("not UTF-8 text: {e}"),
            });
            return;
        }
    };
    let mut reader = Reader {
        text,
        origin,
        sink,
        skip: 0,
    };
    match layout {
        Layout::Stream => {
            if starts_as_log_file(text) {
                match fast::log_file(text, reader.sink) {
                    Ok(()) => return,
                    // Unreadable somewhere: re-read carefully to report where, without
                    // delivering again the records the fast pass already delivered.
                    Err(delivered) => reader.skip = delivered,
                }
            }
            reader.stream()
        }
        Layout::Lines => reader.lines(),
    }
}

/// Arrays of records (or of log files, events, arrays) are read this many levels deep.
const MAX_ARRAY_DEPTH: usize = 8;

fn line_of(text: &[u8], offset: usize) -> usize {
    1 + text[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count()
}

struct Reader<'t, 's> {
    text: &'t str,
    origin: &'t str,
    sink: &'s mut dyn Sink,
    /// Records of the first log file already delivered (by the fast pass).
    skip: usize,
}

/// True when the text opens like a CloudTrail log file: `{"Records":`.
fn starts_as_log_file(text: &str) -> bool {
    text.trim_start()
        .strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with("\"Records\""))
}

/// One pass over a CloudTrail log file: each record is parsed straight from the text into the
/// sink, without first splitting the file into raw values. Any error ends the pass.
mod fast {
    use std::borrow::Cow;
    use std::fmt;

    use serde::Deserializer as _;
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::Sink;
    use crate::cloudtrail::record::Record;

    struct Pass<'s> {
        sink: &'s mut dyn Sink,
        delivered: usize,
    }

    /// Reads `{"Records":[...]}` (and nothing after it). On error returns how many records
    /// were delivered before it.
    pub(super) fn log_file(text: &str, sink: &mut dyn Sink) -> Result<(), usize> {
        let mut pass = Pass { sink, delivered: 0 };
        let mut de = serde_json::Deserializer::from_str(text);
        let ok = de.deserialize_map(&mut pass).is_ok() && de.end().is_ok();
        if ok { Ok(()) } else { Err(pass.delivered) }
    }

    impl<'de> Visitor<'de> for &mut Pass<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a CloudTrail log file")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                if key == "Records" {
                    map.next_value_seed(&mut *self)?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(RecordSeed(&mut *self))?.is_some() {}
            Ok(())
        }
    }

    impl<'de> DeserializeSeed<'de> for &mut Pass<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    struct RecordSeed<'p, 's>(&'p mut Pass<'s>);

    impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            let record = <Record<'de> as serde::Deserialize>::deserialize(d)?;
            self.0.sink.record(&record);
            self.0.delivered += 1;
            Ok(())
        }
    }
}

impl<'t> Reader<'t, '_> {
    fn error(&mut self, location: String, message: impl Into<String>) {
        self.sink.error(InputError {
            origin: self.origin.to_owned(),
            location,
            message: message.into(),
        });
    }

    /// The line a slice of the text starts on.
    fn line(&self, part: &str) -> usize {
        let offset = (part.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        line_of(self.text.as_bytes(), offset)
    }

    fn stream(mut self) {
        let mut values = serde_json::Deserializer::from_str(self.text).into_iter::<&RawValue>();
        loop {
            match values.next() {
                None => break,
                Some(Ok(value)) => self.top_level(value),
                Some(Err(e)) => {
                    let message = if e.is_eof() {
                        format!("truncated JSON: {e}")
                    } else {
                        format!("malformed JSON: {e}")
                    };
                    self.error(format!("line {}", e.line()), message);
                    break;
                }
            }
        }
    }

    fn lines(mut self) {
        let text = self.text;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<&RawValue>(line) {
                Ok(value) => self.top_level(value),
                Err(e) => self.error(format!("line {}", i + 1), format!("malformed JSON: {e}")),
            }
        }
    }

    fn top_level(&mut self, value: &'t RawValue) {
        self.top_level_in(value, 0);
    }

    /// A top-level value inside `depth` arrays.
    fn top_level_in(&mut self, value: &'t RawValue, depth: usize) {
        let raw = value.get();
        let location = || format!("line {}", self.line(raw));
        match raw.as_bytes().first() {
            Some(b'[') if depth >= MAX_ARRAY_DEPTH => {
                let loc = location();
                self.error(loc, format!("arrays nested more than {MAX_ARRAY_DEPTH} deep"))
            }
            Some(b'[') => match serde_json::from_str::<Vec<&RawValue>>(raw) {
                Ok(items) => items.into_iter().for_each(|item| self.top_level_in(item, depth + 1)),
                Err(e) => self.error(location(), format!("malformed JSON array: {e}")),
            },
            Some(b'{') => self.object(value),
            _ => {
                let loc = location();
                self.error(
                    loc,
                    "expected a JSON object (CloudTrail record, log file or EventBridge event)",
                )
            }
        }
    }

    fn object(&mut self, value: &'t RawValue) {
        let raw = value.get();
        let top: TopLevel<'t> = match serde_json::from_str(raw) {
            Ok(top) => top,
            Err(e) => {
                return self.error(format!("line {}", self.line(raw)), format!("unreadable object: {e}"));
            }
        };
        if let Some(records) = top.records {
            let skip = std::mem::take(&mut self.skip);
            for (i, record) in records.into_iter().enumerate().skip(skip) {
                self.record(record, Some(i));
            }
        } else if let Some(detail_type) = top.detail_type {
            match (detail_type == API_CALL_DETAIL_TYPE, top.detail) {
                (false, _) => self.sink.skipped(),
                (true, Some(detail)) => self.record(detail, None),
                (true, None) => {
                    let loc = format!("line {}", self.line(raw));
                    self.error(loc, "EventBridge event has no detail")
                }
            }
        } else if top.event_name.is_some() || top.event_source.is_some() {
            self.record(value, None);
        } else if let Some(items) = top.configuration_items {
            for (i, item) in items.into_iter().enumerate() {
                self.resource(item, Some(i));
            }
        } else if top.resource_type.is_some() {
            self.resource(value, None);
        } else {
            let loc = format!("line {}", self.line(raw));
            self.error(loc, "not a CloudTrail record, CloudTrail log file, EventBridge event or configuration item (no eventName, Records, detail-type or resourceType)");
        }
    }

    fn location(&self, raw: &str, index: Option<usize>) -> String {
        match index {
            Some(i) => format!("line {}, record {i}", self.line(raw)),
            None => format!("line {}", self.line(raw)),
        }
    }

    fn resource(&mut self, value: &'t RawValue, index: Option<usize>) {
        let status = serde_json::from_str::<ItemStatus>(value.get())
            .ok()
            .and_then(|s| s.status);
        if status.is_some_and(|s| s.starts_with("ResourceDeleted")) {
            return self.sink.skipped();
        }
        match serde_json::from_str::<ResourceSnapshot>(value.get()) {
            Ok(resource) => self.sink.resource(resource),
            Err(e) => {
                let loc = self.location(value.get(), index);
                self.error(loc, format!("invalid configuration item: {e}"))
            }
        }
    }

    fn record(&mut self, value: &'t RawValue, index: Option<usize>) {
        let raw = value.get();
        if !raw.starts_with('{') {
            let loc = self.location(raw, index);
            return self.error(loc, "record is not a JSON object");
        }
        match serde_json::from_str::<Record<'t>>(raw) {
            Ok(record) => self.sink.record(&record),
            Err(e) => {
                let loc = self.location(raw, index);
                self.error(loc, format!("invalid CloudTrail record: {e}"))
            }
        }
    }
}

/// A sink that counts, for tests and parse-only measurements.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub records: u64,
    pub resources: u64,
    pub skipped: u64,
    pub errors: Vec<InputError>,
    /// `eventName` of each record read, in order.
    pub names: Vec<String>,
}

impl Sink for Counts {
    fn record(&mut self, record: &Record<'_>) {
        self.records += 1;
        self.names.push(record.name().to_owned());
    }
    fn resource(&mut self, _: ResourceSnapshot) {
        self.resources += 1;
    }
    fn skipped(&mut self) {
        self.skipped += 1;
    }
    fn error(&mut self, error: InputError) {
        self.errors.push(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str, layout: Layout) -> Counts {
        let mut counts = Counts::default();
        read(text.as_bytes(), layout, "t.json", &mut counts);
        counts
    }

    const REC: &str = r#"{"eventSource":"bedrock.amazonaws.com","eventName":"A"}"#;

    #[test]
    fn eventbridge_envelope_and_other_detail_types() {
        let api = format!(r#"{{"detail-type":"AWS API Call via CloudTrail","source":"aws.bedrock","detail":{REC}}}"#);
        let c = read_all(&api, Layout::Stream);
        assert_eq!((c.records, c.skipped, c.errors.len()), (1, 0, 0));
        let other = r#"{"detail-type":"EC2 Instance State-change Notification","detail":{"state":"running"}}"#;
        let c = read_all(other, Layout::Stream);
        assert_eq!((c.records, c.skipped, c.errors.len()), (0, 1, 0));
    }

    #[test]
    fn log_file_bare_records_and_arrays() {
        let log = format!(r#"{{"Records":[{REC},{REC},{REC}]}}"#);
        assert_eq!(read_all(&log, Layout::Stream).records, 3);
        assert_eq!(read_all(REC, Layout::Stream).records, 1);
        assert_eq!(read_all(&format!("[{REC},{log}]"), Layout::Stream).records, 4);
        assert_eq!(read_all(&format!("{REC}\n{REC}{log}"), Layout::Stream).records, 5);
    }

    #[test]
    fn json_lines_go_on_after_a_bad_line() {
        let text = format!("{REC}\n\n{{\"eventName\": oops}}\n{REC}\n");
        let c = read_all(&text, Layout::Lines);
        assert_eq!(c.records, 2);
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.errors[0].location, "line 3");
        assert!(c.errors[0].message.starts_with("malformed JSON"), "{:?}", c.errors[0]);
    }

    #[test]
    fn bad_records_are_reported_by_line_and_index() {
        let text = format!("{{\"Records\":[\n{REC},\n42,\n{{\"eventName\":7}},\n{REC}]}}");
        let c = read_all(&text, Layout::Stream);
        assert_eq!(c.records, 2);
        let found: Vec<String> = c.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("t.json: line 3, record 1: record is not a JSON object"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("t.json: line 4, record 2: invalid CloudTrail record"),
            "{found:?}"
        );
    }

    #[test]
    fn log_file_fast_pass_falls_back_without_duplicates() {
        let names = |text: &str| read_all(text, Layout::Stream).names;
        let a = r#"{"eventName":"A"}"#;
        let b = r#"{"eventName":"B"}"#;
        assert_eq!(names(&format!(r#" {{ "Records" : [{a},{b}], "x": 1 }}"#)), ["A", "B"]);
        let c = read_all(&format!(r#"{{"Records":[{a},{{"eventName":3}},{b}]}}"#), Layout::Stream);
        assert_eq!((c.names, c.errors.len()), (vec!["A".to_owned(), "B".to_owned()], 1));
        let c = read_all(
            &format!(r#"{{"Records":[{a},{b}]}}{{"Records":[{a}]}}"#),
            Layout::Stream,
        );
        assert_eq!((c.names.len(), c.errors.len()), (3, 0));
        let c = read_all(&format!(r#"{{"Records":[{a},{b}]}} trailing"#), Layout::Stream);
        assert_eq!((c.names.len(), c.errors.len()), (2, 1));
    }

    #[test]
    fn truncated_and_malformed_streams() {
        // The complete records before the cut are kept; the cut is reported.
        let c = read_all(&format!(r#"{{"Records":[{REC},{REC}"#), Layout::Stream);
        assert_eq!(c.records, 2);
        assert!(c.errors[0].message.starts_with("truncated JSON"), "{:?}", c.errors);
        let c = read_all("{\"a\":1}\n{,}", Layout::Stream);
        assert_eq!(c.errors.len(), 2);
        assert!(c.errors[0].message.starts_with("not a CloudTrail record"));
        assert!(c.errors[1].message.starts_with("malformed JSON") && c.errors[1].location == "line 2");
        let c = read_all("42", Layout::Stream);
        assert!(c.errors[0].message.starts_with("expected a JSON object"));
        let c = read_all(r#"{"detail-type":"AWS API Call via CloudTrail"}"#, Layout::Stream);
        assert_eq!(c.errors[0].message, "EventBridge event has no detail");
    }

    #[test]
    fn gzip_plain_truncated_and_not_utf8() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(format!(r#"{{"Records":[{REC}]}}"#).as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let text = decode(&bytes, "a.json.gz").unwrap();
        assert_eq!(read_all(std::str::from_utf8(&text).unwrap(), Layout::Stream).records, 1);
        assert!(matches!(decode(b"{}", "p.json").unwrap(), Cow::Borrowed(_)));
        let err = decode(&bytes[..bytes.len() / 2], "a.json.gz").unwrap_err();
        assert!(err.message.starts_with("truncated or corrupt gzip"), "{err}");
        let mut c = Counts::default();
        read(b"{\"eventName\":\"\xff\"}", Layout::Stream, "b", &mut c);
        assert!(c.errors[0].message.starts_with("not UTF-8"));
    }

    #[test]
    fn configuration_items_alone_and_in_a_snapshot_file() {
        let item = r#"{"resourceType":"AWS::SageMaker::NotebookInstance","ARN":"arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb",
            "awsAccountId":"111122223333","awsRegion":"us-east-1","configuration":{"DirectInternetAccess":"Enabled"}}"#;
        assert_eq!(read_all(item, Layout::Stream).resources, 1);
        let snapshot = format!(
            r#"{{"fileVersion":"1.0","configurationItems":[{item},{item},{{"resourceType":"x","configuration":{{}}}}]}}"#
        );
        let c = read_all(&snapshot, Layout::Stream);
        assert_eq!((c.resources, c.errors.len()), (2, 1));
        assert!(
            c.errors[0].message.starts_with("invalid configuration item"),
            "{:?}",
            c.errors
        );
        assert_eq!(c.errors[0].location, "line 3, record 2");
    }

    #[test]
    fn configuration_items_as_the_history_api_writes_them_and_odd_ones() {
        // GetResourceConfigHistory: accountId, arn, configuration as JSON text.
        let api = r#"{"resourceType":"AWS::SageMaker::NotebookInstance","arn":"arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb",
            "accountId":"111122223333","awsRegion":"us-east-1","configuration":"{\"DirectInternetAccess\":\"Enabled\"}"}"#;
        let mut got = Vec::new();
        struct Keep<'a>(&'a mut Vec<ResourceSnapshot>);
        impl Sink for Keep<'_> {
            fn record(&mut self, _: &Record<'_>) {}
            fn resource(&mut self, r: ResourceSnapshot) {
                self.0.push(r);
            }
            fn skipped(&mut self) {}
            fn error(&mut self, e: InputError) {
                panic!("{e}");
            }
        }
        read(api.as_bytes(), Layout::Stream, "t", &mut Keep(&mut got));
        assert_eq!(got[0].config_str("DirectInternetAccess"), Some("Enabled"));
        assert_eq!(got[0].account, "111122223333");
        for (configuration, why) in [
            ("null", "not an object but null"),
            ("7", "not an object but a number"),
            (r#""not json""#, "text but not JSON"),
            (r#"[1]"#, "not an object but an array"),
        ] {
            let text = format!(
                r#"{{"resourceType":"T","ARN":"a","awsAccountId":"1","awsRegion":"r","configuration":{configuration}}}"#
            );
            let c = read_all(&text, Layout::Stream);
            assert_eq!(c.resources, 0);
            assert!(c.errors[0].message.contains(why), "{configuration}: {:?}", c.errors);
        }
        let deleted =
            r#"{"resourceType":"T","ARN":"a","configurationItemStatus":"ResourceDeleted","configuration":null}"#;
        let c = read_all(deleted, Layout::Stream);
        assert_eq!((c.resources, c.skipped, c.errors.len()), (0, 1, 0));
    }

    #[test]
    fn deeply_nested_arrays_are_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        let c = read_all(&text, Layout::Stream);
        assert_eq!(c.records, 0);
        assert!(c.errors[0].message.contains("nested more than"), "{:?}", c.errors);
        let shallow = format!("[[{REC}],[[{REC}]]]");
        assert_eq!(read_all(&shallow, Layout::Stream).records, 2);
    }

    #[test]
    fn layouts() {
        assert_eq!(Layout::for_name("x/y.ndjson.gz"), Layout::Lines);
        assert_eq!(Layout::for_name("x/y.json.gz"), Layout::Stream);
        assert_eq!(Layout::sniff(format!("{REC}\n{REC}\n").as_bytes()), Layout::Lines);
        assert_eq!(Layout::sniff(b"{\n \"Records\": []\n}\n"), Layout::Stream);
    }
}
