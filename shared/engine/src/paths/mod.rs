//! Attack paths (issue 12): the inventory joined into named chains of resources an attacker
//! could walk, each step with the fact from the snapshot that makes it hold. One file per kind
//! of path, each with its [`PathKind`] (title, usual severity, ATT&CK / ATLAS technique ids):
//! - [`notebook_to_admin`]: internet → SageMaker notebook → its role → an admin role;
//! - [`llmjacking`]: IAM user with a live key → Bedrock models → a region without invocation
//!   logging;
//! - [`data_poisoning`]: outside principal → role it may assume → training-data bucket →
//!   what trains or retrieves from it;
//! - [`open_gateway`]: internet → AgentCore gateway without an authorizer → runtime → its
//!   broadly permitted role.
//!
//! Shapes (JSON, as serialized):
//! `{"kind": "path.notebook_to_admin", "title", "severity": "critical", "account", "region",
//! "steps": [{"arn", "resource_type", "label", "evidence"}], "key": "<kind>|<arn>|<arn>…"}`.
//! Steps that are no AWS resource have a pseudo-ARN: [`INTERNET`], [`ANYONE`].
//!
//! What is weighed is what the snapshots carry: identity and trust policies as
//! [`crate::policy::Policy`] reads them, an unconditional Deny of any of a principal's policies
//! taking back what another allows (conditions, permission boundaries, SCPs and resource
//! policies are not weighed, so a path is "may be walked"); a missing snapshot is unknown and
//! makes no path.

pub mod data_poisoning;
mod index;
pub mod llmjacking;
pub mod notebook_to_admin;
pub mod open_gateway;
mod render;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::detection::{AlertScope, DAY, DedupeScope, Metadata, Organization};
use crate::finding::{Dedupe, Finding, Report, Subject};
use crate::inventory::Inventory;
use crate::resource::ResourceSnapshot;
use crate::severity::{Area, Severity};

pub use render::{to_dot, to_mermaid};

/// The pseudo-ARN of the internet, as the first step of paths reached from it.
pub const INTERNET: &str = "internet";
/// The pseudo-ARN of "any AWS principal", when a trust policy is public.
pub const ANYONE: &str = "*";

/// One attack path: a chain of steps, first the attacker's way in, last what is reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttackPath {
    /// The kind's id: `path.notebook_to_admin`.
    pub kind: &'static str,
    /// One line naming the start and the end.
    pub title: String,
    pub severity: Severity,
    /// Where the path's first regional resource lives (the notebook, the Bedrock settings, the
    /// resource using the training data, the gateway).
    pub account: String,
    pub region: String,
    pub steps: Vec<Step>,
    /// Stable id: `<kind>|<arn of each step>…` (joined with `|`), for dedupe.
    pub key: String,
}

/// One node of a path and why it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The resource's ARN, or a pseudo-ARN ([`INTERNET`], [`ANYONE`]).
    pub arn: String,
    /// `AWS::IAM::Role`, `AWS::S3::Bucket`, `Internet`…
    pub resource_type: String,
    /// Short node label: `role Admin`.
    pub label: String,
    /// The fact from the snapshot that makes this step hold.
    pub evidence: String,
}

/// What a kind of path is, for listings and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PathKind {
    /// `path.<what>`.
    pub kind: &'static str,
    pub title: &'static str,
    /// The usual severity; a path may be graded up or down.
    pub severity: Severity,
    /// MITRE ATT&CK and ATLAS technique ids.
    pub techniques: &'static [&'static str],
    pub description: &'static str,
    pub remediation: &'static str,
}

/// Every kind of path, in catalog order.
pub const KINDS: [&PathKind; 4] = [
    &notebook_to_admin::KIND,
    &llmjacking::KIND,
    &data_poisoning::KIND,
    &open_gateway::KIND,
];

/// The [`PathKind`] of a path kind id.
pub fn kind(id: &str) -> Option<&'static PathKind> {
    KINDS.into_iter().find(|k| k.kind == id)
}

/// Every attack path of the inventory, most severe first, then by key; one per key.
pub fn find(inventory: &Inventory, org: &Organization) -> Vec<AttackPath> {
    let index = index::Index::new(inventory, org);
    let mut paths = notebook_to_admin::find(&index);
    paths.extend(llmjacking::find(&index));
    paths.extend(data_poisoning::find(&index));
    paths.extend(open_gateway::find(&index));
    rank(&mut paths);
    paths
}

/// Sorts most severe first, then by key, and drops repeated keys.
fn rank(paths: &mut Vec<AttackPath>) {
    paths.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.key.cmp(&b.key)));
    let mut seen = std::collections::HashSet::new();
    paths.retain(|p| seen.insert(p.key.clone()));
}

