//! Training and processing jobs created since a time (the API lists jobs for years; older ones
//! have finished and left only their artifacts).

use aidr_engine::inventory::types;
use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::operation::describe_processing_job::DescribeProcessingJobOutput;
use aws_sdk_sagemaker::operation::describe_training_job::DescribeTrainingJobOutput;
use aws_smithy_types::DateTime;
use serde_json::Value;

use super::{SERVICE, arn_or, vpc};
use crate::inventory::found::Found;
use crate::inventory::json::{Obj, list};

/// Collects the jobs created since `since` (Unix seconds).
pub(super) async fn collect(found: &mut Found, sagemaker: &Client, since: i64) {
    training_jobs(found, sagemaker, since).await;
    processing_jobs(found, sagemaker, since).await;
}

async fn training_jobs(found: &mut Found, client: &Client, since: i64) {
    let pages = client
        .list_training_jobs()
        .creation_time_after(DateTime::from_secs(since))
        .into_paginator()
        .items()
        .send();
    let listed = found.list(SERVICE, "ListTrainingJobs", pages).await;
    for name in listed.into_iter().filter_map(|j| j.training_job_name) {
        let answer = client.describe_training_job().training_job_name(&name).send().await;
        if let Some(j) = found.answer(SERVICE, "DescribeTrainingJob", answer) {
            let arn = arn_or(found, j.training_job_arn.as_deref(), "training-job", &name);
            found.add(types::SAGEMAKER_TRAINING_JOB, &arn, &name, training_json(&j));
        }
    }
}

fn training_json(j: &DescribeTrainingJobOutput) -> Value {
    let inputs = list(j.input_data_config.as_deref(), |c| {
        let s3 = c.data_source.as_ref().and_then(|d| d.s3_data_source.as_ref());
        Obj::new()
            .put("ChannelName", c.channel_name.as_ref())
            .put(
                "DataSource",
                s3.map(|s| Obj::new().put("S3DataSource", Obj::new().put("S3Uri", s.s3_uri.as_ref()))),
            )
            .build()
    });
    let output = j.output_data_config.as_ref().map(|o| {
        Obj::new()
            .put("S3OutputPath", o.s3_output_path.as_ref())
            .put("KmsKeyId", o.kms_key_id.as_ref())
    });
    let resources = j
        .resource_config
        .as_ref()
        .map(|r| Obj::new().put("VolumeKmsKeyId", r.volume_kms_key_id.as_ref()));
    Obj::new()
        .put("TrainingJobName", j.training_job_name.as_ref())
        .put("TrainingJobArn", j.training_job_arn.as_ref())
        .put("TrainingJobStatus", j.training_job_status.as_ref().map(|s| s.as_str()))
        .put("RoleArn", j.role_arn.as_ref())
        .put(
            "EnableInterContainerTrafficEncryption",
            j.enable_inter_container_traffic_encryption,
        )
        .put("EnableNetworkIsolation", j.enable_network_isolation)
        .put("VpcConfig", j.vpc_config.as_ref().map(vpc))
        .put("InputDataConfig", inputs)
        .put("OutputDataConfig", output)
        .put("ResourceConfig", resources)
        .put("CreationTime", j.creation_time.as_ref())
        .build()
}

async fn processing_jobs(found: &mut Found, client: &Client, since: i64) {
    let pages = client
        .list_processing_jobs()
        .creation_time_after(DateTime::from_secs(since))
        .into_paginator()
        .items()
        .send();
    let listed = found.list(SERVICE, "ListProcessingJobs", pages).await;
    for name in listed.into_iter().filter_map(|j| j.processing_job_name) {
        let answer = client.describe_processing_job().processing_job_name(&name).send().await;
        if let Some(j) = found.answer(SERVICE, "DescribeProcessingJob", answer) {
            let arn = arn_or(found, j.processing_job_arn.as_deref(), "processing-job", &name);
            found.add(types::SAGEMAKER_PROCESSING_JOB, &arn, &name, processing_json(&j));
        }
    }
}

fn processing_json(j: &DescribeProcessingJobOutput) -> Value {
    let network = j.network_config.as_ref().map(|n| {
        Obj::new()
            .put(
                "EnableInterContainerTrafficEncryption",
                n.enable_inter_container_traffic_encryption,
            )
            .put("EnableNetworkIsolation", n.enable_network_isolation)
            .put("VpcConfig", n.vpc_config.as_ref().map(vpc))
    });
    Obj::new()
        .put("ProcessingJobName", j.processing_job_name.as_ref())
        .put("ProcessingJobArn", j.processing_job_arn.as_ref())
        .put(
            "ProcessingJobStatus",
            j.processing_job_status.as_ref().map(|s| s.as_str()),
        )
        .put("RoleArn", j.role_arn.as_ref())
        .put("NetworkConfig", network)
        .put("CreationTime", j.creation_time.as_ref())
        .build()
}
