//! The aidr notifier Lambda: alerts published by the detector on SNS go to Slack, PagerDuty,
//! a chat channel's SNS topic and AWS Security Hub, each delivered once; alerts that can never
//! be delivered go to the dead-letter queue.

#![recursion_limit = "256"]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aidr_aws::{DynamoStore, SecretsManager, SecurityHub, SnsTopics, SqsDeadLetters, init_error};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;
use tokio::time::Instant;

use notifier::config::NotifierConfig;
use notifier::handler::Notifier;

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = init_error::config(NotifierConfig::from_env)?;
    let http = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client");
            init_error::report("Runtime.InitError", &format!("the HTTP client could not be built: {e}"));
            return Err(e.into());
        }
    };
    let aws = aidr_aws::sdk::tuned(aws_config::load_from_env().await);
    let notifier = Notifier::new(
        &config,
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), config.table.clone()),
        SqsDeadLetters::new(&aws, config.dead_letter_queue_url.clone()),
        SecretsManager::new(aws_sdk_secretsmanager::Client::new(&aws)),
        SnsTopics::new(aws_sdk_sns::Client::new(&aws)),
        SecurityHub::new(aws_sdk_securityhub::Client::new(&aws)),
        http,
    );
    let notifier = &notifier;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        let now = now_millis();
        let deadline = Instant::now() + Duration::from_millis(event.context.deadline.saturating_sub(now));
        notifier
            .handle(event.payload.get(), deadline, (now / 1000) as i64)
            .await
    }))
    .await
}
