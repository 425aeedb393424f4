//! An AgentCore gateway checks no caller (authorizerType NONE; Security Hub control
//! BedrockAgentCore.2).

use crate::posture::prelude::*;
use crate::posture::support::{is, missing};

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "agentcore.gateway_without_authorizer",
        title: "AgentCore gateway without inbound authorization",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1190", "AML.T0053"],
        description: "A gateway has authorizerType NONE, or none at all: its MCP endpoint checks \
            no caller, so anyone who learns its URL can list its tools and call them, each call \
            reaching the targets (Lambda functions, APIs, other services) with the gateway's \
            outbound credentials. Security Hub control BedrockAgentCore.2 fails such gateways. \
            CUSTOM_JWT, AWS_IAM and AUTHENTICATE_ONLY are not reported; a snapshot that does \
            not describe the gateway (no gatewayId) is not judged.",
        remediation: "Call UpdateGateway with authorizerType CUSTOM_JWT (with an \
            authorizerConfiguration naming the identity provider's discovery URL and the \
            allowed audiences or clients) or AWS_IAM, then review the gateway's logs for calls \
            made while it was open.",
        controls: &["BedrockAgentCore.2"],
        events: &[],
        resource_types: &[types::AGENTCORE_GATEWAY],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/agentcore/Gateway-no-authorizer.json"],
            must_not_fire: &["samples/posture/agentcore/Gateway-jwt.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, _: &Organization) -> Option<Hit> {
    let action = if is(resource, "authorizerType", "NONE") {
        "accepts any caller (authorizerType NONE)"
    } else if missing(resource, "gatewayId", "authorizerType") {
        "accepts any caller (no authorizer)"
    } else {
        return None;
    };
    Some(Hit::new(CHECK.metadata.severity, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::support::tests::judge;
    use serde_json::json;

    #[test]
    fn absent_is_open_unless_the_gateway_is_undescribed() {
        assert!(
            judge(
                &CHECK,
                json!({"gatewayId": "gw", "authorizerType": "AUTHENTICATE_ONLY"})
            )
            .is_none()
        );
        let none = judge(&CHECK, json!({"gatewayId": "gw"})).unwrap();
        assert_eq!(none.action, "accepts any caller (no authorizer)");
        assert!(judge(&CHECK, json!({"name": "gw"})).is_none());
    }
}
