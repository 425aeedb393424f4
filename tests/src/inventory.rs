//! What the inventory collector's end-to-end tests and the command line's live collection tests
//! share: what moto lacks (gaps, never failures).

/// The regional calls moto 5.2.5 does not implement (it answers HTTP 500 with an HTML page).
pub const MOTO_LACKS_PER_REGION: &[(&str, &str)] = &[
    ("bedrock", "ListImportedModels"),
    ("bedrock", "ListProvisionedModelThroughputs"),
    ("bedrock", "ListGuardrails"),
    ("bedrock", "ListInferenceProfiles"),
    ("sagemaker", "ListNotebookInstanceLifecycleConfigs"),
    ("sagemaker", "ListUserProfiles"),
];

/// The listings moto 5.2.5 answers in a way the SDK cannot read once they have items
/// (`ListAgents`: HTTP 500; `ListKnowledgeBases`: times as numbers, not RFC 3339 text).
pub const MOTO_CANNOT_LIST: &[(&str, &str)] =
    &[("bedrock-agent", "ListAgents"), ("bedrock-agent", "ListKnowledgeBases")];

/// The account-wide calls moto 5.2.5 does not implement (asked once the account has a user).
pub const MOTO_LACKS_PER_ACCOUNT: &[(&str, &str)] = &[("iam", "ListServiceSpecificCredentials")];
