//! The aidr responder Lambda: alerts published on SNS go through the containment playbooks
//! that answer them (off, dry-run or enforce, as configured); each decision is kept in DynamoDB
//! and published back to the alert topic; alerts that can never be handled go to the
//! dead-letter queue.

#![recursion_limit = "256"]

use aidr_aws::respond::AwsActions;
use aidr_aws::{DynamoStore, SnsPublisher, SqsDeadLetters, init_error};
use aidr_engine::time::now_secs;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

use responder::config::ResponderConfig;
use responder::handler::AutoResponder;

/// Wall-clock Unix milliseconds (what `Lambda-Runtime-Deadline-Ms` counts in).
fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = init_error::config(ResponderConfig::from_env)?;
    let settings = &config.settings;
    let enabled: Vec<String> = settings
        .enabled()
        .into_iter()
        .map(|p| format!("{p}={}", settings.mode(p)))
        .collect();
    tracing::info!(
        playbooks = enabled.join(","),
        min_severity = %settings.min_severity,
        max_actions_per_hour = settings.max_actions_per_hour,
        role_name = %config.role_name,
        "responder settings"
    );
    if settings.protected_principals.is_empty() {
        tracing::warn!(
            "AIDR_RESPONSE_PROTECTED_PRINCIPALS is empty: aidr's own roles and its deployers are not protected"
        );
    }
    let aws = aidr_aws::sdk::tuned(aws_config::load_from_env().await);
    let responder = AutoResponder::new(
        &config,
        AwsActions::new(&aws, config.role_name.clone()),
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), config.table.clone()),
        SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.topic_arn.clone()),
        SqsDeadLetters::new(&aws, config.dead_letter_queue_url.clone()),
    );
    let responder = &responder;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        let left = event.context.deadline.saturating_sub(now_millis());
        let deadline = Instant::now() + Duration::from_millis(left);
        responder.handle(event.payload.get(), deadline, now_secs()).await
    }))
    .await
}
