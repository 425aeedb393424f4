//! The pipeline every entry point runs (the CLI, the detector Lambda, and any later one):
//!
//! 1. [`Pipeline::read`] reads one input (an EventBridge event, a log file, JSON lines, Config
//!    items): each record goes through the event rules that consume it and, when the stateful
//!    detections are on, becomes an observation for those that consume it; each resource goes
//!    through the posture checks of its type. Reading needs no state, so inputs can be read on
//!    many threads.
//! 2. [`Pipeline::finish`] hands each input's findings to a [`FindingSink`], then runs the
//!    stateful detections over the observations of all inputs in event-time order, in batches
//!    of [`STATEFUL_BATCH`], and hands their findings over too.
//!
//! The sink is what the entry point does with findings: the alerting protocol in the Lambda,
//! the output writer in the CLI.
//!
//! A pipeline built [`Pipeline::with_lookups`] (the detector's) sets aside each record whose
//! rules asked a lookup ([`crate::enrich`]): its findings are left out of the evaluation and
//! the record is kept in [`Evaluation::deferred`], to be judged again with the answers
//! ([`Pipeline::rejudge`]). Other records take the same path as without.

use std::future::Future;

use crate::cloudtrail::record::IgnoredField;
use crate::cloudtrail::{Event, Record};
use crate::detection::Organization;
use crate::enrich::{Answers, Deferred};
use crate::finding::Finding;
use crate::input::{self, IgnoredFields, InputError, Layout, Sink};
use crate::ports::{StateError, StateStore};
use crate::registry::Registry;
use crate::resource::ResourceSnapshot;
use crate::rules;
use crate::stateful::{self, Interner, Observation, StatefulSettings};

/// Observations the stateful detections judge at a time: one SQS batch's worth.
pub const STATEFUL_BATCH: usize = 1000;

/// The registry and the settings it runs with.
pub struct Pipeline {
    registry: Registry,
    organization: Organization,
    /// `None` turns the stateful detections off.
    stateful: Option<StatefulSettings>,
    /// Whether records whose rules ask lookups are set aside ([`Evaluation::deferred`]).
    lookups: bool,
}

/// What reading one input gave.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Findings of the event rules and posture checks.
    pub findings: Vec<Finding>,
    /// What the stateful detections will judge.
    pub observations: Vec<Observation>,
    pub records: u64,
    pub resources: u64,
    /// EventBridge events of other detail-types.
    pub skipped: u64,
    /// What could not be read, with where it was (the rest of the input was still read).
    pub errors: Vec<InputError>,
    /// Fields of records left out (lenient reading); the records were still evaluated.
    pub ignored: IgnoredFields,
    /// Configurations seen put, to keep for the responder (see
    /// [`crate::response::observed_configuration`]), in record order.
    pub configurations: Vec<crate::response::Observed>,
    /// Records whose rules asked lookups, set aside (only with [`Pipeline::with_lookups`]):
    /// their findings and configurations come from [`Pipeline::rejudge`].
    pub deferred: Vec<Deferred>,
}

/// Receives the pipeline's findings.
pub trait FindingSink: Send {
    /// Takes `findings` that came from the inputs at positions `inputs` of the evaluations
    /// given to [`Pipeline::finish`].
    fn accept(&mut self, findings: Vec<Finding>, inputs: &[usize]) -> impl Future<Output = ()> + Send;

    /// The marks of events seen first (`stateful::first_sightings`) that are judged now: a
    /// caller that stops [`Pipeline::finish`] before the next call (with none) should take
    /// them back (`stateful::forget`), so that the retry counts those events.
    fn judging(&mut self, marks: &[String]) {
        let _ = marks;
    }
}

/// Collects findings (the CLI sorts and prints them afterwards).
impl FindingSink for Vec<Finding> {
    async fn accept(&mut self, findings: Vec<Finding>, _: &[usize]) {
        self.extend(findings);
    }
}

/// The stateful detections could not judge a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stateful detections: {error}")]
pub struct StatefulFailure {
    pub error: StateError,
    /// Every input that contributed observations: the stateful stage is retried as a whole.
    pub inputs: Vec<usize>,
}

impl Pipeline {
    /// A pipeline over `registry`; `stateful` `None` turns the stateful detections off.
    pub fn new(registry: Registry, organization: Organization, stateful: Option<StatefulSettings>) -> Pipeline {
        Pipeline {
            registry,
            organization,
            stateful,
            lookups: false,
        }
    }

