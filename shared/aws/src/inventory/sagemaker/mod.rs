//! SageMaker in one account and region: notebook instances and their lifecycle
//! configurations, Studio domains and user profiles ([`notebooks`], [`studio`]), endpoints,
//! endpoint configurations, models and model package groups ([`hosting`]), and the training
//! and processing jobs created lately ([`jobs`]). Each resource is listed, then described;
//! field names are the Describe calls' (PascalCase).

mod hosting;
mod jobs;
mod notebooks;
mod studio;

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types::VpcConfig;

use super::found::Found;
use super::json::Obj;

const SERVICE: &str = "sagemaker";

/// Collects SageMaker's resources into `found`; jobs created since `since` (Unix seconds).
pub(super) async fn collect(found: &mut Found, sagemaker: &Client, since: i64) {
    notebooks::collect(found, sagemaker).await;
    studio::collect(found, sagemaker).await;
    hosting::collect(found, sagemaker).await;
    jobs::collect(found, sagemaker, since).await;
}

/// `VpcConfig` {`SecurityGroupIds`, `Subnets`}.
fn vpc(v: &VpcConfig) -> Obj {
    Obj::new()
        .put("SecurityGroupIds", v.security_group_ids.as_ref())
        .put("Subnets", v.subnets.as_ref())
}

/// The ARN a Describe call gave, or one made from the resource's kind and name when it gave
/// none (`arn:…:sagemaker:<region>:<account>:notebook-instance/<name>`).
fn arn_or(found: &Found, arn: Option<&str>, kind: &str, name: &str) -> String {
    arn.map_or_else(|| found.arn(SERVICE, &format!("{kind}/{name}")), str::to_owned)
}
