//! A Bedrock guardrail was deleted: prompts and responses it filtered now pass unchecked.

use crate::rules::prelude::*;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.guardrail_deleted",
        title: "Bedrock guardrail deleted",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1562.001", "AML.T0054"],
        description: "A Bedrock guardrail was deleted. Applications that applied it lose their \
            content filters, denied topics and sensitive-information redaction; attackers delete \
            guardrails before abusing a model.",
        remediation: "Confirm the deletion was planned. If not, recreate the guardrail from its \
            infrastructure code, point applications back to it, and review the caller's credentials.",
        controls: &[],
        events: &[("bedrock.amazonaws.com", "DeleteGuardrail")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &["events/bedrock/DeleteGuardrail.json"],
            must_not_fire: &["events/bedrock/DeleteGuardrail-denied.json"],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let id = ev.req_str("guardrailIdentifier");
    let version = ev.req_str("guardrailVersion");
    let what = match version {
        Some(v) => format!("version {v} of guardrail {}", id.unwrap_or("?")),
        None => format!("guardrail {}", id.unwrap_or("(unknown)")),
    };
    Some(Hit::new(RULE.metadata.severity, format!("deleted {what}")).resource(id))
}
