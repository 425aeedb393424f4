//! Amazon Bedrock AgentCore: agent runtimes on the public network and gateways anyone can
//! call.

mod gateway_without_authorizer;
mod runtime_public_mode;

use super::PostureCheck;

/// The AgentCore posture checks.
pub fn all() -> Vec<Box<dyn PostureCheck>> {
    vec![
        Box::new(runtime_public_mode::CHECK),
        Box::new(gateway_without_authorizer::CHECK),
    ]
}
