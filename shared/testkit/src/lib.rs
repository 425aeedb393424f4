//! aidr's test kit, a dev-dependency of the other crates (the libraries ship no test code):
//! - [`cloud`]: accounts in memory behind the responder's `CloudActions` port;
//! - [`samples`]: the samples runner (every detection against its own sample files) and
//!   loaders for tests that look closer at one sample's findings;
//! - [`conformance`]: the behaviour every `StateStore` must show;
//! - [`recording`]: a publisher and a dead-letter queue that record what they get and can be
//!   made to fail; [`flaky`]: a state store that fails on demand;
//! - [`secrets`]: a secret store on a map; [`receiver`]: local HTTP receivers that answer
//!   like Slack and PagerDuty;
//! - [`sns`]: alerts in the SNS events their subscribers get; [`objects`]: buckets in memory.

pub mod cloud;
pub mod conformance;
pub mod flaky;
pub mod objects;
pub mod receiver;
pub mod recording;
pub mod samples;
pub mod secrets;
pub mod sns;
