//! The resource types of the inventory and the configuration fields each carries. A collector
//! writes at least these fields when the service returns them (absent when it does not); a
//! check or path reads only these. Field names are the service API's own.
//!
//! SageMaker (Describe* responses, PascalCase):
//! - [`SAGEMAKER_NOTEBOOK`]: `NotebookInstanceName`, `NotebookInstanceArn`,
//!   `NotebookInstanceStatus`, `InstanceType`, `SubnetId`, `SecurityGroups` [..], `RoleArn`,
//!   `KmsKeyId`, `DirectInternetAccess` (`Enabled`|`Disabled`), `RootAccess`
//!   (`Enabled`|`Disabled`), `NotebookInstanceLifecycleConfigName`, `CreationTime`.
//! - [`SAGEMAKER_DOMAIN`]: `DomainId`, `DomainArn`, `DomainName`, `AuthMode`,
//!   `AppNetworkAccessType` (`PublicInternetOnly`|`VpcOnly`), `KmsKeyId`, `VpcId`, `SubnetIds`,
//!   `DefaultUserSettings.ExecutionRole`.
//! - [`SAGEMAKER_USER_PROFILE`]: `DomainId`, `UserProfileName`, `UserProfileArn`,
//!   `UserSettings.ExecutionRole`.
//! - [`SAGEMAKER_ENDPOINT`]: `EndpointName`, `EndpointArn`, `EndpointConfigName`,
//!   `EndpointStatus`, `CreationTime`.
//! - [`SAGEMAKER_ENDPOINT_CONFIG`]: `EndpointConfigName`, `EndpointConfigArn`, `KmsKeyId`,
//!   `DataCaptureConfig` {`EnableCapture`, `DestinationS3Uri`, `KmsKeyId`},
//!   `ProductionVariants` [{`VariantName`, `ModelName`, `InstanceType`,
//!   `InitialInstanceCount`}].
//! - [`SAGEMAKER_MODEL`]: `ModelName`, `ModelArn`, `ExecutionRoleArn`, `EnableNetworkIsolation`
//!   (bool), `VpcConfig` {`SecurityGroupIds`, `Subnets`}, `PrimaryContainer` {`Image`,
//!   `ModelDataUrl`}.
//! - [`SAGEMAKER_MODEL_PACKAGE_GROUP`]: `ModelPackageGroupName`, `ModelPackageGroupArn`,
//!   `CreationTime`.
//! - [`SAGEMAKER_TRAINING_JOB`]: `TrainingJobName`, `TrainingJobArn`, `TrainingJobStatus`,
//!   `RoleArn`, `EnableInterContainerTrafficEncryption` (bool), `EnableNetworkIsolation`
//!   (bool), `VpcConfig` {..}, `InputDataConfig` [{`ChannelName`, `DataSource`
//!   {`S3DataSource` {`S3Uri`}}}], `OutputDataConfig` {`S3OutputPath`, `KmsKeyId`},
//!   `ResourceConfig` {`VolumeKmsKeyId`}, `CreationTime`.
//! - [`SAGEMAKER_PROCESSING_JOB`]: `ProcessingJobName`, `ProcessingJobArn`, `RoleArn`,
//!   `NetworkConfig` {`EnableInterContainerTrafficEncryption`, `EnableNetworkIsolation`,
//!   `VpcConfig`}, `CreationTime`.
//! - [`SAGEMAKER_LIFECYCLE_CONFIG`]: `NotebookInstanceLifecycleConfigName`, `OnCreate`
//!   \[{`Content`}\], `OnStart` \[{`Content`}\] (`Content` base64, as the API returns it),
//!   `NotebookInstanceLifecycleConfigArn`.
//!
//! Bedrock (API JSON, camelCase):
//! - [`BEDROCK_CUSTOM_MODEL`]: `modelArn`, `modelName`, `baseModelArn`, `customizationType`,
//!   `modelKmsKeyArn`, `jobArn`, `trainingDataConfig` {`s3Uri`}, `outputDataConfig`
//!   {`s3Uri`}, `creationTime`.
//! - [`BEDROCK_IMPORTED_MODEL`]: `modelArn`, `modelName`, `modelKmsKeyArn`, `modelDataSource`
//!   {`s3DataSource` {`s3Uri`}}, `creationTime`.
//! - [`BEDROCK_PROVISIONED_THROUGHPUT`]: `provisionedModelArn`, `provisionedModelName`,
//!   `modelArn`, `foundationModelArn`, `status`, `modelUnits`, `commitmentDuration`.
//! - [`BEDROCK_GUARDRAIL`]: `guardrailId`, `guardrailArn`, `name`, `version`, `status`,
//!   `kmsKeyArn`, `contentPolicy` {`filters` [{`type`, `inputStrength`, `outputStrength`}]}
//!   (`type` `PROMPT_ATTACK` is the prompt-attack filter), `topicPolicy`, `wordPolicy`,
//!   `sensitiveInformationPolicy`, `contextualGroundingPolicy` (as GetGuardrail returns them).
//! - [`BEDROCK_INFERENCE_PROFILE`]: `inferenceProfileArn`, `inferenceProfileName`, `type`
//!   (`SYSTEM_DEFINED`|`APPLICATION`), `status`, `models` \[{`modelArn`}\].
//! - [`BEDROCK_AGENT`]: `agentArn`, `agentId`, `agentName`, `agentStatus`,
//!   `agentResourceRoleArn`, `foundationModel`, `customerEncryptionKeyArn`,
//!   `guardrailConfiguration` {`guardrailIdentifier`, `guardrailVersion`}, `knowledgeBases`
//!   [{`knowledgeBaseId`, `knowledgeBaseState`}] (from ListAgentKnowledgeBases).
//! - [`BEDROCK_KNOWLEDGE_BASE`]: `knowledgeBaseArn`, `knowledgeBaseId`, `name`, `status`,
//!   `roleArn`, `dataSources` [{`dataSourceId`, `name`, `bucketArn`}] (from
//!   ListDataSources/GetDataSource).
//! - [`BEDROCK_SETTINGS`] (one per account and region where Bedrock answered; ARN
//!   `arn:<partition>:bedrock:<region>:<account>:settings`): `loggingConfig` (the
//!   GetModelInvocationLoggingConfiguration `loggingConfig` object, absent when none or
//!   when it has neither an S3 nor a CloudWatch destination), `guardrailCount` (number; absent
//!   when ListGuardrails failed).
//!
//! AgentCore (bedrock-agentcore-control, camelCase):
//! - [`AGENTCORE_RUNTIME`]: `agentRuntimeArn`, `agentRuntimeId`, `agentRuntimeName`, `status`,
//!   `roleArn`, `networkConfiguration` {`networkMode` (`PUBLIC`|`VPC`), `networkModeConfig`
//!   {`subnets`, `securityGroups`}}, `authorizerConfiguration`.
//! - [`AGENTCORE_GATEWAY`]: `gatewayArn`, `gatewayId`, `name`, `status`, `roleArn`,
//!   `gatewayUrl`, `authorizerType` (`CUSTOM_JWT`|`AWS_IAM`|`NONE`),
//!   `authorizerConfiguration`, `targets` [{`targetId`, `name`, `endpoint` (ARN or URL the
//!   target reaches, when known)}].
//!
//! IAM (GetAccountAuthorizationDetails shapes, PascalCase; documents decoded to objects;
//! region `global`). Only roles and users some policy of which grants an action of
//! [`AI_SERVICES`] are listed, plus roles a listed resource runs as:
//! - [`IAM_ROLE`]: `RoleName`, `RoleId`, `Arn`, `Path`, `CreateDate`,
//!   `AssumeRolePolicyDocument` {..}, `AttachedManagedPolicies` [{`PolicyName`, `PolicyArn`,
//!   `Document` {..} (the default version)}], `RolePolicyList` [{`PolicyName`,
//!   `PolicyDocument` {..}}], `PermissionsBoundary`, `RoleLastUsed` {`LastUsedDate`,
//!   `Region`}.
//! - [`IAM_USER`]: `UserName`, `UserId`, `Arn`, `Path`, `CreateDate`,
//!   `AttachedManagedPolicies` [..as above], `UserPolicyList` [{`PolicyName`,
//!   `PolicyDocument`}], `GroupList` [{`GroupName`, `AttachedManagedPolicies` [..],
//!   `GroupPolicyList` [..]}], `AccessKeys` [{`AccessKeyId`, `Status`, `CreateDate`,
//!   `LastUsedDate`, `LastUsedServiceName`, `LastUsedRegion`}], `ServiceSpecificCredentials`
//!   [{`ServiceSpecificCredentialId`, `ServiceName`, `Status`, `CreateDate`,
//!   `ExpirationDate`}] (Bedrock API keys have `ServiceName` `bedrock.amazonaws.com`).

