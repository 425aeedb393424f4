//! First Bedrock use by a principal, of a model, or in a region (and from a new network).

use std::collections::{BTreeSet, HashMap};

use super::batch::{Group, GroupKey};
use super::keys::key;
use super::{BuiltinStateful, Job, Signal, bedrock};
use crate::detection::{AlertScope, DAY, DedupeScope, Metadata, Samples};
use crate::ports::StateError;
use crate::severity::{Area, Severity};

pub const DETECTION: BuiltinStateful = BuiltinStateful {
    metadata: Metadata {
        id: "bedrock.llmjacking_first_seen",
        title: "First Bedrock use by a principal, of a model, or in a region",
        severity: Severity::Low,
        area: Area::Model,
        techniques: &["T1078.004", "AML.T0040"],
        description: "A principal invoked Bedrock for the first time, used a model it never used, or Bedrock was used \
            in a region for the first time by the account or the principal. Low on its own; medium with a long-term \
            key or from a network prefix the account never used Bedrock from; high when another LLMjacking signal \
            concerns the same key. Nothing is reported during the learning period of each account (default 7 days \
            from its first Bedrock event seen), while the baseline is recorded.",
        remediation: "Confirm the principal is meant to use Bedrock (and this model, in this region). If not, \
            deactivate its access key and review its other activity.",
        controls: &[],
        events: bedrock::INVOKE,
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::Incident,
            window_secs: DAY,
        },
        samples: Samples {
            must_fire: &["samples/stateful/first_seen.json"],
            must_not_fire: &["samples/stateful/first_seen-known-principal.json"],
        },
    },
    judge: |job| Box::pin(judge(job)),
};

/// The first-seen markers a group of invocations may set, with what each means.
fn facets(k: &GroupKey, g: &Group) -> Vec<(String, String)> {
    let (acct, _, principal, model, region, _) = k;
    let mut v = vec![
        (
            key(&["seen", acct, "p", principal]),
            format!("first Bedrock invocation by {principal}"),
        ),
        (
            key(&["seen", acct, "pm", principal, model]),
            format!("first use of {model}"),
        ),
        (
            key(&["seen", acct, "r", region]),
            format!("first Bedrock use in {region} by the account"),
        ),
        (
            key(&["seen", acct, "pr", principal, region]),
            format!("first use of {region} by this principal"),
        ),
    ];
    v.extend(
        g.prefixes
            .iter()
            .map(|p| (key(&["seen", acct, "ip", p]), format!("from new network {p}.x"))),
    );
    v
}

/// Sets the markers of this batch's invocation groups (each at most once, by the earliest
/// group needing it) and reports the groups that set one, outside each account's learning
/// period (`llm#learn#acct`, started by its first invocation seen).
async fn judge(job: Job<'_>) -> Result<Vec<Signal<'_>>, StateError> {
    let s = job.settings;
    let (batch, store) = (job.batch, job.store);
    let groups = job.invocations();
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    // Each account's earliest invocation of the batch starts its learning period if none has.
    let mut earliest: HashMap<&str, i64> = HashMap::new();
    for (k, g) in groups {
        let t = batch.at(g.first).time;
        earliest.entry(k.0).and_modify(|e| *e = (*e).min(t)).or_insert(t);
    }
    let mut learning_until: HashMap<&str, i64> = HashMap::new();
    for (acct, t) in earliest {
        let learn = key(&["learn", acct]);
        store.insert_if_absent(&learn, t, t + 730 * 86_400, t).await?;
        let since = store.get(&learn, t).await?.map_or(t, |i| i.value);
        learning_until.insert(acct, since + s.learning_secs);
    }

    let mut wanted: Vec<String> = groups.iter().flat_map(|(k, g)| facets(k, g)).map(|(k, _)| k).collect();
    wanted.sort();
    wanted.dedup();
    let now = groups.values().map(|g| batch.at(g.first).time).min().unwrap_or(0);
    let known: BTreeSet<String> = wanted
        .iter()
        .zip(store.get_many(&wanted, now).await?)
        .filter_map(|(k, item)| item.map(|_| k.clone()))
        .collect();
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut by_time: Vec<(&GroupKey, &Group)> = groups.iter().collect();
    by_time.sort_by_key(|(_, g)| (batch.at(g.first).time, g.first));
    let mut signals = Vec::new();
    for (k, g) in by_time {
        let o = batch.at(g.first);
        let mut new = Vec::new();
        let mut new_network = false;
        for (marker, what) in facets(k, g) {
            if known.contains(&marker) || created.contains(&marker) {
                continue;
            }
            if store
                .insert_if_absent(&marker, o.time, o.time + s.first_seen_ttl_secs, o.time)
                .await?
            {
                new_network |= marker.contains("#ip#");
                new.push(what);
                created.insert(marker);
            }
        }
        let learning = o.time < learning_until.get(k.0).copied().unwrap_or(i64::MAX);
        let only_network = new.iter().all(|w| w.starts_with("from new network"));
        if new.is_empty() || learning || only_network {
            continue;
        }
        let severity = if o.long_term() || new_network {
            Severity::Medium
        } else {
            Severity::Low
        };
        signals.push(job.signal(severity, g.first, new.join(", "), vec![o.event_id.clone()]));
    }
    Ok(signals)
}
