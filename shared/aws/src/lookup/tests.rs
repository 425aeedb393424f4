//! What moto cannot show, on mocked responses shaped like the API reference: Bedrock
//! `GetGuardrail` (moto lacks the guardrail APIs; REST JSON, camelCase), IAM documents and
//! missing entities (query XML), and accounts the detector cannot reach.

use aidr_engine::ports::{DefaultVersion, Lookup};
use aidr_engine::response::PrincipalKind;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_runtime_api::http::Response;
use serde_json::json;

use super::{AwsLookup, seconds};
use crate::accounts::Identity;
use crate::mock::{http, iam_error, iam_ok};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";

use crate::mock::mock_client as client;

fn lookup(iam: &[&Rule], bedrock: &[&Rule]) -> AwsLookup {
    let config = SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build();
    let lookup = AwsLookup::new(&config, None, std::time::Duration::from_secs(2));
    let own = Identity {
        account: ACCOUNT.into(),
        partition: "aws".into(),
    };
    lookup.accounts.preset(
        own,
        REGION,
        client!(aws_sdk_iam, iam),
        client!(aws_sdk_bedrock, bedrock),
    );
    lookup
}

/// A `GetGuardrail` answer as the Bedrock API reference shows it.
fn get_guardrail() -> Response {
    let body = json!({
        "name": "support-guardrail",
        "guardrailId": "gr7k2m9x4q1z",
        "guardrailArn": "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr7k2m9x4q1z",
        "version": "DRAFT",
        "status": "READY",
        "topicPolicy": {"topics": [{"name": "investment-advice", "definition": "Advice on investing.",
            "examples": ["Which stock should I buy?"], "type": "DENY", "inputAction": "BLOCK",
            "outputAction": "BLOCK", "inputEnabled": true, "outputEnabled": true}]},
        "contentPolicy": {"filters": [
            {"type": "PROMPT_ATTACK", "inputStrength": "NONE", "outputStrength": "NONE",
             "inputModalities": ["TEXT"], "outputModalities": ["TEXT"], "inputAction": "NONE",
             "outputAction": "NONE", "inputEnabled": true, "outputEnabled": false},
            {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH",
             "inputModalities": ["TEXT"], "outputModalities": ["TEXT"], "inputAction": "BLOCK",
             "outputAction": "BLOCK", "inputEnabled": true, "outputEnabled": true}],
            "tier": {"tierName": "CLASSIC"}},
        "wordPolicy": {"words": [{"text": "badword"}], "managedWordLists": [{"type": "PROFANITY"}]},
        "sensitiveInformationPolicy": {"piiEntities": [{"type": "EMAIL", "action": "ANONYMIZE"}],
            "regexes": [{"name": "acct", "pattern": "[0-9]{12}", "action": "BLOCK"}]},
        "contextualGroundingPolicy": {"filters": [{"type": "GROUNDING", "threshold": 0.75,
            "action": "BLOCK", "enabled": true}]},
        "createdAt": "2026-03-01T10:00:00Z",
        "updatedAt": "2026-03-02T10:15:30.412Z",
        "blockedInputMessaging": "Sorry, I cannot answer that.",
        "blockedOutputsMessaging": "Sorry, I cannot answer that."
    });
    http(200, "application/json", body.to_string())
}

#[tokio::test]
async fn a_guardrail_is_read_in_the_shape_of_an_update_request() {
    let get = mock!(aws_sdk_bedrock::Client::get_guardrail)
        .match_requests(|r| r.guardrail_identifier() == Some("gr7k2m9x4q1z") && r.guardrail_version().is_none())
        .then_http_response(get_guardrail);
    let lookup = lookup(&[], &[&get]);
    let config = lookup
        .guardrail(ACCOUNT, REGION, "gr7k2m9x4q1z")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        config["contentPolicyConfig"]["filtersConfig"],
        json!([
            {"type": "PROMPT_ATTACK", "inputStrength": "NONE", "outputStrength": "NONE",
             "inputAction": "NONE", "outputAction": "NONE", "inputEnabled": true, "outputEnabled": false},
            {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH",
             "inputAction": "BLOCK", "outputAction": "BLOCK", "inputEnabled": true, "outputEnabled": true}
        ])
    );
    assert_eq!(
        config["contextualGroundingPolicyConfig"]["filtersConfig"],
        json!([{"type": "GROUNDING", "threshold": 0.75, "action": "BLOCK", "enabled": true}])
    );
    assert_eq!(
        config["topicPolicyConfig"]["topicsConfig"],
        json!([{"name": "investment-advice", "type": "DENY"}])
    );
    assert_eq!(
        config["sensitiveInformationPolicyConfig"]["piiEntitiesConfig"],
        json!([{"type": "EMAIL", "action": "ANONYMIZE"}])
    );
    assert_eq!(
        config["wordPolicyConfig"],
        json!({"wordsConfig": [{"text": "badword"}], "managedWordListsConfig": [{"type": "PROFANITY"}]})
    );
    assert!(config.get("automatedReasoningPolicyConfig").is_none());
}

