//! What the responder's end-to-end tests and the tests of its AWS actions share: the targets
//! made in moto with the SDK (users and their access keys, notebook instances, attached
//! policies, the Bedrock logging configuration) and read back; the member role assumed in
//! another account; CloudTrail samples moved to the account, region and names of those
//! targets; the audit records and follow-ups the responder leaves; the `aidr` command line.

use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aidr_engine::response::PrincipalKind;
use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_sdk_iam::types::Tag;
use serde_json::{Value, json};

use crate::{Stack, sample};

/// moto's default account, the one its plain credentials act in.
pub const OWN: &str = "123456789012";
/// Another account: moto keeps state per account and lets any role there be assumed.
pub const MEMBER: &str = "210987654321";
/// The account the samples under `events/` name.
const SAMPLE_ACCOUNT: &str = "111122223333";
/// The region the samples name.
const SAMPLE_REGION: &str = "us-east-1";
/// AWS's admin policy; moto knows it when it loads AWS managed policies
/// (`MOTO_IAM_LOAD_MANAGED_POLICIES=true`, set by `scripts/with-moto`).
pub const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
/// A trust policy for the roles the tests create.
pub const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// An IAM tag.
pub fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// Creates user `user` with `tags` and an access key; returns the key id.
pub async fn user_with_key(iam: &aws_sdk_iam::Client, user: &str, tags: &[(&str, &str)]) -> String {
    let tags = tags.iter().map(|(k, v)| tag(k, v)).collect();
    iam.create_user()
        .user_name(user)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    let key = iam.create_access_key().user_name(user).send().await.unwrap();
    key.access_key.unwrap().access_key_id
}

/// The status of the (first) access key of `user`: `Active` or `Inactive`.
pub async fn key_status(iam: &aws_sdk_iam::Client, user: &str) -> String {
    let keys = iam.list_access_keys().user_name(user).send().await.unwrap();
    keys.access_key_metadata[0].status().unwrap().as_str().to_owned()
}

/// The ARNs of the managed policies attached to the user, role or group `name`.
pub async fn attached(iam: &aws_sdk_iam::Client, kind: PrincipalKind, name: &str) -> Vec<String> {
    let policies = match kind {
        PrincipalKind::User => {
            iam.list_attached_user_policies()
                .user_name(name)
                .send()
                .await
                .unwrap()
                .attached_policies
        }
        PrincipalKind::Role => {
            iam.list_attached_role_policies()
                .role_name(name)
                .send()
                .await
                .unwrap()
                .attached_policies
        }
        PrincipalKind::Group => {
            iam.list_attached_group_policies()
                .group_name(name)
                .send()
                .await
                .unwrap()
                .attached_policies
        }
    };
    policies
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.policy_arn)
        .collect()
}

