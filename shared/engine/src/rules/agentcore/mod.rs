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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::record::Record;
    use serde_json::{Value, json};

    /// Runs `f` on an event with the given request and a response naming gateway `gw-1`.
    fn with_event<T>(request: Value, f: impl Fn(&Event) -> T) -> T {
        let text = json!({"requestParameters": request, "responseElements": {"gatewayId": "gw-1"}});
        let text = text.to_string();
        let record: Record = serde_json::from_str(&text).unwrap();
        f(&Event::new(&record))
    }

    #[test]
    fn a_hidden_or_blank_name_falls_back_to_the_response_id() {
        for (name, expected) in [
            (json!("crm-tools"), "crm-tools"),
            (json!("HIDDEN_DUE_TO_SECURITY_REASONS"), "gw-1"),
            (json!(""), "gw-1"),
            (json!(5), "gw-1"),
        ] {
            let got = with_event(json!({"name": name}), |ev| {
                label(ev, "name", "gatewayId").map(str::to_owned)
            });
            assert_eq!(got.as_deref(), Some(expected));
        }
    }

    #[test]
    fn only_an_explicit_public_mode_is_public() {
        let mode = |m: Value| with_event(json!({"networkConfiguration": {"networkMode": m}}), public_network);
        assert!(mode(json!("PUBLIC")) && mode(json!("public")));
        assert!(!mode(json!("VPC")) && !mode(json!("SANDBOX")) && !mode(json!(null)));
    }
}
