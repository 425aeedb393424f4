//! SageMaker: notebook instances (stop, start), model package group resource policies, tags.

use aidr_engine::ports::{ActionError, Before, Scope};
use aidr_engine::response::Call;
use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::operation::describe_notebook_instance::DescribeNotebookInstanceOutput;
use serde_json::json;

use super::{document_before, entity, not_for};
use crate::sdk_error::{failed, made, odd_response, service_error};

/// The state a SageMaker call changes (see the table in [`super`]).
///
/// # Errors
/// When it cannot be read; a notebook instance that does not exist is a permanent error.
pub(super) async fn inspect(sagemaker: &Client, call: &Call) -> Result<Before, ActionError> {
    match call {
        Call::StopNotebookInstance {
            notebook_instance_name: name,
        }
        | Call::StartNotebookInstance {
            notebook_instance_name: name,
        } => {
            let api = "sagemaker:DescribeNotebookInstance";
            let status = describe_notebook(sagemaker, name)
                .await?
                .notebook_instance_status
                .ok_or_else(|| odd_response(api, &entity(call), "NotebookInstanceStatus"))?;
            // Stopping ends Stopped, Pending ends InService: either is what the call would do.
            let done = match call {
                Call::StopNotebookInstance { .. } => ["Stopped", "Stopping"],
                _ => ["InService", "Pending"],
            };
            Ok(Before {
                in_effect: done.contains(&status.as_str()),
                state: Some(json!({"NotebookInstanceStatus": status.as_str()})),
            })
        }
        Call::PutModelPackageGroupPolicy {
            model_package_group_name,
            resource_policy,
        } => {
            let old = group_policy_now(sagemaker, model_package_group_name).await?;
            Ok(document_before("ResourcePolicy", old, Some(resource_policy)))
        }
        Call::DeleteModelPackageGroupPolicy {
            model_package_group_name,
        } => {
            let old = group_policy_now(sagemaker, model_package_group_name).await?;
            Ok(document_before("ResourcePolicy", old, None))
        }
        _ => Err(not_for("SageMaker", call)),
    }
}

/// Makes a SageMaker call.
///
/// # Errors
/// When SageMaker refuses it (a notebook instance in a state that cannot change) or cannot be
/// reached.
pub(super) async fn make(sagemaker: &Client, call: &Call) -> Result<(), ActionError> {
    let (api, entity) = (call.api(), entity(call));
    match call {
        Call::StopNotebookInstance { notebook_instance_name } => made(
            &api,
            &entity,
            sagemaker
                .stop_notebook_instance()
                .notebook_instance_name(notebook_instance_name)
                .send()
                .await,
        ),
        Call::StartNotebookInstance { notebook_instance_name } => made(
            &api,
            &entity,
            sagemaker
                .start_notebook_instance()
                .notebook_instance_name(notebook_instance_name)
                .send()
                .await,
        ),
        Call::PutModelPackageGroupPolicy {
            model_package_group_name,
            resource_policy,
        } => made(
            &api,
            &entity,
            sagemaker
                .put_model_package_group_policy()
                .model_package_group_name(model_package_group_name)
                .resource_policy(resource_policy)
                .send()
                .await,
        ),
        Call::DeleteModelPackageGroupPolicy {
            model_package_group_name,
        } => made(
            &api,
            &entity,
            sagemaker
                .delete_model_package_group_policy()
                .model_package_group_name(model_package_group_name)
                .send()
                .await,
        ),
        _ => Err(not_for("SageMaker", call)),
    }
}

/// The tags of notebook instance `name`, listed on the ARN `DescribeNotebookInstance` gives
/// (SageMaker writes notebook names in lower case in their ARNs; the described ARN is right
/// whatever the case).
///
/// # Errors
/// When the notebook instance cannot be described or its tags listed.
pub(super) async fn notebook_tags(sagemaker: &Client, name: &str) -> Result<Vec<(String, String)>, ActionError> {
    let arn = describe_notebook(sagemaker, name)
        .await?
        .notebook_instance_arn
        .ok_or_else(|| {
            odd_response(
                "sagemaker:DescribeNotebookInstance",
                &format!("notebook instance {name}"),
                "NotebookInstanceArn",
            )
        })?;
    tags(sagemaker, &arn).await
}

/// The ARN of model package group `name` in `scope`:
/// `arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>`
/// (`CreateModelPackageGroup` in the SageMaker API reference; the name keeps its case there,
/// as AWS's own examples and moto show).
pub(super) fn group_arn(partition: &str, scope: &Scope, name: &str) -> String {
    format!(
        "arn:{partition}:sagemaker:{}:{}:model-package-group/{name}",
        scope.region, scope.account
    )
}

/// The tags of SageMaker resource `arn` (`ListTags`, every page).
///
/// # Errors
/// When they cannot be listed.
pub(super) async fn tags(sagemaker: &Client, arn: &str) -> Result<Vec<(String, String)>, ActionError> {
    let tags: Vec<_> = sagemaker
        .list_tags()
        .resource_arn(arn)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(failed("sagemaker:ListTags", arn))?;
    Ok(tags
        .into_iter()
        .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
        .collect())
}

/// `DescribeNotebookInstance`; a notebook instance that does not exist fails permanently
/// (SageMaker answers `ValidationException`).
async fn describe_notebook(sagemaker: &Client, name: &str) -> Result<DescribeNotebookInstanceOutput, ActionError> {
    sagemaker
        .describe_notebook_instance()
        .notebook_instance_name(name)
        .send()
        .await
        .map_err(failed(
            "sagemaker:DescribeNotebookInstance",
            format!("notebook instance {name}"),
        ))
}

/// The resource policy of model package group `name`, or `None` when it has none: SageMaker
/// answers `ValidationException` `Cannot find resource policy for: <arn>` (the message the
/// AWS CloudFormation resource provider of `AWS::SageMaker::ModelPackageGroup` and the
/// Terraform AWS provider match on).
async fn group_policy_now(sagemaker: &Client, name: &str) -> Result<Option<String>, ActionError> {
    match sagemaker
        .get_model_package_group_policy()
        .model_package_group_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.resource_policy),
        Err(e)
            if service_error(&e).is_some_and(|(code, message)| {
                code == "ValidationException" && message.contains("Cannot find resource policy")
            }) =>
        {
            Ok(None)
        }
        Err(e) => Err(failed(
            "sagemaker:GetModelPackageGroupPolicy",
            format!("model package group {name}"),
        )(e)),
    }
}
