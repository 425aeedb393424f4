//! One identity invoked Bedrock in many regions.

use std::collections::{BTreeMap, BTreeSet};

use super::keys::key;
use super::{BuiltinStateful, Job, Signal, bedrock};
use crate::detection::{AlertScope, DAY, DedupeScope, Metadata, Samples};
use crate::ports::StateError;
use crate::severity::{Area, Severity};

pub const DETECTION: BuiltinStateful = BuiltinStateful {
    metadata: Metadata {
        id: "bedrock.llmjacking_region_fan_out",
        title: "One identity invoked Bedrock in many regions",
        severity: Severity::High,
        area: Area::Model,
        techniques: &["T1496", "T1535"],
        description: "One access key invoked models in at least the threshold (default 3) of regions with no pause \
            longer than the window (default 1 hour): attackers spread across regions to multiply quotas.",
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
            must_fire: &[
                "samples/stateful/region_fan_out.json",
                "samples/stateful/region_fan_out-invalid-probes.json",
            ],
            must_not_fire: &["samples/stateful/region_fan_out-two-regions.json"],
        },
    },
    judge: |job| Box::pin(judge(job)),
};

/// Adds the regions each key invoked in this batch to its set (`llm#regions#acct#id`);
/// reports the key when the set reaches the threshold.
async fn judge(job: Job<'_>) -> Result<Vec<Signal<'_>>, StateError> {
    let s = job.settings;
    let mut regions: BTreeMap<(&str, &str), (BTreeSet<String>, usize)> = BTreeMap::new();
    for (k, g) in job.invocations() {
        let entry = regions.entry((k.0, k.1)).or_insert((BTreeSet::new(), g.last));
        entry.0.insert(k.4.to_string());
        if job.batch.at(g.last).time >= job.batch.at(entry.1).time {
            entry.1 = g.last;
        }
    }
    let mut signals = Vec::new();
    for ((acct, id), (seen, last)) in regions {
        let t = job.batch.at(last).time;
        let seen: Vec<String> = seen.into_iter().collect();
        let set = job
            .store
            .append(&key(&["regions", acct, id]), &seen, t + s.fan_out_window_secs, t)
            .await?;
        if set.members.len() >= s.fan_out_regions {
            let list: Vec<&str> = set.members.iter().map(String::as_str).collect();
            let detail = format!("invoked models in {} regions ({})", list.len(), list.join(", "));
            signals.push(job.signal(Severity::High, last, detail, vec![job.batch.at(last).event_id.clone()]));
        }
    }
    Ok(signals)
}
