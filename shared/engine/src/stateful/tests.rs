use serde_json::json;

use std::collections::BTreeSet;

use super::incident::incident_severity;
use super::volume_spike::p95;
use super::*;
use crate::ports::{MemoryStore, StoreFuture, now_or_never};

const DAY: i64 = 86_400;
/// 2026-03-10T00:00:00Z, well after the account's learning period (warm-up 9 days before).
const T0: i64 = 1_773_100_800;

/// A Bedrock call as CloudTrail records it, observed.
#[derive(Clone)]
struct Call {
    t: i64,
    name: &'static str,
    key: &'static str,
    region: &'static str,
    model: &'static str,
    error: Option<&'static str>,
    ip: &'static str,
    user: &'static str,
}

static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Call {
    fn new(t: i64, name: &'static str, key: &'static str) -> Call {
        Call {
            t,
            name,
            key,
            region: "us-east-1",
            model: "anthropic.claude-3-haiku-20240307-v1:0",
            error: None,
            ip: "10.0.1.20",
            user: "app",
        }
    }
    fn obs(&self) -> Observation {
        let identity = if self.key.starts_with("AKIA") {
            json!({"type": "IAMUser", "arn": format!("arn:aws:iam::111122223333:user/{}", self.user),
                   "userName": self.user, "accessKeyId": self.key, "accountId": "111122223333"})
        } else {
            json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::111122223333:assumed-role/{}/s", self.user),
                   "accessKeyId": self.key, "accountId": "111122223333"})
        };
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut record = json!({
            "eventSource": "bedrock.amazonaws.com", "eventName": self.name, "awsRegion": self.region,
            "eventTime": crate::time::format_secs(self.t), "eventID": format!("ev-{n:06}"),
            "recipientAccountId": "111122223333", "sourceIPAddress": self.ip, "userIdentity": identity,
            "requestParameters": {"modelId": self.model},
        });
        if let Some(code) = self.error {
            record["errorCode"] = json!(code);
        }
        let text = record.to_string();
        let event = all()
            .iter()
            .flat_map(|d| d.metadata().events.iter().copied())
            .find(|&(_, name)| name == self.name)
            .unwrap();
        let wanted = all()
            .iter()
            .enumerate()
            .filter(|(_, d)| bedrock::is_in(d.metadata().events, event.0, event.1))
            .fold(0, |mask, (bit, _)| mask | 1 << bit);
        observe(
            &serde_json::from_str(&text).unwrap(),
            event,
            wanted,
            &mut Interner::default(),
        )
        .unwrap()
    }
}

/// Runs every built-in stateful detection, with the default settings, over one batch.
fn run(settings: &StatefulSettings, store: &MemoryStore, batch: &[Observation]) -> Vec<Finding> {
    let detections = all();
    let detections: Vec<&dyn StatefulDetection> = detections.iter().map(|d| d.as_ref()).collect();
    now_or_never(judge(&detections, &mut batch.to_vec(), store, settings))
        .unwrap()
        .unwrap()
}

/// A store whose account is past its learning period, with `app` (ASIA key) a known principal.
fn warmed() -> (StatefulSettings, MemoryStore) {
    let (settings, store) = (StatefulSettings::default(), MemoryStore::default());
    let warm = Call {
        user: "app",
        ..Call::new(T0 - 9 * DAY, "InvokeModel", "ASIAAPPKEY")
    };
    run(&settings, &store, &[warm.obs()]);
    (settings, store)
}

fn rules_of(findings: &[Finding]) -> Vec<(&str, Severity)> {
    findings.iter().map(|f| (f.rule_id.as_str(), f.severity)).collect()
}

#[test]
fn enablement_then_use_by_the_same_key() {
    let (settings, store) = warmed();
    let key = "ASIASTOLEN";
    let calls = [
        Call::new(T0, "PutUseCaseForModelAccess", key),
        Call::new(T0 + 60, "PutFoundationModelEntitlement", key),
    ];
    assert!(run(&settings, &store, &calls.iter().map(Call::obs).collect::<Vec<_>>()).is_empty());
    let use_it = Call {
        user: "app",
        ..Call::new(T0 + 600, "InvokeModel", key)
    };
    let found = run(&settings, &store, &[use_it.obs()]);
    assert_eq!(
        rules_of(&found)[0],
        ("bedrock.llmjacking_enablement_then_use", Severity::High),
        "{found:?}"
    );
    assert_eq!(found[0].event_ids().len(), 3, "both enablements and the invocation");
    // Another key invoking, or the same key after the window, is not the sequence.
    let (settings, store) = warmed();
    run(
        &settings,
        &store,
        &[Call::new(T0, "PutUseCaseForModelAccess", key).obs()],
    );
    let later = Call {
        user: "app",
        ..Call::new(T0 + 3601, "InvokeModel", key)
    };
    assert!(
        !rules_of(&run(&settings, &store, &[later.obs()]))
            .iter()
            .any(|r| r.0.ends_with("enablement_then_use"))
    );
}

