//! The responder's actions on AWS: [`AwsActions`] implements the engine's [`CloudActions`] port
//! with the IAM, Bedrock and SageMaker APIs, in the responder's own account with its own
//! credentials and in any other through a member role it assumes there.
//!
//! What [`Before::state`] holds for each call (what `Call::undo` reads back):
//!
//! | call | state before | in effect when |
//! |---|---|---|
//! | `iam:UpdateAccessKey`, `iam:UpdateServiceSpecificCredential` | `{"Status": "Active"}` | the status is already the one asked |
//! | `iam:PutRolePolicy`, `iam:DeleteRolePolicy` | `{"PolicyDocument": doc}` (decoded), or none | the same document is there / none is |
//! | `iam:Attach*Policy`, `iam:Detach*Policy` | `{"Attached": bool}` | attached / not attached |
//! | `bedrock:Put/DeleteModelInvocationLoggingConfiguration` | the configuration in the API's JSON shape (camelCase: `s3Config`, `cloudWatchConfig`, `textDataDeliveryEnabled`…), or none | the same configuration / none |
//! | `bedrock:Put/DeleteResourcePolicy` | `{"resourcePolicy": doc}`, or none | the same document / none |
//! | `sagemaker:Put/DeleteModelPackageGroupPolicy` | `{"ResourcePolicy": doc}`, or none | the same document / none |
//! | `sagemaker:Stop/StartNotebookInstance` | `{"NotebookInstanceStatus": status}` | `Stopped`/`Stopping` / `InService`/`Pending` |
//!
//! Policy documents count as the same when they are equal as JSON.

mod bedrock;
mod iam;
mod sagemaker;

#[cfg(test)]
mod tests;

use aidr_engine::ports::{ActionError, ApiKey, Before, CloudActions, Scope};
use aidr_engine::response::{Call, PrincipalKind, Target};
use aws_config::SdkConfig;
use serde_json::{Value, json};

use aws_types::region::Region;

use crate::accounts::Accounts;
use crate::bedrock_logging as logging;

/// The session name the member role is assumed with (it shows in the member account's
/// CloudTrail as the caller's `assumed-role/<role>/aidr-responder`).
const SESSION_NAME: &str = "aidr-responder";

/// The regional clients of one account and region.
#[derive(Debug, Clone)]
struct Regional {
    bedrock: aws_sdk_bedrock::Client,
    sagemaker: aws_sdk_sagemaker::Client,
}

impl Regional {
    fn new(config: &SdkConfig, region: Region) -> Regional {
        Regional {
            bedrock: aws_sdk_bedrock::Client::from_conf(
                aws_sdk_bedrock::config::Builder::from(config)
                    .region(region.clone())
                    .build(),
            ),
            sagemaker: aws_sdk_sagemaker::Client::from_conf(
                aws_sdk_sagemaker::config::Builder::from(config).region(region).build(),
            ),
        }
    }
}

/// Makes and inspects playbook calls with the AWS SDK. Clients and assumed credentials are
/// kept for the life of the value (credentials are refreshed before they expire).
///
/// The permissions each call needs are listed with the playbooks
/// (`aidr_engine::response::playbook`); in member accounts the role `member_role_name` must
/// have them and trust the responder's role (`sts:AssumeRole`).
#[derive(Debug)]
pub struct AwsActions {
    accounts: Accounts<Regional>,
}

impl AwsActions {
    /// `config`: the function's own AWS configuration; `member_role_name`: the role assumed in
    /// other accounts (`arn:<partition>:iam::<account>:role/<member_role_name>`, session name
    /// `aidr-responder`).
    pub fn new(config: &SdkConfig, member_role_name: impl Into<String>) -> AwsActions {
        AwsActions {
            accounts: Accounts::new(config, member_role_name.into(), SESSION_NAME),
        }
    }

    /// Reads the state `call` changes; makes the call too when `apply` and not in effect.
    async fn run(&self, scope: &Scope, call: &Call, apply: bool) -> Result<Before, ActionError> {
        let service = self.service(scope, call).await?;
        let before = match &service {
            Service::Iam(c) => iam::inspect(c, call).await?,
            Service::Bedrock(c) => bedrock::inspect(c, call).await?,
            Service::SageMaker(c) => sagemaker::inspect(c, call).await?,
        };
        if apply && !before.in_effect {
            match &service {
                Service::Iam(c) => iam::make(c, call).await?,
                Service::Bedrock(c) => bedrock::make(c, call).await?,
                Service::SageMaker(c) => sagemaker::make(c, call).await?,
            }
        }
        Ok(before)
    }

    /// The client of the service `call` belongs to (the prefix of its API name).
    async fn service(&self, scope: &Scope, call: &Call) -> Result<Service, ActionError> {
        let api = call.api();
        Ok(match api.split_once(':').map(|(service, _)| service) {
            Some("iam") => Service::Iam(self.accounts.iam(&scope.account).await?),
            Some("bedrock") => Service::Bedrock(self.accounts.regional(scope, Regional::new).await?.bedrock),
            Some("sagemaker") => Service::SageMaker(self.accounts.regional(scope, Regional::new).await?.sagemaker),
            _ => return Err(ActionError::permanent(format!("{api}: not a call of a known service"))),
        })
    }
}

/// Why Bedrock would refuse `config` as a `loggingConfig`, if it would: the checks a restore
/// makes before its call, for settings to be checked when they are read.
///
/// # Errors
/// A message naming the field that is missing or has the wrong type.
pub fn check_logging_config(config: &Value) -> Result<(), String> {
    logging::from_json(config).map(|_| ())
}

