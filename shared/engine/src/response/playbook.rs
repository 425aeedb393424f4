//! The playbooks: what each one answers, the calls it makes, the IAM permissions those need,
//! and how it is undone. Facts from the AWS IAM guide (`id_credentials_access-keys`,
//! `id_roles_use_revoke-sessions`), the Bedrock API-key guide (`api-keys-modify`), the
//! Bedrock and SageMaker API references.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One containment playbook. Its id (`deactivate-access-key`…) is how settings, records and
/// messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Playbook {
    DeactivateAccessKey,
    DeactivateBedrockApiKey,
    RevokeRoleSessions,
    QuarantineUser,
    DetachAdminPolicy,
    RestoreInvocationLogging,
    RemoveResourcePolicy,
    StopNotebookInstance,
}

/// The stateful LLMjacking detections: incidents on one access key or principal.
pub const LLMJACKING: &[&str] = &[
    "bedrock.llmjacking_enablement_then_use",
    "bedrock.llmjacking_recon_then_use",
    "bedrock.llmjacking_breadth",
    "bedrock.llmjacking_probing",
    "bedrock.llmjacking_first_seen",
    "bedrock.llmjacking_volume_spike",
    "bedrock.llmjacking_region_fan_out",
];

/// What a playbook is, for the catalog, the docs and the infrastructure.
#[derive(Debug, Clone, Copy)]
pub struct PlaybookInfo {
    pub id: &'static str,
    /// What it does, in a few words (`deactivate the access key`).
    pub action: &'static str,
    /// The rule ids whose findings it answers (besides [`LLMJACKING`] where `llmjacking`).
    pub rules: &'static [&'static str],
    /// Whether it also answers the LLMjacking incidents.
    pub llmjacking: bool,
    /// The IAM actions its calls (and their undo, and the reads before them) need.
    pub permissions: &'static [&'static str],
    /// How it is undone.
    pub undo: &'static str,
}

impl Playbook {
    /// Every playbook, in catalog order.
    pub const ALL: [Playbook; 8] = [
        Playbook::DeactivateAccessKey,
        Playbook::DeactivateBedrockApiKey,
        Playbook::RevokeRoleSessions,
        Playbook::QuarantineUser,
        Playbook::DetachAdminPolicy,
        Playbook::RestoreInvocationLogging,
        Playbook::RemoveResourcePolicy,
        Playbook::StopNotebookInstance,
    ];

