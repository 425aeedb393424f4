//! The inventory run in-process: sample inventories as the source, the in-memory state store
//! and the testkit's recording publisher. What is alerted is counted against the engine's own
//! answers (`Pipeline::assess` on each snapshot, `paths::find`), run after run.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Mutex;

use aidr_aws::inventory::{RESOURCE_PREFIX, RUN_PREFIX};
use aidr_engine::alerting::AlertPolicy;
use aidr_engine::detection::DAY;
use aidr_engine::inventory::types::SAGEMAKER_NOTEBOOK;
use aidr_engine::inventory::{Gap, GapReason, Inventory};
use aidr_engine::ports::{FailureKind, InventorySource, MemoryStore, Records, now_or_never};
use aidr_engine::time::format_secs;
use aidr_engine::{Finding, Organization, Pipeline, Registry, Severity, paths};
use aidr_testkit::recording::RecordingPublisher;
use inventory::handler::{InventoryRun, MAX_PATHS, REOPEN_AFTER_SECS, RunError, Summary};

/// 2026-03-10T08:00:00Z, when the sample inventories were collected.
const NOW: i64 = 1_773_129_600;

/// The sample inventories with failures: every kind of attack path, and two accounts with
/// most posture failures.
const SAMPLES: &[&str] = &[
    "inventory/two-accounts.json",
    "paths/notebook_to_admin.json",
    "paths/llmjacking.json",
    "paths/data_poisoning.json",
    "paths/open_gateway.json",
];

fn load(name: &str) -> Inventory {
    let path = format!("{}/../../samples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The accounts as the collector sees them at each run: `inventory`'s resources, each stamped
/// with the run's time (the collector stamps what it reads). What they hold can change between
/// runs.
struct Accounts(Mutex<Inventory>);

impl Accounts {
    fn new(inventory: Inventory) -> Accounts {
        Accounts(Mutex::new(inventory))
    }

    fn set(&self, inventory: Inventory) {
        *self.0.lock().unwrap() = inventory;
    }
}

impl InventorySource for Accounts {
    fn collect(&self, now: i64) -> impl Future<Output = Inventory> + Send {
        std::future::ready(stamped(&self.0.lock().unwrap(), now))
    }
}

/// `inventory` as collected at `now`.
fn stamped(inventory: &Inventory, now: i64) -> Inventory {
    let mut seen = inventory.clone();
    seen.collected_at = format_secs(now);
    for r in &mut seen.resources {
        r.captured_at = Some(format_secs(now));
    }
    seen
}

type Run<C> = InventoryRun<C, MemoryStore, RecordingPublisher>;

fn run_on<C: InventorySource>(source: C) -> Run<C> {
    InventoryRun {
        source,
        pipeline: Pipeline::new(Registry::builtin(), Organization::default(), None),
        store: MemoryStore::default(),
        publisher: RecordingPublisher::default(),
        policy: AlertPolicy::default(),
    }
}

fn handle<C: InventorySource>(run: &Run<C>, now: i64) -> Result<Summary, RunError> {
    now_or_never(run.handle(now)).expect("in-memory ports never wait")
}

/// What must alert on `inventory`, by the engine's own answers: each posture finding of each
/// snapshot, then each attack path as a finding.
fn expected(inventory: &Inventory) -> Vec<Finding> {
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), None);
    let mut out: Vec<Finding> = inventory.resources.iter().flat_map(|r| pipeline.assess(r)).collect();
    let found = paths::find(inventory, &Organization::default());
    assert!(
        found.iter().all(|p| p.finding(inventory).is_some()),
        "every path starts at a resource of the inventory"
    );
    out.extend(found.iter().filter_map(|p| p.finding(inventory)));
    out
}

/// Findings as `(rule, dedupe key)`, sorted.
fn keys(findings: &[Finding]) -> Vec<(String, String)> {
    let mut keys: Vec<_> = findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.dedupe_key.clone()))
        .collect();
    keys.sort();
    keys
}

/// The alerts published so far, as `(rule, dedupe key)`, sorted.
fn alerted(run: &Run<impl InventorySource>) -> Vec<(String, String)> {
    keys(&run.publisher.alerts())
}

