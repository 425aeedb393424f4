use serde_json::json;

use super::*;
use crate::state::{MemoryStore, now_or_never};

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
        observe(&serde_json::from_str(&text).unwrap(), &mut Interner::default()).unwrap()
    }
}

fn run(tracker: &Tracker, store: &MemoryStore, batch: &[Observation]) -> Vec<Finding> {
    now_or_never(tracker.observe(batch, store)).unwrap().unwrap()
}

/// A store whose account is past its learning period, with `app` (ASIA key) a known principal.
fn warmed() -> (Tracker, MemoryStore) {
    let (tracker, store) = (Tracker::default(), MemoryStore::default());
    let warm = Call {
        user: "app",
        ..Call::new(T0 - 9 * DAY, "InvokeModel", "ASIAAPPKEY")
    };
    run(&tracker, &store, &[warm.obs()]);
    (tracker, store)
}

fn rules_of(findings: &[Finding]) -> Vec<(&str, Severity)> {
    findings.iter().map(|f| (f.rule_id.as_str(), f.severity)).collect()
}

#[test]
fn enablement_then_use_by_the_same_key() {
    let (tracker, store) = warmed();
    let key = "ASIASTOLEN";
    let calls = [
        Call::new(T0, "PutUseCaseForModelAccess", key),
        Call::new(T0 + 60, "PutFoundationModelEntitlement", key),
    ];
    assert!(run(&tracker, &store, &calls.iter().map(Call::obs).collect::<Vec<_>>()).is_empty());
    let use_it = Call {
        user: "app",
        ..Call::new(T0 + 600, "InvokeModel", key)
    };
    let found = run(&tracker, &store, &[use_it.obs()]);
    assert_eq!(
        rules_of(&found)[0],
        ("bedrock.llmjacking_enablement_then_use", Severity::High),
        "{found:?}"
    );
    assert_eq!(found[0].event_ids.len(), 3, "both enablements and the invocation");
    // Another key invoking, or the same key after the window, is not the sequence.
    let (tracker, store) = warmed();
    run(
        &tracker,
        &store,
        &[Call::new(T0, "PutUseCaseForModelAccess", key).obs()],
    );
    let later = Call {
        user: "app",
        ..Call::new(T0 + 3601, "InvokeModel", key)
    };
    assert!(
        !rules_of(&run(&tracker, &store, &[later.obs()]))
            .iter()
            .any(|r| r.0.ends_with("enablement_then_use"))
    );
}

#[test]
fn recon_then_use_needs_a_long_term_key() {
    for (key, expected) in [("AKIALEGACY", true), ("ASIASESSION", false)] {
        let (tracker, store) = warmed();
        let user = "app";
        let recon = Call {
            user,
            ..Call::new(T0, "ListFoundationModels", key)
        };
        let invoke = Call {
            user,
            ..Call::new(T0 + 300, "Converse", key)
        };
        let found = run(&tracker, &store, &[recon.obs(), invoke.obs()]);
        assert_eq!(
            found.iter().any(|f| f.rule_id == "bedrock.llmjacking_recon_then_use"),
            expected,
            "{key}: {found:?}"
        );
    }
}

#[test]
fn breadth_of_llmjacking_actions() {
    let (tracker, store) = warmed();
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
    assert!(run(&tracker, &store, &calls).is_empty(), "three actions are ordinary");
    let more = [
        Call {
            error: Some("AccessDeniedException"),
            ..Call::new(T0 + 3600, "PutUseCaseForModelAccess", "ASIAX")
        },
        Call::new(T0 + 7200, "ListFoundationModelAgreementOffers", "ASIAX"),
    ];
    let found = run(&tracker, &store, &more.iter().map(Call::obs).collect::<Vec<_>>());
    assert_eq!(rules_of(&found), [("bedrock.llmjacking_breadth", Severity::High)]);
}

