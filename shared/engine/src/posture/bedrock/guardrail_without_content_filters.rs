//! A Bedrock guardrail filters no harmful-content category.

use super::{PROMPT_ATTACK, content_filters, filters_at, kind};
use crate::posture::prelude::*;
use crate::posture::support::text;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "bedrock.guardrail_without_content_filters",
        title: "Bedrock guardrail without content filters",
        severity: Severity::Low,
        area: Area::Application,
        techniques: &["AML.T0054"],
        description: "A guardrail has no content filter, other than the prompt-attack filter, \
            with an input or output strength above NONE: the hate, insults, sexual, violence \
            and misconduct categories pass unfiltered through every application, agent and \
            knowledge base that uses it, whatever its other policies do. A snapshot that is \
            not a GetGuardrail response (no guardrailId) is not judged.",
        remediation: "Update the guardrail (UpdateGuardrail) with content filters for every \
            category at MEDIUM or HIGH on both input and output, publish a new version \
            (CreateGuardrailVersion), and point the applications at it.",
        controls: &["aiml:BR-23"],
        events: &[],
        resource_types: &[types::BEDROCK_GUARDRAIL],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/bedrock/Guardrail-topics-only.json"],
            must_not_fire: &["samples/posture/bedrock/Guardrail-filtering.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    let filtering = content_filters(resource)?.iter().any(|f| {
        kind(f) != PROMPT_ATTACK && (filters_at(text(f, "inputStrength")) || filters_at(text(f, "outputStrength")))
    });
    (!filtering).then(|| Hit::new(CHECK.metadata.severity, "has no content filter above strength NONE"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn prompt_attack_and_none_strengths_do_not_count() {
        let with = |filters: serde_json::Value| json!({"guardrailId": "g", "contentPolicy": {"filters": filters}});
        let none = json!([{"type": "HATE", "inputStrength": "NONE", "outputStrength": "NONE"},
            {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]);
        assert!(judge(&CHECK, with(none)).is_some());
        let output_only = json!([{"type": "VIOLENCE", "inputStrength": "NONE", "outputStrength": "LOW"}]);
        assert!(judge(&CHECK, with(output_only)).is_none());
        // A guardrail without a content policy has no content filter.
        assert!(judge(&CHECK, json!({"guardrailId": "g"})).is_some());
        // A list entry (no guardrailId) could not be assessed.
        assert!(judge(&CHECK, json!({"id": "g", "name": "support"})).is_none());
    }
}
