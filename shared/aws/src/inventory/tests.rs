//! The collector on mocked responses (`aws-smithy-mocks`), for what moto cannot show: Bedrock
//! guardrails and provisioned throughput, AgentCore runtimes and gateways shaped as AWS
//! returns them, IAM's URL-encoded documents and Bedrock API keys (service-specific
//! credentials), refusals (`AccessDeniedException`) and throttling. The responses follow the
//! AWS API reference: Bedrock and AgentCore REST JSON with `x-amzn-ErrorType`, IAM query XML.

use std::time::Duration;

use aidr_engine::inventory::{GapReason, types};
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_runtime_api::http::Response;
use serde_json::{Value, json};

use super::found::{Clock, Found};
use super::{agentcore, bedrock, iam};
use crate::mock::{iam_ok, json_error, json_ok};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";
/// 2026-03-01T12:00:00Z.
const NOW: i64 = 1_772_366_400;
const GUARDRAIL: &str = "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr0abc123def";

/// A client of SDK crate `$sdk` answered by the mock `$rules` (any order), with up to 3
/// attempts a call and a 1 ms backoff (so retries are quick).
macro_rules! client {
    ($sdk:ident, $rules:expr) => {
        crate::mock::mock_client!(
            $sdk,
            $rules,
            $sdk::config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
        )
    };
}

fn found(region: &str) -> Found {
    Found::new(ACCOUNT, region, "aws", Clock::new(NOW))
}

