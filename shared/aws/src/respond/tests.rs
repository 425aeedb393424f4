//! What moto cannot show, on mocked responses: IAM service-specific credentials (Bedrock API
//! keys), Bedrock resource policies, SageMaker model package group policies (moto lacks these
//! APIs; responses shaped like the AWS API reference: IAM query XML, Bedrock REST JSON with
//! `x-amzn-ErrorType`, SageMaker JSON 1.1 with `__type`), and how calls reach accounts
//! (failures of STS AssumeRole, which moto always grants).

use std::sync::{Arc, Mutex};

use aidr_engine::ports::{ActionError, ApiKey, Before, CloudActions, FailureKind, Scope};
use aidr_engine::response::{ACTIVE, Call, INACTIVE, Target};
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_iam::types::StatusType;
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};

use super::AwsActions;
use super::Regional;
use crate::accounts::Identity;
use crate::mock::{http, iam_error, iam_ok, json_error, json_ok};

const ACCOUNT: &str = "111122223333";
const MEMBER: &str = "444455556666";
const REGION: &str = "us-east-1";
const MODEL: &str = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.titan-text-lite-v1:0:4k/abcd1234efgh";
const GROUP: &str = "fraud-models";
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"bedrock:InvokeModel","Resource":"*"}]}"#;

use crate::mock::mock_client as client;

/// Actions in [`ACCOUNT`] whose clients are answered by these rules.
fn actions(iam: &[&Rule], bedrock: &[&Rule], sagemaker: &[&Rule]) -> AwsActions {
    let config = SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build();
    let actions = AwsActions::new(&config, "aidr-member");
    let own = Identity {
        account: ACCOUNT.into(),
        partition: "aws".into(),
    };
    let regional = Regional {
        bedrock: client!(aws_sdk_bedrock, bedrock),
        sagemaker: client!(aws_sdk_sagemaker, sagemaker),
    };
    actions
        .accounts
        .preset(own, REGION, client!(aws_sdk_iam, iam), regional);
    actions
}

fn scope() -> Scope {
    Scope {
        account: ACCOUNT.into(),
        region: REGION.into(),
    }
}

/// A `ListServiceSpecificCredentials` page of alice's Bedrock API keys `(id, status)`.
fn credentials_page(keys: &[(&str, &str)], marker: Option<&str>) -> Response {
    let members: String = keys
        .iter()
        .map(|(id, status)| {
            format!(
                "<member><UserName>alice</UserName><Status>{status}</Status><ServiceUserName>alice-at-111122223333</ServiceUserName><CreateDate>2026-03-01T12:00:00Z</CreateDate><ServiceSpecificCredentialId>{id}</ServiceSpecificCredentialId><ServiceName>bedrock.amazonaws.com</ServiceName></member>"
            )
        })
        .collect();
    let more = match marker {
        Some(m) => format!("<IsTruncated>true</IsTruncated><Marker>{m}</Marker>"),
        None => "<IsTruncated>false</IsTruncated>".to_owned(),
    };
    iam_ok(
        "ListServiceSpecificCredentials",
        &format!("<ServiceSpecificCredentials>{members}</ServiceSpecificCredentials>{more}"),
    )
}

fn sagemaker_ok(body: Value) -> Response {
    http(200, "application/x-amz-json-1.1", body.to_string())
}

fn sagemaker_error(error_type: &str, message: &str) -> Response {
    let body = json!({ "__type": error_type, "message": message }).to_string();
    http(400, "application/x-amz-json-1.1", body)
}

fn deactivate(id: &str) -> Call {
    Call::UpdateServiceSpecificCredential {
        user_name: "alice".into(),
        service_specific_credential_id: id.into(),
        status: INACTIVE.into(),
    }
}

fn assert_failure(error: &ActionError, kind: FailureKind, text: &str) {
    assert_eq!(error.kind, kind, "{}", error.message);
    assert!(error.message.contains(text), "{:?} lacks {text:?}", error.message);
}

