//! The soak: EVENTS mixed CloudTrail events (default 100,000: the LLMjacking generator's month,
//! its benign traffic thinned to fit around all of its attacks; alerting, benign and stateful
//! samples copied into many accounts) through the release detector against moto, in SQS
//! batches of EventBridge events as the deployed stack delivers them, failed messages delivered
//! again. Prints the figures (events/s, the detector's VmHWM and VmRSS at 10,000 events and at
//! the end) and exits non-zero when a promise breaks: an expected alert missing or sent twice,
//! a dedupe window's count or a stateful counter or set off, a function error, a message never
//! done. Run through `scripts/soak [EVENTS]` (it builds the detector and starts moto).

use std::process::ExitCode;

use aidr_e2e::emulator;
use aidr_e2e::load::soak::{Options, run};

/// Messages per SQS batch: the template's event source mapping takes up to 1,000.
const BATCH: usize = 1000;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let events = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 100_000,
        Some(Ok(n)) if n >= 100 => n,
        Some(_) => {
            eprintln!("usage: soak [EVENTS (at least 100; default 100000)]");
            return ExitCode::from(2);
        }
    };
    let Some(config) = emulator().await else {
        eprintln!("soak: run through scripts/soak (it starts moto)");
        return ExitCode::from(2);
    };
    let options = Options {
        events,
        batch: BATCH,
        days: 30,
        profile: "release".into(),
        checkpoints: vec![10_000],
    };
    let scratch = std::env::temp_dir().join(aidr_e2e::unique("aidr-soak"));
    let report = run(config, &options, scratch).await;
    let (c, got) = (report.composition, &report.observed);
    println!(
        "{} events: {} generator attack, {} generator benign, {} alerting samples, {} benign samples, {} stateful samples",
        report.events, c.attack, c.generated_benign, c.alerting, c.benign, c.stateful
    );
    println!(
        "delivered in {:.1} s: {:.0} events/s; {} invocations of up to {BATCH} messages, {} messages delivered again",
        report.seconds,
        report.rate(),
        report.delivered.invocations,
        report.delivered.redelivered
    );
    println!(
        "alerts: {} expected on {} dedupe keys, {} published on {} keys; {} updates; {} dedupe windows, {} stateful counters, {} sets, {} events observed",
        report.expected.alert_count(),
        report.expected.alerts.len(),
        got.alert_count(),
        got.alerts.len(),
        got.updates.values().sum::<usize>(),
        got.windows.len(),
        got.counters.len(),
        got.sets.len(),
        got.observed
    );
    println!("| events | VmHWM (MB) | VmRSS (MB) |");
    println!("|---|---|---|");
    for m in &report.memory {
        println!("| {} | {:.1} | {:.1} |", m.events, m.peak_mb, m.resident_mb);
    }
    let broken = report.broken();
    if broken.is_empty() {
        println!("every promise kept: each expected alert exactly once, counts as expected, no function error");
        return ExitCode::SUCCESS;
    }
    println!("{} broken promise(s):", broken.len());
    for line in broken.iter().take(50) {
        println!("  {line}");
    }
    ExitCode::FAILURE
}
