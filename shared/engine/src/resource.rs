//! A resource as observed: what posture checks judge and what a posture finding is about. The
//! shape is AWS Config's configuration item (`ARN`, `resourceType`, `awsAccountId`,
//! `awsRegion`, `configuration`, `configurationItemCaptureTime`), so Config snapshots and
//! history files can be read as they are, and inventories build the same shape from the
//! services' Describe calls. It is written out (in posture findings) with aidr's snake_case
//! names (`arn`, `type`, `account`, `region`, `configuration`, `captured_at`), which it also
//! reads back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One resource and its configuration at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceSnapshot {
    #[serde(rename(serialize = "arn", deserialize = "ARN"), alias = "arn")]
    pub arn: String,
    /// The CloudFormation / Config type name: `AWS::SageMaker::NotebookInstance`.
    #[serde(rename(serialize = "type", deserialize = "resourceType"), alias = "type")]
    pub resource_type: String,
    #[serde(
        rename(serialize = "name", deserialize = "resourceName"),
        alias = "name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    #[serde(
        rename(serialize = "account", deserialize = "awsAccountId"),
        alias = "account",
        alias = "accountId"
    )]
    pub account: String,
    #[serde(rename(serialize = "region", deserialize = "awsRegion"), alias = "region")]
    pub region: String,
    /// The configuration as the service describes it (field names of its Describe call): an
    /// object, given as one or as JSON text (as Config's history API gives it).
    #[serde(deserialize_with = "configuration")]
    pub configuration: Value,
    /// When the configuration was observed (RFC 3339).
    #[serde(
        rename(serialize = "captured_at", deserialize = "configurationItemCaptureTime"),
        alias = "captured_at",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub captured_at: Option<String>,
}

/// Reads `configuration`: an object, or JSON text of one.
fn configuration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    use serde::de::Error;
    let value = match Value::deserialize(d)? {
        Value::String(text) => serde_json::from_str(&text)
            .map_err(|e| D::Error::custom(format!("configuration is text but not JSON: {e}")))?,
        other => other,
    };
    match value {
        Value::Object(_) => Ok(value),
        other => Err(D::Error::custom(format!(
            "configuration is not an object but {}",
            match other {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
            }
        ))),
    }
}

impl ResourceSnapshot {
    /// A configuration value by dotted path (`a.b.0.c`).
    pub fn config(&self, path: &str) -> Option<&Value> {
        crate::cloudtrail::event::lookup(&self.configuration, path)
    }

    /// A configuration string by dotted path.
    pub fn config_str(&self, path: &str) -> Option<&str> {
        self.config(path)?.as_str()
    }

    /// The resource's name, else the last part of its ARN.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| self.arn.rsplit(['/', ':']).next().unwrap_or(&self.arn))
    }
}
