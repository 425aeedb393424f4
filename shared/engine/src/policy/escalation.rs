//! The privilege-escalation table: actions whose grant on every resource of their kind lets
//! the holder raise its own permissions, and the actions that, together with `iam:PassRole` on
//! any role, let it run code under any role.
//!
//! Sources (public catalogs of AWS IAM escalation methods):
//! - Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation": the IAM
//!   actions below, and PassRole with `ec2:RunInstances`, `lambda:CreateFunction`,
//!   `glue:CreateDevEndpoint`, `cloudformation:CreateStack`, `datapipeline:CreatePipeline`.
//! - pathfinding.cloud and Bishop Fox's iam-vulnerable: PassRole with the SageMaker notebook,
//!   training-job and processing-job calls and with `ecs:RunTask`.
//! - Sonrai Security's research on AgentCore code interpreters, and the AgentCore developer
//!   guide ("Understanding credentials management"), which warns that code in a code
//!   interpreter or agent runtime reads its execution role's credentials: PassRole with
//!   `bedrock-agentcore:CreateCodeInterpreter` and `CreateAgentRuntime`.
//!
//! Left out on purpose: calls that reach only roles already attached to existing resources
//! (`lambda:UpdateFunctionCode`, `glue:UpdateDevEndpoint`), which deployment roles hold
//! routinely; they are not an escalation to *any* role.

/// Single actions that escalate when granted on every resource of their kind, with that kind
/// (the IAM resource type in the action's ARN: `user`, `group`, `role`, `policy`).
pub const ESCALATION_ACTIONS: &[(&str, &str)] = &[
    // Give oneself (or any identity) a policy.
    ("iam:AttachUserPolicy", "user"),
    ("iam:AttachGroupPolicy", "group"),
    ("iam:AttachRolePolicy", "role"),
    ("iam:PutUserPolicy", "user"),
    ("iam:PutGroupPolicy", "group"),
    ("iam:PutRolePolicy", "role"),
    // Rewrite a managed policy one already holds, or switch it to an older, broader version.
    ("iam:CreatePolicyVersion", "policy"),
    ("iam:SetDefaultPolicyVersion", "policy"),
    // Become another user.
    ("iam:CreateAccessKey", "user"),
    ("iam:CreateLoginProfile", "user"),
    ("iam:UpdateLoginProfile", "user"),
    // Let oneself assume any role.
    ("iam:UpdateAssumeRolePolicy", "role"),
    // Join a more privileged group.
    ("iam:AddUserToGroup", "group"),
];

/// Actions that start compute running under a role the caller passes: with `iam:PassRole` on
/// any role, the caller's code runs with any role's permissions.
pub const PASS_ROLE_PARTNERS: &[&str] = &[
    "ec2:RunInstances",
    "lambda:CreateFunction",
    "glue:CreateDevEndpoint",
    "cloudformation:CreateStack",
    "datapipeline:CreatePipeline",
    "ecs:RunTask",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "bedrock-agentcore:CreateCodeInterpreter",
    "bedrock-agentcore:CreateAgentRuntime",
];

/// One escalation path a document opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Escalation {
    /// An action of [`ESCALATION_ACTIONS`] on every resource of its kind.
    Action(&'static str),
    /// `iam:PassRole` on any role together with an action of [`PASS_ROLE_PARTNERS`].
    PassRoleWith(&'static str),
}

impl Escalation {
    /// The action named in the table.
    pub fn action(&self) -> &'static str {
        match self {
            Escalation::Action(a) | Escalation::PassRoleWith(a) => a,
        }
    }

    /// The IAM resource kind the path reaches: the action's kind in [`ESCALATION_ACTIONS`],
    /// `role` for a PassRole pair.
    pub fn kind(&self) -> &'static str {
        match self {
            Escalation::Action(a) => ESCALATION_ACTIONS
                .iter()
                .find(|(action, _)| action == a)
                .map_or("resource", |(_, kind)| kind),
            Escalation::PassRoleWith(_) => "role",
        }
    }

    /// "iam:AttachRolePolicy on any role", "iam:PassRole on any role with ec2:RunInstances".
    pub fn describe(&self) -> String {
        match self {
            Escalation::Action(a) => format!("{a} on any {}", self.kind()),
            Escalation::PassRoleWith(a) => format!("iam:PassRole on any role with {a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_names_its_kind() {
        for &(action, kind) in ESCALATION_ACTIONS {
            assert_eq!(Escalation::Action(action).kind(), kind);
            assert!(["user", "group", "role", "policy"].contains(&kind), "{action}");
        }
        assert_eq!(
            Escalation::Action("iam:AttachRolePolicy").describe(),
            "iam:AttachRolePolicy on any role"
        );
        assert_eq!(
            Escalation::PassRoleWith("ec2:RunInstances").describe(),
            "iam:PassRole on any role with ec2:RunInstances"
        );
    }
}
