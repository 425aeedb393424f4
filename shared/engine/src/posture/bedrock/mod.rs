//! Amazon Bedrock: invocation logging and guardrails of an account and region, guardrails
//! that filter little, and models encrypted with keys AWS owns.

mod custom_model_without_cmk;
mod guardrail_without_content_filters;
mod guardrail_without_prompt_attack_filter;
mod invocation_logging_disabled;
mod invocation_logging_without_text;
mod no_guardrails;

use serde_json::Value;

use super::PostureCheck;
use crate::posture::support::{is_set, items, text};
use crate::resource::ResourceSnapshot;

/// The Bedrock posture checks.
pub fn all() -> Vec<Box<dyn PostureCheck>> {
    vec![
        Box::new(invocation_logging_disabled::CHECK),
        Box::new(invocation_logging_without_text::CHECK),
        Box::new(no_guardrails::CHECK),
        Box::new(guardrail_without_content_filters::CHECK),
        Box::new(guardrail_without_prompt_attack_filter::CHECK),
        Box::new(custom_model_without_cmk::CHECK),
    ]
}

/// The content-filter type of the prompt-attack (jailbreak and injection) filter.
const PROMPT_ATTACK: &str = "PROMPT_ATTACK";

/// True when a filter strength filters something: given and not `NONE`.
fn filters_at(strength: Option<&str>) -> bool {
    strength.is_some_and(|s| !s.trim().is_empty() && !s.trim().eq_ignore_ascii_case("NONE"))
}

/// Why one side (`input` or `output`) of a content filter blocks nothing: its strength is
/// `NONE` (or absent), it is turned off (`<side>Enabled` false) or it only detects
/// (`<side>Action` `NONE`); `None` when it blocks. The event rule
/// `bedrock.guardrail_weakened` reports the same three changes.
fn not_blocking(filter: &Value, side: &str) -> Option<&'static str> {
    if !filters_at(text(filter, &format!("{side}Strength"))) {
        Some("at strength NONE")
    } else if crate::rules::support::flag(filter.get(format!("{side}Enabled"))) == Some(false) {
        Some("turned off")
    } else if text(filter, &format!("{side}Action")).is_some_and(|a| a.trim().eq_ignore_ascii_case("NONE")) {
        Some("set to detect only")
    } else {
        None
    }
}

/// The content filters of a guardrail snapshot (`contentPolicy.filters`), as GetGuardrail
/// returns them; `None` when the snapshot is not a GetGuardrail response (no `guardrailId`),
/// so its policies could not be assessed.
fn content_filters(guardrail: &ResourceSnapshot) -> Option<&[Value]> {
    is_set(guardrail, "guardrailId").then(|| items(guardrail, "contentPolicy.filters"))
}

/// A filter's `type`, upper-cased text, empty when absent.
fn kind(filter: &Value) -> String {
    text(filter, "type").unwrap_or_default().trim().to_ascii_uppercase()
}
