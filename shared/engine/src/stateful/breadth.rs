//! One identity used many distinct LLMjacking actions (recon, enablement, evasion).

use super::keys::key;
use super::{BuiltinStateful, Job, Signal, bedrock};
use crate::detection::{AlertScope, DAY, DedupeScope, EventKey, Metadata, Samples, join_events};
use crate::ports::StateError;
use crate::severity::{Area, Severity};

const EVENTS: [EventKey; bedrock::ENABLE.len() + bedrock::RECON.len() + bedrock::EVASION.len()] =
    join_events(&[bedrock::ENABLE, bedrock::RECON, bedrock::EVASION]);

pub const DETECTION: BuiltinStateful = BuiltinStateful {
    metadata: Metadata {
        id: "bedrock.llmjacking_breadth",
        title: "One identity used many LLMjacking actions",
        severity: Severity::High,
        area: Area::Model,
        techniques: &["T1496", "T1526", "T1562.008"],
        description: "One access key called at least the threshold (default 5) of distinct Bedrock recon, enablement \
            and evasion actions with no pause longer than the window (default 24 hours); failed attempts count. \
            Ordinary applications call one or two of them.",
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
            must_fire: &["samples/stateful/breadth.json"],
            must_not_fire: &["samples/stateful/breadth-few-actions.json"],
        },
    },
    judge: |job| Box::pin(judge(job)),
};

/// Adds each call's action to the key's set (`llm#breadth#acct#id`); reports every call after
/// which the set holds the threshold or more.
async fn judge(job: Job<'_>) -> Result<Vec<Signal<'_>>, StateError> {
    let s = job.settings;
    let mut signals = Vec::new();
    for (i, o) in job.observations() {
        let (acct, id, t) = (&*o.account, &*o.identity, o.time);
        let actions = job
            .store
            .append(
                &key(&["breadth", acct, id]),
                &[o.action.to_string()],
                t + s.breadth_window_secs,
                t,
            )
            .await?;
        if actions.members.len() >= s.breadth_threshold {
            let list: Vec<&str> = actions.members.iter().map(String::as_str).collect();
            let detail = format!("{} distinct LLMjacking actions ({})", list.len(), list.join(", "));
            signals.push(job.signal(Severity::High, i, detail, vec![o.event_id.clone()]));
        }
    }
    Ok(signals)
}
