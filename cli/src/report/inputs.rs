//! The findings files `aidr report` adds to an inventory (`aidr scan`'s JSON lines or JSON
//! array). Bad input is an error naming the file (and line).

use std::io::{BufReader, Read};
use std::path::Path;

use aidr_engine::Finding;

/// The text of a file, gunzipped when gzip.
fn read(path: &Path) -> Result<String, String> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    let mut text = String::new();
    aidr_engine::input::open(BufReader::new(file))
        .and_then(|mut r| r.read_to_string(&mut text))
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(text)
}

/// What is wrong with a value serde could not read as `what`.
fn problem(e: &serde_json::Error, what: &str) -> String {
    match e.classify() {
        serde_json::error::Category::Data => format!("not {what}: {e}"),
        _ => format!("not JSON: {e}"),
    }
}

/// The findings of a file: JSON lines (`aidr scan --format ndjson`) or one JSON array
/// (`--format json`).
pub fn findings(path: &Path) -> Result<Vec<Finding>, String> {
    let name = path.display();
    let text = read(path)?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text)
            .map_err(|e| format!("{name}: {}", problem(&e, "a JSON array of aidr findings")));
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let finding = serde_json::from_str(line)
            .map_err(|e| format!("{name}: line {}: {}", i + 1, problem(&e, "an aidr finding")))?;
        out.push(finding);
    }
    Ok(out)
}
