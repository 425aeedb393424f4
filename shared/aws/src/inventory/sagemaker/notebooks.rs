//! Notebook instances and notebook instance lifecycle configurations.

use aidr_engine::inventory::types;
use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::operation::describe_notebook_instance::DescribeNotebookInstanceOutput;
use aws_sdk_sagemaker::types::NotebookInstanceLifecycleHook;
use serde_json::Value;

use super::{SERVICE, arn_or};
use crate::inventory::found::Found;
use crate::inventory::json::{Obj, list};

pub(super) async fn collect(found: &mut Found, sagemaker: &Client) {
    instances(found, sagemaker).await;
    lifecycle_configs(found, sagemaker).await;
}

async fn instances(found: &mut Found, client: &Client) {
    let pages = client.list_notebook_instances().into_paginator().items().send();
    let listed = found.list(SERVICE, "ListNotebookInstances", pages).await;
    for name in listed.into_iter().filter_map(|s| s.notebook_instance_name) {
        let answer = client
            .describe_notebook_instance()
            .notebook_instance_name(&name)
            .send()
            .await;
        if let Some(out) = found.answer(SERVICE, "DescribeNotebookInstance", answer) {
            let arn = arn_or(found, out.notebook_instance_arn.as_deref(), "notebook-instance", &name);
            found.add(types::SAGEMAKER_NOTEBOOK, &arn, &name, instance_json(&out));
        }
    }
}

fn instance_json(n: &DescribeNotebookInstanceOutput) -> Value {
    Obj::new()
        .put("NotebookInstanceName", n.notebook_instance_name.as_ref())
        .put("NotebookInstanceArn", n.notebook_instance_arn.as_ref())
        .put(
            "NotebookInstanceStatus",
            n.notebook_instance_status.as_ref().map(|s| s.as_str()),
        )
        .put("InstanceType", n.instance_type.as_ref().map(|t| t.as_str()))
        .put("SubnetId", n.subnet_id.as_ref())
        .put("SecurityGroups", n.security_groups.as_ref())
        .put("RoleArn", n.role_arn.as_ref())
        .put("KmsKeyId", n.kms_key_id.as_ref())
        .put(
            "DirectInternetAccess",
            n.direct_internet_access.as_ref().map(|d| d.as_str()),
        )
        .put("RootAccess", n.root_access.as_ref().map(|r| r.as_str()))
        .put(
            "NotebookInstanceLifecycleConfigName",
            n.notebook_instance_lifecycle_config_name.as_ref(),
        )
        .put("CreationTime", n.creation_time.as_ref())
        .build()
}

async fn lifecycle_configs(found: &mut Found, client: &Client) {
    let pages = client
        .list_notebook_instance_lifecycle_configs()
        .into_paginator()
        .items()
        .send();
    let listed = found.list(SERVICE, "ListNotebookInstanceLifecycleConfigs", pages).await;
    for name in listed
        .into_iter()
        .filter_map(|s| s.notebook_instance_lifecycle_config_name)
    {
        let answer = client
            .describe_notebook_instance_lifecycle_config()
            .notebook_instance_lifecycle_config_name(&name)
            .send()
            .await;
        let Some(out) = found.answer(SERVICE, "DescribeNotebookInstanceLifecycleConfig", answer) else {
            continue;
        };
        let arn = arn_or(
            found,
            out.notebook_instance_lifecycle_config_arn.as_deref(),
            "notebook-instance-lifecycle-config",
            &name,
        );
        let configuration = Obj::new()
            .put("NotebookInstanceLifecycleConfigName", &name)
            .put(
                "NotebookInstanceLifecycleConfigArn",
                out.notebook_instance_lifecycle_config_arn.as_ref(),
            )
            .put("OnCreate", hooks(out.on_create.as_deref()))
            .put("OnStart", hooks(out.on_start.as_deref()))
            .put("CreationTime", out.creation_time.as_ref())
            .build();
        found.add(types::SAGEMAKER_LIFECYCLE_CONFIG, &arn, &name, configuration);
    }
}

/// `[{"Content": base64}]`, the scripts as the API returns them.
fn hooks(hooks: Option<&[NotebookInstanceLifecycleHook]>) -> Option<Value> {
    list(hooks, |h| Obj::new().put("Content", h.content.as_ref()).build())
}
