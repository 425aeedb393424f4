//! Every rule's declared examples: sample events under `events/` that must, and must not,
//! trigger it; and the samples themselves are well-formed EventBridge envelopes.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use aidr_engine::rules::{self, testing};
use serde_json::Value;

fn sample_files(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sample_files(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.insert(path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

fn all_samples() -> BTreeSet<String> {
    let base = testing::events_dir();
    let mut files = BTreeSet::new();
    sample_files(&base, &base, &mut files);
    files
}

#[test]
fn every_rule_fires_on_its_triggers_and_not_on_its_ignores() {
    let mut failures = Vec::new();
    for rule in rules::all() {
        let meta = rule.meta();
        if meta.examples.triggers.is_empty() || meta.examples.ignores.is_empty() {
            failures.push(format!(
                "{}: needs at least one trigger and one ignore example",
                meta.id
            ));
        }
        for (samples, expected) in [(meta.examples.triggers, true), (meta.examples.ignores, false)] {
            for sample in samples {
                let fired = testing::sample_findings(sample).iter().any(|f| f.rule_id == meta.id);
                if fired != expected {
                    let verb = if expected { "does not fire on" } else { "fires on" };
                    failures.push(format!("{} {verb} {sample}", meta.id));
                }
            }
        }
    }
    assert!(failures.is_empty(), "rule examples failing:\n{}", failures.join("\n"));
}

#[test]
fn every_sample_is_used_and_well_formed() {
    let used: HashSet<&str> = rules::all()
        .iter()
        .flat_map(|r| {
            let ex = r.meta().examples;
            ex.triggers.iter().chain(ex.ignores).copied().collect::<Vec<_>>()
        })
        .collect();
    let mut problems = Vec::new();
    let mut event_ids = HashSet::new();
    for sample in all_samples() {
        if !used.contains(sample.as_str()) {
            problems.push(format!("{sample}: not an example of any rule"));
        }
        let text = std::fs::read_to_string(testing::events_dir().join(&sample)).unwrap();
        let v: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{sample}: {e}"));
                continue;
            }
        };
        let field = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("");
        let source = field("/detail/eventSource");
        let service = source.strip_suffix(".amazonaws.com").unwrap_or("?");
        let (folder, file) = sample.rsplit_once('/').unwrap_or(("", &sample));
        let name = file.trim_end_matches(".json").split('-').next().unwrap_or("");
        let checks = [
            (
                field("/detail-type") == "AWS API Call via CloudTrail",
                "detail-type is not the CloudTrail API call",
            ),
            (
                field("/version") == "0" && !field("/id").is_empty(),
                "envelope needs version \"0\" and an id",
            ),
            (
                field("/source") == format!("aws.{service}"),
                "source must be aws.<service of eventSource>",
            ),
            (folder == service, "folder must be the service of eventSource"),
            (
                field("/detail/eventName") == name,
                "file name must start with the eventName",
            ),
            (
                field("/account") == field("/detail/recipientAccountId"),
                "account must equal recipientAccountId",
            ),
            (
                field("/region") == field("/detail/awsRegion"),
                "region must equal awsRegion",
            ),
            (
                field("/time") == field("/detail/eventTime"),
                "time must equal eventTime",
            ),
            (
                event_ids.insert(field("/detail/eventID").to_owned()),
                "eventID missing or used by another sample",
            ),
        ];
        problems.extend(
            checks
                .iter()
                .filter(|(ok, _)| !ok)
                .map(|(_, why)| format!("{sample}: {why}")),
        );
    }
    assert!(problems.is_empty(), "sample problems:\n{}", problems.join("\n"));
}
