//! The Bedrock model invocation logging configuration as JSON, in the API's own shape
//! (`LoggingConfig` of `PutModelInvocationLoggingConfiguration`, camelCase as CloudTrail records
//! the request), and back to the SDK type:
//!
//! ```json
//! {"s3Config": {"bucketName": "logs", "keyPrefix": "bedrock/"},
//!  "cloudWatchConfig": {"logGroupName": "/bedrock", "roleArn": "arn:aws:iam::…:role/r",
//!                       "largeDataDeliveryS3Config": {"bucketName": "big"}},
//!  "textDataDeliveryEnabled": true, "imageDataDeliveryEnabled": false, …}
//! ```
//!
//! The responder restores configurations with it; the inventory records them.
//!
//! Fields are those of the Bedrock API reference (`LoggingConfig`, `S3Config`,
//! `CloudWatchConfig`); fields this SDK does not know are left out.

// Reading a configuration back (`from_json`) is the responder's alone.
#![cfg_attr(not(feature = "respond"), allow(dead_code))]

use aws_sdk_bedrock::types::builders::LoggingConfigBuilder;
use aws_sdk_bedrock::types::{CloudWatchConfig, LoggingConfig, S3Config};
use serde_json::{Map, Value};

type Getter = fn(&LoggingConfig) -> Option<bool>;
type Setter = fn(LoggingConfigBuilder, Option<bool>) -> LoggingConfigBuilder;

/// The data delivery flags: JSON name, read, write.
const FLAGS: [(&str, Getter, Setter); 5] = [
    (
        "textDataDeliveryEnabled",
        LoggingConfig::text_data_delivery_enabled,
        LoggingConfigBuilder::set_text_data_delivery_enabled,
    ),
    (
        "imageDataDeliveryEnabled",
        LoggingConfig::image_data_delivery_enabled,
        LoggingConfigBuilder::set_image_data_delivery_enabled,
    ),
    (
        "embeddingDataDeliveryEnabled",
        LoggingConfig::embedding_data_delivery_enabled,
        LoggingConfigBuilder::set_embedding_data_delivery_enabled,
    ),
    (
        "videoDataDeliveryEnabled",
        LoggingConfig::video_data_delivery_enabled,
        LoggingConfigBuilder::set_video_data_delivery_enabled,
    ),
    (
        "audioDataDeliveryEnabled",
        LoggingConfig::audio_data_delivery_enabled,
        LoggingConfigBuilder::set_audio_data_delivery_enabled,
    ),
];

/// The configuration as JSON, or `None` when it logs nowhere (no S3 and no CloudWatch
/// configuration: what Bedrock has before any is put; moto answers so after a delete).
pub(crate) fn to_json(config: &LoggingConfig) -> Option<Value> {
    if config.s3_config().is_none() && config.cloud_watch_config().is_none() {
        return None;
    }
    let mut out = Map::new();
    if let Some(s3) = config.s3_config() {
        out.insert("s3Config".into(), s3_json(s3));
    }
    if let Some(cw) = config.cloud_watch_config() {
        let mut c = Map::new();
        c.insert("logGroupName".into(), cw.log_group_name().into());
        c.insert("roleArn".into(), cw.role_arn().into());
        if let Some(large) = cw.large_data_delivery_s3_config() {
            c.insert("largeDataDeliveryS3Config".into(), s3_json(large));
        }
        out.insert("cloudWatchConfig".into(), Value::Object(c));
    }
    for (name, get, _) in FLAGS {
        if let Some(on) = get(config) {
            out.insert(name.into(), on.into());
        }
    }
    Some(Value::Object(out))
}

/// The configuration `json` describes.
///
/// # Errors
/// A message naming the field when `json` is not an object, a field has the wrong type, or a
/// required field (`bucketName`, `logGroupName`, `roleArn`) is missing.
pub(crate) fn from_json(json: &Value) -> Result<LoggingConfig, String> {
    let config = json.as_object().ok_or("loggingConfig: expected an object")?;
    let mut builder = LoggingConfig::builder()
        .set_s3_config(object(config, "s3Config")?.map(s3_config).transpose()?)
        .set_cloud_watch_config(
            object(config, "cloudWatchConfig")?
                .map(cloud_watch_config)
                .transpose()?,
        );
    for (name, _, set) in FLAGS {
        let on = match config.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_bool().ok_or_else(|| format!("{name}: expected true or false"))?),
        };
        builder = set(builder, on);
    }
    Ok(builder.build())
}

