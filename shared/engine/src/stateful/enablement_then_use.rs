//! A foundation model was switched on, then the same key invoked a model: the LLMjacking
//! enablement chain.

use super::sequence::Sequence;
use super::{BuiltinStateful, bedrock};
use crate::detection::{AlertScope, DAY, DedupeScope, EventKey, Metadata, Samples, join_events};
use crate::severity::{Area, Severity};

const EVENTS: [EventKey; bedrock::ENABLE.len() + bedrock::INVOKE.len()] =
    join_events(&[bedrock::ENABLE, bedrock::INVOKE]);

pub const DETECTION: BuiltinStateful = BuiltinStateful {
    metadata: Metadata {
        id: "bedrock.llmjacking_enablement_then_use",
        title: "Model access enabled, then used by the same key",
        severity: Severity::High,
        area: Area::Model,
        techniques: &["T1496", "AML.T0040"],
        description: "A foundation model was switched on (PutUseCaseForModelAccess, CreateFoundationModelAgreement or \
            PutFoundationModelEntitlement, or an AWS Marketplace subscription or agreement) and the same access key \
            invoked a model within the enablement window (default 60 minutes): the LLMjacking enablement chain. Since \
            model access is on by default, a first call to a third-party model makes Bedrock subscribe in the \
            background on the caller's behalf; such a subscription starts the chain only for a long-term key or \
            root, since for a role it is the application's own first use.",
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
            must_fire: &["samples/stateful/enablement_then_use.json"],
            must_not_fire: &[
                "samples/stateful/enablement_then_use-after-window.json",
                "samples/stateful/enablement_then_use-background-subscription.json",
            ],
        },
    },
    judge: |job| Box::pin(SEQUENCE.judge(job)),
};

const SEQUENCE: Sequence = Sequence {
    marker: "enable",
    starts: bedrock::ENABLE,
    long_term_only: false,
    window: |s| s.enablement_window_secs,
    what: "model access was enabled",
};
