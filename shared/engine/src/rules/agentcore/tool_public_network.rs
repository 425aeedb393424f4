//! A code interpreter or browser tool was created with the PUBLIC network mode.
//!
//! Facts: a code interpreter's network mode is `PUBLIC | SANDBOX | VPC` and a browser's
//! `PUBLIC | VPC` (AgentCore Control Plane API reference, `CodeInterpreterNetworkConfiguration`
//! and `BrowserNetworkConfiguration`); in SANDBOX mode the interpreter reaches only AWS
//! services such as S3, in PUBLIC mode the public internet (AgentCore Developer Guide,
//! "code-interpreter-resource-management").

use super::{SOURCE, label, public_network};
use crate::rules::prelude::*;
use crate::rules::support::or_unknown;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "agentcore.tool_public_network",
        title: "AgentCore code interpreter or browser with public network access",
        severity: Severity::Medium,
        area: Area::Application,
        techniques: &["T1048", "T1552.005", "AML.T0025"],
        description: "CreateCodeInterpreter or CreateBrowser set the tool's network mode to \
            PUBLIC. A code interpreter in PUBLIC mode runs model-written code with internet \
            access and its execution role's credentials: a prompt-injected agent can send \
            data or those credentials to any host (medium). SANDBOX (AWS services such as S3 \
            only) and VPC modes are not reported. A browser exists to reach websites and PUBLIC is its \
            usual mode, but it also lets an injected agent post what it holds to any site, so \
            it is reported at low, to review where the browser only needs internal sites.",
        remediation: "Recreate the code interpreter with networkConfiguration networkMode \
            SANDBOX, or VPC with private subnets and egress limited to what the code must \
            reach; give its execution role only what the code needs. Use VPC mode for a \
            browser that only needs internal sites. Deny creating PUBLIC tools where they are \
            not needed with an SCP or a permissions boundary on \
            bedrock-agentcore:CreateCodeInterpreter and CreateBrowser.",
        controls: &[],
        events: &[(SOURCE, "CreateCodeInterpreter"), (SOURCE, "CreateBrowser")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::DEFAULT,
        samples: Samples {
            must_fire: &[
                "events/bedrock-agentcore/CreateCodeInterpreter-public.json",
                "events/bedrock-agentcore/CreateBrowser-public.json",
            ],
            must_not_fire: &[
                "events/bedrock-agentcore/CreateCodeInterpreter-sandbox.json",
                "events/bedrock-agentcore/CreateBrowser-vpc.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if !public_network(ev) {
        return None;
    }
    let (severity, what, id, arn) = if ev.name() == "CreateCodeInterpreter" {
        let sev = RULE.metadata.severity;
        (sev, "code interpreter", "codeInterpreterId", "codeInterpreterArn")
    } else {
        (Severity::Low, "browser", "browserId", "browserArn")
    };
    let name = label(ev, "name", id);
    let action = format!(
        "created {what} {} with PUBLIC network mode (internet access)",
        or_unknown(name)
    );
    Some(Hit::new(severity, action).resource(ev.resp_str(arn)).resource(name))
}
