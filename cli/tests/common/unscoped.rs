//! The IAM actions aidr's roles are granted on `"*"`: calls that name no resource IAM could
//! scope them to. Each with its public source, the service's page of the AWS Service
//! Authorization Reference, whose Actions table lists no resource type for it (IAM then only
//! accepts `"*"`), or with the reason a listed type does not apply.

/// An action granted on `"*"`.
pub struct Unscoped {
    /// `service:Action`, as the templates write it.
    pub action: &'static str,
    /// The Service Authorization Reference page of its service.
    pub source: &'static str,
    /// Why `"*"` although the reference gives the action a resource type, if it does.
    pub despite: Option<&'static str>,
}

const BEDROCK: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html";
const AGENTCORE: &str =
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrockagentcore.html";
const SAGEMAKER: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html";
const IAM: &str =
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html";

const fn none(action: &'static str, source: &'static str) -> Unscoped {
    Unscoped {
        action,
        source,
        despite: None,
    }
}

/// Every action any role of the templates may be granted on `"*"`.
pub const UNSCOPED: &[Unscoped] = &[
    // The inventory's list calls (its collector's reads).
    none("bedrock:ListCustomModels", BEDROCK),
    none("bedrock:ListImportedModels", BEDROCK),
    none("bedrock:ListProvisionedModelThroughputs", BEDROCK),
    Unscoped {
        action: "bedrock:ListGuardrails",
        source: BEDROCK,
        despite: Some(
            "the reference gives it the guardrail type, but listing every guardrail (no \
             guardrailIdentifier, as the collector calls it) names none; a guardrail ARN \
             pattern risks an access denied for no narrower access",
        ),
    },
    none("bedrock:ListInferenceProfiles", BEDROCK),
    none("bedrock:ListAgents", BEDROCK),
    none("bedrock:ListKnowledgeBases", BEDROCK),
    none("bedrock-agentcore:ListAgentRuntimes", AGENTCORE),
    none("bedrock-agentcore:ListGateways", AGENTCORE),
    none("sagemaker:ListNotebookInstances", SAGEMAKER),
    none("sagemaker:ListNotebookInstanceLifecycleConfigs", SAGEMAKER),
    none("sagemaker:ListDomains", SAGEMAKER),
    none("sagemaker:ListUserProfiles", SAGEMAKER),
    none("sagemaker:ListEndpoints", SAGEMAKER),
    none("sagemaker:ListEndpointConfigs", SAGEMAKER),
    none("sagemaker:ListModels", SAGEMAKER),
    none("sagemaker:ListModelPackageGroups", SAGEMAKER),
    none("sagemaker:ListTrainingJobs", SAGEMAKER),
    none("sagemaker:ListProcessingJobs", SAGEMAKER),
    none("iam:GetAccountAuthorizationDetails", IAM),
    // The account's Bedrock model invocation logging configuration: read by the inventory and
    // the responder, put back by the responder's restore-invocation-logging.
    none("bedrock:GetModelInvocationLoggingConfiguration", BEDROCK),
    none("bedrock:PutModelInvocationLoggingConfiguration", BEDROCK),
];

/// True when `action` is in [`UNSCOPED`] (IAM actions are case-insensitive).
pub fn is_unscoped(action: &str) -> bool {
    UNSCOPED.iter().any(|u| u.action.eq_ignore_ascii_case(action))
}
