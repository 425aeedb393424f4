//! Summary templates: text with `{field.path}` placeholders
//! (`{userIdentity.arn} created endpoint {requestParameters.endpointName}`), compiled once.
//! `{{` and `}}` write a brace; a field with several values (across an array) writes them
//! joined by `, `; a missing or `null` field writes `unknown`.

use super::error::CompileError;
use super::field::Field;
use crate::cloudtrail::Event;

/// What a missing field renders as.
pub const MISSING: &str = "unknown";

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Value(Field),
}

/// A compiled template.
#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Compiles `text`; errors are placed at `at` (`summary`).
    ///
    /// # Errors
    /// A [`CompileError`] for an unbalanced brace, an empty placeholder, or a placeholder
    /// naming an unsupported field.
    pub fn compile(text: &str, at: &str) -> Result<Template, CompileError> {
        let unbalanced = |what: &str| {
            CompileError::new(at, format!("{what} in template {text:?}"))
                .hint("placeholders are `{field.path}`; write `{{` or `}}` for a brace")
                .text(text)
        };
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(unbalanced("a `}` without its `{`")),
                '{' => {
                    let mut path = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => return Err(unbalanced("a `{` without its `}`")),
                            Some(c) => path.push(c),
                        }
                    }
                    let path = path.trim();
                    let field = Field::compile(path).map_err(|e| e.within(at))?;
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Value(field));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    /// The text, with each placeholder's values from `event`.
    pub fn render(&self, event: &Event<'_, '_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value(field) => {
                    let values = field.texts(event);
                    if values.is_empty() {
                        out.push_str(MISSING);
                    }
                    for (i, value) in values.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        out.push_str(value);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::Record;

    fn render(template: &str, record: &str) -> String {
        let record: Record = serde_json::from_str(record).unwrap();
        Template::compile(template, "summary")
            .unwrap()
            .render(&Event::new(&record))
    }

    #[test]
    fn fills_placeholders() {
        let record = r#"{"userIdentity":{"arn":"arn:aws:iam::1:user/a"},
            "requestParameters":{"endpointName":"ep","tags":[{"k":"x"},{"k":"y"}]}}"#;
        assert_eq!(
            render(
                "{userIdentity.arn} created endpoint {requestParameters.endpointName}",
                record
            ),
            "arn:aws:iam::1:user/a created endpoint ep"
        );
        assert_eq!(render("tags {requestParameters.tags.k}", record), "tags x, y");
        assert_eq!(render("{errorCode} / { eventName }", record), "unknown / unknown");
        assert_eq!(render("{{literal}} {{ and }}", record), "{literal} { and }");
        assert_eq!(render("", record), "");
    }

    #[test]
    fn refuses_bad_templates() {
        let err = |t: &str| Template::compile(t, "summary").unwrap_err();
        assert!(err("{eventName").message.contains("without its `}`"));
        assert!(err("eventName}").message.contains("without its `{`"));
        assert!(err("{a{b}}").message.contains("without its `}`"));
        let e = err("{eventname} did it");
        assert_eq!(e.at, "summary");
        assert_eq!(e.hint.as_deref(), Some("did you mean `eventName`?"));
        assert!(err("{}").message.contains("empty part"));
    }
}
