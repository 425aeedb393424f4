//! Open agent gateway: an AgentCore gateway with no inbound authorizer (`authorizerType`
//! `NONE`, or none recorded) sits in front of an agent runtime whose execution role holds
//! broad permissions ([`crate::policy::Policy::broad_grants`]). Anyone with the gateway's URL
//! calls its tools; a prompt or tool call that steers the agent acts with the role's
//! permissions (excessive agency).
//!
//! Steps: internet → gateway → runtime → the runtime's role. The runtime is the one a gateway
//! target's endpoint names (its ARN, plain or URL-encoded); when the gateway's targets are
//! unknown (not recorded: the listing failed), every runtime of its account and region, which
//! the runtime's evidence says. A gateway with no targets fronts no runtime.

use serde_json::Value;

use crate::inventory::types::{AGENTCORE_GATEWAY, AGENTCORE_RUNTIME};
use crate::policy::Grant;
use crate::resource::ResourceSnapshot;
use crate::severity::Severity;

use super::index::Index;
use super::{AttackPath, PathKind, Step};

pub const KIND: PathKind = PathKind {
    kind: "path.open_agent_gateway",
    title: "AgentCore gateway without an authorizer in front of a broadly permitted runtime",
    severity: Severity::High,
    techniques: &["T1190", "T1078.004", "AML.T0040", "AML.T0051", "AML.T0053"],
    description: "An AgentCore gateway has no inbound authorizer (authorizerType NONE), so anyone who knows its URL can \
        call the tools behind it, and it fronts an agent runtime whose execution role holds broad permissions (all \
        actions, a privilege-escalation grant, iam:PassRole on any role or a service wildcard). Prompt injection or \
        direct tool calls then act in the account with those permissions.",
    remediation: "Give the gateway an inbound authorizer (CUSTOM_JWT with your identity provider, or AWS_IAM), and \
        reduce the runtime's execution role to the actions and resources its tools need.",
};

/// The gateways without an authorizer that reach a broadly permitted runtime role.
pub(super) fn find(index: &Index) -> Vec<AttackPath> {
    let runtimes: Vec<&ResourceSnapshot> = index.inventory.of_type(AGENTCORE_RUNTIME).collect();
    let mut out = Vec::new();
    for gateway in index.inventory.of_type(AGENTCORE_GATEWAY) {
        let authorizer = gateway.config_str("authorizerType");
        if authorizer.is_some_and(|a| !a.eq_ignore_ascii_case("NONE")) {
            continue;
        }
        let name = gateway.config_str("name").unwrap_or_else(|| gateway.display_name());
        let url = gateway.config_str("gatewayUrl").unwrap_or("(URL unknown)");
        let open = match authorizer {
            Some(a) => format!("authorizerType {a}"),
            None => "no authorizerType recorded".into(),
        };
        for (runtime, how) in fronted(gateway, &runtimes) {
            let Some(role) = runtime.config_str("roleArn").and_then(|arn| index.role(arn)) else {
                continue;
            };
            let grants: Vec<(&Grant, &str)> = role.grants().collect();
            if grants.is_empty() {
                continue;
            }
            let severity = if grants.iter().any(|(g, _)| **g == Grant::Admin) {
                Severity::Critical
            } else {
                KIND.severity
            };
            let granted = summary(&grants);
            let runtime_name = runtime
                .config_str("agentRuntimeName")
                .unwrap_or_else(|| runtime.display_name());
            let steps = vec![
                Step::internet(format!("gateway {name} answers at {url}")),
                Step::on(
                    gateway,
                    format!("gateway {name}"),
                    format!("{open}: callers are not authenticated"),
                ),
                Step::on(runtime, format!("runtime {runtime_name}"), how),
                Step::on(role.snapshot, format!("role {}", role.name()), granted),
            ];
            out.push(AttackPath::new(
                &KIND,
                format!(
                    "Gateway {name} without an authorizer fronts runtime {runtime_name}, whose role {} is broadly permitted",
                    role.name()
                ),
                severity,
                &gateway.account,
                &gateway.region,
                steps,
            ));
        }
    }
    out
}

/// The grants as evidence: only the admin grants when there are any (they imply the rest),
/// else the first three and how many more.
fn summary(grants: &[(&Grant, &str)]) -> String {
    let mut sorted: Vec<&(&Grant, &str)> = grants.iter().collect();
    sorted.sort_by_key(|(g, _)| **g != Grant::Admin);
    let admin = sorted.iter().take_while(|(g, _)| **g == Grant::Admin).count();
    let shown = if admin > 0 { admin } else { sorted.len().min(3) };
    let mut parts: Vec<String> = sorted[..shown]
        .iter()
        .map(|(g, policy)| format!("{policy} grants {}", g.describe()))
        .collect();
    if admin == 0 && sorted.len() > shown {
        parts.push(format!("{} more broad grant(s)", sorted.len() - shown));
    }
    parts.join("; ")
}

/// The runtimes behind a gateway, each with why: the targets whose endpoint names the
/// runtime's ARN, or with its targets unknown every runtime of the gateway's account and region.
fn fronted<'r>(gateway: &ResourceSnapshot, runtimes: &[&'r ResourceSnapshot]) -> Vec<(&'r ResourceSnapshot, String)> {
    // An empty list is a gateway known to have no targets (it fronts nothing); only a list
    // that could not be read (absent) makes every runtime a suspect.
    let targets = gateway.config("targets").and_then(Value::as_array);
    let Some(targets) = targets else {
        return runtimes
            .iter()
            .filter(|r| r.account == gateway.account && r.region == gateway.region)
            .map(|r| {
                let why = format!(
                    "the gateway's targets are unknown: assumed in front of every runtime of account {} in {}",
                    gateway.account, gateway.region
                );
                (*r, why)
            })
            .collect();
    };
    let mut out = Vec::new();
    for runtime in runtimes {
        let arn = runtime.config_str("agentRuntimeArn").unwrap_or(&runtime.arn);
        let named = targets.iter().find_map(|t| {
            let endpoint = t.get("endpoint").and_then(Value::as_str)?;
            names(endpoint, arn).then(|| {
                let target = t.get("name").or_else(|| t.get("targetId")).and_then(Value::as_str);
                format!("target {} reaches it: endpoint {endpoint}", target.unwrap_or("?"))
            })
        });
        if let Some(why) = named {
            out.push((*runtime, why));
        }
    }
    out
}

/// True when `endpoint` holds `arn`, as written or URL-encoded (runtime invocation URLs carry
/// the encoded ARN).
fn names(endpoint: &str, arn: &str) -> bool {
    endpoint.contains(arn)
        || percent_encoding::percent_decode_str(endpoint)
            .decode_utf8_lossy()
            .contains(arn)
}
