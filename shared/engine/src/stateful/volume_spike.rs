//! Bedrock invocations far above the principal's own baseline.

use super::keys::key;
use super::{BuiltinStateful, Job, Signal, bedrock};
use crate::detection::{AlertScope, DAY, DedupeScope, Metadata, Samples};
use crate::ports::StateError;
use crate::severity::{Area, Severity};

pub const DETECTION: BuiltinStateful = BuiltinStateful {
    metadata: Metadata {
        id: "bedrock.llmjacking_volume_spike",
        title: "Bedrock invocations far above the principal's own baseline",
        severity: Severity::Medium,
        area: Area::Model,
        techniques: &["T1496", "AML.T0034"],
        description: "A principal's invocations of one model in the current hour reached the floor (default 100) and \
            the factor (default 5x) times the 95th percentile of its own hourly counts in the hours it was active \
            over the trailing history (default 7 days), pro-rated to the part of the hour elapsed (at least a \
            quarter), so a spike is caught within minutes. Principals with fewer than 24 active hours are left to \
            the first-seen detection. Sessions of one application role count as the role. High with a long-term key.",
        remediation: bedrock::CONTAIN,
        controls: &[],
        events: bedrock::INVOKE,
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::Incident,
            window_secs: DAY,
        },
        samples: Samples {
            must_fire: &["samples/stateful/volume_spike.json"],
            must_not_fire: &["samples/stateful/volume_spike-below-floor.json"],
        },
    },
    judge: |job| Box::pin(judge(job)),
};

/// Hours with invocations a principal needs in its history before its volume is judged.
const MIN_ACTIVE_HOURS: i64 = 24;

/// The 95th percentile (nearest rank) of `values`.
pub(super) fn p95(values: &mut [i64]) -> i64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = ((values.len() as f64) * 0.95).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// Counts each group's invocations in its hour (`llm#vol#acct#principal#model#hour`) and, when
/// the hour's count passes a checkpoint (floor, 2 x floor, 4 x floor, …), judges it against
/// the principal's own history.
async fn judge(job: Job<'_>) -> Result<Vec<Signal<'_>>, StateError> {
    let s = job.settings;
    let mut signals = Vec::new();
    for ((acct, _, principal, model, _, hour), g) in job.invocations() {
        let t = job.batch.at(g.last).time;
        let keep = (hour + 1) * 3600 + s.volume_history_hours * 3600;
        let total = job
            .count(
                &key(&["vol", acct, principal, model, &hour.to_string()]),
                g.count,
                g.last,
                keep,
            )
            .await?;
        let previous = total - g.count;
        let passed = std::iter::successors(Some(s.volume_floor), |cp| cp.checked_mul(2))
            .take_while(|&cp| cp <= total)
            .any(|cp| cp > previous);
        if !passed {
            continue;
        }
        let keys: Vec<String> = (hour - s.volume_history_hours..*hour)
            .map(|h| key(&["vol", acct, principal, model, &h.to_string()]))
            .collect();
        let mut active: Vec<i64> = job
            .store
            .get_many(&keys, t)
            .await?
            .into_iter()
            .flatten()
            .map(|i| i.value)
            .filter(|v| *v > 0)
            .collect();
        if (active.len() as i64) < MIN_ACTIVE_HOURS {
            continue; // too little history: new and rare principals are the first-seen detection's
        }
        let baseline = p95(&mut active);
        // Judged as the hour goes: against the part of the hour elapsed (at least a quarter).
        let elapsed = (t - hour * 3600 + 1).clamp(900, 3600) as f64 / 3600.0;
        if (total as f64) >= s.volume_factor * baseline as f64 * elapsed {
            let o = job.batch.at(g.last);
            let severity = if o.long_term() {
                Severity::High
            } else {
                Severity::Medium
            };
            let detail = format!(
                "{total} invocations of {model} in {} minutes; {baseline} an hour at the 95th percentile of its active hours",
                (elapsed * 60.0).round()
            );
            signals.push(job.signal(severity, g.last, detail, vec![o.event_id.clone()]));
        }
    }
    Ok(signals)
}