#[tokio::test]
async fn api_keys_are_the_bedrock_credentials_of_the_user_over_every_page() {
    let list = mock!(aws_sdk_iam::Client::list_service_specific_credentials)
        .match_requests(|r| r.user_name() == Some("alice") && r.service_name() == Some("bedrock.amazonaws.com"))
        .sequence()
        .http_response(|| credentials_page(&[("ACCAALICE1", ACTIVE), ("ACCAALICE2", INACTIVE)], Some("page-2")))
        .http_response(|| credentials_page(&[("ACCAALICE3", ACTIVE)], None))
        .build();
    let actions = actions(&[&list], &[], &[]);
    let keys = actions.api_keys(&scope(), "alice").await.unwrap();
    let key = |id: &str, status: &str| ApiKey {
        id: id.into(),
        status: status.into(),
    };
    assert_eq!(
        keys,
        [
            key("ACCAALICE1", ACTIVE),
            key("ACCAALICE2", INACTIVE),
            key("ACCAALICE3", ACTIVE)
        ]
    );
    assert_eq!(list.num_calls(), 2);
}

#[tokio::test]
async fn an_active_api_key_is_read_then_deactivated() {
    let list = mock!(aws_sdk_iam::Client::list_service_specific_credentials)
        .then_http_response(|| credentials_page(&[("ACCAALICE1", ACTIVE)], None));
    let update = mock!(aws_sdk_iam::Client::update_service_specific_credential)
        .match_requests(|r| {
            r.user_name() == Some("alice")
                && r.service_specific_credential_id() == Some("ACCAALICE1")
                && r.status() == Some(&StatusType::Inactive)
        })
        .then_http_response(|| iam_ok("UpdateServiceSpecificCredential", ""));
    let actions = actions(&[&list, &update], &[], &[]);
    let before = actions.inspect(&scope(), &deactivate("ACCAALICE1")).await.unwrap();
    let expected = Before {
        state: Some(json!({"Status": "Active"})),
        in_effect: false,
    };
    assert_eq!(before, expected);
    assert_eq!(update.num_calls(), 0, "inspect changes nothing");
    assert_eq!(
        actions.apply(&scope(), &deactivate("ACCAALICE1")).await.unwrap(),
        expected
    );
    assert_eq!(update.num_calls(), 1);
}

#[tokio::test]
async fn an_inactive_api_key_is_in_effect_and_left_alone() {
    let list = mock!(aws_sdk_iam::Client::list_service_specific_credentials)
        .then_http_response(|| credentials_page(&[("ACCAALICE1", INACTIVE)], None));
    let update = mock!(aws_sdk_iam::Client::update_service_specific_credential)
        .then_http_response(|| iam_ok("UpdateServiceSpecificCredential", ""));
    let actions = actions(&[&list, &update], &[], &[]);
    let before = actions.apply(&scope(), &deactivate("ACCAALICE1")).await.unwrap();
    assert!(before.in_effect);
    assert_eq!(before.state, Some(json!({"Status": "Inactive"})));
    assert_eq!(update.num_calls(), 0);
}

#[tokio::test]
async fn an_api_key_the_user_does_not_have_is_a_permanent_error_naming_it() {
    let list = mock!(aws_sdk_iam::Client::list_service_specific_credentials)
        .then_http_response(|| credentials_page(&[("ACCAALICE1", ACTIVE)], None));
    let actions = actions(&[&list], &[], &[]);
    let error = actions.apply(&scope(), &deactivate("ACCAGONE")).await.unwrap_err();
    assert_failure(&error, FailureKind::Permanent, "ACCAGONE of alice");
}

