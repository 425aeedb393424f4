//! A policy was written but CloudTrail left its request out for size, so the document could
//! not be judged.

use super::POLICY_WRITES;
use crate::detection::{EventKey, join_events};
use crate::rules::prelude::*;

/// Trust and resource policy writes, beside the identity policy writes.
const OTHER_WRITES: &[EventKey] = &[
    ("iam.amazonaws.com", "CreateRole"),
    ("iam.amazonaws.com", "UpdateAssumeRolePolicy"),
    ("bedrock.amazonaws.com", "PutResourcePolicy"),
    ("bedrock-agentcore.amazonaws.com", "PutResourcePolicy"),
    ("sagemaker.amazonaws.com", "PutModelPackageGroupPolicy"),
];

const EVENTS: [EventKey; POLICY_WRITES.len() + OTHER_WRITES.len()] = join_events(&[POLICY_WRITES, OTHER_WRITES]);

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "iam.policy_hidden",
        title: "Policy written with its document left out of CloudTrail",
        severity: Severity::Medium,
        area: Area::Access,
        techniques: &["T1098.003", "T1027"],
        description: "A call that writes a policy document (an IAM inline, managed or trust \
            policy, a Bedrock or AgentCore resource policy, a SageMaker model package group \
            policy) succeeded, but CloudTrail replaced its request parameters with \
            `{\"omitted\":true,\"reason\":\"requestParameters too large\"}`. The rules that judge \
            policy content (iam.permissive_policy, iam.trust_policy_exposed and the resource \
            policy rules) then see nothing. IAM does not count white space toward its policy \
            size quotas (IAM User Guide, \"IAM and AWS STS quotas\"), so a document can be padded \
            past CloudTrail's record size on purpose to hide an admin grant or an opened trust. \
            The finding says which document to fetch and how, naming the target when the \
            response recorded it. Where the detector can read the document itself (a \
            CreatePolicy, whose response names the policy and version) it does, and the \
            finding says so or why the read failed. Failed calls are not reported.",
        remediation: "Fetch the current document with the call named in the finding and judge \
            it (or run it through IAM Access Analyzer policy validation); if it grants more than \
            intended, restore the previous version and review what the identity did since. Ask \
            the writer why the document was that large.",
        controls: &[],
        events: &EVENTS,
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::DEFAULT,
        samples: Samples {
            must_fire: &[
                "events/iam/PutRolePolicy-omitted.json",
                "events/iam/CreatePolicy-omitted.json",
            ],
            must_not_fire: &[
                "events/iam/PutRolePolicy-scoped.json",
                "events/iam/PutRolePolicy-omitted-denied.json",
            ],
        },
    },
    check,
};

/// Which document a call wrote, the API that returns it, and its CLI command when the record
/// names the target (`None` otherwise).
struct Fetch {
    document: &'static str,
    api: String,
    command: Option<String>,
    resource: Option<String>,
}

