//! Per-event handler time, network excluded: the detector's handler on the in-memory state
//! store and a publisher that only records the finding, for a benign event (no rule consumes it), an
//! event a rule reads but does not flag, and an alerting event (a new event id each time, so
//! every iteration claims, opens a window, and publishes).
//!
//! `cargo bench -p detector --bench handler`

use aidr_engine::alerting::AlertPolicy;
use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_engine::{Organization, Pipeline, Registry};
use aidr_testkit::recording::{RecordingDeadLetters, RecordingPublisher};
use aidr_testkit::samples::events_dir;
use criterion::{Criterion, criterion_group, criterion_main};
use detector::handler::Detector;
use serde_json::value::RawValue;

fn sample(name: &str) -> String {
    std::fs::read_to_string(events_dir().join(name)).unwrap()
}

fn bench(c: &mut Criterion) {
    let detector = Detector {
        pipeline: Pipeline::new(Registry::builtin(), Organization::default(), Some(Default::default())).into(),
        store: MemoryStore::default(),
        publisher: RecordingPublisher::default(),
        dead_letters: RecordingDeadLetters::default(),
        policy: AlertPolicy::default(),
        lookups: None::<aidr_engine::enrich::Resolver<aidr_aws::lookup::AwsLookup>>,
        objects: aidr_testkit::objects::MemoryObjects::default(),
        trail_buckets: Vec::new(),
        mode: detector::handler::Mode::Live,
    };
    let run = |payload: &RawValue| now_or_never(detector.handle(payload, 1_800_000_000)).unwrap().unwrap();
    let mut benign: serde_json::Value = serde_json::from_str(&sample("iam/AttachRolePolicy-readonly.json")).unwrap();
    benign["detail"]["eventSource"] = "sts.amazonaws.com".into();
    benign["detail"]["eventName"] = "AssumeRole".into();
    let benign = RawValue::from_string(benign.to_string()).unwrap();
    let read_not_flagged = RawValue::from_string(sample("iam/AttachRolePolicy-readonly.json")).unwrap();
    let alerting = sample("bedrock/DeleteGuardrail.json");
    let id = serde_json::from_str::<serde_json::Value>(&alerting).unwrap()["detail"]["eventID"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut group = c.benchmark_group("handler");
    group.bench_function("benign event (no rule consumes it)", |b| b.iter(|| run(&benign)));
    group.bench_function("consumed, not flagged", |b| b.iter(|| run(&read_not_flagged)));
    let mut n = 0u64;
    group.bench_function("alerting event (claim, window, publish)", |b| {
        b.iter_batched(
            || {
                n += 1;
                // A new event id and a new guardrail: a new dedupe key, so every run alerts.
                let text = alerting
                    .replace(&id, &format!("{id}-{n}"))
                    .replace("gr7k2m9x4q1z", &format!("gr{n}"));
                RawValue::from_string(text).unwrap()
            },
            |payload| run(&payload),
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
