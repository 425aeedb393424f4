//! An AgentCore resource policy opens a runtime or gateway to anyone or to outside accounts.
//!
//! Facts: PutResourcePolicy takes `resourceArn` and the policy text in `policy`, and applies
//! to agent runtimes and gateways (AgentCore Control Plane API reference, `PutResourcePolicy`).

use super::SOURCE;
use crate::rules::prelude::*;
use crate::rules::support::{or_unknown, policy_exposure};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "agentcore.resource_policy_exposed",
        title: "AgentCore resource policy opened outside the organization",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098", "AML.T0053"],
        description: "PutResourcePolicy attached a resource policy to an agent runtime or \
            gateway whose Allow statements name a principal outside the organization, judged \
            from the policy text in the request. A public principal (`*` with no condition on \
            the caller's account, organization, ARN or network) is critical: any AWS account \
            can invoke the agent or the gateway's tools with what their roles can reach. \
            Named accounts that are not the event's account or one of the configured \
            organization accounts are high. Service principals are not counted. In the detector the finding also says how \
            the exposure changed since the policy seen put before on the same resource (newly \
            public, newly open to an account, or already open as much before).",
        remediation: "Remove the outside principals from the policy (or delete it with \
            DeleteResourcePolicy), scope shared access with aws:PrincipalOrgID or \
            aws:SourceVpc conditions, and add partner accounts to the organization account \
            list if the sharing is intended. Review the runtime's or gateway's invocations \
            since the change.",
        controls: &[],
        events: &[(SOURCE, "PutResourcePolicy")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::DEFAULT,
        samples: Samples {
            must_fire: &[
                "events/bedrock-agentcore/PutResourcePolicy-public.json",
                "events/bedrock-agentcore/PutResourcePolicy-cross-account.json",
            ],
            must_not_fire: &["events/bedrock-agentcore/PutResourcePolicy-org.json"],
        },
    },
    check,
};

fn check(ev: &Event, org: &Organization) -> Option<Hit> {
    let (severity, whom) = policy_exposure(ev, org, "policy", RULE.metadata.severity, ev.req_str("resourceArn"))?;
    let arn = ev.req_str("resourceArn");
    let action = format!("opened AgentCore resource {} to {whom}", or_unknown(arn));
    Some(Hit::new(severity, action).resource(arn))
}
