//! The files `aidr report` adds to an inventory: findings (`aidr scan`'s JSON lines or JSON
//! array) and attack paths (a JSON array). Bad input is an error naming the file (and line).

use std::io::{BufReader, Read};
use std::path::Path;

use aidr_engine::{Finding, Severity};
use serde_json::Value;

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

/// The attack paths of a file: a JSON array of objects, each with a `severity` and `steps`
/// (objects).
pub fn paths(path: &Path) -> Result<Vec<Value>, String> {
    let name = path.display();
    let value: Value = serde_json::from_str(&read(path)?).map_err(|e| format!("{name}: not JSON: {e}"))?;
    let Value::Array(paths) = value else {
        return Err(format!("{name}: not a JSON array of attack paths"));
    };
    for (i, p) in paths.iter().enumerate() {
        let steps_ok = p["steps"]
            .as_array()
            .is_some_and(|s| s.iter().all(|s| s.is_object() && s["label"].is_string()));
        if !steps_ok {
            return Err(format!(
                "{name}: path {}: expected `steps`, an array of objects with a `label`",
                i + 1
            ));
        }
        if serde_json::from_value::<Severity>(p["severity"].clone()).is_err() {
            return Err(format!(
                "{name}: path {}: `severity` is not one of info, low, medium, high, critical",
                i + 1
            ));
        }
    }
    Ok(paths)
}
