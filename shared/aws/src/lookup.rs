//! The detector's lookups on AWS: [`AwsLookup`] implements the engine's [`Lookup`] port with
//! IAM (`GetPolicy`, `GetPolicyVersion`, `GetUserPolicy`, `GetGroupPolicy`, `GetRolePolicy`)
//! and Bedrock (`GetGuardrail`), in the detector's own account with its own credentials and,
//! when a member role is named, in the others through that role (assumed as `aidr-detector`).
//!
//! Every call is bounded by one timeout (the SDK's operation timeout, retries included; the
//! member role's credentials and the detector's own account are asked of STS within it too):
//! past it the lookup fails with "timed out after …", and the finding goes out without it.

#[cfg(test)]
mod tests;

use std::error::Error;
use std::time::Duration;

use aidr_engine::ports::{ActionError, DefaultVersion, Lookup, LookupError, Scope};
use aidr_engine::response::PrincipalKind;
use aws_config::SdkConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_bedrock::operation::get_guardrail::GetGuardrailOutput;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_types::region::Region;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::accounts::Accounts;
use crate::sdk_error::{assume_role_failure, detail, service_error};

/// The session name the member role is assumed with.
const SESSION_NAME: &str = "aidr-detector";

/// Reads policies and guardrails with the AWS SDK, each call within `timeout`.
#[derive(Debug)]
pub struct AwsLookup {
    accounts: Accounts<aws_sdk_bedrock::Client>,
    /// Whether accounts other than the detector's own are reached (a member role is named).
    members: bool,
    timeout: Duration,
}

impl AwsLookup {
    /// Lookups with `config` (the function's own configuration, its timeouts replaced by
    /// `timeout` per call), reaching other accounts as `member_role_name` when given.
    pub fn new(config: &SdkConfig, member_role_name: Option<String>, timeout: Duration) -> AwsLookup {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(timeout)
            .operation_attempt_timeout(timeout)
            .operation_timeout(timeout)
            .build();
        let config = config.to_builder().timeout_config(timeouts).build();
        AwsLookup {
            members: member_role_name.is_some(),
            accounts: Accounts::new(&config, member_role_name.unwrap_or_default(), SESSION_NAME),
            timeout,
        }
    }

    /// The IAM client for `account`.
    async fn iam(&self, account: &str) -> Result<aws_sdk_iam::Client, LookupError> {
        self.reachable(account).await?;
        self.accounts.iam(account).await.map_err(account_error)
    }

    /// The Bedrock client for `account` and `region`.
    async fn bedrock(&self, account: &str, region: &str) -> Result<aws_sdk_bedrock::Client, LookupError> {
        self.reachable(account).await?;
        let scope = Scope {
            account: account.to_owned(),
            region: region.to_owned(),
        };
        self.accounts
            .regional(&scope, |config, region: Region| {
                aws_sdk_bedrock::Client::from_conf(
                    aws_sdk_bedrock::config::Builder::from(config).region(region).build(),
                )
            })
            .await
            .map_err(account_error)
    }

    /// Whether `account` can be read: the detector's own, or any with a member role.
    async fn reachable(&self, account: &str) -> Result<(), LookupError> {
        if self.members {
            return Ok(());
        }
        let own = self.accounts.own().await.map_err(account_error)?;
        if own.account == account {
            Ok(())
        } else {
            Err(LookupError::new(
                "sts:AssumeRole",
                format!("account {account} is not the detector's and no member role is configured"),
            ))
        }
    }

    /// Maps a failed call of `api` to a [`LookupError`]; for `.map_err`.
    fn failed<E>(&self, api: &'static str) -> impl FnOnce(SdkError<E, Response>) -> LookupError + '_
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        move |error| {
            if let Some(sts) = assume_role_failure(&error) {
                return LookupError::new("sts:AssumeRole", detail(sts));
            }
            let timed_out = match &error {
                SdkError::TimeoutError(_) => true,
                SdkError::DispatchFailure(d) => d.is_timeout(),
                _ => false,
            };
            let reason = if timed_out {
                format!("timed out after {}", seconds(self.timeout))
            } else {
                detail(&error)
            };
            LookupError::new(api, reason)
        }
    }
}

/// `2 s`, `0.5 s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// An account that could not be set up for calls (its id malformed, the detector's own not
/// learnt) as a [`LookupError`].
fn account_error(e: ActionError) -> LookupError {
    let api = e.message.split_whitespace().next().unwrap_or("sts").to_owned();
    LookupError::new(api, e.message)
}

/// True for the error code of something that does not exist.
fn not_found<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    service_error(error).is_some_and(|(code, _)| code == "NoSuchEntity" || code == "ResourceNotFoundException")
}

/// A policy document as IAM returns it (URL-encoded JSON, RFC 3986), as JSON; the text as a
/// string when it is not JSON (the rules then find no statements in it).
fn document(text: &str) -> Value {
    let decoded = percent_decode_str(text)
        .decode_utf8()
        .map(|d| d.into_owned())
        .unwrap_or_else(|_| text.to_owned());
    serde_json::from_str(&decoded).unwrap_or(Value::String(decoded))
}

impl Lookup for AwsLookup {
    async fn default_policy_version(&self, account: &str, arn: &str) -> Result<Option<DefaultVersion>, LookupError> {
        let iam = self.iam(account).await?;
        match iam.get_policy().policy_arn(arn).send().await {
            Ok(out) => Ok(out.policy.and_then(|p| {
                Some(DefaultVersion {
                    policy_id: p.policy_id?,
                    version: p.default_version_id?,
                })
            })),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(self.failed("iam:GetPolicy")(e)),
        }
    }