    /// The organization its detections judge "outside" against.
    pub fn organization(&self) -> &Organization {
        &self.organization
    }

    /// The same pipeline, setting aside the records whose rules ask lookups (see
    /// [`crate::enrich`]) instead of judging them without answers.
    pub fn with_lookups(mut self) -> Pipeline {
        self.lookups = true;
        self
    }

    /// The detections it runs.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Stage 1 on one input: `text` (already decompressed) in `layout`, named `origin` in errors.
    pub fn read(&self, text: &[u8], layout: Layout, origin: &str) -> Evaluation {
        let mut reading = Reading::new(self);
        input::read(text, layout, origin, &mut reading);
        reading.evaluation
    }

    /// Stage 1 on one streamed input (decompressed: see [`input::open`]), in bounded memory:
    /// whenever [`FLUSH`] findings and errors have piled up, `flush` is called to take them
    /// out (what it leaves stays in the evaluation returned at the end, with the counts and
    /// observations of the whole input).
    pub fn read_from(
        &self,
        input: &mut dyn std::io::Read,
        layout: Layout,
        origin: &str,
        flush: &mut dyn FnMut(&mut Evaluation),
    ) -> Evaluation {
        let mut reading = Reading::new(self);
        reading.flush = Some(flush);
        input::read_from(input, layout, origin, &mut reading);
        reading.evaluation
    }

    /// The posture checks' findings on one resource.
    pub fn assess(&self, resource: &ResourceSnapshot) -> Vec<Finding> {
        self.registry
            .posture_checks(&resource.resource_type)
            .filter_map(|check| {
                let hit = check.assess(resource, &self.organization)?;
                Some(Finding::of_resource(check.metadata(), hit, resource))
            })
            .collect()
    }

    /// Stage 1 on one record already parsed (as [`input::read`] hands them out) from `raw`,
    /// its JSON text (which user rules' paths beyond the typed fields read: see
    /// [`Event::whole`]; empty when unknown): the event rules' findings go to `out` (or, with lookups asked and
    /// [`Pipeline::with_lookups`], the record goes to [`Evaluation::deferred`]), and its
    /// observation when a stateful detection consumes it; `interner` shares repeated strings
    /// among the observations of one input. `read` is this for every record of an input; a
    /// caller that parses records itself uses it directly.
    pub fn evaluate(&self, record: &Record<'_>, raw: &[u8], interner: &mut Interner, out: &mut Evaluation) {
        let Some(consumers) = self.registry.consumers_of(record.source(), record.name()) else {
            return;
        };
        if !consumers.rules.is_empty() {
            let event = Event::new(record).with_raw(raw);
            let before = out.findings.len();
            self.judge(&event, &consumers.rules, out);
            let asked = event.asked();
            if self.lookups
                && !asked.is_empty()
                && !raw.is_empty()
                && let Ok(text) = std::str::from_utf8(raw)
            {
                out.findings.truncate(before);
                out.deferred.push(Deferred {
                    record: text.to_owned(),
                    requests: asked,
                });
            } else {
                out.configurations
                    .extend(crate::response::observed_configuration(&event, &out.findings[before..]));
            }
        }
        if self.stateful.is_some() && consumers.stateful != 0 {
            let observation = stateful::observe(record, consumers.event, consumers.stateful, interner);
            out.observations.extend(observation);
        }
    }

    /// Judges a record set aside again, with the `answers` to its lookups: its findings and
    /// configurations go to `out` (not its observation, which [`Pipeline::evaluate`] made).
    pub fn rejudge(&self, deferred: &Deferred, answers: &Answers, out: &mut Evaluation) {
        let Ok(record) = serde_json::from_str::<Record>(&deferred.record) else {
            return; // it was read once already
        };
        let Some(consumers) = self.registry.consumers_of(record.source(), record.name()) else {
            return;
        };
        let event = Event::answered(&record, answers).with_raw(deferred.record.as_bytes());
        let before = out.findings.len();
        self.judge(&event, &consumers.rules, out);
        out.configurations
            .extend(crate::response::observed_configuration(&event, &out.findings[before..]));
    }

