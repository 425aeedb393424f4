//! Ports: what the engine needs from the outside world, as traits, with the errors they may
//! return. Adapters implement them on AWS (`aidr-aws`: DynamoDB, SNS, SQS, Secrets Manager,
//! Security Hub, IAM and Bedrock reads, the inventory collector, S3 objects); the in-memory state store here
//! serves the CLI.

mod actions;
mod findings;
mod inventory;
mod lookup;
mod memory;
mod namespaced;
mod objects;
mod publish;
mod records;
mod secrets;
mod state;

pub use actions::{ActionError, ApiKey, Before, CloudActions, Scope};
pub use findings::{FailedFinding, FindingsHub, ImportResult};
pub use inventory::InventorySource;
pub use lookup::{DefaultVersion, Lookup, LookupError};
pub use memory::{MemoryStore, now_or_never};
pub use namespaced::Namespaced;
pub use objects::{ObjectError, Objects};
pub use publish::{DeadLetters, PublishError, Publisher, Topics};
pub use records::Records;
pub use secrets::{SecretError, SecretStore};
pub use state::{Item, Members, StateError, StateStore, StoreFuture, Window};

/// Whether a failed call to a port can succeed if made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// Throttling, timeouts, server errors, a lost connection: try again later.
    Transient,
    /// Validation, access denied, a missing resource: trying again cannot help.
    Permanent,
}

impl FailureKind {
    /// True for [`FailureKind::Transient`].
    pub fn is_transient(self) -> bool {
        self == FailureKind::Transient
    }
}