fn s3_json(s3: &S3Config) -> Value {
    let mut out = Map::new();
    out.insert("bucketName".into(), s3.bucket_name().into());
    if let Some(prefix) = s3.key_prefix() {
        out.insert("keyPrefix".into(), prefix.into());
    }
    Value::Object(out)
}

fn s3_config(s3: &Map<String, Value>) -> Result<S3Config, String> {
    S3Config::builder()
        .set_bucket_name(text(s3, "bucketName")?)
        .set_key_prefix(text(s3, "keyPrefix")?)
        .build()
        .map_err(|_| "s3Config: bucketName is required".to_owned())
}

fn cloud_watch_config(cw: &Map<String, Value>) -> Result<CloudWatchConfig, String> {
    let large = object(cw, "largeDataDeliveryS3Config")?.map(s3_config).transpose()?;
    CloudWatchConfig::builder()
        .set_log_group_name(text(cw, "logGroupName")?)
        .set_role_arn(text(cw, "roleArn")?)
        .set_large_data_delivery_s3_config(large)
        .build()
        .map_err(|_| "cloudWatchConfig: logGroupName and roleArn are required".to_owned())
}

fn object<'a>(parent: &'a Map<String, Value>, name: &str) -> Result<Option<&'a Map<String, Value>>, String> {
    match parent.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_object()
            .map(Some)
            .ok_or_else(|| format!("{name}: expected an object")),
    }
}

fn text(parent: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match parent.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .map(|s| Some(s.to_owned()))
            .ok_or_else(|| format!("{name}: expected a string")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_full_configuration_survives_the_round_trip() {
        let json = json!({
            "s3Config": {"bucketName": "bedrock-logs", "keyPrefix": "invocations/"},
            "cloudWatchConfig": {
                "logGroupName": "/aws/bedrock/invocations",
                "roleArn": "arn:aws:iam::111122223333:role/BedrockLogging",
                "largeDataDeliveryS3Config": {"bucketName": "bedrock-large", "keyPrefix": "large/"}
            },
            "textDataDeliveryEnabled": true,
            "imageDataDeliveryEnabled": false,
            "embeddingDataDeliveryEnabled": true,
            "videoDataDeliveryEnabled": false,
            "audioDataDeliveryEnabled": true
        });
        let config = from_json(&json).unwrap();
        assert_eq!(config.s3_config().unwrap().bucket_name(), "bedrock-logs");
        assert_eq!(
            config
                .cloud_watch_config()
                .and_then(|c| c.large_data_delivery_s3_config())
                .and_then(|s| s.key_prefix()),
            Some("large/")
        );
        assert_eq!(config.image_data_delivery_enabled(), Some(false));
        assert_eq!(to_json(&config), Some(json));
    }

    #[test]
    fn absent_and_null_fields_stay_absent() {
        let config =
            from_json(&json!({"s3Config": {"bucketName": "logs", "keyPrefix": null}, "textDataDeliveryEnabled": null}))
                .unwrap();
        assert_eq!(config.s3_config().unwrap().key_prefix(), None);
        assert_eq!(config.text_data_delivery_enabled(), None);
        assert_eq!(to_json(&config), Some(json!({"s3Config": {"bucketName": "logs"}})));
    }

    #[test]
    fn a_configuration_that_logs_nowhere_is_none() {
        assert_eq!(to_json(&LoggingConfig::builder().build()), None);
        let flags_only = from_json(&json!({"textDataDeliveryEnabled": true})).unwrap();
        assert_eq!(to_json(&flags_only), None);
    }

    #[test]
    fn bad_shapes_are_refused_with_the_field_named() {
        let cases = [
            (json!("logs"), "loggingConfig"),
            (json!({"s3Config": "logs"}), "s3Config"),
            (json!({"s3Config": {"keyPrefix": "p/"}}), "bucketName"),
            (json!({"s3Config": {"bucketName": 7}}), "bucketName"),
            (json!({"cloudWatchConfig": {"logGroupName": "g"}}), "roleArn"),
            (
                json!({"s3Config": {"bucketName": "b"}, "textDataDeliveryEnabled": "yes"}),
                "textDataDeliveryEnabled",
            ),
        ];
        for (json, field) in cases {
            let error = from_json(&json).unwrap_err();
            assert!(error.contains(field), "{json}: {error}");
        }
    }
}
