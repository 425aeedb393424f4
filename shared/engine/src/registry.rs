//! The registry: every detection, of every kind, checked once when it is built and indexed by
//! what it consumes, so a record meets only the event rules and stateful detections that
//! consume its (eventSource, eventName), and a resource only the posture checks of its type.
//!
//! Event rules may consume wildcard keys (`*` and `?` in the source or name: user rules).
//! Exact keys are looked up in one hash index, into which each wildcard key is merged, at
//! build time, wherever it matches; a record whose key is not in the index meets the wildcard
//! keys themselves (their consumers remembered per key met, up to [`MAX_MET`] keys).

use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::sync::{Arc, PoisonError, RwLock};

use regex::Regex;
use rustc_hash::FxHashMap;

use crate::detection::{DetectionKind, EventKey, Metadata};
use crate::posture::PostureCheck;
use crate::rules::EventRule;
use crate::stateful::StatefulDetection;
use crate::user_rules::{UserRule, wildcard};

/// One detection of any kind.
pub enum Detection {
    Event(Box<dyn EventRule>),
    Stateful(Box<dyn StatefulDetection>),
    Posture(Box<dyn PostureCheck>),
}

impl Detection {
    /// The detection's metadata.
    pub fn metadata(&self) -> &Metadata {
        match self {
            Detection::Event(rule) => rule.metadata(),
            Detection::Stateful(detection) => detection.metadata(),
            Detection::Posture(check) => check.metadata(),
        }
    }

    /// Which kind it is.
    pub fn kind(&self) -> DetectionKind {
        match self {
            Detection::Event(_) => DetectionKind::Event,
            Detection::Stateful(_) => DetectionKind::Stateful,
            Detection::Posture(_) => DetectionKind::Posture,
        }
    }
}

/// Why a set of detections cannot form a registry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("two detections share the id {0:?}")]
    DuplicateId(String),
    #[error("detection id {0:?} is not of the form service.snake_case_name")]
    BadId(String),
    #[error(
        "detection {0:?} consumes nothing (an event rule or stateful detection needs events, a posture check resource types)"
    )]
    NothingConsumed(String),
    #[error("detection {0:?} lists {1} more than once")]
    DuplicateInput(String, String),
    #[error("more than {MAX_STATEFUL} stateful detections")]
    TooManyStateful,
    #[error("detection {0:?} consumes the pattern {1:?}, which does not compile")]
    BadPattern(String, String),
}

/// Most stateful detections a registry holds (one bit each in an observation).
pub const MAX_STATEFUL: usize = 64;

/// Who consumes one (eventSource, eventName).
#[derive(Debug)]
pub(crate) struct Consumers {
    /// The (eventSource, eventName), as the detections spell it.
    pub event: EventKey,
    /// Indices of the event rules (into [`Registry::event_rules`]).
    pub rules: Vec<usize>,
    /// Bit `i`: the `i`-th stateful detection (of [`Registry::stateful`]).
    pub stateful: u64,
    /// Text one of which a record must hold to be worth parsing, when every consumer declares
    /// one ([`EventRule::needle`]); empty when some consumer wants every record.
    needles: Vec<&'static str>,
    /// Some consumer wants every record of this kind.
    every: bool,
}

impl Consumers {
    /// Whether a record of this kind, as raw JSON text, is worth parsing: some consumer wants
    /// every record, or the text holds a needle.
    pub fn wants(&self, record: &[u8]) -> bool {
        self.every
            || self
                .needles
                .iter()
                .any(|n| memchr::memmem::find(record, n.as_bytes()).is_some())
    }

    fn new(event: EventKey) -> Consumers {
        Consumers {
            event,
            rules: Vec::new(),
            stateful: 0,
            needles: Vec::new(),
            every: false,
        }
    }

    /// Adds an event rule (once, whether it consumes the key exactly and by patterns).
    fn add_rule(&mut self, index: usize, needle: Option<&'static str>) {
        if self.rules.contains(&index) {
            return;
        }
        self.rules.push(index);
        match needle {
            Some(n) if !self.every => self.needles.push(n),
            _ => self.every_record(),
        }
    }

    fn every_record(&mut self) {
        self.every = true;
        self.needles.clear();
    }
}

/// The consumers of one (eventSource, eventName): those of the index, or those of the
/// wildcard keys alone (shared with the memo of keys met).
#[derive(Debug)]
pub(crate) enum ConsumersRef<'r> {
    Indexed(&'r Consumers),
    Met(Arc<Consumers>),
}