#[test]
fn recon_then_use_needs_a_long_term_key() {
    for (key, expected) in [("AKIALEGACY", true), ("ASIASESSION", false)] {
        let (settings, store) = warmed();
        let user = "app";
        let recon = Call {
            user,
            ..Call::new(T0, "ListFoundationModels", key)
        };
        let invoke = Call {
            user,
            ..Call::new(T0 + 300, "Converse", key)
        };
        let found = run(&settings, &store, &[recon.obs(), invoke.obs()]);
        assert_eq!(
            found.iter().any(|f| f.rule_id == "bedrock.llmjacking_recon_then_use"),
            expected,
            "{key}: {found:?}"
        );
    }
}

#[test]
fn breadth_of_llmjacking_actions() {
    let (settings, store) = warmed();
    let names = [
        "ListFoundationModels",
        "GetFoundationModelAvailability",
        "GetUseCaseForModelAccess",
    ];
    let calls: Vec<Observation> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Call::new(T0 + i as i64, n, "ASIAX").obs())
        .collect();
    assert!(run(&settings, &store, &calls).is_empty(), "three actions are ordinary");
    let more = [
        Call {
            error: Some("AccessDeniedException"),
            ..Call::new(T0 + 3600, "PutUseCaseForModelAccess", "ASIAX")
        },
        Call::new(T0 + 7200, "ListFoundationModelAgreementOffers", "ASIAX"),
    ];
    let found = run(&settings, &store, &more.iter().map(Call::obs).collect::<Vec<_>>());
    assert_eq!(rules_of(&found), [("bedrock.llmjacking_breadth", Severity::High)]);
}

#[test]
fn probing_bursts_cross_the_threshold_once() {
    let (settings, store) = warmed();
    let fail = |i: i64| {
        Call {
            error: Some("ValidationException"),
            ..Call::new(T0 + i * 20, "InvokeModel", "ASIAP")
        }
        .obs()
    };
    let first: Vec<Observation> = (0..9).map(fail).collect();
    assert!(
        run(&settings, &store, &first).is_empty(),
        "nine failures are not a burst"
    );
    let found = run(&settings, &store, &[fail(9), fail(10)]);
    assert_eq!(rules_of(&found), [("bedrock.llmjacking_probing", Severity::Medium)]);
    assert!(run(&settings, &store, &[fail(11)]).is_empty(), "reported once");
}

#[test]
fn first_seen_respects_learning_and_context() {
    // During the learning period nothing is reported, but the baseline is recorded.
    let (settings, store) = (StatefulSettings::default(), MemoryStore::default());
    assert!(run(&settings, &store, &[Call::new(T0, "InvokeModel", "ASIAAPPKEY").obs()]).is_empty());
    let known_later = Call::new(T0 + 8 * DAY, "InvokeModel", "ASIAAPPKEY2");
    assert!(
        run(&settings, &store, &[known_later.obs()]).is_empty(),
        "same principal, model, region and network"
    );

    let (settings, store) = warmed();
    let dev = Call {
        user: "dev",
        ip: "10.0.1.77",
        ..Call::new(T0, "InvokeModel", "ASIADEV")
    };
    assert_eq!(
        rules_of(&run(&settings, &store, &[dev.obs()])),
        [("bedrock.llmjacking_first_seen", Severity::Low)]
    );
    let stolen = Call {
        user: "old-batch",
        ip: "185.220.101.4",
        ..Call::new(T0, "InvokeModel", "AKIASTOLEN")
    };
    let found = run(&settings, &store, &[stolen.obs()]);
    assert_eq!(rules_of(&found), [("bedrock.llmjacking_first_seen", Severity::Medium)]);
    assert!(
        found[0].summary.contains("from new network 185.220.101.x"),
        "{}",
        found[0].summary
    );
    // Another signal for the same key raises the incident to high; a repeat does not re-report.
    let probes: Vec<Observation> = (0..10)
        .map(|i| {
            Call {
                user: "old-batch",
                error: Some("AccessDeniedException"),
                ..Call::new(T0 + 60 + i, "InvokeModel", "AKIASTOLEN")
            }
            .obs()
        })
        .collect();
    let found = run(&settings, &store, &probes);
    assert_eq!(rules_of(&found), [("bedrock.llmjacking_probing", Severity::High)]);
    assert_eq!(found[0].dedupe_key, "bedrock.llmjacking|111122223333|AKIASTOLEN|high");
    assert!(found[0].summary.contains("First Bedrock use") && found[0].summary.contains("denied or invalid"));
}

