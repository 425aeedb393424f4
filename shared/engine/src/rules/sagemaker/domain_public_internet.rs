//! A SageMaker Studio domain was created or switched to direct public internet access.

use crate::rules::prelude::*;
use crate::rules::support::or_unknown;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "sagemaker.domain_public_internet",
        title: "SageMaker Studio domain with public internet access",
        severity: Severity::Medium,
        area: Area::Application,
        techniques: &["T1133", "AML.T0025"],
        description: "A Studio domain was created, or updated, with AppNetworkAccessType \
            PublicInternetOnly: its apps (JupyterLab, Code Editor, notebooks) reach the \
            internet through a SageMaker-managed network instead of your VPC, so VPC egress \
            controls, endpoint policies and flow logs do not see what code in the apps sends \
            out. CreateDomain uses PublicInternetOnly when the request leaves the setting out, \
            so an absent setting on create counts (reported as \"(default)\"); an update is \
            judged only when it sets the value.",
        remediation: "Use AppNetworkAccessType VpcOnly with private subnets, VPC endpoints for \
            SageMaker, S3 and the other services the apps need, and a NAT gateway only where \
            outbound internet is required. Require it with the sagemaker:AppNetworkAccessType \
            IAM condition key.",
        controls: &[],
        events: &[
            ("sagemaker.amazonaws.com", "CreateDomain"),
            ("sagemaker.amazonaws.com", "UpdateDomain"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/sagemaker/CreateDomain.json",
                "events/sagemaker/UpdateDomain-public.json",
            ],
            must_not_fire: &["events/sagemaker/CreateDomain-vpc-only.json"],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    ev.request()?;
    let create = ev.name() == "CreateDomain";
    let note = match ev.req_str("appNetworkAccessType") {
        Some(v) if v.eq_ignore_ascii_case("PublicInternetOnly") => "",
        None if create && ev.req("appNetworkAccessType").is_none() => " (default)",
        _ => return None,
    };
    // The domain id keys the finding (the update names only the id; the create response has it).
    let (verb, name, id) = if create {
        ("created", ev.req_str("domainName"), ev.resp_str("domainId"))
    } else {
        ("updated", ev.req_str("domainId"), ev.req_str("domainId"))
    };
    let action = format!(
        "{verb} Studio domain {} with public internet access{note}",
        or_unknown(name)
    );
    let hit = Hit::new(RULE.metadata.severity, action).resource(id);
    Some(
        hit.resource(name.filter(|n| Some(*n) != id))
            .resource(ev.resp_str("domainArn")),
    )
}
