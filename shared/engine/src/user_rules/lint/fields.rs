//! The fields a rule reads, and whether the records of its events are known to have them: a
//! misspelt `requestParameters.endpointConfigname` never matches and says nothing, so the
//! linter warns about a section path that no known record of the rule's events has.

use std::collections::BTreeSet;

use crate::user_rules::known_fields::{self, SECTIONS};
use crate::user_rules::samples::sample_record;
use crate::user_rules::wildcard::is_pattern;
use crate::user_rules::{ConditionDoc, RuleDoc};

/// One field path a rule reads, and the key it is read under (`condition`, `summary`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldUse {
    pub path: String,
    pub key: &'static str,
}

/// Every field path the rule reads: its condition's fields, its resources, the placeholders of
/// its summary and its dedupe fields, in that order.
pub fn fields_read(doc: &RuleDoc) -> Vec<FieldUse> {
    fn condition(c: &ConditionDoc, out: &mut Vec<FieldUse>) {
        if let Some(path) = &c.field {
            out.push(FieldUse {
                path: path.clone(),
                key: "condition",
            });
        }
        for inner in c.all.iter().chain(&c.any).flatten() {
            condition(inner, out);
        }
        if let Some(inner) = &c.not {
            condition(inner, out);
        }
    }
    let mut out = Vec::new();
    if let Some(c) = &doc.condition {
        condition(c, &mut out);
    }
    fn uses<'a>(paths: &'a [String], key: &'static str) -> impl Iterator<Item = FieldUse> + 'a {
        paths.iter().map(move |p| FieldUse { path: p.clone(), key })
    }
    out.extend(uses(&doc.resources, "resources"));
    if let Some(summary) = &doc.summary {
        out.extend(placeholders(summary).into_iter().map(|p| FieldUse {
            path: p.to_owned(),
            key: "summary",
        }));
    }
    if let Some(dedupe) = &doc.dedupe {
        out.extend(uses(&dedupe.fields, "dedupe"));
    }
    out
}

/// The `{field.path}` placeholders of a summary template (`{{` and `}}` are braces).
fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(escaped) = after.strip_prefix('{') {
            rest = escaped;
            continue;
        }
        let Some(close) = after.find('}') else { break };
        let path = after[..close].trim();
        if !path.is_empty() {
            out.push(path);
        }
        rest = &after[close + 1..];
    }
    out
}

/// What is known of the records a rule consumes: the section paths of the catalog's records
/// of its exact events (no wildcard), and of the rule's own samples.
pub struct Known {
    /// The exact events the catalog has records of: `sagemaker.amazonaws.com CreateEndpoint`.
    pub checked: Vec<String>,
    catalog: BTreeSet<&'static str>,
    samples: BTreeSet<String>,
}

impl Known {
    /// What is known of `doc`'s records; `None` when nothing is (no event of the catalog, no
    /// sample with a section).
    pub fn of(doc: &RuleDoc) -> Option<Known> {
        let mut known = Known {
            checked: Vec::new(),
            catalog: BTreeSet::new(),
            samples: BTreeSet::new(),
        };
        for events in doc.events.iter().filter(|e| !is_pattern(&e.source)) {
            for name in events.names.iter().filter(|n| !is_pattern(n)) {
                if let Some(paths) = known_fields::paths_of(&events.source, name) {
                    known.checked.push(format!("{} {name}", events.source));
                    known.catalog.extend(paths);
                }
            }
        }
        let samples = doc.samples.must_match.iter().chain(&doc.samples.must_not_match);
        for sample in samples {
            known_fields::collect_paths(sample_record(sample), &mut known.samples);
        }
        let has_samples = !doc.samples.must_match.is_empty() || !doc.samples.must_not_match.is_empty();
        (!known.checked.is_empty() || has_samples).then_some(known)
    }

    /// Whether `path` (any field path) may be in a record: true outside the four sections,
    /// where the record's shape is fixed.
    pub fn knows(&self, path: &str) -> bool {
        let Some(path) = section_path(path) else {
            return true;
        };
        known_fields::knows(self.catalog.iter().copied(), &path) || known_fields::knows(&self.samples, &path)
    }

