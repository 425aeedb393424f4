//! A CI-sized soak: a thousand mixed events (a day of the LLMjacking generator's benign traffic,
//! the stateful detections' attack samples, alerting and benign samples in many accounts) through the real detector (debug
//! build) against moto, in SQS batches, failed messages delivered again: every expected alert
//! exactly once (expected: the same batches through the in-process pipeline once, on the
//! in-memory store), every dedupe window's occurrence count and every stateful counter and set
//! as expected, no function error. `scripts/soak` runs the full-size one with figures.

use aidr_e2e::emulator;
use aidr_e2e::load::soak::{Options, run};

#[tokio::test]
async fn a_thousand_mixed_events_alert_exactly_as_expected() {
    let Some(config) = emulator().await else { return };
    let options = Options {
        events: 1200,
        batch: 100,
        days: 1,
        profile: "debug".into(),
        checkpoints: Vec::new(),
    };
    let scratch = std::env::temp_dir().join(aidr_e2e::unique("aidr-soak"));
    let report = run(config, &options, scratch).await;
    let broken = report.broken();
    assert!(
        broken.is_empty(),
        "{} broken promise(s):\n{}",
        broken.len(),
        broken.join("\n")
    );
    let c = report.composition;
    assert!(
        c.generated_benign > 0 && c.stateful > 0 && c.alerting > 0 && c.benign > 0,
        "{c:?}"
    );
    assert!(report.expected.alert_count() > 0, "the mix alerts");
    assert!(!report.expected.counters.is_empty(), "the stateful detections count");
    eprintln!(
        "{} events ({c:?}): {} alerts on {} keys, {} updates, {} windows, {} counters; {:?}",
        report.events,
        report.observed.alert_count(),
        report.observed.alerts.len(),
        report.observed.updates.values().sum::<usize>(),
        report.observed.windows.len(),
        report.observed.counters.len(),
        report.delivered
    );
}
