//! An agent runtime was created or updated with the PUBLIC network mode instead of VPC.
//!
//! Facts: `networkConfiguration.networkMode` is `PUBLIC | VPC` (AgentCore Control Plane API
//! reference, `NetworkConfiguration`); Security Hub control BedrockAgentCore.1 fails a runtime
//! in PUBLIC mode and rates it High (AWS Config rule
//! `bedrockagentcore-runtime-private-network-required`). A runtime without an
//! `authorizerConfiguration` is not reported: it then accepts only IAM SigV4-signed calls,
//! the default (AgentCore Developer Guide, "runtime-oauth").

use super::{SOURCE, public_network};
use crate::rules::prelude::*;
use crate::rules::support::or_unknown;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "agentcore.runtime_public_network",
        title: "AgentCore agent runtime in PUBLIC network mode",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1133", "AML.T0025"],
        description: "CreateAgentRuntime or UpdateAgentRuntime set the runtime's network mode \
            to PUBLIC rather than VPC (Security Hub control BedrockAgentCore.1, rated high). \
            The agent's code then runs on an AWS-managed network with open internet access: \
            its traffic, and whatever its execution role lets it read, leave outside your \
            security groups, network ACLs and VPC flow logs, and a prompt-injected agent has \
            a direct exit path. Only an explicit PUBLIC counts; a request without the setting \
            is not judged. The summary names the runtime, never its environment variables, \
            which may hold secrets.",
        remediation: "Call UpdateAgentRuntime with networkConfiguration networkMode VPC and \
            networkModeConfig subnets and securityGroups in private subnets (VPC endpoints or \
            a NAT gateway for what the agent must reach), then review what the runtime's role \
            can access. AWS Config rule bedrockagentcore-runtime-private-network-required \
            reports runtimes left in PUBLIC mode.",
        controls: &[],
        events: &[(SOURCE, "CreateAgentRuntime"), (SOURCE, "UpdateAgentRuntime")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::DEFAULT,
        samples: Samples {
            must_fire: &[
                "events/bedrock-agentcore/CreateAgentRuntime-public.json",
                "events/bedrock-agentcore/UpdateAgentRuntime-public.json",
            ],
            must_not_fire: &[
                "events/bedrock-agentcore/CreateAgentRuntime-vpc.json",
                "events/bedrock-agentcore/UpdateAgentRuntime-vpc.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if !public_network(ev) {
        return None;
    }
    // The create names the runtime; the update only its id.
    let (verb, name) = if ev.name() == "CreateAgentRuntime" {
        ("created", ev.req_str("agentRuntimeName"))
    } else {
        ("updated", ev.req_str("agentRuntimeId"))
    };
    let action = format!(
        "{verb} agent runtime {} with PUBLIC network mode (not VPC)",
        or_unknown(name)
    );
    let hit = Hit::new(RULE.metadata.severity, action);
    Some(hit.resource(ev.resp_str("agentRuntimeArn")).resource(name))
}