#[test]
fn the_first_run_alerts_each_failure_and_each_path_once_and_saves_the_inventory() {
    for name in SAMPLES {
        let inventory = load(name);
        let want = expected(&inventory);
        let paths = paths::find(&inventory, &Organization::default());
        assert!(!paths.is_empty() && want.len() > paths.len(), "{name}");
        let run = run_on(inventory.clone());
        let summary = handle(&run, NOW).unwrap();
        assert_eq!(
            summary,
            Summary {
                resources: inventory.resources.len(),
                gaps: inventory.gaps.len(),
                failures: want.len(),
                alerted: want.len(),
                saved: true,
                ..Summary::default()
            },
            "{name}"
        );
        // Each failure once: as many alerts as failures, none about the same thing twice.
        let got = alerted(&run);
        assert_eq!(got, keys(&want), "{name}");
        let distinct: BTreeSet<_> = got.iter().collect();
        assert_eq!(distinct.len(), got.len(), "{name}: an alert repeats another");
        let path_alerts = got.iter().filter(|(rule, _)| rule.starts_with("path.")).count();
        assert_eq!(path_alerts, paths.len(), "{name}");
        assert!(run.publisher.messages().iter().all(|m| m.count == 1));

        // The snapshots, as the detector looks them up, and a summary per account.
        for r in &inventory.resources {
            let doc = now_or_never(run.store.get_record(&format!("{RESOURCE_PREFIX}{}", r.arn), NOW))
                .unwrap()
                .unwrap()
                .unwrap_or_else(|| panic!("{name}: {} not saved", r.arn));
            assert_eq!(doc, serde_json::to_value(r).unwrap());
        }
        let accounts: BTreeSet<&str> = inventory.scopes.iter().map(|s| s.account.as_str()).collect();
        for account in accounts {
            let summary = now_or_never(run.store.get_record(&format!("{RUN_PREFIX}{account}"), NOW))
                .unwrap()
                .unwrap()
                .unwrap_or_else(|| panic!("{name}: no run summary of {account}"));
            assert_eq!(summary["collected_at"], inventory.collected_at.as_str());
        }
    }
}

#[test]
fn the_next_runs_alert_nothing_while_the_failures_stay_open() {
    for name in SAMPLES {
        let inventory = load(name);
        let failures = expected(&inventory).len();
        // The same snapshots (a fixed inventory), and the accounts collected anew each day.
        let fixed = run_on(inventory.clone());
        let live = run_on(Accounts::new(inventory));
        // Daily runs, some missed, never as long as a marker lives.
        for (n, day) in [0, 1, 2, 4, 6].into_iter().enumerate() {
            let now = NOW + day * DAY;
            for (alerts, summary) in [
                (fixed.publisher.alerts().len(), handle(&fixed, now).unwrap()),
                (live.publisher.alerts().len(), handle(&live, now).unwrap()),
            ] {
                assert_eq!(summary.failures, failures, "{name}");
                if n == 0 {
                    assert_eq!((alerts, summary.alerted), (0, failures), "{name}");
                } else {
                    assert_eq!(
                        (alerts, summary.alerted, summary.open),
                        (failures, 0, failures),
                        "{name}"
                    );
                }
            }
        }
        assert_eq!(fixed.publisher.messages().len(), failures, "{name}");
        assert_eq!(live.publisher.messages().len(), failures, "{name}");
    }
}

#[test]
fn a_failure_not_seen_until_its_marker_expired_alerts_again() {
    let inventory = load("paths/notebook_to_admin.json");
    let notebook = inventory.of_type(SAGEMAKER_NOTEBOOK).next().unwrap().arn.clone();
    let about_notebook = |fs: &[Finding]| -> Vec<(String, String)> {
        let mine: Vec<Finding> = fs
            .iter()
            .filter(|f| f.dedupe_key.contains(&notebook))
            .cloned()
            .collect();
        keys(&mine)
    };
    let all = expected(&inventory);
    let notebook_failures = about_notebook(&all);
    assert!(
        notebook_failures.len() > 1,
        "the notebook fails checks and starts paths"
    );
    let mut without = inventory.clone();
    without.resources.retain(|r| r.arn != notebook);

    // Runs at NOW (everything), a day later (the notebook gone, the rest still failing), and
    // at `back` (the notebook back): the summary of the last run and what it alerted.
    let notebook_back_at = |back: i64| {
        let run = run_on(Accounts::new(inventory.clone()));
        assert_eq!(handle(&run, NOW).unwrap().alerted, all.len());
        run.source.set(without.clone());
        let gone = handle(&run, NOW + DAY).unwrap();
        assert_eq!((gone.alerted, gone.open), (0, all.len() - notebook_failures.len()));
        run.source.set(inventory.clone());
        let summary = handle(&run, back).unwrap();
        (summary, keys(&run.publisher.alerts()[all.len()..]))
    };
    // The notebook's markers were last renewed at NOW: still open one second before they
    // expire, alerted anew once they have.
    let (open, none) = notebook_back_at(NOW + REOPEN_AFTER_SECS - 1);
    assert_eq!((open.alerted, open.open, none.len()), (0, all.len(), 0));
    let (reopened, alerts) = notebook_back_at(NOW + REOPEN_AFTER_SECS);
    assert_eq!(
        (reopened.alerted, reopened.open),
        (notebook_failures.len(), all.len() - notebook_failures.len())
    );
    assert_eq!(alerts, notebook_failures);
}

