//! Property tests of the engine (generated inputs, shrunk to a smallest failing case):
//!
//! - [`forms`]: a record yields the same findings whether it arrives alone, in a log file, as
//!   JSON lines among other lines, in an EventBridge envelope of any CloudTrail detail-type, or
//!   in the body of an SQS message of a batch as the detector reads it;
//! - [`layout`]: findings do not depend on the order of object keys, on whitespace, on string
//!   escapes, or on the case of the names AWS reads without regard to case (condition keys and
//!   action names in the policies records carry);
//! - [`policy_case`]: the same for the policy analyzer on its own.
//!
//! Records are drawn from the committed samples (`events/`, `samples/stateful/`) and mutated
//! ([`corpus`]). Each property runs a fixed number of cases ([`config`]); a failing case is
//! kept in a `.regressions` file beside the test's source and run first ever after (commit
//! it with the fix).

mod corpus;
mod forms;
mod layout;
mod policy_case;
mod render;

use std::sync::LazyLock;

use aidr_engine::enrich::Answers;
use aidr_engine::input::Layout;
use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_engine::stateful::StatefulSettings;
use aidr_engine::{Evaluation, Finding, Organization, Pipeline, Registry, Severity};
use proptest::test_runner::{Config, FileFailurePersistence};

/// `cases` cases unless `PROPTEST_CASES` says otherwise; failures kept beside the source.
pub fn config(cases: u32) -> Config {
    let mut config = Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

/// The organization of the samples' own account and one partner.
fn organization() -> Organization {
    Organization {
        accounts: vec!["111122223333".into(), "222233334444".into()],
    }
}

/// The CLI's pipeline: the built-in registry with the stateful detections on.
pub static CLI: LazyLock<Pipeline> =
    LazyLock::new(|| Pipeline::new(Registry::builtin(), organization(), Some(StatefulSettings::default())));

/// The detector's pipeline: the same, setting aside the records whose rules ask lookups.
pub static DETECTOR: LazyLock<Pipeline> = LazyLock::new(|| {
    Pipeline::new(Registry::builtin(), organization(), Some(StatefulSettings::default())).with_lookups()
});

/// What a finding is compared by: rule, dedupe key, severity and resources.
pub type Key = (String, String, Severity, Vec<String>);

/// The keys of `findings`, sorted.
pub fn keys(findings: &[Finding]) -> Vec<Key> {
    let mut keys: Vec<Key> = findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.dedupe_key.clone(), f.severity, f.resources.clone()))
        .collect();
    keys.sort();
    keys
}

/// One input as an entry point hands it to the pipeline.
pub struct Input {
    pub text: Vec<u8>,
    pub layout: Layout,
    /// Read through the streaming reader (gunzipped when gzip), as the CLI reads files.
    pub streamed: bool,
}

impl Input {
    pub fn stream(text: impl Into<Vec<u8>>) -> Input {
        Input {
            text: text.into(),
            layout: Layout::Stream,
            streamed: false,
        }
    }
}

/// What the pipeline made of some inputs read together (one invocation, one scan).
#[derive(Debug)]
pub struct Outcome {
    pub findings: Vec<Key>,
    pub records: u64,
    pub errors: usize,
}

/// Runs `inputs` through `pipeline` as the entry points do: each input read, the records set
/// aside for lookups judged again with every lookup unanswered (as when lookups are off),
/// then the stateful detections over all of them on a fresh store.
pub fn run(pipeline: &Pipeline, inputs: &[Input]) -> Outcome {
    let mut evaluations: Vec<Evaluation> = inputs
        .iter()
        .map(|input| {
            if input.streamed {
                let mut stream = aidr_engine::input::open(input.text.as_slice()).expect("in memory");
                pipeline.read_from(&mut stream, input.layout, "input", &mut |_| {})
            } else {
                pipeline.read(&input.text, input.layout, "input")
            }
        })
        .collect();
    let answers = Answers::default();
    for evaluation in &mut evaluations {
        let deferred = std::mem::take(&mut evaluation.deferred);
        for record in &deferred {
            pipeline.rejudge(record, &answers, evaluation);
        }
    }
    let records = evaluations.iter().map(|e| e.records).sum();
    let errors = evaluations.iter().map(|e| e.errors.len()).sum();
    let mut findings = Vec::new();
    let store = MemoryStore::default();
    now_or_never(pipeline.finish(&mut evaluations, &store, &mut findings))
        .expect("the in-memory store never waits")
        .expect("the in-memory store never fails");
    Outcome {
        findings: keys(&findings),
        records,
        errors,
    }
}
