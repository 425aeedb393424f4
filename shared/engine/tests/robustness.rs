//! Bad input never panics: every sample, cut short at many places, with bytes flipped, and with
//! each field of its record replaced by values of other JSON types, goes through the whole
//! catalog and the stateful detections; errors are reported, nothing panics.

use aidr_engine::input::Layout;
use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_engine::stateful::StatefulSettings;
use aidr_engine::{Evaluation, Finding, Organization, Pipeline, Registry};
use aidr_testkit::samples::events_dir;
use serde_json::{Value, json};

fn pipeline() -> Pipeline {
    Pipeline::new(
        Registry::builtin(),
        Organization::default(),
        Some(StatefulSettings::default()),
    )
}

fn samples() -> Vec<String> {
    let mut out = Vec::new();
    for service in std::fs::read_dir(events_dir()).unwrap() {
        for file in std::fs::read_dir(service.unwrap().path()).unwrap() {
            out.push(std::fs::read_to_string(file.unwrap().path()).unwrap());
        }
    }
    out
}

#[test]
fn truncated_and_corrupted_samples_do_not_panic() {
    let engine = pipeline();
    let mut read = 0;
    for text in samples() {
        let bytes = text.as_bytes();
        for cut in (0..bytes.len()).step_by(23) {
            let e = engine.read(&bytes[..cut], Layout::Stream, "cut");
            let whole = text[..cut].trim_end() == text.trim_end();
            assert!(e.records == 0 || whole, "a cut envelope is not a record");
            read += 1;
        }
        for at in (0..bytes.len()).step_by(41) {
            let mut flipped = bytes.to_vec();
            flipped[at] ^= 0x5a;
            engine.read(&flipped, Layout::Lines, "flipped");
            read += 1;
        }
    }
    assert!(read > 1000);
}

#[test]
fn every_field_with_every_type_does_not_panic() {
    let engine = pipeline();
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let others = [
        json!(null),
        json!(7),
        json!(-1.5),
        json!(true),
        json!("x"),
        json!([1, "a"]),
        json!({"k": {}}),
    ];
    for text in samples() {
        let envelope: Value = serde_json::from_str(&text).unwrap();
        let detail = envelope["detail"].as_object().unwrap().clone();
        for (field, _) in &detail {
            for other in &others {
                let mut changed = detail.clone();
                changed.insert(field.clone(), other.clone());
                for section in [
                    "requestParameters",
                    "responseElements",
                    "additionalEventData",
                    "userIdentity",
                ] {
                    if let Some(Value::Object(inner)) = detail.get(section) {
                        for key in inner.keys() {
                            let mut deep = detail.clone();
                            deep[section][key] = other.clone();
                            let e = engine.read(Value::Object(deep).to_string().as_bytes(), Layout::Stream, "deep");
                            assert!(e.records + e.errors.len() as u64 == 1);
                            evaluations.push(e);
                        }
                    }
                }
                let e = engine.read(Value::Object(changed).to_string().as_bytes(), Layout::Stream, "field");
                assert_eq!(e.records + e.errors.len() as u64, 1, "each record is read or reported");
                evaluations.push(e);
            }
        }
    }
    // The odd records that still were Bedrock calls go through the stateful detections too.
    assert!(evaluations.iter().any(|e| !e.observations.is_empty()));
    let mut findings: Vec<Finding> = Vec::new();
    now_or_never(engine.finish(&mut evaluations, &MemoryStore::default(), &mut findings))
        .expect("memory store never waits")
        .expect("memory store never fails");
}
