//! The built-in catalog: one file per rule, grouped by the service whose risk it covers.

pub mod bedrock;
pub mod iam;
pub mod sagemaker;

use crate::rule::Rule;

/// Every built-in rule, in catalog order.
pub fn all() -> Vec<Box<dyn Rule>> {
    [bedrock::all(), sagemaker::all(), iam::all()]
        .into_iter()
        .flatten()
        .collect()
}

/// What a rule file needs.
pub(crate) mod prelude {
    pub use crate::event::Event;
    pub use crate::rule::{Builtin, Context, Examples, Hit, Meta};
    pub use crate::severity::{Area, Severity};
}

/// Helpers for rule tests: evaluate the sample files under `events/`.
pub mod testing {
    use std::path::PathBuf;

    use crate::engine::Engine;
    use crate::finding::Finding;
    use crate::input::{self, InputError, Layout, Sink};
    use crate::record::Record;
    use crate::rule::Context;
    use crate::severity::Severity;

    /// The repository's `events/` folder.
    pub fn events_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
    }

    struct Collect<'e> {
        engine: &'e Engine,
        findings: Vec<Finding>,
        records: usize,
        errors: Vec<InputError>,
    }

    impl Sink for Collect<'_> {
        fn record(&mut self, record: &Record<'_>) {
            self.records += 1;
            self.engine.evaluate(record, &mut self.findings);
        }
        fn skipped(&mut self) {}
        fn error(&mut self, error: InputError) {
            self.errors.push(error);
        }
    }

    /// Findings of the whole catalog on one sample file (a path under `events/`), judged with
    /// `ctx`. Panics when the file is missing, unreadable, or holds other than one record.
    pub fn sample_findings_with(sample: &str, ctx: Context) -> Vec<Finding> {
        let engine = Engine::new(super::all(), ctx).expect("valid catalog");
        let path = events_dir().join(sample);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("sample {sample}: {e}"));
        let mut sink = Collect {
            engine: &engine,
            findings: Vec::new(),
            records: 0,
            errors: Vec::new(),
        };
        input::read(&bytes, Layout::Stream, sample, &mut sink);
        assert!(sink.errors.is_empty(), "sample {sample}: {:?}", sink.errors);
        assert_eq!(
            sink.records, 1,
            "sample {sample} must hold exactly one CloudTrail API call"
        );
        sink.findings
    }

    /// Findings of the whole catalog on one sample file, with the default context.
    pub fn sample_findings(sample: &str) -> Vec<Finding> {
        sample_findings_with(sample, Context::default())
    }

    /// Severity of `rule_id`'s finding on a sample, `None` when it does not fire.
    pub fn sample_severity(rule_id: &str, sample: &str) -> Option<Severity> {
        sample_findings(sample)
            .into_iter()
            .find(|f| f.rule_id == rule_id)
            .map(|f| f.severity)
    }
}
