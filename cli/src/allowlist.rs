//! `aidr scan --allowlist FILE`: reads the YAML allowlist (see `docs/rules.md`) and warns on
//! stderr about entries that silence nothing: those past their last day, and those whose
//! rule matches no loaded detection.

use std::path::Path;

use aidr_engine::Registry;
use aidr_engine::alerting::{Allowlist, Day};

/// The allowlist at `path`, after warning about its entries that expired before `today` or
/// name no rule of `registry`.
///
/// # Errors
/// A message naming the file (and the line, column and a hint when its content is wrong)
/// when it cannot be read or is no valid allowlist.
pub fn load(path: &Path, registry: &Registry, today: Day) -> Result<Allowlist, String> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{origin}: {e}"))?;
    let allowlist = Allowlist::parse(&text, &origin).map_err(|e| e.to_string())?;
    for entry in allowlist.expired(today) {
        eprintln!("warning: {origin}: {entry} has expired: it suppresses nothing any more");
    }
    for entry in allowlist.unknown_rules(registry) {
        eprintln!("warning: {origin}: {entry} matches no loaded rule (see `aidr rules`)");
    }
    Ok(allowlist)
}
