//! A role whose policies allow AI service actions can be assumed from outside the
//! organization.

use crate::inventory::iam::{identity_policies, principal_services, trust_policy};
use crate::posture::prelude::*;

pub const CHECK: BuiltinCheck = BuiltinCheck {
    metadata: Metadata {
        id: "iam.ai_role_trusted_outside_organization",
        title: "AI role assumable from outside the organization",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1199", "T1078.004", "AML.T0012"],
        description: "A role whose identity policies allow actions of Bedrock, SageMaker or \
            AgentCore has a trust policy that lets an account outside the organization assume \
            it, or anyone (critical). The trust policy is judged as the event rule \
            iam.trust_policy_exposed judges a new one: principals and conditions together, \
            where aws:PrincipalOrgID or a concrete account, ARN or network condition narrows a \
            `*` principal, and sts:ExternalId alone does not (it is not a secret). The role's \
            own account and the organization setting's accounts (`--org-account`, \
            `AIDR_ORG_ACCOUNTS`) are own; list approved partner accounts there. Service \
            principals are not exposure.",
        remediation: "If the outside trust is not approved, remove it from the trust policy \
            (UpdateAssumeRolePolicy), revoke the role's active sessions (an inline deny on \
            aws:TokenIssueTime), and review CloudTrail for AssumeRole calls from outside. Scope \
            approved third-party trust to the partner's account with sts:ExternalId, and \
            organization-wide trust with aws:PrincipalOrgID.",
        controls: &[],
        events: &[],
        resource_types: &[types::IAM_ROLE],
        failed_calls: false,
        alert: PER_RESOURCE_DAY,
        samples: Samples {
            must_fire: &["samples/posture/iam/Role-external-trust.json"],
            must_not_fire: &["samples/posture/iam/Role-sagemaker-service.json"],
        },
    },
    check,
};

fn check(resource: &ResourceSnapshot, org: &Organization) -> Option<Hit> {
    let own = |account: &str| account == resource.account || org.accounts.iter().any(|a| a == account);
    let exposure = trust_policy(resource)?.exposure(own);
    if !exposure.is_exposed() {
        return None;
    }
    let services = principal_services(&identity_policies(resource), types::AI_SERVICES);
    if services.is_empty() {
        return None;
    }
    let severity = if exposure.public {
        Severity::Critical
    } else {
        CHECK.metadata.severity
    };
    let action = format!(
        "can be assumed by {} and may use {}",
        exposure.describe(),
        services.join(", ")
    );
    Some(Hit::new(severity, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::PostureCheck;
    use crate::posture::support::tests::{judge, snapshot};
    use serde_json::{Value, json};

    const OUTSIDE: &str = "444455556666";

    fn role(trust: Value) -> Value {
        json!({"RoleName": "ml", "AssumeRolePolicyDocument": {"Statement": [trust]},
            "RolePolicyList": [{"PolicyName": "ml", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["sagemaker:CreateTrainingJob", "bedrock:InvokeModel"], "Resource": "*"}]}}]})
    }

    fn trusting(principal: Value, condition: Value) -> Value {
        role(json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", "Condition": condition}))
    }

    #[test]
    fn outside_accounts_and_the_public() {
        let outside = judge(
            &CHECK,
            trusting(json!({"AWS": format!("arn:aws:iam::{OUTSIDE}:root")}), json!({})),
        )
        .unwrap();
        assert_eq!(
            (outside.severity, outside.action.as_str()),
            (
                Severity::High,
                "can be assumed by external account(s) 444455556666 and may use bedrock, sagemaker"
            )
        );
        let external_id = json!({"StringEquals": {"sts:ExternalId": "x"}});
        let public = judge(&CHECK, trusting(json!({"AWS": "*"}), external_id)).unwrap();
        assert_eq!(public.severity, Severity::Critical);
        let org = json!({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}});
        assert!(judge(&CHECK, trusting(json!({"AWS": "*"}), org)).is_none());
    }

    #[test]
    fn own_and_organization_accounts_are_not_outside() {
        let own = trusting(json!({"AWS": "arn:aws:iam::111122223333:root"}), json!({}));
        assert!(judge(&CHECK, own).is_none());
        let partner = snapshot(&CHECK, trusting(json!({"AWS": OUTSIDE}), json!({})));
        let org = Organization {
            accounts: vec![OUTSIDE.into()],
        };
        assert!(CHECK.assess(&partner, &org).is_none());
    }

    #[test]
    fn no_trust_policy_or_no_ai_grant_is_not_judged() {
        assert!(judge(&CHECK, json!({"RoleName": "ml"})).is_none());
        let mut config = trusting(json!({"AWS": OUTSIDE}), json!({}));
        config["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] = json!("s3:GetObject");
        assert!(judge(&CHECK, config).is_none());
    }
}