    /// The known path nearest to `path`: one equal but for case, or else the closest by edit
    /// distance when it is close enough to be a misspelling.
    pub fn nearest(&self, path: &str) -> Option<&str> {
        let path = section_path(path)?;
        let all = || {
            self.catalog
                .iter()
                .copied()
                .chain(self.samples.iter().map(String::as_str))
        };
        if let Some(same) = all().find(|k| k.eq_ignore_ascii_case(&path)) {
            return Some(same);
        }
        let lower = path.to_lowercase();
        let (distance, best) = all()
            .map(|k| (strsim::levenshtein(&lower, &k.to_lowercase()), k))
            .min_by_key(|(d, _)| *d)?;
        // Close enough to be the same name mistyped: a third of the path's last part.
        let last = path.rsplit('.').next().unwrap_or(&path).chars().count();
        (distance <= (last / 3).max(1)).then_some(best)
    }

    /// Where the field was looked for and not found, for messages: `no known record of
    /// <events>, nor the rule's samples`.
    pub fn described(&self) -> String {
        let samples = if self.samples.is_empty() {
            ""
        } else {
            "the rule's samples"
        };
        match (self.checked.is_empty(), samples) {
            (false, "") => format!("no known record of {}", self.checked.join(", ")),
            (false, samples) => format!("no known record of {}, nor {samples}", self.checked.join(", ")),
            (true, _) => "none of the rule's samples (aidr knows no record of its events)".to_owned(),
        }
    }
}

/// A path into one of the sections without its array indices (`requestParameters.items.0.name`
/// -> `requestParameters.items.name`), as the catalog writes paths; `None` for other fields.
fn section_path(path: &str) -> Option<String> {
    let section = path.split('.').next()?;
    if !SECTIONS.contains(&section) {
        return None;
    }
    let parts: Vec<&str> = path
        .split('.')
        .filter(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    Some(parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(yaml: &str) -> RuleDoc {
        yaml_serde::from_str(yaml).unwrap()
    }

    const BASE: &str = "id: acme.x\ntitle: t\nseverity: high\narea: application\ndescription: d\n\
                        events: [{source: sagemaker.amazonaws.com, names: [CreateEndpointConfig]}]\n";

    #[test]
    fn every_field_read_is_listed_with_its_key() {
        let doc = rule(&format!(
            "{BASE}condition: {{all: [{{field: requestParameters.a, exists: true}}, \
             {{not: {{field: userIdentity.arn, equals: x}}}}]}}\n\
             resources: [requestParameters.b]\nsummary: '{{userIdentity.arn}} made {{ responseElements.c }} {{{{x}}}}'\n\
             dedupe: {{fields: [requestParameters.d]}}\n"
        ));
        let read: Vec<(String, &str)> = fields_read(&doc).into_iter().map(|f| (f.path, f.key)).collect();
        let expected = [
            ("requestParameters.a", "condition"),
            ("userIdentity.arn", "condition"),
            ("requestParameters.b", "resources"),
            ("userIdentity.arn", "summary"),
            ("responseElements.c", "summary"),
            ("requestParameters.d", "dedupe"),
        ];
        assert_eq!(read, expected.map(|(p, k)| (p.to_owned(), k)));
    }

    #[test]
    fn paths_are_known_from_the_catalog_and_the_samples() {
        let doc = rule(&format!(
            "{BASE}samples: {{match: [{{detail: {{requestParameters: {{customThing: {{tags: [{{key: k}}]}}}}}}}}]}}\n"
        ));
        let known = Known::of(&doc).unwrap();
        assert_eq!(known.checked, ["sagemaker.amazonaws.com CreateEndpointConfig"]);
        assert!(known.knows("requestParameters.endpointConfigName"));
        assert!(known.knows("requestParameters.customThing.tags.0.key"));
        assert!(known.knows("userIdentity.whatever"));
        assert!(!known.knows("requestParameters.endpointConfigname"));
        assert_eq!(
            known.nearest("requestParameters.endpointConfigname"),
            Some("requestParameters.endpointConfigName")
        );
        assert_eq!(
            known.nearest("requestParameters.endpontConfigName"),
            Some("requestParameters.endpointConfigName")
        );
        assert_eq!(known.nearest("requestParameters.somethingElse"), None);
    }

    #[test]
    fn nothing_is_known_of_wildcard_events_without_samples() {
        let doc = rule(&BASE.replace("[CreateEndpointConfig]", "['Create*']"));
        assert!(Known::of(&doc).is_none());
    }
}
