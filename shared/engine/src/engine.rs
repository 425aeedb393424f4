//! The catalog and its dispatch index: records go only to the rules that consume their
//! (eventSource, eventName).

use std::collections::HashMap;

use crate::event::Event;
use crate::finding::Finding;
use crate::input::{self, InputError, Layout, Sink};
use crate::record::Record;
use crate::rule::{Context, EventKey, Meta, Rule};
use crate::stateful::{Interner, Observation};

/// Why a set of rules cannot form a catalog.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CatalogError {
    #[error("two rules share the id {0:?}")]
    DuplicateId(String),
    #[error("rule {0:?} consumes no events")]
    NoEvents(String),
    #[error("rule id {0:?} is not of the form service.snake_case_name")]
    BadId(String),
}

/// The rules, indexed by the events they consume, and the settings they judge against.
pub struct Engine {
    rules: Vec<Box<dyn Rule>>,
    index: HashMap<&'static str, HashMap<&'static str, Vec<usize>>>,
    ctx: Context,
    /// Whether evaluations also collect observations for the stateful detections.
    stateful: bool,
}

fn valid_id(id: &str) -> bool {
    let mut parts = id.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

impl Engine {
    /// Builds the dispatch index over `rules`, checking ids and event lists.
    pub fn new(rules: Vec<Box<dyn Rule>>, ctx: Context) -> Result<Engine, CatalogError> {
        let mut index: HashMap<&'static str, HashMap<&'static str, Vec<usize>>> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for (i, rule) in rules.iter().enumerate() {
            let meta = rule.meta();
            if !valid_id(meta.id) {
                return Err(CatalogError::BadId(meta.id.into()));
            }
            if !seen.insert(meta.id) {
                return Err(CatalogError::DuplicateId(meta.id.into()));
            }
            if meta.events.is_empty() {
                return Err(CatalogError::NoEvents(meta.id.into()));
            }
            for &(source, name) in meta.events {
                index.entry(source).or_default().entry(name).or_default().push(i);
            }
        }
        Ok(Engine {
            rules,
            index,
            ctx,
            stateful: true,
        })
    }

    /// The built-in catalog.
    pub fn builtin(ctx: Context) -> Engine {
        Engine::new(crate::rules::all(), ctx).expect("the built-in catalog is valid (checked by tests)")
    }

    /// Turns the collection of observations for the stateful detections on (the default) or off.
    pub fn set_stateful(&mut self, on: bool) {
        self.stateful = on;
    }

    /// Whether the stateful detections are on.
    pub fn stateful(&self) -> bool {
        self.stateful
    }

    /// The metadata of every detection: single-event rules, then the stateful ones when on.
    pub fn metas(&self) -> Vec<&Meta> {
        let stateful: &[Meta] = if self.stateful {
            crate::stateful::rules::ALL
        } else {
            &[]
        };
        self.rules.iter().map(|r| r.meta()).chain(stateful).collect()
    }

    /// The rules, in catalog order.
    pub fn rules(&self) -> impl Iterator<Item = &dyn Rule> {
        self.rules.iter().map(|r| r.as_ref())
    }

    /// Every (eventSource, eventName) some rule consumes, sorted.
    pub fn event_keys(&self) -> Vec<EventKey> {
        let mut keys: Vec<EventKey> = self
            .metas()
            .into_iter()
            .flat_map(|m| m.events.iter().copied())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// True when some rule consumes this event (cheap: two map look-ups).
    pub fn wants(&self, record: &Record<'_>) -> bool {
        self.candidates(record).is_some()
    }

    fn candidates(&self, record: &Record<'_>) -> Option<&[usize]> {
        self.index.get(record.source())?.get(record.name()).map(Vec::as_slice)
    }

    /// Evaluates the rules that consume `record`, appending their findings to `out`.
    pub fn evaluate(&self, record: &Record<'_>, out: &mut Vec<Finding>) {
        let Some(candidates) = self.candidates(record) else {
            return;
        };
        let event = Event::new(record);
        for &i in candidates {
            let rule = &self.rules[i];
            let meta = rule.meta();
            if event.failed() && !meta.failed_calls {
                continue;
            }
            if let Some(hit) = rule.evaluate(&event, &self.ctx) {
                out.push(Finding::new(meta, hit, &event));
            }
        }
    }
}

/// Reads records into the engine: every record is evaluated as it is parsed; findings, counts
/// and input errors are kept.
pub struct Evaluation<'e> {
    engine: &'e Engine,
    pub findings: Vec<Finding>,
    /// What the stateful detections need from the records (when they are on).
    pub observations: Vec<Observation>,
    interner: Interner,
    pub records: u64,
    pub skipped: u64,
    pub errors: Vec<InputError>,
}

impl Engine {
    /// An empty evaluation to feed records to (it is an input [`Sink`]).
    pub fn evaluation(&self) -> Evaluation<'_> {
        Evaluation {
            engine: self,
            findings: Vec::new(),
            observations: Vec::new(),
            interner: Interner::default(),
            records: 0,
            skipped: 0,
            errors: Vec::new(),
        }
    }

    /// Reads `text` (already decompressed) and evaluates every record in it.
    pub fn evaluate_text(&self, text: &[u8], layout: Layout, origin: &str) -> Evaluation<'_> {
        let mut evaluation = self.evaluation();
        input::read(text, layout, origin, &mut evaluation);
        evaluation
    }
}

