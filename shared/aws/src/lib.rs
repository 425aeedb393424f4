//! aidr's adapters on AWS: the engine's ports implemented with the AWS SDK. The engine itself
//! never sees SDK types.

pub mod dynamo;
pub mod sns;

pub use dynamo::DynamoStore;
pub use sns::SnsPublisher;
