//! The responder's AWS actions (`aidr_aws::respond::AwsActions`) against moto's IAM, SageMaker,
//! Bedrock and STS: each call read, made once, found in effect the second time, and undone from
//! the state read before; moto's state checked with the SDK clients. Calls moto lacks (Bedrock
//! API keys, Bedrock and model package group resource policies) are tested on mocked responses
//! in `aidr-aws`.

use aidr_aws::respond::AwsActions;
use aidr_e2e::respond::{
    OWN, TRUST, attached, create_notebook, key_status, logging_now, member_config, notebook_status, tag, user_with_key,
};
use aidr_e2e::{emulator, unique};
use aidr_engine::ports::{Before, CloudActions, FailureKind, Scope};
use aidr_engine::response::{ACTIVE, Call, INACTIVE, PrincipalKind, Target};
use aws_config::SdkConfig;
use serde_json::{Value, json};

const MEMBER_ROLE: &str = "aidr-member";
/// AWS's quarantine policy for leaked keys; moto knows it when it loads AWS managed policies
/// (`MOTO_IAM_LOAD_MANAGED_POLICIES=true`, set by `scripts/with-moto`).
const QUARANTINE: &str = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3";

fn scope_in(config: &SdkConfig, account: &str) -> Scope {
    Scope {
        account: account.into(),
        region: config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into()),
    }
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}

/// Applies `call`, checks that it was not in effect and that a second apply finds it in
/// effect; returns the state read before the first.
async fn apply_once(actions: &AwsActions, scope: &Scope, call: &Call) -> Option<Value> {
    let before = actions.apply(scope, call).await.unwrap();
    assert!(!before.in_effect, "{call:?} was in effect already: {before:?}");
    let again = actions.apply(scope, call).await.unwrap();
    assert!(again.in_effect, "{call:?} not in effect after it was made: {again:?}");
    before.state
}

/// Makes the undo of `call` given the state before it.
async fn undo(actions: &AwsActions, scope: &Scope, call: &Call, before: Option<&Value>) -> Before {
    let undo = call.undo(before).expect("an undo");
    actions.apply(scope, &undo).await.unwrap()
}

#[tokio::test]
async fn an_access_key_is_deactivated_once_and_reactivated_by_the_undo() {
    let Some(config) = emulator().await else { return };
    let iam = aws_sdk_iam::Client::new(&config);
    let user = unique("aidr-key");
    let key = user_with_key(&iam, &user, &[("team", "ml")]).await;
    let actions = AwsActions::new(&config, MEMBER_ROLE);
    let scope = scope_in(&config, OWN);
    let call = Call::UpdateAccessKey {
        user_name: user.clone(),
        access_key_id: key.clone(),
        status: INACTIVE.into(),
    };
    let inspected = actions.inspect(&scope, &call).await.unwrap();
    assert_eq!(
        inspected,
        Before {
            state: Some(json!({"Status": "Active"})),
            in_effect: false
        }
    );
    assert_eq!(key_status(&iam, &user).await, ACTIVE, "inspect changes nothing");
    let before = apply_once(&actions, &scope, &call).await;
    assert_eq!(key_status(&iam, &user).await, INACTIVE);
    undo(&actions, &scope, &call, before.as_ref()).await;
    assert_eq!(key_status(&iam, &user).await, ACTIVE);
    let target = Target::AccessKey {
        user_name: user.clone(),
        access_key_id: key,
    };
    assert_eq!(actions.tags(&scope, &target).await.unwrap(), [pair("team", "ml")]);
    let missing = Call::UpdateAccessKey {
        user_name: user,
        access_key_id: "AKIANOSUCHKEY0000000".into(),
        status: INACTIVE.into(),
    };
    let error = actions.apply(&scope, &missing).await.unwrap_err();
    assert_eq!(error.kind, FailureKind::Permanent, "{error}");
    assert!(error.message.contains("AKIANOSUCHKEY0000000"), "{error}");
}

#[tokio::test]
async fn a_role_inline_policy_is_put_then_deleted_by_the_undo() {
    let Some(config) = emulator().await else { return };
    let iam = aws_sdk_iam::Client::new(&config);
    let role = unique("aidr-role");
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(TRUST)
        .tags(tag("aidr:protect", "false"))
        .send()
        .await
        .unwrap();
    let actions = AwsActions::new(&config, MEMBER_ROLE);
    let scope = scope_in(&config, OWN);
    let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-11-02T10:00:00Z"}}}]});
    let call = Call::PutRolePolicy {
        role_name: role.clone(),
        policy_name: "AWSRevokeOlderSessions".into(),
        policy_document: document.to_string(),
    };
    let before = apply_once(&actions, &scope, &call).await;
    assert_eq!(before, None, "the role had no such policy");
    let put = iam
        .get_role_policy()
        .role_name(&role)
        .policy_name("AWSRevokeOlderSessions")
        .send()
        .await
        .unwrap();
    let text = percent_encoding::percent_decode_str(&put.policy_document)
        .decode_utf8()
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), document);
    // The undo deletes it, and reads the document it deletes.
    let deleted = undo(&actions, &scope, &call, before.as_ref()).await;
    let kept = deleted.state.unwrap()["PolicyDocument"].as_str().unwrap().to_owned();
    assert_eq!(serde_json::from_str::<Value>(&kept).unwrap(), document);
    let gone = iam
        .get_role_policy()
        .role_name(&role)
        .policy_name("AWSRevokeOlderSessions")
        .send()
        .await;
    assert!(gone.is_err(), "the policy is deleted");
    let delete = Call::DeleteRolePolicy {
        role_name: role.clone(),
        policy_name: "AWSRevokeOlderSessions".into(),
    };
    assert!(actions.inspect(&scope, &delete).await.unwrap().in_effect);
    let target = Target::Role { role_name: role };
    assert_eq!(
        actions.tags(&scope, &target).await.unwrap(),
        [pair("aidr:protect", "false")]
    );
}

