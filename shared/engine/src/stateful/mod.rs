//! Stateful LLMjacking detections: what an access key does over time, kept in the engine's
//! [`StateStore`] so the same logic runs in `aidr scan` (in memory) and in the detector Lambda
//! (DynamoDB).
//!
//! Records become [`Observation`]s; [`Tracker::observe`] takes a batch of them (an SQS batch in
//! the Lambda, a slice of the time-ordered replay in the CLI), aggregates it in memory, and
//! writes state at most once per distinct key per batch. Signals about the same access key are
//! correlated into one incident, reported when it opens, when another detection joins it and
//! when its severity rises; each report lists every contributing event id so far, and reports
//! of one incident at one severity share a dedupe key, so they make one alert.
//!
//! Time is event time (`eventTime`), never arrival time: windows are judged on event times,
//! and an item is live while its `expires_at` (event time + window) is later than the event
//! being judged. Late or out-of-order events therefore land in the windows they belong to as
//! long as those have not been deleted, and windows only ever grow forward.
//!
//! State keys (every item expires; `acct` account, `id` access key or principal ARN):
//! - `llm#learn#acct`: first Bedrock invocation time seen in the account (2 years);
//! - `llm#seen#acct#p#principal`, `…#pm#principal#model`, `…#r#region`, `…#pr#principal#region`,
//!   `…#ip#prefix`: first-seen markers, value = first time (`first_seen_ttl_secs`);
//! - `llm#enable_at#acct#id` / `llm#enable_ids#…`: last model enablement and its event ids;
//!   `llm#recon_at#…` / `llm#recon_ids#…`: last recon by a long-term key (their windows);
//! - `llm#breadth#acct#id`: distinct recon/enablement/evasion actions (sliding window);
//! - `llm#probe#acct#id`: failed-call counter (sliding window);
//! - `llm#vol#acct#principal#model#hour`: invocations in that hour (kept for the history);
//! - `llm#regions#acct#id`: regions invoked (sliding window);
//! - `llm#incident#acct#id`: the incident's signals and event ids (sliding window).

pub mod observe;
pub mod rules;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use observe::{Interner, Kind, Observation, observe};

use crate::finding::Finding;
use crate::principal::Principal;
use crate::rule::Meta;
use crate::severity::Severity;
use crate::state::{StateError, StateStore};

/// Windows and thresholds of the stateful detections (defaults in [`Config::default`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Enablement then invocation by the same key within this many seconds (3600).
    pub enablement_window_secs: i64,
    /// Recon then invocation by the same long-term key within this many seconds (900).
    pub recon_window_secs: i64,
    /// Distinct recon / enablement / evasion actions by one key (5) …
    pub breadth_threshold: usize,
    /// … with no pause longer than this many seconds (86400).
    pub breadth_window_secs: i64,
    /// Failed invocations or listings by one key (10) …
    pub probe_threshold: i64,
    /// … with no pause longer than this many seconds (600).
    pub probe_window_secs: i64,
    /// First-seen detections record but do not report for this long after an account's first
    /// Bedrock invocation seen (7 days).
    pub learning_secs: i64,
    /// How long a first-seen marker is remembered (400 days).
    pub first_seen_ttl_secs: i64,
    /// Hourly invocations of one model by one principal must reach this floor (100) …
    pub volume_floor: i64,
    /// … and this factor (5) times the 95th percentile of the principal's own hourly counts …
    pub volume_factor: f64,
    /// … over this many trailing hours (168).
    pub volume_history_hours: i64,
    /// Regions invoked by one key (3) …
    pub fan_out_regions: usize,
    /// … with no pause longer than this many seconds (3600).
    pub fan_out_window_secs: i64,
    /// Signals for one key with no pause longer than this many seconds form one incident (86400).
    pub incident_window_secs: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enablement_window_secs: 3600,
            recon_window_secs: 900,
            breadth_threshold: 5,
            breadth_window_secs: 86_400,
            probe_threshold: 10,
            probe_window_secs: 600,
            learning_secs: 7 * 86_400,
            first_seen_ttl_secs: 400 * 86_400,
            volume_floor: 100,
            volume_factor: 5.0,
            volume_history_hours: 168,
            fan_out_regions: 3,
            fan_out_window_secs: 3600,
            incident_window_secs: 86_400,
        }
    }
}