pub const SAGEMAKER_NOTEBOOK: &str = "AWS::SageMaker::NotebookInstance";
pub const SAGEMAKER_DOMAIN: &str = "AWS::SageMaker::Domain";
pub const SAGEMAKER_USER_PROFILE: &str = "AWS::SageMaker::UserProfile";
pub const SAGEMAKER_ENDPOINT: &str = "AWS::SageMaker::Endpoint";
pub const SAGEMAKER_ENDPOINT_CONFIG: &str = "AWS::SageMaker::EndpointConfig";
pub const SAGEMAKER_MODEL: &str = "AWS::SageMaker::Model";
pub const SAGEMAKER_MODEL_PACKAGE_GROUP: &str = "AWS::SageMaker::ModelPackageGroup";
pub const SAGEMAKER_TRAINING_JOB: &str = "AWS::SageMaker::TrainingJob";
pub const SAGEMAKER_PROCESSING_JOB: &str = "AWS::SageMaker::ProcessingJob";
pub const SAGEMAKER_LIFECYCLE_CONFIG: &str = "AWS::SageMaker::NotebookInstanceLifecycleConfig";

pub const BEDROCK_CUSTOM_MODEL: &str = "AWS::Bedrock::CustomModel";
pub const BEDROCK_IMPORTED_MODEL: &str = "AWS::Bedrock::ImportedModel";
pub const BEDROCK_PROVISIONED_THROUGHPUT: &str = "AWS::Bedrock::ProvisionedModelThroughput";
pub const BEDROCK_GUARDRAIL: &str = "AWS::Bedrock::Guardrail";
pub const BEDROCK_INFERENCE_PROFILE: &str = "AWS::Bedrock::ApplicationInferenceProfile";
pub const BEDROCK_AGENT: &str = "AWS::Bedrock::Agent";
pub const BEDROCK_KNOWLEDGE_BASE: &str = "AWS::Bedrock::KnowledgeBase";
/// aidr's own type: one account and region's Bedrock settings (no CloudFormation type holds
/// the invocation-logging configuration and the guardrail count).
pub const BEDROCK_SETTINGS: &str = "AIDR::Bedrock::Settings";

