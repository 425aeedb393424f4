//! The aidr detector Lambda: CloudTrail events from EventBridge (or SQS batches of them) go
//! through the rule catalog; new findings are recorded in DynamoDB and alerted on SNS.

#![recursion_limit = "256"]

use std::time::{SystemTime, UNIX_EPOCH};

use aidr_aws::{DynamoStore, SnsPublisher};
use aidr_engine::stateful::Tracker;
use aidr_engine::{Context, Engine};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;

use detector::config::Config;
use detector::handler::Detector;
use detector::init_error;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(error = %e, "invalid configuration");
            init_error::report("Runtime.ConfigError", &e.to_string());
            return Err(e.into());
        }
    };
    let aws = aws_config::load_from_env().await;
    let mut engine = Engine::builtin(Context {
        org_accounts: config.org_accounts,
    });
    engine.set_stateful(config.stateful);
    let detector = Detector {
        engine,
        tracker: Tracker::new(config.stateful_config),
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), config.table),
        publisher: SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.topic_arn),
        policy: config.policy,
    };
    let detector = &detector;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        detector.handle(&event.payload, now()).await
    }))
    .await
}
