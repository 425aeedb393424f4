//! aidr's detection engine: reads CloudTrail records and resource snapshots, runs them through
//! one registry of detections (event rules, stateful detections, posture checks) in one
//! pipeline, and reports findings. Pure Rust, no AWS SDK: the same engine runs in the `aidr`
//! CLI and in the detector Lambda, which reach the outside world through the [`ports`].
//!
//! - input: [`input`] (the forms records and snapshots come in), [`cloudtrail`] (the
//!   record), [`resource`] (a resource snapshot);
//! - detections: [`detection`] (what every detection declares), [`rules`], [`stateful`],
//!   [`posture`], all held by the [`registry`];
//! - [`pipeline`]: the one way inputs become findings; [`enrich`]: what rules ask to know
//!   beyond the record, answered in the detector;
//! - output: [`finding`], [`ocsf`], [`asff`]; [`alerting`] turns findings into alerts exactly
//!   once; [`notify`] writes them as Slack, PagerDuty and Amazon Q chat messages ([`text`]
//!   keeps text within limits);
//! - [`inventory`]: the AI inventory (resource snapshots of a collection run); [`paths`]: the
//!   attack paths joined from it, as JSON, DOT and Mermaid;
//! - [`trail`]: the organization trail's log files in S3 and the messages that name them;
//! - [`policy`]: the IAM policy-document analyzer rules share; [`patterns`]: the EventBridge
//!   patterns generated from the registry;
//! - [`user_rules`]: detections users write as YAML, run as event rules of the registry;
//!   [`sigma`] converts Sigma CloudTrail rules into them; [`yaml_text`] guards the YAML text
//!   they (and allowlists) are read from.

pub mod alerting;
pub mod asff;
pub mod aws_ids;
pub mod cloudtrail;
pub mod detection;
pub mod enrich;
pub mod finding;
pub mod input;
pub mod inventory;
pub mod notify;
pub mod ocsf;
pub mod paths;
pub mod patterns;
pub mod pipeline;
pub mod policy;
pub mod ports;
pub mod posture;
pub mod registry;
pub mod resource;
pub mod response;
pub mod rules;
pub mod severity;
pub mod sigma;
pub mod stateful;
pub mod text;
pub mod time;
pub mod trail;
pub mod user_rules;
pub mod yaml_text;

pub use cloudtrail::{Credential, Event, Principal, Record};
pub use detection::{AlertScope, DedupeScope, DetectionKind, Hit, Metadata, Organization, Samples};
pub use finding::{Evidence, Finding, Subject};
pub use pipeline::{Evaluation, FindingSink, Pipeline};
pub use registry::{Detection, Registry};
pub use resource::ResourceSnapshot;
pub use severity::{Area, Severity};