#[tokio::test]
async fn a_denied_update_is_permanent_and_a_throttled_one_transient() {
    let cases = [
        (403, "AccessDenied", FailureKind::Permanent),
        (400, "Throttling", FailureKind::Transient),
    ];
    for (status, code, kind) in cases {
        let list = mock!(aws_sdk_iam::Client::list_service_specific_credentials)
            .then_http_response(|| credentials_page(&[("ACCAALICE1", ACTIVE)], None));
        let update = mock!(aws_sdk_iam::Client::update_service_specific_credential)
            .then_http_response(move || iam_error(status, code, "Not now"));
        let actions = actions(&[&list, &update], &[], &[]);
        let error = actions.apply(&scope(), &deactivate("ACCAALICE1")).await.unwrap_err();
        let message = format!("iam:UpdateServiceSpecificCredential ACCAALICE1 of alice: {code}: Not now");
        assert_failure(&error, kind, &message);
    }
}

#[tokio::test]
async fn a_bedrock_resource_policy_is_kept_before_it_is_deleted() {
    let get = mock!(aws_sdk_bedrock::Client::get_resource_policy)
        .match_requests(|r| r.resource_arn() == Some(MODEL))
        .then_http_response(|| json_ok(json!({"resourcePolicy": POLICY})));
    let delete = mock!(aws_sdk_bedrock::Client::delete_resource_policy)
        .match_requests(|r| r.resource_arn() == Some(MODEL))
        .then_http_response(|| json_ok(json!({})));
    let actions = actions(&[], &[&get, &delete], &[]);
    let call = Call::DeleteResourcePolicy {
        resource_arn: MODEL.into(),
    };
    let before = actions.apply(&scope(), &call).await.unwrap();
    assert_eq!(
        before,
        Before {
            state: Some(json!({"resourcePolicy": POLICY})),
            in_effect: false
        }
    );
    assert_eq!(delete.num_calls(), 1);
    // What the undo puts back is the document read.
    let undo = call.undo(before.state.as_ref());
    assert_eq!(
        undo,
        Some(Call::PutResourcePolicy {
            resource_arn: MODEL.into(),
            resource_policy: POLICY.into()
        })
    );
}

#[tokio::test]
async fn without_a_bedrock_resource_policy_a_delete_is_in_effect_and_a_put_is_made() {
    let get = mock!(aws_sdk_bedrock::Client::get_resource_policy).then_http_response(|| {
        json_error(
            404,
            "ResourceNotFoundException",
            "The specified resource ARN was not found.",
        )
    });
    let delete = mock!(aws_sdk_bedrock::Client::delete_resource_policy).then_http_response(|| json_ok(json!({})));
    let put = mock!(aws_sdk_bedrock::Client::put_resource_policy)
        .match_requests(|r| r.resource_arn() == Some(MODEL) && r.resource_policy() == Some(POLICY))
        .then_http_response(|| json_ok(json!({"resourceArn": MODEL})));
    let actions = actions(&[], &[&get, &delete, &put], &[]);
    let remove = Call::DeleteResourcePolicy {
        resource_arn: MODEL.into(),
    };
    let none = Before {
        state: None,
        in_effect: true,
    };
    assert_eq!(actions.apply(&scope(), &remove).await.unwrap(), none);
    assert_eq!(delete.num_calls(), 0);
    let restore = Call::PutResourcePolicy {
        resource_arn: MODEL.into(),
        resource_policy: POLICY.into(),
    };
    let before = actions.apply(&scope(), &restore).await.unwrap();
    assert_eq!(
        before,
        Before {
            state: None,
            in_effect: false
        }
    );
    assert_eq!(put.num_calls(), 1);
}

#[tokio::test]
async fn the_same_bedrock_policy_spaced_otherwise_is_in_effect() {
    let get = mock!(aws_sdk_bedrock::Client::get_resource_policy)
        .then_http_response(|| json_ok(json!({"resourcePolicy": POLICY})));
    let actions = actions(&[], &[&get], &[]);
    let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(POLICY).unwrap()).unwrap();
    let call = Call::PutResourcePolicy {
        resource_arn: MODEL.into(),
        resource_policy: pretty,
    };
    // No rule answers PutResourcePolicy: making it would fail the test.
    assert!(actions.apply(&scope(), &call).await.unwrap().in_effect);
}