impl Sink for Evaluation<'_> {
    fn record(&mut self, record: &Record<'_>) {
        self.records += 1;
        self.engine.evaluate(record, &mut self.findings);
        if self.engine.stateful {
            self.observations
                .extend(crate::stateful::observe(record, &mut self.interner));
        }
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
    use crate::rule::{Builtin, Examples, Hit, Meta};
    use crate::severity::{Area, Severity};

    const META: Meta = Meta {
        id: "test.always",
        title: "t",
        severity: Severity::Low,
        area: Area::Access,
        techniques: &[],
        description: "",
        remediation: "",
        events: &[("s.amazonaws.com", "Do")],
        failed_calls: false,
        examples: Examples {
            triggers: &[],
            ignores: &[],
        },
    };

    fn always() -> Box<dyn Rule> {
        Box::new(Builtin {
            meta: META,
            check: |_, _| Some(Hit::new(Severity::Low, "did it")),
        })
    }

    #[test]
    fn dispatches_by_source_and_name_and_skips_failures() {
        let engine = Engine::new(vec![always()], Context::default()).unwrap();
        let mut out = Vec::new();
        for text in [
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","eventID":"1"}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Other"}"#,
            r#"{"eventSource":"t.amazonaws.com","eventName":"Do"}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","errorCode":"AccessDenied"}"#,
        ] {
            engine.evaluate(&serde_json::from_str(text).unwrap(), &mut out);
        }
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].event_ids, vec!["1".to_string()]);
        assert_eq!(
            out[0].summary,
            "unknown principal did it in account unknown (unknown region)"
        );
    }

    #[test]
    fn rejects_bad_catalogs() {
        let dup = Engine::new(vec![always(), always()], Context::default());
        assert_eq!(dup.err(), Some(CatalogError::DuplicateId("test.always".into())));
        let bad = Box::new(Builtin {
            meta: Meta { id: "Bad-Id", ..META },
            check: |_, _| None,
        });
        assert_eq!(
            Engine::new(vec![bad], Context::default()).err(),
            Some(CatalogError::BadId("Bad-Id".into()))
        );
        let none = Box::new(Builtin {
            meta: Meta { events: &[], ..META },
            check: |_, _| None,
        });
        assert!(matches!(
            Engine::new(vec![none], Context::default()),
            Err(CatalogError::NoEvents(_))
        ));
    }
}