#[test]
fn probing_bursts_cross_the_threshold_once() {
    let (tracker, store) = warmed();
    let fail = |i: i64| {
        Call {
            error: Some("ValidationException"),
            ..Call::new(T0 + i * 20, "InvokeModel", "ASIAP")
        }
        .obs()
    };
    let first: Vec<Observation> = (0..9).map(fail).collect();
    assert!(
        run(&tracker, &store, &first).is_empty(),
        "nine failures are not a burst"
    );
    let found = run(&tracker, &store, &[fail(9), fail(10)]);
    assert_eq!(rules_of(&found), [("bedrock.llmjacking_probing", Severity::Medium)]);
    assert!(run(&tracker, &store, &[fail(11)]).is_empty(), "reported once");
}

#[test]
fn first_seen_respects_learning_and_context() {
    // During the learning period nothing is reported, but the baseline is recorded.
    let (tracker, store) = (Tracker::default(), MemoryStore::default());
    assert!(run(&tracker, &store, &[Call::new(T0, "InvokeModel", "ASIAAPPKEY").obs()]).is_empty());
    let known_later = Call::new(T0 + 8 * DAY, "InvokeModel", "ASIAAPPKEY2");
    assert!(
        run(&tracker, &store, &[known_later.obs()]).is_empty(),
        "same principal, model, region and network"
    );

    let (tracker, store) = warmed();
    let dev = Call {
        user: "dev",
        ip: "10.0.1.77",
        ..Call::new(T0, "InvokeModel", "ASIADEV")
    };
    assert_eq!(
        rules_of(&run(&tracker, &store, &[dev.obs()])),
        [("bedrock.llmjacking_first_seen", Severity::Low)]
    );
    let stolen = Call {
        user: "old-batch",
        ip: "185.220.101.4",
        ..Call::new(T0, "InvokeModel", "AKIASTOLEN")
    };
    let found = run(&tracker, &store, &[stolen.obs()]);
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
    let found = run(&tracker, &store, &probes);
    assert_eq!(rules_of(&found), [("bedrock.llmjacking_probing", Severity::High)]);
    assert_eq!(found[0].dedupe_key, "bedrock.llmjacking|111122223333|AKIASTOLEN|high");
    assert!(found[0].summary.contains("First Bedrock use") && found[0].summary.contains("denied or invalid"));
}

#[test]
fn volume_spike_against_own_baseline() {
    let (tracker, store) = warmed();
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
            run(&tracker, &store, &hourly(hour, 20 + hour % 5))
                .iter()
                .all(|f| f.rule_id != "bedrock.llmjacking_volume_spike")
        );
    }
    let spike = hourly(72, 150);
    let found = run(&tracker, &store, &spike);
    assert_eq!(
        rules_of(&found),
        [("bedrock.llmjacking_volume_spike", Severity::Medium)],
        "{found:?}"
    );
    // A principal busy every hour since it appeared is not spiking at the same level.
    let (tracker, store) = warmed();
    for hour in 0..=72 {
        let found = run(&tracker, &store, &calls("busy", hour, 150));
        assert!(
            found.iter().all(|f| f.rule_id != "bedrock.llmjacking_volume_spike"),
            "hour {hour}: {found:?}"
        );
    }
}

#[test]
fn fan_out_across_regions() {
    let (tracker, store) = warmed();
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
    let found = run(&tracker, &store, &calls[..2]);
    assert!(found.iter().all(|f| f.rule_id != "bedrock.llmjacking_region_fan_out"));
    let found = run(&tracker, &store, &calls[2..]);
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
    let (tracker, one) = warmed();
    let together: BTreeSet<String> = run(&tracker, &one, &observations)
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    let (tracker, many) = warmed();
    let apart: BTreeSet<String> = observations
        .chunks(7)
        .flat_map(|c| run(&tracker, &many, c))
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

#[test]
fn settings_by_name() {
    let mut c = Config::default();
    c.apply("probe_threshold=20, volume_factor=2.5,fan_out_regions=4")
        .unwrap();
    assert_eq!((c.probe_threshold, c.volume_factor, c.fan_out_regions), (20, 2.5, 4));
    assert!(c.apply("probe_threshold=-1").is_err());
    assert!(c.apply("no_such=1").unwrap_err().contains("unknown"));
    assert!(c.apply("probe_threshold").is_err());
}
