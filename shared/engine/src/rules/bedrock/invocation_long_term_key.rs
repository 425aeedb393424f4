//! A Bedrock model was invoked with a long-term access key or by the root user.

use super::caller_note;
use crate::rules::prelude::*;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.invocation_long_term_key",
        title: "Bedrock model invoked with a long-term key or by root",
        severity: Severity::Low,
        area: Area::Model,
        techniques: &["AML.T0040", "T1078.004"],
        description: "A model was run (InvokeModel, InvokeModelWithResponseStream, Converse, \
            ConverseStream) with an IAM user's long-term (AKIA) access key, or by the root user. \
            Applications normally run models with role credentials; static keys calling models \
            are the mark of LLMjacking with leaked keys, and of scripts that should move to \
            roles. Low for a long-term key; medium for root, which should never run workloads. \
            These calls are read-only management events: an EventBridge rule sees them only \
            when it opts in to read-only events.",
        remediation: "Find the key's owner and whether the invocations are expected. Move the \
            workload to a role (or a short-term Bedrock API key); if the key may be leaked, \
            deactivate it and review the model usage and cost it caused. Never use root for \
            workloads.",
        events: &[
            ("bedrock.amazonaws.com", "InvokeModel"),
            ("bedrock.amazonaws.com", "InvokeModelWithResponseStream"),
            ("bedrock.amazonaws.com", "Converse"),
            ("bedrock.amazonaws.com", "ConverseStream"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::Principal,
            window_secs: DAY,
        },
        samples: Samples {
            must_fire: &[
                "events/bedrock/InvokeModel-long-term-key.json",
                "events/bedrock/Converse-root.json",
            ],
            must_not_fire: &["events/bedrock/InvokeModel.json"],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let severity = if ev.principal().is_root() {
        Severity::Medium
    } else if ev.principal().long_term_key() {
        RULE.metadata.severity
    } else {
        return None;
    };
    let model = ev.req_str("modelId");
    let action = format!("invoked model {}{}", model.unwrap_or("(unknown)"), caller_note(ev));
    Some(Hit::new(severity, action).resource(model))
}
