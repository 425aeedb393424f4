//! Building the snapshots' configurations: JSON objects with the API's field names, holding
//! only the values the service returned (an absent value stays absent), times as RFC 3339.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::{Map, Value};

/// A JSON object under construction.
#[derive(Debug, Default)]
pub(super) struct Obj(Map<String, Value>);

impl Obj {
    pub fn new() -> Obj {
        Obj::default()
    }

    /// Sets `key` to `value`, unless the value is absent.
    pub fn put(mut self, key: &str, value: impl Field) -> Obj {
        if let Some(v) = value.json() {
            self.0.insert(key.to_owned(), v);
        }
        self
    }

    pub fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// A value a configuration field can hold; `None` when absent.
pub(super) trait Field {
    fn json(self) -> Option<Value>;
}

impl<T: Field> Field for Option<T> {
    fn json(self) -> Option<Value> {
        self.and_then(Field::json)
    }
}

impl Field for &str {
    fn json(self) -> Option<Value> {
        Some(self.into())
    }
}

impl Field for String {
    fn json(self) -> Option<Value> {
        Some(self.into())
    }
}

impl Field for &String {
    fn json(self) -> Option<Value> {
        Some(self.as_str().into())
    }
}

impl Field for bool {
    fn json(self) -> Option<Value> {
        Some(self.into())
    }
}

impl Field for i32 {
    fn json(self) -> Option<Value> {
        Some(self.into())
    }
}

impl Field for f64 {
    fn json(self) -> Option<Value> {
        Some(self.into())
    }
}

impl Field for &DateTime {
    fn json(self) -> Option<Value> {
        Some(time(self).into())
    }
}

/// A list of strings, as given (an empty list stays an empty list).
impl Field for &[String] {
    fn json(self) -> Option<Value> {
        Some(self.iter().map(|s| Value::from(s.as_str())).collect())
    }
}

impl Field for &Vec<String> {
    fn json(self) -> Option<Value> {
        self.as_slice().json()
    }
}

impl Field for Value {
    fn json(self) -> Option<Value> {
        Some(self)
    }
}

impl Field for Obj {
    fn json(self) -> Option<Value> {
        Some(self.build())
    }
}

/// Each item of `items` mapped to JSON; absent when `items` is.
pub(super) fn list<'a, T: 'a>(items: Option<&'a [T]>, each: impl Fn(&'a T) -> Value) -> Option<Value> {
    items.map(|items| items.iter().map(each).collect())
}

/// A time as RFC 3339 text (`2026-03-01T12:00:00Z`).
pub(super) fn time(t: &DateTime) -> String {
    t.fmt(Format::DateTime).unwrap_or_else(|_| t.secs().to_string())
}

/// A policy document as IAM returns it (URL-encoded JSON text) read as JSON; `None` when it is
/// not JSON once decoded.
pub(super) fn policy_document(text: &str) -> Option<Value> {
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8().ok()?;
    serde_json::from_str(&decoded)
        .ok()
        // A document that was never encoded and holds a `%` itself.
        .or_else(|| serde_json::from_str(text).ok())
        .filter(Value::is_object)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn absent_values_are_left_out_and_empty_lists_kept() {
        let none: Option<&str> = None;
        let empty: Vec<String> = Vec::new();
        let doc = Obj::new()
            .put("A", "a")
            .put("B", none)
            .put("C", Some(false))
            .put("D", &empty)
            .put("E", &DateTime::from_secs(1_772_366_400))
            .build();
        assert_eq!(doc, json!({"A": "a", "C": false, "D": [], "E": "2026-03-01T12:00:00Z"}));
    }

    #[test]
    fn policy_documents_are_decoded_when_encoded() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}]});
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22bedrock%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        assert_eq!(policy_document(encoded), Some(doc.clone()));
        assert_eq!(policy_document(&doc.to_string()), Some(doc));
        let percent = r#"{"Statement":[{"Sid":"100%"}]}"#;
        assert_eq!(policy_document(percent), Some(json!({"Statement": [{"Sid": "100%"}]})));
        assert_eq!(policy_document("not json"), None);
    }
}
