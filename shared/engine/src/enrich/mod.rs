//! Enrichment at event time: what a rule needs to know beyond the record to judge it (the
//! document of a customer-managed policy attached, an inline policy CloudTrail left out, the
//! configuration a put replaced), asked only when a rule asks it.
//!
//! A rule asks with [`crate::cloudtrail::Event::look_up`]. Where nobody answers (the CLI, or
//! the first pass in the detector) the rule judges the record alone, as it always did, and the
//! request is noted. A pipeline built [`crate::Pipeline::with_lookups`] then sets the event
//! aside ([`Deferred`]) instead of reporting it; the detector has the requests answered
//! ([`Resolver`]: the [`crate::ports::Lookup`] port for live reads, the
//! [`crate::ports::Records`] port for what it kept) and judges the event again with the
//! [`Answers`] ([`crate::Pipeline::rejudge`]). A failed or skipped lookup is an answer too:
//! the rule then reports what the record shows and says what was not checked. Records no rule
//! asks about take the fast path and cost no lookup. A rule asks all it may need before it
//! knows any answer: the requests are collected in one pass without answers, so one asked
//! only after another was answered would be [`Answer::Skipped`].
//!
//! [`diff`] compares a configuration put with the one it replaced.

pub mod diff;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::inventory::saved_key;
use crate::ports::{Lookup, Records, StateError};
use crate::response::PrincipalKind;

/// Lookups one event may ask; further ones are answered [`Answer::Skipped`].
pub const MAX_PER_EVENT: usize = 3;

/// Lookups answered per invocation of the detector; further ones are [`Answer::Skipped`].
pub const MAX_PER_BATCH: usize = 12;

/// Policy versions kept in memory; the cache is emptied when full.
const CACHE_ENTRIES: usize = 1024;

/// Something a rule asks to know.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LookupRequest {
    /// A managed policy's document: version `version`, or the default version when `None`
    /// (IAM `GetPolicy`, then `GetPolicyVersion`).
    ManagedPolicy {
        account: String,
        arn: String,
        version: Option<String>,
    },
    /// An inline policy of a user, group or role.
    InlinePolicy {
        account: String,
        kind: PrincipalKind,
        identity: String,
        name: String,
    },
    /// A guardrail's working draft as Bedrock has it now (`GetGuardrail`).
    Guardrail {
        account: String,
        region: String,
        id: String,
    },
    /// A document the detector kept when it saw it put (see
    /// [`crate::response::observed_configuration`]): the configuration a put replaces. When
    /// none was kept, `or_saved` names a field of a saved inventory snapshot that holds the
    /// same document (the inventory Lambda saves what it found: see
    /// [`crate::inventory::saved_key`]).
    Kept { key: String, or_saved: Option<SavedField> },
}

/// A configuration field of a saved inventory snapshot: `configuration.<field>` of the document
/// at [`crate::inventory::saved_key`] of `arn`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SavedField {
    pub arn: String,
    pub field: &'static str,
}

impl LookupRequest {
    /// The configuration kept under `key` by the detector, without an inventory fallback.
    pub fn kept(key: String) -> LookupRequest {
        LookupRequest::Kept { key, or_saved: None }
    }

    /// What it reads, for "not checked" texts: `the document of policy arn:…`.
    pub fn describe(&self) -> String {
        match self {
            LookupRequest::ManagedPolicy { arn, .. } => format!("the document of policy {arn}"),
            LookupRequest::InlinePolicy {
                kind, identity, name, ..
            } => format!("inline policy {name} of {} {identity}", kind.as_str()),
            LookupRequest::Guardrail { id, .. } => format!("guardrail {id}"),
            LookupRequest::Kept { .. } => "the previous configuration".into(),
        }
    }
}

/// What a lookup gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The document, and the version read when the request named none.
    Found { doc: Value, version: Option<String> },
    /// There is none (no such policy, nothing kept).
    Absent,
    /// The lookup failed: why, short ("iam:GetPolicy failed: timed out after 2 s").
    Failed(String),
    /// Not looked up: over the limit of lookups, or of time, of the event or invocation.
    Skipped,
}

impl Answer {
    /// Why it tells nothing, for "was not checked (…)": `None` for a document found or known
    /// to be absent.
    pub fn failure(&self) -> Option<String> {
        match self {
            Answer::Found { .. } | Answer::Absent => None,
            Answer::Failed(why) => Some(why.clone()),
            Answer::Skipped => Some("not looked up: over the limit of lookups per event or invocation".into()),
        }
    }

    /// The document found, if any.
    pub fn doc(&self) -> Option<&Value> {
        match self {
            Answer::Found { doc, .. } => Some(doc),
            _ => None,
        }
    }
}

/// The answers to the requests of one or more events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answers(HashMap<LookupRequest, Answer>);

impl Answers {
    /// The answer to `request`; [`Answer::Skipped`] when it was not looked up.
    pub fn get(&self, request: &LookupRequest) -> &Answer {
        static SKIPPED: Answer = Answer::Skipped;
        self.0.get(request).unwrap_or(&SKIPPED)
    }

    /// Sets the answer to `request`.
    pub fn insert(&mut self, request: LookupRequest, answer: Answer) {
        self.0.insert(request, answer);
    }

    /// True when `request` was answered (even by a failure).
    pub fn contains(&self, request: &LookupRequest) -> bool {
        self.0.contains_key(request)
    }

    /// Number of answers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing was answered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A record set aside until its lookups are answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Deferred {
    /// The record's JSON text.
    pub record: String,
    /// What its rules asked, at most [`MAX_PER_EVENT`], in the order asked.
    pub requests: Vec<LookupRequest>,
}