#[tokio::test]
async fn bedrock_failures_keep_their_kind_and_name_the_resource() {
    let cases = [
        (403, "AccessDeniedException", FailureKind::Permanent),
        (429, "ThrottlingException", FailureKind::Transient),
        (500, "InternalServerException", FailureKind::Transient),
    ];
    for (status, error_type, kind) in cases {
        let get = mock!(aws_sdk_bedrock::Client::get_resource_policy)
            .then_http_response(move || json_error(status, error_type, "Not now"));
        let actions = actions(&[], &[&get], &[]);
        let call = Call::DeleteResourcePolicy {
            resource_arn: MODEL.into(),
        };
        let error = actions.inspect(&scope(), &call).await.unwrap_err();
        assert_failure(
            &error,
            kind,
            &format!("bedrock:GetResourcePolicy {MODEL}: {error_type}: Not now"),
        );
    }
}

#[tokio::test]
async fn a_model_package_group_policy_is_kept_before_it_is_deleted() {
    let get = mock!(aws_sdk_sagemaker::Client::get_model_package_group_policy)
        .match_requests(|r| r.model_package_group_name() == Some(GROUP))
        .then_http_response(|| sagemaker_ok(json!({"ResourcePolicy": POLICY})));
    let delete = mock!(aws_sdk_sagemaker::Client::delete_model_package_group_policy)
        .match_requests(|r| r.model_package_group_name() == Some(GROUP))
        .then_http_response(|| sagemaker_ok(json!({})));
    let actions = actions(&[], &[], &[&get, &delete]);
    let call = Call::DeleteModelPackageGroupPolicy {
        model_package_group_name: GROUP.into(),
    };
    let before = actions.apply(&scope(), &call).await.unwrap();
    assert_eq!(
        before,
        Before {
            state: Some(json!({"ResourcePolicy": POLICY})),
            in_effect: false
        }
    );
    assert_eq!(delete.num_calls(), 1);
    assert!(matches!(
        call.undo(before.state.as_ref()),
        Some(Call::PutModelPackageGroupPolicy { resource_policy, .. }) if resource_policy == POLICY
    ));
}

#[tokio::test]
async fn a_model_package_group_without_a_policy_has_none_to_delete_and_gets_one_put() {
    let arn = format!("arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{GROUP}");
    let missing = format!("Cannot find resource policy for: {arn}");
    let get = mock!(aws_sdk_sagemaker::Client::get_model_package_group_policy)
        .then_http_response(move || sagemaker_error("ValidationException", &missing));
    let put = mock!(aws_sdk_sagemaker::Client::put_model_package_group_policy)
        .match_requests(|r| r.model_package_group_name() == Some(GROUP) && r.resource_policy() == Some(POLICY))
        .then_http_response(move || sagemaker_ok(json!({"ModelPackageGroupArn": arn})));
    let actions = actions(&[], &[], &[&get, &put]);
    let remove = Call::DeleteModelPackageGroupPolicy {
        model_package_group_name: GROUP.into(),
    };
    let before = actions.apply(&scope(), &remove).await.unwrap();
    assert_eq!(
        before,
        Before {
            state: None,
            in_effect: true
        }
    );
    let restore = Call::PutModelPackageGroupPolicy {
        model_package_group_name: GROUP.into(),
        resource_policy: POLICY.into(),
    };
    assert!(!actions.apply(&scope(), &restore).await.unwrap().in_effect);
    assert_eq!(put.num_calls(), 1);
}

#[tokio::test]
async fn sagemaker_failures_keep_their_kind() {
    let cases = [
        (
            "ValidationException",
            "Cannot find Model Package Group: fraud-models",
            FailureKind::Permanent,
        ),
        ("AccessDeniedException", "Not allowed", FailureKind::Permanent),
        ("ThrottlingException", "Rate exceeded", FailureKind::Transient),
    ];
    for (error_type, message, kind) in cases {
        let get = mock!(aws_sdk_sagemaker::Client::get_model_package_group_policy)
            .then_http_response(move || sagemaker_error(error_type, message));
        let actions = actions(&[], &[], &[&get]);
        let call = Call::DeleteModelPackageGroupPolicy {
            model_package_group_name: GROUP.into(),
        };
        let error = actions.apply(&scope(), &call).await.unwrap_err();
        let text = format!("sagemaker:GetModelPackageGroupPolicy model package group {GROUP}: {error_type}: {message}");
        assert_failure(&error, kind, &text);
    }
}