#[tokio::test]
async fn a_missing_guardrail_is_none_and_a_refusal_says_why() {
    let missing = mock!(aws_sdk_bedrock::Client::get_guardrail)
        .match_requests(|r| r.guardrail_identifier() == Some("gone"))
        .then_http_response(|| {
            let mut r = http(
                404,
                "application/json",
                json!({"message": "Guardrail not found"}).to_string(),
            );
            r.headers_mut()
                .insert("x-amzn-ErrorType", "ResourceNotFoundException".to_owned());
            r
        });
    let denied = mock!(aws_sdk_bedrock::Client::get_guardrail)
        .match_requests(|r| r.guardrail_identifier() == Some("secret"))
        .then_http_response(|| {
            let mut r = http(403, "application/json", json!({"message": "not allowed"}).to_string());
            r.headers_mut()
                .insert("x-amzn-ErrorType", "AccessDeniedException".to_owned());
            r
        });
    let lookup = lookup(&[], &[&missing, &denied]);
    assert_eq!(lookup.guardrail(ACCOUNT, REGION, "gone").await, Ok(None));
    let err = lookup.guardrail(ACCOUNT, REGION, "secret").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "bedrock:GetGuardrail failed: AccessDeniedException: not allowed"
    );
}

#[tokio::test]
async fn policy_documents_are_decoded_and_missing_ones_are_none() {
    let doc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
    let arn = "arn:aws:iam::111122223333:policy/Ops";
    let get_policy = mock!(aws_sdk_iam::Client::get_policy)
        .match_requests(move |r| r.policy_arn() == Some(arn))
        .then_http_response(|| {
            iam_ok(
                "GetPolicy",
                "<Policy><PolicyName>Ops</PolicyName><PolicyId>ANPAEXAMPLEOPS00001</PolicyId><Arn>arn:aws:iam::111122223333:policy/Ops</Arn><DefaultVersionId>v3</DefaultVersionId></Policy>",
            )
        });
    let get_version = mock!(aws_sdk_iam::Client::get_policy_version)
        .match_requests(|r| r.version_id() == Some("v3"))
        .then_http_response(move || {
            iam_ok(
                "GetPolicyVersion",
                &format!("<PolicyVersion><Document>{doc}</Document><VersionId>v3</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>"),
            )
        });
    let no_inline = mock!(aws_sdk_iam::Client::get_role_policy)
        .then_http_response(|| iam_error(404, "NoSuchEntity", "The role policy with name big cannot be found."));
    let lookup = lookup(&[&get_policy, &get_version, &no_inline], &[]);
    assert_eq!(
        lookup.default_policy_version(ACCOUNT, arn).await,
        Ok(Some(DefaultVersion {
            policy_id: "ANPAEXAMPLEOPS00001".into(),
            version: "v3".into()
        }))
    );
    assert_eq!(
        lookup.policy_version(ACCOUNT, arn, "v3").await,
        Ok(Some(json!({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})))
    );
    assert_eq!(
        lookup.inline_policy(ACCOUNT, PrincipalKind::Role, "app", "big").await,
        Ok(None)
    );
}

#[tokio::test]
async fn another_account_is_not_reached_without_a_member_role() {
    let lookup = lookup(&[], &[]);
    let err = lookup
        .default_policy_version("444455556666", "arn:aws:iam::444455556666:policy/Ops")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sts:AssumeRole failed: account 444455556666 is not the detector's and no member role is configured"
    );
}

#[test]
fn timeouts_read_in_seconds() {
    assert_eq!(seconds(std::time::Duration::from_secs(2)), "2 s");
    assert_eq!(seconds(std::time::Duration::from_millis(1500)), "1.5 s");
}
