//! Bedrock: the model invocation logging configuration of an account and region, resource
//! policies (custom models and other Bedrock resources), tags.

use aidr_engine::ports::{ActionError, Before};
use aidr_engine::response::Call;
use aws_sdk_bedrock::Client;
use serde_json::Value;

use super::{document_before, entity, logging, not_for};
use crate::sdk_error::{failed, made, service_error};

/// The state a Bedrock call changes (see the table in [`super`]).
///
/// # Errors
/// When it cannot be read, or the configuration to put is not a valid `loggingConfig`.
pub(super) async fn inspect(bedrock: &Client, call: &Call) -> Result<Before, ActionError> {
    match call {
        Call::PutModelInvocationLoggingConfiguration { logging_config } => {
            // Compared as Bedrock would read it back (absent flags stay absent).
            let wanted = logging::to_json(&config(call, logging_config)?);
            let old = logging_now(bedrock).await?;
            Ok(Before {
                in_effect: old.is_some() && old == wanted,
                state: old,
            })
        }
        Call::DeleteModelInvocationLoggingConfiguration {} => {
            let old = logging_now(bedrock).await?;
            Ok(Before {
                in_effect: old.is_none(),
                state: old,
            })
        }
        Call::PutResourcePolicy {
            resource_arn,
            resource_policy,
        } => {
            let old = resource_policy_now(bedrock, resource_arn).await?;
            Ok(document_before("resourcePolicy", old, Some(resource_policy)))
        }
        Call::DeleteResourcePolicy { resource_arn } => {
            let old = resource_policy_now(bedrock, resource_arn).await?;
            Ok(document_before("resourcePolicy", old, None))
        }
        _ => Err(not_for("Bedrock", call)),
    }
}

/// Makes a Bedrock call.
///
/// # Errors
/// When Bedrock refuses it or cannot be reached.
pub(super) async fn make(bedrock: &Client, call: &Call) -> Result<(), ActionError> {
    let (api, entity) = (call.api(), entity(call));
    match call {
        Call::PutModelInvocationLoggingConfiguration { logging_config } => made(
            &api,
            &entity,
            bedrock
                .put_model_invocation_logging_configuration()
                .logging_config(config(call, logging_config)?)
                .send()
                .await,
        ),
        Call::DeleteModelInvocationLoggingConfiguration {} => made(
            &api,
            &entity,
            bedrock.delete_model_invocation_logging_configuration().send().await,
        ),
        Call::PutResourcePolicy {
            resource_arn,
            resource_policy,
        } => made(
            &api,
            &entity,
            bedrock
                .put_resource_policy()
                .resource_arn(resource_arn)
                .resource_policy(resource_policy)
                .send()
                .await,
        ),
        Call::DeleteResourcePolicy { resource_arn } => made(
            &api,
            &entity,
            bedrock.delete_resource_policy().resource_arn(resource_arn).send().await,
        ),
        _ => Err(not_for("Bedrock", call)),
    }
}

/// The tags of Bedrock resource `resource_arn` (`ListTagsForResource`).
///
/// # Errors
/// When they cannot be listed.
pub(super) async fn tags(bedrock: &Client, resource_arn: &str) -> Result<Vec<(String, String)>, ActionError> {
    let out = bedrock
        .list_tags_for_resource()
        .resource_arn(resource_arn)
        .send()
        .await
        .map_err(failed("bedrock:ListTagsForResource", resource_arn))?;
    Ok(out
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect())
}

/// The SDK configuration a `loggingConfig` value describes.
fn config(call: &Call, json: &Value) -> Result<aws_sdk_bedrock::types::LoggingConfig, ActionError> {
    logging::from_json(json).map_err(|e| ActionError::permanent(format!("{}: invalid loggingConfig: {e}", call.api())))
}

/// The logging configuration now, in the API's JSON shape; `None` when it logs nowhere.
async fn logging_now(bedrock: &Client) -> Result<Option<Value>, ActionError> {
    let out = bedrock
        .get_model_invocation_logging_configuration()
        .send()
        .await
        .map_err(failed(
            "bedrock:GetModelInvocationLoggingConfiguration",
            "the logging configuration",
        ))?;
    Ok(out.logging_config.as_ref().and_then(logging::to_json))
}

/// The resource policy of `resource_arn`, or `None` when it has none (`ResourceNotFoundException`,
/// Bedrock API reference, `GetResourcePolicy`).
async fn resource_policy_now(bedrock: &Client, resource_arn: &str) -> Result<Option<String>, ActionError> {
    match bedrock.get_resource_policy().resource_arn(resource_arn).send().await {
        Ok(out) => Ok(out.resource_policy),
        Err(e) if service_error(&e).is_some_and(|(code, _)| code == "ResourceNotFoundException") => Ok(None),
        Err(e) => Err(failed("bedrock:GetResourcePolicy", resource_arn)(e)),
    }
}
