//! A role's trust policy lets anyone, or an account outside the organization, assume it.

use crate::rules::prelude::*;
use crate::rules::support::{or_unknown, policy_exposure};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "iam.trust_policy_exposed",
        title: "Role trust policy open outside the organization",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098.003", "T1199", "T1078.004"],
        description: "A role was created (CreateRole) or its trust policy replaced \
            (UpdateAssumeRolePolicy) with an Allow statement that lets anyone assume it, or names \
            an AWS account outside the organization. A backdoored trust policy gives an outsider \
            lasting access with the role's permissions (often a SageMaker or Bedrock execution \
            role with data access) without any credential in the account. Conditions are read \
            with their operators and values: a public principal (`*` or NotPrincipal) is \
            critical unless a condition names a concrete organization, account, ARN or network; \
            a condition whose value matches every account (`arn:aws:iam::*:role/deploy`, `*`, \
            `o-*`) or that lets other callers through (`…IfExists`, `Null`, negated operators) \
            does not narrow it. An outside account, named as principal or in an account or ARN \
            condition on `*` (aws:PrincipalAccount, aws:SourceAccount, aws:PrincipalArn…), is \
            high; aws:PrincipalOrgID with a concrete id keeps the statement inside. The organization's accounts \
            come from the organization setting (`aidr scan --org-account`, `AIDR_ORG_ACCOUNTS`); \
            when that list is empty, only the account the event happened in counts as own, so list trusted \
            partner accounts there. Service principals (sagemaker.amazonaws.com…) are not \
            exposure.",
        remediation: "If the trust was not approved, restore the previous trust policy (or delete \
            the new role), revoke its active sessions (an inline deny on aws:TokenIssueTime), and \
            review CloudTrail for AssumeRole calls from the outside account. Scope legitimate \
            cross-account trust with sts:ExternalId or aws:PrincipalOrgID, and add partner \
            accounts to the organization setting.",
        controls: &[],
        events: &[
            ("iam.amazonaws.com", "CreateRole"),
            ("iam.amazonaws.com", "UpdateAssumeRolePolicy"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/iam/UpdateAssumeRolePolicy-public.json",
                "events/iam/CreateRole-external-account.json",
                "events/iam/UpdateAssumeRolePolicy-wildcard-arn.json",
                "events/iam/UpdateAssumeRolePolicy-outside-account-condition.json",
            ],
            must_not_fire: &[
                "events/iam/CreateRole-sagemaker-service.json",
                "events/iam/UpdateAssumeRolePolicy-own-account.json",
                "events/iam/UpdateAssumeRolePolicy-org-condition.json",
                "events/iam/UpdateAssumeRolePolicy-own-account-condition.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, org: &Organization) -> Option<Hit> {
    let field = match ev.name() {
        "CreateRole" => "assumeRolePolicyDocument",
        _ => "policyDocument",
    };
    let (severity, whom) = policy_exposure(ev, org, field, RULE.metadata.severity, None)?;
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
