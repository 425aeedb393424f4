//! The inventory collector (`aidr_aws::inventory`) against moto: a member account of its own
//! per test (moto keeps state per account, and lets any role there be assumed), populated in
//! two regions with the SageMaker, Bedrock and IAM resources moto emulates, collected through
//! the assumed role, and the snapshots compared field by field. What moto lacks (guardrails,
//! provisioned throughput, inference profiles, lifecycle configurations, Bedrock agents and
//! AgentCore, service-specific credentials, `account:ListRegions`) must show as gaps, never as
//! a failed run; `aidr-aws`'s unit tests cover those calls on mocked responses.

use std::collections::BTreeSet;

use aidr_aws::DynamoStore;
use aidr_aws::inventory::{CollectOptions, RESOURCE_PREFIX, RUN_PREFIX, collect, save};
use aidr_e2e::inventory::{
    MOTO_CANNOT_LIST, MOTO_LACKS_PER_ACCOUNT, MOTO_LACKS_PER_REGION, find, policy, runtime_artifact, training_job,
};
use aidr_e2e::respond::{in_region, member_config};
use aidr_e2e::{Stack, emulator, fresh_account};
use aidr_engine::inventory::{Gap, GapReason, Inventory, types};
use aidr_engine::ports::Records;
use aidr_engine::resource::ResourceSnapshot;
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_sagemaker::types as sm;
use serde_json::{Value, json};

const ROLE: &str = "aidr-member";
const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
/// 2026-03-01T12:00:00Z.
const NOW: i64 = 1_772_366_400;

fn options(account: &str, regions: &[&str]) -> CollectOptions {
    CollectOptions {
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        accounts: vec![account.to_owned()],
        role_name: ROLE.to_owned(),
        recent_days: 30,
        // moto answers the calls it lacks with HTTP 500: no retries, or each waits.
        retry: RetryConfig::standard().with_max_attempts(1),
    }
}

fn allow(action: &str) -> String {
    policy(json!([{"Effect": "Allow", "Action": action, "Resource": "*"}]))
}

fn trust(service: &str) -> String {
    policy(json!([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]))
}

/// What the test made, for the comparisons.
struct Seeded {
    account: String,
    notebook_role: String,
}

