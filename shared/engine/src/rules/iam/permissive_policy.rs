//! A policy document granting admin, PassRole on any role, or a whole service on every
//! resource was written inline or as a managed policy (version).

use super::policy_target;
use crate::policy::{Grant, Policy};
use crate::rules::prelude::*;
use crate::rules::support::{flag, or_unknown};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "iam.permissive_policy",
        title: "Overly permissive IAM policy written",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098.003", "T1078.004", "T1548"],
        description: "An identity policy was written (PutUserPolicy, PutGroupPolicy, PutRolePolicy, \
            CreatePolicy, CreatePolicyVersion) whose Allow statements grant every action on every \
            resource (including NotAction forms), iam:PassRole on any role, or a whole service \
            (`bedrock:*`, `s3:*`…) on every resource. The document is read from the request itself. \
            Such grants let the holder escalate (PassRole hands any role to SageMaker or Bedrock) \
            or take over AI resources wholesale, and inline policies are a quiet place to hide a \
            backdoor. Admin is high, critical when written inline on a user or group (identities \
            with long-term credentials); PassRole on any role is high; an AI service wildcard \
            (bedrock, sagemaker…) medium; another service wildcard low. A policy version created \
            without setAsDefault is not in force yet and is one level lower: it can be switched \
            on later by SetDefaultPolicyVersion, which does not carry the document.",
        remediation: "Replace the wildcards with the actions and resource ARNs the workload needs; \
            limit iam:PassRole to named roles and add an iam:PassedToService condition. If the \
            change was not expected, delete the inline policy or policy version, and review what \
            the identity did since and who else holds the policy.",
        events: &[
            ("iam.amazonaws.com", "PutUserPolicy"),
            ("iam.amazonaws.com", "PutGroupPolicy"),
            ("iam.amazonaws.com", "PutRolePolicy"),
            ("iam.amazonaws.com", "CreatePolicy"),
            ("iam.amazonaws.com", "CreatePolicyVersion"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/iam/PutUserPolicy-admin.json",
                "events/iam/PutRolePolicy-not-action.json",
                "events/iam/CreatePolicy-passrole-any.json",
                "events/iam/PutRolePolicy-bedrock-wildcard.json",
                "events/iam/PutGroupPolicy-s3-wildcard.json",
                "events/iam/CreatePolicyVersion-admin-default.json",
                "events/iam/CreatePolicyVersion-admin-not-default.json",
            ],
            must_not_fire: &[
                "events/iam/PutRolePolicy-scoped.json",
                "events/iam/PutUserPolicy-deny-all.json",
                "events/iam/CreatePolicy-scoped.json",
            ],
        },
    },
    check,
};

fn grant_severity(grant: &Grant) -> Severity {
    match grant {
        Grant::Admin | Grant::PassRoleAny => Severity::High,
        Grant::AiServiceWildcard(_) => Severity::Medium,
        Grant::ServiceWildcard(_) => Severity::Low,
    }
}

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let grants = Policy::parse(ev.req("policyDocument")?).ok()?.broad_grants();
    // Most severe first; "all actions" already covers the rest.
    let top = grants.first()?;
    let shown = if *top == Grant::Admin {
        &grants[..1]
    } else {
        &grants[..]
    };
    let granting = shown.iter().map(Grant::describe).collect::<Vec<_>>().join(", ");
    let mut severity = grant_severity(top);

    let policy_name = or_unknown(ev.req_str("policyName"));
    let (what, resource, second) = if let Some((kind, target)) = policy_target(ev) {
        if *top == Grant::Admin && kind != "role" {
            severity = Severity::Critical;
        }
        let target = target.unwrap_or("(unknown)");
        (
            format!("wrote inline policy {policy_name} on {kind} {target}"),
            target.to_owned(),
            None,
        )
    } else if ev.name() == "CreatePolicy" {
        let arn = ev.resp_str("policy.arn");
        (
            format!("created managed policy {policy_name}"),
            arn.unwrap_or(policy_name).to_owned(),
            None,
        )
    } else {
        let arn = or_unknown(ev.req_str("policyArn"));
        let version = ev.resp_str("policyVersion.versionId");
        let what = if flag(ev.req("setAsDefault")) == Some(true) {
            format!("created a new default version of policy {arn}")
        } else {
            severity = severity.lower();
            format!("created a new version (not set as default) of policy {arn}")
        };
        (what, arn.to_owned(), version.map(|v| format!("{arn}:{v}")))
    };
    Some(
        Hit::new(severity, format!("{what} granting {granting}"))
            .resource(Some(resource))
            .resource(second),
    )
}
