//! LLMjacking evaluation: a deterministic generator of CloudTrail traffic (a month of benign
//! Bedrock use by applications, developers and legacy IAM users, with six attack scenarios
//! injected) and the evaluator that scores `aidr scan` findings against those scenarios
//! (detection, latency, benign false-positive rate, alerts per month at the default alerting
//! settings).
//!
//! CLIs: `llmjacking-traffic` (generate) and `llmjacking-report` (evaluate);
//! `scripts/evaluate-llmjacking` runs both around `aidr scan`.
//!
//! The same seed gives byte-identical output: one seeded PRNG (SplitMix64) with an independent
//! stream per actor, ordered maps only, and event ids from a counter through a bijection (unique
//! by construction).

mod alerts;
mod attacks;
mod benign;
mod catalog;
mod identity;
mod inputs;
mod records;
mod report;
mod rng;
mod scoring;
mod time;
mod volume;
mod world;
mod write;

pub use alerts::{CountingPublisher, replay};
pub use attacks::SCENARIOS;
pub use catalog::{ACCOUNT_A, ACCOUNT_B};
pub use identity::Ident;
pub use inputs::{parse_alerting_findings, parse_findings, parse_scenarios};
pub use rng::Rng;
pub use scoring::{
    ALERT, BenignGroup, Evaluation, FindingRow, IDENTITY_SLACK_SECS, Scenario, ScenarioResult, Scenarios, Severity,
    TARGET_BENIGN_PER_100, TARGET_LATENCY_MIN, evaluate, evaluate_files, matches,
};
pub use time::{format_time, parse_time, start_time};
pub use volume::{AlertVolume, RuleAlerts, TARGET_LOW_ALERTS_PER_PRINCIPAL_WEEK, Tally};
pub use write::{GenerateOptions, Injected, Summary, generate};
