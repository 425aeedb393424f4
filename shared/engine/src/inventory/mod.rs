//! The AI inventory (AI bill of materials): what exists in the accounts, as resource
//! snapshots ([`ResourceSnapshot`], AWS Config's configuration-item shape), plus what could not
//! be listed ([`Gap`]). Collectors (the `aidr-aws` crate) fill it from the services' List and
//! Describe calls; posture checks judge its snapshots, attack paths join them, and writers
//! render it (table, JSON, CycloneDX ML-BOM).
//!
//! Each snapshot's `configuration` holds the service's own Describe/Get response for the
//! resource, with the service's own field names (SageMaker and IAM in PascalCase, Bedrock and
//! AgentCore in camelCase), reduced to the fields listed in [`types`]. Times are RFC 3339 text.

pub mod cyclonedx;
pub mod iam;
pub mod types;

use serde::{Deserialize, Serialize};

use crate::resource::ResourceSnapshot;

/// The key prefix under which a saved inventory keeps each resource's snapshot in the state
/// table (then the ARN; see [`saved_key`]).
pub const SAVED_PREFIX: &str = "inventory#";

/// The state-table key of the saved snapshot of `arn`: `inventory#<arn>`.
pub fn saved_key(arn: &str) -> String {
    format!("{SAVED_PREFIX}{arn}")
}

/// The ARN of an account and region's [`types::BEDROCK_SETTINGS`] snapshot:
/// `arn:<partition>:bedrock:<region>:<account>:settings`.
pub fn settings_arn(account: &str, region: &str) -> String {
    let partition = crate::asff::partition_of_region(region);
    format!("arn:{partition}:bedrock:{region}:{account}:settings")
}

/// Everything one collection run saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// When the collection started (RFC 3339).
    pub collected_at: String,
    /// The (account, region) pairs the run covered, including those with gaps.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    /// The resources found, in collection order.
    #[serde(default)]
    pub resources: Vec<ResourceSnapshot>,
    /// What could not be listed, and why.
    #[serde(default)]
    pub gaps: Vec<Gap>,
}

/// One account and region of a collection run (`region` is `global` for IAM).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

/// A list or describe call that failed: reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub account: String,
    pub region: String,
    /// The service's endpoint prefix: `sagemaker`, `bedrock`, `bedrock-agent`,
    /// `bedrock-agentcore-control`, `iam`, `account`.
    pub service: String,
    /// The API operation: `ListGuardrails`.
    pub operation: String,
    pub reason: GapReason,
    /// The service's error message (or the transport error).
    pub message: String,
}

/// Why a call failed, as far as the run can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// AccessDenied / UnauthorizedOperation: the collecting role lacks a permission.
    NotPermitted,
    /// The service or operation does not exist in the region, or the region is not enabled.
    NotAvailable,
    /// Still throttled after the retries.
    Throttled,
    /// Anything else (timeouts, 5xx after retries, unreadable responses).
    Failed,
}

impl Inventory {
    /// The snapshots of one resource type ([`types`]).
    pub fn of_type<'a>(&'a self, resource_type: &'a str) -> impl Iterator<Item = &'a ResourceSnapshot> + 'a {
        self.resources.iter().filter(move |r| r.resource_type == resource_type)
    }

    /// The snapshot with this ARN.
    pub fn by_arn(&self, arn: &str) -> Option<&ResourceSnapshot> {
        self.resources.iter().find(|r| r.arn == arn)
    }

    /// Adds another run's resources, scopes and gaps (one account or region at a time).
    pub fn extend(&mut self, other: Inventory) {
        self.scopes.extend(other.scopes);
        self.resources.extend(other.resources);
        self.gaps.extend(other.gaps);
    }
}

/// One line: `111122223333 eu-west-1 bedrock-agent:ListAgents not_permitted: <message>`.
impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = match self.reason {
            GapReason::NotPermitted => "not_permitted",
            GapReason::NotAvailable => "not_available",
            GapReason::Throttled => "throttled",
            GapReason::Failed => "failed",
        };
        write!(
            f,
            "{} {} {}:{} {reason}: {}",
            self.account, self.region, self.service, self.operation, self.message
        )
    }
}
