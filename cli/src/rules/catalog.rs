//! `aidr rules`: the detection catalog as a table, JSON, or the Markdown table in the README.
//! User rules, when loaded, are event rules marked as theirs: a `SOURCE` column in the table
//! (`built-in` or the file), an `origin` key in JSON, `event (user)` in Markdown.

use aidr_engine::{Detection, Metadata};
use serde_json::json;

use super::sources::Loaded;

/// What a detection consumes, for people: its event names, or its resource types.
fn consumes(m: &Metadata) -> String {
    if m.events.is_empty() {
        return m.resource_types.join(", ");
    }
    let mut names: Vec<&str> = m.events.iter().map(|(_, n)| *n).collect();
    names.dedup();
    names.join(", ")
}

/// One line per detection: id, kind, severity, area, title; with user rules, the source
/// (`built-in`, or the user rule's file) before the title.
pub fn table(loaded: &Loaded) -> String {
    let detections = loaded.registry.detections();
    let w = detections.iter().map(|d| d.metadata().id.len()).max().unwrap_or(2);
    let source = |d: &Detection| match loaded.user.is_empty() {
        true => String::new(),
        false => format!("{}  ", loaded.origin(d.metadata().id).unwrap_or("built-in")),
    };
    let sw = detections.iter().map(|d| source(d).len()).max().unwrap_or(0);
    let heading = if loaded.user.is_empty() { "" } else { "SOURCE  " };
    let mut out = format!(
        "{:<w$}  {:<8}  {:<8}  {:<11}  {heading:<sw$}TITLE\n",
        "ID", "KIND", "SEVERITY", "AREA"
    );
    for d in detections {
        let m = d.metadata();
        out += &format!(
            "{:<w$}  {:<8}  {:<8}  {:<11}  {:<sw$}{}\n",
            m.id,
            d.kind().as_str(),
            m.severity.as_str(),
            m.area.as_str(),
            source(d),
            m.title
        );
    }
    out
}

/// The full metadata of every detection as a JSON array: its kind, what it consumes, what one
/// alert is about (`alert`: `per` and `window_secs`), and its sample files (paths from the
/// repository root); a user rule has `origin`, its file.
pub fn json(loaded: &Loaded) -> String {
    let detections: Vec<_> = loaded
        .registry
        .detections()
        .iter()
        .map(|d: &Detection| {
            let m = d.metadata();
            let mut entry = json!({
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
            });
            if let Some(origin) = loaded.origin(m.id) {
                entry["origin"] = json!(origin);
            }
            entry
        })
        .collect();
    serde_json::to_string_pretty(&detections).unwrap_or_default() + "\n"
}

/// The README's catalog table; a user rule's kind is `event (user)`.
pub fn markdown(loaded: &Loaded) -> String {
    let mut out = String::from(
        "| id | kind | severity | area | techniques | controls | title | alert per | failed calls | consumes |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for d in loaded.registry.detections() {
        let m = d.metadata();
        let kind = match loaded.origin(m.id) {
            Some(_) => format!("{} (user)", d.kind().as_str()),
            None => d.kind().as_str().to_owned(),
        };
        out += &format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            m.id,
            kind,
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
