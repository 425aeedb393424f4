//! The built-in catalog: one file per rule, grouped by the service whose risk it covers.

pub mod bedrock;
pub mod iam;
pub mod sagemaker;
pub(crate) mod support;

use crate::rule::Rule;

/// Every built-in rule, in catalog order.
pub fn all() -> Vec<Box<dyn Rule>> {
    [bedrock::all(), sagemaker::all(), iam::all()]
        .into_iter()
        .flatten()
        .collect()
}

/// The ids of every built-in detection: the single-event rules and the stateful ones.
pub fn known_ids() -> Vec<&'static str> {
    let single = all().into_iter().map(|r| r.meta().id);
    single.chain(crate::stateful::rules::ALL.iter().map(|m| m.id)).collect()
}

/// What a rule file needs.
pub(crate) mod prelude {
    pub use crate::event::Event;
    pub use crate::rule::{Builtin, Context, Examples, Hit, Meta};
    pub use crate::severity::{Area, Severity};
}

/// Helpers for rule tests: evaluate the sample files under `events/`.
pub mod testing {
    use std::path::PathBuf;

    use crate::engine::Engine;
    use crate::finding::Finding;
    use crate::input::Layout;
    use crate::rule::Context;
    use crate::severity::Severity;

    /// The repository's `events/` folder.
    pub fn events_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
    }

    /// Findings of the whole catalog on one sample file (a path under `events/`), judged with
    /// `ctx`. Panics when the file is missing, unreadable, or holds other than one record.
    pub fn sample_findings_with(sample: &str, ctx: Context) -> Vec<Finding> {
        let engine = Engine::new(super::all(), ctx).expect("valid catalog");
        let path = events_dir().join(sample);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("sample {sample}: {e}"));
        let sink = engine.evaluate_text(&bytes, Layout::Stream, sample);
        assert!(sink.errors.is_empty(), "sample {sample}: {:?}", sink.errors);
        assert_eq!(
            sink.records, 1,
            "sample {sample} must hold exactly one CloudTrail API call"
        );
        sink.findings
    }

    /// Findings of the whole catalog on one sample file, with the default context.
    pub fn sample_findings(sample: &str) -> Vec<Finding> {
        sample_findings_with(sample, Context::default())
    }

    /// `rule_id`'s finding on a sample, `None` when it does not fire.
    pub fn sample_finding(rule_id: &str, sample: &str) -> Option<Finding> {
        sample_findings(sample).into_iter().find(|f| f.rule_id == rule_id)
    }

    /// Severity of `rule_id`'s finding on a sample, `None` when it does not fire.
    pub fn sample_severity(rule_id: &str, sample: &str) -> Option<Severity> {
        sample_finding(rule_id, sample).map(|f| f.severity)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::event::Event;
    use crate::record::Record;
    use crate::rule::Context;

    /// Missing, null, omitted-for-size and oddly typed request sections (the odd field maps
    /// of every family) never panic a rule, whoever the caller. IAM rules never match such
    /// input (except a root caller's CreateAccessKey, which needs no parameters), and SageMaker
    /// rules that judge settings do not fire without a request.
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
            let id = rule.meta().id;
            for &(source, name) in rule.meta().events {
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
                        let hit = rule.evaluate(&Event::new(&record), &Context::default());
                        let bare_root_key = *is_root && id == "iam.root_access_key_created";
                        if id.starts_with("iam.") && !bare_root_key {
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
