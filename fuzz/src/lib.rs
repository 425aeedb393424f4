//! Fuzz targets of the aidr engine: one pure function per target, driven by the AFL binaries
//! (`src/bin/`, built with the `afl` feature through `cargo afl`) and by the corpus test
//! (`tests/corpus.rs`), which runs every committed corpus and regression file through them.
//!
//! Each target panics on a failed invariant, not only on a panic of the engine: the reader
//! gives each record one outcome whatever the sink wants and reads the same through gzip and
//! in line chunks; a record that reads alone reads the same inside a log file, an array, an
//! EventBridge envelope or JSON lines; a policy read from its text is the policy read from its
//! object, and a Deny of everything takes every grant back; an attack line added to any
//! lifecycle script is found.

mod lifecycle;
mod policy;
mod reader;
mod record;

use std::sync::OnceLock;

use aidr_engine::stateful::StatefulSettings;
use aidr_engine::{Organization, Pipeline, Registry};

pub use lifecycle::lifecycle;
pub use policy::policy;
pub use reader::{reader, sqs_body};
pub use record::record;

/// The account the fuzzed documents and records call their own.
pub const OWN_ACCOUNT: &str = "111122223333";

/// A fuzz target: panics when `data` breaks the engine or one of its invariants.
pub type Target = fn(&[u8]);

/// Every target, by the name of its binary and corpus folder.
pub const TARGETS: [(&str, Target); 5] = [
    ("reader", reader),
    ("sqs_body", sqs_body),
    ("record", record),
    ("policy", policy),
    ("lifecycle", lifecycle),
];

/// The built-in detections with the stateful ones on, built once per process.
fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let organization = Organization {
            accounts: vec![OWN_ACCOUNT.to_owned()],
        };
        Pipeline::new(Registry::builtin(), organization, Some(StatefulSettings::default()))
    })
}
