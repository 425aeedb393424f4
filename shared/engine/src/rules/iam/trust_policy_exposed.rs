//! A role's trust policy lets anyone, or an account outside the organization, assume it.

use crate::rules::prelude::*;
use crate::rules::support::{or_unknown, policy_exposure};

pub const RULE: Builtin = Builtin {
    meta: Meta {
        id: "iam.trust_policy_exposed",
        title: "Role trust policy open outside the organization",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098.003", "T1199", "T1078.004"],
        description: "A role was created (CreateRole) or its trust policy replaced \
            (UpdateAssumeRolePolicy) with an Allow statement that lets anyone assume it, or names \
            an AWS account outside the organization. A backdoored trust policy gives an outsider \
            lasting access with the role's permissions (often a SageMaker or Bedrock execution \
            role with data access) without any credential in the account. A public principal \
            (`*` or NotPrincipal) with no condition scoping the caller's organization, account, \
            ARN or source is critical; an outside account is high. The organization's accounts \
            come from Context::org_accounts (the `org_accounts` setting); when that list is \
            empty, only the account the event happened in counts as own, so list trusted \
            partner accounts there. Service principals (sagemaker.amazonaws.com…) are not \
            exposure.",
        remediation: "If the trust was not approved, restore the previous trust policy (or delete \
            the new role), revoke its active sessions (an inline deny on aws:TokenIssueTime), and \
            review CloudTrail for AssumeRole calls from the outside account. Scope legitimate \
            cross-account trust with sts:ExternalId or aws:PrincipalOrgID, and add partner \
            accounts to org_accounts.",
        events: &[
            ("iam.amazonaws.com", "CreateRole"),
            ("iam.amazonaws.com", "UpdateAssumeRolePolicy"),
        ],
        failed_calls: false,
        examples: Examples {
            triggers: &[
                "iam/UpdateAssumeRolePolicy-public.json",
                "iam/CreateRole-external-account.json",
            ],
            ignores: &[
                "iam/CreateRole-sagemaker-service.json",
                "iam/UpdateAssumeRolePolicy-own-account.json",
                "iam/UpdateAssumeRolePolicy-org-condition.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, ctx: &Context) -> Option<Hit> {
    let field = match ev.name() {
        "CreateRole" => "assumeRolePolicyDocument",
        _ => "policyDocument",
    };
    let (severity, whom) = policy_exposure(ev, ctx, field, RULE.meta.severity)?;
    let role = or_unknown(ev.req_str("roleName"));
    let verb = match ev.name() {
        "CreateRole" => "created role",
        _ => "changed the trust policy of role",
    };
    Some(
        Hit::new(severity, format!("{verb} {role} so that {whom} can assume it"))
            .resource(Some(role))
            .resource(ev.resp_str("role.arn")),
    )
}

#[cfg(test)]
mod tests {
    use crate::rule::Context;
    use crate::rules::testing::{sample_finding, sample_findings_with, sample_severity};
    use crate::severity::Severity;

    const ID: &str = super::RULE.meta.id;

    #[test]
    fn public_is_critical_outside_account_high() {
        assert_eq!(
            sample_severity(ID, "iam/UpdateAssumeRolePolicy-public.json"),
            Some(Severity::Critical)
        );
        assert_eq!(
            sample_severity(ID, "iam/CreateRole-external-account.json"),
            Some(Severity::High)
        );
    }

    #[test]
    fn summary_names_role_and_account() {
        let f = sample_finding(ID, "iam/CreateRole-external-account.json").unwrap();
        assert!(
            f.summary
                .contains("created role BedrockPartnerAccess so that external account(s) 444455556666 can assume it"),
            "{}",
            f.summary
        );
        assert_eq!(
            f.resources,
            [
                "BedrockPartnerAccess",
                "arn:aws:iam::111122223333:role/BedrockPartnerAccess"
            ]
        );
    }

    #[test]
    fn listed_partner_account_is_own() {
        let ctx = Context {
            org_accounts: vec!["111122223333".into(), "444455556666".into()],
        };
        let findings = sample_findings_with("iam/CreateRole-external-account.json", ctx);
        assert!(!findings.iter().any(|f| f.rule_id == ID));
    }
}
