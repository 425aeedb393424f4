//! Harness for aidr's end-to-end tests: AWS APIs emulated by the moto server (started by
//! `scripts/test`, reached through the real SDK clients with `AWS_ENDPOINT_URL`), and a Lambda
//! Runtime API that drives the real Lambda binaries.

pub mod cli;
pub mod faults;
pub mod inventory;
pub mod load;
pub mod notify;
pub mod respond;
pub mod runtime_api;
pub mod trail;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
use serde_json::Value;

/// The SDK configuration for the emulator, or `None` (with a note) when no emulator is set up.
/// Under CI (`CI` set) or the test command (`AIDR_TEST_EMULATOR`), a missing emulator fails
/// the test instead.
pub async fn emulator() -> Option<SdkConfig> {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        let required = std::env::var_os("CI").is_some() || std::env::var_os("AIDR_TEST_EMULATOR").is_some();
        assert!(
            !required,
            "AWS_ENDPOINT_URL is not set: run the tests with scripts/test, which starts moto"
        );
        eprintln!("skipped: no AWS emulator (AWS_ENDPOINT_URL unset); scripts/test starts one");
        return None;
    }
    Some(aws_config::load_from_env().await)
}

/// A name unique to this test process and call, so tests can share one emulator.
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

/// An account id no other test uses: moto keeps state per account and lets any role there be
/// assumed (see [`respond::member_config`]), so a test populates an account of its own.
pub fn fresh_account() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = u64::from(std::process::id()) * 100 + N.fetch_add(1, Ordering::SeqCst) as u64;
    format!("{:012}", 300_000_000_000 + n % 600_000_000_000)
}

/// A sample event file under `events/`, parsed.
pub fn sample(path: &str) -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events").join(path);
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

/// A message read from a queue: its body and its string message attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub body: String,
    pub attributes: HashMap<String, String>,
}

/// Reads and deletes the messages of a queue until `expected` have arrived or `patience` has
/// passed (with `expected` 0: for all of `patience`, to show that nothing arrives); returns
/// their bodies as JSON.
pub async fn receive(config: &SdkConfig, url: &str, expected: usize, patience: Duration) -> Vec<Value> {
    let messages = receive_messages(config, url, expected, patience).await;
    messages
        .iter()
        .map(|m| serde_json::from_str(&m.body).unwrap())
        .collect()
}

/// [`receive`], keeping each message as it is (its body need not be JSON).
pub async fn receive_messages(config: &SdkConfig, url: &str, expected: usize, patience: Duration) -> Vec<Message> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut got = Vec::new();
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline && (expected == 0 || got.len() < expected) {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in out.messages.unwrap_or_default() {
            let attributes = m
                .message_attributes()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.string_value()?.to_owned())))
                .collect();
            got.push(Message {
                body: m.body().unwrap_or("").to_owned(),
                attributes,
            });
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    got
}

/// Creates an SQS queue; returns its URL and ARN.
pub async fn create_queue(config: &SdkConfig, name: &str) -> (String, String) {
    let sqs = aws_sdk_sqs::Client::new(config);
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = queue_arn(config, &url).await;
    (url, arn)
}

async fn queue_arn(config: &SdkConfig, url: &str) -> String {
    let arn = aws_sdk_sqs::types::QueueAttributeName::QueueArn;
    let sqs = aws_sdk_sqs::Client::new(config);
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(arn.clone())
        .send()
        .await
        .unwrap();
    attrs.attributes.unwrap()[&arn].clone()
}

/// The AWS resources one detector test uses: a state table, an alert topic, a queue
/// subscribed to the topic (the test reads alerts from it), and the dead-letter queue.
pub struct Stack {
    pub config: SdkConfig,
    pub table: String,
    pub topic_arn: String,
    pub queue_url: String,
    pub dead_letter_url: String,
}

impl Stack {
    /// Creates the table and the queue; the topic too unless `with_topic` is false (its ARN is
    /// still reserved, for tests that create it later with [`Stack::create_topic`]).
    pub async fn create(config: SdkConfig, with_topic: bool) -> Stack {
        let name = unique("aidr");
        let ddb = aws_sdk_dynamodb::Client::new(&config);
        ddb.create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("pk")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let (queue_url, _) = create_queue(&config, &name).await;
        let (dead_letter_url, _) = create_queue(&config, &format!("{name}-dlq")).await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        let mut stack = Stack {
            topic_arn: format!("arn:aws:sns:{region}:123456789012:{name}"),
            config,
            table: name,
            queue_url,
            dead_letter_url,
        };
        if with_topic {
            stack.create_topic().await;
        }
        stack
    }

    /// Creates the alert topic and subscribes the queue to it.
    pub async fn create_topic(&mut self) {
        let sns = aws_sdk_sns::Client::new(&self.config);
        self.topic_arn = sns
            .create_topic()
            .name(&self.table)
            .send()
            .await
            .unwrap()
            .topic_arn
            .unwrap();
        let queue_arn = queue_arn(&self.config, &self.queue_url).await;
        sns.subscribe()
            .topic_arn(&self.topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .send()
            .await
            .unwrap();
    }

    /// The environment the detector runs with.
    pub fn detector_env(&self) -> Vec<(&'static str, String)> {
        let mut env: Vec<(&'static str, String)> = [
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ]
        .into_iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k, v)))
        .collect();
        env.extend([
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_MAX_ATTEMPTS", "1".into()),
            ("AIDR_STATE_TABLE", self.table.clone()),
            ("AIDR_ALERT_TOPIC_ARN", self.topic_arn.clone()),
            ("AIDR_DEAD_LETTER_QUEUE_URL", self.dead_letter_url.clone()),
        ]);
        env
    }

    /// Reads what the detector sent to the dead-letter queue (see [`receive`]).
    pub async fn dead_letters(&self, expected: usize, patience: Duration) -> Vec<Message> {
        receive_messages(&self.config, &self.dead_letter_url, expected, patience).await
    }

    /// Reads alerts from the queue (see [`receive`]): the SNS notifications, envelopes with
    /// `Message`, `Subject`, `MessageAttributes`.
    pub async fn alerts(&self, expected: usize, patience: Duration) -> Vec<Value> {
        receive(&self.config, &self.queue_url, expected, patience).await
    }

    /// Runs `event` through `detector` (the real detector binary, started on this stack) and
    /// returns the SNS notification of the one alert it published, as the queue received it.
    pub async fn alert_on(&self, detector: &mut runtime_api::Runtime, event: &Value) -> Value {
        let out = detector.invoke(event).ok();
        assert_eq!(out["alerted"], 1, "{out}\ndetector log:\n{}", detector.log());
        let mut notes = self.alerts(1, Duration::from_secs(10)).await;
        assert_eq!(notes.len(), 1, "{notes:?}");
        notes.remove(0)
    }

    /// Every item in the state table.
    pub async fn items(&self) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let ddb = aws_sdk_dynamodb::Client::new(&self.config);
        ddb.scan()
            .table_name(&self.table)
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default()
    }
}
