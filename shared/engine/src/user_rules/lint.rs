//! `aidr rules lint`: every problem of a set of rule files at once, each with its file, line
//! and a hint, where [`super::load`] stops at the first. Every file is linted, whatever the
//! others hold.
//!
//! Errors (the rules would not load, or a sample cannot be run): YAML and schema errors
//! (unknown keys, wrong types), what does not compile (a bad path, regular expression,
//! template…, placed as [`super::load`] places them), ids that are a built-in detection's or
//! in a built-in namespace ([`super::builtin_namespaces`]), ids defined twice, samples that
//! are not records.
//!
//! Warnings (the rules load, but may not do what is meant): a field under one of the four
//! free-form sections that no known record of the rule's events has, nor its samples; a rule
//! without samples (`aidr rules test` cannot check it), or with samples of events it does not
//! consume; an event source that is not an AWS service's (`….amazonaws.com`); a rule that
//! consumes every event; an event name starting with a lower-case letter; a rule that tests
//! `errorCode` or `errorMessage`, or adjusts the severity of failed calls, without
//! `failed_calls: true`.

mod fields;
mod hints;
mod locate;

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use self::locate::Place;
use super::load::{documents, without_bom};
use super::samples::{consumes, event_of, sample_record};
use super::{LoadError, RuleDoc, SourceFile, validate};
use crate::registry::Registry;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The rules would not load.
    Error,
    /// The rules load, but a rule may not do what is meant.
    Warning,
}

impl Level {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// One problem: where (file, line and column from 1 when known, the rule's id), how bad, what
/// and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub origin: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub rule: Option<String>,
    pub level: Level,
    pub message: String,
    pub hint: Option<String>,
}

impl From<LoadError> for Diagnostic {
    fn from(e: LoadError) -> Diagnostic {
        Diagnostic {
            origin: e.origin,
            line: e.line,
            column: e.column,
            rule: e.rule,
            level: Level::Error,
            message: e.message,
            hint: e.hint,
        }
    }
}

/// `file:line:column: level: rule <id>: message` (the message's further lines indented), then
/// `  hint: …` on a line of its own.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}: ", self.level.as_str())?;
        if let Some(rule) = &self.rule {
            write!(f, "rule {rule}: ")?;
        }
        // A message of several lines (a regular expression's error) goes on indented.
        write!(f, "{}", self.message.trim_end().replace('\n', "\n    "))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem of `files`, file by file in the order given, each file's by line. `builtin` is
/// the catalog whose ids user rules must keep clear of.
pub fn lint(files: &[SourceFile], builtin: &Registry) -> Vec<Diagnostic> {
    let mut defined: HashMap<String, (String, usize)> = HashMap::new();
    let mut out = Vec::new();
    for file in files {
        let file = &*without_bom(file);
        let mut found = Vec::new();
        match documents(file) {
            Err(e) => {
                let mut d = Diagnostic::from(e);
                d.hint = d.hint.or_else(|| hints::expected_shape(&d.message));
                found.push(d);
            }
            Ok(docs) => {
                for doc in &docs {
                    let rule = RuleLint {
                        file,
                        doc,
                        start: locate::rule_start(&file.text, &doc.id),
                        found: &mut found,
                    };
                    rule.check(builtin, &mut defined);
                }
            }
        }
        found.sort_by_key(|d| d.line);
        out.append(&mut found);
    }
    out
}

/// The checks of one rule of a file that parses.
struct RuleLint<'a> {
    file: &'a SourceFile,
    doc: &'a RuleDoc,
    /// Byte offset of the rule's start in the file's text.
    start: usize,
    found: &'a mut Vec<Diagnostic>,
}

