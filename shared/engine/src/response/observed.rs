//! Configurations the detector keeps when it sees them put, so that a playbook can restore
//! them later: the Bedrock model invocation logging configuration of each account and region
//! (kept under [`logging_config_key`]), unless the put itself weakened it.

use serde_json::Value;

use super::respond::{logging_config_delivers, logging_config_key};
use crate::cloudtrail::Event;
use crate::cloudtrail::record::s;
use crate::finding::Finding;

/// The rule whose finding on a put means the configuration put is not worth restoring.
const WEAKENED: &str = "bedrock.invocation_logging_weakened";

/// A configuration seen put: the document to keep and its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub key: String,
    pub doc: Value,
}

/// The configuration `event` put, when it is a successful
/// `PutModelInvocationLoggingConfiguration` whose `loggingConfig` delivers somewhere (S3 or
/// CloudWatch) and none of its `findings` says it weakened logging.
pub fn observed_configuration(event: &Event<'_, '_>, findings: &[Finding]) -> Option<Observed> {
    if event.record.source() != "bedrock.amazonaws.com"
        || event.name() != "PutModelInvocationLoggingConfiguration"
        || event.failed()
        || findings.iter().any(|f| f.rule_id == WEAKENED)
    {
        return None;
    }
    let config = event.req("loggingConfig")?;
    let delivers = logging_config_delivers(config);
    let (account, region) = (event.account()?, s(&event.record.aws_region)?);
    delivers.then(|| Observed {
        key: logging_config_key(account, region),
        doc: config.clone(),
    })
}
