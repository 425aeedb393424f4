//! Amazon Bedrock AgentCore control plane: agent runtimes, gateways, memory, the code
//! interpreter and browser tools, resource policies.
//!
//! The control-plane API is a separate endpoint (`bedrock-agentcore-control`), but CloudTrail
//! records its calls under the event source `bedrock-agentcore.amazonaws.com`, the same as the
//! data plane: AWS's Agent Registry CloudTrail example (`CreateRegistryRecord`, AgentCore
//! Developer Guide, "registry-cloudtrail-integration") and AWS's modern data architecture
//! accelerator (`aws/modern-data-architecture-accelerator`, whose AgentCore alert rules note a
//! delivered `CreateAgentRuntime` record carrying that source) both show it. No delivered
//! record of the other operations judged here was at hand to check the source against.

mod gateway_no_authorizer;
mod no_customer_key;
mod resource_policy_exposed;
mod runtime_public_network;
mod tool_public_network;

use crate::cloudtrail::event::Event;
use crate::rules::EventRule;
use crate::rules::support::req_name;

/// The CloudTrail event source of AgentCore control-plane calls.
const SOURCE: &str = "bedrock-agentcore.amazonaws.com";

/// The AgentCore rules.
pub fn all() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(runtime_public_network::RULE),
        Box::new(gateway_no_authorizer::RULE),
        Box::new(tool_public_network::RULE),
        Box::new(no_customer_key::RULE),
        Box::new(resource_policy_exposed::RULE),
    ]
}

/// True when the request sets `networkConfiguration.networkMode` to `PUBLIC` (any case), the
/// mode in which runtimes and tools reach the internet outside the account's VPC.
fn public_network(ev: &Event) -> bool {
    ev.req_str("networkConfiguration.networkMode")
        .is_some_and(|m| m.eq_ignore_ascii_case("PUBLIC"))
}

/// A name for the summary: the request's `name_field` unless blank or hidden by CloudTrail
/// (gateway names are marked sensitive in the API model, and CloudTrail replaces sensitive
/// values with `HIDDEN_DUE_TO_SECURITY_REASONS`), else the response's `id_field`.
fn label<'e>(ev: &'e Event, name_field: &str, id_field: &str) -> Option<&'e str> {
    req_name(ev, name_field)
        .filter(|n| *n != "HIDDEN_DUE_TO_SECURITY_REASONS")
        .or_else(|| ev.resp_str(id_field).filter(|id| !id.is_empty()))
}
