//! An AgentCore agent runtime runs in the PUBLIC network mode (Security Hub control
//! BedrockAgentCore.1).

use crate::posture::prelude::*;
use crate::posture::support::is;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "agentcore.runtime_public_mode",
        title: "AgentCore agent runtime in PUBLIC network mode",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1133", "AML.T0025"],
        description: "An agent runtime has networkConfiguration networkMode PUBLIC: the agent's \
            code runs on a network AWS manages with open internet access, so whatever its \
            execution role can read, and whatever a prompt-injected agent is told to send, can \
            leave with no security group, network ACL or flow log in the way. Security Hub \
            control BedrockAgentCore.1 fails such runtimes. VPC is not reported; a snapshot \
            without a network mode is not judged.",
        remediation: "Call UpdateAgentRuntime with networkConfiguration networkMode VPC and \
            networkModeConfig naming private subnets and security groups (VPC endpoints or a \
            NAT gateway for what the agent must reach), then review what the runtime's role can \
            access.",
        controls: &["BedrockAgentCore.1", "aiml:AC-01"],
        events: &[],
        resource_types: &[types::AGENTCORE_RUNTIME],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/agentcore/Runtime-public.json"],
            must_not_fire: &["samples/posture/agentcore/Runtime-vpc.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    is(resource, "networkConfiguration.networkMode", "PUBLIC")
        .then(|| Hit::new(CHECK.metadata.severity, "runs in PUBLIC network mode (not VPC)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn an_unknown_network_mode_is_not_judged() {
        let public = json!({"agentRuntimeId": "rt", "networkConfiguration": {"networkMode": "public"}});
        assert!(judge(&CHECK, public).is_some());
        assert!(judge(&CHECK, json!({"agentRuntimeId": "rt", "networkConfiguration": {}})).is_none());
        assert!(judge(&CHECK, json!({"agentRuntimeId": "rt"})).is_none());
    }
}
