//! The inventory Lambda and the attack paths on member accounts emulated by moto (an account of
//! its own per test, reached through an assumed role). One account holds, beside compliant
//! resources, what makes each attack path: a notebook open to the internet whose role may pass
//! an admin role; a user with an active key allowed to invoke Bedrock models in a region without
//! invocation logging; a role an outside account may assume that may write a training job's
//! data; a gateway without an authorizer in front of a runtime with broad permissions. The real
//! `inventory` binary, run through the test's Runtime API on the harness's table and topic,
//! must alert each posture failure and path once, then nothing while they stay open; an account
//! with only compliant resources must alert nothing. The engine, on the same account collected
//! directly, must find those paths, and each posture check moto can exercise must fail on the
//! non-compliant resource and pass on the compliant one; the checks moto cannot exercise are
//! listed in [`MOTO_CANNOT`] (their snapshot samples under `samples/posture/` cover them).

use std::collections::BTreeSet;
use std::time::Duration;

use aidr_aws::inventory::{CollectOptions, RESOURCE_PREFIX, RUN_PREFIX, collect};
use aidr_e2e::inventory::{find, policy, runtime_artifact, training_job};
use aidr_e2e::respond::{ADMIN, in_region, member_config};
use aidr_e2e::runtime_api::{Reply, Runtime, function_binary};
use aidr_e2e::{Stack, emulator, fresh_account};
use aidr_engine::inventory::{Inventory, types};
use aidr_engine::paths::{self, AttackPath, INTERNET};
use aidr_engine::posture;
use aidr_engine::resource::ResourceSnapshot;
use aidr_engine::time::now_secs;
use aidr_engine::{Finding, Organization, Pipeline, Registry};
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_bedrockagentcorecontrol::types as ac;
use aws_sdk_sagemaker::types as sm;
use serde_json::{Value, json};

/// The member role the function assumes (moto lets any role be assumed).
const ROLE: &str = "aidr-inventory";
const EAST: &str = "us-east-1";
/// No Bedrock invocation logging here.
const WEST: &str = "eu-west-1";
/// Invocation logging without the prompts' and responses' text here.
const OREGON: &str = "us-west-2";
const REGIONS: [&str; 3] = [EAST, WEST, OREGON];
/// An account outside the organization.
const OUTSIDE: &str = "999988887777";
/// The bucket the exposed training job reads.
const TRAINING_DATA: &str = "fraud-training-data";
/// The bucket the compliant training job reads.
const PRIVATE_DATA: &str = "private-training-data";

