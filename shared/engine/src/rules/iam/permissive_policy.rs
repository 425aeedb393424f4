//! A policy document granting admin, a privilege-escalation path, PassRole on any role, or a
//! whole service on every resource was written inline or as a managed policy (version).

use super::{POLICY_WRITES, policy_lookup, policy_target, written_policy};
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
            resource (including NotAction forms), a privilege-escalation path, iam:PassRole on any \
            role, or a whole service (`bedrock:*`, `s3:*`…) on every resource; NotResource counts \
            as every resource. The document is read from the request itself; where the record does \
            not hold it readable (the request omitted for size, the document absent or cut \
            short) the detector reads it from IAM when the record names it (GetUserPolicy, \
            GetGroupPolicy, GetRolePolicy with the names of the request; GetPolicyVersion with \
            the ARN and version id of the response) and says so in the finding; a failed read \
            is reported low, saying what was not checked. Escalation paths are \
            one action of a published list (iam:AttachRolePolicy, PutUserPolicy, \
            CreatePolicyVersion, SetDefaultPolicyVersion, CreateAccessKey, CreateLoginProfile, \
            UpdateLoginProfile, UpdateAssumeRolePolicy, AddUserToGroup…) on every resource of its \
            kind, or iam:PassRole on any role together with an action that starts compute under \
            the passed role (ec2:RunInstances, lambda:CreateFunction, sagemaker:CreateTrainingJob, \
            bedrock-agentcore:CreateCodeInterpreter…) anywhere in the document; action patterns \
            match without regard to case and with wildcards (`iam:Attach*`, `iam:*Policy`). Such \
            grants let the holder give itself more rights or run code under any role, or take \
            over AI resources wholesale, and inline policies are a quiet place to hide a \
            backdoor. Admin is high, critical when written inline on a user or group (identities \
            with long-term credentials); an escalation path or PassRole on any role is high; an \
            AI service wildcard (bedrock, sagemaker…) medium; another service wildcard low. The \
            same actions on named resources only are not reported. A policy version created \
            without setAsDefault is not in force yet and is one level lower: it can be switched \
            on later by SetDefaultPolicyVersion, which does not carry the document.",
        remediation: "Replace the wildcards with the actions and resource ARNs the workload needs; \
            limit iam:PassRole to named roles and add an iam:PassedToService condition. If the \
            change was not expected, delete the inline policy or policy version, and review what \
            the identity did since and who else holds the policy.",
        controls: &[],
        events: POLICY_WRITES,
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
                "events/iam/PutRolePolicy-escalation.json",
                "events/iam/PutGroupPolicy-not-resource.json",
                "events/iam/CreatePolicyVersion-admin-default.json",
                "events/iam/CreatePolicyVersion-admin-not-default.json",
            ],
            must_not_fire: &[
                "events/iam/PutRolePolicy-scoped.json",
                "events/iam/PutUserPolicy-deny-all.json",
                "events/iam/CreatePolicy-scoped.json",
                "events/iam/PutRolePolicy-list-only.json",
                "events/iam/PutUserPolicy-own-access-keys.json",
            ],
        },
    },
    check,
};

fn grant_severity(grant: &Grant) -> Severity {
    match grant {
        Grant::Admin | Grant::Escalation(_) | Grant::PassRoleAny => Severity::High,
        Grant::AiServiceWildcard(_) => Severity::Medium,
        Grant::ServiceWildcard(_) => Severity::Low,
    }
}

/// The grants as one phrase; escalation paths are named together, at most four of them.
fn describe(grants: &[Grant]) -> String {
    let paths: Vec<String> = grants
        .iter()
        .filter_map(|g| match g {
            Grant::Escalation(e) => Some(e.describe()),
            _ => None,
        })
        .collect();
    let mut parts = Vec::new();
    match paths.len() {
        0 => {}
        1..=4 => parts.push(format!("privilege escalation through {}", paths.join(", "))),
        n => parts.push(format!(
            "privilege escalation through {} and {} more paths",
            paths[..3].join(", "),
            n - 3
        )),
    }
    parts.extend(
        grants
            .iter()
            .filter(|g| !matches!(g, Grant::Escalation(_)))
            .map(Grant::describe),
    );
    parts.join(", ")
}

/// The document written and, when it was read from IAM, how: from the record when it holds
/// it; else read live when lookups are made (a failed read of a document the record should
/// have held is reported low, saying what was not checked; an omitted request is
/// iam.policy_hidden's).
enum Written {
    Policy(Policy, Option<&'static str>),
    Unchecked(Hit),
}

fn written(ev: &Event) -> Option<Written> {
    if let Some(policy) = written_policy(ev) {
        return Some(Written::Policy(policy, None));
    }
    let request = policy_lookup(ev)?;
    let what = request.describe();
    let answer = ev.look_up(request)?;
    if let Some(doc) = answer.doc() {
        let note = " (document read from IAM: the record does not hold it)";
        return Some(Written::Policy(Policy::parse(doc).ok()?, Some(note)));
    }
    if ev.request_omitted() {
        return None;
    }
    let why = answer.failure().unwrap_or_else(|| "it no longer exists".into());
    let action = format!(
        "called {} but the record holds no readable policy document, and {what} was not checked ({why})",
        ev.name()
    );
    let target = policy_target(ev)
        .and_then(|(_, t)| t)
        .or_else(|| ev.req_str("policyArn"));
    Some(Written::Unchecked(Hit::new(Severity::Low, action).resource(target)))
}

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let (policy, note) = match written(ev)? {
        Written::Policy(policy, note) => (policy, note),
        Written::Unchecked(hit) => return Some(hit),
    };
    let grants = policy.broad_grants();
    // Most severe first; "all actions" already covers the rest.
    let top = grants.first()?;
    let shown = if *top == Grant::Admin {
        &grants[..1]
    } else {
        &grants[..]
    };
    let granting = describe(shown);
    let mut severity = grant_severity(top);

    let policy_name = or_unknown(ev.req_str("policyName").or_else(|| ev.resp_str("policy.policyName")));
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
    let note = note.unwrap_or_default();
    Some(
        Hit::new(severity, format!("{what} granting {granting}{note}"))
            .resource(Some(resource))
            .resource(second),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::record::Record;
    use serde_json::json;

    #[test]
    fn many_escalation_paths_are_summed_up() {
        let doc = json!({"Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}).to_string();
        let text = json!({"eventSource": "iam.amazonaws.com", "eventName": "PutRolePolicy",
            "requestParameters": {"roleName": "R", "policyName": "P", "policyDocument": doc}})
        .to_string();
        let record: Record = serde_json::from_str(&text).unwrap();
        let hit = check(&Event::new(&record), &Organization::default()).unwrap();
        assert_eq!(hit.severity, Severity::High);
        assert_eq!(
            hit.action,
            "wrote inline policy P on role R granting privilege escalation through \
             iam:AttachUserPolicy on any user, iam:AttachGroupPolicy on any group, \
             iam:AttachRolePolicy on any role and 10 more paths, iam:PassRole on any role, \
             iam:* on all resources"
        );
    }
}
