//! The inventory as a table for people: per account and region, the resources of each type
//! with their key facts; then the gaps.

use std::collections::BTreeMap;
use std::fmt::Write;

use aidr_engine::ResourceSnapshot;
use aidr_engine::inventory::{Inventory, types};

use super::facts::{facts, name};
use crate::output::printable;

/// Names wider than this are not padded to (the facts move right).
const NAME_WIDTH: usize = 40;

/// The table of `inv`.
pub fn render(inv: &Inventory) -> String {
    let mut scopes: BTreeMap<(&str, &str), Vec<&ResourceSnapshot>> = BTreeMap::new();
    for s in &inv.scopes {
        scopes.entry((&s.account, &s.region)).or_default();
    }
    for r in &inv.resources {
        scopes.entry((&r.account, &r.region)).or_default().push(r);
    }
    let accounts: std::collections::BTreeSet<&str> = scopes.keys().map(|(a, _)| *a).collect();
    let mut out = String::new();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let _ = writeln!(
        out,
        "Inventory collected {}: {} in {} ({}), {}",
        printable(&inv.collected_at),
        plural(inv.resources.len(), "resource"),
        plural(scopes.len(), "scope"),
        plural(accounts.len(), "account"),
        plural(inv.gaps.len(), "gap"),
    );
    for ((account, region), resources) in &scopes {
        let gaps = inv
            .gaps
            .iter()
            .filter(|g| g.account == *account && g.region == *region)
            .count();
        let gaps = match gaps {
            0 => String::new(),
            n => format!(" ({})", plural(n, "gap")),
        };
        let count = match resources.len() {
            0 => "no resources".to_owned(),
            n => plural(n, "resource"),
        };
        let _ = writeln!(out, "\n{} {}: {count}{gaps}", printable(account), printable(region));
        let width = resources
            .iter()
            .map(|r| name(r).chars().count())
            .filter(|w| *w <= NAME_WIDTH)
            .max()
            .unwrap_or(0);
        for resource_type in ordered_types(resources) {
            let _ = writeln!(out, "  {}", printable(resource_type));
            for r in resources.iter().filter(|r| r.resource_type == resource_type) {
                let line = format!("    {:<width$}  {}", name(r), facts(r, inv).join(", "));
                let _ = writeln!(out, "{}", printable(line.trim_end()));
            }
        }
    }
    if !inv.gaps.is_empty() {
        let _ = writeln!(out, "\nGaps: what could not be listed");
        for g in &inv.gaps {
            let _ = writeln!(out, "  {}", printable(&g.to_string()));
        }
    }
    out
}

/// The types present, in the order of [`types::ALL`], then others by name.
fn ordered_types<'r>(resources: &[&'r ResourceSnapshot]) -> Vec<&'r str> {
    let mut present: Vec<&str> = resources.iter().map(|r| r.resource_type.as_str()).collect();
    present.sort_by_key(|t| (types::ALL.iter().position(|k| k == t).unwrap_or(usize::MAX), *t));
    present.dedup();
    present
}
