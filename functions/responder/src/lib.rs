//! The aidr responder Lambda's logic: configuration, and the handler (generic over the
//! engine's ports) that runs the containment playbooks on each alert and publishes what they
//! decided, within the invocation's deadline. `main.rs` wires it to AWS.

pub mod config;
pub mod deadline;
pub mod handler;