    /// What the playbook is.
    pub fn info(self) -> PlaybookInfo {
        match self {
            Playbook::DeactivateAccessKey => PlaybookInfo {
                id: "deactivate-access-key",
                action: "deactivate the access key (never delete it)",
                rules: &["bedrock.api_key_user_credentials", "iam.credentials_for_other_user"],
                llmjacking: true,
                permissions: &["iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:ListUserTags"],
                undo: "iam:UpdateAccessKey Status=Active",
            },
            Playbook::DeactivateBedrockApiKey => PlaybookInfo {
                id: "deactivate-bedrock-api-key",
                action: "deactivate the Bedrock long-term API key",
                rules: &["bedrock.api_key_created", "bedrock.bearer_token_destructive"],
                llmjacking: false,
                permissions: &[
                    "iam:ListServiceSpecificCredentials",
                    "iam:UpdateServiceSpecificCredential",
                    "iam:ListUserTags",
                ],
                undo: "iam:UpdateServiceSpecificCredential Status=Active",
            },
            Playbook::RevokeRoleSessions => PlaybookInfo {
                id: "revoke-role-sessions",
                action: "revoke the role's active sessions (inline deny on aws:TokenIssueTime)",
                rules: &[],
                llmjacking: true,
                permissions: &[
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:PutRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:ListRoleTags",
                ],
                undo: "iam:DeleteRolePolicy AWSRevokeOlderSessions",
            },
            Playbook::QuarantineUser => PlaybookInfo {
                id: "quarantine-user",
                action: "attach AWSCompromisedKeyQuarantineV3 to the user",
                rules: &["bedrock.api_key_user_activity", "bedrock.api_key_user_credentials"],
                llmjacking: true,
                permissions: &[
                    "iam:ListAttachedUserPolicies",
                    "iam:AttachUserPolicy",
                    "iam:DetachUserPolicy",
                    "iam:ListUserTags",
                ],
                undo: "iam:DetachUserPolicy",
            },
            Playbook::DetachAdminPolicy => PlaybookInfo {
                id: "detach-admin-policy",
                action: "detach the admin-equivalent policy just attached",
                rules: &["iam.admin_policy_attached"],
                llmjacking: false,
                permissions: &[
                    "iam:ListAttachedUserPolicies",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListAttachedGroupPolicies",
                    "iam:DetachUserPolicy",
                    "iam:DetachRolePolicy",
                    "iam:DetachGroupPolicy",
                    "iam:AttachUserPolicy",
                    "iam:AttachRolePolicy",
                    "iam:AttachGroupPolicy",
                    "iam:ListUserTags",
                    "iam:ListRoleTags",
                ],
                undo: "iam:Attach{User,Role,Group}Policy",
            },
            Playbook::RestoreInvocationLogging => PlaybookInfo {
                id: "restore-invocation-logging",
                action: "restore the Bedrock model invocation logging configuration",
                rules: &[
                    "bedrock.invocation_logging_deleted",
                    "bedrock.invocation_logging_weakened",
                ],
                llmjacking: false,
                permissions: &[
                    "bedrock:GetModelInvocationLoggingConfiguration",
                    "bedrock:PutModelInvocationLoggingConfiguration",
                    "bedrock:DeleteModelInvocationLoggingConfiguration",
                    "iam:PassRole",
                ],
                undo: "bedrock:PutModelInvocationLoggingConfiguration with the configuration before",
            },
            Playbook::RemoveResourcePolicy => PlaybookInfo {
                id: "remove-resource-policy",
                action: "remove the public or external resource policy just written",
                rules: &[
                    "bedrock.resource_policy_exposed",
                    "sagemaker.model_package_group_policy_exposed",
                ],
                llmjacking: false,
                permissions: &[
                    "bedrock:GetResourcePolicy",
                    "bedrock:DeleteResourcePolicy",
                    "bedrock:PutResourcePolicy",
                    "bedrock:ListTagsForResource",
                    "sagemaker:GetModelPackageGroupPolicy",
                    "sagemaker:DeleteModelPackageGroupPolicy",
                    "sagemaker:PutModelPackageGroupPolicy",
                    "sagemaker:ListTags",
                ],
                undo: "bedrock:PutResourcePolicy / sagemaker:PutModelPackageGroupPolicy with the document removed",
            },
            Playbook::StopNotebookInstance => PlaybookInfo {
                id: "stop-notebook-instance",
                action: "stop the exposed notebook instance",
                rules: &[
                    "sagemaker.notebook_insecure",
                    "sagemaker.notebook_direct_internet_access",
                ],
                llmjacking: false,
                permissions: &[
                    "sagemaker:DescribeNotebookInstance",
                    "sagemaker:StopNotebookInstance",
                    "sagemaker:StartNotebookInstance",
                    "sagemaker:ListTags",
                ],
                undo: "sagemaker:StartNotebookInstance",
            },
        }
    }

    /// The id (`deactivate-access-key`).
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Whether it answers findings of `rule_id`.
    pub fn answers(self, rule_id: &str) -> bool {
        let info = self.info();
        info.rules.contains(&rule_id) || (info.llmjacking && LLMJACKING.contains(&rule_id))
    }

    /// Every rule id it answers.
    pub fn rule_ids(self) -> Vec<&'static str> {
        let info = self.info();
        let llmjacking = if info.llmjacking { LLMJACKING } else { &[] };
        info.rules.iter().chain(llmjacking).copied().collect()
    }
}

impl fmt::Display for Playbook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Playbook {
    type Err = String;

    fn from_str(s: &str) -> Result<Playbook, String> {
        Playbook::ALL.into_iter().find(|p| p.id() == s).ok_or_else(|| {
            let ids: Vec<&str> = Playbook::ALL.iter().map(|p| p.id()).collect();
            format!("unknown playbook {s:?} (one of {})", ids.join(", "))
        })
    }
}
