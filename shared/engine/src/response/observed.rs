//! Configurations the detector keeps when it sees them put:
//! - the Bedrock model invocation logging configuration of each account and region, for a
//!   playbook to restore later (under [`logging_config_key`]), unless the put itself weakened
//!   it;
//! - the last configuration seen put, whatever it was, for the next put to be compared with
//!   (see [`crate::enrich::diff`]): the logging configuration ([`seen_logging_key`]; an empty
//!   one after a successful `DeleteModelInvocationLoggingConfiguration`), each
//!   guardrail's ([`seen_guardrail_key`]: the request of `UpdateGuardrail`, or the
//!   configuration read from Bedrock when the record did not show its content filters), and
//!   each resource policy ([`seen_policy_key`]: Bedrock and AgentCore `PutResourcePolicy`,
//!   SageMaker `PutModelPackageGroupPolicy`).

use serde_json::Value;

use super::respond::{logging_config_delivers, logging_config_key};
use crate::cloudtrail::Event;
use crate::cloudtrail::record::s;
use crate::enrich::{LookupRequest, guardrail_id, seen_guardrail_key, seen_logging_key, seen_policy_key};
use crate::finding::Finding;

/// The rule whose finding on a put means the configuration put is not worth restoring.
const WEAKENED: &str = "bedrock.invocation_logging_weakened";

/// A configuration seen put: the document to keep and its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub key: String,
    pub doc: Value,
}

/// The configurations a successful `event` put, to keep (see the module documentation);
/// `findings` are the event's, judged with the answers to its lookups when it had some.
pub fn observed_configuration(event: &Event<'_, '_>, findings: &[Finding]) -> Vec<Observed> {
    let mut kept = Vec::new();
    let (Some(account), Some(region)) = (event.account(), s(&event.record.aws_region)) else {
        return kept;
    };
    if event.failed() {
        return kept;
    }
    let mut keep = |key: String, doc: &Value| kept.push(Observed { key, doc: doc.clone() });
    match (event.record.source(), event.name()) {
        ("bedrock.amazonaws.com", "PutModelInvocationLoggingConfiguration") => {
            if let Some(config) = event.req("loggingConfig").filter(|c| c.is_object()) {
                keep(seen_logging_key(account, region), config);
                if logging_config_delivers(config) && !findings.iter().any(|f| f.rule_id == WEAKENED) {
                    keep(logging_config_key(account, region), config);
                }
            }
        }
        ("bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration") => {
            // Logging is off now: the next put is compared with no configuration, not with
            // the one before the delete. The one a playbook restores stays.
            keep(
                seen_logging_key(account, region),
                &Value::Object(serde_json::Map::new()),
            );
        }
        ("bedrock.amazonaws.com", "UpdateGuardrail") => {
            let Some(id) = event.req_str("guardrailIdentifier").map(guardrail_id) else {
                return kept;
            };
            let shows_filters = |c: &Value| {
                c.get("contentPolicyConfig")
                    .and_then(|p| p.get("filtersConfig"))
                    .is_some_and(Value::is_array)
            };
            let config = match event.request().filter(|r| shows_filters(r)) {
                Some(request) => Some(request),
                // What the rule read from Bedrock, when it did (asking costs nothing more).
                None => event
                    .look_up(LookupRequest::Guardrail {
                        account: account.to_owned(),
                        region: region.to_owned(),
                        id: id.to_owned(),
                    })
                    .and_then(|answer| answer.doc()),
            };
            if let Some(config) = config {
                keep(seen_guardrail_key(account, region, id), config);
            }
        }
        (source, "PutResourcePolicy" | "PutModelPackageGroupPolicy") => {
            let (field, resource) = match source {
                "bedrock.amazonaws.com" => ("resourcePolicy", "resourceArn"),
                "bedrock-agentcore.amazonaws.com" => ("policy", "resourceArn"),
                "sagemaker.amazonaws.com" => ("resourcePolicy", "modelPackageGroupName"),
                _ => return kept,
            };
            if let (Some(policy), Some(resource)) = (event.req(field), event.req_str(resource)) {
                keep(seen_policy_key(account, region, resource), policy);
            }
        }
        _ => {}
    }
    kept
}
