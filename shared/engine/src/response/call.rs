//! Playbook calls as data: what a dry-run shows, what the audit keeps and what an undo makes.
//! Each serializes as the API it is (`"api": "iam:UpdateAccessKey"`) with its parameters named
//! as in the AWS API reference (`UserName`, `AccessKeyId`, `Status`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ports::Scope;

/// What a playbook acts on, named as the finding shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// An IAM user's access key.
    AccessKey { user_name: String, access_key_id: String },
    /// An IAM user's Bedrock long-term API keys: one, or (`credential_id` absent) every
    /// active one.
    ApiKeys {
        user_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential_id: Option<String>,
    },
    /// An IAM role (its sessions).
    Role { role_name: String },
    /// An IAM user.
    User { user_name: String },
    /// A managed policy attached to a user, role or group.
    AttachedPolicy {
        principal: PrincipalKind,
        name: String,
        policy_arn: String,
    },
    /// The Bedrock model invocation logging configuration of the account and region.
    InvocationLogging,
    /// A Bedrock resource's resource policy (custom model, guardrail…).
    BedrockResourcePolicy { resource_arn: String },
    /// A SageMaker model package group's resource policy.
    ModelPackageGroupPolicy { group_name: String },
    /// A SageMaker notebook instance.
    NotebookInstance { name: String },
}

/// The kind of IAM identity a policy is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    Role,
    Group,
}

impl Target {
    /// The IAM ARN of the identity it is or belongs to in the account of `scope` (for
    /// allowlists), if any, in the partition of its region.
    pub fn identity_arn(&self, scope: &Scope) -> Option<String> {
        let (kind, name) = match self {
            Target::AccessKey { user_name, .. } | Target::ApiKeys { user_name, .. } | Target::User { user_name } => {
                ("user", user_name)
            }
            Target::Role { role_name } => ("role", role_name),
            Target::AttachedPolicy { principal, name, .. } => match principal {
                PrincipalKind::User => ("user", name),
                PrincipalKind::Role => ("role", name),
                PrincipalKind::Group => ("group", name),
            },
            _ => return None,
        };
        Some(format!(
            "arn:{}:iam::{}:{kind}/{name}",
            scope.partition(),
            scope.account
        ))
    }

    /// A short human name: `access key AKIA… of alice`, `role app`, `notebook instance nb`.
    pub fn describe(&self) -> String {
        match self {
            Target::AccessKey {
                user_name,
                access_key_id,
            } => format!("access key {access_key_id} of {user_name}"),
            Target::ApiKeys {
                user_name,
                credential_id: Some(id),
            } => format!("Bedrock API key {id} of {user_name}"),
            Target::ApiKeys {
                user_name,
                credential_id: None,
            } => format!("the Bedrock API keys of {user_name}"),
            Target::Role { role_name } => format!("role {role_name}"),
            Target::User { user_name } => format!("user {user_name}"),
            Target::AttachedPolicy {
                principal,
                name,
                policy_arn,
            } => {
                format!("{policy_arn} on {} {name}", principal.as_str())
            }
            Target::InvocationLogging => "the Bedrock model invocation logging configuration".into(),
            Target::BedrockResourcePolicy { resource_arn } => format!("the resource policy of {resource_arn}"),
            Target::ModelPackageGroupPolicy { group_name } => {
                format!("the resource policy of model package group {group_name}")
            }
            Target::NotebookInstance { name } => format!("notebook instance {name}"),
        }
    }
}

impl PrincipalKind {
    /// `user`, `role` or `group`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
            PrincipalKind::Group => "group",
        }
    }
}

/// The status IAM keys and service-specific credentials take.
pub const ACTIVE: &str = "Active";
/// See [`ACTIVE`].
pub const INACTIVE: &str = "Inactive";