#[tokio::test]
async fn tags_of_bedrock_resources_and_model_package_groups() {
    let bedrock_tags = mock!(aws_sdk_bedrock::Client::list_tags_for_resource)
        .match_requests(|r| r.resource_arn() == Some(MODEL))
        .then_http_response(|| json_ok(json!({"tags": [{"key": "owner", "value": "ml-platform"}]})));
    let group_tags = mock!(aws_sdk_sagemaker::Client::list_tags)
        .match_requests(|r| {
            r.resource_arn() == Some("arn:aws:sagemaker:us-east-1:111122223333:model-package-group/fraud-models")
        })
        .then_http_response(|| sagemaker_ok(json!({"Tags": [{"Key": "aidr:protect", "Value": "true"}]})));
    let actions = actions(&[], &[&bedrock_tags], &[&group_tags]);
    let model = Target::BedrockResourcePolicy {
        resource_arn: MODEL.into(),
    };
    let group = Target::ModelPackageGroupPolicy {
        group_name: GROUP.into(),
    };
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        actions.tags(&scope(), &model).await.unwrap(),
        [pair("owner", "ml-platform")]
    );
    assert_eq!(
        actions.tags(&scope(), &group).await.unwrap(),
        [pair("aidr:protect", "true")]
    );
    // The logging configuration has no tags, and asks nothing.
    assert!(
        actions
            .tags(&scope(), &Target::InvocationLogging)
            .await
            .unwrap()
            .is_empty()
    );
}

