//! The aidr detector Lambda's logic: configuration, the catalog (the user rules and the
//! allowlist loaded at cold start), the handler (generic over the engine's ports), the time an
//! invocation may use, and init-error reporting. `main.rs` wires it to AWS.

pub mod catalog;
pub mod config;
pub mod deadline;
pub mod handler;
pub use aidr_aws::init_error;