#[test]
fn learning_starts_at_the_earliest_invocation_of_a_batch() {
    // The first invocation of a fresh account and a stolen key's, 8 days later, in one batch
    // (a replayed month): the stolen key sorts first, yet the period starts at the earlier call.
    let (settings, store) = (StatefulSettings::default(), MemoryStore::default());
    let app = Call::new(T0, "InvokeModel", "ASIAZZZAPP");
    let stolen = Call {
        user: "stolen",
        ..Call::new(T0 + 8 * DAY, "InvokeModel", "AKIAAAASTOLEN")
    };
    let found = run(&settings, &store, &[stolen.obs(), app.obs()]);
    assert_eq!(rules_of(&found), [("bedrock.llmjacking_first_seen", Severity::Medium)]);
    assert!(found[0].summary.contains("AKIAAAASTOLEN"), "{}", found[0].summary);
}

#[test]
fn volume_spike_against_own_baseline() {
    let (settings, store) = warmed();
    let calls = |user: &'static str, hour: i64, n: i64| -> Vec<Observation> {
        (0..n)
            .map(|i| {
                Call {
                    user,
                    ..Call::new(T0 - 3 * DAY + hour * 3600 + i, "InvokeModel", "ASIAAPPKEY")
                }
                .obs()
            })
            .collect()
    };
    let hourly = |hour: i64, n: i64| calls("app", hour, n);
    for hour in 0..72 {
        assert!(
            run(&settings, &store, &hourly(hour, 20 + hour % 5))
                .iter()
                .all(|f| f.rule_id != "bedrock.llmjacking_volume_spike")
        );
    }
    let spike = hourly(72, 150);
    let found = run(&settings, &store, &spike);
    assert_eq!(
        rules_of(&found),
        [("bedrock.llmjacking_volume_spike", Severity::Medium)],
        "{found:?}"
    );
    // A principal busy every hour since it appeared is not spiking at the same level.
    let (settings, store) = warmed();
    for hour in 0..=72 {
        let found = run(&settings, &store, &calls("busy", hour, 150));
        assert!(
            found.iter().all(|f| f.rule_id != "bedrock.llmjacking_volume_spike"),
            "hour {hour}: {found:?}"
        );
    }
}

#[test]
fn fan_out_across_regions() {
    let (settings, store) = warmed();
    let regions = ["us-east-1", "us-west-2", "eu-central-1"];
    let calls: Vec<Observation> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Call {
                region: r,
                ..Call::new(T0 + 600 * i as i64, "InvokeModel", "ASIAAPPKEY")
            }
            .obs()
        })
        .collect();
    let found = run(&settings, &store, &calls[..2]);
    assert!(found.iter().all(|f| f.rule_id != "bedrock.llmjacking_region_fan_out"));
    let found = run(&settings, &store, &calls[2..]);
    assert!(
        found
            .iter()
            .any(|f| f.rule_id == "bedrock.llmjacking_region_fan_out" && f.severity == Severity::High),
        "{found:?}"
    );
}

#[test]
fn batching_does_not_change_what_is_found() {
    let key = "AKIAFRESHKEY";
    let mut calls = vec![
        Call {
            user: "intruder",
            ip: "185.220.101.9",
            ..Call::new(T0, "ListFoundationModels", key)
        },
        Call {
            user: "intruder",
            ip: "185.220.101.9",
            ..Call::new(T0 + 30, "GetModelInvocationLoggingConfiguration", key)
        },
    ];
    calls.extend((0..40).map(|i| Call {
        user: "intruder",
        ip: "185.220.101.9",
        ..Call::new(T0 + 60 + i, "InvokeModel", key)
    }));
    let observations: Vec<Observation> = calls.iter().map(Call::obs).collect();
    let (settings, one) = warmed();
    let together: BTreeSet<String> = run(&settings, &one, &observations)
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    let (settings, many) = warmed();
    let apart: BTreeSet<String> = observations
        .chunks(7)
        .flat_map(|c| run(&settings, &many, c))
        .map(|f| f.rule_id)
        .collect();
    assert_eq!(together, apart);
    assert!(together.contains("bedrock.llmjacking_recon_then_use"), "{together:?}");
}

