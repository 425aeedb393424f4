//! Event rules: detections over one CloudTrail record, one file per rule, grouped by the
//! service whose risk they cover. A rule file holds its metadata, its check and the names of
//! its sample events under `events/`.

pub mod agentcore;
pub mod bedrock;
pub mod iam;
pub mod identity_center;
pub mod sagemaker;
pub(crate) mod support;

use crate::cloudtrail::Event;
use crate::detection::{Hit, Metadata, Organization};
use crate::severity::Severity;

/// A detection over one CloudTrail record.
pub trait EventRule: Send + Sync {
    /// The rule's metadata; `events` says which records reach [`EventRule::evaluate`].
    fn metadata(&self) -> &Metadata;
    /// Judges one record whose (eventSource, eventName) is in `metadata().events`.
    fn evaluate(&self, event: &Event<'_, '_>, org: &Organization) -> Option<Hit>;
    /// Text that every record the rule can fire on holds, for a rule that consumes common
    /// events but fires on few: the reader then parses only the records that hold it
    /// (searched in the raw JSON, before parsing). `None`: every record of its kinds.
    fn needle(&self) -> Option<&'static str> {
        None
    }
}

/// A compiled-in event rule: metadata plus a check function.
pub struct BuiltinRule {
    pub metadata: Metadata,
    pub check: fn(&Event<'_, '_>, &Organization) -> Option<Hit>,
}

impl EventRule for BuiltinRule {
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn evaluate(&self, event: &Event<'_, '_>, org: &Organization) -> Option<Hit> {
        (self.check)(event, org)
    }
}

/// The highest severity of a hit on a call an AWS service made on the customer's behalf
/// ([`crate::cloudtrail::Principal::aws_service`]): such a call is not the risky decision,
/// which is logged where it was made (the stack that was deployed, the permission set that was
/// assigned).
pub const ON_BEHALF_CEILING: Severity = Severity::Low;

/// Runs `rule` on `event`; a hit on a call made by an AWS service is held at or below
/// [`ON_BEHALF_CEILING`] and says which service made it.
pub fn judge(rule: &dyn EventRule, event: &Event<'_, '_>, org: &Organization) -> Option<Hit> {
    let mut hit = rule.evaluate(event, org)?;
    if let Some(service) = event.principal().aws_service() {
        hit.severity = hit.severity.min(ON_BEHALF_CEILING);
        let note = format!(" (made by {service} on the customer's behalf)");
        hit.action.push_str(&note);
        if let Some(summary) = &mut hit.summary {
            summary.push_str(&note);
        }
    }
    Some(hit)
}

