//! One scheduled run: collect the inventory, save it for the detector's lookups, judge it
//! (posture checks on each resource, attack paths across them) and alert each **new** failure
//! through the alerting protocol, once per resource and check.
//!
//! "New" is kept in the state table: `posture-open#<detection id>#<severity>#<dedupe key>`
//! (the dedupe key names the resource, or the path) lives while the failure is seen (each run
//! renews it for [`REOPEN_AFTER_SECS`]). A failure already open is not alerted again; one that
//! was fixed and came back after its marker expired is alerted anew, and so is one whose
//! severity changed (a role trusted by a partner that becomes public). The marker is written only after the alert went out, so a run that
//! fails halfway alerts the rest when it runs again.
//!
//! The markers are the only deduplication: failures are delivered with no dedupe window
//! (`AlertPolicy::dedupe_window_override_secs` 0). A window would merge the retry of an alert
//! that could not be sent (its snapshot, and so its delivery id, is newer) into the window the
//! failed attempt opened, and the alert would never go out.

use aidr_engine::alerting::{AlertPolicy, Outcome, deliver};
use std::collections::{BTreeMap, BTreeSet};

use aidr_aws::inventory::GLOBAL;
use aidr_engine::inventory::{Gap, GapReason, Inventory, types};
use aidr_engine::ports::{InventorySource, Publisher, Records, StateStore};
use aidr_engine::{Finding, Pipeline};
use serde::Serialize;
use tracing::{debug, error, info, warn};

/// How long an open failure's marker lives without being seen again: three days, so one
/// missed daily run does not alert everything again.
pub const REOPEN_AFTER_SECS: i64 = 3 * 86_400;

/// Everything one run needs; built once per cold start.
pub struct InventoryRun<C, S, P> {
    pub source: C,
    pub pipeline: Pipeline,
    /// Keeps the inventory documents and the open-failure markers (the state table).
    pub store: S,
    pub publisher: P,
    /// Who is alerted; its dedupe window is not used (see the module documentation).
    pub policy: AlertPolicy,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub resources: usize,
    /// Calls that could not be made (not permitted, not available…), reported not fatal.
    pub gaps: usize,
    /// Failures found this run (posture findings and attack paths).
    pub failures: usize,
    /// New failures alerted.
    pub alerted: usize,
    /// Failures already open (alerted by an earlier run).
    pub open: usize,
    /// New failures silenced by policy (judged again on each run, not marked open), or
    /// already delivered (by a run that failed after alerting them).
    pub quiet: usize,
    /// Failures whose alert could not be sent (retried on the next run).
    pub errors: usize,
    /// Open failures not seen because of a gap, kept open.
    pub hidden: usize,
    /// Attack paths beyond [`MAX_PATHS`], not alerted this run.
    pub paths_left_out: usize,
    /// Whether the inventory could be saved for the detector.
    pub saved: bool,
}

/// A run that alerted only part of what it found; the next run alerts the rest.
#[derive(Debug, thiserror::Error)]
#[error("{errors} of {failures} failures could not be alerted (first: {first}); they are alerted on the next run")]
pub struct RunError {
    pub errors: usize,
    pub failures: usize,
    pub first: String,
}

impl From<RunError> for lambda_runtime::Diagnostic {
    fn from(e: RunError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: "Aidr.FailuresNotAlerted".into(),
            error_message: e.to_string(),
        }
    }
}

/// The most attack paths one run alerts (the most severe; paths multiply with the resources
/// they join, and a pager should not get thousands). The rest are counted and logged.
pub const MAX_PATHS: usize = 200;

/// How long an account's index of open markers lives without a run: 30 days.
pub const INDEX_SECS: i64 = 30 * 86_400;

/// The key of an account's index of open markers.
pub fn index_key(account: &str) -> String {
    format!("posture-open-index#{account}")
}