impl RuleLint<'_> {
    fn check(mut self, builtin: &Registry, defined: &mut HashMap<String, (String, usize)>) {
        if let Err(e) = validate(self.doc) {
            match builtin.get(&self.doc.id) {
                // The id is refused for its namespace; say whose it is.
                Some(d) if e.at == "id" => {
                    let id = &self.doc.id;
                    let message = format!("id {id} is the built-in detection \"{}\"", d.metadata().title);
                    let name = id.split_once('.').map_or(id.as_str(), |(_, n)| n);
                    let hint = format!("use your own namespace, e.g. acme.{name}");
                    self.push(self.find(id), Level::Error, message, Some(hint));
                }
                _ => self.found.push(LoadError::compile(self.file, &self.doc.id, e).into()),
            }
        }
        self.unique(defined);
        self.fields();
        self.samples();
        self.sources();
        self.names();
        self.failed_calls();
    }

    /// The place of `text` in the rule (or else in the file).
    fn find(&self, text: &str) -> Option<Place> {
        locate::find(&self.file.text, text, self.start)
    }

    fn push(&mut self, place: Option<Place>, level: Level, message: String, hint: Option<String>) {
        self.found.push(Diagnostic {
            origin: self.file.origin.clone(),
            line: place.map(|p| p.line),
            column: place.map(|p| p.column),
            rule: Some(self.doc.id.clone()),
            level,
            message,
            hint,
        });
    }

    /// An id defined once across the files.
    fn unique(&mut self, defined: &mut HashMap<String, (String, usize)>) {
        let id = &self.doc.id;
        let place = self.find(id);
        match defined.get(id) {
            Some((origin, first)) => {
                let message = format!("id {id} is defined twice");
                let hint = format!("first defined at {origin}:{first}; rule ids are unique across every file loaded");
                self.push(place, Level::Error, message, Some(hint));
            }
            None => {
                defined.insert(id.clone(), (self.file.origin.clone(), place.map_or(1, |p| p.line)));
            }
        }
    }

    /// Section fields that no known record of the rule's events has.
    fn fields(&mut self) {
        let Some(known) = fields::Known::of(self.doc) else {
            return;
        };
        let mut warned = BTreeSet::new();
        for used in fields::fields_read(self.doc) {
            if known.knows(&used.path) || !warned.insert(used.path.clone()) {
                continue;
            }
            let message = format!(
                "{} reads {}, which is in {}: the rule may never see it",
                used.key,
                used.path,
                known.described()
            );
            let hint = match known.nearest(&used.path) {
                Some(near) => format!("did you mean {near}?"),
                None => "check the field's name against a real record of the event, and add one as a sample".into(),
            };
            let place = self.find(&used.path);
            self.push(place, Level::Warning, message, Some(hint));
        }
    }

    /// A rule without samples; samples that are no record (an error: `aidr rules test` fails
    /// them), or are of an event the rule does not consume (it never sees them).
    fn samples(&mut self) {
        let samples = &self.doc.samples;
        if samples.must_match.is_empty() && samples.must_not_match.is_empty() {
            let place = self.find(&self.doc.id);
            let message = "the rule has no samples: `aidr rules test` cannot check it".to_owned();
            let hint = "add `samples: {match: [...], no_match: [...]}`: records it must match and must not";
            self.push(place, Level::Warning, message, Some(hint.into()));
        }
        let doc = self.doc;
        let lists = [
            ("match", &doc.samples.must_match),
            ("no_match", &doc.samples.must_not_match),
        ];
        let keys = || {
            doc.events
                .iter()
                .flat_map(|e| e.names.iter().map(|n| (e.source.as_str(), n.as_str())))
        };
        for (list, samples) in lists {
            let place = self.find(&format!("{list}:"));
            for (i, sample) in samples.iter().enumerate() {
                if !sample.is_object() {
                    let message = format!("samples.{list}[{i}] is not a record: {sample}");
                    let hint = "write a CloudTrail record (a mapping with eventSource, eventName, …) or an EventBridge event holding one in `detail`".to_owned();
                    self.push(place, Level::Error, message, Some(hint));
                    continue;
                }
                let Some(event) = event_of(sample_record(sample)) else {
                    continue;
                };
                if !consumes(keys(), event) {
                    let message = format!(
                        "samples.{list}[{i}] is a record of {} {}, which the rule does not consume: it never sees it",
                        event.0, event.1
                    );
                    let hint = "add the event to `events`, or use a record of one of the rule's events".to_owned();
                    self.push(place, Level::Warning, message, Some(hint));
                }
            }
        }
    }

    /// CloudTrail's event names are the API's PascalCase names, compared exactly:
    /// `createEndpoint` never matches `CreateEndpoint`.
    fn names(&mut self) {
        let names: Vec<&String> = self.doc.events.iter().flat_map(|e| &e.names).collect();
        for name in names {
            let mut chars = name.chars();
            let Some(first) = chars.next().filter(char::is_ascii_lowercase) else {
                continue;
            };
            let place = self.find(name);
            let message = format!(
                "event name {name} starts with a lower-case letter: CloudTrail writes the API's name in \
                 PascalCase, and names compare exactly"
            );
            let hint = format!("{}{}?", first.to_ascii_uppercase(), chars.as_str());
            self.push(place, Level::Warning, message, Some(hint));
        }
    }

    /// A rule that tests how a call failed, without `failed_calls: true`, is never given a
    /// failed call.
    fn failed_calls(&mut self) {
        if self.doc.failed_calls {
            return;
        }
        let tested = fields::fields_read(self.doc)
            .into_iter()
            .find(|u| u.key == "condition" && matches!(u.path.as_str(), "errorCode" | "errorMessage"));
        let (needle, what) = match (tested, &self.doc.adjustments.failed_call) {
            (Some(used), _) => (used.path.clone(), format!("the condition tests {}", used.path)),
            (None, Some(_)) => ("failed_call".to_owned(), "adjustments.failed_call is set".to_owned()),
            (None, None) => return,
        };
        let place = self.find(&needle);
        let message = format!("{what}, but failed calls never reach this rule: set failed_calls: true");
        let hint = "without `failed_calls: true` only calls that succeeded (no errorCode) reach the rule".to_owned();
        self.push(place, Level::Warning, message, Some(hint));
    }

    /// Event sources of AWS services end in `.amazonaws.com`; a rule over every event costs
    /// every record's parsing.
    fn sources(&mut self) {
        for events in &self.doc.events {
            if events.source == "*" && events.names.iter().any(|n| n == "*") {
                let place = self.find("names");
                let message = "the rule consumes every event (source `*`, name `*`): every record is parsed \
                               for it, and its EventBridge pattern sends every CloudTrail event to the detector"
                    .to_owned();
                let hint = "name the events (eventSource and eventName) if the condition allows it".to_owned();
                self.push(place, Level::Warning, message, Some(hint));
            } else if !events.source.ends_with(".amazonaws.com") && !super::wildcard::is_pattern(&events.source) {
                let place = self.find(&events.source);
                let message = format!(
                    "event source {:?} is not an AWS service's: CloudTrail writes sources such as `sagemaker.amazonaws.com`",
                    events.source
                );
                let hint = format!("{}.amazonaws.com?", events.source.trim_end_matches('.'));
                self.push(place, Level::Warning, message, Some(hint));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(origin: &str, text: &str) -> SourceFile {
        SourceFile {
            origin: origin.into(),
            text: text.into(),
        }
    }

    fn rule(id: &str, field: &str) -> String {
        format!(
            "- id: {id}\n  title: T\n  severity: low\n  area: access\n  description: d\n\
             \x20 events: [{{source: iam.amazonaws.com, names: [CreateUser]}}]\n\
             \x20 condition: {{field: {field}, exists: true}}\n"
        )
    }

    #[test]
    fn each_rule_of_a_list_is_placed_on_its_own_lines() {
        let text = format!(
            "{}{}",
            rule("acme.one", "requestParameters.usrName"),
            rule("acme.two", "requestParameters.usrName")
        );
        let found = lint(&[file("x.yaml", &text)], &Registry::builtin());
        let placed: Vec<(Option<usize>, Level, Option<&str>)> =
            found.iter().map(|d| (d.line, d.level, d.rule.as_deref())).collect();
        // Each rule: no samples (its id's line), an unknown field (its condition's line).
        assert_eq!(
            placed,
            [
                (Some(1), Level::Warning, Some("acme.one")),
                (Some(7), Level::Warning, Some("acme.one")),
                (Some(8), Level::Warning, Some("acme.two")),
                (Some(14), Level::Warning, Some("acme.two")),
            ],
            "{found:#?}"
        );
        assert_eq!(
            found[1].hint.as_deref(),
            Some("did you mean requestParameters.userName?")
        );
    }

    #[test]
    fn a_rule_over_every_event_is_warned_of_and_wildcard_sources_are_not() {
        let every = rule("acme.every", "eventName").replace(
            "{source: iam.amazonaws.com, names: [CreateUser]}",
            "{source: '*', names: ['*']}",
        );
        let found = lint(&[file("x.yaml", &every)], &Registry::builtin());
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("consumes every event")),
            "{found:#?}"
        );
        assert!(!messages.iter().any(|m| m.contains("not an AWS service")), "{found:#?}");
        let some = rule("acme.some", "eventName").replace("iam.amazonaws.com", "'*'");
        let found = lint(&[file("y.yaml", &some)], &Registry::builtin());
        assert!(
            !found
                .iter()
                .any(|d| d.message.contains("every event") || d.message.contains("not an AWS")),
            "{found:#?}"
        );
    }

    #[test]
    fn equals_null_and_unquoted_numbers_lint_clean() {
        let text = rule("acme.null", "requestParameters.userName")
            .replace("exists: true", "equals: null")
            .replace(
                "\n  title",
                "\n  samples: {match: [{eventSource: iam.amazonaws.com}]}\n  title",
            );
        let found = lint(&[file("x.yaml", &text)], &Registry::builtin());
        assert!(found.is_empty(), "{found:#?}");
        let text = text.replace("equals: null", "contains: 111122223333");
        let found = lint(&[file("x.yaml", &text)], &Registry::builtin());
        assert!(found.is_empty(), "{found:#?}");
        let text = text.replace("contains: 111122223333", "contains: {a: 1}");
        let found = lint(&[file("x.yaml", &text)], &Registry::builtin());
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].level, found[0].line), (Level::Error, Some(8)));
        assert!(
            found[0]
                .hint
                .as_deref()
                .unwrap_or_default()
                .starts_with("contains takes a string"),
            "{found:#?}"
        );
    }

    #[test]
    fn a_byte_order_mark_is_ignored_and_deep_nesting_refused() {
        let text = format!("\u{feff}{}", rule("acme.one", "requestParameters.usrName"));
        let found = lint(&[file("x.yaml", &text)], &Registry::builtin());
        let placed: Vec<(Option<usize>, Option<usize>, Level)> =
            found.iter().map(|d| (d.line, d.column, d.level)).collect();
        assert_eq!(
            placed,
            [(Some(1), Some(7), Level::Warning), (Some(7), Some(22), Level::Warning)],
            "{found:#?}"
        );
        let deep = format!("{}\n  samples: {}", text, "[".repeat(100_000));
        let found = lint(&[file("x.yaml", &deep)], &Registry::builtin());
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].level, found[0].line), (Level::Error, Some(9)));
        assert!(found[0].message.contains("more than 64"), "{found:#?}");
    }

    fn warnings(text: &str) -> Vec<(Option<usize>, String, Option<String>)> {
        lint(&[file("x.yaml", text)], &Registry::builtin())
            .into_iter()
            .filter(|d| !d.message.contains("no samples"))
            .map(|d| {
                assert_eq!(d.level, Level::Warning, "{d}");
                (d.line, d.message, d.hint)
            })
            .collect()
    }

    #[test]
    fn failed_calls_tested_without_reaching_the_rule() {
        let text = rule("acme.denied", "errorCode");
        let found = warnings(&text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, Some(7));
        assert_eq!(
            found[0].1,
            "the condition tests errorCode, but failed calls never reach this rule: set failed_calls: true"
        );
        assert!(warnings(&format!("{text}  failed_calls: true\n")).is_empty());
        let adjusted = format!(
            "{}  adjustments: {{failed_call: high}}\n",
            rule("acme.adj", "eventName")
        );
        let found = warnings(&adjusted);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, Some(8));
        assert!(
            found[0]
                .1
                .starts_with("adjustments.failed_call is set, but failed calls never")
        );
        let message = rule("acme.msg", "requestParameters.x").replace(
            "field: requestParameters.x",
            "any: [{field: eventName, exists: true}, {not: {field: errorMessage, exists: true}}]",
        );
        let message = message.replace(", exists: true}\n", "}\n");
        assert!(
            warnings(&message)
                .iter()
                .any(|w| w.1.starts_with("the condition tests errorMessage"))
        );
    }

    #[test]
    fn samples_that_are_no_record_or_of_other_events() {
        let text = rule("acme.samples", "eventName").replace(
            "\n  title",
            "\n  samples:\n    match: [{eventSource: iam.amazonaws.com, eventName: CreateUser}, 7]\n    \
             no_match: [{detail: {eventSource: iam.amazonaws.com, eventName: DeleteUser}}]\n  title",
        );
        let found = lint(&[file("x.yaml", &text)], &Registry::builtin());
        let got: Vec<(Level, Option<usize>, &str)> =
            found.iter().map(|d| (d.level, d.line, d.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (Level::Error, Some(3), "samples.match[1] is not a record: 7"),
                (
                    Level::Warning,
                    Some(4),
                    "samples.no_match[0] is a record of iam.amazonaws.com DeleteUser, which the rule does not consume: it never sees it"
                ),
            ],
            "{found:#?}"
        );
    }

    #[test]
    fn lower_case_event_names_are_warned_of() {
        let text = rule("acme.lower", "eventName").replace("names: [CreateUser]", "names: [createUser, Delete*, '*']");
        let found = warnings(&text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, Some(6));
        assert!(
            found[0]
                .1
                .starts_with("event name createUser starts with a lower-case letter"),
            "{found:#?}"
        );
        assert_eq!(found[0].2.as_deref(), Some("CreateUser?"));
    }

    #[test]
    fn a_file_that_does_not_parse_hides_nothing_of_the_others() {
        let files = [
            file("a.yaml", "id: [unclosed"),
            file("b.yaml", &rule("bedrock.mine", "eventName")),
            file("c.yaml", &rule("acme.x", "eventName")),
            file("d.yaml", &rule("acme.x", "eventName")),
        ];
        let found = lint(&files, &Registry::builtin());
        let errors: Vec<(&str, Option<usize>)> = found
            .iter()
            .filter(|d| d.level == Level::Error)
            .map(|d| (d.origin.as_str(), d.line))
            .collect();
        // The parser names the end of the text, where the sequence is still open.
        assert_eq!(errors, [("a.yaml", Some(2)), ("b.yaml", Some(1)), ("d.yaml", Some(1))]);
        let shown = found
            .iter()
            .find(|d| d.origin == "d.yaml" && d.level == Level::Error)
            .unwrap();
        assert_eq!(
            shown.to_string(),
            "d.yaml:1:7: error: rule acme.x: id acme.x is defined twice\n  hint: first defined at c.yaml:1; rule ids are unique across every file loaded"
        );
    }
}
