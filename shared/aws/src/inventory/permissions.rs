//! The IAM actions of every call the collector makes: what the collecting identity (the
//! inventory function's role, the member role, a person running `aidr inventory`) needs. The
//! stack templates grant exactly these (a test of the templates reads this list), and a test
//! here checks it against the SDK calls in the collector's source.

/// The IAM actions, by service, in the collector's order. Bedrock agents' and knowledge bases'
/// actions (the `bedrock-agent` API) are in the `bedrock` namespace; AgentCore's control
/// plane is `bedrock-agentcore`.
pub const PERMISSIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "sts:AssumeRole",
    "account:ListRegions",
    "bedrock:ListCustomModels",
    "bedrock:GetCustomModel",
    "bedrock:ListImportedModels",
    "bedrock:GetImportedModel",
    "bedrock:ListProvisionedModelThroughputs",
    "bedrock:ListGuardrails",
    "bedrock:GetGuardrail",
    "bedrock:ListInferenceProfiles",
    "bedrock:GetModelInvocationLoggingConfiguration",
    "bedrock:ListAgents",
    "bedrock:GetAgent",
    "bedrock:ListKnowledgeBases",
    "bedrock:GetKnowledgeBase",
    "bedrock:ListDataSources",
    "bedrock:GetDataSource",
    "bedrock-agentcore:ListAgentRuntimes",
    "bedrock-agentcore:GetAgentRuntime",
    "bedrock-agentcore:ListGateways",
    "bedrock-agentcore:GetGateway",
    "bedrock-agentcore:ListGatewayTargets",
    "bedrock-agentcore:GetGatewayTarget",
    "sagemaker:ListNotebookInstances",
    "sagemaker:DescribeNotebookInstance",
    "sagemaker:ListNotebookInstanceLifecycleConfigs",
    "sagemaker:DescribeNotebookInstanceLifecycleConfig",
    "sagemaker:ListDomains",
    "sagemaker:DescribeDomain",
    "sagemaker:ListUserProfiles",
    "sagemaker:DescribeUserProfile",
    "sagemaker:ListEndpoints",
    "sagemaker:DescribeEndpoint",
    "sagemaker:ListEndpointConfigs",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:ListModels",
    "sagemaker:DescribeModel",
    "sagemaker:ListModelPackageGroups",
    "sagemaker:ListTrainingJobs",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:ListProcessingJobs",
    "sagemaker:DescribeProcessingJob",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:ListServiceSpecificCredentials",
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::ORGANIZATION_PERMISSIONS;
    use super::PERMISSIONS;

    /// `list_agent_runtimes` -> `ListAgentRuntimes`.
    fn pascal(snake: &str) -> String {
        snake
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map_or_else(String::new, |f| f.to_ascii_uppercase().to_string() + c.as_str())
            })
            .collect()
    }

    /// The operation names of the SDK calls (`.list_models()`, `.get_guardrail()`…) in the
    /// collector's source files, tests left out.
    fn calls_in_source() -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/inventory");
        let mut files = vec![];
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                    files.push(path);
                }
            }
        }
        let mut calls = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for verb in ["list_", "get_", "describe_"] {
                for (at, _) in text.match_indices(&format!(".{verb}")) {
                    let rest = &text[at + 1..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if rest[name.len()..].starts_with("()") {
                        calls.insert(pascal(&name));
                    }
                }
            }
        }
        calls
    }

    /// Every SDK call in `src/inventory` is the collector's, but for `aidr inventory
    /// --organization`'s listing of the accounts, whose action is kept apart.
    #[test]
    fn every_sdk_call_of_the_collector_has_its_permission_and_no_more() {
        let listed: BTreeSet<String> = PERMISSIONS
            .iter()
            .filter(|p| !p.starts_with("sts:"))
            .map(|p| p.split_once(':').unwrap().1.to_owned())
            .collect();
        assert_eq!(listed.len() + 2, PERMISSIONS.len(), "a permission is listed twice");
        assert!(ORGANIZATION_PERMISSIONS.iter().all(|p| !PERMISSIONS.contains(p)));
        let listed: BTreeSet<String> = listed
            .into_iter()
            .chain(
                ORGANIZATION_PERMISSIONS
                    .iter()
                    .map(|p| p.split_once(':').unwrap().1.to_owned()),
            )
            .collect();
        let called = calls_in_source();
        assert!(called.contains("ListAgentRuntimes") && called.contains("GetAccountAuthorizationDetails"));
        let called: BTreeSet<String> = called.into_iter().filter(|c| c != "GetCallerIdentity").collect();
        assert_eq!(
            called.difference(&listed).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "called without a permission in PERMISSIONS"
        );
        assert_eq!(
            listed.difference(&called).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "in PERMISSIONS but never called"
        );
    }
}