fn fetch(ev: &Event) -> Fetch {
    let resp = |path: &str| ev.resp_str(path).filter(|s| !s.is_empty()).map(str::to_owned);
    let with = |document, api: &str, command: Option<String>, resource| Fetch {
        document,
        api: api.to_owned(),
        command,
        resource,
    };
    match (ev.record.source(), ev.name()) {
        (_, "PutUserPolicy") => with("inline user policy", "GetUserPolicy", None, None),
        (_, "PutGroupPolicy") => with("inline group policy", "GetGroupPolicy", None, None),
        (_, "PutRolePolicy") => with("inline role policy", "GetRolePolicy", None, None),
        (_, "CreatePolicy") => {
            let arn = resp("policy.arn");
            let version = resp("policy.defaultVersionId").unwrap_or_else(|| "v1".into());
            let command = arn
                .as_ref()
                .map(|a| format!("aws iam get-policy-version --policy-arn {a} --version-id {version}"));
            with("managed policy", "GetPolicyVersion", command, arn)
        }
        (_, "CreatePolicyVersion") => {
            let api = match resp("policyVersion.versionId") {
                Some(v) => format!("GetPolicyVersion for version {v}"),
                None => "GetPolicyVersion".into(),
            };
            with("managed policy version", &api, None, None)
        }
        (_, "CreateRole") => {
            let name = resp("role.roleName");
            let command = name.as_ref().map(|n| format!("aws iam get-role --role-name {n}"));
            with("role trust policy", "GetRole", command, resp("role.arn").or(name))
        }
        (_, "UpdateAssumeRolePolicy") => with("role trust policy", "GetRole", None, None),
        (_, "PutModelPackageGroupPolicy") => {
            let arn = resp("modelPackageGroupArn");
            let name = arn
                .as_deref()
                .and_then(|a| a.split_once(":model-package-group/"))
                .map(|(_, n)| n);
            let command =
                name.map(|n| format!("aws sagemaker get-model-package-group-policy --model-package-group-name {n}"));
            with("model package group policy", "GetModelPackageGroupPolicy", command, arn)
        }
        (source, _) => {
            let document = if source.starts_with("bedrock-agentcore") {
                "AgentCore resource policy"
            } else {
                "Bedrock resource policy"
            };
            with(document, "GetResourcePolicy", None, resp("resourceArn"))
        }
    }
}

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if !ev.request_omitted() {
        return None;
    }
    let f = fetch(ev);
    let how = match (&f.command, &f.resource) {
        (Some(cmd), _) => format!("fetch it with `{cmd}`"),
        (None, Some(target)) => format!("fetch it with {} for {target}", f.api),
        (None, None) => format!("fetch it with {} (the target was not recorded)", f.api),
    };
    let omitted = format!("called {} but CloudTrail omitted the request as too large", ev.name());
    // Where the detector reads the document (see iam.permissive_policy), say how it went.
    let answer = super::policy_lookup(ev).and_then(|request| ev.look_up(request));
    let action = match answer {
        Some(answer) if answer.doc().is_some() => format!(
            "{omitted}; the {} was read from IAM instead and judged (iam.permissive_policy reports \
             it if it grants too much)",
            f.document
        ),
        Some(answer) => {
            let why = answer.failure().unwrap_or_else(|| "it no longer exists".into());
            format!(
                "{omitted}, so the {} could not be judged: reading it from IAM failed ({why}); {how}",
                f.document
            )
        }
        None => format!("{omitted}, so the {} could not be judged; {how}", f.document),
    };
    Some(Hit::new(Severity::Medium, action).resource(f.resource.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::record::Record;
    use serde_json::{Value, json};

    fn judge(source: &str, name: &str, response: Value) -> Option<Hit> {
        let text = json!({"eventSource": source, "eventName": name, "recipientAccountId": "111122223333",
            "requestParameters": {"reason": "requestParameters too large", "omitted": true},
            "responseElements": response})
        .to_string();
        let record: Record = serde_json::from_str(&text).unwrap();
        check(&Event::new(&record), &Organization::default())
    }

    #[test]
    fn names_the_fetch_for_each_write() {
        let cases = [
            (
                "iam",
                "PutUserPolicy",
                json!(null),
                "fetch it with GetUserPolicy (the target was not recorded)",
            ),
            (
                "iam",
                "UpdateAssumeRolePolicy",
                json!(null),
                "role trust policy could not be judged; fetch it with GetRole",
            ),
            (
                "iam",
                "CreateRole",
                json!({"role": {"roleName": "Deploy", "arn": "arn:aws:iam::111122223333:role/Deploy"}}),
                "fetch it with `aws iam get-role --role-name Deploy`",
            ),
            (
                "iam",
                "CreatePolicyVersion",
                json!({"policyVersion": {"versionId": "v4"}}),
                "fetch it with GetPolicyVersion for version v4 (the target was not recorded)",
            ),
            (
                "sagemaker",
                "PutModelPackageGroupPolicy",
                json!({"modelPackageGroupArn": "arn:aws:sagemaker:us-east-1:111122223333:model-package-group/churn"}),
                "fetch it with `aws sagemaker get-model-package-group-policy --model-package-group-name churn`",
            ),
            (
                "bedrock",
                "PutResourcePolicy",
                json!({"resourceArn": "arn:aws:bedrock:us-east-1:111122223333:guardrail/g1"}),
                "Bedrock resource policy could not be judged; fetch it with GetResourcePolicy for arn:aws:bedrock:us-east-1:111122223333:guardrail/g1",
            ),
            (
                "bedrock-agentcore",
                "PutResourcePolicy",
                json!(null),
                "AgentCore resource policy could not be judged; fetch it with GetResourcePolicy (the target was not recorded)",
            ),
        ];
        for (service, name, response, expected) in cases {
            let hit = judge(&format!("{service}.amazonaws.com"), name, response).unwrap();
            assert_eq!(hit.severity, Severity::Medium);
            assert!(hit.action.contains(expected), "{name}: {}", hit.action);
        }
    }

    #[test]
    fn a_recorded_request_is_not_hidden() {
        let text = json!({"eventSource": "iam.amazonaws.com", "eventName": "PutRolePolicy",
            "requestParameters": {"roleName": "R", "policyName": "P", "policyDocument": "{}"}})
        .to_string();
        let record: Record = serde_json::from_str(&text).unwrap();
        assert!(check(&Event::new(&record), &Organization::default()).is_none());
    }
}
