//! aidr's detection engine: reads CloudTrail records, evaluates the rule catalog, and reports
//! findings. Pure Rust, no AWS SDK: the same engine runs in the `aidr` CLI and in the
//! detector Lambda.

pub mod alerting;
pub mod engine;
pub mod event;
pub mod finding;
pub mod input;
pub mod ocsf;
pub mod patterns;
pub mod policy;
pub mod principal;
pub mod record;
pub mod rule;
pub mod rules;
pub mod severity;
pub mod state;
pub mod stateful;
pub mod time;

pub use engine::{CatalogError, Engine, Evaluation};
pub use event::Event;
pub use finding::Finding;
pub use principal::{Credential, Principal};
pub use record::Record;
pub use rule::{Builtin, Context, Examples, Hit, Meta, Rule};
pub use severity::{Area, Severity};