    async fn policy_version(&self, account: &str, arn: &str, version: &str) -> Result<Option<Value>, LookupError> {
        let iam = self.iam(account).await?;
        match iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
        {
            Ok(out) => Ok(out.policy_version.and_then(|v| v.document).map(|d| document(&d))),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(self.failed("iam:GetPolicyVersion")(e)),
        }
    }

    async fn inline_policy(
        &self,
        account: &str,
        kind: PrincipalKind,
        identity: &str,
        name: &str,
    ) -> Result<Option<Value>, LookupError> {
        let iam = self.iam(account).await?;
        let result = match kind {
            PrincipalKind::User => iam
                .get_user_policy()
                .user_name(identity)
                .policy_name(name)
                .send()
                .await
                .map(|o| o.policy_document)
                .map_err(|e| (not_found(&e), self.failed("iam:GetUserPolicy")(e))),
            PrincipalKind::Group => iam
                .get_group_policy()
                .group_name(identity)
                .policy_name(name)
                .send()
                .await
                .map(|o| o.policy_document)
                .map_err(|e| (not_found(&e), self.failed("iam:GetGroupPolicy")(e))),
            PrincipalKind::Role => iam
                .get_role_policy()
                .role_name(identity)
                .policy_name(name)
                .send()
                .await
                .map(|o| o.policy_document)
                .map_err(|e| (not_found(&e), self.failed("iam:GetRolePolicy")(e))),
        };
        match result {
            Ok(doc) => Ok(Some(document(&doc))),
            Err((true, _)) => Ok(None),
            Err((false, e)) => Err(e),
        }
    }

    async fn guardrail(&self, account: &str, region: &str, id: &str) -> Result<Option<Value>, LookupError> {
        let bedrock = self.bedrock(account, region).await?;
        match bedrock.get_guardrail().guardrail_identifier(id).send().await {
            Ok(out) => Ok(Some(guardrail_config(&out))),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(self.failed("bedrock:GetGuardrail")(e)),
        }
    }
}

/// A `GetGuardrail` answer in the shape of an `UpdateGuardrail` request (what CloudTrail
/// records, and the rules read): `contentPolicy.filters` as `contentPolicyConfig.filtersConfig`,
/// and so on for each policy it has.
pub fn guardrail_config(out: &GetGuardrailOutput) -> Value {
    let mut config = Map::new();
    config.insert("name".into(), json!(out.name));
    config.insert("guardrailIdentifier".into(), json!(out.guardrail_arn));
    if let Some(p) = &out.content_policy {
        let filters: Vec<Value> = p
            .filters
            .iter()
            .flatten()
            .map(|f| {
                let mut v = json!({
                    "type": f.r#type.as_str(),
                    "inputStrength": f.input_strength.as_str(),
                    "outputStrength": f.output_strength.as_str(),
                });
                let sides = [
                    ("inputAction", f.input_action.as_ref().map(|a| a.as_str())),
                    ("outputAction", f.output_action.as_ref().map(|a| a.as_str())),
                ];
                for (key, action) in sides {
                    if let Some(action) = action {
                        v[key] = json!(action);
                    }
                }
                for (key, enabled) in [("inputEnabled", f.input_enabled), ("outputEnabled", f.output_enabled)] {
                    if let Some(enabled) = enabled {
                        v[key] = json!(enabled);
                    }
                }
                v
            })
            .collect();
        config.insert("contentPolicyConfig".into(), json!({"filtersConfig": filters}));
    }
    if let Some(p) = &out.contextual_grounding_policy {
        let filters: Vec<Value> = p
            .filters
            .iter()
            .map(|f| {
                let mut v = json!({"type": f.r#type.as_str(), "threshold": f.threshold});
                if let Some(action) = &f.action {
                    v["action"] = json!(action.as_str());
                }
                if let Some(enabled) = f.enabled {
                    v["enabled"] = json!(enabled);
                }
                v
            })
            .collect();
        config.insert(
            "contextualGroundingPolicyConfig".into(),
            json!({"filtersConfig": filters}),
        );
    }
    if let Some(p) = &out.topic_policy {
        let topics: Vec<Value> = p
            .topics
            .iter()
            .map(|t| json!({"name": t.name, "type": t.r#type.as_ref().map(|k| k.as_str())}))
            .collect();
        config.insert("topicPolicyConfig".into(), json!({"topicsConfig": topics}));
    }
    if let Some(p) = &out.word_policy {
        let words: Vec<Value> = p.words.iter().flatten().map(|w| json!({"text": w.text})).collect();
        let lists: Vec<Value> = p
            .managed_word_lists
            .iter()
            .flatten()
            .map(|l| json!({"type": l.r#type.as_str()}))
            .collect();
        config.insert(
            "wordPolicyConfig".into(),
            json!({"wordsConfig": words, "managedWordListsConfig": lists}),
        );
    }
    if let Some(p) = &out.sensitive_information_policy {
        let pii: Vec<Value> = p
            .pii_entities
            .iter()
            .flatten()
            .map(|e| json!({"type": e.r#type.as_str(), "action": e.action.as_str()}))
            .collect();
        let regexes: Vec<Value> = p
            .regexes
            .iter()
            .flatten()
            .map(|r| json!({"name": r.name, "action": r.action.as_str()}))
            .collect();
        config.insert(
            "sensitiveInformationPolicyConfig".into(),
            json!({"piiEntitiesConfig": pii, "regexesConfig": regexes}),
        );
    }
    if let Some(p) = &out.automated_reasoning_policy {
        config.insert(
            "automatedReasoningPolicyConfig".into(),
            json!({"policies": p.policies, "confidenceThreshold": p.confidence_threshold}),
        );
    }
    Value::Object(config)
}