/// Populates `account`: IAM principals, SageMaker in both regions, Bedrock logging in
/// [`EAST`] only.
async fn seed(config: &SdkConfig, account: &str) -> Seeded {
    let member = member_config(config, account, ROLE).await;
    let iam = aws_sdk_iam::Client::new(&member);
    let notebook_role = iam
        .create_role()
        .role_name("notebook")
        .assume_role_policy_document(trust("sagemaker.amazonaws.com"))
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    for (name, action) in [("bedrock-app", "bedrock:InvokeModel"), ("s3-reader", "s3:GetObject")] {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust("lambda.amazonaws.com"))
            .send()
            .await
            .unwrap();
        iam.put_role_policy()
            .role_name(name)
            .policy_name("inline")
            .policy_document(allow(action))
            .send()
            .await
            .unwrap();
    }
    let ops = iam
        .create_policy()
        .policy_name("sagemaker-ops")
        .policy_document(allow("sagemaker:*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    for user in ["alice", "bob", "carol"] {
        iam.create_user().user_name(user).send().await.unwrap();
    }
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&ops)
        .send()
        .await
        .unwrap();
    iam.create_access_key().user_name("alice").send().await.unwrap();
    iam.create_group().group_name("bedrock-users").send().await.unwrap();
    iam.put_group_policy()
        .group_name("bedrock-users")
        .policy_name("bedrock")
        .policy_document(allow("bedrock:*"))
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .group_name("bedrock-users")
        .user_name("bob")
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("carol")
        .policy_name("s3")
        .policy_document(allow("s3:ListBucket"))
        .send()
        .await
        .unwrap();

    let east = aws_sdk_sagemaker::Client::new(&in_region(&member, EAST));
    let west = aws_sdk_sagemaker::Client::new(&in_region(&member, WEST));
    east.create_notebook_instance()
        .notebook_instance_name("open-notebook")
        .instance_type(sm::InstanceType::MlT3Medium)
        .role_arn(&notebook_role)
        .direct_internet_access(sm::DirectInternetAccess::Enabled)
        .send()
        .await
        .unwrap();
    west.create_notebook_instance()
        .notebook_instance_name("closed-notebook")
        .instance_type(sm::InstanceType::MlT3Medium)
        .role_arn(&notebook_role)
        .direct_internet_access(sm::DirectInternetAccess::Disabled)
        .subnet_id("subnet-0a1b2c3d")
        .security_group_ids("sg-0a1b2c3d")
        .kms_key_id("arn:aws:kms:eu-west-1:111122223333:key/notebook")
        .send()
        .await
        .unwrap();
    east.create_model()
        .model_name("fraud-model")
        .execution_role_arn(&notebook_role)
        .primary_container(
            sm::ContainerDefinition::builder()
                .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:1")
                .model_data_url("s3://models/fraud/model.tar.gz")
                .build(),
        )
        .send()
        .await
        .unwrap();
    east.create_endpoint_config()
        .endpoint_config_name("fraud-config")
        .production_variants(
            sm::ProductionVariant::builder()
                .variant_name("main")
                .model_name("fraud-model")
                .initial_instance_count(1)
                .instance_type(sm::ProductionVariantInstanceType::MlM5Large)
                .build(),
        )
        .kms_key_id("arn:aws:kms:us-east-1:111122223333:key/endpoint")
        .data_capture_config(
            sm::DataCaptureConfig::builder()
                .enable_capture(true)
                .initial_sampling_percentage(100)
                .destination_s3_uri("s3://capture/fraud/")
                .capture_options(
                    sm::CaptureOption::builder()
                        .capture_mode(sm::CaptureMode::Input)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    east.create_endpoint()
        .endpoint_name("fraud")
        .endpoint_config_name("fraud-config")
        .send()
        .await
        .unwrap();
    east.create_domain()
        .domain_name("studio")
        .auth_mode(sm::AuthMode::Iam)
        .default_user_settings(sm::UserSettings::builder().execution_role(&notebook_role).build())
        .subnet_ids("subnet-0a1b2c3d")
        .vpc_id("vpc-0a1b2c3d")
        .app_network_access_type(sm::AppNetworkAccessType::PublicInternetOnly)
        .send()
        .await
        .unwrap();
    training_job("fraud-training", &notebook_role, "training-data")
        .send_with(&east)
        .await
        .unwrap();
    east.create_model_package_group()
        .model_package_group_name("fraud-models")
        .send()
        .await
        .unwrap();

    let bedrock = aws_sdk_bedrock::Client::new(&in_region(&member, EAST));
    bedrock
        .put_model_invocation_logging_configuration()
        .logging_config(
            aws_sdk_bedrock::types::LoggingConfig::builder()
                .s3_config(
                    aws_sdk_bedrock::types::S3Config::builder()
                        .bucket_name("invocation-logs")
                        .key_prefix("bedrock/")
                        .build()
                        .unwrap(),
                )
                .text_data_delivery_enabled(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    seed_agents(&in_region(&member, EAST), &notebook_role).await;
    Seeded {
        account: account.to_owned(),
        notebook_role,
    }
}

/// A Bedrock agent and knowledge base, an AgentCore runtime (public network) and a gateway
/// (no authorizer) with a Lambda target, all running as `role`.
async fn seed_agents(config: &SdkConfig, role: &str) {
    use aws_sdk_bedrockagent::types as ba;
    use aws_sdk_bedrockagentcorecontrol::types as ac;
    let agents = aws_sdk_bedrockagent::Client::new(config);
    // moto keeps the agent and the knowledge base but answers with times as numbers where the
    // API has RFC 3339 text: the SDK cannot read its answers (so they are not checked here).
    let _ = agents
        .create_agent()
        .agent_name("support-agent")
        .agent_resource_role_arn(role)
        .foundation_model("anthropic.claude-3-haiku-20240307-v1:0")
        .send()
        .await;
    let embedding = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0";
    let _ = agents
        .create_knowledge_base()
        .name("support-docs")
        .role_arn(role)
        .knowledge_base_configuration(
            ba::KnowledgeBaseConfiguration::builder()
                .r#type(ba::KnowledgeBaseType::Vector)
                .vector_knowledge_base_configuration(
                    ba::VectorKnowledgeBaseConfiguration::builder()
                        .embedding_model_arn(embedding)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .storage_configuration(
            ba::StorageConfiguration::builder()
                .r#type(ba::KnowledgeBaseStorageType::OpensearchServerless)
                .opensearch_serverless_configuration(
                    ba::OpenSearchServerlessConfiguration::builder()
                        .collection_arn("arn:aws:aoss:us-east-1:111122223333:collection/docs")
                        .vector_index_name("docs")
                        .field_mapping(
                            ba::OpenSearchServerlessFieldMapping::builder()
                                .vector_field("v")
                                .text_field("t")
                                .metadata_field("m")
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await;

    let agentcore = aws_sdk_bedrockagentcorecontrol::Client::new(config);
    agentcore
        .create_agent_runtime()
        .agent_runtime_name("support_runtime")
        .agent_runtime_artifact(runtime_artifact())
        .role_arn(role)
        .network_configuration(
            ac::NetworkConfiguration::builder()
                .network_mode(ac::NetworkMode::Public)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let gateway = agentcore
        .create_gateway()
        .name("tools-gateway")
        .role_arn(role)
        .protocol_type(ac::GatewayProtocolType::Mcp)
        .authorizer_type(ac::AuthorizerType::None)
        .send()
        .await
        .unwrap();
    let tool = ac::ToolDefinition::builder()
        .name("lookup")
        .description("Looks an order up")
        .input_schema(
            ac::SchemaDefinition::builder()
                .r#type(ac::SchemaType::Object)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    agentcore
        .create_gateway_target()
        .gateway_identifier(&gateway.gateway_id)
        .name("orders")
        .target_configuration(ac::TargetConfiguration::Mcp(ac::McpTargetConfiguration::Lambda(
            ac::McpLambdaTargetConfiguration::builder()
                .lambda_arn(LOOKUP)
                .tool_schema(ac::ToolSchema::InlinePayload(vec![tool]))
                .build()
                .unwrap(),
        )))
        .credential_provider_configurations(
            ac::CredentialProviderConfiguration::builder()
                .credential_provider_type(ac::CredentialProviderType::GatewayIamRole)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// The Lambda function the gateway's target calls.
const LOOKUP: &str = "arn:aws:lambda:us-east-1:111122223333:function:lookup";

/// The names of the snapshots of `resource_type`, with their regions.
fn names(inventory: &Inventory, resource_type: &str) -> BTreeSet<(String, String)> {
    inventory
        .of_type(resource_type)
        .map(|r| (r.region.clone(), r.display_name().to_owned()))
        .collect()
}

fn named(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items.iter().map(|(r, n)| ((*r).to_owned(), (*n).to_owned())).collect()
}

/// The configuration without its time fields (checked to be RFC 3339 text first).
fn timeless(snapshot: &ResourceSnapshot, fields: &[&str]) -> Value {
    let mut c = snapshot.configuration.clone();
    for f in fields {
        let t = c[*f].as_str().unwrap_or_else(|| panic!("{f} of {}: {c}", snapshot.arn));
        assert!(aidr_engine::time::parse_millis(t).is_some(), "{f}: {t}");
        c.as_object_mut().unwrap().remove(*f);
    }
    c
}

/// The (region, service, operation) of each gap of `reason`.
fn gaps(inventory: &Inventory) -> BTreeSet<(String, String, String)> {
    inventory
        .gaps
        .iter()
        .map(|g: &Gap| (g.region.clone(), g.service.clone(), g.operation.clone()))
        .collect()
}

#[tokio::test]
async fn two_regions_of_a_member_account_are_collected_with_what_moto_lacks_as_gaps() {
    let Some(config) = emulator().await else { return };
    let account = fresh_account();
    let seeded = seed(&config, &account).await;
    let inventory = collect(&config, &options(&account, &[EAST, WEST]), NOW).await;

    assert_eq!(inventory.collected_at, "2026-03-01T12:00:00Z");
    let scopes: Vec<_> = inventory
        .scopes
        .iter()
        .map(|s| (s.account.as_str(), s.region.as_str()))
        .collect();
    assert_eq!(
        scopes,
        [
            (account.as_str(), EAST),
            (account.as_str(), WEST),
            (account.as_str(), "global")
        ]
    );
    for r in &inventory.resources {
        assert_eq!(r.account, account);
        let captured = r.captured_at.as_deref().unwrap();
        assert!(captured >= inventory.collected_at.as_str(), "{captured}");
    }

    // SageMaker.
    assert_eq!(
        names(&inventory, types::SAGEMAKER_NOTEBOOK),
        named(&[(EAST, "open-notebook"), (WEST, "closed-notebook")])
    );
    let open = find(&inventory, types::SAGEMAKER_NOTEBOOK, "open-notebook");
    assert_eq!(
        open.arn,
        format!("arn:aws:sagemaker:{EAST}:{account}:notebook-instance/open-notebook")
    );
    assert_eq!(open.config_str("DirectInternetAccess"), Some("Enabled"));
    let closed = find(&inventory, types::SAGEMAKER_NOTEBOOK, "closed-notebook");
    assert_eq!(
        timeless(closed, &["CreationTime"]),
        json!({
            "NotebookInstanceName": "closed-notebook",
            "NotebookInstanceArn": closed.arn,
            "NotebookInstanceStatus": "InService",
            "InstanceType": "ml.t3.medium",
            "SubnetId": "subnet-0a1b2c3d",
            "SecurityGroups": ["sg-0a1b2c3d"],
            "RoleArn": seeded.notebook_role,
            "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/notebook",
            "DirectInternetAccess": "Disabled",
        })
    );
    let model = find(&inventory, types::SAGEMAKER_MODEL, "fraud-model");
    assert_eq!(
        timeless(model, &["CreationTime"]),
        json!({
            "ModelName": "fraud-model",
            "ModelArn": model.arn,
            "ExecutionRoleArn": seeded.notebook_role,
            // moto answers these for any model.
            "EnableNetworkIsolation": false,
            "VpcConfig": {},
            "PrimaryContainer": {
                "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:1",
                "ModelDataUrl": "s3://models/fraud/model.tar.gz"
            },
        })
    );
    let config_snapshot = find(&inventory, types::SAGEMAKER_ENDPOINT_CONFIG, "fraud-config");
    assert_eq!(
        timeless(config_snapshot, &["CreationTime"]),
        json!({
            "EndpointConfigName": "fraud-config",
            "EndpointConfigArn": config_snapshot.arn,
            "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/endpoint",
            "DataCaptureConfig": {"EnableCapture": true, "DestinationS3Uri": "s3://capture/fraud/"},
            "ProductionVariants": [{
                "VariantName": "main", "ModelName": "fraud-model",
                "InstanceType": "ml.m5.large", "InitialInstanceCount": 1
            }],
        })
    );
    let endpoint = find(&inventory, types::SAGEMAKER_ENDPOINT, "fraud");
    assert_eq!(endpoint.config_str("EndpointConfigName"), Some("fraud-config"));
    assert_eq!(endpoint.config_str("EndpointStatus"), Some("InService"));
    let domain = find(&inventory, types::SAGEMAKER_DOMAIN, "studio");
    assert_eq!(domain.config_str("AppNetworkAccessType"), Some("PublicInternetOnly"));
    assert_eq!(domain.config_str("AuthMode"), Some("IAM"));
    assert_eq!(domain.config_str("VpcId"), Some("vpc-0a1b2c3d"));
    assert_eq!(
        domain.config_str("DefaultUserSettings.ExecutionRole"),
        Some(seeded.notebook_role.as_str())
    );
    let training = find(&inventory, types::SAGEMAKER_TRAINING_JOB, "fraud-training");
    assert_eq!(training.config_str("RoleArn"), Some(seeded.notebook_role.as_str()));
    assert_eq!(
        training.config("InputDataConfig"),
        Some(
            &json!([{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": "s3://training-data/fraud/"}}}])
        )
    );
    assert_eq!(
        training.config_str("OutputDataConfig.S3OutputPath"),
        Some("s3://models/fraud/")
    );
    assert_eq!(
        names(&inventory, types::SAGEMAKER_MODEL_PACKAGE_GROUP),
        named(&[(EAST, "fraud-models")])
    );

    // Bedrock: logging on in one region, off in the other; guardrails unknown (moto lacks them).
    let settings: Vec<_> = inventory.of_type(types::BEDROCK_SETTINGS).collect();
    assert_eq!(settings.len(), 2);
    assert_eq!(settings[0].arn, format!("arn:aws:bedrock:{EAST}:{account}:settings"));
    assert_eq!(
        settings[0].configuration,
        json!({"loggingConfig": {"s3Config": {"bucketName": "invocation-logs", "keyPrefix": "bedrock/"}, "textDataDeliveryEnabled": true}})
    );
    assert_eq!(settings[1].region, WEST);
    assert_eq!(settings[1].configuration, json!({}));

    // AgentCore; Bedrock agents.
    // moto's bedrock-agent answers cannot be read (see `seed_agents`): gaps below.
    assert_eq!(inventory.of_type(types::BEDROCK_AGENT).count(), 0);
    let runtime = find(&inventory, types::AGENTCORE_RUNTIME, "support_runtime");
    assert_eq!(runtime.config_str("networkConfiguration.networkMode"), Some("PUBLIC"));
    assert_eq!(runtime.config_str("roleArn"), Some(seeded.notebook_role.as_str()));
    let gateway = find(&inventory, types::AGENTCORE_GATEWAY, "tools-gateway");
    assert_eq!(gateway.config_str("authorizerType"), Some("NONE"));
    assert_eq!(gateway.config_str("targets.0.name"), Some("orders"));
    assert_eq!(gateway.config_str("targets.0.endpoint"), Some(LOOKUP));

    // IAM: AI principals, and the role the SageMaker resources run as.
    assert_eq!(
        names(&inventory, types::IAM_ROLE),
        named(&[("global", "bedrock-app"), ("global", "notebook")])
    );
    assert_eq!(
        names(&inventory, types::IAM_USER),
        named(&[("global", "alice"), ("global", "bob")])
    );
    let app = find(&inventory, types::IAM_ROLE, "bedrock-app");
    assert_eq!(
        app.config("RolePolicyList"),
        Some(
            &json!([{"PolicyName": "inline", "PolicyDocument": serde_json::from_str::<Value>(&allow("bedrock:InvokeModel")).unwrap()}])
        )
    );
    assert_eq!(
        app.config("AssumeRolePolicyDocument.Statement.0.Principal.Service"),
        Some(&json!("lambda.amazonaws.com"))
    );
    let alice = find(&inventory, types::IAM_USER, "alice");
    assert_eq!(
        alice.config_str("AttachedManagedPolicies.0.PolicyName"),
        Some("sagemaker-ops")
    );
    assert_eq!(
        alice.config("AttachedManagedPolicies.0.Document.Statement.0.Action"),
        Some(&json!("sagemaker:*"))
    );
    let keys = alice.config("AccessKeys").and_then(Value::as_array).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["Status"], "Active");
    let bob = find(&inventory, types::IAM_USER, "bob");
    assert_eq!(bob.config_str("GroupList.0.GroupName"), Some("bedrock-users"));
    assert_eq!(
        bob.config("GroupList.0.GroupPolicyList.0.PolicyDocument.Statement.0.Action"),
        Some(&json!("bedrock:*"))
    );
    assert_eq!(bob.config("AccessKeys"), Some(&json!([])));

    // What moto lacks, measured: gaps, not failures.
    let mut expected = BTreeSet::new();
    for region in [EAST, WEST] {
        for (service, operation) in MOTO_LACKS_PER_REGION {
            expected.insert((region.to_owned(), (*service).to_owned(), (*operation).to_owned()));
        }
    }
    for (service, operation) in MOTO_CANNOT_LIST {
        expected.insert((EAST.to_owned(), (*service).to_owned(), (*operation).to_owned()));
    }
    for (service, operation) in MOTO_LACKS_PER_ACCOUNT {
        expected.insert(("global".to_owned(), (*service).to_owned(), (*operation).to_owned()));
    }
    assert_eq!(gaps(&inventory), expected, "{:#?}", inventory.gaps);
    assert!(inventory.gaps.iter().all(|g| g.account == seeded.account));
}

#[tokio::test]
async fn without_regions_the_run_falls_back_to_the_configured_region_when_list_regions_fails() {
    let Some(config) = emulator().await else { return };
    let account = fresh_account();
    let inventory = collect(&config, &options(&account, &[]), NOW).await;
    let region = config.region().unwrap().to_string();
    let scopes: Vec<_> = inventory.scopes.iter().map(|s| s.region.as_str()).collect();
    assert_eq!(scopes, [region.as_str(), "global"]);
    let list_regions = inventory
        .gaps
        .iter()
        .find(|g| g.operation == "ListRegions")
        .expect("a ListRegions gap");
    assert_eq!(
        (list_regions.service.as_str(), list_regions.region.as_str()),
        ("account", "global")
    );
    assert_eq!(list_regions.reason, GapReason::Failed, "{list_regions:?}");
}

#[tokio::test]
async fn the_inventory_is_saved_per_resource_and_per_account_run() {
    let Some(config) = emulator().await else { return };
    let account = fresh_account();
    seed(&config, &account).await;
    let inventory = collect(&config, &options(&account, &[EAST]), NOW).await;
    let stack = Stack::create(config.clone(), false).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), &stack.table);
    let written = save(&store, &inventory, NOW).await.unwrap();
    assert_eq!(written, inventory.resources.len() + 1);

    let notebook = find(&inventory, types::SAGEMAKER_NOTEBOOK, "open-notebook");
    let doc = store
        .get_record(&format!("{RESOURCE_PREFIX}{}", notebook.arn), NOW)
        .await
        .unwrap()
        .expect("the notebook's document");
    let back: ResourceSnapshot = serde_json::from_value(doc).unwrap();
    assert_eq!(&back, notebook);

    let run = store
        .get_record(&format!("{RUN_PREFIX}{account}"), NOW)
        .await
        .unwrap()
        .expect("the run summary");
    assert_eq!(run["account"], account.as_str());
    assert_eq!(run["regions"], json!([EAST]));
    assert_eq!(run["counts"][types::SAGEMAKER_NOTEBOOK], 1);
    assert_eq!(run["counts"][types::BEDROCK_GUARDRAIL], 0);
    assert_eq!(run["gaps"].as_array().unwrap().len(), inventory.gaps.len());
    let week = 7 * 86_400;
    assert!(
        store
            .get_record(&format!("{RUN_PREFIX}{account}"), NOW + week)
            .await
            .unwrap()
            .is_none()
    );
}