impl AttackPath {
    /// A path of `kind` with its key made from the steps' ARNs.
    pub fn new(
        kind: &PathKind,
        title: String,
        severity: Severity,
        account: &str,
        region: &str,
        steps: Vec<Step>,
    ) -> AttackPath {
        let mut key = kind.kind.to_owned();
        for step in &steps {
            key.push('|');
            key.push_str(&step.arn);
        }
        AttackPath {
            kind: kind.kind,
            title,
            severity,
            account: account.to_owned(),
            region: region.to_owned(),
            steps,
            key,
        }
    }

    /// One line: `critical path.notebook_to_admin 111122223333 us-east-1: internet →
    /// notebook research → role nb-exec → role Admin`.
    pub fn describe(&self) -> String {
        let chain: Vec<&str> = self.steps.iter().map(|s| s.label.as_str()).collect();
        format!(
            "{} {} {} {}: {}",
            self.severity,
            self.kind,
            self.account,
            self.region,
            chain.join(" → ")
        )
    }

    /// The path as a finding, for the alerting protocol: about the first step that is a
    /// resource of the inventory (a notebook, a user, a role, a gateway), with the whole chain
    /// and each step's evidence in its summary, deduped per path (the dedupe key's object is
    /// the path's steps, so two paths from one resource alert apart). `None` when no step is
    /// in the inventory.
    pub fn finding(&self, inventory: &Inventory) -> Option<Finding> {
        let kind = kind(self.kind)?;
        let subject = self.steps.iter().find_map(|s| inventory.by_arn(&s.arn))?;
        let evidence: Vec<String> = self
            .steps
            .iter()
            .map(|s| format!("{}: {}", s.label, s.evidence))
            .collect();
        let chain: Vec<&str> = self.steps.iter().map(|s| s.label.as_str()).collect();
        let metadata = Metadata {
            id: kind.kind,
            title: kind.title,
            severity: kind.severity,
            area: Area::Access,
            techniques: kind.techniques,
            description: kind.description,
            remediation: kind.remediation,
            resource_types: &[],
            alert: AlertScope {
                per: DedupeScope::PrincipalResource,
                window_secs: DAY,
            },
            ..Metadata::EMPTY
        };
        let action = format!(
            "is the start of attack path \"{}\" ({}; {})",
            self.title,
            chain.join(" -> "),
            evidence.join("; ")
        );
        let mut resources = vec![subject.arn.clone()];
        resources.extend(
            (self.steps.iter())
                .map(|s| s.arn.clone())
                .filter(|a| a.starts_with("arn:") && *a != subject.arn),
        );
        let steps = self.key.split_once('|').map_or(self.key.as_str(), |(_, steps)| steps);
        let report = Report {
            severity: self.severity,
            summary: format!(
                "{} {action} in account {} ({})",
                subject.display_name(),
                subject.account,
                subject.region
            ),
            account: Some(subject.account.clone()),
            region: Some(subject.region.clone()),
            resources,
            dedupe: Dedupe {
                group: kind.kind,
                actor: &subject.arn,
                object: Some(steps),
            },
        };
        let subject = Subject::Resource {
            resource: subject.clone(),
        };
        Some(Finding::new(&metadata, report, subject))
    }

    /// The technique ids of the path's kind.
    pub fn techniques(&self) -> &'static [&'static str] {
        kind(self.kind).map_or(&[], |k| k.techniques)
    }
}

impl Step {
    /// A step on a snapshot: its ARN and type.
    pub fn on(resource: &ResourceSnapshot, label: impl Into<String>, evidence: impl Into<String>) -> Step {
        Step::new(&resource.arn, &resource.resource_type, label, evidence)
    }

    pub fn new(arn: &str, resource_type: &str, label: impl Into<String>, evidence: impl Into<String>) -> Step {
        Step {
            arn: arn.to_owned(),
            resource_type: resource_type.to_owned(),
            label: label.into(),
            evidence: evidence.into(),
        }
    }

    /// The internet, as the first step.
    pub fn internet(evidence: impl Into<String>) -> Step {
        Step::new(INTERNET, "Internet", "internet", evidence)
    }
}

/// The bucket name of an `s3://bucket/prefix` URI or an `arn:aws:s3:::bucket` ARN, and the
/// prefix (empty when none).
pub(crate) fn s3_location(uri_or_arn: &str) -> Option<(&str, &str)> {
    let rest = uri_or_arn
        .strip_prefix("s3://")
        .or_else(|| uri_or_arn.split_once(":s3:::").map(|(_, r)| r))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, prefix))
}
