//! A Bedrock guardrail does not filter prompt attacks (Prowler
//! `bedrock_guardrail_prompt_attack_filter_enabled`).

use super::{PROMPT_ATTACK, content_filters, kind, not_blocking};
use crate::posture::prelude::*;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "bedrock.guardrail_without_prompt_attack_filter",
        title: "Bedrock guardrail without a prompt-attack filter",
        severity: Severity::Medium,
        area: Area::Application,
        techniques: &["AML.T0051", "AML.T0054"],
        description: "A guardrail has no PROMPT_ATTACK content filter that blocks on input (an \
            input strength above NONE, not turned off with inputEnabled false, not set to detect \
            only with inputAction NONE): jailbreaks and injected instructions in user input reach the model \
            unfiltered through every application and agent that relies on the guardrail. \
            (The filter judges input only; its output strength is always NONE.) A snapshot \
            that is not a GetGuardrail response (no guardrailId) is not judged.",
        remediation: "Update the guardrail (UpdateGuardrail) with a PROMPT_ATTACK filter at \
            inputStrength HIGH (MEDIUM where it blocks too much), publish a new version, and \
            point the applications at it.",
        controls: &["prowler:bedrock_guardrail_prompt_attack_filter_enabled"],
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
    let filters = content_filters(resource)?;
    let attack = filters.iter().find(|f| kind(f) == PROMPT_ATTACK);
    let action = match attack.map(|f| not_blocking(f, "input")) {
        None => "has no prompt-attack filter",
        Some(Some("turned off")) => "has its prompt-attack filter turned off (inputEnabled false)",
        Some(Some("set to detect only")) => "has its prompt-attack filter set to detect only (inputAction NONE)",
        Some(Some(_)) => "has its prompt-attack filter at strength NONE",
        Some(None) => return None,
    };
    Some(Hit::new(CHECK.metadata.severity, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn the_input_strength_decides() {
        let with = |filter: serde_json::Value| json!({"guardrailId": "g", "contentPolicy": {"filters": [filter]}});
        let off = judge(&CHECK, with(json!({"type": "prompt_attack", "inputStrength": "NONE"}))).unwrap();
        assert_eq!(off.action, "has its prompt-attack filter at strength NONE");
        let on = with(json!({"type": "PROMPT_ATTACK", "inputStrength": "LOW", "outputStrength": "NONE"}));
        assert!(judge(&CHECK, on).is_none());
        let off = with(json!({"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "inputEnabled": false}));
        assert_eq!(
            judge(&CHECK, off).unwrap().action,
            "has its prompt-attack filter turned off (inputEnabled false)"
        );
        let detect = with(json!({"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "inputAction": "NONE"}));
        assert_eq!(
            judge(&CHECK, detect).unwrap().action,
            "has its prompt-attack filter set to detect only (inputAction NONE)"
        );
        let blocking = with(
            json!({"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "inputEnabled": true, "inputAction": "BLOCK"}),
        );
        assert!(judge(&CHECK, blocking).is_none());
        let absent = judge(&CHECK, with(json!({"type": "HATE", "inputStrength": "HIGH"}))).unwrap();
        assert_eq!(absent.action, "has no prompt-attack filter");
        assert!(
            judge(&CHECK, json!({"name": "support"})).is_none(),
            "not a GetGuardrail snapshot"
        );
    }
}
