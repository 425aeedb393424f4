//! aidr's adapters on AWS: the engine's ports implemented with the AWS SDK. The engine itself
//! never sees SDK types.

mod failure;

pub mod dynamo;
pub mod sns;
pub mod sqs;

pub use dynamo::DynamoStore;
pub use sns::SnsPublisher;
pub use sqs::SqsDeadLetters;
