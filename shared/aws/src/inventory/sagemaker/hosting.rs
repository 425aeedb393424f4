//! What serves models: endpoints, endpoint configurations, models, model package groups.

use aidr_engine::inventory::types;
use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::operation::describe_endpoint_config::DescribeEndpointConfigOutput;
use aws_sdk_sagemaker::operation::describe_model::DescribeModelOutput;
use serde_json::Value;

use super::{SERVICE, arn_or, vpc};
use crate::inventory::found::Found;
use crate::inventory::json::{Obj, list};

pub(super) async fn collect(found: &mut Found, sagemaker: &Client) {
    endpoints(found, sagemaker).await;
    endpoint_configs(found, sagemaker).await;
    models(found, sagemaker).await;
    model_package_groups(found, sagemaker).await;
}

async fn endpoints(found: &mut Found, client: &Client) {
    let pages = client.list_endpoints().into_paginator().items().send();
    let listed = found.list(SERVICE, "ListEndpoints", pages).await;
    for name in listed.into_iter().filter_map(|e| e.endpoint_name) {
        let answer = client.describe_endpoint().endpoint_name(&name).send().await;
        let Some(e) = found.answer(SERVICE, "DescribeEndpoint", answer) else {
            continue;
        };
        let configuration = Obj::new()
            .put("EndpointName", &name)
            .put("EndpointArn", e.endpoint_arn.as_ref())
            .put("EndpointConfigName", e.endpoint_config_name.as_ref())
            .put("EndpointStatus", e.endpoint_status.as_ref().map(|s| s.as_str()))
            .put("CreationTime", e.creation_time.as_ref())
            .build();
        let arn = arn_or(found, e.endpoint_arn.as_deref(), "endpoint", &name);
        found.add(types::SAGEMAKER_ENDPOINT, &arn, &name, configuration);
    }
}

async fn endpoint_configs(found: &mut Found, client: &Client) {
    let pages = client.list_endpoint_configs().into_paginator().items().send();
    let listed = found.list(SERVICE, "ListEndpointConfigs", pages).await;
    for name in listed.into_iter().filter_map(|c| c.endpoint_config_name) {
        let answer = client
            .describe_endpoint_config()
            .endpoint_config_name(&name)
            .send()
            .await;
        if let Some(c) = found.answer(SERVICE, "DescribeEndpointConfig", answer) {
            let arn = arn_or(found, c.endpoint_config_arn.as_deref(), "endpoint-config", &name);
            found.add(types::SAGEMAKER_ENDPOINT_CONFIG, &arn, &name, endpoint_config_json(&c));
        }
    }
}

fn endpoint_config_json(c: &DescribeEndpointConfigOutput) -> Value {
    let capture = c.data_capture_config.as_ref().map(|d| {
        Obj::new()
            .put("EnableCapture", d.enable_capture)
            .put("DestinationS3Uri", d.destination_s3_uri.as_ref())
            .put("KmsKeyId", d.kms_key_id.as_ref())
    });
    let variants = list(c.production_variants.as_deref(), |v| {
        Obj::new()
            .put("VariantName", v.variant_name.as_ref())
            .put("ModelName", v.model_name.as_ref())
            .put("InstanceType", v.instance_type.as_ref().map(|t| t.as_str()))
            .put("InitialInstanceCount", v.initial_instance_count)
            .build()
    });
    Obj::new()
        .put("EndpointConfigName", c.endpoint_config_name.as_ref())
        .put("EndpointConfigArn", c.endpoint_config_arn.as_ref())
        .put("KmsKeyId", c.kms_key_id.as_ref())
        .put("DataCaptureConfig", capture)
        .put("ProductionVariants", variants)
        .put("CreationTime", c.creation_time.as_ref())
        .build()
}

async fn models(found: &mut Found, client: &Client) {
    let pages = client.list_models().into_paginator().items().send();
    let listed = found.list(SERVICE, "ListModels", pages).await;
    for name in listed.into_iter().filter_map(|m| m.model_name) {
        let answer = client.describe_model().model_name(&name).send().await;
        if let Some(m) = found.answer(SERVICE, "DescribeModel", answer) {
            let arn = arn_or(found, m.model_arn.as_deref(), "model", &name);
            found.add(types::SAGEMAKER_MODEL, &arn, &name, model_json(&m));
        }
    }
}

fn model_json(m: &DescribeModelOutput) -> Value {
    let container = m.primary_container.as_ref().map(|c| {
        Obj::new()
            .put("Image", c.image.as_ref())
            .put("ModelDataUrl", c.model_data_url.as_ref())
    });
    Obj::new()
        .put("ModelName", m.model_name.as_ref())
        .put("ModelArn", m.model_arn.as_ref())
        .put("ExecutionRoleArn", m.execution_role_arn.as_ref())
        .put("EnableNetworkIsolation", m.enable_network_isolation)
        .put("VpcConfig", m.vpc_config.as_ref().map(vpc))
        .put("PrimaryContainer", container)
        .put("CreationTime", m.creation_time.as_ref())
        .build()
}

/// Model package groups: the listing has every field the inventory keeps.
async fn model_package_groups(found: &mut Found, client: &Client) {
    let pages = client.list_model_package_groups().into_paginator().items().send();
    for g in found.list(SERVICE, "ListModelPackageGroups", pages).await {
        let Some(name) = g.model_package_group_name.as_deref() else {
            continue;
        };
        let configuration = Obj::new()
            .put("ModelPackageGroupName", name)
            .put("ModelPackageGroupArn", g.model_package_group_arn.as_ref())
            .put(
                "ModelPackageGroupStatus",
                g.model_package_group_status.as_ref().map(|s| s.as_str()),
            )
            .put("CreationTime", g.creation_time.as_ref())
            .build();
        let arn = arn_or(found, g.model_package_group_arn.as_deref(), "model-package-group", name);
        found.add(types::SAGEMAKER_MODEL_PACKAGE_GROUP, &arn, name, configuration);
    }
}