    /// Runs the event rules `rules` (registry indexes) on `event`; their findings go to `out`.
    fn judge(&self, event: &Event<'_, '_>, rules: &[usize], out: &mut Evaluation) {
        for &i in rules {
            let rule = self.registry.event_rule(i);
            let metadata = rule.metadata();
            if event.failed() && !metadata.failed_calls {
                continue;
            }
            if let Some(hit) = rules::judge(rule, event, &self.organization) {
                out.findings.push(Finding::of_event(metadata, hit, event));
            }
        }
    }

    /// Stage 2: hands each evaluation's findings to `sink` (taking them out of `evaluations`),
    /// then judges the observations of all of them with the stateful detections, in
    /// event-time order and batches of [`STATEFUL_BATCH`], on `store`, and hands those
    /// findings over (attributed to every input that contributed observations).
    ///
    /// # Errors
    /// A [`StatefulFailure`] when the store failed; findings of earlier batches were handed
    /// over already.
    pub async fn finish<K: FindingSink>(
        &self,
        evaluations: &mut [Evaluation],
        store: &dyn StateStore,
        sink: &mut K,
    ) -> Result<(), StatefulFailure> {
        let mut observations = Vec::new();
        let mut contributors = Vec::new();
        for (i, evaluation) in evaluations.iter_mut().enumerate() {
            let findings = std::mem::take(&mut evaluation.findings);
            if !findings.is_empty() {
                sink.accept(findings, &[i]).await;
            }
            if !evaluation.observations.is_empty() {
                contributors.push(i);
                observations.append(&mut evaluation.observations);
            }
        }
        let Some(settings) = self.stateful.as_ref().filter(|_| !observations.is_empty()) else {
            return Ok(());
        };
        stateful::sort(&mut observations);
        let detections = self.registry.stateful();
        let mut observations = observations.into_iter().peekable();
        while observations.peek().is_some() {
            let batch: Vec<Observation> = observations.by_ref().take(STATEFUL_BATCH).collect();
            let judged = match stateful::first_sightings(batch, store).await {
                Ok(sightings) => {
                    sink.judging(&sightings.marks);
                    let judged = judge_first(&detections, sightings, store, settings).await;
                    // Taken back on failure, or their findings kept.
                    sink.judging(&[]);
                    judged
                }
                Err(error) => Err(error),
            };
            match judged {
                Ok(findings) if findings.is_empty() => {}
                Ok(findings) => sink.accept(findings, &contributors).await,
                Err(error) => {
                    return Err(StatefulFailure {
                        error,
                        inputs: contributors,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Judges the observations seen first, keeps the findings raised ([`stateful::owe`]) and adds
/// those kept for the events seen before ([`stateful::owed`]: a redelivery of a batch whose
/// findings may not have gone out). When judging fails, the marks are taken back.
async fn judge_first(
    detections: &[&dyn stateful::StatefulDetection],
    sightings: stateful::Sightings,
    store: &dyn StateStore,
    settings: &stateful::StatefulSettings,
) -> Result<Vec<Finding>, StateError> {
    let stateful::Sightings {
        first: mut batch,
        marks,
        seen,
    } = sightings;
    let judged = match stateful::owed(&seen, store).await {
        Ok(owed) => stateful::judge(detections, &mut batch, store, settings)
            .await
            .map(|raised| (owed, raised)),
        Err(e) => Err(e),
    };
    let (mut owed, raised) = match judged {
        Ok(judged) => judged,
        Err(e) => {
            stateful::forget(&marks, store).await;
            return Err(e);
        }
    };
    if !raised.is_empty() {
        // Best effort: when they cannot be kept they are still delivered now.
        let _ = stateful::owe(&raised, &batch, store).await;
    }
    owed.extend(raised);
    Ok(owed)
}

/// Findings and errors that pile up before [`Pipeline::read_from`] hands them out.
pub const FLUSH: usize = 256;

/// Reads one input into an [`Evaluation`].
struct Reading<'p, 'f> {
    pipeline: &'p Pipeline,
    evaluation: Evaluation,
    /// Shares repeated strings and principals among the input's observations.
    interner: Interner,
    flush: Option<&'f mut dyn FnMut(&mut Evaluation)>,
}

impl Reading<'_, '_> {
    fn new(pipeline: &Pipeline) -> Reading<'_, '_> {
        Reading {
            pipeline,
            evaluation: Evaluation::default(),
            interner: Interner::default(),
            flush: None,
        }
    }

    fn piled_up(&mut self) {
        if let Some(flush) = &mut self.flush
            && self.evaluation.findings.len() + self.evaluation.errors.len() >= FLUSH
        {
            flush(&mut self.evaluation);
        }
    }
}

impl Sink for Reading<'_, '_> {
    fn wants(&self, source: &str, name: &str, record: &[u8]) -> bool {
        self.pipeline
            .registry
            .consumers_of(source, name)
            .is_some_and(|c| c.wants(record))
    }
    fn passed_over(&mut self) {
        self.evaluation.records += 1;
    }
    fn ignored(&mut self, field: &IgnoredField, at: InputError) {
        self.evaluation.ignored.add(field, at);
    }
    fn record(&mut self, record: &Record<'_>) {
        self.raw_record(record, &[]);
    }
    fn raw_record(&mut self, record: &Record<'_>, raw: &[u8]) {
        self.evaluation.records += 1;
        self.pipeline
            .evaluate(record, raw, &mut self.interner, &mut self.evaluation);
        self.piled_up();
    }
    fn resource(&mut self, resource: ResourceSnapshot) {
        self.evaluation.resources += 1;
        let findings = self.pipeline.assess(&resource);
        self.evaluation.findings.extend(findings);
        self.piled_up();
    }
    fn skipped(&mut self) {
        self.evaluation.skipped += 1;
    }
    fn error(&mut self, error: InputError) {
        self.evaluation.errors.push(error);
        self.piled_up();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::{Hit, Metadata};
    use crate::ports::{MemoryStore, now_or_never};
    use crate::registry::Detection;
    use crate::rules::BuiltinRule;
    use crate::severity::Severity;

    fn always(_: &Event<'_, '_>, _: &Organization) -> Option<Hit> {
        Some(Hit::new(Severity::Low, "did it"))
    }

    fn one_rule() -> Pipeline {
        let metadata = Metadata {
            id: "test.always",
            events: &[("s.amazonaws.com", "Do")],
            ..Metadata::EMPTY
        };
        let rule = Detection::Event(Box::new(BuiltinRule {
            metadata,
            check: always,
        }));
        Pipeline::new(Registry::new(vec![rule]).unwrap(), Organization::default(), None)
    }

    #[test]
    fn dispatches_by_source_and_name_and_skips_failures() {
        let pipeline = one_rule();
        let text = [
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","eventID":"1"}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Other"}"#,
            r#"{"eventSource":"t.amazonaws.com","eventName":"Do"}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","errorCode":"AccessDenied"}"#,
        ]
        .join("\n");
        let e = pipeline.read(text.as_bytes(), Layout::Lines, "t");
        assert_eq!((e.records, e.findings.len()), (4, 1));
        assert_eq!(e.findings[0].event_ids(), ["1".to_string()]);
        assert_eq!(
            e.findings[0].summary,
            "unknown principal did it in account unknown (unknown region)"
        );
        assert!(e.observations.is_empty(), "no stateful detection consumes these");
    }

    #[test]
    fn stateful_findings_go_to_the_sink_after_the_inputs_findings() {
        let pipeline = Pipeline::new(
            Registry::builtin(),
            Organization::default(),
            Some(StatefulSettings::default()),
        );
        let call = |i: usize| {
            format!(
                r#"{{"eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel","eventTime":"2026-03-02T10:15:{i:02}Z",
                "eventID":"p{i}","errorCode":"AccessDeniedException","recipientAccountId":"111122223333","awsRegion":"us-east-1",
                "userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/R/s","accessKeyId":"ASIAX"}}}}"#
            )
            .replace('\n', "")
        };
        let texts: Vec<String> = (0..12).map(call).collect();
        let mut evaluations: Vec<Evaluation> = texts
            .iter()
            .map(|t| pipeline.read(t.as_bytes(), Layout::Stream, "m"))
            .collect();
        let mut found: Vec<Finding> = Vec::new();
        now_or_never(pipeline.finish(&mut evaluations, &MemoryStore::default(), &mut found))
            .unwrap()
            .unwrap();
        let rules: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
        assert_eq!(rules, ["bedrock.llmjacking_probing"]);
        assert!(evaluations.iter().all(|e| e.observations.is_empty()), "taken");
    }
}