/// A failure the run could not see because its listing failed (a gap) has not been fixed: when
/// the listing works again it is still open, however long the gap lasted.
#[test]
fn a_failure_hidden_by_a_gap_is_not_alerted_again() {
    let inventory = load("paths/notebook_to_admin.json");
    let notebook = inventory.of_type(SAGEMAKER_NOTEBOOK).next().unwrap().clone();
    let mut gapped = inventory.clone();
    gapped.resources.retain(|r| r.resource_type != SAGEMAKER_NOTEBOOK);
    gapped.gaps.push(Gap {
        account: notebook.account.clone(),
        region: notebook.region.clone(),
        service: "sagemaker".into(),
        operation: "ListNotebookInstances".into(),
        reason: GapReason::Throttled,
        message: "Rate exceeded".into(),
    });
    let run = run_on(Accounts::new(inventory.clone()));
    let all = handle(&run, NOW).unwrap().alerted;
    run.source.set(gapped);
    handle(&run, NOW + DAY).unwrap();
    handle(&run, NOW + 2 * DAY).unwrap();
    run.source.set(inventory);
    let back = handle(&run, NOW + REOPEN_AFTER_SECS).unwrap();
    assert_eq!((back.alerted, back.open), (0, all), "{back:?}");
}

/// A gap of another service, or a service not available in the region, hides nothing of the
/// notebook: once it is gone three days its failures are alerted again when it is back.
#[test]
fn a_gap_elsewhere_does_not_keep_a_failure_open() {
    let inventory = load("paths/notebook_to_admin.json");
    let notebook = inventory.of_type(SAGEMAKER_NOTEBOOK).next().unwrap().clone();
    for (service, reason) in [
        ("bedrock", GapReason::Throttled),
        ("sagemaker", GapReason::NotAvailable),
    ] {
        let mut gapped = inventory.clone();
        gapped.resources.retain(|r| r.resource_type != SAGEMAKER_NOTEBOOK);
        gapped.gaps.push(Gap {
            account: notebook.account.clone(),
            region: notebook.region.clone(),
            service: service.into(),
            operation: "List".into(),
            reason,
            message: "no".into(),
        });
        let run = run_on(Accounts::new(inventory.clone()));
        let all = handle(&run, NOW).unwrap().alerted;
        run.source.set(gapped);
        let during = handle(&run, NOW + DAY).unwrap();
        assert_eq!(during.hidden, 0, "{service} {reason:?}");
        handle(&run, NOW + 2 * DAY).unwrap();
        run.source.set(inventory.clone());
        let back = handle(&run, NOW + REOPEN_AFTER_SECS).unwrap();
        assert_eq!(back.alerted, all, "{service} {reason:?}: {back:?}");
    }
}

#[test]
fn a_publisher_failure_fails_the_run_and_the_next_run_alerts_only_the_rest() {
    let full = load("inventory/two-accounts.json");
    // The first run sees one account only.
    let mut first_account = full.clone();
    first_account.resources.retain(|r| r.account == "111122223333");
    let early = expected(&first_account).len();
    let all = expected(&full);
    assert!(early > 0 && all.len() > early);

    let run = run_on(Accounts::new(first_account));
    assert_eq!(handle(&run, NOW).unwrap().alerted, early);
    run.source.set(full.clone());
    run.publisher.set_outage(Some(FailureKind::Transient));
    let failed = handle(&run, NOW + DAY).unwrap_err();
    assert_eq!((failed.errors, failed.failures), (all.len() - early, all.len()));
    assert!(failed.first.contains("topic unavailable"), "{failed}");
    assert_eq!(run.publisher.alerts().len(), early);

    // Lambda retries the run a minute later; the topic is back.
    run.publisher.set_outage(None);
    let retried = handle(&run, NOW + DAY + 60).unwrap();
    assert_eq!(
        (retried.alerted, retried.open, retried.quiet, retried.errors),
        (all.len() - early, early, 0, 0)
    );
    assert_eq!(alerted(&run), keys(&all));
    assert_eq!(handle(&run, NOW + 2 * DAY).unwrap().alerted, 0);
}

