//! What the page shows, as the JSON its script reads: findings reduced to what the report
//! needs, the inventory with each resource's key facts (never its configuration, which may
//! hold scripts and secrets), and attack paths as given.

use aidr_engine::inventory::Inventory;
use aidr_engine::{Area, Finding, Organization, Severity, Subject};
use serde::Serialize;
use serde_json::{Value, json};

use crate::inventory::{facts, name};

/// A report page being filled.
#[derive(Debug, Default)]
pub struct Page {
    pub title: String,
    /// What was read (files, folders), for the header.
    pub sources: Vec<String>,
    pub findings: Vec<Row>,
    pub inventory: Option<Inventory>,
    /// Attack paths, each `{kind, title, severity, account, region, steps: [{arn,
    /// resource_type, label, evidence}], key}`.
    pub paths: Vec<Value>,
}

/// A finding as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub area: Area,
    pub summary: String,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Event time, or capture time for a resource.
    pub time: Option<String>,
    pub millis: Option<i64>,
    /// The dedupe key: findings sharing it are one incident.
    pub key: String,
    /// `event` or `resource`.
    pub kind: &'static str,
    pub resources: Vec<String>,
}

impl Row {
    pub fn of(f: &Finding) -> Row {
        Row {
            rule: f.rule_id.clone(),
            severity: f.severity,
            title: f.title.clone(),
            area: f.area,
            summary: f.summary.clone(),
            account: f.account.clone(),
            region: f.region.clone(),
            time: f.time().map(str::to_owned),
            millis: f.time_millis(),
            key: f.dedupe_key.clone(),
            kind: match f.subject {
                Subject::Events(_) => "event",
                Subject::Resource { .. } => "resource",
            },
            resources: f.resources.clone(),
        }
    }
}

impl Page {
    pub fn new(title: &str) -> Page {
        Page {
            title: title.to_owned(),
            ..Page::default()
        }
    }

    /// The JSON the page's script reads.
    pub fn data(&self) -> Value {
        let inventory = self.inventory.as_ref().map(|inv| {
            let resources: Vec<Value> = inv
                .resources
                .iter()
                .map(|r| {
                    json!({
                        "account": r.account, "region": r.region, "type": r.resource_type,
                        "name": name(r), "arn": r.arn, "facts": facts(r, inv).join(", "),
                    })
                })
                .collect();
            json!({
                "collected_at": inv.collected_at, "scopes": inv.scopes,
                "resources": resources, "gaps": inv.gaps,
            })
        });
        json!({
            "title": self.title,
            "generated": aidr_engine::time::format_secs(aidr_engine::time::now_secs()),
            "version": env!("CARGO_PKG_VERSION"),
            "sources": self.sources,
            "findings": self.findings,
            "inventory": inventory,
            "paths": self.paths,
        })
    }
}

/// The attack paths of `inventory`, as the page takes them.
pub fn paths_of(inventory: &Inventory, organization: &Organization) -> Vec<Value> {
    aidr_engine::paths::find(inventory, organization)
        .iter()
        .filter_map(|p| serde_json::to_value(p).ok())
        .collect()
}
