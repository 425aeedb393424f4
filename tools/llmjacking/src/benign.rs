//! Benign traffic: an hour of an application's calls, a developer's working day, a legacy
//! user's daily jobs.

use std::rc::Rc;

use crate::catalog::{
    CLAUDE_HAIKU, DEV_MODELS, NOVA_LITE, TITAN_EMBED, UA_LEGACY_BATCH, UA_LEGACY_CI, UA_LEGACY_REPORT, USE1, USW2,
};
use crate::records::{AVAILABILITY, CONVERSE, Ev, Failure, INVOKE, LIST_MODELS};
use crate::rng::{Rng, access_key};
use crate::time::{DAY, HOUR, start_time, weekend};
use crate::world::{APPS, App, Dev, Legacy, LegacyKind, Runtime, usual_rate};

pub(crate) fn app_events(app: &mut App, h: i64, spike: Option<(usize, u64)>, seed: u64, out: &mut Vec<Ev>) {
    let spec = &APPS[app.index];
    let t0 = h * HOUR;
    let rng = &mut app.rng;
    if h % 24 == 0 {
        app.day_noise = (0.08 * rng.normal()).exp();
    }
    let rate = usual_rate(app.index, h) * app.day_noise * (0.12 * rng.normal()).exp();
    let active: Vec<usize> = (0..app.deployments.len())
        .filter(|&i| app.deployments[i].from <= t0 && t0 < app.deployments[i].to)
        .collect();
    if active.is_empty() || rate <= 0.0 {
        return;
    }
    for (n, &i) in active.iter().enumerate() {
        let dep = &mut app.deployments[i];
        let at = |rng: &mut Rng| start_time() + t0 + rng.below(HOUR as u64) as i64;
        // Credentials rotate about daily; a new session lists the models at start-up.
        if dep.session.as_ref().is_none_or(|s| s.1 <= t0) {
            let key = access_key(rng, "ASIA");
            let session = match spec.runtime {
                Runtime::Lambda => spec.name.to_owned(),
                Runtime::Ecs => rng.hex(32),
                Runtime::Ec2 => format!("i-0{}", rng.hex(16)),
            };
            let created = start_time() + t0 - rng.between(5, 600);
            let who = Rc::new(app.role.session(&session, key, created, false, app.owner));
            let hosts = (0..rng.between(1, 3)).map(|_| {
                let [a, b, c] = dep.subnet;
                [a, b, c + rng.below(4) as u8, rng.between(10, 250) as u8]
            });
            let hosts: Vec<[u8; 4]> = hosts.collect();
            let until = t0 + rng.between(20, 28) * HOUR;
            if rng.chance(0.7) {
                out.push(Ev {
                    time: start_time() + t0 + rng.below(120) as i64,
                    who: who.clone(),
                    region: dep.region,
                    name: LIST_MODELS,
                    arg: None,
                    failure: None,
                    ip: hosts[0],
                    ua: spec.ua,
                    scenario: None,
                });
            }
            dep.session = Some((who, until, hosts));
        }
        let (who, _, hosts) = dep.session.as_ref().expect("session set above");
        let event = |rng: &mut Rng, failure: Option<Failure>, scenario: Option<usize>, usual_only: bool| Ev {
            time: at(rng),
            who: who.clone(),
            region: dep.region,
            name: if usual_only { spec.apis[0] } else { rng.pick(spec.apis) },
            arg: Some(if usual_only {
                spec.models[0]
            } else {
                rng.pick_weighted(spec.models, 0.8)
            }),
            failure,
            ip: rng.pick(hosts),
            ua: spec.ua,
            scenario,
        };
        let count = rng.poisson(rate / active.len() as f64);
        for _ in 0..count {
            out.push(event(rng, None, None, false));
        }
        if rng.chance(0.25) {
            out.push(event(rng, Some(Failure::Validation), None, false));
        }
        if rate > 400.0 && rng.chance(0.05) {
            for _ in 0..rng.between(2, 6) {
                out.push(event(rng, Some(Failure::Throttled), None, false));
            }
        }
        if let (Some((scenario, calls)), 0) = (spike, n) {
            // The attacker calls come from the same workload (same session, hosts, model),
            // drawn from a separate stream so the benign traffic stays as without the spike.
            let mut spike_rng = Rng::derive(seed, "volume-spike", h as u64);
            for _ in 0..calls {
                out.push(event(&mut spike_rng, None, Some(scenario), true));
            }
        }
    }
}