#[tokio::test]
async fn the_aws_quarantine_policy_is_attached_to_a_user_and_detached_by_the_undo() {
    let Some(config) = emulator().await else { return };
    let iam = aws_sdk_iam::Client::new(&config);
    let user = unique("aidr-quarantine");
    user_with_key(&iam, &user, &[("team", "ml")]).await;
    let actions = AwsActions::new(&config, MEMBER_ROLE);
    let scope = scope_in(&config, OWN);
    let call = Call::AttachUserPolicy {
        user_name: user.clone(),
        policy_arn: QUARANTINE.into(),
    };
    let before = apply_once(&actions, &scope, &call).await;
    assert_eq!(before, Some(json!({"Attached": false})));
    assert_eq!(attached(&iam, PrincipalKind::User, &user).await, [QUARANTINE]);
    let detached = undo(&actions, &scope, &call, before.as_ref()).await;
    assert_eq!(detached.state, Some(json!({"Attached": true})));
    assert!(attached(&iam, PrincipalKind::User, &user).await.is_empty());
    let target = Target::AttachedPolicy {
        principal: PrincipalKind::User,
        name: user,
        policy_arn: QUARANTINE.into(),
    };
    assert_eq!(actions.tags(&scope, &target).await.unwrap(), [pair("team", "ml")]);
}

#[tokio::test]
async fn managed_policies_are_detached_from_roles_and_groups_and_attached_back() {
    let Some(config) = emulator().await else { return };
    let iam = aws_sdk_iam::Client::new(&config);
    let name = unique("aidr-admin");
    let policy = iam
        .create_policy()
        .policy_name(&name)
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let arn = policy.policy.unwrap().arn.unwrap();
    iam.create_role()
        .role_name(&name)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(&name)
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.create_group().group_name(&name).send().await.unwrap();
    iam.attach_group_policy()
        .group_name(&name)
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let actions = AwsActions::new(&config, MEMBER_ROLE);
    let scope = scope_in(&config, OWN);
    let calls = [
        (
            PrincipalKind::Role,
            Call::DetachRolePolicy {
                role_name: name.clone(),
                policy_arn: arn.clone(),
            },
        ),
        (
            PrincipalKind::Group,
            Call::DetachGroupPolicy {
                group_name: name.clone(),
                policy_arn: arn.clone(),
            },
        ),
    ];
    for (kind, call) in calls {
        let before = apply_once(&actions, &scope, &call).await;
        assert_eq!(before, Some(json!({"Attached": true})));
        assert!(attached(&iam, kind, &name).await.is_empty(), "{call:?}");
        undo(&actions, &scope, &call, before.as_ref()).await;
        assert_eq!(attached(&iam, kind, &name).await, [arn.as_str()], "{call:?} undone");
    }
    let group = Target::AttachedPolicy {
        principal: PrincipalKind::Group,
        name,
        policy_arn: arn,
    };
    assert!(
        actions.tags(&scope, &group).await.unwrap().is_empty(),
        "IAM groups have no tags"
    );
}

#[tokio::test]
async fn a_notebook_instance_is_stopped_then_started_by_the_undo() {
    let Some(config) = emulator().await else { return };
    let sagemaker = aws_sdk_sagemaker::Client::new(&config);
    let name = unique("aidr-nb");
    create_notebook(&sagemaker, &name).await;
    let actions = AwsActions::new(&config, MEMBER_ROLE);
    let scope = scope_in(&config, OWN);
    let stop = Call::StopNotebookInstance {
        notebook_instance_name: name.clone(),
    };
    let initial = notebook_status(&sagemaker, &name).await;
    let before = apply_once(&actions, &scope, &stop).await;
    assert_eq!(before, Some(json!({"NotebookInstanceStatus": initial})));
    assert_eq!(notebook_status(&sagemaker, &name).await, "Stopped");
    let started = undo(&actions, &scope, &stop, before.as_ref()).await;
    assert_eq!(started.state, Some(json!({"NotebookInstanceStatus": "Stopped"})));
    assert_eq!(notebook_status(&sagemaker, &name).await, "InService");
    let start = Call::StartNotebookInstance {
        notebook_instance_name: name.clone(),
    };
    assert!(actions.inspect(&scope, &start).await.unwrap().in_effect);
    let target = Target::NotebookInstance { name };
    assert_eq!(
        actions.tags(&scope, &target).await.unwrap(),
        [pair("owner", "research")]
    );
    let missing = Call::StopNotebookInstance {
        notebook_instance_name: unique("aidr-nb-none"),
    };
    let error = actions.inspect(&scope, &missing).await.unwrap_err();
    assert_eq!(error.kind, FailureKind::Permanent, "{error}");
    assert!(error.message.contains("aidr-nb-none"), "{error}");
}