enum Service {
    Iam(aws_sdk_iam::Client),
    Bedrock(aws_sdk_bedrock::Client),
    SageMaker(aws_sdk_sagemaker::Client),
}

impl CloudActions for AwsActions {
    async fn inspect(&self, scope: &Scope, call: &Call) -> Result<Before, ActionError> {
        self.run(scope, call, false).await
    }

    async fn apply(&self, scope: &Scope, call: &Call) -> Result<Before, ActionError> {
        self.run(scope, call, true).await
    }

    /// IAM `ListUserTags` for keys, API keys, users and policies attached to users;
    /// `ListRoleTags` for roles and policies attached to roles; Bedrock `ListTagsForResource`;
    /// SageMaker `ListTags` on the notebook instance (its ARN as `DescribeNotebookInstance`
    /// gives it) or the model package group. None for groups (IAM groups have no tags) and
    /// the logging configuration.
    async fn tags(&self, scope: &Scope, target: &Target) -> Result<Vec<(String, String)>, ActionError> {
        match target {
            Target::AccessKey { user_name, .. }
            | Target::ApiKeys { user_name, .. }
            | Target::User { user_name }
            | Target::AttachedPolicy {
                principal: PrincipalKind::User,
                name: user_name,
                ..
            } => iam::user_tags(&self.accounts.iam(&scope.account).await?, user_name).await,
            Target::Role { role_name }
            | Target::AttachedPolicy {
                principal: PrincipalKind::Role,
                name: role_name,
                ..
            } => iam::role_tags(&self.accounts.iam(&scope.account).await?, role_name).await,
            Target::AttachedPolicy {
                principal: PrincipalKind::Group,
                ..
            }
            | Target::InvocationLogging => Ok(Vec::new()),
            Target::BedrockResourcePolicy { resource_arn } => {
                bedrock::tags(
                    &self.accounts.regional(scope, Regional::new).await?.bedrock,
                    resource_arn,
                )
                .await
            }
            Target::NotebookInstance { name } => {
                sagemaker::notebook_tags(&self.accounts.regional(scope, Regional::new).await?.sagemaker, name).await
            }
            Target::ModelPackageGroupPolicy { group_name } => {
                let partition = self.accounts.own().await?.partition;
                let arn = sagemaker::group_arn(&partition, scope, group_name);
                sagemaker::tags(&self.accounts.regional(scope, Regional::new).await?.sagemaker, &arn).await
            }
        }
    }

    /// IAM `ListServiceSpecificCredentials` for `bedrock.amazonaws.com`.
    async fn api_keys(&self, scope: &Scope, user_name: &str) -> Result<Vec<ApiKey>, ActionError> {
        let iam = self.accounts.iam(&scope.account).await?;
        iam::credentials(&iam, user_name, Some(iam::BEDROCK)).await
    }
}

/// What `call` acts on, for error messages: `AKIA… of alice`, `AWSRevokeOlderSessions of role
/// app`, `arn:… on user alice`, `notebook instance nb`.
fn entity(call: &Call) -> String {
    match call {
        Call::UpdateAccessKey {
            user_name,
            access_key_id: id,
            ..
        }
        | Call::UpdateServiceSpecificCredential {
            user_name,
            service_specific_credential_id: id,
            ..
        } => format!("{id} of {user_name}"),
        Call::PutRolePolicy {
            role_name, policy_name, ..
        }
        | Call::DeleteRolePolicy { role_name, policy_name } => format!("{policy_name} of role {role_name}"),
        Call::PutModelInvocationLoggingConfiguration { .. } | Call::DeleteModelInvocationLoggingConfiguration {} => {
            "the logging configuration".into()
        }
        Call::PutResourcePolicy { resource_arn, .. } | Call::DeleteResourcePolicy { resource_arn } => {
            resource_arn.clone()
        }
        Call::PutModelPackageGroupPolicy {
            model_package_group_name: name,
            ..
        }
        | Call::DeleteModelPackageGroupPolicy {
            model_package_group_name: name,
        } => format!("model package group {name}"),
        Call::StopNotebookInstance {
            notebook_instance_name: name,
        }
        | Call::StartNotebookInstance {
            notebook_instance_name: name,
        } => format!("notebook instance {name}"),
        _ => match iam::attachment(call) {
            Some(a) => format!("{} on {} {}", a.policy_arn, a.kind.as_str(), a.name),
            None => String::new(),
        },
    }
}

/// The error for a call sent to a module of another service (a bug, not a cloud failure).
fn not_for(service: &str, call: &Call) -> ActionError {
    ActionError::permanent(format!("{} is not a {service} call", call.api()))
}

/// The state before a call that puts (`wanted` is `Some`) or deletes (`None`) a policy
/// document, kept under `field` (`{"PolicyDocument": doc}`); the document `old` is the one
/// there now, if any.
fn document_before(field: &str, old: Option<String>, wanted: Option<&str>) -> Before {
    let in_effect = match (old.as_deref(), wanted) {
        (Some(old), Some(wanted)) => same_document(old, wanted),
        (None, None) => true,
        _ => false,
    };
    Before {
        in_effect,
        state: old.map(|doc| json!({ field: doc })),
    }
}

/// Whether two policy documents say the same: equal as JSON (spacing and key order aside), or
/// as text when either is not JSON.
fn same_document(a: &str, b: &str) -> bool {
    match (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
