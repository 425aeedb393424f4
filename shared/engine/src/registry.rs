//! The registry: every detection, of every kind, checked once when it is built and indexed by
//! what it consumes, so a record meets only the event rules and stateful detections that
//! consume its (eventSource, eventName), and a resource only the posture checks of its type.

use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;

use crate::detection::{DetectionKind, EventKey, Metadata};
use crate::posture::PostureCheck;
use crate::rules::EventRule;
use crate::stateful::StatefulDetection;

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

    fn add_rule(&mut self, index: usize, needle: Option<&'static str>) {
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

/// Every detection, indexed.
pub struct Registry {
    detections: Vec<Detection>,
    rules: Vec<usize>,
    stateful: Vec<usize>,
    /// Looked up for every record read: a fast hash (the keys are the catalog's own).
    by_event: FxHashMap<&'static str, FxHashMap<&'static str, Consumers>>,
    by_resource_type: HashMap<&'static str, Vec<usize>>,
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
                        registry.consumers(source, name).add_rule(index, needle);
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
        registry.detections = detections;
        Ok(registry)
    }

    fn consumers(&mut self, source: &'static str, name: &'static str) -> &mut Consumers {
        self.by_event
            .entry(source)
            .or_default()
            .entry(name)
            .or_insert_with(|| Consumers {
                event: (source, name),
                rules: Vec::new(),
                stateful: 0,
                needles: Vec::new(),
                every: false,
            })
    }

    /// The built-in catalog: event rules, stateful detections, posture checks.
    pub fn builtin() -> Registry {
        let rules = crate::rules::all().into_iter().map(Detection::Event);
        let stateful = crate::stateful::all().into_iter().map(Detection::Stateful);
        let posture = crate::posture::all().into_iter().map(Detection::Posture);
        Registry::new(rules.chain(stateful).chain(posture).collect())
            .expect("the built-in catalog is valid (checked by tests)")
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

    /// Who consumes an (eventSource, eventName), if anyone (two map look-ups).
    pub(crate) fn consumers_of(&self, source: &str, name: &str) -> Option<&Consumers> {
        self.by_event.get(source)?.get(name)
    }

    /// The event rule at `index` of [`Registry::event_rules`].
    pub(crate) fn event_rule(&self, index: usize) -> &dyn EventRule {
        match &self.detections[self.rules[index]] {
            Detection::Event(rule) => rule.as_ref(),
            _ => unreachable!("rules holds the indices of event rules only"),
        }
    }

    /// Every (eventSource, eventName) some detection consumes, sorted.
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