impl Config {
    /// Changes one setting by its field name (`probe_threshold`, `volume_factor`, …), as given
    /// on the command line or in the Lambda's environment.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let int = |v: &str| v.trim().parse::<i64>().ok().filter(|n| *n > 0);
        let bad = || format!("{name}: {value:?} is not a positive number");
        match name {
            "volume_factor" => {
                self.volume_factor = value.trim().parse::<f64>().ok().filter(|f| *f > 0.0).ok_or_else(bad)?;
                return Ok(());
            }
            "breadth_threshold" | "fan_out_regions" => {
                let n = int(value).ok_or_else(bad)? as usize;
                *(if name == "breadth_threshold" {
                    &mut self.breadth_threshold
                } else {
                    &mut self.fan_out_regions
                }) = n;
                return Ok(());
            }
            _ => {}
        }
        let field = match name {
            "enablement_window_secs" => &mut self.enablement_window_secs,
            "recon_window_secs" => &mut self.recon_window_secs,
            "breadth_window_secs" => &mut self.breadth_window_secs,
            "probe_threshold" => &mut self.probe_threshold,
            "probe_window_secs" => &mut self.probe_window_secs,
            "learning_secs" => &mut self.learning_secs,
            "first_seen_ttl_secs" => &mut self.first_seen_ttl_secs,
            "volume_floor" => &mut self.volume_floor,
            "volume_history_hours" => &mut self.volume_history_hours,
            "fan_out_window_secs" => &mut self.fan_out_window_secs,
            "incident_window_secs" => &mut self.incident_window_secs,
            _ => return Err(format!("unknown stateful setting {name:?}")),
        };
        *field = int(value).ok_or_else(bad)?;
        Ok(())
    }

    /// Applies `name=value` settings separated by commas (empty parts are ignored).
    pub fn apply(&mut self, settings: &str) -> Result<(), String> {
        for part in settings.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not name=value"))?;
            self.set(name.trim(), value)?;
        }
        Ok(())
    }
}

/// Hours with invocations a principal needs in its history before its volume is judged.
const MIN_ACTIVE_HOURS: i64 = 24;

/// Most event ids an incident keeps (its reports list them).
pub const INCIDENT_EVENTS: usize = 50;

/// One detection that fired on one observation of the batch.
#[derive(Debug, Clone)]
struct Signal {
    meta: &'static Meta,
    severity: Severity,
    /// Index of the observation that completed the signal.
    at: usize,
    detail: String,
    event_ids: Vec<String>,
}

/// (account, identity, principal, model, region, hour) of a group of invocations.
type GroupKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, i64);

/// Invocations of one model by one principal and key, in one region and hour, in one batch.
#[derive(Debug)]
struct Group {
    first: usize,
    last: usize,
    count: i64,
    prefixes: BTreeSet<String>,
}

fn key(parts: &[&str]) -> String {
    let mut k = String::from("llm");
    for p in parts {
        k.push('#');
        k.push_str(p);
    }
    k
}

/// The 95th percentile (nearest rank) of `values`.
fn p95(values: &mut [i64]) -> i64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = ((values.len() as f64) * 0.95).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// The severity of an incident from its signal tags (`signal:<rule id>:<severity>`): the worst
/// signal, and at least high once two different detections concern the same key.
fn incident_severity(tags: &BTreeSet<String>) -> Option<Severity> {
    let signals: Vec<(&str, Severity)> = tags
        .iter()
        .filter_map(|t| t.strip_prefix("signal:"))
        .filter_map(|t| t.rsplit_once(':'))
        .filter_map(|(rule, sev)| Some((rule, sev.parse().ok()?)))
        .collect();
    let worst = signals.iter().map(|(_, s)| *s).max()?;
    let rules: BTreeSet<&str> = signals.iter().map(|(r, _)| *r).collect();
    Some(if rules.len() >= 2 {
        worst.max(Severity::High)
    } else {
        worst
    })
}