#[tokio::test]
async fn the_logging_configuration_is_replaced_and_restored_then_deleted_and_restored() {
    let Some(config) = emulator().await else { return };
    let bedrock = aws_sdk_bedrock::Client::new(&config);
    // The only test of this binary that touches the account's logging configuration.
    let original = json!({
        "s3Config": {"bucketName": "aidr-invocation-logs", "keyPrefix": "bedrock/"},
        "cloudWatchConfig": {"logGroupName": "/aws/bedrock/invocations",
                             "roleArn": "arn:aws:iam::123456789012:role/BedrockLogging"},
        "textDataDeliveryEnabled": true,
        "imageDataDeliveryEnabled": false,
        "embeddingDataDeliveryEnabled": true
    });
    let put_original = Call::PutModelInvocationLoggingConfiguration {
        logging_config: original.clone(),
    };
    let actions = AwsActions::new(&config, MEMBER_ROLE);
    let scope = scope_in(&config, OWN);
    actions.apply(&scope, &put_original).await.unwrap();
    let elsewhere = json!({"s3Config": {"bucketName": "attacker-bucket"}, "textDataDeliveryEnabled": false});
    let redirect = Call::PutModelInvocationLoggingConfiguration {
        logging_config: elsewhere,
    };
    let before = apply_once(&actions, &scope, &redirect).await;
    assert_eq!(before.as_ref(), Some(&original), "read back in the API's JSON shape");
    let now = logging_now(&bedrock).await.unwrap();
    assert_eq!(now.s3_config().unwrap().bucket_name(), "attacker-bucket");
    undo(&actions, &scope, &redirect, before.as_ref()).await;
    let restored = logging_now(&bedrock).await.unwrap();
    assert_eq!(restored.s3_config().unwrap().bucket_name(), "aidr-invocation-logs");
    assert_eq!(restored.embedding_data_delivery_enabled(), Some(true));
    // Deleted (as an attacker would), then put back from what was read.
    let delete = Call::DeleteModelInvocationLoggingConfiguration {};
    let before = apply_once(&actions, &scope, &delete).await;
    assert_eq!(before.as_ref(), Some(&original));
    assert!(logging_now(&bedrock).await.is_none());
    undo(&actions, &scope, &delete, before.as_ref()).await;
    assert!(actions.inspect(&scope, &put_original).await.unwrap().in_effect);
}

#[tokio::test]
async fn calls_in_another_account_go_through_the_member_role_and_land_there() {
    let Some(config) = emulator().await else { return };
    let member = "210987654321";
    let member_config = member_config(&config, member, MEMBER_ROLE).await;
    let member_iam = aws_sdk_iam::Client::new(&member_config);
    let member_sagemaker = aws_sdk_sagemaker::Client::new(&member_config);
    let user = unique("aidr-member-key");
    let key = user_with_key(&member_iam, &user, &[("team", "ml")]).await;
    let notebook = unique("aidr-member-nb");
    create_notebook(&member_sagemaker, &notebook).await;
    let actions = AwsActions::new(&config, MEMBER_ROLE);
    let scope = scope_in(&config, member);
    let deactivate = Call::UpdateAccessKey {
        user_name: user.clone(),
        access_key_id: key,
        status: INACTIVE.into(),
    };
    apply_once(&actions, &scope, &deactivate).await;
    assert_eq!(key_status(&member_iam, &user).await, INACTIVE);
    let stop = Call::StopNotebookInstance {
        notebook_instance_name: notebook.clone(),
    };
    apply_once(&actions, &scope, &stop).await;
    assert_eq!(notebook_status(&member_sagemaker, &notebook).await, "Stopped");
    let target = Target::User {
        user_name: user.clone(),
    };
    assert_eq!(actions.tags(&scope, &target).await.unwrap(), [pair("team", "ml")]);
    // moto keeps state per account: neither is in the responder's own account.
    let iam = aws_sdk_iam::Client::new(&config);
    assert!(iam.get_user().user_name(&user).send().await.is_err());
    let sagemaker = aws_sdk_sagemaker::Client::new(&config);
    let own = sagemaker
        .describe_notebook_instance()
        .notebook_instance_name(&notebook)
        .send()
        .await;
    assert!(own.is_err());
    let error = actions.inspect(&scope_in(&config, OWN), &deactivate).await.unwrap_err();
    assert_eq!(error.kind, FailureKind::Permanent, "{error}");
}
