//! The aidr notifier Lambda's logic: configuration, delivery with retries, the Slack and
//! PagerDuty protocols, and the handler (generic over the engine's ports), which also
//! publishes chat notifications to an SNS topic and imports findings into Security Hub.
//! `main.rs` wires it to AWS.

pub mod config;
pub mod delivery;
pub mod handler;
pub mod pagerduty;
pub mod slack;