/// Creates notebook instance `name`, tagged `owner=research` (moto has it `InService` at once).
pub async fn create_notebook(sagemaker: &aws_sdk_sagemaker::Client, name: &str) {
    sagemaker
        .create_notebook_instance()
        .notebook_instance_name(name)
        .instance_type(aws_sdk_sagemaker::types::InstanceType::MlT3Medium)
        .role_arn("arn:aws:iam::123456789012:role/notebook")
        .tags(
            aws_sdk_sagemaker::types::Tag::builder()
                .key("owner")
                .value("research")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The status of notebook instance `name` (`InService`, `Stopped`…).
pub async fn notebook_status(sagemaker: &aws_sdk_sagemaker::Client, name: &str) -> String {
    let out = sagemaker
        .describe_notebook_instance()
        .notebook_instance_name(name)
        .send()
        .await
        .unwrap();
    out.notebook_instance_status.unwrap().as_str().to_owned()
}

/// The Bedrock logging configuration of the client's account and region; `None` when it
/// logs nowhere (moto answers an empty configuration after a delete).
pub async fn logging_now(bedrock: &aws_sdk_bedrock::Client) -> Option<aws_sdk_bedrock::types::LoggingConfig> {
    let out = bedrock
        .get_model_invocation_logging_configuration()
        .send()
        .await
        .unwrap();
    out.logging_config
        .filter(|c| c.s3_config().is_some() || c.cloud_watch_config().is_some())
}

/// The SDK configuration of `account` in moto: role `role_name` assumed there (moto lets any
/// role in any account be assumed).
pub async fn member_config(config: &SdkConfig, account: &str, role_name: &str) -> SdkConfig {
    let provider = AssumeRoleProvider::builder(format!("arn:aws:iam::{account}:role/{role_name}"))
        .session_name("aidr-test")
        .configure(config)
        .build()
        .await;
    config
        .to_builder()
        .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(provider))
        .build()
}

/// `config` in `region`.
pub fn in_region(config: &SdkConfig, region: &str) -> SdkConfig {
    config
        .to_builder()
        .region(aws_config::Region::new(region.to_owned()))
        .build()
}

/// The sample event under `events/` at `path`, moved to `account` and `region` (every mention
/// of the sample's account and region replaced: ARNs, `recipientAccountId`, `awsRegion`), with
/// a new event id (the detector remembers the ids it has seen).
pub fn sample_at(path: &str, account: &str, region: &str) -> Value {
    static N: AtomicUsize = AtomicUsize::new(0);
    let text = sample(path)
        .to_string()
        .replace(SAMPLE_ACCOUNT, account)
        .replace(SAMPLE_REGION, region);
    let mut event: Value = serde_json::from_str(&text).unwrap();
    let id = format!(
        "{:08x}-e2e0-4000-8000-{:012x}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    event["id"] = json!(id);
    event["detail"]["eventID"] = json!(id);
    event
}

/// CloudTrail: `ci-deployer` created access key `key` for user `user` in `account`
/// (`iam.credentials_for_other_user`, answered by `deactivate-access-key`).
pub fn key_created(account: &str, user: &str, key: &str) -> Value {
    let mut event = sample_at("iam/CreateAccessKey-other-user.json", account, SAMPLE_REGION);
    let detail = &mut event["detail"];
    detail["requestParameters"]["userName"] = json!(user);
    detail["responseElements"]["accessKey"]["userName"] = json!(user);
    detail["responseElements"]["accessKey"]["accessKeyId"] = json!(key);
    event
}

/// CloudTrail: AdministratorAccess attached to user or role `name` in `account`
/// (`iam.admin_policy_attached`, high for a user, medium for a role; answered by
/// `detach-admin-policy`).
pub fn admin_attached(account: &str, kind: PrincipalKind, name: &str) -> Value {
    let (path, field) = match kind {
        PrincipalKind::User => ("iam/AttachUserPolicy.json", "userName"),
        PrincipalKind::Role => ("iam/AttachRolePolicy.json", "roleName"),
        PrincipalKind::Group => ("iam/AttachGroupPolicy.json", "groupName"),
    };
    let mut event = sample_at(path, account, SAMPLE_REGION);
    event["detail"]["requestParameters"][field] = json!(name);
    assert_eq!(event["detail"]["requestParameters"]["policyArn"], ADMIN);
    event
}

/// CloudTrail: notebook instance `name` created with the defaults in `account`
/// (`sagemaker.notebook_insecure`, answered by `stop-notebook-instance`).
pub fn notebook_created(account: &str, name: &str) -> Value {
    let mut event = sample_at("sagemaker/CreateNotebookInstance.json", account, SAMPLE_REGION);
    let detail = &mut event["detail"];
    detail["requestParameters"]["notebookInstanceName"] = json!(name);
    detail["responseElements"]["notebookInstanceArn"] = json!(format!(
        "arn:aws:sagemaker:{SAMPLE_REGION}:{account}:notebook-instance/{}",
        name.to_lowercase()
    ));
    event
}

/// CloudTrail: the Bedrock logging configuration of `account` and `region` put as `config`
/// (the detector keeps it, to be restored).
pub fn logging_put(account: &str, region: &str, config: &Value) -> Value {
    let mut event = sample_at("bedrock/PutModelInvocationLoggingConfiguration.json", account, region);
    event["detail"]["requestParameters"]["loggingConfig"] = config.clone();
    event
}

/// CloudTrail: the Bedrock logging configuration of `account` and `region` deleted
/// (`bedrock.invocation_logging_deleted`, answered by `restore-invocation-logging`).
pub fn logging_deleted(account: &str, region: &str) -> Value {
    sample_at(
        "bedrock/DeleteModelInvocationLoggingConfiguration.json",
        account,
        region,
    )
}

/// The environment of a responder on `stack` (the detector's: the AWS settings, the table,
/// the topic, the dead-letter queue) with the `AIDR_RESPONSE_*` settings `settings`.
pub fn responder_env(stack: &Stack, settings: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = stack.detector_env();
    env.extend(settings.iter().map(|(k, v)| (*k, (*v).to_owned())));
    env
}

/// The action records in the state table (the documents of the `action#<id>` items), undo
/// records included.
pub async fn action_records(stack: &Stack) -> Vec<Value> {
    let items = stack.items().await;
    items
        .iter()
        .filter(|i| i["pk"].as_s().is_ok_and(|pk| pk.starts_with("action#")))
        .map(|i| serde_json::from_str(i["doc"].as_s().unwrap()).unwrap())
        .collect()
}

/// The action record `id`, as the state table holds it.
pub async fn action_record(stack: &Stack, id: &str) -> Value {
    let records = action_records(stack).await;
    let found = records.iter().find(|r| r["action_id"] == id);
    found
        .cloned()
        .unwrap_or_else(|| panic!("no record {id} in {records:#?}"))
}

/// Reads `expected` follow-ups from the stack's queue (waiting up to 10 s; with `expected` 0,
/// 2 s to show that none arrives): the messages the responder published, parsed, each checked
/// to be a `response`.
pub async fn follow_ups(stack: &Stack, expected: usize) -> Vec<Value> {
    let patience = Duration::from_secs(if expected == 0 { 2 } else { 10 });
    let notes = stack.alerts(expected, patience).await;
    let messages: Vec<Value> = notes
        .iter()
        .map(|n| {
            assert_eq!(n["MessageAttributes"]["kind"]["Value"], "response", "{n}");
            serde_json::from_str(n["Message"].as_str().unwrap()).unwrap()
        })
        .collect();
    assert_eq!(messages.len(), expected, "{messages:#?}");
    messages
}

/// The action id a follow-up's line ends with (`… [action act-…]`).
pub fn action_id(follow_up: &Value) -> String {
    let line = follow_up["response"].as_str().unwrap_or_else(|| panic!("{follow_up}"));
    let start = line.rfind("[action ").unwrap_or_else(|| panic!("{line}")) + "[action ".len();
    line[start..].trim_end_matches(']').to_owned()
}

/// Runs the real `aidr` binary (built with the `aws` feature, beside the function binaries)
/// with `args` on `stack`: the stack's AWS settings, `--table` its table.
pub fn aidr(stack: &Stack, args: &[&str]) -> Output {
    let mut env = stack.detector_env();
    env.retain(|(k, _)| k.starts_with("AWS_"));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::cli::aidr_with(&[args, &["--table", &stack.table]].concat(), &env)
}

/// [`aidr`], which must succeed; returns what it printed.
pub fn aidr_ok(stack: &Stack, args: &[&str]) -> String {
    let out = aidr(stack, args);
    assert!(
        out.status.success(),
        "aidr {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