/// Bedrock answering with one provisioned throughput and one guardrail (a content policy with
/// the prompt-attack filter), no models or profiles, and no logging configuration;
/// `ListGuardrails` throttled `throttled` times first.
fn bedrock_rules(throttled: usize) -> Vec<Rule> {
    let empty_models = || json_ok(json!({"modelSummaries": []}));
    let provisioned = json!({"provisionedModelSummaries": [{
        "provisionedModelName": "claims-pt",
        "provisionedModelArn": "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/pt0abc123",
        "modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.titan-text-express-v1:0:8k/cm0abc",
        "desiredModelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.titan-text-express-v1:0:8k/cm0abc",
        "foundationModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k",
        "modelUnits": 2, "desiredModelUnits": 2, "status": "InService",
        "commitmentDuration": "OneMonth", "commitmentExpirationTime": "2026-04-01T00:00:00Z",
        "creationTime": "2026-03-01T00:00:00Z", "lastModifiedTime": "2026-03-01T00:00:00Z"
    }]});
    let guardrails = json!({"guardrails": [{
        "id": "gr0abc123def", "arn": GUARDRAIL, "status": "READY", "name": "support",
        "version": "DRAFT", "createdAt": "2026-02-01T09:00:00Z", "updatedAt": "2026-02-02T09:00:00Z"
    }]});
    let guardrail = json!({
        "name": "support", "guardrailId": "gr0abc123def", "guardrailArn": GUARDRAIL,
        "version": "DRAFT", "status": "READY",
        "contentPolicy": {"filters": [
            {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
            {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "MEDIUM", "inputAction": "BLOCK", "inputEnabled": true}
        ]},
        "wordPolicy": {"managedWordLists": [{"type": "PROFANITY"}]},
        "createdAt": "2026-02-01T09:00:00Z", "updatedAt": "2026-02-02T09:00:00Z",
        "blockedInputMessaging": "Sorry.", "blockedOutputsMessaging": "Sorry.",
        "kmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/guardrail"
    });
    let mut list = mock!(aws_sdk_bedrock::Client::list_guardrails).sequence();
    if throttled > 0 {
        list = list
            .http_response(|| json_error(400, "ThrottlingException", "Rate exceeded"))
            .times(throttled);
    }
    vec![
        mock!(aws_sdk_bedrock::Client::list_custom_models).then_http_response(empty_models),
        mock!(aws_sdk_bedrock::Client::list_imported_models).then_http_response(empty_models),
        mock!(aws_sdk_bedrock::Client::list_provisioned_model_throughputs)
            .then_http_response(move || json_ok(provisioned.clone())),
        list.http_response(move || json_ok(guardrails.clone())).build(),
        mock!(aws_sdk_bedrock::Client::get_guardrail)
            .match_requests(|r| r.guardrail_identifier() == Some("gr0abc123def") && r.guardrail_version().is_none())
            .then_http_response(move || json_ok(guardrail.clone())),
        mock!(aws_sdk_bedrock::Client::list_inference_profiles)
            .match_requests(|r| r.type_equals().map(|t| t.as_str()) == Some("APPLICATION"))
            .then_http_response(|| json_ok(json!({"inferenceProfileSummaries": []}))),
        mock!(aws_sdk_bedrock::Client::get_model_invocation_logging_configuration)
            .then_http_response(|| json_ok(json!({}))),
    ]
}

#[tokio::test]
async fn guardrails_and_provisioned_throughput_are_read_as_bedrock_returns_them() {
    let rules = bedrock_rules(0);
    let mut found = found(REGION);
    bedrock::collect(&mut found, &client!(aws_sdk_bedrock, &rules)).await;
    assert_eq!(found.gaps, []);
    let kinds: Vec<_> = found.resources.iter().map(|r| r.resource_type.as_str()).collect();
    assert_eq!(
        kinds,
        [
            types::BEDROCK_PROVISIONED_THROUGHPUT,
            types::BEDROCK_GUARDRAIL,
            types::BEDROCK_SETTINGS
        ]
    );
    let [pt, guardrail, settings] = &found.resources[..] else {
        unreachable!()
    };
    assert_eq!(
        pt.arn,
        "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/pt0abc123"
    );
    assert_eq!(pt.name.as_deref(), Some("claims-pt"));
    assert_eq!(pt.configuration["commitmentDuration"], "OneMonth");
    assert_eq!(pt.configuration["modelUnits"], 2);
    assert_eq!(pt.configuration["status"], "InService");
    assert_eq!(
        pt.configuration["foundationModelArn"],
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k"
    );
    assert_eq!(guardrail.arn, GUARDRAIL);
    assert_eq!(guardrail.captured_at.as_deref(), Some("2026-03-01T12:00:00Z"));
    assert_eq!(
        guardrail.configuration,
        json!({
            "guardrailId": "gr0abc123def", "guardrailArn": GUARDRAIL, "name": "support",
            "version": "DRAFT", "status": "READY",
            "kmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/guardrail",
            "contentPolicy": {"filters": [
                {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
                {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "MEDIUM", "inputAction": "BLOCK", "inputEnabled": true}
            ]},
            "wordPolicy": {"managedWordLists": [{"type": "PROFANITY"}]},
            "createdAt": "2026-02-01T09:00:00Z", "updatedAt": "2026-02-02T09:00:00Z"
        })
    );
    assert_eq!(settings.arn, "arn:aws:bedrock:us-east-1:111122223333:settings");
    assert_eq!(
        settings.configuration,
        json!({"guardrailCount": 1}),
        "no logging configuration"
    );
}

#[tokio::test]
async fn a_throttled_listing_is_retried_by_the_sdk() {
    let rules = bedrock_rules(2);
    let mut found = found(REGION);
    bedrock::collect(&mut found, &client!(aws_sdk_bedrock, &rules)).await;
    assert_eq!(found.gaps, []);
    assert_eq!(rules[3].num_calls(), 3, "two throttled attempts, then the answer");
    assert_eq!(found.of(types::BEDROCK_GUARDRAIL).len(), 1);
}

#[tokio::test]
async fn still_throttled_after_the_retries_is_a_throttled_gap_and_the_guardrail_count_unknown() {
    let rules = bedrock_rules(3);
    let mut found = found(REGION);
    bedrock::collect(&mut found, &client!(aws_sdk_bedrock, &rules)).await;
    assert_eq!(found.gaps.len(), 1, "{:?}", found.gaps);
    let gap = &found.gaps[0];
    assert_eq!(
        (gap.service.as_str(), gap.operation.as_str(), gap.reason),
        ("bedrock", "ListGuardrails", GapReason::Throttled)
    );
    assert_eq!(gap.message, "ThrottlingException: Rate exceeded");
    let settings = found.of(types::BEDROCK_SETTINGS);
    assert_eq!(settings[0].configuration, json!({}), "guardrailCount absent: unknown");
}

#[tokio::test]
async fn a_public_runtime_and_a_gateway_without_authorizer_are_read_and_a_refusal_is_a_gap() {
    let runtime_arn = "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/support-a1b2c3";
    let role = "arn:aws:iam::111122223333:role/agent-runtime";
    let list_runtimes = mock!(aws_sdk_bedrockagentcorecontrol::Client::list_agent_runtimes).then_http_response(move || {
        json_ok(json!({"agentRuntimes": [{
            "agentRuntimeArn": runtime_arn, "agentRuntimeId": "support-a1b2c3", "agentRuntimeVersion": "1",
            "agentRuntimeName": "support", "description": "", "lastUpdatedAt": "2026-02-01T09:00:00Z", "status": "READY"
        }]}))
    });
    let get_runtime = mock!(aws_sdk_bedrockagentcorecontrol::Client::get_agent_runtime)
        .match_requests(|r| r.agent_runtime_id() == Some("support-a1b2c3"))
        .then_http_response(move || {
            json_ok(json!({
                "agentRuntimeArn": runtime_arn, "agentRuntimeName": "support", "agentRuntimeId": "support-a1b2c3",
                "agentRuntimeVersion": "1", "createdAt": "2026-02-01T09:00:00Z", "lastUpdatedAt": "2026-02-01T09:00:00Z",
                "roleArn": role, "networkConfiguration": {"networkMode": "PUBLIC"}, "status": "READY",
                "agentRuntimeArtifact": {"containerConfiguration": {"containerUri": "111122223333.dkr.ecr.us-east-1.amazonaws.com/agent:1"}}
            }))
        });
    let gateway_arn = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/tools-0abc";
    let list_gateways = mock!(aws_sdk_bedrockagentcorecontrol::Client::list_gateways).then_http_response(|| {
        json_ok(json!({"items": [{
            "gatewayId": "tools-0abc", "name": "tools", "status": "READY", "createdAt": "2026-02-01T09:00:00Z",
            "updatedAt": "2026-02-01T09:00:00Z", "authorizerType": "NONE", "protocolType": "MCP"
        }]}))
    });
    let get_gateway = mock!(aws_sdk_bedrockagentcorecontrol::Client::get_gateway)
        .match_requests(|r| r.gateway_identifier() == Some("tools-0abc"))
        .then_http_response(move || {
            json_ok(json!({
                "gatewayArn": gateway_arn, "gatewayId": "tools-0abc", "name": "tools", "status": "READY",
                "gatewayUrl": "https://tools-0abc.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
                "createdAt": "2026-02-01T09:00:00Z", "updatedAt": "2026-02-01T09:00:00Z",
                "roleArn": role, "protocolType": "MCP", "authorizerType": "NONE"
            }))
        });
    let list_targets = mock!(aws_sdk_bedrockagentcorecontrol::Client::list_gateway_targets).then_http_response(|| {
        json_error(
            403,
            "AccessDeniedException",
            "User is not authorized to perform: bedrock-agentcore:ListGatewayTargets",
        )
    });
    let rules = [
        &list_runtimes,
        &get_runtime,
        &list_gateways,
        &get_gateway,
        &list_targets,
    ];
    let mut found = found(REGION);
    agentcore::collect(&mut found, &client!(aws_sdk_bedrockagentcorecontrol, rules)).await;

    let runtime = &found.of(types::AGENTCORE_RUNTIME)[0];
    assert_eq!(runtime.arn, runtime_arn);
    assert_eq!(
        runtime.configuration,
        json!({
            "agentRuntimeArn": runtime_arn, "agentRuntimeId": "support-a1b2c3", "agentRuntimeName": "support",
            "agentRuntimeVersion": "1", "status": "READY", "roleArn": role,
            "networkConfiguration": {"networkMode": "PUBLIC"}, "createdAt": "2026-02-01T09:00:00Z"
        })
    );
    let gateway = &found.of(types::AGENTCORE_GATEWAY)[0];
    assert_eq!(gateway.configuration["authorizerType"], "NONE");
    assert_eq!(gateway.configuration.get("authorizerConfiguration"), None);
    assert_eq!(gateway.configuration.get("targets"), None, "unknown, not empty");
    assert_eq!(found.gaps.len(), 1);
    let gap = &found.gaps[0];
    assert_eq!(
        (gap.service.as_str(), gap.operation.as_str(), gap.reason),
        (
            "bedrock-agentcore-control",
            "ListGatewayTargets",
            GapReason::NotPermitted
        )
    );
    assert!(
        gap.message.starts_with("AccessDeniedException: User is not authorized"),
        "{}",
        gap.message
    );
}

/// `GetAccountAuthorizationDetails` with: role `app` (an inline Bedrock policy), role `etl`
/// (S3 only, named by a collected resource), role `other` (S3 only), role `partner` (another
/// account may assume it; S3 writes only), role `pipeline` (the same, assumed by Lambda), user
/// `alice` (in group `ml`, whose attached managed policy grants SageMaker), user `bob` (nothing
/// of AI). Documents URL-encoded, as IAM returns them.
fn authorization_details() -> Response {
    let enc = |doc: Value| {
        percent_encoding::utf8_percent_encode(&doc.to_string(), percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let allow = |action: &str| {
        enc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}))
    };
    let trusting = |principal: Value| {
        enc(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}),
        )
    };
    let lambda = json!({"Service": "lambda.amazonaws.com"});
    let role = |name: &str, action: &str, principal: &Value| {
        format!(
            "<member><Path>/</Path><RoleName>{name}</RoleName><RoleId>AROA{name}</RoleId><Arn>arn:aws:iam::111122223333:role/{name}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument><InstanceProfileList/><RolePolicyList><member><PolicyName>inline</PolicyName><PolicyDocument>{}</PolicyDocument></member></RolePolicyList><AttachedManagedPolicies/><Tags/><RoleLastUsed><LastUsedDate>2026-02-28T10:00:00Z</LastUsedDate><Region>us-east-1</Region></RoleLastUsed></member>",
            trusting(principal.clone()),
            allow(action)
        )
    };
    let roles = [
        role("app", "bedrock:InvokeModel", &lambda),
        role("etl", "s3:GetObject", &lambda),
        role("other", "s3:GetObject", &lambda),
        role(
            "partner",
            "s3:PutObject",
            &json!({"AWS": "arn:aws:iam::444455556666:root"}),
        ),
        role("pipeline", "s3:PutObject", &lambda),
    ]
    .concat();
    let users = "<member><Path>/</Path><UserName>alice</UserName><UserId>AIDAALICE</UserId><Arn>arn:aws:iam::111122223333:user/alice</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><UserPolicyList/><GroupList><member>ml</member></GroupList><AttachedManagedPolicies/><Tags/></member><member><Path>/</Path><UserName>bob</UserName><UserId>AIDABOB</UserId><Arn>arn:aws:iam::111122223333:user/bob</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><UserPolicyList/><GroupList/><AttachedManagedPolicies/><Tags/></member>";
    let groups = "<member><Path>/</Path><GroupName>ml</GroupName><GroupId>AGPAML</GroupId><Arn>arn:aws:iam::111122223333:group/ml</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><GroupPolicyList/><AttachedManagedPolicies><member><PolicyName>ml-ops</PolicyName><PolicyArn>arn:aws:iam::111122223333:policy/ml-ops</PolicyArn></member></AttachedManagedPolicies></member>";
    let policies = format!(
        "<member><PolicyName>ml-ops</PolicyName><PolicyId>ANPAMLOPS</PolicyId><Arn>arn:aws:iam::111122223333:policy/ml-ops</Arn><Path>/</Path><DefaultVersionId>v2</DefaultVersionId><AttachmentCount>1</AttachmentCount><IsAttachable>true</IsAttachable><PolicyVersionList><member><Document>{}</Document><VersionId>v1</VersionId><IsDefaultVersion>false</IsDefaultVersion></member><member><Document>{}</Document><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion></member></PolicyVersionList></member>",
        allow("s3:ListBucket"),
        allow("sagemaker:CreatePresignedNotebookInstanceUrl")
    );
    iam_ok(
        "GetAccountAuthorizationDetails",
        &format!(
            "<RoleDetailList>{roles}</RoleDetailList><UserDetailList>{users}</UserDetailList><GroupDetailList>{groups}</GroupDetailList><Policies>{policies}</Policies><IsTruncated>false</IsTruncated>"
        ),
    )
}