/// The key of the last Bedrock model invocation logging configuration seen put in `account`
/// and `region`, whatever it was (the one a playbook restores is kept apart, under
/// [`crate::response::logging_config_key`]).
pub fn seen_logging_key(account: &str, region: &str) -> String {
    format!("seen#bedrock-logging#{account}#{region}")
}

/// The key of the last configuration of guardrail `id` seen put.
pub fn seen_guardrail_key(account: &str, region: &str, id: &str) -> String {
    format!("seen#bedrock-guardrail#{account}#{region}#{id}")
}

/// The key of the last resource policy seen put on `resource` (an ARN, or a SageMaker model
/// package group name).
pub fn seen_policy_key(account: &str, region: &str, resource: &str) -> String {
    format!("seen#resource-policy#{account}#{region}#{resource}")
}

/// The guardrail id of a `guardrailIdentifier` (an id, or an ARN ending `guardrail/<id>`).
pub fn guardrail_id(identifier: &str) -> &str {
    identifier.rsplit_once(":guardrail/").map_or(identifier, |(_, id)| id)
}

/// Answers lookup requests: live ones through a [`Lookup`] port (policy versions cached, as
/// a version never changes), kept documents from [`Records`]. Holds its cache for the life of
/// the function.
pub struct Resolver<L> {
    lookup: L,
    /// Time after which a call to [`Resolver::resolve`] starts no more lookups; what is left
    /// is skipped (a lookup under way runs to its end, within its calls' own timeouts).
    budget: Duration,
    /// Policy documents by (policy id, ARN, version id).
    cache: Mutex<HashMap<(String, String, String), Value>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<L: Lookup> Resolver<L> {
    /// Answers through `lookup`, starting no lookup once `budget` has passed in a call of
    /// [`Resolver::resolve`] (the port bounds each call in time itself).
    pub fn new(lookup: L, budget: Duration) -> Resolver<L> {
        Resolver {
            lookup,
            budget,
            cache: Mutex::default(),
        }
    }

    /// The port.
    pub fn lookup(&self) -> &L {
        &self.lookup
    }

    /// Answers `requests` in order (each once), reading kept documents from `records` as of
    /// `now` (Unix seconds). At most [`MAX_PER_BATCH`] are looked up, and none once the
    /// budget is spent: those are left unanswered ([`Answers::get`] gives
    /// [`Answer::Skipped`]). Never fails: a failure is an [`Answer::Failed`].
    pub async fn resolve<'r, R: Records>(
        &self,
        requests: impl IntoIterator<Item = &'r LookupRequest>,
        records: &R,
        now: i64,
    ) -> Answers {
        let started = Instant::now();
        let mut answers = Answers::default();
        for request in requests {
            if answers.contains(request) {
                continue;
            }
            if answers.len() >= MAX_PER_BATCH || started.elapsed() >= self.budget {
                break;
            }
            let answer = self.answer(request, records, now).await;
            answers.insert(request.clone(), answer);
        }
        answers
    }

    async fn answer<R: Records>(&self, request: &LookupRequest, records: &R, now: i64) -> Answer {
        let found = |doc: Option<Value>, version: Option<String>| match doc {
            Some(doc) => Answer::Found { doc, version },
            None => Answer::Absent,
        };
        match request {
            LookupRequest::ManagedPolicy { account, arn, version } => {
                // A version named by the event is read each time (its policy's incarnation is
                // unknown); the default version is cached per policy id, ARN and version.
                let (version, key) = match version {
                    Some(v) => (v.clone(), None),
                    None => match self.lookup.default_policy_version(account, arn).await {
                        Ok(Some(d)) => (d.version.clone(), Some((d.policy_id, arn.clone(), d.version))),
                        Ok(None) => return Answer::Absent,
                        Err(e) => return Answer::Failed(e.to_string()),
                    },
                };
                if let Some(doc) = key.as_ref().and_then(|k| lock(&self.cache).get(k).cloned()) {
                    return found(Some(doc), Some(version));
                }
                match self.lookup.policy_version(account, arn, &version).await {
                    Ok(Some(doc)) => {
                        if let Some(key) = key {
                            let mut cache = lock(&self.cache);
                            if cache.len() >= CACHE_ENTRIES {
                                cache.clear();
                            }
                            cache.insert(key, doc.clone());
                        }
                        found(Some(doc), Some(version))
                    }
                    Ok(None) => Answer::Absent,
                    Err(e) => Answer::Failed(e.to_string()),
                }
            }
            LookupRequest::InlinePolicy {
                account,
                kind,
                identity,
                name,
            } => match self.lookup.inline_policy(account, *kind, identity, name).await {
                Ok(doc) => found(doc, None),
                Err(e) => Answer::Failed(e.to_string()),
            },
            LookupRequest::Guardrail { account, region, id } => {
                match self.lookup.guardrail(account, region, id).await {
                    Ok(doc) => found(doc, None),
                    Err(e) => Answer::Failed(e.to_string()),
                }
            }
            LookupRequest::Kept { key, or_saved } => {
                let unread =
                    |e: StateError| Answer::Failed(format!("the state table could not be read: {}", e.message));
                match (records.get_record(key, now).await, or_saved) {
                    (Ok(Some(doc)), _) => found(Some(doc), None),
                    (Ok(None), None) => Answer::Absent,
                    (Ok(None), Some(saved)) => match records.get_record(&saved_key(&saved.arn), now).await {
                        Ok(doc) => found(
                            doc.and_then(|d| d.get("configuration")?.get(saved.field).cloned()),
                            None,
                        ),
                        Err(e) => unread(e),
                    },
                    (Err(e), _) => unread(e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