/// How STS answers `AssumeRole` in [`routed`].
#[derive(Clone, Copy)]
enum AssumeRole {
    Grant,
    Fail(u16, &'static str),
}

/// Actions whose every request goes to one HTTP stub: STS says the own account is [`ACCOUNT`]
/// and answers `AssumeRole` as told; IAM lists alice's active key. Returns the requests seen
/// (body, then the `Authorization` header).
fn routed(assume_role: AssumeRole) -> (AwsActions, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let client = aws_smithy_http_client::test_util::infallible_client_fn(move |request: http::Request<SdkBody>| {
        let body = String::from_utf8_lossy(request.body().bytes().unwrap_or_default()).into_owned();
        let auth = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        log.lock().unwrap().push(format!("{body} | {auth}"));
        let sts = "https://sts.amazonaws.com/doc/2011-06-15/";
        let (status, xml) = if body.contains("Action=GetCallerIdentity") {
            (
                200,
                format!(
                    r#"<GetCallerIdentityResponse xmlns="{sts}"><GetCallerIdentityResult><Arn>arn:aws:sts::{ACCOUNT}:assumed-role/aidr-responder/fn</Arn><UserId>AROAEXAMPLE:fn</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#
                ),
            )
        } else if body.contains("Action=AssumeRole") {
            match assume_role {
                AssumeRole::Grant => (
                    200,
                    format!(
                        r#"<AssumeRoleResponse xmlns="{sts}"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROAMEMBER:aidr-responder</AssumedRoleId><Arn>arn:aws:sts::{MEMBER}:assumed-role/aidr-member/aidr-responder</Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIAMEMBER</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></AssumeRoleResponse>"#
                    ),
                ),
                AssumeRole::Fail(status, code) => (
                    status,
                    format!(
                        r#"<ErrorResponse xmlns="{sts}"><Error><Type>Sender</Type><Code>{code}</Code><Message>not assumable: arn:aws:iam::{MEMBER}:role/aidr-member</Message></Error><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ErrorResponse>"#
                    ),
                ),
            }
        } else if body.contains("Action=ListAccessKeys") {
            (200, r#"<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListAccessKeysResult><UserName>alice</UserName><AccessKeyMetadata><member><UserName>alice</UserName><AccessKeyId>AKIAALICE</AccessKeyId><Status>Active</Status><CreateDate>2026-03-01T12:00:00Z</CreateDate></member></AccessKeyMetadata><IsTruncated>false</IsTruncated></ListAccessKeysResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></ListAccessKeysResponse>"#.to_owned())
        } else {
            (400, "unexpected request".to_owned())
        };
        http::Response::builder()
            .status(status)
            .body(SdkBody::from(xml))
            .unwrap()
    });
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_types::sdk_config::SharedCredentialsProvider::new(
            aws_sdk_sts::config::Credentials::new("AKIAOWN", "secret", None, None, "test"),
        ))
        .http_client(client)
        .retry_config(aws_types::sdk_config::RetryConfig::disabled())
        .build();
    (AwsActions::new(&config, "aidr-member"), seen)
}

fn alices_key() -> Call {
    Call::UpdateAccessKey {
        user_name: "alice".into(),
        access_key_id: "AKIAALICE".into(),
        status: INACTIVE.into(),
    }
}

fn in_account(account: &str) -> Scope {
    Scope {
        account: account.into(),
        region: REGION.into(),
    }
}

fn count(seen: &Mutex<Vec<String>>, text: &str) -> usize {
    seen.lock().unwrap().iter().filter(|r| r.contains(text)).count()
}

#[tokio::test]
async fn calls_in_the_own_account_use_the_own_credentials() {
    let (actions, seen) = routed(AssumeRole::Fail(403, "AccessDenied"));
    for _ in 0..2 {
        let before = actions.inspect(&in_account(ACCOUNT), &alices_key()).await.unwrap();
        assert_eq!(before.state, Some(json!({"Status": "Active"})));
    }
    assert_eq!(
        count(&seen, "Action=GetCallerIdentity"),
        1,
        "the own account is learnt once"
    );
    assert_eq!(count(&seen, "Action=AssumeRole"), 0);
    assert_eq!(count(&seen, "Credential=AKIAOWN/"), 3);
}

#[tokio::test]
async fn calls_in_other_accounts_go_through_the_member_role_assumed_once() {
    let (actions, seen) = routed(AssumeRole::Grant);
    for _ in 0..2 {
        let before = actions.inspect(&in_account(MEMBER), &alices_key()).await.unwrap();
        assert_eq!(before.state, Some(json!({"Status": "Active"})));
    }
    assert_eq!(count(&seen, "Action=AssumeRole"), 1, "credentials are kept");
    assert_eq!(
        count(&seen, "RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2Faidr-member"),
        1
    );
    assert_eq!(count(&seen, "RoleSessionName=aidr-responder"), 1);
    assert_eq!(count(&seen, "Action=ListAccessKeys"), 2);
    assert_eq!(
        count(&seen, "Credential=ASIAMEMBER/"),
        2,
        "IAM is called as the member role"
    );
}

#[tokio::test]
async fn a_member_role_that_cannot_be_assumed_fails_as_sts_did() {
    let cases = [
        (403, "AccessDenied", FailureKind::Permanent),
        (400, "Throttling", FailureKind::Transient),
    ];
    for (status, code, kind) in cases {
        let (actions, _) = routed(AssumeRole::Fail(status, code));
        let error = actions.inspect(&in_account(MEMBER), &alices_key()).await.unwrap_err();
        let text = format!("iam:ListAccessKeys AKIAALICE of alice: sts:AssumeRole failed: {code}");
        assert_failure(&error, kind, &text);
    }
}

#[tokio::test]
async fn a_scope_without_an_account_id_is_refused() {
    let (actions, seen) = routed(AssumeRole::Grant);
    let error = actions.inspect(&in_account("prod"), &alices_key()).await.unwrap_err();
    assert_failure(&error, FailureKind::Permanent, "not an AWS account id");
    assert_eq!(count(&seen, "Action=AssumeRole"), 0);
}