pub const AGENTCORE_RUNTIME: &str = "AWS::BedrockAgentCore::Runtime";
pub const AGENTCORE_GATEWAY: &str = "AWS::BedrockAgentCore::Gateway";

pub const IAM_ROLE: &str = "AWS::IAM::Role";
pub const IAM_USER: &str = "AWS::IAM::User";

/// The services whose permissions put a role or user into the inventory.
pub const AI_SERVICES: &[&str] = &["bedrock", "sagemaker", "bedrock-agentcore"];

/// Every type of the inventory, in the order writers list them.
pub const ALL: &[&str] = &[
    BEDROCK_SETTINGS,
    BEDROCK_CUSTOM_MODEL,
    BEDROCK_IMPORTED_MODEL,
    BEDROCK_PROVISIONED_THROUGHPUT,
    BEDROCK_GUARDRAIL,
    BEDROCK_INFERENCE_PROFILE,
    BEDROCK_AGENT,
    BEDROCK_KNOWLEDGE_BASE,
    AGENTCORE_RUNTIME,
    AGENTCORE_GATEWAY,
    SAGEMAKER_NOTEBOOK,
    SAGEMAKER_LIFECYCLE_CONFIG,
    SAGEMAKER_DOMAIN,
    SAGEMAKER_USER_PROFILE,
    SAGEMAKER_ENDPOINT,
    SAGEMAKER_ENDPOINT_CONFIG,
    SAGEMAKER_MODEL,
    SAGEMAKER_MODEL_PACKAGE_GROUP,
    SAGEMAKER_TRAINING_JOB,
    SAGEMAKER_PROCESSING_JOB,
    IAM_ROLE,
    IAM_USER,
];

/// The service (as [`super::Gap::service`] names it) whose listing finds resources of
/// `resource_type`: `sagemaker`, `bedrock`, `bedrock-agent`, `bedrock-agentcore-control`,
/// `iam`; `None` for a type the inventory does not list.
pub fn service(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        BEDROCK_AGENT | BEDROCK_KNOWLEDGE_BASE => "bedrock-agent",
        BEDROCK_SETTINGS => "bedrock",
        t if t.starts_with("AWS::SageMaker::") => "sagemaker",
        t if t.starts_with("AWS::BedrockAgentCore::") => "bedrock-agentcore-control",
        t if t.starts_with("AWS::Bedrock::") => "bedrock",
        t if t.starts_with("AWS::IAM::") => "iam",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_the_service_that_lists_it() {
        for t in ALL {
            assert!(service(t).is_some(), "{t}");
        }
        assert_eq!(service(BEDROCK_KNOWLEDGE_BASE), Some("bedrock-agent"));
        assert_eq!(service(AGENTCORE_GATEWAY), Some("bedrock-agentcore-control"));
        assert_eq!(service(IAM_USER), Some("iam"));
        assert_eq!(service("AWS::S3::Bucket"), None);
    }
}