/// Every built-in event rule, in catalog order.
pub fn all() -> Vec<Box<dyn EventRule>> {
    [
        bedrock::all(),
        agentcore::all(),
        sagemaker::all(),
        iam::all(),
        identity_center::all(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// What a rule file needs.
pub(crate) mod prelude {
    pub use crate::cloudtrail::Event;
    pub use crate::detection::{AlertScope, DedupeScope, HOUR, Hit, Metadata, Organization, Samples};
    pub use crate::rules::BuiltinRule;
    pub use crate::severity::{Area, Severity};
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::cloudtrail::{Event, Record};
    use crate::detection::Organization;

    /// Missing, null, omitted-for-size and oddly typed request sections (the odd field maps
    /// of every family) never panic a rule, whoever the caller. IAM rules never match such
    /// input (except a root caller's CreateAccessKey, which needs no parameters, and
    /// iam.policy_hidden, which matches exactly the omitted-for-size section), SageMaker
    /// rules that judge settings do not fire without a request, and AgentCore rules, which
    /// judge only explicit settings, never fire on any of it.
    #[test]
    fn odd_requests_never_panic() {
        let requests = [
            None,
            Some(json!(null)),
            Some(json!({})),
            Some(json!("text")),
            Some(json!([1, 2])),
            Some(json!({"omitted": true, "reason": "requestParameters too large"})),
            // Bedrock
            Some(json!({
                "loggingConfig": {"s3Config": "x", "cloudWatchConfig": {"roleArn": 7}, "textDataDeliveryEnabled": "yes"},
                "contentPolicyConfig": {"filtersConfig": [1, null, {"type": 2, "inputStrength": []}]},
                "contextualGroundingPolicyConfig": {"filtersConfig": [{"threshold": "0.1"}, "x"]},
                "credentialAgeDays": -3, "serviceName": "bedrock.amazonaws.com", "userName": ["BedrockAPIKey-x"],
                "resourcePolicy": "{not json", "inputDataConfig": {"s3InputDataConfig": {"s3BucketOwner": 444455556666u64}},
                "sourceModelArn": "arn:aws", "modelId": ""
            })),
            // SageMaker
            Some(json!({
                "onStart": 7, "onCreate": [{"content": null}], "resourcePolicy": [1], "dataCaptureConfig": "x",
                "resourceConfig": {"instanceGroups": [{"instanceCount": "2"}]}, "studioLifecycleConfigContent": "!!",
                "notebookInstanceName": 5, "networkConfig": [], "appNetworkAccessType": null
            })),
            // AgentCore
            Some(json!({
                "networkConfiguration": {"networkMode": 7}, "authorizerType": ["NONE"], "policy": "{not json",
                "name": 5, "encryptionKeyArn": null, "kmsKeyArn": {}, "agentRuntimeName": []
            })),
            Some(
                json!({"networkConfiguration": "PUBLIC", "authorizerType": null, "policy": {"Statement": 3}, "name": ""}),
            ),
            // IAM
            Some(json!({"policyDocument": 7, "assumeRolePolicyDocument": [], "userName": {}, "roleName": 1})),
            Some(json!({"policyDocument": "%7Bnot json", "assumeRolePolicyDocument": "{}", "userName": ""})),
        ];
        let role = json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/R/s"});
        let root = json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accessKeyId": "AKIAX"});
        // (caller, additionalEventData, is root)
        let callers: [(&Value, Option<Value>, bool); 3] = [
            (&role, None, false),
            (&root, None, true),
            (&role, Some(json!({"callWithBearerToken": "true"})), false),
        ];
        let always = ["sagemaker.presigned_url_created", "sagemaker.monitoring_disabled"];
        for rule in super::all() {
            let id = rule.metadata().id;
            for &(source, name) in rule.metadata().events {
                for request in &requests {
                    for (identity, additional, is_root) in &callers {
                        let mut record = json!({
                            "eventSource": source, "eventName": name, "recipientAccountId": "111122223333",
                            "userIdentity": identity
                        });
                        if let Some(request) = request {
                            record["requestParameters"] = request.clone();
                            record["responseElements"] = request.clone();
                        }
                        if let Some(additional) = additional {
                            record["additionalEventData"] = additional.clone();
                        }
                        let text = record.to_string();
                        let record: Record = serde_json::from_str(&text).unwrap();
                        let hit = rule.evaluate(&Event::new(&record), &Organization::default());
                        let bare_root_key = *is_root && id == "iam.root_access_key_created";
                        let omitted = request.as_ref().is_some_and(|r| r.get("omitted").is_some());
                        if id == "iam.policy_hidden" {
                            assert_eq!(hit.is_some(), omitted, "{id} on {text}");
                        } else if (id.starts_with("iam.") && !bare_root_key) || id.starts_with("agentcore.") {
                            assert_eq!(hit, None, "{id} on {text}");
                        }
                        let no_request = request
                            .as_ref()
                            .is_none_or(|r| r.is_null() || r.get("omitted").is_some());
                        if id.starts_with("sagemaker.") && !always.contains(&id) && no_request {
                            assert_eq!(hit, None, "{id} without request on {text}");
                        }
                    }
                }
            }
        }
    }
}
