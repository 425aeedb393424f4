//! The soak: a mix of events ([`super::mix`]) through one real detector process against moto,
//! in SQS batches as the deployed stack delivers them, failed messages delivered again; then
//! what came out compared with what one in-process pipeline makes of the same batches
//! ([`super::expected`]), with the detector's memory at checkpoints and the rate.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aidr_engine::alerting::AlertPolicy;
use aidr_engine::{Organization, Pipeline, Registry};
use aws_config::SdkConfig;

use super::mix::{Composition, mixed};
use super::{Delivered, Outcomes, Queued, deliver_batch, expected, memory_mb, observed, queue};
use crate::Stack;
use crate::runtime_api::{Runtime, function_binary};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Events to deliver (about: the mix rounds to whole sources).
    pub events: usize,
    /// Messages per SQS batch (the template's event source mapping takes up to 1,000).
    pub batch: usize,
    /// Days of the LLMjacking generator's traffic the mix draws from (its attacks start on day 9).
    pub days: u32,
    /// The detector binary's build profile: `debug` or `release`.
    pub profile: String,
    /// After how many events the detector's memory is read (and at the end).
    pub checkpoints: Vec<usize>,
}

/// The detector's memory after some events: `VmHWM` and `VmRSS`, MB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    pub events: usize,
    pub peak_mb: f64,
    pub resident_mb: f64,
}

/// What a soak did and found.
#[derive(Debug, Clone)]
pub struct Report {
    pub events: usize,
    pub composition: Composition,
    pub delivered: Delivered,
    /// Function errors (invocations failed as a whole), each with the function's answer.
    pub function_errors: Vec<String>,
    /// Messages that never succeeded.
    pub undelivered: Vec<String>,
    /// Seconds from the first invocation to the last answer.
    pub seconds: f64,
    pub memory: Vec<Memory>,
    pub expected: Outcomes,
    pub observed: Outcomes,
}

impl Report {
    /// Events per second of the delivery.
    pub fn rate(&self) -> f64 {
        self.events as f64 / self.seconds.max(1e-9)
    }

    /// Every broken promise, one line each: function errors, messages never done, and the
    /// alerts, counts and sets that differ from the expected ones.
    pub fn broken(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .function_errors
            .iter()
            .map(|e| format!("function error: {e}"))
            .collect();
        out.extend(self.undelivered.iter().map(|e| format!("not delivered: {e}")));
        out.extend(self.observed.differences(&self.expected));
        out
    }
}

/// Runs a soak of `options` on a new stack of `config`; `scratch` receives the generator's
/// log files.
///
/// # Panics
/// When the harness itself fails (the generator, the in-process pipeline on the in-memory
/// store, moto); the detector's failures are reported in the [`Report`].
pub async fn run(config: SdkConfig, options: &Options, scratch: PathBuf) -> Report {
    let clock = Instant::now();
    let (records, composition) = mixed(options.events, options.days, &scratch).expect("the generator's traffic");
    eprintln!(
        "soak: {} events mixed in {:.1} s",
        records.len(),
        clock.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&scratch);
    let messages: Vec<Queued> = queue(&records, "m");
    drop(records);
    let batches: Vec<Vec<&Queued>> = messages.chunks(options.batch).map(|c| c.iter().collect()).collect();
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), Some(Default::default()));
    let want = expected(&pipeline, &batches, &AlertPolicy::default())
        .await
        .expect("the in-process pipeline on the in-memory store");
    eprintln!(
        "soak: expected outcome computed in {:.1} s",
        clock.elapsed().as_secs_f64()
    );

    let stack = Stack::create(config, true).await;
    let mut env = stack.detector_env();
    env.push(("AIDR_LOOKUPS", "off".into()));
    env.push(("RUST_LOG", "warn".into()));
    let mut rt = Runtime::start(&function_binary("detector", &options.profile), &env);
    rt.wait_ready();
    let mut report = Report {
        events: messages.len(),
        composition,
        delivered: Delivered::default(),
        function_errors: Vec::new(),
        undelivered: Vec::new(),
        seconds: 0.0,
        memory: Vec::new(),
        expected: want,
        observed: Outcomes::default(),
    };
    let mut checkpoints = options.checkpoints.iter().copied().peekable();
    let (mut sent, started) = (0, Instant::now());
    for batch in &batches {
        // A function error makes Lambda deliver the whole batch again.
        for attempt in 0..3 {
            match deliver_batch(&mut rt, batch, Duration::from_millis(200), Duration::from_secs(60)) {
                Ok(done) => {
                    report.delivered += done;
                    break;
                }
                Err(e) if e.starts_with("function error") && attempt < 2 => report.function_errors.push(e),
                Err(e) => {
                    report.undelivered.push(e);
                    break;
                }
            }
        }
        sent += batch.len();
        while checkpoints.next_if(|&c| c <= sent).is_some() {
            let (peak_mb, resident_mb) = memory_mb(rt.pid());
            report.memory.push(Memory {
                events: sent,
                peak_mb,
                resident_mb,
            });
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    let (peak_mb, resident_mb) = memory_mb(rt.pid());
    if report.memory.last().is_none_or(|m| m.events != sent) {
        report.memory.push(Memory {
            events: sent,
            peak_mb,
            resident_mb,
        });
    }
    eprintln!("soak: delivered in {:.1} s", report.seconds);
    report.observed = observed(&stack, report.expected.alert_count(), Duration::from_secs(20)).await;
    report
}
