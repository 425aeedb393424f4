//! `aidr rules`: the catalog as a table, JSON, or the Markdown table in the README.

use aidr_engine::Engine;
use serde_json::json;

/// One line per rule: id, severity, area, title.
pub fn table(engine: &Engine) -> String {
    let metas = engine.metas();
    let w = metas.iter().map(|m| m.id.len()).max().unwrap_or(2);
    let mut out = format!("{:<w$}  {:<8}  {:<11}  TITLE\n", "ID", "SEVERITY", "AREA");
    for m in metas {
        out += &format!(
            "{:<w$}  {:<8}  {:<11}  {}\n",
            m.id,
            m.severity.as_str(),
            m.area.as_str(),
            m.title
        );
    }
    out
}

/// The full metadata of every rule as a JSON array.
pub fn json(engine: &Engine) -> String {
    let rules: Vec<_> = engine
        .metas()
        .into_iter()
        .map(|m| {
            json!({
                "id": m.id,
                "title": m.title,
                "severity": m.severity,
                "area": m.area,
                "techniques": m.techniques,
                "description": m.description,
                "remediation": m.remediation,
                "events": m.events.iter().map(|(s, n)| json!({"source": s, "name": n})).collect::<Vec<_>>(),
                "failed_calls": m.failed_calls,
            })
        })
        .collect();
    serde_json::to_string_pretty(&rules).unwrap_or_default() + "\n"
}

/// The README's catalog table.
pub fn markdown(engine: &Engine) -> String {
    let mut out = String::from("| id | severity | area | techniques | title | events |\n|---|---|---|---|---|---|\n");
    for m in engine.metas() {
        let mut names: Vec<&str> = m.events.iter().map(|(_, n)| *n).collect();
        names.dedup();
        out += &format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            m.id,
            m.severity,
            m.area,
            m.techniques.join(", "),
            m.title,
            names.join(", ")
        );
    }
    out
}
