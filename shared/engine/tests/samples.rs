//! Every detection of the built-in registry, of every kind, against its own samples: those that
//! must make it fire do, those that must not do not; and every sample file is used and
//! well-formed.

use aidr_engine::{DetectionKind, Registry};
use aidr_testkit::samples::{check_samples, repo_root};
use serde_json::Value;

#[test]
fn every_detection_gives_its_verdict_on_its_samples() {
    let problems = check_samples(&Registry::builtin());
    assert!(problems.is_empty(), "sample problems:\n{}", problems.join("\n"));
}

/// A posture check that consumes several resource types (custom and imported models) proves
/// its verdict on each: a snapshot of every type must fire and one must not.
#[test]
fn every_posture_check_has_samples_of_each_type_it_consumes() {
    let registry = Registry::builtin();
    let type_of = |path: &str| {
        let text = std::fs::read_to_string(repo_root().join(path)).unwrap_or_default();
        let item: Value = serde_json::from_str(&text).unwrap_or_default();
        item["resourceType"].as_str().unwrap_or_default().to_owned()
    };
    let mut problems = Vec::new();
    let checks = registry
        .detections()
        .iter()
        .filter(|d| d.kind() == DetectionKind::Posture);
    for m in checks.map(|d| d.metadata()) {
        for (verdict, paths) in [
            ("must fire", m.samples.must_fire),
            ("must not fire", m.samples.must_not_fire),
        ] {
            let types: Vec<String> = paths.iter().map(|p| type_of(p)).collect();
            for kind in m.resource_types {
                if !types.iter().any(|t| t == kind) {
                    problems.push(format!("{}: no {kind} sample that {verdict}", m.id));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