/// Whether `gap` hides a failure of a resource listed by `service` in `region`: the gap is
/// not "not available" (no resource exists where a service does not), and it is the member
/// role or the account's regions that failed (`sts`, `account`: nothing of the account was
/// seen), or the same service in the same region (or a `global` gap of that service).
pub fn hides(gap: &Gap, region: &str, service: &str) -> bool {
    gap.reason != GapReason::NotAvailable
        && (matches!(gap.service.as_str(), "sts" | "account")
            || (gap.service == service && (gap.region == region || gap.region == GLOBAL)))
}

/// The key of a failure's open marker.
pub fn open_key(f: &Finding) -> String {
    format!("posture-open#{}#{}#{}", f.rule_id, f.severity.as_str(), f.dedupe_key)
}

impl<C, S, P> InventoryRun<C, S, P>
where
    C: InventorySource,
    S: StateStore + Records,
    P: Publisher,
{
    /// The failures of an inventory: each posture check's finding on each resource, then the
    /// [`MAX_PATHS`] most severe attack paths as findings; and how many paths were left out.
    pub fn failures(&self, inventory: &Inventory) -> (Vec<Finding>, usize) {
        let mut failures: Vec<Finding> = inventory
            .resources
            .iter()
            .flat_map(|r| self.pipeline.assess(r))
            .collect();
        let paths = aidr_engine::paths::find(inventory, self.pipeline.organization());
        let left_out = paths.len().saturating_sub(MAX_PATHS);
        failures.extend(paths.iter().take(MAX_PATHS).filter_map(|p| p.finding(inventory)));
        (failures, left_out)
    }

    /// One run at `now` (Unix seconds).
    ///
    /// # Errors
    /// A [`RunError`] when some new failure could not be alerted (the run is retried; what was
    /// alerted is not alerted again).
    pub async fn handle(&self, now: i64) -> Result<Summary, RunError> {
        let inventory = self.source.collect(now).await;
        let mut summary = Summary {
            resources: inventory.resources.len(),
            gaps: inventory.gaps.len(),
            ..Summary::default()
        };
        for gap in &inventory.gaps {
            warn!(account = %gap.account, region = %gap.region, service = %gap.service, operation = %gap.operation, reason = ?gap.reason, message = %gap.message, "not listed");
        }
        match aidr_aws::inventory::save(&self.store, &inventory, now).await {
            Ok(_) => summary.saved = true,
            Err(e) => error!(error = %e, "the inventory could not be saved for the detector's lookups"),
        }
        let (failures, left_out) = self.failures(&inventory);
        summary.failures = failures.len();
        summary.paths_left_out = left_out;
        if left_out > 0 {
            warn!(
                left_out,
                max = MAX_PATHS,
                "attack paths beyond the most severe were not alerted: see `aidr paths`"
            );
        }
        summary.hidden = self.keep_hidden_open(&inventory, now).await;
        let mut open: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut mark_open = |f: &Finding, key: &str| {
            let service = f.resource().and_then(|r| types::service(&r.resource_type));
            if let (Some(account), Some(service)) = (&f.account, service) {
                let region = f.region.as_deref().unwrap_or(GLOBAL);
                open.entry(account.clone())
                    .or_default()
                    .push(format!("{region}|{service}|{key}"));
            }
        };
        let policy = AlertPolicy {
            dedupe_window_override_secs: Some(0),
            ..self.policy.clone()
        };
        let mut first_error = None;
        for f in &failures {
            let key = open_key(f);
            match self.store.get(&key, now).await {
                Ok(Some(_)) => {
                    summary.open += 1;
                    mark_open(f, &key);
                    if let Err(e) = self.store.set(&key, 1, now + REOPEN_AFTER_SECS).await {
                        warn!(key, error = %e, "the open failure's marker could not be renewed");
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    summary.errors += 1;
                    first_error.get_or_insert_with(|| format!("{key}: {e}"));
                    continue;
                }
            }
            match deliver(f, &self.store, &self.publisher, &policy, now).await {
                Ok(Outcome::Silenced(why)) => {
                    // Not marked open: it alerts once the policy lets it (a lower minimum
                    // severity, a suppression lifted).
                    summary.quiet += 1;
                    debug!(rule = f.rule_id, resource = %f.dedupe_key, why, "failure not alerted");
                }
                Ok(outcome) => {
                    if outcome == Outcome::Alerted {
                        summary.alerted += 1;
                    } else {
                        summary.quiet += 1;
                    }
                    info!(rule = f.rule_id, resource = %f.dedupe_key, ?outcome, "new failure");
                    mark_open(f, &key);
                    if let Err(e) = self.store.set(&key, 1, now + REOPEN_AFTER_SECS).await {
                        warn!(key, error = %e, "the open failure's marker could not be written: it may be alerted again");
                    }
                }
                Err(e) => {
                    summary.errors += 1;
                    error!(rule = f.rule_id, resource = %f.dedupe_key, error = %e, "the new failure could not be alerted");
                    first_error.get_or_insert_with(|| format!("{}: {e}", f.rule_id));
                }
            }
        }
        self.write_indexes(&inventory, open, now).await;
        info!(?summary, "inventory run");
        match first_error {
            None => Ok(summary),
            Some(first) => Err(RunError {
                errors: summary.errors,
                failures: summary.failures,
                first,
            }),
        }
    }

    /// Renews the live open markers of the regions the run has gaps in; returns how many.
    async fn keep_hidden_open(&self, inventory: &Inventory, now: i64) -> usize {
        let mut gapped: BTreeMap<&str, Vec<&Gap>> = BTreeMap::new();
        for gap in inventory.gaps.iter().filter(|g| !g.account.is_empty()) {
            gapped.entry(&gap.account).or_default().push(gap);
        }
        let mut kept = 0;
        for (account, gaps) in gapped {
            let index = match self.store.members(&index_key(account), now).await {
                Ok(index) => index,
                Err(e) => {
                    warn!(account, error = %e, "the index of open failures could not be read: failures hidden by gaps may alert again");
                    continue;
                }
            };
            for member in &index.members {
                let mut parts = member.splitn(3, '|');
                let (Some(region), Some(service), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
                    continue;
                };
                if !gaps.iter().any(|g| hides(g, region, service)) {
                    continue;
                }
                if let Ok(Some(_)) = self.store.get(key, now).await {
                    match self.store.set(key, 1, now + REOPEN_AFTER_SECS).await {
                        Ok(()) => kept += 1,
                        Err(e) => warn!(key, error = %e, "a hidden failure's marker could not be renewed"),
                    }
                }
            }
        }
        kept
    }

    /// Adds this run's open markers to each account's index; an account of the run's scopes
    /// seen without gaps gets its index rewritten to them (fixed failures leave it).
    async fn write_indexes(&self, inventory: &Inventory, mut open: BTreeMap<String, Vec<String>>, now: i64) {
        let scoped: BTreeSet<String> = inventory.scopes.iter().map(|s| s.account.clone()).collect();
        let accounts: BTreeSet<String> = scoped.iter().cloned().chain(open.keys().cloned()).collect();
        for account in &accounts {
            let members = open.remove(account).unwrap_or_default();
            let key = index_key(account);
            // Seen whole: in the run's scopes, and nothing hidden by a gap.
            let complete = scoped.contains(account)
                && !inventory
                    .gaps
                    .iter()
                    .any(|g| &g.account == account && g.reason != GapReason::NotAvailable);
            let written = async {
                if complete {
                    self.store.remove(&key).await?;
                }
                if !members.is_empty() {
                    self.store.append(&key, &members, now + INDEX_SECS, now).await?;
                }
                Ok::<(), aidr_engine::ports::StateError>(())
            };
            if let Err(e) = written.await {
                warn!(account, error = %e, "the index of open failures could not be written");
            }
        }
    }
}
