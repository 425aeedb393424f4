//! Keeping an inventory where the detector can look things up: one document per resource under
//! `inventory#<arn>` (its snapshot, as the engine writes a `ResourceSnapshot`), and one summary
//! per account under `inventory-run#<account>`:
//!
//! ```json
//! {"account": "111122223333", "collected_at": "2026-03-01T12:00:00Z",
//!  "regions": ["eu-west-1", "us-east-1"],
//!  "counts": {"AWS::SageMaker::NotebookInstance": 2, "AWS::IAM::Role": 0, …},
//!  "gaps": [{"account": …, "region": …, "service": …, "operation": …, "reason": "not_permitted", "message": …}]}
//! ```
//!
//! `counts` has every type of `aidr_engine::inventory::types::ALL`; `regions` excludes
//! `global`. Everything expires after [`SAVED_FOR`].

use std::collections::BTreeSet;

use aidr_engine::inventory::{Inventory, types};
use aidr_engine::ports::{Records, StateError};
use serde_json::{Map, Value, json};

use super::GLOBAL;

/// The key prefix of resource documents (then the ARN).
pub const RESOURCE_PREFIX: &str = aidr_engine::inventory::SAVED_PREFIX;
/// The key prefix of run summaries (then the account id).
pub const RUN_PREFIX: &str = "inventory-run#";
/// How long saved documents live: 7 days, in seconds.
pub const SAVED_FOR: i64 = 7 * 86_400;

/// Writes the documents of `inventory` to `records` at `now` (Unix seconds); returns how many
/// were written. Every document is tried, also after one fails.
///
/// # Errors
/// When some document was not written: the first failure's kind, with how many failed.
pub async fn save(records: &impl Records, inventory: &Inventory, now: i64) -> Result<usize, StateError> {
    let expires_at = now + SAVED_FOR;
    let mut written = 0;
    let mut failures: Vec<StateError> = Vec::new();
    let mut documents: Vec<(String, Value)> = Vec::new();
    for r in &inventory.resources {
        match serde_json::to_value(r) {
            Ok(doc) => documents.push((aidr_engine::inventory::saved_key(&r.arn), doc)),
            Err(e) => failures.push(StateError::permanent(format!("{}: {e}", r.arn))),
        }
    }
    for account in accounts(inventory) {
        documents.push((format!("{RUN_PREFIX}{account}"), summary(inventory, &account)));
    }
    for (key, doc) in &documents {
        match records.put_record(key, doc, expires_at).await {
            Ok(()) => written += 1,
            Err(e) => failures.push(e),
        }
    }
    match failures.first() {
        None => Ok(written),
        Some(first) => Err(StateError {
            kind: first.kind,
            message: format!(
                "{} of {} inventory documents not saved; the first: {}",
                failures.len(),
                written + failures.len(),
                first.message
            ),
        }),
    }
}

/// The accounts of the run: of its scopes, and of gaps outside any scope.
fn accounts(inventory: &Inventory) -> BTreeSet<String> {
    let scoped = inventory.scopes.iter().map(|s| s.account.clone());
    scoped.chain(inventory.gaps.iter().map(|g| g.account.clone())).collect()
}

/// The run summary of `account`.
fn summary(inventory: &Inventory, account: &str) -> Value {
    let mut counts = Map::new();
    for t in types::ALL {
        let n = inventory
            .resources
            .iter()
            .filter(|r| r.account == account && r.resource_type == *t)
            .count();
        counts.insert((*t).to_owned(), n.into());
    }
    let regions: Vec<&str> = inventory
        .scopes
        .iter()
        .filter(|s| s.account == account && s.region != GLOBAL)
        .map(|s| s.region.as_str())
        .collect();
    let gaps: Vec<_> = inventory.gaps.iter().filter(|g| g.account == account).collect();
    json!({
        "account": account,
        "collected_at": inventory.collected_at,
        "regions": regions,
        "counts": counts,
        "gaps": gaps,
    })
}