/// One API call, with the parameters it is made with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "api")]
pub enum Call {
    #[serde(rename = "iam:UpdateAccessKey", rename_all = "PascalCase")]
    UpdateAccessKey {
        user_name: String,
        access_key_id: String,
        status: String,
    },
    #[serde(rename = "iam:UpdateServiceSpecificCredential", rename_all = "PascalCase")]
    UpdateServiceSpecificCredential {
        user_name: String,
        service_specific_credential_id: String,
        status: String,
    },
    #[serde(rename = "iam:PutRolePolicy", rename_all = "PascalCase")]
    PutRolePolicy {
        role_name: String,
        policy_name: String,
        policy_document: String,
    },
    #[serde(rename = "iam:DeleteRolePolicy", rename_all = "PascalCase")]
    DeleteRolePolicy { role_name: String, policy_name: String },
    #[serde(rename = "iam:AttachUserPolicy", rename_all = "PascalCase")]
    AttachUserPolicy { user_name: String, policy_arn: String },
    #[serde(rename = "iam:DetachUserPolicy", rename_all = "PascalCase")]
    DetachUserPolicy { user_name: String, policy_arn: String },
    #[serde(rename = "iam:AttachRolePolicy", rename_all = "PascalCase")]
    AttachRolePolicy { role_name: String, policy_arn: String },
    #[serde(rename = "iam:DetachRolePolicy", rename_all = "PascalCase")]
    DetachRolePolicy { role_name: String, policy_arn: String },
    #[serde(rename = "iam:AttachGroupPolicy", rename_all = "PascalCase")]
    AttachGroupPolicy { group_name: String, policy_arn: String },
    #[serde(rename = "iam:DetachGroupPolicy", rename_all = "PascalCase")]
    DetachGroupPolicy { group_name: String, policy_arn: String },
    /// `LoggingConfig` as the Bedrock API takes it (`s3Config`, `cloudWatchConfig`,
    /// `textDataDeliveryEnabled`…, camelCase as in CloudTrail and the API).
    #[serde(rename = "bedrock:PutModelInvocationLoggingConfiguration", rename_all = "PascalCase")]
    PutModelInvocationLoggingConfiguration { logging_config: Value },
    #[serde(rename = "bedrock:DeleteModelInvocationLoggingConfiguration")]
    DeleteModelInvocationLoggingConfiguration {},
    #[serde(rename = "bedrock:PutResourcePolicy", rename_all = "camelCase")]
    PutResourcePolicy {
        resource_arn: String,
        resource_policy: String,
    },
    #[serde(rename = "bedrock:DeleteResourcePolicy", rename_all = "camelCase")]
    DeleteResourcePolicy { resource_arn: String },
    #[serde(rename = "sagemaker:PutModelPackageGroupPolicy", rename_all = "PascalCase")]
    PutModelPackageGroupPolicy {
        model_package_group_name: String,
        resource_policy: String,
    },
    #[serde(rename = "sagemaker:DeleteModelPackageGroupPolicy", rename_all = "PascalCase")]
    DeleteModelPackageGroupPolicy { model_package_group_name: String },
    #[serde(rename = "sagemaker:StopNotebookInstance", rename_all = "PascalCase")]
    StopNotebookInstance { notebook_instance_name: String },
    #[serde(rename = "sagemaker:StartNotebookInstance", rename_all = "PascalCase")]
    StartNotebookInstance { notebook_instance_name: String },
}

impl Call {
    /// The API it is (`iam:UpdateAccessKey`).
    pub fn api(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("api").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default()
    }

