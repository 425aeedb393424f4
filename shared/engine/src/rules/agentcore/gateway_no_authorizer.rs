//! A gateway was created or updated with no inbound authorization (`authorizerType` NONE).
//!
//! Facts: `authorizerType` is required on CreateGateway and UpdateGateway, with the values
//! `CUSTOM_JWT | AWS_IAM | NONE | AUTHENTICATE_ONLY` (AgentCore Control Plane API reference and
//! SDK model); a NONE gateway can be invoked by anyone (AgentCore Developer Guide,
//! "gateway-inbound-auth"); Security Hub control BedrockAgentCore.2 (AWS Config rule
//! `bedrockagentcore-gateway-authorizer-enabled`) fails it and rates it High.

use super::{SOURCE, label};
use crate::rules::prelude::*;
use crate::rules::support::or_unknown;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "agentcore.gateway_no_authorizer",
        title: "AgentCore gateway without inbound authorization",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1190", "AML.T0053"],
        description: "CreateGateway or UpdateGateway set the gateway's authorizerType to NONE \
            (Security Hub control BedrockAgentCore.2, rated high). The gateway's MCP endpoint \
            then checks no caller: anyone who learns its URL can list its tools and call \
            them, and each call reaches the targets (Lambda functions, APIs, other services) \
            with the gateway's outbound credentials. CUSTOM_JWT, AWS_IAM and AUTHENTICATE_ONLY \
            (the caller is authenticated, authorization is left to a target, policy engine \
            or interceptor) are not reported. The API requires authorizerType, so a request \
            without it is not judged.",
        remediation: "Call UpdateGateway with authorizerType CUSTOM_JWT (and an \
            authorizerConfiguration customJWTAuthorizer naming the identity provider's \
            discovery URL and allowed audiences or clients) or AWS_IAM, then review the \
            gateway's invocation logs for calls made while it was open. AWS Config rule \
            bedrockagentcore-gateway-authorizer-enabled reports gateways left without an \
            authorizer.",
        controls: &[],
        events: &[(SOURCE, "CreateGateway"), (SOURCE, "UpdateGateway")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::DEFAULT,
        samples: Samples {
            must_fire: &[
                "events/bedrock-agentcore/CreateGateway-no-auth.json",
                "events/bedrock-agentcore/UpdateGateway-no-auth.json",
            ],
            must_not_fire: &[
                "events/bedrock-agentcore/CreateGateway-jwt.json",
                "events/bedrock-agentcore/UpdateGateway-iam.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if !ev.req_str("authorizerType")?.eq_ignore_ascii_case("NONE") {
        return None;
    }
    let (verb, name) = if ev.name() == "CreateGateway" {
        ("created", label(ev, "name", "gatewayId"))
    } else {
        ("updated", ev.req_str("gatewayIdentifier"))
    };
    let action = format!(
        "{verb} gateway {} with no inbound authorization (authorizerType NONE)",
        or_unknown(name)
    );
    let hit = Hit::new(RULE.metadata.severity, action);
    Some(hit.resource(ev.resp_str("gatewayArn")).resource(name))
}
