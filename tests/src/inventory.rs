//! What the inventory's end-to-end tests share (the collector's, the inventory function's and
//! the command line's live collection): what moto lacks (gaps, never failures), the resources
//! they seed, and how they find what was collected.

use aidr_engine::inventory::{Inventory, types};
use aidr_engine::resource::ResourceSnapshot;
use aws_sdk_bedrockagentcorecontrol::types as ac;
use aws_sdk_sagemaker::operation::create_training_job::CreateTrainingJobInput;
use aws_sdk_sagemaker::operation::create_training_job::builders::CreateTrainingJobInputBuilder;
use aws_sdk_sagemaker::types as sm;
use serde_json::{Value, json};

/// The regional calls moto 5.2.5 does not implement (it answers HTTP 500 with an HTML page).
pub const MOTO_LACKS_PER_REGION: &[(&str, &str)] = &[
    ("bedrock", "ListImportedModels"),
    ("bedrock", "ListProvisionedModelThroughputs"),
    ("bedrock", "ListGuardrails"),
    ("bedrock", "ListInferenceProfiles"),
    ("sagemaker", "ListNotebookInstanceLifecycleConfigs"),
    ("sagemaker", "ListUserProfiles"),
];

/// The listings moto 5.2.5 answers in a way the SDK cannot read once they have items
/// (`ListAgents`: HTTP 500; `ListKnowledgeBases`: times as numbers, not RFC 3339 text).
pub const MOTO_CANNOT_LIST: &[(&str, &str)] =
    &[("bedrock-agent", "ListAgents"), ("bedrock-agent", "ListKnowledgeBases")];

/// The account-wide calls moto 5.2.5 does not implement (asked once the account has a user).
pub const MOTO_LACKS_PER_ACCOUNT: &[(&str, &str)] = &[("iam", "ListServiceSpecificCredentials")];

/// An IAM policy document of `statements`, as text.
pub fn policy(statements: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// A training job `name` running as `role` on `s3://<data>/fraud/`, ready to send
/// (`.send_with(&client)`) or to complete with VPC and encryption settings.
pub fn training_job(name: &str, role: &str, data: &str) -> CreateTrainingJobInputBuilder {
    CreateTrainingJobInput::builder()
        .training_job_name(name)
        .algorithm_specification(
            sm::AlgorithmSpecification::builder()
                .training_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1")
                .training_input_mode(sm::TrainingInputMode::File)
                .build(),
        )
        .role_arn(role)
        .input_data_config(
            sm::Channel::builder()
                .channel_name("train")
                .data_source(
                    sm::DataSource::builder()
                        .s3_data_source(
                            sm::S3DataSource::builder()
                                .s3_data_type(sm::S3DataType::S3Prefix)
                                .s3_uri(format!("s3://{data}/fraud/"))
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .output_data_config(
            sm::OutputDataConfig::builder()
                .s3_output_path("s3://models/fraud/")
                .build(),
        )
        .resource_config(
            sm::ResourceConfig::builder()
                .instance_type(sm::TrainingInstanceType::MlM5Large)
                .instance_count(1)
                .volume_size_in_gb(10)
                .build(),
        )
        .stopping_condition(sm::StoppingCondition::builder().max_runtime_in_seconds(3600).build())
}

/// The container an AgentCore runtime runs.
pub fn runtime_artifact() -> ac::AgentRuntimeArtifact {
    ac::AgentRuntimeArtifact::ContainerConfiguration(
        ac::ContainerConfiguration::builder()
            .container_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1")
            .build()
            .expect("a container URI is set"),
    )
}

/// The snapshot of `resource_type` named `name` (for Bedrock settings, of region `name`).
pub fn find<'a>(inventory: &'a Inventory, resource_type: &'a str, name: &str) -> &'a ResourceSnapshot {
    let found = inventory.of_type(resource_type).find(|r| match resource_type {
        types::BEDROCK_SETTINGS => r.region == name,
        _ => r.name.as_deref() == Some(name),
    });
    found.unwrap_or_else(|| panic!("no {resource_type} {name} in {:#?}", inventory.resources))
}
