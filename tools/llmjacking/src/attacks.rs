//! The six attack scenarios and the attacker's calls of each (the volume spike's calls are made
//! with its application's benign traffic).

use std::rc::Rc;

use crate::catalog::{
    ACCOUNT_A, ACCOUNT_B, CLAUDE_35_SONNET, CLAUDE_35_SONNET_V2, CLAUDE_37, CLAUDE_HAIKU, CLAUDE_OPUS, EUC1, EUW1,
    LLAMA_70B, MISTRAL_LARGE, UA_ATTACK_CLI, UA_ATTACK_JS, UA_ATTACK_PY, USE1, USW2,
};
use crate::identity::{Ident, iam_user};
use crate::records::{
    AGREEMENT, AVAILABILITY, CONVERSE, DELETE_LOGGING, ENTITLEMENT, Ev, Failure, GET_LOGGING, INVOKE, LIST_MODELS,
    OFFERS, USE_CASE,
};
use crate::rng::{Rng, access_key, unique_id};
use crate::time::{DAY, HOUR, start_time};
use crate::world::{World, usual_rate};

/// The volume spike hits `orders-summarizer` on day 18, 10:00-11:00.
pub(crate) const SPIKE_APP: usize = 0;
pub(crate) const SPIKE_HOUR: i64 = 18 * 24 + 10;
/// Attacker calls in the spike hour, as a multiple of the app's usual rate at that hour.
const SPIKE_FACTOR: f64 = 15.0;

/// The developer whose SSO session is stolen in `logging_deleted_before_use`.
const STOLEN_DEV: usize = 3;

/// The attack scenarios: name, day (0 = 2026-03-01), second of the day of the first event,
/// description. `volume_spike` is generated with its application (see [`SPIKE_HOUR`]).
pub const SCENARIOS: &[(&str, i64, i64, &str)] = &[
    (
        "enablement_chain",
        9,
        14 * HOUR + 7 * 60 + 12,
        "the nightly batch user's long-term key, from a Tor exit, enables a model (use case, agreement offers, agreement, entitlement, availability polls) and invokes it",
    ),
    (
        "recon_then_use_long_term_key",
        11,
        3 * HOUR + 41 * 60 + 5,
        "a never-seen IAM user key lists models and reads the logging configuration, then invokes within five minutes",
    ),
    (
        "probing_burst",
        14,
        21 * HOUR + 16 * 60 + 40,
        "a leaked key without Bedrock rights probes: ListFoundationModels denied, then 20 failed InvokeModel calls (AccessDenied, ValidationException) in five minutes",
    ),
    (
        "volume_spike",
        18,
        10 * HOUR,
        "orders-summarizer's own credentials make 15x its usual hourly calls on its usual model for one hour",
    ),
    (
        "cross_region_fan_out",
        22,
        6 * HOUR + 22 * 60 + 30,
        "the CI user's long-term key invokes in four regions within half an hour, from a new IP, outside CI hours",
    ),
    (
        "logging_deleted_before_use",
        26,
        HOUR + 33 * 60 + 50,
        "a stolen developer SSO session reads then deletes the model invocation logging configuration, then invokes in bulk at night",
    ),
];

const SC_ENABLEMENT: usize = 0;
const SC_RECON: usize = 1;
pub(crate) const SC_PROBING: usize = 2;
pub(crate) const SC_SPIKE: usize = 3;
const SC_FAN_OUT: usize = 4;
const SC_LOGGING: usize = 5;

/// The number of attacker calls in the spike hour.
pub(crate) fn spike_calls() -> u64 {
    (SPIKE_FACTOR * usual_rate(SPIKE_APP, SPIKE_HOUR)).round() as u64
}

/// One scenario's attacker: who calls, from where, with which client, from which start.
struct Attacker {
    scenario: usize,
    who: Rc<Ident>,
    /// The first event's time.
    t0: i64,
    ip: [u8; 4],
    ua: &'static str,
}

impl Attacker {
    fn new(scenario: usize, who: Rc<Ident>, ip: [u8; 4], ua: &'static str) -> Attacker {
        Attacker {
            scenario,
            who,
            t0: begins(scenario),
            ip,
            ua,
        }
    }

    /// A successful call in us-east-1, `t` seconds after the first event.
    fn call(&self, t: i64, name: &'static str, arg: Option<&'static str>) -> Ev {
        Ev {
            time: self.t0 + t,
            who: self.who.clone(),
            region: USE1,
            name,
            arg,
            failure: None,
            ip: self.ip,
            ua: self.ua,
            scenario: Some(self.scenario),
        }
    }
}

/// The time of the first event of scenario `i`.
fn begins(i: usize) -> i64 {
    start_time() + SCENARIOS[i].1 * DAY + SCENARIOS[i].2
}

