//! The samples runner: every detection of a registry against the sample files it names, run
//! the way its kind runs (see `aidr_engine::Samples`), and the checks that keep the sample
//! folders tidy. Paths are from the repository root.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use aidr_engine::input::Layout;
use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_engine::stateful::StatefulSettings;
use aidr_engine::{DetectionKind, Finding, Organization, Pipeline, Registry, Severity};
use serde_json::Value;

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `events/` folder: one EventBridge event per file, the event rules' samples.
pub fn events_dir() -> PathBuf {
    repo_root().join("events")
}

/// The folders sample files live in, from the repository root.
pub const SAMPLE_FOLDERS: [&str; 3] = ["events", "samples/stateful", "samples/posture"];

/// The findings of the whole built-in registry on one sample file, run as a sample of `kind`:
/// an event rule's sample must hold one CloudTrail record and runs without the stateful
/// detections; a stateful detection's sample is a sequence of records run through the stateful
/// detections on a fresh in-memory store; a posture check's sample must hold one resource.
///
/// # Errors
/// A message when the file is missing or unreadable or does not have the form of its kind.
pub fn run_sample(kind: DetectionKind, path: &str, org: Organization) -> Result<Vec<Finding>, String> {
    let bytes = std::fs::read(repo_root().join(path)).map_err(|e| format!("{path}: {e}"))?;
    let stateful = (kind == DetectionKind::Stateful).then(StatefulSettings::default);
    let pipeline = Pipeline::new(Registry::builtin(), org, stateful);
    let mut evaluation = pipeline.read(&bytes, Layout::Stream, path);
    if let Some(error) = evaluation.errors.first() {
        return Err(format!("{error}"));
    }
    let (records, resources) = (evaluation.records, evaluation.resources);
    let shape = match kind {
        DetectionKind::Event => (records == 1 && resources == 0, "exactly one CloudTrail record"),
        DetectionKind::Stateful => (records >= 2 && resources == 0, "a sequence of CloudTrail records"),
        DetectionKind::Posture => (resources == 1 && records == 0, "exactly one resource snapshot"),
    };
    if !shape.0 {
        return Err(format!("{path} must hold {}", shape.1));
    }
    let mut findings = Vec::new();
    let store = MemoryStore::default();
    let finished = now_or_never(pipeline.finish(std::slice::from_mut(&mut evaluation), &store, &mut findings))
        .ok_or("the in-memory store never waits")?;
    finished.map_err(|e| format!("{path}: {e}"))?;
    Ok(findings)
}

/// Findings of the whole catalog on an event rule's sample (one EventBridge event), judged
/// with `org`. Panics when the sample is missing or malformed.
pub fn sample_findings_with(path: &str, org: Organization) -> Vec<Finding> {
    run_sample(DetectionKind::Event, path, org).unwrap_or_else(|e| panic!("sample {path}: {e}"))
}

/// Findings of the whole catalog on an event rule's sample, with no organization accounts.
pub fn sample_findings(path: &str) -> Vec<Finding> {
    sample_findings_with(path, Organization::default())
}

/// `rule_id`'s finding on an event rule's sample, `None` when it does not fire.
pub fn sample_finding(rule_id: &str, path: &str) -> Option<Finding> {
    sample_findings(path).into_iter().find(|f| f.rule_id == rule_id)
}

/// `rule_id`'s finding on a stateful detection's sample (a sequence of CloudTrail records),
/// `None` when it does not fire. Panics when the sample is missing or malformed.
pub fn stateful_finding(rule_id: &str, path: &str) -> Option<Finding> {
    let findings = run_sample(DetectionKind::Stateful, path, Organization::default())
        .unwrap_or_else(|e| panic!("sample {path}: {e}"));
    findings.into_iter().find(|f| f.rule_id == rule_id)
}

/// Severity of `rule_id`'s finding on an event rule's sample, `None` when it does not fire.
pub fn sample_severity(rule_id: &str, path: &str) -> Option<Severity> {
    sample_finding(rule_id, path).map(|f| f.severity)
}

