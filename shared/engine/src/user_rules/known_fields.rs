//! The fields known to appear in CloudTrail records of each event, for `aidr rules lint` to
//! warn about a rule that tests a field no known record of its event has (a misspelt
//! `requestParameters.endpointConfigname` never matches, silently).
//!
//! The catalog is `known_fields.txt`, generated from the sample records of the repository
//! (`events/`, `samples/stateful/`: records as CloudTrail writes them) by the test below:
//! `AIDR_BLESS=1 cargo test -p aidr-engine known_fields` rewrites it. One line per event:
//! `eventSource<TAB>eventName<TAB>path path …`, the paths of every key under the four free-form
//! sections, arrays crossed without an index (`requestParameters.tags.key`).

use serde_json::Value;

const CATALOG: &str = include_str!("known_fields.txt");

/// The free-form sections whose keys vary by event.
pub const SECTIONS: [&str; 4] = [
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "serviceEventDetails",
];

/// The section paths known for (`source`, `name`); `None` when no sample of that event is
/// known (nothing can be said).
pub fn paths_of(source: &str, name: &str) -> Option<impl Iterator<Item = &'static str>> {
    CATALOG.lines().find_map(|line| {
        let mut parts = line.splitn(3, '\t');
        let (s, n) = (parts.next()?, parts.next()?);
        (s == source && n == name).then(|| parts.next().unwrap_or("").split(' ').filter(|p| !p.is_empty()))
    })
}

/// True when `path` (a section path such as `requestParameters.a.b`) is one of the known
/// paths, or lies under a known key that holds text (a section or value written as a JSON
/// string, whose inside the catalog cannot see).
pub fn knows<S: AsRef<str>>(paths: impl IntoIterator<Item = S>, path: &str) -> bool {
    paths.into_iter().any(|known| {
        let known = known.as_ref();
        known == path || path.strip_prefix(known).is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Every section path of one record, arrays crossed without an index, into `out`.
pub fn collect_paths(record: &Value, out: &mut std::collections::BTreeSet<String>) {
    fn walk(value: &Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    let path = format!("{prefix}.{key}");
                    walk(v, &path, out);
                    out.insert(path);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, prefix, out)),
            _ => {}
        }
    }
    for section in SECTIONS {
        if let Some(value) = record.get(section) {
            walk(value, section, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::*;

    fn records_of(file: &Path) -> Vec<Value> {
        let text = std::fs::read_to_string(file).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        if let Some(detail) = value.get("detail") {
            vec![detail.clone()]
        } else if let Some(Value::Array(records)) = value.get("Records") {
            records.clone()
        } else {
            Vec::new()
        }
    }

    fn json_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }

    fn generate() -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        json_files(&root.join("events"), &mut files);
        json_files(&root.join("samples/stateful"), &mut files);
        let mut by_event: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for file in files {
            for record in records_of(&file) {
                let (Some(source), Some(name)) = (
                    record.get("eventSource").and_then(Value::as_str),
                    record.get("eventName").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let paths = by_event.entry((source.into(), name.into())).or_default();
                collect_paths(&record, paths);
            }
        }
        by_event
            .into_iter()
            .map(|((source, name), paths)| {
                format!(
                    "{source}\t{name}\t{}\n",
                    paths.into_iter().collect::<Vec<_>>().join(" ")
                )
            })
            .collect()
    }

    #[test]
    fn known_fields_catalog_is_up_to_date() {
        let generated = generate();
        if std::env::var_os("AIDR_BLESS").is_some() {
            let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/user_rules/known_fields.txt");
            std::fs::write(file, &generated).unwrap();
            return;
        }
        assert!(
            generated == CATALOG,
            "known_fields.txt is out of date with the samples: run AIDR_BLESS=1 cargo test -p aidr-engine known_fields"
        );
    }

    #[test]
    fn paths_are_known_by_event_and_prefix() {
        let known = || paths_of("sagemaker.amazonaws.com", "CreateEndpointConfig").unwrap();
        assert!(knows(known(), "requestParameters.endpointConfigName"));
        assert!(!knows(known(), "requestParameters.endpointConfigname"));
        assert!(paths_of("sagemaker.amazonaws.com", "NoSuchCall").is_none());
    }
}
