//! Bedrock AgentCore (the `bedrock-agentcore-control` API) in one account and region: agent
//! runtimes and gateways with their targets. Field names are the API's (camelCase).

use aidr_engine::inventory::types;
use aws_sdk_bedrockagentcorecontrol::Client;
use aws_sdk_bedrockagentcorecontrol::operation::get_agent_runtime::GetAgentRuntimeOutput;
use aws_sdk_bedrockagentcorecontrol::operation::get_gateway::GetGatewayOutput;
use aws_sdk_bedrockagentcorecontrol::types::{
    AuthorizerConfiguration, McpTargetConfiguration, NetworkConfiguration, TargetConfiguration,
};
use serde_json::Value;

use super::found::Found;
use super::json::Obj;

const SERVICE: &str = "bedrock-agentcore-control";

/// Collects the runtimes and gateways into `found`.
pub(super) async fn collect(found: &mut Found, agentcore: &Client) {
    runtimes(found, agentcore).await;
    gateways(found, agentcore).await;
}

async fn runtimes(found: &mut Found, client: &Client) {
    let pages = client.list_agent_runtimes().into_paginator().items().send();
    for summary in found.list(SERVICE, "ListAgentRuntimes", pages).await {
        let answer = client
            .get_agent_runtime()
            .agent_runtime_id(&summary.agent_runtime_id)
            .send()
            .await;
        if let Some(r) = found.answer(SERVICE, "GetAgentRuntime", answer) {
            found.add(
                types::AGENTCORE_RUNTIME,
                &r.agent_runtime_arn,
                &r.agent_runtime_name,
                runtime_json(&r),
            );
        }
    }
}

fn runtime_json(r: &GetAgentRuntimeOutput) -> Value {
    Obj::new()
        .put("agentRuntimeArn", &r.agent_runtime_arn)
        .put("agentRuntimeId", &r.agent_runtime_id)
        .put("agentRuntimeName", &r.agent_runtime_name)
        .put("agentRuntimeVersion", &r.agent_runtime_version)
        .put("status", r.status.as_str())
        .put("roleArn", &r.role_arn)
        .put("networkConfiguration", r.network_configuration.as_ref().map(network))
        .put(
            "authorizerConfiguration",
            r.authorizer_configuration.as_ref().and_then(authorizer),
        )
        .put("createdAt", &r.created_at)
        .build()
}

fn network(n: &NetworkConfiguration) -> Obj {
    let vpc = n.network_mode_config.as_ref().map(|v| {
        Obj::new()
            .put("subnets", &v.subnets)
            .put("securityGroups", &v.security_groups)
    });
    Obj::new()
        .put("networkMode", n.network_mode.as_str())
        .put("networkModeConfig", vpc)
}

/// `{"customJWTAuthorizer": {…}}` as the API writes it; `None` for a kind this SDK does not
/// know.
fn authorizer(a: &AuthorizerConfiguration) -> Option<Obj> {
    let AuthorizerConfiguration::CustomJwtAuthorizer(jwt) = a else {
        return None;
    };
    let jwt = Obj::new()
        .put("discoveryUrl", &jwt.discovery_url)
        .put("allowedAudience", jwt.allowed_audience.as_ref())
        .put("allowedClients", jwt.allowed_clients.as_ref())
        .put("allowedScopes", jwt.allowed_scopes.as_ref());
    Some(Obj::new().put("customJWTAuthorizer", jwt))
}

async fn gateways(found: &mut Found, client: &Client) {
    let pages = client.list_gateways().into_paginator().items().send();
    for summary in found.list(SERVICE, "ListGateways", pages).await {
        let id = &summary.gateway_id;
        let answer = client.get_gateway().gateway_identifier(id).send().await;
        let Some(g) = found.answer(SERVICE, "GetGateway", answer) else {
            continue;
        };
        let targets = targets(found, client, id).await;
        found.add(
            types::AGENTCORE_GATEWAY,
            &g.gateway_arn,
            &g.name,
            gateway_json(&g, targets),
        );
    }
}

fn gateway_json(g: &GetGatewayOutput, targets: Option<Value>) -> Value {
    Obj::new()
        .put("gatewayArn", &g.gateway_arn)
        .put("gatewayId", &g.gateway_id)
        .put("name", &g.name)
        .put("status", g.status.as_str())
        .put("roleArn", g.role_arn.as_ref())
        .put("gatewayUrl", g.gateway_url.as_ref())
        .put("protocolType", g.protocol_type.as_str())
        .put("authorizerType", g.authorizer_type.as_str())
        .put(
            "authorizerConfiguration",
            g.authorizer_configuration.as_ref().and_then(authorizer),
        )
        .put("kmsKeyArn", g.kms_key_arn.as_ref())
        .put("targets", targets)
        .put("createdAt", &g.created_at)
        .build()
}

/// The targets of gateway `id` (`GetGatewayTarget` for what each reaches); `None` when they
/// could not be listed.
async fn targets(found: &mut Found, client: &Client, id: &str) -> Option<Value> {
    let pages = client
        .list_gateway_targets()
        .gateway_identifier(id)
        .into_paginator()
        .items()
        .send();
    let (listed, complete) = found.all(SERVICE, "ListGatewayTargets", pages).await;
    if !complete {
        return None;
    }
    let mut targets = Vec::new();
    for t in listed {
        let answer = client
            .get_gateway_target()
            .gateway_identifier(id)
            .target_id(&t.target_id)
            .send()
            .await;
        let detail = found.answer(SERVICE, "GetGatewayTarget", answer);
        let endpoint = detail
            .as_ref()
            .and_then(|d| d.target_configuration.as_ref())
            .and_then(endpoint);
        targets.push(
            Obj::new()
                .put("targetId", &t.target_id)
                .put("name", &t.name)
                .put("status", t.status.as_str())
                .put("endpoint", endpoint)
                .build(),
        );
    }
    Some(Value::Array(targets))
}

/// What an MCP target reaches: its Lambda function's ARN, its MCP server's URL, or the S3
/// object of its API schema.
fn endpoint(config: &TargetConfiguration) -> Option<String> {
    let TargetConfiguration::Mcp(mcp) = config else {
        return None;
    };
    match mcp {
        McpTargetConfiguration::Lambda(l) => Some(l.lambda_arn.clone()),
        McpTargetConfiguration::McpServer(s) => Some(s.endpoint.clone()),
        McpTargetConfiguration::OpenApiSchema(schema) | McpTargetConfiguration::SmithyModel(schema) => {
            schema.as_s3().ok()?.uri.clone()
        }
        _ => None,
    }
}
