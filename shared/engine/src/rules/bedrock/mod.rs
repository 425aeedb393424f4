//! Amazon Bedrock: logging and guardrail evasion, model access (LLMjacking), API keys,
//! resource exposure.

mod guardrail_deleted;
mod model_access_enabled;

use crate::rule::Rule;

/// The Bedrock rules.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![Box::new(guardrail_deleted::RULE), Box::new(model_access_enabled::RULE)]
}