/// Runs the stateful detections.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    pub config: Config,
}

impl Tracker {
    /// A tracker with the given windows and thresholds.
    pub fn new(config: Config) -> Tracker {
        Tracker { config }
    }

    /// Judges a batch of observations (any order; they are taken in event-time order) and
    /// returns the incident findings it opens or raises.
    pub async fn observe<S: StateStore>(&self, batch: &[Observation], store: &S) -> Result<Vec<Finding>, StateError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by(|&a, &b| (batch[a].time, &batch[a].event_id).cmp(&(batch[b].time, &batch[b].event_id)));
        let mut signals = Vec::new();
        self.control(batch, &order, store, &mut signals).await?;
        self.probing(batch, &order, store, &mut signals).await?;
        self.invocations(batch, &order, store, &mut signals).await?;
        self.incidents(batch, signals, store).await
    }

    /// Recon, enablement and evasion calls: breadth, and the markers the sequences look for.
    async fn control<S: StateStore>(
        &self,
        batch: &[Observation],
        order: &[usize],
        store: &S,
        signals: &mut Vec<Signal>,
    ) -> Result<(), StateError> {
        let c = &self.config;
        for &i in order.iter().filter(|&&i| batch[i].kind != Kind::Invoke) {
            let o = &batch[i];
            let (acct, id, t) = (&*o.account, &*o.identity, o.time);
            let actions = store
                .append(
                    &key(&["breadth", acct, id]),
                    &[o.action.to_string()],
                    t + c.breadth_window_secs,
                    t,
                )
                .await?;
            if actions.members.len() >= c.breadth_threshold {
                let list: Vec<&str> = actions.members.iter().map(String::as_str).collect();
                signals.push(Signal {
                    meta: &rules::BREADTH,
                    severity: Severity::High,
                    at: i,
                    detail: format!("{} distinct LLMjacking actions ({})", list.len(), list.join(", ")),
                    event_ids: vec![o.event_id.clone()],
                });
            }
            if o.failed {
                continue;
            }
            let marker = match o.kind {
                Kind::Enable => Some(("enable", c.enablement_window_secs)),
                Kind::Recon if o.long_term() => Some(("recon", c.recon_window_secs)),
                _ => None,
            };
            if let Some((what, window)) = marker {
                store
                    .set(&key(&[&format!("{what}_at"), acct, id]), t, t + window)
                    .await?;
                store
                    .append(
                        &key(&[&format!("{what}_ids"), acct, id]),
                        std::slice::from_ref(&o.event_id),
                        t + window,
                        t,
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Failed invocations and listings, counted once per key per batch.
    async fn probing<S: StateStore>(
        &self,
        batch: &[Observation],
        order: &[usize],
        store: &S,
        signals: &mut Vec<Signal>,
    ) -> Result<(), StateError> {
        let c = &self.config;
        let mut probes: BTreeMap<(&str, &str), (i64, usize)> = BTreeMap::new();
        for &i in order.iter().filter(|&&i| batch[i].probe) {
            let entry = probes
                .entry((&*batch[i].account, &*batch[i].identity))
                .or_insert((0, i));
            *entry = (entry.0 + 1, i);
        }
        for ((acct, id), (n, last)) in probes {
            let t = batch[last].time;
            let total = store
                .add(&key(&["probe", acct, id]), n, t + c.probe_window_secs, t)
                .await?;
            if total >= c.probe_threshold && total - n < c.probe_threshold {
                signals.push(Signal {
                    meta: &rules::PROBING,
                    severity: Severity::Medium,
                    at: last,
                    detail: format!("{total} denied or invalid Bedrock calls"),
                    event_ids: vec![batch[last].event_id.clone()],
                });
            }
        }
        Ok(())
    }

    /// Successful invocations: sequences, first-seen, volume and fan-out.
    async fn invocations<S: StateStore>(
        &self,
        batch: &[Observation],
        order: &[usize],
        store: &S,
        signals: &mut Vec<Signal>,
    ) -> Result<(), StateError> {
        let c = &self.config;
        let mut groups: BTreeMap<GroupKey<'_>, Group> = BTreeMap::new();
        for &i in order
            .iter()
            .filter(|&&i| batch[i].kind == Kind::Invoke && !batch[i].failed)
        {
            let o = &batch[i];
            let principal = &*o.baseline;
            let model = o.model.as_deref().unwrap_or("unknown-model");
            let g = groups
                .entry((
                    &o.account,
                    &o.identity,
                    principal,
                    model,
                    &o.region,
                    o.time.div_euclid(3600),
                ))
                .or_insert(Group {
                    first: i,
                    last: i,
                    count: 0,
                    prefixes: BTreeSet::new(),
                });
            g.last = i;
            g.count += 1;
            g.prefixes.extend(o.ip_prefix.iter().map(|p| p.to_string()));
        }
        if groups.is_empty() {
            return Ok(());
        }
        let now = batch[order[0]].time;

        // Sequences: an enablement (any key) or a recon (long-term key) shortly before.
        let identities: BTreeSet<(&str, &str)> = groups.keys().map(|k| (k.0, k.1)).collect();
        let marker_keys: Vec<String> = identities
            .iter()
            .flat_map(|(acct, id)| [key(&["enable_at", acct, id]), key(&["recon_at", acct, id])])
            .collect();
        let markers = store.get_many(&marker_keys, now).await?;
        for (n, (acct, id)) in identities.iter().enumerate() {
            let (enable, recon) = (markers[2 * n], markers[2 * n + 1]);
            let sequences = [
                (
                    enable,
                    &rules::ENABLEMENT_THEN_USE,
                    "enable_ids",
                    c.enablement_window_secs,
                    "model access was enabled",
                ),
                (
                    recon,
                    &rules::RECON_THEN_USE,
                    "recon_ids",
                    c.recon_window_secs,
                    "a long-term key looked around",
                ),
            ];
            for (marker, meta, ids_key, window, what) in sequences {
                let Some(at) = marker.map(|m| m.value) else { continue };
                // The earliest invocation of the key inside the window (groups span an hour at
                // most, so their first and last calls bound them).
                let hit = groups
                    .iter()
                    .filter(|(k, _)| k.0 == *acct && k.1 == *id)
                    .flat_map(|(_, g)| [g.first, g.last])
                    .filter(|&i| (at..=at + window).contains(&batch[i].time))
                    .min_by_key(|&i| batch[i].time);
                let Some(i) = hit else { continue };
                let mut event_ids: Vec<String> = store
                    .members(&key(&[ids_key, acct, id]), now)
                    .await?
                    .members
                    .into_iter()
                    .collect();
                event_ids.push(batch[i].event_id.clone());
                signals.push(Signal {
                    meta,
                    severity: Severity::High,
                    at: i,
                    detail: format!(
                        "{what}, then the key invoked {} {} s later",
                        batch[i].action,
                        batch[i].time - at
                    ),
                    event_ids,
                });
            }
        }

        self.first_seen(batch, &groups, store, signals).await?;

        // Volume against the principal's own history, judged when the hour's count passes a
        // checkpoint (floor, 2 x floor, 4 x floor, …).
        for (&(acct, _, principal, model, _, hour), g) in &groups {
            let t = batch[g.last].time;
            let keep = (hour + 1) * 3600 + c.volume_history_hours * 3600;
            let total = store
                .add(
                    &key(&["vol", acct, principal, model, &hour.to_string()]),
                    g.count,
                    keep,
                    t,
                )
                .await?;
            let previous = total - g.count;
            let passed = std::iter::successors(Some(c.volume_floor), |cp| cp.checked_mul(2))
                .take_while(|&cp| cp <= total)
                .any(|cp| cp > previous);
            if !passed {
                continue;
            }
            let first_hour = hour - c.volume_history_hours;
            let keys: Vec<String> = (first_hour..hour)
                .map(|h| key(&["vol", acct, principal, model, &h.to_string()]))
                .collect();
            let mut active: Vec<i64> = store
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
            if (total as f64) >= c.volume_factor * baseline as f64 * elapsed {
                let o = &batch[g.last];
                signals.push(Signal {
                    meta: &rules::VOLUME_SPIKE,
                    severity: if o.long_term() {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    at: g.last,
                    detail: format!(
                        "{total} invocations of {model} in {} minutes; {baseline} an hour at the 95th percentile of its active hours",
                        (elapsed * 60.0).round()
                    ),
                    event_ids: vec![o.event_id.clone()],
                });
            }
        }

        // Fan-out: regions invoked by one key.
        let mut regions: BTreeMap<(&str, &str), (BTreeSet<String>, usize)> = BTreeMap::new();
        for (k, g) in &groups {
            let entry = regions.entry((k.0, k.1)).or_insert((BTreeSet::new(), g.last));
            entry.0.insert(k.4.to_owned());
            if batch[g.last].time >= batch[entry.1].time {
                entry.1 = g.last;
            }
        }
        for ((acct, id), (seen, last)) in regions {
            let t = batch[last].time;
            let seen: Vec<String> = seen.into_iter().collect();
            let set = store
                .append(&key(&["regions", acct, id]), &seen, t + c.fan_out_window_secs, t)
                .await?;
            if set.members.len() >= c.fan_out_regions {
                let list: Vec<&str> = set.members.iter().map(String::as_str).collect();
                signals.push(Signal {
                    meta: &rules::REGION_FAN_OUT,
                    severity: Severity::High,
                    at: last,
                    detail: format!("invoked models in {} regions ({})", list.len(), list.join(", ")),
                    event_ids: vec![batch[last].event_id.clone()],
                });
            }
        }
        Ok(())
    }

    /// First use by a principal, of a model, in a region, and from a new network prefix.
    async fn first_seen<S: StateStore>(
        &self,
        batch: &[Observation],
        groups: &BTreeMap<GroupKey<'_>, Group>,
        store: &S,
        signals: &mut Vec<Signal>,
    ) -> Result<(), StateError> {
        let c = &self.config;
        // The learning period of each account starts at its first invocation seen.
        let mut learning_until: HashMap<&str, i64> = HashMap::new();
        for (k, g) in groups {
            if learning_until.contains_key(k.0) {
                continue;
            }
            let t = batch[g.first].time;
            let learn = key(&["learn", k.0]);
            store.insert_if_absent(&learn, t, t + 730 * 86_400, t).await?;
            let since = store.get(&learn, t).await?.map_or(t, |i| i.value);
            learning_until.insert(k.0, since + c.learning_secs);
        }

        // Markers of this batch, each written at most once, by the earliest group needing it.
        let facets = |k: &GroupKey<'_>, g: &Group| -> Vec<(String, String)> {
            let (acct, _, principal, model, region, _) = *k;
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
        };
        let mut wanted: Vec<String> = groups.iter().flat_map(|(k, g)| facets(k, g)).map(|(k, _)| k).collect();
        wanted.sort();
        wanted.dedup();
        let now = groups.values().map(|g| batch[g.first].time).min().unwrap_or(0);
        let known: BTreeSet<String> = wanted
            .iter()
            .zip(store.get_many(&wanted, now).await?)
            .filter_map(|(k, item)| item.map(|_| k.clone()))
            .collect();
        let mut created: BTreeSet<String> = BTreeSet::new();
        let mut by_time: Vec<(&GroupKey<'_>, &Group)> = groups.iter().collect();
        by_time.sort_by_key(|(_, g)| (batch[g.first].time, g.first));
        for (k, g) in by_time {
            let o = &batch[g.first];
            let mut new = Vec::new();
            let mut new_network = false;
            for (marker, what) in facets(k, g) {
                if known.contains(&marker) || created.contains(&marker) {
                    continue;
                }
                if store
                    .insert_if_absent(&marker, o.time, o.time + c.first_seen_ttl_secs, o.time)
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
            signals.push(Signal {
                meta: &rules::FIRST_SEEN,
                severity,
                at: g.first,
                detail: new.join(", "),
                event_ids: vec![o.event_id.clone()],
            });
        }
        Ok(())
    }

    /// Correlates signals per key into incidents; reports an incident when it opens, when
    /// another detection joins it, and when its severity rises. Reports share a dedupe key per
    /// (key, severity), so alerting sends one alert per incident and severity. Per key and
    /// batch the incident is read once and written once; it keeps the first detail of each
    /// detection and at most [`INCIDENT_EVENTS`] event ids.
    async fn incidents<S: StateStore>(
        &self,
        batch: &[Observation],
        mut signals: Vec<Signal>,
        store: &S,
    ) -> Result<Vec<Finding>, StateError> {
        signals.sort_by_key(|s| (batch[s.at].time, s.at));
        let mut by_key: BTreeMap<(&str, &str), Vec<Signal>> = BTreeMap::new();
        for signal in signals {
            let o = &batch[signal.at];
            by_key.entry((&*o.account, &*o.identity)).or_default().push(signal);
        }
        let mut findings = Vec::new();
        for ((acct, id), signals) in by_key {
            let first_time = batch[signals[0].at].time;
            let last_time = batch[signals[signals.len() - 1].at].time;
            let incident = key(&["incident", acct, id]);
            let mut tags = store.members(&incident, first_time).await?.members;
            let mut added = Vec::new();
            for signal in &signals {
                let before = incident_severity(&tags);
                let kind = format!("signal:{}:", signal.meta.id);
                let seen_kind = tags.iter().any(|t| t.starts_with(&kind));
                let mut new = vec![format!("{kind}{}", signal.severity)];
                if !seen_kind {
                    new.push(format!("detail:{}: {}", signal.meta.title, signal.detail));
                }
                let room = INCIDENT_EVENTS.saturating_sub(tags.iter().filter(|t| t.starts_with("event:")).count());
                new.extend(signal.event_ids.iter().take(room).map(|e| format!("event:{e}")));
                new.retain(|t| !tags.contains(t));
                tags.extend(new.iter().cloned());
                added.extend(new);
                let Some(severity) = incident_severity(&tags) else {
                    continue;
                };
                if seen_kind && before.is_some_and(|b| b >= severity) {
                    continue; // a repeat of a detection the incident already reported
                }
                findings.push(self.finding(&batch[signal.at], signal, severity, &tags));
            }
            if !added.is_empty() {
                store
                    .append(
                        &incident,
                        &added,
                        last_time + self.config.incident_window_secs,
                        last_time,
                    )
                    .await?;
            }
        }
        Ok(findings)
    }

    fn finding(&self, o: &Observation, signal: &Signal, severity: Severity, tags: &BTreeSet<String>) -> Finding {
        let meta = signal.meta;
        let details: Vec<&str> = tags.iter().filter_map(|t| t.strip_prefix("detail:")).collect();
        let event_ids: Vec<String> = tags
            .iter()
            .filter_map(|t| t.strip_prefix("event:"))
            .map(str::to_owned)
            .collect();
        let summary = format!(
            "{} (key {}) — LLMjacking incident in account {} ({}): {}",
            o.principal.name,
            o.identity,
            o.account,
            o.region,
            details.join("; ")
        );
        Finding {
            rule_id: meta.id.to_owned(),
            severity,
            title: meta.title.to_owned(),
            area: meta.area,
            techniques: meta.techniques.iter().map(|t| (*t).to_owned()).collect(),
            summary,
            account: Some(o.account.to_string()),
            region: Some(o.region.to_string()),
            event_time: Some(crate::time::format_secs(o.time)),
            event_ids,
            event_source: "bedrock.amazonaws.com".into(),
            event_name: o.action.to_string(),
            error_code: None,
            principal: Principal::clone(&o.principal),
            resources: o.model.iter().chain([&o.identity]).map(|r| r.to_string()).collect(),
            source_ip: o.source_ip.as_deref().map(str::to_owned),
            user_agent: None,
            dedupe_key: format!("bedrock.llmjacking|{}|{}|{}", o.account, o.identity, severity),
            remediation: meta.remediation.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests;
