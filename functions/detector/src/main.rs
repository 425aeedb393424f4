//! The aidr detector Lambda: CloudTrail events from EventBridge (or SQS batches of them), and
//! the organization trail's log files named by S3 notifications or backfill messages, go
//! through the pipeline (reading in IAM and Bedrock what an event does not show, unless
//! lookups are off); new findings are recorded in DynamoDB and alerted on SNS (or, in
//! back-test mode, written to S3); input that can never be processed goes to the dead-letter
//! queue. The user rules and the allowlist are loaded at cold start, with the settings.

#![recursion_limit = "256"]

use aidr_aws::lookup::AwsLookup;
use aidr_aws::s3::S3Objects;
use aidr_aws::{DynamoStore, SnsPublisher, SqsDeadLetters};
use aidr_engine::Pipeline;
use aidr_engine::enrich::Resolver;
use aidr_engine::time::now_secs;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;

use detector::catalog::Catalog;
use detector::config::{DetectorConfig, UserFiles};
use detector::deadline::Deadline;
use detector::handler::Detector;
use detector::init_error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let files = init_error::config(UserFiles::from_env)?;
    let aws = aidr_aws::sdk::tuned(aws_config::load_from_env().await);
    let objects = S3Objects::new(&aws);
    // The user rules join the catalog before the settings are checked against it (a rule
    // suppressed may be one of them).
    let loaded = Catalog::load(&files, &objects, now_secs()).await;
    let catalog = init_error::config(|| loaded)?;
    let mut config = init_error::config(|| DetectorConfig::from_env(&catalog.registry))?;
    config.policy.allowlist = catalog.allowlist;
    let pipeline = Pipeline::new(catalog.registry, config.organization, config.stateful);
    let (pipeline, lookups) = match config.lookups {
        Some(settings) => {
            let budget = settings.budget();
            let lookup = AwsLookup::new(&aws, settings.member_role_name, settings.timeout);
            (pipeline.with_lookups(), Some(Resolver::new(lookup, budget)))
        }
        None => (pipeline, None),
    };
    let detector = Detector {
        pipeline: pipeline.into(),
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), config.table),
        // Back-test mode publishes nothing: its topic may be unset.
        publisher: SnsPublisher::new(aws_sdk_sns::Client::new(&aws), config.topic_arn.unwrap_or_default()),
        dead_letters: SqsDeadLetters::new(&aws, config.dead_letter_queue_url),
        policy: config.policy,
        lookups,
        objects,
        trail_buckets: config.trail_buckets,
        mode: config.mode,
    };
    let detector = &detector;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        detector
            .handle_by(&event.payload, now_secs(), Deadline::lambda(event.context.deadline))
            .await
    }))
    .await
}