impl Deref for ConsumersRef<'_> {
    type Target = Consumers;
    fn deref(&self) -> &Consumers {
        match self {
            ConsumersRef::Indexed(c) => c,
            ConsumersRef::Met(c) => c,
        }
    }
}

/// One part of a wildcard key: text to equal, or a pattern to match.
#[derive(Debug)]
enum Part {
    Exact(&'static str),
    Pattern(Regex),
}

impl Part {
    fn of(text: &'static str, id: &str) -> Result<Part, RegistryError> {
        if !wildcard::is_pattern(text) {
            return Ok(Part::Exact(text));
        }
        wildcard::compile(&[text], false)
            .map(Part::Pattern)
            .map_err(|_| RegistryError::BadPattern(id.into(), text.into()))
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            Part::Exact(exact) => *exact == text,
            Part::Pattern(pattern) => pattern.is_match(text),
        }
    }
}

/// An event rule's wildcard key.
#[derive(Debug)]
struct WildcardKey {
    key: EventKey,
    source: Part,
    name: Part,
    /// Index of the rule (into [`Registry::event_rules`]) and its needle.
    rule: usize,
    needle: Option<&'static str>,
}

impl WildcardKey {
    fn matches(&self, source: &str, name: &str) -> bool {
        self.source.matches(source) && self.name.matches(name)
    }
}

/// Most (eventSource, eventName) keys outside the index whose wildcard consumers are
/// remembered; past it they are worked out at each look-up.
pub const MAX_MET: usize = 4096;

/// The consumers of keys outside the index of one source, by name (`None`: nobody).
type MetNames = FxHashMap<Box<str>, Option<Arc<Consumers>>>;

/// Consumers of keys outside the index, by source then name, as met.
#[derive(Debug, Default)]
struct Met {
    by_event: FxHashMap<Box<str>, MetNames>,
    len: usize,
}

/// Every detection, indexed.
pub struct Registry {
    detections: Vec<Detection>,
    rules: Vec<usize>,
    stateful: Vec<usize>,
    /// Looked up for every record read: a fast hash (the keys are the catalog's own).
    by_event: FxHashMap<&'static str, FxHashMap<&'static str, Consumers>>,
    by_resource_type: HashMap<&'static str, Vec<usize>>,
    /// Wildcard keys of event rules (also merged into `by_event` where they match).
    wildcards: Vec<WildcardKey>,
    met: RwLock<Met>,
}

