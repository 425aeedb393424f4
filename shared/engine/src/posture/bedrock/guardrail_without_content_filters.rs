//! A Bedrock guardrail filters no harmful-content category.

use super::{PROMPT_ATTACK, content_filters, kind, not_blocking};
use crate::posture::prelude::*;
use serde_json::Value;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "bedrock.guardrail_without_content_filters",
        title: "Bedrock guardrail without content filters",
        severity: Severity::Low,
        area: Area::Application,
        techniques: &["AML.T0054"],
        description: "A guardrail has no content filter, other than the prompt-attack filter, \
            that blocks on input or output (a strength above NONE, not turned off with \
            inputEnabled/outputEnabled false, not set to detect only with action NONE): the \
            hate, insults, sexual, violence \
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
    let content: Vec<&Value> = content_filters(resource)?
        .iter()
        .filter(|f| kind(f) != PROMPT_ATTACK)
        .collect();
    let sides = |f: &Value| [not_blocking(f, "input"), not_blocking(f, "output")];
    if content.iter().any(|f| sides(f).contains(&None)) {
        return None;
    }
    let idle = content
        .iter()
        .any(|f| sides(f).iter().any(|why| *why != Some("at strength NONE")));
    let action = if idle {
        "has no content filter that blocks: those above strength NONE are turned off or set to detect only"
    } else {
        "has no content filter above strength NONE"
    };
    Some(Hit::new(CHECK.metadata.severity, action))
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
        // Strong filters that are turned off or only detect block nothing.
        let idle = json!([{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH", "inputEnabled": false, "outputEnabled": false},
            {"type": "VIOLENCE", "inputStrength": "HIGH", "outputStrength": "NONE", "inputAction": "NONE"}]);
        let hit = judge(&CHECK, with(idle)).unwrap();
        assert!(
            hit.action.contains("turned off or set to detect only"),
            "{}",
            hit.action
        );
        let one_side = json!([{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH", "inputEnabled": false,
            "outputEnabled": true, "outputAction": "BLOCK"}]);
        assert!(judge(&CHECK, with(one_side)).is_none());
        // A guardrail without a content policy has no content filter.
        assert!(judge(&CHECK, json!({"guardrailId": "g"})).is_some());
        // A list entry (no guardrailId) could not be assessed.
        assert!(judge(&CHECK, json!({"id": "g", "name": "support"})).is_none());
    }
}
