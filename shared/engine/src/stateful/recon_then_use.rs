//! A long-term key (or root) looked around Bedrock, then invoked a model.

use super::sequence::Sequence;
use super::{BuiltinStateful, bedrock};
use crate::detection::{AlertScope, DAY, DedupeScope, EventKey, Metadata, Samples, join_events};
use crate::severity::{Area, Severity};

const EVENTS: [EventKey; bedrock::RECON.len() + bedrock::INVOKE.len()] =
    join_events(&[bedrock::RECON, bedrock::INVOKE]);

pub const DETECTION: BuiltinStateful = BuiltinStateful {
    metadata: Metadata {
        id: "bedrock.llmjacking_recon_then_use",
        title: "Bedrock reconnaissance, then invocation by a long-term key",
        severity: Severity::High,
        area: Area::Model,
        techniques: &["T1496", "T1526", "AML.T0040"],
        description: "A long-term access key (AKIA) or root listed models, checked their availability or read the \
            invocation logging configuration, then invoked a model within the recon window (default 15 minutes). \
            Applications rarely do this with long-term keys; stolen keys do.",
        remediation: bedrock::CONTAIN,
        controls: &[],
        events: &EVENTS,
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::Incident,
            window_secs: DAY,
        },
        samples: Samples {
            must_fire: &["samples/stateful/recon_then_use.json"],
            must_not_fire: &["samples/stateful/recon_then_use-role-session.json"],
        },
    },
    judge: |job| Box::pin(SEQUENCE.judge(job)),
};

const SEQUENCE: Sequence = Sequence {
    marker: "recon",
    starts: bedrock::RECON,
    long_term_only: true,
    window: |s| s.recon_window_secs,
    what: "a long-term key looked around",
};
