//! A Bedrock resource policy opens the resource to anyone or to accounts outside the organization.

use crate::rules::prelude::*;
use crate::rules::support::policy_exposure;

pub const RULE: Builtin = Builtin {
    meta: Meta {
        id: "bedrock.resource_policy_exposed",
        title: "Bedrock resource policy opened outside the organization",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098", "AML.T0044"],
        description: "PutResourcePolicy attached a resource policy to a Bedrock resource whose \
            Allow statements name a principal outside the organization, judged from the policy \
            text in the request. A public principal (`*` with no condition on the caller's \
            account, organization, ARN or network) is critical: anyone with an AWS account can \
            use the resource. Named accounts that are not the event's account or one of the \
            configured organization accounts are high: an unknown party gains access to the \
            model or guardrail. Service principals are not counted.",
        remediation: "Remove the external principals from the policy (or delete it with \
            DeleteResourcePolicy), scope shared access with aws:PrincipalOrgID, and add the \
            partner accounts to the organization account list if the sharing is intended.",
        events: &[("bedrock.amazonaws.com", "PutResourcePolicy")],
        failed_calls: false,
        examples: Examples {
            triggers: &[
                "bedrock/PutResourcePolicy-public.json",
                "bedrock/PutResourcePolicy-cross-account.json",
            ],
            ignores: &["bedrock/PutResourcePolicy.json"],
        },
    },
    check,
};

fn check(ev: &Event, ctx: &Context) -> Option<Hit> {
    let (severity, whom) = policy_exposure(ev, ctx, "resourcePolicy", RULE.meta.severity)?;
    let arn = ev.req_str("resourceArn");
    let action = format!("opened Bedrock resource {} to {whom}", arn.unwrap_or("(unknown)"));
    Some(Hit::new(severity, action).resource(arn))
}

#[cfg(test)]
mod tests {
    use crate::rule::Context;
    use crate::rules::testing::{sample_findings_with, sample_severity};
    use crate::severity::Severity;

    const ID: &str = super::RULE.meta.id;

    #[test]
    fn public_is_critical_cross_account_high() {
        assert_eq!(
            sample_severity(ID, "bedrock/PutResourcePolicy-public.json"),
            Some(Severity::Critical)
        );
        assert_eq!(
            sample_severity(ID, "bedrock/PutResourcePolicy-cross-account.json"),
            Some(Severity::High)
        );
    }

    #[test]
    fn organization_accounts_are_not_external() {
        let ctx = Context {
            org_accounts: vec!["444455556666".into()],
        };
        let findings = sample_findings_with("bedrock/PutResourcePolicy-cross-account.json", ctx);
        assert!(!findings.iter().any(|f| f.rule_id == ID));
    }
}