#[test]
fn percentile_and_severity_helpers() {
    assert_eq!(p95(&mut []), 0);
    assert_eq!(p95(&mut [5]), 5);
    let mut values: Vec<i64> = (1..=100).collect();
    assert_eq!(p95(&mut values), 95);
    let tags = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<String>>();
    assert_eq!(incident_severity(&tags(&["event:x"])), None);
    assert_eq!(incident_severity(&tags(&["signal:a:low"])), Some(Severity::Low));
    assert_eq!(
        incident_severity(&tags(&["signal:a:low", "signal:b:medium"])),
        Some(Severity::High)
    );
    assert_eq!(
        incident_severity(&tags(&["signal:a:low", "signal:a:medium"])),
        Some(Severity::Medium)
    );
}

/// The store as two batches judged at the same moment see it: each reads the incidents as they
/// were before either wrote (`before`); everything else, writes included, goes to `store`.
struct ReadsBefore<'a> {
    store: &'a MemoryStore,
    before: &'a MemoryStore,
}

impl crate::ports::StateStore for ReadsBefore<'_> {
    fn insert_if_absent<'a>(&'a self, key: &'a str, value: i64, expires_at: i64, now: i64) -> StoreFuture<'a, bool> {
        self.store.insert_if_absent(key, value, expires_at, now)
    }
    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: i64,
        value: i64,
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, bool> {
        self.store.compare_and_set(key, expected, value, expires_at, now)
    }
    fn add<'a>(&'a self, key: &'a str, delta: i64, expires_at: i64, now: i64) -> StoreFuture<'a, i64> {
        self.store.add(key, delta, expires_at, now)
    }
    fn get<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, Option<crate::ports::Item>> {
        self.store.get(key, now)
    }
    fn set<'a>(&'a self, key: &'a str, value: i64, expires_at: i64) -> StoreFuture<'a, ()> {
        self.store.set(key, value, expires_at)
    }
    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.store.remove(key)
    }
    fn get_many<'a>(&'a self, keys: &'a [String], now: i64) -> StoreFuture<'a, Vec<Option<crate::ports::Item>>> {
        self.store.get_many(keys, now)
    }
    fn append<'a>(
        &'a self,
        key: &'a str,
        members: &'a [String],
        expires_at: i64,
        now: i64,
    ) -> StoreFuture<'a, crate::ports::Members> {
        self.store.append(key, members, expires_at, now)
    }
    fn members<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, crate::ports::Members> {
        match key.starts_with("llm#incident#") {
            true => self.before.members(key, now),
            false => self.store.members(key, now),
        }
    }
    fn count_in_window<'a>(
        &'a self,
        key: &'a str,
        event_id: &'a str,
        at: i64,
        window_end: i64,
        expires_at: i64,
    ) -> StoreFuture<'a, crate::ports::Window> {
        self.store.count_in_window(key, event_id, at, window_end, expires_at)
    }
}

#[test]
fn concurrent_batches_report_the_severity_their_signals_reach_together() {
    // One stolen key: a burst of denied calls (probing, medium) in one batch, its first use
    // (first seen, medium with a long-term key) in another, judged at the same moment: each
    // batch reads the incident before the other wrote. Together the two detections make it high.
    let call = |t: i64, error: Option<&'static str>| {
        Call {
            user: "old-batch",
            ip: "185.220.101.4",
            error,
            ..Call::new(t, "InvokeModel", "AKIASTOLEN")
        }
        .obs()
    };
    let probes: Vec<Observation> = (0..10).map(|i| call(T0 + i, Some("AccessDeniedException"))).collect();
    let first_use = [call(T0 + 30, None)];
    let (settings, store) = warmed();
    let (_, before) = warmed();
    let racing = ReadsBefore {
        store: &store,
        before: &before,
    };
    let detections = all();
    let detections: Vec<&dyn StatefulDetection> = detections.iter().map(|d| d.as_ref()).collect();
    let mut found = Vec::new();
    for batch in [&probes[..], &first_use[..]] {
        found.extend(
            now_or_never(judge(&detections, &mut batch.to_vec(), &racing, &settings))
                .unwrap()
                .unwrap(),
        );
    }
    let keys: BTreeSet<&str> = found.iter().map(|f| f.dedupe_key.as_str()).collect();
    assert!(
        keys.contains("bedrock.llmjacking|111122223333|AKIASTOLEN|high"),
        "the high incident is reported: {keys:?}"
    );
    assert!(
        keys.contains("bedrock.llmjacking|111122223333|AKIASTOLEN|medium"),
        "{keys:?}"
    );
    // Each signal makes one report (its delivery id, event and rule, is its own).
    let deliveries: BTreeSet<String> = found.iter().map(crate::alerting::delivery_id).collect();
    assert_eq!(deliveries.len(), found.len(), "{found:?}");
}