pub(crate) fn dev_events(dev: &mut Dev, day: i64, out: &mut Vec<Ev>) {
    let rng = &mut dev.rng;
    let day_start = start_time() + day * DAY;
    let is_weekend = weekend(day_start);
    if (is_weekend && !rng.chance(0.05)) || (!is_weekend && rng.chance(0.08)) {
        return;
    }
    // SSO sign-in in the morning; some sign in again after lunch (a new key).
    let login = day_start + ((dev.start_hour + 0.4 * rng.normal()) * HOUR as f64) as i64;
    let relogin = rng.chance(0.3).then(|| login + rng.between(4 * HOUR, 5 * HOUR));
    let key1 = access_key(rng, "ASIA");
    let key2 = access_key(rng, "ASIA");
    let s1 = Rc::new(dev.role.session(&dev.name, key1, login - 20, true, dev.owner));
    let s2 = relogin.map(|t| Rc::new(dev.role.session(&dev.name, key2, t - 20, true, dev.owner)));
    let who_at = |t: i64| match (&s2, relogin) {
        (Some(s), Some(r)) if t >= r => s.clone(),
        _ => s1.clone(),
    };
    let ip = if rng.chance(0.1) {
        [dev.ip[0], dev.ip[1], dev.ip[2], dev.ip[3] ^ 1]
    } else {
        dev.ip
    };
    let ev =
        |time: i64, name: &'static str, arg: Option<&'static str>, region: &'static str, failure: Option<Failure>| Ev {
            time,
            who: who_at(time),
            region,
            name,
            arg,
            failure,
            ip,
            ua: dev.ua,
            scenario: None,
        };
    let bursts = rng.between(1, 4);
    let mut starts: Vec<i64> = (0..bursts)
        .map(|_| login + 120 + rng.below(8 * HOUR as u64) as i64)
        .collect();
    starts.sort_unstable();
    if rng.chance(0.04) {
        let provider = rng.pick(&[None, Some("anthropic"), Some("amazon"), Some("meta")]);
        out.push(ev(
            starts[0] - rng.between(30, 300),
            LIST_MODELS,
            provider,
            dev.region,
            None,
        ));
    }
    for start in starts {
        let mut t = start;
        let mut model = rng.pick_weighted(&dev.models, 0.6);
        let mut region = dev.region;
        // Now and then (about once or twice a month) a model the developer never used.
        if rng.chance(0.025) {
            let fresh: Vec<&'static str> = DEV_MODELS.iter().copied().filter(|m| !dev.models.contains(m)).collect();
            if !fresh.is_empty() {
                let new_model = rng.pick(&fresh);
                let new_region = if rng.chance(0.25) { USW2 } else { dev.region };
                if rng.chance(0.5) {
                    out.push(ev(t, AVAILABILITY, Some(new_model), new_region, None));
                    t += rng.between(20, 90);
                }
                if rng.chance(0.2) {
                    // Not enabled here: a few denied tries, then back to a usual model.
                    for _ in 0..rng.between(1, 3) {
                        out.push(ev(
                            t,
                            dev.apis[0],
                            Some(new_model),
                            new_region,
                            Some(Failure::NotEnabled),
                        ));
                        t += rng.between(5, 40);
                    }
                } else {
                    dev.models.push(new_model);
                    model = new_model;
                    region = new_region;
                }
            }
        }
        for _ in 0..rng.between(10, 80) {
            let failure = rng.chance(0.006).then_some(Failure::Validation);
            let api = rng.pick(&dev.apis);
            out.push(ev(t, api, Some(model), region, failure));
            t += rng.between(3, 30);
        }
    }
}

pub(crate) fn legacy_events(user: &mut Legacy, day: i64, out: &mut Vec<Ev>) {
    let rng = &mut user.rng;
    let day_start = start_time() + day * DAY;
    let ev = |rng: &mut Rng, time: i64, name: &'static str, model: &'static str, ip: [u8; 4], ua: &'static str| {
        Ev {
            time,
            who: user.who.clone(),
            region: USE1,
            name,
            arg: Some(model),
            failure: None,
            ip,
            ua,
            scenario: None,
        }
        .with_failure(rng.chance(0.003).then_some(Failure::Validation))
    };
    match user.kind {
        LegacyKind::Batch => {
            for hour in 1..4 {
                for _ in 0..rng.poisson(100.0) {
                    let t = day_start + hour * HOUR + rng.below(HOUR as u64) as i64;
                    out.push(ev(rng, t, INVOKE, TITAN_EMBED, user.ips[0], UA_LEGACY_BATCH));
                }
            }
        }
        LegacyKind::Ci => {
            if weekend(day_start) {
                return;
            }
            for hour in 9..19 {
                if rng.chance(0.7) {
                    let mut t = day_start + hour * HOUR + rng.below(50 * 60) as i64;
                    let ip = rng.pick(&user.ips);
                    for _ in 0..rng.between(4, 10) {
                        out.push(ev(rng, t, CONVERSE, CLAUDE_HAIKU, ip, UA_LEGACY_CI));
                        t += rng.between(2, 15);
                    }
                }
            }
        }
        LegacyKind::Report => {
            for hour in 0..24 {
                let mut t = day_start + hour * HOUR + 300 + rng.below(120) as i64;
                for _ in 0..rng.between(3, 6) {
                    out.push(ev(rng, t, INVOKE, NOVA_LITE, user.ips[0], UA_LEGACY_REPORT));
                    t += rng.between(5, 40);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::attacks::{SC_SPIKE, SPIKE_APP, SPIKE_HOUR};
    use crate::world::World;

    #[test]
    fn app_traffic_spike_and_rotation() {
        let mut world = World::new(7);
        let mut out = Vec::new();
        let app = &mut world.apps[SPIKE_APP];
        for h in SPIKE_HOUR - 48..=SPIKE_HOUR {
            let spike = (h == SPIKE_HOUR).then_some((SC_SPIKE, 1200));
            app_events(app, h, spike, 7, &mut out);
        }
        let spike: Vec<&Ev> = out.iter().filter(|e| e.scenario == Some(SC_SPIKE)).collect();
        assert_eq!(spike.len(), 1200);
        let hour_start = start_time() + SPIKE_HOUR * HOUR;
        assert!(spike.iter().all(|e| e.time >= hour_start && e.time < hour_start + HOUR));
        assert!(spike.iter().all(|e| e.arg == Some(CLAUDE_HAIKU) && e.name == CONVERSE));
        let benign_then: Vec<&Ev> = out
            .iter()
            .filter(|e| e.scenario.is_none() && e.time >= hour_start)
            .collect();
        assert!(
            benign_then.iter().any(|e| e.who.key == spike[0].who.key),
            "same session as the app"
        );
        let keys: BTreeSet<&str> = out.iter().map(|e| e.who.key.as_str()).collect();
        assert!((2..=4).contains(&keys.len()), "keys rotate about daily: {}", keys.len());
        assert!(out.iter().all(|e| e.ip[0] == 10 && e.who.key.starts_with("ASIA")));
    }
}