    /// The call that reverses this one, given the state read before it was made; `None` when
    /// it cannot be reversed from what is known (a logging configuration or policy that was
    /// never read).
    pub fn undo(&self, before: Option<&Value>) -> Option<Call> {
        use Call::*;
        let before_text = |field: &str| {
            before
                .and_then(|b| b.get(field))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Some(match self.clone() {
            UpdateAccessKey {
                user_name,
                access_key_id,
                ..
            } => UpdateAccessKey {
                user_name,
                access_key_id,
                status: before_text("Status").unwrap_or_else(|| ACTIVE.into()),
            },
            UpdateServiceSpecificCredential {
                user_name,
                service_specific_credential_id,
                ..
            } => UpdateServiceSpecificCredential {
                user_name,
                service_specific_credential_id,
                status: before_text("Status").unwrap_or_else(|| ACTIVE.into()),
            },
            PutRolePolicy {
                role_name, policy_name, ..
            } => match before_text("PolicyDocument") {
                Some(policy_document) => PutRolePolicy {
                    role_name,
                    policy_name,
                    policy_document,
                },
                None => DeleteRolePolicy { role_name, policy_name },
            },
            DeleteRolePolicy { role_name, policy_name } => PutRolePolicy {
                role_name,
                policy_name,
                policy_document: before_text("PolicyDocument")?,
            },
            AttachUserPolicy { user_name, policy_arn } => DetachUserPolicy { user_name, policy_arn },
            DetachUserPolicy { user_name, policy_arn } => AttachUserPolicy { user_name, policy_arn },
            AttachRolePolicy { role_name, policy_arn } => DetachRolePolicy { role_name, policy_arn },
            DetachRolePolicy { role_name, policy_arn } => AttachRolePolicy { role_name, policy_arn },
            AttachGroupPolicy { group_name, policy_arn } => DetachGroupPolicy { group_name, policy_arn },
            DetachGroupPolicy { group_name, policy_arn } => AttachGroupPolicy { group_name, policy_arn },
            PutModelInvocationLoggingConfiguration { .. } | DeleteModelInvocationLoggingConfiguration {} => {
                match before.filter(|b| !b.is_null()) {
                    Some(config) => PutModelInvocationLoggingConfiguration {
                        logging_config: config.clone(),
                    },
                    None => DeleteModelInvocationLoggingConfiguration {},
                }
            }
            PutResourcePolicy { resource_arn, .. } | DeleteResourcePolicy { resource_arn } => {
                match before_text("resourcePolicy") {
                    Some(resource_policy) => PutResourcePolicy {
                        resource_arn,
                        resource_policy,
                    },
                    None => DeleteResourcePolicy { resource_arn },
                }
            }
            PutModelPackageGroupPolicy {
                model_package_group_name,
                ..
            }
            | DeleteModelPackageGroupPolicy {
                model_package_group_name,
            } => match before_text("ResourcePolicy") {
                Some(resource_policy) => PutModelPackageGroupPolicy {
                    model_package_group_name,
                    resource_policy,
                },
                None => DeleteModelPackageGroupPolicy {
                    model_package_group_name,
                },
            },
            StopNotebookInstance { notebook_instance_name } => StartNotebookInstance { notebook_instance_name },
            StartNotebookInstance { notebook_instance_name } => StopNotebookInstance { notebook_instance_name },
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn calls_serialize_as_the_api_with_its_parameters() {
        let call = Call::UpdateAccessKey {
            user_name: "alice".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            status: INACTIVE.into(),
        };
        let v = serde_json::to_value(&call).unwrap();
        assert_eq!(
            v,
            json!({"api": "iam:UpdateAccessKey", "UserName": "alice", "AccessKeyId": "AKIAEXAMPLE", "Status": "Inactive"})
        );
        assert_eq!(serde_json::from_value::<Call>(v).unwrap(), call);
        assert_eq!(call.api(), "iam:UpdateAccessKey");
        let delete = Call::DeleteModelInvocationLoggingConfiguration {};
        let v = serde_json::to_value(&delete).unwrap();
        assert_eq!(v, json!({"api": "bedrock:DeleteModelInvocationLoggingConfiguration"}));
        assert_eq!(serde_json::from_value::<Call>(v).unwrap(), delete);
    }

    #[test]
    fn undo_reverses_each_call_from_the_state_before() {
        let key = Call::UpdateAccessKey {
            user_name: "alice".into(),
            access_key_id: "AKIA1".into(),
            status: INACTIVE.into(),
        };
        let Some(Call::UpdateAccessKey { status, .. }) = key.undo(Some(&json!({"Status": "Active"}))) else {
            panic!("no undo")
        };
        assert_eq!(status, ACTIVE);
        let stop = Call::StopNotebookInstance {
            notebook_instance_name: "nb".into(),
        };
        assert_eq!(
            stop.undo(None),
            Some(Call::StartNotebookInstance {
                notebook_instance_name: "nb".into()
            })
        );
        let config = json!({"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": true});
        let put = Call::PutModelInvocationLoggingConfiguration {
            logging_config: json!({"s3Config": {"bucketName": "restored"}}),
        };
        assert_eq!(
            put.undo(Some(&config)),
            Some(Call::PutModelInvocationLoggingConfiguration { logging_config: config })
        );
        assert_eq!(put.undo(None), Some(Call::DeleteModelInvocationLoggingConfiguration {}));
        let remove = Call::DeleteResourcePolicy {
            resource_arn: "arn:aws:bedrock:us-east-1:111122223333:custom-model/m".into(),
        };
        let Some(Call::PutResourcePolicy { resource_policy, .. }) = remove.undo(Some(&json!({"resourcePolicy": "{}"})))
        else {
            panic!("no undo")
        };
        assert_eq!(resource_policy, "{}");
        let revoke = Call::PutRolePolicy {
            role_name: "app".into(),
            policy_name: "AWSRevokeOlderSessions".into(),
            policy_document: "{}".into(),
        };
        assert!(matches!(revoke.undo(None), Some(Call::DeleteRolePolicy { .. })));
        let detach = Call::DetachGroupPolicy {
            group_name: "g".into(),
            policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
        };
        assert!(matches!(detach.undo(None), Some(Call::AttachGroupPolicy { .. })));
    }
}