pub(crate) fn valid_id(id: &str) -> bool {
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

impl Registry {
    /// Checks ids and inputs once and builds the indexes.
    ///
    /// # Errors
    /// A [`RegistryError`] naming the first detection that breaks a rule.
    pub fn new(detections: Vec<Detection>) -> Result<Registry, RegistryError> {
        let mut registry = Registry {
            detections: Vec::new(),
            rules: Vec::new(),
            stateful: Vec::new(),
            by_event: FxHashMap::default(),
            by_resource_type: HashMap::new(),
            wildcards: Vec::new(),
            met: RwLock::default(),
        };
        let mut seen = HashSet::new();
        for (i, detection) in detections.iter().enumerate() {
            let m = detection.metadata();
            if !valid_id(m.id) {
                return Err(RegistryError::BadId(m.id.into()));
            }
            if !seen.insert(m.id) {
                return Err(RegistryError::DuplicateId(m.id.into()));
            }
            let consumed = match detection.kind() {
                DetectionKind::Posture => m.resource_types.len(),
                DetectionKind::Event | DetectionKind::Stateful => m.events.len(),
            };
            if consumed == 0 {
                return Err(RegistryError::NothingConsumed(m.id.into()));
            }
            let inputs: Vec<String> = m
                .events
                .iter()
                .map(|(source, name)| format!("{source} {name}"))
                .chain(m.resource_types.iter().map(|t| t.to_string()))
                .collect();
            if let Some(twice) = inputs.iter().enumerate().find(|(i, x)| inputs[..*i].contains(x)) {
                return Err(RegistryError::DuplicateInput(m.id.into(), twice.1.clone()));
            }
            match detection.kind() {
                DetectionKind::Event => {
                    let index = registry.rules.len();
                    let needle = match detection {
                        Detection::Event(rule) => rule.needle(),
                        _ => None,
                    };
                    for &(source, name) in m.events {
                        if wildcard::is_pattern(source) || wildcard::is_pattern(name) {
                            registry.wildcards.push(WildcardKey {
                                key: (source, name),
                                source: Part::of(source, m.id)?,
                                name: Part::of(name, m.id)?,
                                rule: index,
                                needle,
                            });
                        } else {
                            registry.consumers(source, name).add_rule(index, needle);
                        }
                    }
                    registry.rules.push(i);
                }
                DetectionKind::Stateful => {
                    let bit = registry.stateful.len();
                    if bit >= MAX_STATEFUL {
                        return Err(RegistryError::TooManyStateful);
                    }
                    for &(source, name) in m.events {
                        let consumers = registry.consumers(source, name);
                        consumers.stateful |= 1 << bit;
                        consumers.every_record();
                    }
                    registry.stateful.push(i);
                }
                DetectionKind::Posture => {
                    for &kind in m.resource_types {
                        registry.by_resource_type.entry(kind).or_default().push(i);
                    }
                }
            }
        }
        registry.merge_wildcards();
        registry.detections = detections;
        Ok(registry)
    }

    /// Adds each wildcard key's rule to the consumers of every indexed key it matches, in
    /// rule order.
    fn merge_wildcards(&mut self) {
        for (source, names) in &mut self.by_event {
            for (name, consumers) in names {
                for w in self.wildcards.iter().filter(|w| w.matches(source, name)) {
                    consumers.add_rule(w.rule, w.needle);
                }
                consumers.rules.sort_unstable();
            }
        }
    }

    /// The consumers of a key outside the index: the rules of the wildcard keys it matches.
    fn wildcard_consumers(&self, source: &str, name: &str) -> Option<Arc<Consumers>> {
        let met = self.met.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = met.by_event.get(source).and_then(|names| names.get(name)) {
            return known.clone();
        }
        let full = met.len >= MAX_MET;
        drop(met);
        let mut consumers: Option<Consumers> = None;
        for w in self.wildcards.iter().filter(|w| w.matches(source, name)) {
            consumers
                .get_or_insert_with(|| Consumers::new(w.key))
                .add_rule(w.rule, w.needle);
        }
        let consumers = consumers.map(Arc::new);
        if !full {
            let mut met = self.met.write().unwrap_or_else(PoisonError::into_inner);
            // Checked again: other threads may have filled it since.
            if met.len < MAX_MET {
                let names = met.by_event.entry(source.into()).or_default();
                if names.insert(name.into(), consumers.clone()).is_none() {
                    met.len += 1;
                }
            }
        }
        consumers
    }

    fn consumers(&mut self, source: &'static str, name: &'static str) -> &mut Consumers {
        self.by_event
            .entry(source)
            .or_default()
            .entry(name)
            .or_insert_with(|| Consumers::new((source, name)))
    }

    /// The built-in catalog's detections: event rules, stateful detections, posture checks.
    fn builtin_detections() -> Vec<Detection> {
        let rules = crate::rules::all().into_iter().map(Detection::Event);
        let stateful = crate::stateful::all().into_iter().map(Detection::Stateful);
        let posture = crate::posture::all().into_iter().map(Detection::Posture);
        rules.chain(stateful).chain(posture).collect()
    }

    /// The built-in catalog: event rules, stateful detections, posture checks.
    pub fn builtin() -> Registry {
        Registry::new(Registry::builtin_detections()).expect("the built-in catalog is valid (checked by tests)")
    }

    /// The built-in catalog and, after it, `rules` (compiled user rules, see
    /// [`crate::user_rules`]).
    ///
    /// # Errors
    /// A [`RegistryError`]: [`RegistryError::DuplicateId`] for a user rule with a built-in
    /// rule's id or another user rule's.
    pub fn with_user_rules(rules: Vec<UserRule>) -> Result<Registry, RegistryError> {
        let mut detections = Registry::builtin_detections();
        detections.extend(rules.into_iter().map(|r| Detection::Event(Box::new(r))));
        Registry::new(detections)
    }

    /// Every detection, in catalog order.
    pub fn detections(&self) -> &[Detection] {
        &self.detections
    }

    /// The detection with this id.
    pub fn get(&self, id: &str) -> Option<&Detection> {
        self.detections.iter().find(|d| d.metadata().id == id)
    }

    /// The event rules, in catalog order.
    pub fn event_rules(&self) -> impl Iterator<Item = &dyn EventRule> {
        self.rules.iter().filter_map(|&i| match &self.detections[i] {
            Detection::Event(rule) => Some(rule.as_ref()),
            _ => None,
        })
    }

    /// The stateful detections, in catalog order (bit `i` of an observation names the `i`-th).
    pub fn stateful(&self) -> Vec<&dyn StatefulDetection> {
        self.stateful
            .iter()
            .filter_map(|&i| match &self.detections[i] {
                Detection::Stateful(detection) => Some(detection.as_ref()),
                _ => None,
            })
            .collect()
    }

    /// The posture checks that consume a resource type.
    pub fn posture_checks(&self, resource_type: &str) -> impl Iterator<Item = &dyn PostureCheck> {
        let indices = self.by_resource_type.get(resource_type).map_or(&[][..], Vec::as_slice);
        indices.iter().filter_map(|&i| match &self.detections[i] {
            Detection::Posture(check) => Some(check.as_ref()),
            _ => None,
        })
    }

    /// Who consumes an (eventSource, eventName), if anyone: two map look-ups, and for a key
    /// outside the index, when some rule consumes wildcard keys, two more (under a shared
    /// lock) once the key was met.
    pub(crate) fn consumers_of(&self, source: &str, name: &str) -> Option<ConsumersRef<'_>> {
        if let Some(consumers) = self.by_event.get(source).and_then(|names| names.get(name)) {
            return Some(ConsumersRef::Indexed(consumers));
        }
        if self.wildcards.is_empty() {
            return None;
        }
        self.wildcard_consumers(source, name).map(ConsumersRef::Met)
    }

    /// The event rule at `index` of [`Registry::event_rules`].
    pub(crate) fn event_rule(&self, index: usize) -> &dyn EventRule {
        match &self.detections[self.rules[index]] {
            Detection::Event(rule) => rule.as_ref(),
            _ => unreachable!("rules holds the indices of event rules only"),
        }
    }

    /// Every (eventSource, eventName) some detection consumes, sorted; wildcard keys as
    /// written.
    pub fn event_keys(&self) -> Vec<EventKey> {
        let mut keys: Vec<EventKey> = self
            .detections
            .iter()
            .flat_map(|d| d.metadata().events.iter().copied())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::Event;
    use crate::detection::{Hit, Organization};
    use crate::rules::BuiltinRule;
    use crate::severity::Severity;

    const ALWAYS: Metadata = Metadata {
        id: "test.always",
        events: &[("s.amazonaws.com", "Do")],
        ..Metadata::EMPTY
    };

    fn rule(metadata: Metadata) -> Detection {
        fn hit(_: &Event<'_, '_>, _: &Organization) -> Option<Hit> {
            Some(Hit::new(Severity::Low, "did it"))
        }
        Detection::Event(Box::new(BuiltinRule { metadata, check: hit }))
    }

    #[test]
    fn rejects_bad_registries() {
        let dup = Registry::new(vec![rule(ALWAYS), rule(ALWAYS)]);
        assert_eq!(dup.err(), Some(RegistryError::DuplicateId("test.always".into())));
        let bad = rule(Metadata { id: "Bad-Id", ..ALWAYS });
        assert_eq!(
            Registry::new(vec![bad]).err(),
            Some(RegistryError::BadId("Bad-Id".into()))
        );
        let none = rule(Metadata { events: &[], ..ALWAYS });
        assert!(matches!(
            Registry::new(vec![none]),
            Err(RegistryError::NothingConsumed(_))
        ));
        let twice = rule(Metadata {
            events: &[("s.amazonaws.com", "Do"), ("s.amazonaws.com", "Do")],
            ..ALWAYS
        });
        assert!(matches!(
            Registry::new(vec![twice]),
            Err(RegistryError::DuplicateInput(_, _))
        ));
    }

    #[test]
    fn needles_spare_parsing_only_when_every_consumer_has_one() {
        let registry = Registry::builtin();
        let phantom = br#"{"userIdentity":{"userName":"BedrockAPIKey-x"},"eventName":"GetCallerIdentity"}"#;
        let person = br#"{"userIdentity":{"userName":"alice"},"eventName":"GetCallerIdentity"}"#;
        let who_am_i = registry.consumers_of("sts.amazonaws.com", "GetCallerIdentity").unwrap();
        assert!(who_am_i.wants(phantom) && !who_am_i.wants(person));
        // CreateAccessKey is also consumed by rules without a needle: every record is parsed.
        let new_key = registry.consumers_of("iam.amazonaws.com", "CreateAccessKey").unwrap();
        assert!(new_key.wants(person));
        let plain = Registry::new(vec![rule(ALWAYS)]).unwrap();
        assert!(plain.consumers_of("s.amazonaws.com", "Do").unwrap().wants(b"{}"));
    }

    #[test]
    fn wildcard_keys_merge_into_the_index_and_serve_the_rest() {
        let exact = rule(Metadata {
            id: "test.exact",
            events: &[("s.amazonaws.com", "DeleteThing")],
            ..ALWAYS
        });
        let pattern = rule(Metadata {
            id: "test.pattern",
            events: &[
                ("s.amazonaws.com", "Delete*"),
                ("*.amazonaws.com", "*Thing"),
                ("t.amazonaws.com", "Wipe?"),
            ],
            ..ALWAYS
        });
        let registry = Registry::new(vec![pattern, exact]).unwrap();
        let merged = registry.consumers_of("s.amazonaws.com", "DeleteThing").unwrap();
        assert_eq!(merged.rules, [0, 1], "exact and pattern, each once, in rule order");
        assert!(matches!(merged, ConsumersRef::Indexed(_)));
        let only = registry.consumers_of("s.amazonaws.com", "DeleteOther").unwrap();
        assert_eq!(only.rules, [0], "two patterns of one rule match: the rule once");
        let again = registry.consumers_of("s.amazonaws.com", "DeleteOther").unwrap();
        match (&only, &again) {
            (ConsumersRef::Met(a), ConsumersRef::Met(b)) => assert!(Arc::ptr_eq(a, b), "remembered"),
            _ => panic!("pattern-only keys are met, not indexed"),
        }
        assert_eq!(registry.consumers_of("u.amazonaws.com", "MyThing").unwrap().rules, [0]);
        assert!(registry.consumers_of("t.amazonaws.com", "WipeX").is_some());
        assert!(registry.consumers_of("t.amazonaws.com", "WipeXY").is_none());
        assert!(registry.consumers_of("s.amazonaws.com", "Create").is_none());
        assert!(
            registry.consumers_of("s.amazonaws.com", "Create").is_none(),
            "a remembered miss"
        );
        let keys = registry.event_keys();
        assert!(keys.contains(&("s.amazonaws.com", "Delete*")) && keys.contains(&("s.amazonaws.com", "DeleteThing")));
    }

    #[test]
    fn keys_met_are_remembered_up_to_a_bound_from_many_threads() {
        let pattern = rule(Metadata {
            events: &[("s.amazonaws.com", "Do*")],
            ..ALWAYS
        });
        let registry = Registry::new(vec![pattern]).unwrap();
        std::thread::scope(|scope| {
            for t in 0..4 {
                let registry = &registry;
                scope.spawn(move || {
                    for i in 0..MAX_MET {
                        let name = format!("Do{}", i * 4 + t);
                        assert_eq!(registry.consumers_of("s.amazonaws.com", &name).unwrap().rules, [0]);
                        assert!(registry.consumers_of("s.amazonaws.com", &format!("Not{i}")).is_none());
                    }
                });
            }
        });
        let met = registry.met.read().unwrap();
        assert_eq!(met.len, MAX_MET);
        drop(met);
        assert!(
            registry.consumers_of("s.amazonaws.com", "DoMore").is_some(),
            "past the bound: still right"
        );
        assert!(
            Registry::builtin().wildcards.is_empty(),
            "the catalog takes the fast path alone"
        );
    }

    #[test]
    fn builtin_registry_is_valid_and_indexed() {
        let registry = Registry::builtin();
        let kinds: HashSet<DetectionKind> = registry.detections().iter().map(Detection::kind).collect();
        assert_eq!(kinds.len(), 3, "every kind is represented");
        assert_eq!(registry.stateful().len(), crate::stateful::all().len());
        let invoke = registry.consumers_of("bedrock.amazonaws.com", "InvokeModel").unwrap();
        assert!(!invoke.rules.is_empty() && invoke.stateful != 0);
        assert!(
            registry
                .consumers_of("sts.amazonaws.com", "AssumeRoleWithWebIdentity")
                .is_none()
        );
        assert!(registry.posture_checks("AWS::SageMaker::NotebookInstance").count() >= 1);
        assert!(registry.get("bedrock.guardrail_deleted").is_some());
    }
}