/// A never-seen IAM user with a new long-term key, counted as an attacker principal.
fn attacker_user(world: &mut World, rng: &mut Rng, account: &'static str, name: &str) -> Rc<Ident> {
    let owner = world.attacker_owner(&format!("arn:aws:iam::{account}:user/{name}"));
    let key = access_key(rng, "AKIA");
    let id = unique_id(world.seed, "AIDA", name);
    Rc::new(iam_user(account, name, &id, key, owner))
}

/// Attacker events of every scenario but `volume_spike` that start before `end` (seconds
/// since the start).
pub(crate) fn attack_events(world: &mut World, end: i64) -> Vec<Ev> {
    let mut out = Vec::new();
    let in_range = |i: usize| SCENARIOS[i].1 * DAY + SCENARIOS[i].2 < end;
    let mut rng = Rng::derive(world.seed, "attacks", 0);

    if in_range(SC_ENABLEMENT) {
        let a = Attacker::new(
            SC_ENABLEMENT,
            world.legacy[0].who.clone(), // etl-batch
            [185, 220, 101, 34],
            UA_ATTACK_PY,
        );
        let model = CLAUDE_35_SONNET;
        out.push(a.call(0, USE_CASE, None));
        out.push(a.call(55, OFFERS, Some(model)));
        out.push(a.call(130, AGREEMENT, Some(model)));
        out.push(a.call(185, ENTITLEMENT, Some(model)));
        for t in [240, 330, 420, 500] {
            out.push(a.call(t, AVAILABILITY, Some(model)));
        }
        let mut t = 540;
        for _ in 0..48 {
            out.push(a.call(t, INVOKE, Some(model)));
            t += rng.between(5, 22);
        }
    }

    if in_range(SC_RECON) {
        let a = Attacker::new(
            SC_RECON,
            attacker_user(world, &mut rng, ACCOUNT_A, "bedrock-metrics"),
            [45, 148, 10, 81],
            UA_ATTACK_JS,
        );
        out.push(Ev {
            ua: UA_ATTACK_CLI,
            ..a.call(0, LIST_MODELS, None)
        });
        out.push(Ev {
            ua: UA_ATTACK_CLI,
            ..a.call(25, GET_LOGGING, None)
        });
        let mut t = 100;
        for i in 0..30 {
            let api = if i % 3 == 0 { CONVERSE } else { INVOKE };
            out.push(a.call(t, api, Some(CLAUDE_35_SONNET_V2)));
            t += rng.between(4, 7);
        }
    }

    if in_range(SC_PROBING) {
        let a = Attacker::new(
            SC_PROBING,
            attacker_user(world, &mut rng, ACCOUNT_B, "marketing-uploader"),
            [103, 251, 167, 20],
            UA_ATTACK_PY,
        );
        for t in [0, 20, 45] {
            out.push(a.call(t, LIST_MODELS, None).with_failure(Some(Failure::Denied)));
        }
        let models = [
            CLAUDE_OPUS,
            CLAUDE_35_SONNET,
            CLAUDE_35_SONNET_V2,
            CLAUDE_HAIKU,
            LLAMA_70B,
            MISTRAL_LARGE,
        ];
        let mut t = 60;
        for i in 0..20 {
            let failure = if i % 10 < 7 {
                Failure::Denied
            } else {
                Failure::Validation
            };
            out.push(
                a.call(t, INVOKE, Some(models[i % models.len()]))
                    .with_failure(Some(failure)),
            );
            t += rng.between(8, 13);
        }
    }

    if in_range(SC_FAN_OUT) {
        let a = Attacker::new(
            SC_FAN_OUT,
            world.legacy[1].who.clone(), // ci-bedrock-tests
            [193, 32, 162, 15],
            UA_ATTACK_JS,
        );
        for (slot, region) in [USE1, USW2, EUW1, EUC1].into_iter().enumerate() {
            let mut t = [0, 6 * 60, 13 * 60, 21 * 60][slot];
            for _ in 0..12 {
                // Two addresses, alternating by region.
                out.push(Ev {
                    region,
                    ip: [193, 32, 162, 15 + (slot as u8 % 2)],
                    ..a.call(t, CONVERSE, Some(CLAUDE_35_SONNET))
                });
                t += rng.between(8, 20);
            }
        }
    }

    if in_range(SC_LOGGING) {
        let dev = &world.devs[STOLEN_DEV];
        let key = access_key(&mut rng, "ASIA");
        let created = begins(SC_LOGGING) - 140;
        let session = dev.role.session(&dev.name, key, created, true, dev.owner);
        let a = Attacker::new(SC_LOGGING, Rc::new(session), [5, 188, 206, 14], UA_ATTACK_PY);
        out.push(a.call(0, GET_LOGGING, None));
        out.push(a.call(40, DELETE_LOGGING, None));
        let mut t = 120;
        for i in 0..200 {
            let (api, model) = if i % 4 == 0 {
                (INVOKE, CLAUDE_35_SONNET_V2)
            } else {
                (CONVERSE, CLAUDE_37)
            };
            out.push(a.call(t, api, Some(model)));
            t += rng.between(6, 18);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::records::is_runtime;
    use crate::world::{APPS, NEW_APP, NEW_APP_LAUNCH};

    fn scenario_events(events: &[Ev], s: usize) -> Vec<&Ev> {
        let mut v: Vec<&Ev> = events.iter().filter(|e| e.scenario == Some(s)).collect();
        v.sort_by_key(|e| e.time);
        v
    }

    #[test]
    fn scenarios_have_the_promised_shape() {
        let mut world = World::new(7);
        let events = attack_events(&mut world, 30 * DAY);
        for (i, (name, day, ..)) in SCENARIOS.iter().enumerate() {
            assert!(*day > 8, "{name} is inside the learning period");
            if i != SC_SPIKE {
                let evs = scenario_events(&events, i);
                assert!(!evs.is_empty(), "{name}");
                let key = &evs[0].who.key;
                assert!(evs.iter().all(|e| &e.who.key == key), "{name}: one key");
            }
        }
        let days: BTreeSet<i64> = SCENARIOS.iter().map(|s| s.1).collect();
        assert_eq!(days.len(), SCENARIOS.len(), "different days");

        let chain = scenario_events(&events, SC_ENABLEMENT);
        let names: Vec<&str> = chain.iter().map(|e| e.name).collect();
        let first = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert!(first(USE_CASE) < first(OFFERS) && first(OFFERS) < first(AGREEMENT));
        assert!(first(AGREEMENT) < first(ENTITLEMENT) && first(ENTITLEMENT) < first(AVAILABILITY));
        assert!(first(AVAILABILITY) < first(INVOKE));
        assert!(names.iter().filter(|n| **n == AVAILABILITY).count() >= 3);
        assert!(names.iter().filter(|n| **n == INVOKE).count() >= 24);
        assert!(chain.last().unwrap().time - chain[0].time <= 20 * 60 + 59);
        assert!(chain.iter().all(|e| e.who.key.starts_with("AKIA") && e.ip[0] == 185));

        let recon = scenario_events(&events, SC_RECON);
        assert_eq!((recon[0].name, recon[1].name), (LIST_MODELS, GET_LOGGING));
        assert!(recon.iter().any(|e| e.name == CONVERSE) && recon.iter().any(|e| e.name == INVOKE));
        assert!(recon.last().unwrap().time - recon[0].time <= 300);
        assert!(recon[0].who.key.starts_with("AKIA"));

        let probing = scenario_events(&events, SC_PROBING);
        let failed_invokes: Vec<&&Ev> = probing
            .iter()
            .filter(|e| e.name == INVOKE && e.failure.is_some())
            .collect();
        assert!(failed_invokes.len() >= 15);
        assert!(failed_invokes.last().unwrap().time - failed_invokes[0].time <= 300);
        assert!(
            probing
                .iter()
                .filter(|e| e.name == LIST_MODELS && e.failure == Some(Failure::Denied))
                .count()
                >= 2
        );
        assert!(probing.last().unwrap().time - probing[0].time <= 300);

        let fan = scenario_events(&events, SC_FAN_OUT);
        let regions: BTreeSet<&str> = fan.iter().map(|e| e.region).collect();
        assert_eq!(regions.len(), 4);
        assert!(fan.last().unwrap().time - fan[0].time <= 30 * 60);

        let logging = scenario_events(&events, SC_LOGGING);
        assert_eq!((logging[0].name, logging[1].name), (GET_LOGGING, DELETE_LOGGING));
        assert!(logging[2..].iter().all(|e| is_runtime(e.name)) && logging.len() > 100);
        assert_eq!(
            logging[0].who.arn,
            format!(
                "arn:aws:sts::{ACCOUNT_A}:assumed-role/AWSReservedSSO_DataScientist_9a8b7c6d5e4f3a2b/dmitri@example.com"
            )
        );

        // Nothing past the end of a shorter data set.
        let mut world = World::new(7);
        assert!(
            attack_events(&mut world, 10 * DAY)
                .iter()
                .all(|e| e.time < start_time() + 10 * DAY)
        );
    }

    #[test]
    fn volume_spike_is_10_to_20_times_the_usual_rate() {
        let usual = usual_rate(SPIKE_APP, SPIKE_HOUR);
        let calls = spike_calls() as f64;
        assert!(calls >= 1000.0, "{calls}");
        assert!((10.0..=20.0).contains(&((calls + usual) / usual)), "{calls} vs {usual}");
        const { assert!(SPIKE_HOUR / 24 >= 10) };
        // The usual rate is the same at that hour on other weekdays (history exists).
        assert!((usual_rate(SPIKE_APP, SPIKE_HOUR - 24) - usual).abs() < 1e-9);
        for (app, spec) in APPS.iter().enumerate() {
            for h in 20 * 24..21 * 24 {
                let r = usual_rate(app, h);
                assert!((5.0..=600.0).contains(&r), "{} at {h}: {r}", spec.name);
            }
        }
        assert_eq!(usual_rate(NEW_APP, NEW_APP_LAUNCH / HOUR - 1), 0.0);
    }
}
