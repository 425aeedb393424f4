//! A Bedrock resource policy opens the resource to anyone or to accounts outside the organization.

use crate::rules::prelude::*;
use crate::rules::support::policy_exposure;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.resource_policy_exposed",
        title: "Bedrock resource policy opened outside the organization",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098", "AML.T0044"],
        description: "PutResourcePolicy attached a resource policy to a Bedrock resource whose \
            Allow statements name a principal outside the organization, judged from the policy \
            text in the request. A public principal (`*` with no condition naming a concrete \
            organization, account, ARN or network) is critical: anyone with an AWS account can \
            use the resource. A condition whose value matches every account \
            (`arn:aws:iam::*:role/app`, `*`) or that lets other callers through (`…IfExists`, \
            `Null`, negated operators) does not narrow it. Accounts that are not the event's \
            account or one of the configured organization accounts, named as principals or in \
            an account or ARN condition on `*`, are high: an unknown party gains access to the \
            model or guardrail. Service principals are not counted. In the detector the finding also says how \
            the exposure changed since the policy seen put before on the same resource (newly \
            public, newly open to an account, or already open as much before).",
        remediation: "Remove the external principals from the policy (or delete it with \
            DeleteResourcePolicy), scope shared access with aws:PrincipalOrgID, and add the \
            partner accounts to the organization account list if the sharing is intended.",
        controls: &[],
        events: &[("bedrock.amazonaws.com", "PutResourcePolicy")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/bedrock/PutResourcePolicy-public.json",
                "events/bedrock/PutResourcePolicy-cross-account.json",
                "events/bedrock/PutResourcePolicy-wildcard-condition.json",
            ],
            must_not_fire: &[
                "events/bedrock/PutResourcePolicy.json",
                "events/bedrock/PutResourcePolicy-org-condition.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, org: &Organization) -> Option<Hit> {
    let (severity, whom) = policy_exposure(
        ev,
        org,
        "resourcePolicy",
        RULE.metadata.severity,
        ev.req_str("resourceArn"),
    )?;
    let arn = ev.req_str("resourceArn");
    let action = format!("opened Bedrock resource {} to {whom}", arn.unwrap_or("(unknown)"));
    Some(Hit::new(severity, action).resource(arn))
}
