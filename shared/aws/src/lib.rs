//! aidr's adapters on AWS: the engine's ports implemented with the AWS SDK. The engine itself
//! never sees SDK types. Also what every Lambda of aidr shares with the Lambda service:
//! [`init_error`], [`config`], the SDK's retries and timeouts ([`sdk`]); and what the alert topic's subscribers share: [`subscriber`].
//! With the `respond` feature, the responder's actions on IAM, Bedrock and SageMaker:
//! `respond::AwsActions`; with the `lookup` feature, the detector's reads of IAM policies and
//! Bedrock guardrails: `lookup::AwsLookup`. Both reach member accounts through a role they
//! assume there (the `accounts` module they share). With the `inventory` feature, the AI
//! inventory collector: `inventory::collect`. With the `s3` feature, S3 objects: `s3::S3Objects`
//! (the organization trail's log files, back-test findings), and `backfill`, which queues a
//! trail's log files for the detector.

#[cfg(feature = "accounts")]
mod accounts;
#[cfg(any(feature = "accounts", feature = "inventory"))]
mod assume;
#[cfg(any(feature = "respond", feature = "inventory"))]
mod bedrock_logging;
mod failure;
#[cfg(all(
    test,
    any(feature = "respond", feature = "lookup", feature = "inventory", feature = "s3")
))]
mod mock;
#[cfg(feature = "accounts")]
mod sdk_error;

#[cfg(feature = "s3")]
pub mod backfill;
pub mod config;
pub mod dynamo;
pub mod init_error;
#[cfg(feature = "inventory")]
pub mod inventory;
#[cfg(feature = "lookup")]
pub mod lookup;
#[cfg(feature = "respond")]
pub mod respond;
#[cfg(feature = "s3")]
pub mod s3;
pub mod sdk;
pub mod secrets;
pub mod securityhub;
pub mod sns;
pub mod sqs;
pub mod subscriber;

pub use dynamo::DynamoStore;
pub use secrets::SecretsManager;
pub use securityhub::SecurityHub;
pub use sns::{SnsPublisher, SnsTopics};
pub use sqs::SqsDeadLetters;
