//! The organization trail in moto's S3 for the trail tests: gzip CloudTrail log files at
//! CloudTrail's keys, a bucket that notifies a queue of new objects, and the SQS events the
//! Lambda service would make of the queue's messages.

use std::io::Write;

use aws_config::SdkConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter, QueueConfiguration,
    S3KeyFilter,
};
use serde_json::{Value, json};

use crate::{create_queue, unique};

/// The key of a log file of `account` in `region` on `day` (`YYYY/MM/DD`), in an organization
/// trail's layout.
pub fn log_key(account: &str, region: &str, day: &str, name: &str) -> String {
    let stamp = day.replace('/', "");
    format!(
        "AWSLogs/o-aa111bb222/{account}/CloudTrail/{region}/{day}/{account}_CloudTrail_{region}_{stamp}T0005Z_{name}.json.gz"
    )
}

/// A gzip CloudTrail log file holding `records`.
pub fn log_file(records: &[Value]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(json!({ "Records": records }).to_string().as_bytes())
        .unwrap();
    gz.finish().unwrap()
}

/// A trail bucket that notifies a new queue of objects created under `AWSLogs/`; returns the
/// bucket and the queue's URL.
pub async fn notifying_bucket(config: &SdkConfig) -> (String, String) {
    let bucket = unique("org-trail");
    let (queue_url, queue_arn) = create_queue(config, &format!("{bucket}-q")).await;
    let s3 = client(config);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let prefix = FilterRule::builder()
        .name(FilterRuleName::Prefix)
        .value("AWSLogs/")
        .build();
    let queue = QueueConfiguration::builder()
        .queue_arn(queue_arn)
        .events(Event::S3ObjectCreated)
        .filter(
            NotificationConfigurationFilter::builder()
                .key(S3KeyFilter::builder().filter_rules(prefix).build())
                .build(),
        )
        .build()
        .unwrap();
    s3.put_bucket_notification_configuration()
        .bucket(&bucket)
        .notification_configuration(NotificationConfiguration::builder().queue_configurations(queue).build())
        .send()
        .await
        .unwrap();
    (bucket, queue_url)
}

/// Writes `body` at `bucket`/`key`.
pub async fn put(config: &SdkConfig, bucket: &str, key: &str, body: Vec<u8>) {
    client(config)
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body))
        .send()
        .await
        .unwrap();
}

/// The SQS event the Lambda service would invoke the detector with, one message per body.
pub fn sqs_event(bodies: &[String]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({"messageId": format!("m{i}"), "receiptHandle": "r", "body": body, "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:aidr-trail", "awsRegion": "us-east-1",
                "attributes": {}, "messageAttributes": {}, "md5OfBody": ""})
        })
        .collect();
    json!({ "Records": records })
}

/// S3 reached through the emulator (path-style addressing: moto serves one host).
pub fn client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let s3 = aws_sdk_s3::config::Builder::from(config).force_path_style(true).build();
    aws_sdk_s3::Client::from_conf(s3)
}
