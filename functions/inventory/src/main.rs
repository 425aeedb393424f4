//! The aidr inventory Lambda: started by EventBridge Scheduler (daily by default), it lists the
//! AI resources of the configured accounts and regions, saves them in DynamoDB for the
//! detector's lookups, and alerts new posture failures and attack paths on SNS.

#![recursion_limit = "256"]

use aidr_aws::inventory::{AwsInventory, CollectOptions};
use aidr_aws::{DynamoStore, SnsPublisher, init_error};
use aidr_engine::alerting::AlertPolicy;
use aidr_engine::time::now_secs;
use aidr_engine::{Pipeline, Registry};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

use inventory::config::InventoryConfig;
use inventory::handler::InventoryRun;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = init_error::config(InventoryConfig::from_env)?;
    let aws = aidr_aws::sdk::tuned(aws_config::load_from_env().await);
    let run = InventoryRun {
        source: AwsInventory::new(
            aws.clone(),
            CollectOptions {
                regions: config.regions.clone(),
                accounts: config.accounts.clone(),
                role_name: config.role_name.clone(),
                recent_days: config.recent_days,
                retry: match config.max_attempts {
                    Some(n) => CollectOptions::default_retry().with_max_attempts(n),
                    None => CollectOptions::default_retry(),
                },
            },
        ),
        pipeline: Pipeline::new(Registry::builtin(), config.organization.clone(), None),
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), config.table.clone()),
        publisher: SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.topic_arn.clone()),
        policy: AlertPolicy {
            min_severity: config.min_severity,
            ..AlertPolicy::default()
        },
    };
    let run = &run;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        run.handle(now_secs()).await
    }))
    .await
}