/// Runs every detection of `registry` on its samples and checks the sample folders; returns
/// the problems found (empty when all is well):
/// - a detection without a sample that must fire and one that must not;
/// - a sample that does not give its verdict, or is missing or malformed for its kind;
/// - a file in the sample folders (of any extension) that no detection names;
/// - an event sample that is not a well-formed EventBridge envelope named after its event, a
///   sequence out of event-time order, a resource of a type its check does not consume, or an
///   event id used twice across samples.
pub fn check_samples(registry: &Registry) -> Vec<String> {
    let mut problems = Vec::new();
    let mut used = HashSet::new();
    let mut event_ids = HashSet::new();
    for detection in registry.detections() {
        let m = detection.metadata();
        let kind = detection.kind();
        if m.samples.must_fire.is_empty() || m.samples.must_not_fire.is_empty() {
            problems.push(format!("{}: needs a sample that must fire and one that must not", m.id));
        }
        for (paths, expected) in [(m.samples.must_fire, true), (m.samples.must_not_fire, false)] {
            for &path in paths {
                let first_use = used.insert(path);
                if first_use {
                    problems.extend(shape_problems(kind, path, m.resource_types, &mut event_ids));
                }
                match run_sample(kind, path, Organization::default()) {
                    Ok(findings) if findings.iter().any(|f| f.rule_id == m.id) != expected => {
                        let verb = if expected { "does not fire on" } else { "fires on" };
                        problems.push(format!("{} {verb} {path}", m.id));
                    }
                    Ok(_) => {}
                    Err(e) => problems.push(format!("{}: sample {e}", m.id)),
                }
            }
        }
    }
    for file in sample_files() {
        if !used.contains(file.as_str()) {
            problems.push(format!("{file}: not a sample of any detection"));
        }
    }
    problems
}

/// Every file in the sample folders (whatever its extension), from the repository root.
pub fn sample_files() -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    for folder in SAMPLE_FOLDERS {
        collect(&repo_root().join(folder), &repo_root(), &mut files);
    }
    files
}

fn collect(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, base, out);
        } else if let Ok(relative) = path.strip_prefix(base) {
            out.insert(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// What is wrong with the form of one sample file (beyond what [`run_sample`] checks).
fn shape_problems(
    kind: DetectionKind,
    path: &str,
    resource_types: &[&str],
    event_ids: &mut HashSet<String>,
) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join(path)).unwrap_or_default();
    let v: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return vec![format!("{path}: {e}")],
    };
    let str_at = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("").to_owned();
    let mut checks: Vec<(bool, String)> = Vec::new();
    match kind {
        DetectionKind::Event => {
            let field = |p: &str| str_at(&v, p);
            let source = field("/detail/eventSource");
            let service = source.strip_suffix(".amazonaws.com").unwrap_or("?").to_owned();
            let (folder, file) = path.rsplit_once('/').unwrap_or(("", path));
            let name = file.trim_end_matches(".json").split('-').next().unwrap_or("");
            checks.extend([
                (
                    aidr_engine::input::CLOUDTRAIL_DETAIL_TYPES.contains(&field("/detail-type").as_str()),
                    "detail-type is not one of CloudTrail's".into(),
                ),
                (
                    field("/version") == "0" && !field("/id").is_empty(),
                    "envelope needs version \"0\" and an id".into(),
                ),
                (
                    field("/source") == format!("aws.{service}"),
                    "source must be aws.<service of eventSource>".into(),
                ),
                (
                    folder == format!("events/{service}"),
                    "folder must be events/<service of eventSource>".into(),
                ),
                (
                    field("/detail/eventName") == name,
                    "file name must start with the eventName".into(),
                ),
                (
                    field("/account") == field("/detail/recipientAccountId"),
                    "account must equal recipientAccountId".into(),
                ),
                (
                    field("/region") == field("/detail/awsRegion"),
                    "region must equal awsRegion".into(),
                ),
                (
                    field("/time") == field("/detail/eventTime"),
                    "time must equal eventTime".into(),
                ),
                (
                    event_ids.insert(field("/detail/eventID")),
                    "eventID missing or used by another sample".into(),
                ),
            ]);
        }
        DetectionKind::Stateful => {
            checks.push((
                v["Records"].is_array(),
                "must be a CloudTrail log file ({\"Records\":[...]})".into(),
            ));
            let records = v["Records"].as_array().cloned().unwrap_or_default();
            let times: Vec<String> = records.iter().map(|r| str_at(r, "/eventTime")).collect();
            checks.push((
                times.windows(2).all(|w| w[0] <= w[1]),
                "records must be in eventTime order".into(),
            ));
            for record in &records {
                let id = str_at(record, "/eventID");
                checks.push((
                    event_ids.insert(id.clone()),
                    format!("eventID {id:?} missing or used by another sample"),
                ));
            }
        }
        DetectionKind::Posture => {
            let kind = str_at(&v, "/resourceType");
            checks.push((
                resource_types.contains(&kind.as_str()),
                format!("resourceType {kind:?} is not one its check consumes"),
            ));
        }
    }
    checks
        .into_iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, why)| format!("{path}: {why}"))
        .collect()
}
