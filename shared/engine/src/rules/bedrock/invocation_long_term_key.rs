//! A Bedrock model was invoked, or an invocation was tried, with a long-lived credential: an
//! IAM user's access key, the root user, or a Bedrock API key.

use super::{ApiKey, api_key, caller_note, model};
use crate::rules::prelude::*;
use crate::stateful::bedrock::{INVOKE, reached_model};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.invocation_long_term_key",
        title: "Bedrock model invoked with a long-term key, by root, or with an API key",
        severity: Severity::Low,
        area: Area::Model,
        techniques: &["AML.T0040", "T1078.004"],
        description: "A model was run (InvokeModel, InvokeModelWithResponseStream, Converse, \
            ConverseStream, or CreateInference on the bedrock-mantle endpoint) with an IAM user's \
            long-term (AKIA) access key, a long-term Bedrock API key, or by the root user. \
            Applications normally run models with role credentials; static keys calling models \
            are the mark of LLMjacking with leaked keys, and of scripts that should move to \
            roles. Low for a long-term key; medium for root, which should never run workloads. \
            Failed calls count: attackers test a stolen key with a deliberately invalid request, \
            and a ValidationException proves the key reaches the model (an AccessDenied that it \
            does not, yet). A failed call by any of these callers, or by any Bedrock API key \
            (short-term ones included), is low. The runtime calls are read-only management \
            events: an EventBridge rule sees them only when it opts in to read-only events; \
            bedrock-mantle inference is a data event, logged only by trails that select it.",
        remediation: "Find the key's owner and whether the invocations are expected. Move the \
            workload to a role (or a short-term Bedrock API key); if the key may be leaked, \
            deactivate it and review the model usage and cost it caused. Never use root for \
            workloads.",
        controls: &[],
        events: INVOKE,
        resource_types: &[],
        failed_calls: true,
        alert: AlertScope::PRINCIPAL_DAY,
        samples: Samples {
            must_fire: &[
                "events/bedrock/InvokeModel-long-term-key.json",
                "events/bedrock/Converse-root.json",
                "events/bedrock/InvokeModelWithResponseStream-invalid-long-term-key.json",
                "events/bedrock-mantle/CreateInference-long-term-key.json",
                "events/bedrock-mantle/CreateInference-short-term-api-key-denied.json",
            ],
            must_not_fire: &[
                "events/bedrock/InvokeModel.json",
                "events/bedrock/InvokeModel-role-session-invalid.json",
                "events/bedrock-mantle/CreateInference-short-term-api-key.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let p = ev.principal();
    let key = api_key(ev);
    let long_lived = p.is_root() || p.long_term_key() || key == Some(ApiKey::LongTerm);
    let severity = match (ev.error_code(), long_lived) {
        (None, false) => return None,
        (None, true) if p.is_root() => Severity::Medium,
        (None, true) => RULE.metadata.severity,
        (Some(_), _) if long_lived || key.is_some() => Severity::Low,
        (Some(_), _) => return None,
    };
    let model = model(ev);
    let with = match key {
        Some(ApiKey::LongTerm) if !p.long_term_key() => " with a long-term Bedrock API key",
        Some(ApiKey::ShortTerm) => " with a short-term Bedrock API key",
        Some(_) if !p.long_term_key() => " with a Bedrock API key",
        _ => caller_note(ev),
    };
    let name = model.unwrap_or("(unknown)");
    let action = match ev.error_code() {
        None => format!("invoked model {name}{with}"),
        Some(code) if reached_model(code) => {
            format!("tried to invoke model {name}{with}; the {code} proves the credential reaches the model")
        }
        Some(_) => format!("tried to invoke model {name}{with}"),
    };
    Some(Hit::new(severity, action).resource(model))
}