fn allow(action: &str, resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn trusting(principal: Value) -> String {
    policy(json!([{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]))
}

/// Creates role `name` trusting `principal` with the inline policy `statements` (none when
/// empty); returns its ARN.
async fn role(iam: &aws_sdk_iam::Client, name: &str, principal: Value, statements: Value) -> String {
    let arn = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trusting(principal))
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    if statements.as_array().is_some_and(|s| !s.is_empty()) {
        iam.put_role_policy()
            .role_name(name)
            .policy_name("inline")
            .policy_document(policy(statements))
            .send()
            .await
            .unwrap();
    }
    arn
}

/// Creates user `name` with the inline policy `statements`, and an access key when `key`.
async fn user(iam: &aws_sdk_iam::Client, name: &str, statements: Value, key: bool) {
    iam.create_user().user_name(name).send().await.unwrap();
    iam.put_user_policy()
        .user_name(name)
        .policy_name("inline")
        .policy_document(policy(statements))
        .send()
        .await
        .unwrap();
    if key {
        iam.create_access_key().user_name(name).send().await.unwrap();
    }
}

fn service(name: &str) -> Value {
    json!({"Service": name})
}

/// Turns Bedrock model invocation logging on in the region of `config`, with or without the
/// prompts' and responses' text.
async fn invocation_logging(config: &SdkConfig, text: bool) {
    use aws_sdk_bedrock::types::{LoggingConfig, S3Config};
    aws_sdk_bedrock::Client::new(config)
        .put_model_invocation_logging_configuration()
        .logging_config(
            LoggingConfig::builder()
                .s3_config(
                    S3Config::builder()
                        .bucket_name("invocation-logs")
                        .key_prefix("bedrock/")
                        .build()
                        .unwrap(),
                )
                .text_data_delivery_enabled(text)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// Populates `account` (in [`EAST`]) with resources that pass every check moto can exercise:
/// a notebook in a VPC without internet access or root, a VPC-only domain with a key, a training
/// job in a VPC with encrypted traffic, a VPC runtime with a narrow role behind a JWT-checked
/// gateway, a user allowed to invoke models but without keys, a role of the account that may
/// write both training buckets, and invocation logging with text in [`EAST`].
async fn seed_compliant(member: &SdkConfig, account: &str) {
    let iam = aws_sdk_iam::Client::new(member);
    let safe = role(
        &iam,
        "nb-safe",
        service("sagemaker.amazonaws.com"),
        json!([allow("s3:GetObject", &format!("arn:aws:s3:::{PRIVATE_DATA}/*"))]),
    )
    .await;
    let own = json!({"AWS": format!("arn:aws:iam::{account}:root")});
    let writes = json!([
        allow("s3:PutObject", &format!("arn:aws:s3:::{TRAINING_DATA}/*")),
        allow("s3:PutObject", &format!("arn:aws:s3:::{PRIVATE_DATA}/*"))
    ]);
    role(&iam, "internal-loader", own, writes).await;
    let narrow = role(
        &iam,
        "agent-narrow",
        service("bedrock-agentcore.amazonaws.com"),
        json!([allow("bedrock:InvokeModel", "*")]),
    )
    .await;
    user(&iam, "app-user", json!([allow("bedrock:InvokeModel", "*")]), false).await;

    let east = in_region(member, EAST);
    let sagemaker = aws_sdk_sagemaker::Client::new(&east);
    sagemaker
        .create_notebook_instance()
        .notebook_instance_name("closed-notebook")
        .instance_type(sm::InstanceType::MlT3Medium)
        .role_arn(&safe)
        .direct_internet_access(sm::DirectInternetAccess::Disabled)
        .root_access(sm::RootAccess::Disabled)
        .subnet_id("subnet-0a1b2c3d")
        .security_group_ids("sg-0a1b2c3d")
        .kms_key_id("arn:aws:kms:us-east-1:111122223333:key/notebook")
        .send()
        .await
        .unwrap();
    sagemaker
        .create_domain()
        .domain_name("private-studio")
        .auth_mode(sm::AuthMode::Iam)
        .default_user_settings(sm::UserSettings::builder().execution_role(&safe).build())
        .subnet_ids("subnet-0a1b2c3d")
        .vpc_id("vpc-0a1b2c3d")
        .app_network_access_type(sm::AppNetworkAccessType::VpcOnly)
        .kms_key_id("arn:aws:kms:us-east-1:111122223333:key/studio")
        .send()
        .await
        .unwrap();
    training_job("private-training", &safe, PRIVATE_DATA)
        .vpc_config(
            sm::VpcConfig::builder()
                .security_group_ids("sg-0a1b2c3d")
                .subnets("subnet-0a1b2c3d")
                .build(),
        )
        .enable_inter_container_traffic_encryption(true)
        .send_with(&sagemaker)
        .await
        .unwrap();

    let agentcore = aws_sdk_bedrockagentcorecontrol::Client::new(&east);
    agentcore
        .create_agent_runtime()
        .agent_runtime_name("private_runtime")
        .agent_runtime_artifact(runtime_artifact())
        .role_arn(&narrow)
        .network_configuration(
            ac::NetworkConfiguration::builder()
                .network_mode(ac::NetworkMode::Vpc)
                .network_mode_config(
                    ac::VpcConfig::builder()
                        .security_groups("sg-0a1b2c3d")
                        .subnets("subnet-0a1b2c3d")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let jwt = ac::CustomJwtAuthorizerConfiguration::builder()
        .discovery_url("https://idp.example.com/.well-known/openid-configuration")
        .allowed_audience("tools")
        .build()
        .unwrap();
    agentcore
        .create_gateway()
        .name("jwt-gateway")
        .role_arn(&narrow)
        .protocol_type(ac::GatewayProtocolType::Mcp)
        .authorizer_type(ac::AuthorizerType::CustomJwt)
        .authorizer_configuration(ac::AuthorizerConfiguration::CustomJwtAuthorizer(jwt))
        .send()
        .await
        .unwrap();
    invocation_logging(&east, true).await;
}

/// Populates `account` with [`seed_compliant`]'s resources and what fails: see the module
/// documentation; Bedrock invocation logging stays off in [`WEST`] and has no text in
/// [`OREGON`].
async fn seed_exposed(config: &SdkConfig, account: &str) {
    let member = member_config(config, account, ROLE).await;
    seed_compliant(&member, account).await;
    let iam = aws_sdk_iam::Client::new(&member);
    let sagemaker_service = service("sagemaker.amazonaws.com");
    let admin = role(&iam, "platform-admin", sagemaker_service.clone(), json!([])).await;
    iam.attach_role_policy()
        .role_name("platform-admin")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    let exec = role(
        &iam,
        "nb-exec",
        sagemaker_service,
        json!([allow("iam:PassRole", &admin), allow("sagemaker:CreateTrainingJob", "*")]),
    )
    .await;
    let outside = json!({"AWS": format!("arn:aws:iam::{OUTSIDE}:root")});
    role(
        &iam,
        "partner-loader",
        outside.clone(),
        json!([allow("s3:PutObject", &format!("arn:aws:s3:::{TRAINING_DATA}/*"))]),
    )
    .await;
    role(&iam, "partner-ml", outside, json!([allow("sagemaker:*", "*")])).await;
    let broad = role(
        &iam,
        "agent-broad",
        service("bedrock-agentcore.amazonaws.com"),
        json!([allow("bedrock:*", "*")]),
    )
    .await;
    user(&iam, "ci-bedrock", json!([allow("bedrock:InvokeModel", "*")]), true).await;

    let east = in_region(&member, EAST);
    let sagemaker = aws_sdk_sagemaker::Client::new(&east);
    sagemaker
        .create_notebook_instance()
        .notebook_instance_name("open-notebook")
        .instance_type(sm::InstanceType::MlT3Medium)
        .role_arn(&exec)
        .direct_internet_access(sm::DirectInternetAccess::Enabled)
        .root_access(sm::RootAccess::Enabled)
        .send()
        .await
        .unwrap();
    sagemaker
        .create_domain()
        .domain_name("public-studio")
        .auth_mode(sm::AuthMode::Iam)
        .default_user_settings(sm::UserSettings::builder().execution_role(&exec).build())
        .subnet_ids("subnet-0a1b2c3d")
        .vpc_id("vpc-0a1b2c3d")
        .app_network_access_type(sm::AppNetworkAccessType::PublicInternetOnly)
        .send()
        .await
        .unwrap();
    sagemaker
        .create_model()
        .model_name("open-model")
        .execution_role_arn(&exec)
        .primary_container(
            sm::ContainerDefinition::builder()
                .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let variant = sm::ProductionVariant::builder()
        .variant_name("main")
        .model_name("open-model")
        .initial_instance_count(1)
        .instance_type(sm::ProductionVariantInstanceType::MlM5Large)
        .build();
    sagemaker
        .create_endpoint_config()
        .endpoint_config_name("open-config")
        .production_variants(variant.clone())
        .send()
        .await
        .unwrap();
    sagemaker
        .create_endpoint_config()
        .endpoint_config_name("private-config")
        .production_variants(variant)
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
    training_job("fraud-training", &exec, TRAINING_DATA)
        .send_with(&sagemaker)
        .await
        .unwrap();

    let agentcore = aws_sdk_bedrockagentcorecontrol::Client::new(&east);
    let runtime = agentcore
        .create_agent_runtime()
        .agent_runtime_name("open_runtime")
        .agent_runtime_artifact(runtime_artifact())
        .role_arn(&broad)
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
        .name("open-gateway")
        .role_arn(&broad)
        .protocol_type(ac::GatewayProtocolType::Mcp)
        .authorizer_type(ac::AuthorizerType::None)
        .send()
        .await
        .unwrap();
    // Its one target is the runtime, by its invocation URL (the ARN URL-encoded); a gateway
    // with no targets would front nothing.
    let encoded = runtime.agent_runtime_arn.replace(':', "%3A").replace('/', "%2F");
    let invocations = format!("https://bedrock-agentcore.{EAST}.amazonaws.com/runtimes/{encoded}/invocations");
    agentcore
        .create_gateway_target()
        .gateway_identifier(&gateway.gateway_id)
        .name("open-runtime")
        .target_configuration(ac::TargetConfiguration::Mcp(ac::McpTargetConfiguration::McpServer(
            ac::McpServerTargetConfiguration::builder()
                .endpoint(invocations)
                .build()
                .unwrap(),
        )))
        .send()
        .await
        .unwrap();
    invocation_logging(&in_region(&member, OREGON), false).await;
}

/// [`seed_compliant`] in `account`, with invocation logging (with text) in every region.
async fn seed_clean(config: &SdkConfig, account: &str) {
    let member = member_config(config, account, ROLE).await;
    seed_compliant(&member, account).await;
    for region in [WEST, OREGON] {
        invocation_logging(&in_region(&member, region), true).await;
    }
}

fn options(account: &str) -> CollectOptions {
    CollectOptions {
        regions: REGIONS.iter().map(|r| (*r).to_owned()).collect(),
        accounts: vec![account.to_owned()],
        role_name: ROLE.to_owned(),
        recent_days: 30,
        // moto answers the calls it lacks with HTTP 500: no retries, or each waits.
        retry: RetryConfig::standard().with_max_attempts(1),
    }
}

fn pipeline() -> Pipeline {
    Pipeline::new(Registry::builtin(), Organization::default(), None)
}

/// The failures the engine finds on `inventory`: each posture finding, then each path's.
fn failures(inventory: &Inventory) -> Vec<Finding> {
    let pipeline = pipeline();
    let mut out: Vec<Finding> = inventory.resources.iter().flat_map(|r| pipeline.assess(r)).collect();
    let found = paths::find(inventory, pipeline.organization());
    out.extend(found.iter().filter_map(|p| p.finding(inventory)));
    out
}

/// `(rule, dedupe key)` of each finding (or alert message), sorted.
fn keys<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let mut out: Vec<_> = items.into_iter().map(|(r, k)| (r.to_owned(), k.to_owned())).collect();
    out.sort();
    out
}

/// The snapshot of `resource_type` named `name` (for the Bedrock settings: the region).
/// The posture failures the exposed account must show: (check, resource type, resource).
const FAILING: &[(&str, &str, &str)] = &[
    (
        "sagemaker.notebook_direct_internet_access",
        types::SAGEMAKER_NOTEBOOK,
        "open-notebook",
    ),
    (
        "sagemaker.notebook_outside_vpc",
        types::SAGEMAKER_NOTEBOOK,
        "open-notebook",
    ),
    (
        "sagemaker.notebook_root_access",
        types::SAGEMAKER_NOTEBOOK,
        "open-notebook",
    ),
    (
        "sagemaker.notebook_without_kms_key",
        types::SAGEMAKER_NOTEBOOK,
        "open-notebook",
    ),
    (
        "sagemaker.domain_public_internet_only",
        types::SAGEMAKER_DOMAIN,
        "public-studio",
    ),
    (
        "sagemaker.domain_without_kms_key",
        types::SAGEMAKER_DOMAIN,
        "public-studio",
    ),
    (
        "sagemaker.model_network_isolation_disabled",
        types::SAGEMAKER_MODEL,
        "open-model",
    ),
    (
        "sagemaker.endpoint_config_without_data_capture",
        types::SAGEMAKER_ENDPOINT_CONFIG,
        "open-config",
    ),
    (
        "sagemaker.endpoint_config_without_kms_key",
        types::SAGEMAKER_ENDPOINT_CONFIG,
        "open-config",
    ),
    (
        "sagemaker.training_job_intercontainer_encryption_disabled",
        types::SAGEMAKER_TRAINING_JOB,
        "fraud-training",
    ),
    (
        "sagemaker.training_job_outside_vpc",
        types::SAGEMAKER_TRAINING_JOB,
        "fraud-training",
    ),
    ("bedrock.invocation_logging_disabled", types::BEDROCK_SETTINGS, WEST),
    (
        "bedrock.invocation_logging_without_text",
        types::BEDROCK_SETTINGS,
        OREGON,
    ),
    (
        "agentcore.runtime_public_mode",
        types::AGENTCORE_RUNTIME,
        "open_runtime",
    ),
    (
        "agentcore.gateway_without_authorizer",
        types::AGENTCORE_GATEWAY,
        "open-gateway",
    ),
    (
        "iam.ai_role_trusted_outside_organization",
        types::IAM_ROLE,
        "partner-ml",
    ),
];

/// Each check moto can exercise both ways, with the compliant resource it passes on
/// (resource type and name as in [`FAILING`]).
const PASSING: &[(&str, &str, &str)] = &[
    (
        "sagemaker.notebook_direct_internet_access",
        types::SAGEMAKER_NOTEBOOK,
        "closed-notebook",
    ),
    (
        "sagemaker.notebook_outside_vpc",
        types::SAGEMAKER_NOTEBOOK,
        "closed-notebook",
    ),
    (
        "sagemaker.notebook_root_access",
        types::SAGEMAKER_NOTEBOOK,
        "closed-notebook",
    ),
    (
        "sagemaker.notebook_without_kms_key",
        types::SAGEMAKER_NOTEBOOK,
        "closed-notebook",
    ),
    (
        "sagemaker.domain_public_internet_only",
        types::SAGEMAKER_DOMAIN,
        "private-studio",
    ),
    (
        "sagemaker.domain_without_kms_key",
        types::SAGEMAKER_DOMAIN,
        "private-studio",
    ),
    (
        "sagemaker.endpoint_config_without_data_capture",
        types::SAGEMAKER_ENDPOINT_CONFIG,
        "private-config",
    ),
    (
        "sagemaker.endpoint_config_without_kms_key",
        types::SAGEMAKER_ENDPOINT_CONFIG,
        "private-config",
    ),
    (
        "sagemaker.training_job_intercontainer_encryption_disabled",
        types::SAGEMAKER_TRAINING_JOB,
        "private-training",
    ),
    (
        "sagemaker.training_job_outside_vpc",
        types::SAGEMAKER_TRAINING_JOB,
        "private-training",
    ),
    ("bedrock.invocation_logging_disabled", types::BEDROCK_SETTINGS, EAST),
    ("bedrock.invocation_logging_without_text", types::BEDROCK_SETTINGS, EAST),
    (
        "agentcore.runtime_public_mode",
        types::AGENTCORE_RUNTIME,
        "private_runtime",
    ),
    (
        "agentcore.gateway_without_authorizer",
        types::AGENTCORE_GATEWAY,
        "jwt-gateway",
    ),
    ("iam.ai_role_trusted_outside_organization", types::IAM_ROLE, "nb-exec"),
    ("iam.bedrock_user_old_access_key", types::IAM_USER, "ci-bedrock"),
];

/// The check that fails on [`PASSING`]'s user once its key is old: collected 100 days on.
const OLD_KEY: &str = "iam.bedrock_user_old_access_key";

/// The posture checks moto cannot exercise (both ways), and why; their samples under
/// `samples/posture/` (must fire, must not fire) cover them.
const MOTO_CANNOT: &[(&str, &str)] = &[
    (
        "bedrock.no_guardrails",
        "no ListGuardrails: the settings have no guardrailCount",
    ),
    (
        "bedrock.guardrail_without_content_filters",
        "no CreateGuardrail / ListGuardrails",
    ),
    (
        "bedrock.guardrail_without_prompt_attack_filter",
        "no CreateGuardrail / ListGuardrails",
    ),
    (
        "bedrock.custom_model_without_cmk",
        "every custom model gets a made-up modelKmsKeyArn; no ListImportedModels",
    ),
    (
        "iam.bedrock_api_key_without_expiry",
        "no ListServiceSpecificCredentials",
    ),
    (
        "sagemaker.model_network_isolation_disabled",
        "DescribeModel answers EnableNetworkIsolation false whatever was asked: it fails on every model",
    ),
];

/// The paths of the exposed account: one of each kind, with the ARNs of its steps.
fn expected_paths(inventory: &Inventory) -> Vec<(&'static str, Vec<String>)> {
    let arn = |t: &str, name: &str| find(inventory, t, name).arn.clone();
    vec![
        (
            "path.notebook_to_admin",
            vec![
                INTERNET.to_owned(),
                arn(types::SAGEMAKER_NOTEBOOK, "open-notebook"),
                arn(types::IAM_ROLE, "nb-exec"),
                arn(types::IAM_ROLE, "platform-admin"),
            ],
        ),
        (
            "path.llmjacking_without_trace",
            vec![
                arn(types::IAM_USER, "ci-bedrock"),
                format!("arn:aws:bedrock:{WEST}::foundation-model/*"),
                arn(types::BEDROCK_SETTINGS, WEST),
            ],
        ),
        (
            "path.data_poisoning",
            vec![
                format!("arn:aws:iam::{OUTSIDE}:root"),
                arn(types::IAM_ROLE, "partner-loader"),
                format!("arn:aws:s3:::{TRAINING_DATA}"),
                arn(types::SAGEMAKER_TRAINING_JOB, "fraud-training"),
            ],
        ),
        (
            "path.open_agent_gateway",
            vec![
                INTERNET.to_owned(),
                arn(types::AGENTCORE_GATEWAY, "open-gateway"),
                arn(types::AGENTCORE_RUNTIME, "open_runtime"),
                arn(types::IAM_ROLE, "agent-broad"),
            ],
        ),
    ]
}

fn steps(path: &AttackPath) -> Vec<String> {
    path.steps.iter().map(|s| s.arn.clone()).collect()
}

/// The rule ids of the posture findings of `resource`.
fn fails(resource: &ResourceSnapshot) -> BTreeSet<String> {
    pipeline().assess(resource).into_iter().map(|f| f.rule_id).collect()
}

#[tokio::test]
async fn the_collected_account_has_each_path_once_and_each_check_fails_only_where_it_should() {
    let Some(config) = emulator().await else { return };
    let account = fresh_account();
    seed_exposed(&config, &account).await;
    let now = now_secs();
    let inventory = collect(&config, &options(&account), now).await;

    let found = paths::find(&inventory, &Organization::default());
    let mut got: Vec<(&str, Vec<String>)> = found.iter().map(|p| (p.kind, steps(p))).collect();
    got.sort();
    let mut want = expected_paths(&inventory);
    want.sort();
    assert_eq!(
        got,
        want,
        "{:#?}",
        found.iter().map(AttackPath::describe).collect::<Vec<_>>()
    );
    let llmjacking = found
        .iter()
        .find(|p| p.kind == "path.llmjacking_without_trace")
        .unwrap();
    assert_eq!(llmjacking.region, WEST);

    for (check, resource_type, name) in FAILING {
        let resource = find(&inventory, resource_type, name);
        assert!(
            fails(resource).contains(*check),
            "{check} passes on {name}: {resource:#?}"
        );
    }
    for (check, resource_type, name) in PASSING {
        let resource = find(&inventory, resource_type, name);
        assert!(
            !fails(resource).contains(*check),
            "{check} fails on {name}: {resource:#?}"
        );
    }
    // The same user 100 days on: its key is old (jobs listed a year back, so that the
    // inventory is the same).
    let aged = collect(
        &config,
        &CollectOptions {
            recent_days: 365,
            ..options(&account)
        },
        now + 100 * 86_400,
    )
    .await;
    let user = find(&aged, types::IAM_USER, "ci-bedrock");
    assert!(fails(user).contains(OLD_KEY), "{user:#?}");
    assert!(!fails(find(&aged, types::IAM_USER, "app-user")).contains(OLD_KEY));

    // Every check is exercised both ways here, or listed as what moto cannot show and has
    // samples.
    for check in posture::all() {
        let m = check.metadata();
        let fails_here = FAILING.iter().any(|(c, _, _)| *c == m.id) || m.id == OLD_KEY;
        let passes_here = PASSING.iter().any(|(c, _, _)| *c == m.id);
        if fails_here && passes_here {
            continue;
        }
        assert!(
            MOTO_CANNOT.iter().any(|(c, _)| *c == m.id),
            "{} is neither exercised both ways on moto nor listed in MOTO_CANNOT",
            m.id
        );
        assert!(
            !m.samples.must_fire.is_empty() && !m.samples.must_not_fire.is_empty(),
            "{} has no samples",
            m.id
        );
    }
}

/// The inventory function's environment on `stack`, listing `account` in [`REGIONS`].
fn lambda_env(stack: &Stack, account: &str) -> Vec<(&'static str, String)> {
    let mut env = stack.detector_env();
    env.extend([
        ("AIDR_INVENTORY_ACCOUNTS", account.to_owned()),
        ("AIDR_INVENTORY_ROLE_NAME", ROLE.to_owned()),
        ("AIDR_INVENTORY_REGIONS", REGIONS.join(",")),
    ]);
    env
}

/// The alert messages read from the stack's queue (`expected` of them, waiting up to 20 s;
/// with 0, 3 s to show none arrives), each checked to be an alert.
async fn alert_messages(stack: &Stack, expected: usize) -> Vec<Value> {
    let patience = Duration::from_secs(if expected == 0 { 3 } else { 20 });
    let notes = stack.alerts(expected, patience).await;
    notes
        .iter()
        .map(|n| {
            assert_eq!(n["MessageAttributes"]["kind"]["Value"], "alert", "{n}");
            serde_json::from_str(n["Message"].as_str().unwrap()).unwrap()
        })
        .collect()
}

fn message_keys(messages: &[Value]) -> Vec<(String, String)> {
    keys(
        messages
            .iter()
            .map(|m| (m["rule_id"].as_str().unwrap(), m["dedupe_key"].as_str().unwrap())),
    )
}

/// The keys of the state table's items that start with `prefix`, without it.
async fn saved(stack: &Stack, prefix: &str) -> BTreeSet<String> {
    let items = stack.items().await;
    items
        .iter()
        .filter_map(|i| i["pk"].as_s().ok()?.strip_prefix(prefix).map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_function_alerts_each_failure_and_path_once_then_nothing_while_they_stay_open() {
    let Some(config) = emulator().await else { return };
    let account = fresh_account();
    seed_exposed(&config, &account).await;
    let inventory = collect(&config, &options(&account), now_secs()).await;
    let want = failures(&inventory);
    let want_keys = keys(want.iter().map(|f| (f.rule_id.as_str(), f.dedupe_key.as_str())));
    let stack = Stack::create(config.clone(), true).await;
    let mut function = Runtime::start(&function_binary("inventory", "debug"), &lambda_env(&stack, &account));

    let summary = function.invoke(&json!({})).ok();
    let log = function.log();
    assert_eq!(summary["failures"], want.len(), "{summary}\n{log}");
    assert_eq!(
        (
            &summary["alerted"],
            &summary["open"],
            &summary["errors"],
            &summary["saved"]
        ),
        (&json!(want.len()), &json!(0), &json!(0), &json!(true)),
        "{summary}\n{log}"
    );
    assert_eq!(summary["resources"], inventory.resources.len());
    let messages = alert_messages(&stack, want.len()).await;
    assert_eq!(message_keys(&messages), want_keys);
    let about = |rule: &str, arn: &str| {
        (messages.iter())
            .filter(|m| m["rule_id"] == rule && m["resource"]["arn"] == arn)
            .count()
    };
    for (check, resource_type, name) in FAILING {
        let resource = find(&inventory, resource_type, name);
        assert_eq!(about(check, &resource.arn), 1, "{check} on {name}");
    }
    for (kind, steps) in expected_paths(&inventory) {
        let alerts: Vec<&Value> = messages.iter().filter(|m| m["rule_id"] == kind).collect();
        assert_eq!(alerts.len(), 1, "{kind}: {alerts:#?}");
        let subject = steps.iter().find(|s| inventory.by_arn(s).is_some()).unwrap();
        assert_eq!(alerts[0]["resource"]["arn"], subject.as_str(), "{kind}");
        for step in steps.iter().filter(|s| s.starts_with("arn:")) {
            assert!(
                alerts[0]["resources"].as_array().unwrap().contains(&json!(step)),
                "{kind}: {step}"
            );
        }
    }
    assert!(alert_messages(&stack, 0).await.is_empty(), "nothing more");

    // The inventory, for the detector's lookups.
    let arns: BTreeSet<String> = inventory.resources.iter().map(|r| r.arn.clone()).collect();
    assert_eq!(saved(&stack, RESOURCE_PREFIX).await, arns);
    assert_eq!(saved(&stack, RUN_PREFIX).await, BTreeSet::from([account.clone()]));

    // The next run finds the same failures open.
    let again = function.invoke(&json!({})).ok();
    assert_eq!(
        (&again["failures"], &again["alerted"], &again["open"]),
        (&json!(want.len()), &json!(0), &json!(want.len())),
        "{again}"
    );
    assert!(alert_messages(&stack, 0).await.is_empty());
}

#[tokio::test]
async fn a_run_whose_alerts_could_not_be_sent_fails_and_the_next_run_sends_them() {
    let Some(config) = emulator().await else { return };
    let account = fresh_account();
    seed_exposed(&config, &account).await;
    let inventory = collect(&config, &options(&account), now_secs()).await;
    let want = failures(&inventory);
    // The topic does not exist yet: every publish fails.
    let mut stack = Stack::create(config.clone(), false).await;
    let mut function = Runtime::start(&function_binary("inventory", "debug"), &lambda_env(&stack, &account));
    let error = match function.invoke(&json!({})) {
        Reply::Error(e) => e,
        Reply::Response(r) => panic!("the run should fail: {r}"),
    };
    assert_eq!(error["errorType"], "Aidr.FailuresNotAlerted", "{error}");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("{n} of {n} failures could not be alerted", n = want.len())),
        "{message}"
    );

    stack.create_topic().await;
    let retried = function.invoke(&json!({})).ok();
    assert_eq!(
        (
            &retried["alerted"],
            &retried["open"],
            &retried["quiet"],
            &retried["errors"]
        ),
        (&json!(want.len()), &json!(0), &json!(0), &json!(0)),
        "{retried}"
    );
    let messages = alert_messages(&stack, want.len()).await;
    assert_eq!(
        message_keys(&messages),
        keys(want.iter().map(|f| (f.rule_id.as_str(), f.dedupe_key.as_str())))
    );
}

#[tokio::test]
async fn an_account_of_compliant_resources_has_no_path_and_alerts_nothing() {
    let Some(config) = emulator().await else { return };
    let account = fresh_account();
    seed_clean(&config, &account).await;
    let inventory = collect(&config, &options(&account), now_secs()).await;
    assert!(inventory.resources.len() >= 10, "{:#?}", inventory.resources);
    assert_eq!(paths::find(&inventory, &Organization::default()), []);
    let failing: Vec<String> = failures(&inventory).iter().map(|f| f.summary.clone()).collect();
    assert_eq!(failing, Vec::<String>::new());

    let stack = Stack::create(config.clone(), true).await;
    let mut function = Runtime::start(&function_binary("inventory", "debug"), &lambda_env(&stack, &account));
    let summary = function.invoke(&json!({})).ok();
    assert_eq!(
        (&summary["failures"], &summary["alerted"], &summary["saved"]),
        (&json!(0), &json!(0), &json!(true)),
        "{summary}"
    );
    assert_eq!(summary["resources"], inventory.resources.len());
    assert!(alert_messages(&stack, 0).await.is_empty());
}