#[tokio::test]
async fn ai_principals_are_kept_with_decoded_policies_access_keys_and_bedrock_api_keys() {
    let details =
        mock!(aws_sdk_iam::Client::get_account_authorization_details).then_http_response(authorization_details);
    let keys = mock!(aws_sdk_iam::Client::list_access_keys)
        .match_requests(|r| r.user_name() == Some("alice"))
        .then_http_response(|| {
            iam_ok(
                "ListAccessKeys",
                "<AccessKeyMetadata><member><UserName>alice</UserName><AccessKeyId>AKIAALICE1</AccessKeyId><Status>Active</Status><CreateDate>2026-01-02T00:00:00Z</CreateDate></member></AccessKeyMetadata><IsTruncated>false</IsTruncated>",
            )
        });
    let last_used = mock!(aws_sdk_iam::Client::get_access_key_last_used)
        .match_requests(|r| r.access_key_id() == Some("AKIAALICE1"))
        .then_http_response(|| {
            iam_ok(
                "GetAccessKeyLastUsed",
                "<UserName>alice</UserName><AccessKeyLastUsed><LastUsedDate>2026-02-27T08:00:00Z</LastUsedDate><ServiceName>bedrock</ServiceName><Region>us-east-1</Region></AccessKeyLastUsed>",
            )
        });
    let api_keys = mock!(aws_sdk_iam::Client::list_service_specific_credentials)
        .match_requests(|r| r.all_users() == Some(true) && r.service_name() == Some("bedrock.amazonaws.com"))
        .then_http_response(|| {
            iam_ok(
                "ListServiceSpecificCredentials",
                "<ServiceSpecificCredentials><member><UserName>alice</UserName><Status>Active</Status><ServiceUserName>alice-at-111122223333</ServiceUserName><CreateDate>2026-02-01T00:00:00Z</CreateDate><ExpirationDate>2026-05-01T00:00:00Z</ExpirationDate><ServiceSpecificCredentialId>ACCAALICE1</ServiceSpecificCredentialId><ServiceName>bedrock.amazonaws.com</ServiceName></member></ServiceSpecificCredentials><IsTruncated>false</IsTruncated>",
            )
        });
    let client = client!(aws_sdk_iam, [&details, &keys, &last_used, &api_keys]);
    let mut found = found("global");
    let referenced = ["arn:aws:iam::111122223333:role/etl".to_owned()].into();
    let data = ["arn:aws:s3:::training-data/*".to_owned()].into();
    iam::collect(&mut found, &client, &referenced, &data).await;
    assert_eq!(found.gaps, []);

    let names: Vec<_> = found
        .resources
        .iter()
        .map(|r| (r.resource_type.as_str(), r.display_name()))
        .collect();
    assert_eq!(
        names,
        [
            (types::IAM_ROLE, "app"),
            (types::IAM_ROLE, "etl"),
            (types::IAM_ROLE, "partner"),
            (types::IAM_USER, "alice")
        ]
    );
    let app = &found.resources[0];
    assert_eq!(
        app.config("RolePolicyList.0.PolicyDocument.Statement.0.Action"),
        Some(&json!("bedrock:InvokeModel"))
    );
    assert_eq!(
        app.config_str("AssumeRolePolicyDocument.Statement.0.Principal.Service"),
        Some("lambda.amazonaws.com")
    );
    assert_eq!(
        app.config("RoleLastUsed"),
        Some(&json!({"LastUsedDate": "2026-02-28T10:00:00Z", "Region": "us-east-1"}))
    );
    let alice = &found.resources[3];
    assert_eq!(
        alice.config("GroupList"),
        Some(&json!([{
            "GroupName": "ml",
            "AttachedManagedPolicies": [{
                "PolicyName": "ml-ops", "PolicyArn": "arn:aws:iam::111122223333:policy/ml-ops",
                "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sagemaker:CreatePresignedNotebookInstanceUrl", "Resource": "*"}]}
            }],
            "GroupPolicyList": []
        }]))
    );
    assert_eq!(
        alice.config("AccessKeys"),
        Some(&json!([{
            "AccessKeyId": "AKIAALICE1", "Status": "Active", "CreateDate": "2026-01-02T00:00:00Z",
            "LastUsedDate": "2026-02-27T08:00:00Z", "LastUsedServiceName": "bedrock", "LastUsedRegion": "us-east-1"
        }]))
    );
    assert_eq!(
        alice.config("ServiceSpecificCredentials"),
        Some(&json!([{
            "ServiceSpecificCredentialId": "ACCAALICE1", "ServiceName": "bedrock.amazonaws.com", "Status": "Active",
            "CreateDate": "2026-02-01T00:00:00Z", "ExpirationDate": "2026-05-01T00:00:00Z"
        }]))
    );
}
