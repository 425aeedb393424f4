//! `aidr rules`: the detection catalog as a table, JSON, or the Markdown table in the README.

use aidr_engine::{Detection, Metadata, Registry};
use serde_json::json;

/// What a detection consumes, for people: its event names, or its resource types.
fn consumes(m: &Metadata) -> String {
    if m.events.is_empty() {
        return m.resource_types.join(", ");
    }
    let mut names: Vec<&str> = m.events.iter().map(|(_, n)| *n).collect();
    names.dedup();
    names.join(", ")
}

/// One line per detection: id, kind, severity, area, title.
pub fn table(registry: &Registry) -> String {
    let detections = registry.detections();
    let w = detections.iter().map(|d| d.metadata().id.len()).max().unwrap_or(2);
    let mut out = format!(
        "{:<w$}  {:<8}  {:<8}  {:<11}  TITLE\n",
        "ID", "KIND", "SEVERITY", "AREA"
    );
    for d in detections {
        let m = d.metadata();
        out += &format!(
            "{:<w$}  {:<8}  {:<8}  {:<11}  {}\n",
            m.id,
            d.kind().as_str(),
            m.severity.as_str(),
            m.area.as_str(),
            m.title
        );
    }
    out
}

/// The full metadata of every detection as a JSON array: its kind, what it consumes, what one
/// alert is about (`alert`: `per` and `window_secs`), and its sample files (paths from the
/// repository root).
pub fn json(registry: &Registry) -> String {
    let detections: Vec<_> = registry
        .detections()
        .iter()
        .map(|d: &Detection| {
            let m = d.metadata();
            json!({
                "id": m.id,
                "kind": d.kind(),
                "title": m.title,
                "severity": m.severity,
                "area": m.area,
                "techniques": m.techniques,
                "controls": m.controls,
                "description": m.description,
                "remediation": m.remediation,
                "events": m.events.iter().map(|(s, n)| json!({"source": s, "name": n})).collect::<Vec<_>>(),
                "resource_types": m.resource_types,
                "failed_calls": m.failed_calls,
                "alert": m.alert,
                "samples": {
                    "must_fire": m.samples.must_fire,
                    "must_not_fire": m.samples.must_not_fire,
                },
            })
        })
        .collect();
    serde_json::to_string_pretty(&detections).unwrap_or_default() + "\n"
}

/// The README's catalog table.
pub fn markdown(registry: &Registry) -> String {
    let mut out = String::from(
        "| id | kind | severity | area | techniques | controls | title | alert per | failed calls | consumes |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for d in registry.detections() {
        let m = d.metadata();
        out += &format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            m.id,
            d.kind().as_str(),
            m.severity,
            m.area,
            m.techniques.join(", "),
            m.controls.join(", "),
            m.title,
            m.alert.describe(),
            if m.failed_calls { "yes" } else { "no" },
            consumes(m)
        );
    }
    out
}
