//! A burst of denied or invalid Bedrock calls: a stolen key probing which models it may run.

use std::collections::BTreeMap;

use super::keys::key;
use super::{BuiltinStateful, Job, Signal, bedrock};
use crate::detection::{AlertScope, DAY, DedupeScope, EventKey, Metadata, Samples, join_events};
use crate::ports::StateError;
use crate::severity::{Area, Severity};

const EVENTS: [EventKey; bedrock::INVOKE.len() + bedrock::RECON.len()] =
    join_events(&[bedrock::INVOKE, bedrock::RECON]);

pub const DETECTION: BuiltinStateful = BuiltinStateful {
    metadata: Metadata {
        id: "bedrock.llmjacking_probing",
        title: "Burst of denied or invalid Bedrock calls",
        severity: Severity::Medium,
        area: Area::Model,
        techniques: &["T1496", "AML.T0040"],
        description: "One access key made at least the threshold (default 10) of invocations or model listings that \
            failed with AccessDenied or ValidationException with no pause longer than the window (default 10 \
            minutes): attackers probe which models a stolen key may run with deliberately invalid requests.",
        remediation: bedrock::CONTAIN,
        controls: &[],
        events: &EVENTS,
        resource_types: &[],
        failed_calls: true,
        alert: AlertScope {
            per: DedupeScope::Incident,
            window_secs: DAY,
        },
        samples: Samples {
            must_fire: &["samples/stateful/probing.json"],
            must_not_fire: &["samples/stateful/probing-throttled.json"],
        },
    },
    judge: |job| Box::pin(judge(job)),
};

/// True for the errors probing produces.
fn probe_error(code: &str) -> bool {
    code.contains("AccessDenied") || code == "ValidationException"
}

/// Counts the key's probes (`llm#probe#acct#id`) once per batch; reports when the count
/// crosses the threshold.
async fn judge(job: Job<'_>) -> Result<Vec<Signal<'_>>, StateError> {
    let s = job.settings;
    let mut probes: BTreeMap<(&str, &str), (i64, usize)> = BTreeMap::new();
    for (i, o) in job.observations() {
        if o.error.as_deref().is_some_and(probe_error) {
            let entry = probes.entry((&*o.account, &*o.identity)).or_insert((0, i));
            *entry = (entry.0 + 1, i);
        }
    }
    let mut signals = Vec::new();
    for ((acct, id), (n, last)) in probes {
        let t = job.batch.at(last).time;
        let total = job
            .count(&key(&["probe", acct, id]), n, last, t + s.probe_window_secs)
            .await?;
        if total >= s.probe_threshold && total - n < s.probe_threshold {
            let detail = format!("{total} denied or invalid Bedrock calls");
            signals.push(job.signal(
                Severity::Medium,
                last,
                detail,
                vec![job.batch.at(last).event_id.clone()],
            ));
        }
    }
    Ok(signals)
}