#[test]
fn a_run_that_alerted_nothing_alerts_everything_when_retried_on_the_same_snapshots() {
    let inventory = load("paths/llmjacking.json");
    let all = expected(&inventory);
    let run = run_on(inventory);
    run.publisher.set_outage(Some(FailureKind::Permanent));
    let failed = handle(&run, NOW).unwrap_err();
    assert_eq!((failed.errors, failed.failures), (all.len(), all.len()));
    run.publisher.set_outage(None);
    let retried = handle(&run, NOW + 60).unwrap();
    assert_eq!(retried.alerted, all.len());
    assert_eq!(alerted(&run), keys(&all));
}

#[test]
fn a_failure_whose_severity_changed_alerts_again() {
    let inventory = load("paths/data_poisoning.json");
    let role = "arn:aws:iam::111122223333:role/partner-data-loader";
    // The partner's trust opens to anyone: the role's check and its path become critical.
    let mut public = inventory.clone();
    let snapshot = public.resources.iter_mut().find(|r| r.arn == role).unwrap();
    snapshot.configuration["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = serde_json::json!({"AWS": "*"});
    let before = expected(&inventory);
    let after = expected(&public);
    let changed: Vec<Finding> = after.iter().filter(|f| !before.contains(f)).cloned().collect();
    assert_eq!(
        changed
            .iter()
            .map(|f| (f.rule_id.as_str(), f.severity.as_str()))
            .collect::<Vec<_>>(),
        [
            ("iam.ai_role_trusted_outside_organization", "critical"),
            ("path.data_poisoning", "critical")
        ]
    );

    let run = run_on(Accounts::new(inventory));
    handle(&run, NOW).unwrap();
    run.source.set(public);
    let sent = run.publisher.alerts().len();
    let summary = handle(&run, NOW + DAY).unwrap();
    assert_eq!((summary.alerted, summary.open), (2, after.len() - 2));
    assert_eq!(keys(&run.publisher.alerts()[sent..]), keys(&changed));
}

#[test]
fn failures_below_the_minimum_severity_alert_once_it_is_lowered() {
    let inventory = load("inventory/two-accounts.json");
    let all = expected(&inventory);
    let high = all.iter().filter(|f| f.severity >= Severity::High).count();
    assert!(high > 0 && high < all.len());
    let mut run = run_on(Accounts::new(inventory));
    run.policy.min_severity = Severity::High;
    let summary = handle(&run, NOW).unwrap();
    assert_eq!((summary.alerted, summary.quiet), (high, all.len() - high));
    assert_eq!(handle(&run, NOW + DAY).unwrap().quiet, all.len() - high);
    run.policy.min_severity = Severity::Low;
    let lowered = handle(&run, NOW + 2 * DAY).unwrap();
    assert_eq!((lowered.alerted, lowered.open), (all.len() - high, high));
    assert_eq!(alerted(&run), keys(&all));
}

/// Paths multiply with what they join: one run alerts the most severe `MAX_PATHS` and counts
/// the rest, so a large account does not page thousands of times.
#[test]
fn a_run_alerts_at_most_max_paths_attack_paths() {
    let mut inventory = load("paths/llmjacking.json");
    let found = paths::find(&inventory, &Organization::default());
    let path = found
        .iter()
        .find(|p| p.kind == "path.llmjacking_without_trace")
        .expect("the fixture's path");
    let user = inventory.by_arn(&path.steps[0].arn).unwrap().clone();
    for i in 0..MAX_PATHS {
        let mut copy = user.clone();
        copy.arn = format!("{}-{i}", user.arn);
        copy.name = Some(format!("{}-{i}", user.display_name()));
        inventory.resources.push(copy);
    }
    let all = paths::find(&inventory, &Organization::default());
    assert!(all.len() > MAX_PATHS);
    let posture = Pipeline::new(Registry::builtin(), Organization::default(), None);
    let failures: usize = inventory.resources.iter().map(|r| posture.assess(r).len()).sum();
    let run = run_on(Accounts::new(inventory));
    let summary = handle(&run, NOW).unwrap();
    assert_eq!(summary.paths_left_out, all.len() - MAX_PATHS);
    assert_eq!(summary.alerted, failures + MAX_PATHS, "{summary:?}");
    let path_alerts = run
        .publisher
        .alerts()
        .iter()
        .filter(|a| a.rule_id.starts_with("path."))
        .count();
    assert_eq!(path_alerts, MAX_PATHS);
}
