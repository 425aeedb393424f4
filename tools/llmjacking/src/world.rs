//! The simulated world: the applications (with their schedules and regional deployments), the
//! developers on SSO permission sets and the legacy IAM users, each with its own random stream.

use std::rc::Rc;

use crate::catalog::{
    ACCOUNT_A, ACCOUNT_B, CLAUDE_35_SONNET_V2, CLAUDE_37, CLAUDE_HAIKU, COHERE_EMBED, DEV_MODELS, DEV_UAS, EUW1,
    LLAMA_70B, NOVA_LITE, NOVA_PRO, TITAN_EMBED, UA_BOTO3_APP, UA_GO_APP, UA_JAVA_APP, UA_JS_APP, USE1, USW2,
};
use crate::identity::{Ident, Role, iam_user};
use crate::records::{CONVERSE, CONVERSE_STREAM, INVOKE, INVOKE_STREAM};
use crate::rng::{Rng, access_key, unique_id};
use crate::time::{DAY, HOUR, start_time, weekend};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Runtime {
    /// Lambda: the session is named after the function, the key rotates.
    Lambda,
    /// ECS task: a new task id (session name) and key at each redeploy.
    Ecs,
    /// EC2 instance profile: the instance id is the session name.
    Ec2,
}

/// A steady application: one role, 1-2 models, a diurnal rate.
pub(crate) struct AppSpec {
    pub(crate) name: &'static str,
    pub(crate) account: &'static str,
    region: &'static str,
    subnet: [u8; 2],
    pub(crate) models: &'static [&'static str],
    pub(crate) apis: &'static [&'static str],
    /// Calls per hour at the peak hour and at the opposite hour (weekdays).
    peak: f64,
    trough: f64,
    peak_hour: f64,
    /// Rate factor on Saturdays and Sundays.
    weekend: f64,
    pub(crate) runtime: Runtime,
    pub(crate) ua: &'static str,
}

#[rustfmt::skip]
pub(crate) const APPS: &[AppSpec] = &[
    AppSpec { name: "orders-summarizer", account: ACCOUNT_A, region: USE1, subnet: [10, 12], models: &[CLAUDE_HAIKU], apis: &[CONVERSE], peak: 160.0, trough: 25.0, peak_hour: 15.0, weekend: 0.7, runtime: Runtime::Ecs, ua: UA_BOTO3_APP },
    AppSpec { name: "support-chat", account: ACCOUNT_A, region: USE1, subnet: [10, 14], models: &[CLAUDE_35_SONNET_V2, CLAUDE_HAIKU], apis: &[CONVERSE_STREAM, CONVERSE_STREAM, CONVERSE], peak: 600.0, trough: 60.0, peak_hour: 16.0, weekend: 0.5, runtime: Runtime::Lambda, ua: UA_JS_APP },
    AppSpec { name: "doc-embedder", account: ACCOUNT_A, region: USE1, subnet: [10, 21], models: &[TITAN_EMBED], apis: &[INVOKE], peak: 450.0, trough: 120.0, peak_hour: 3.0, weekend: 1.0, runtime: Runtime::Ec2, ua: UA_BOTO3_APP },
    AppSpec { name: "search-rag", account: ACCOUNT_A, region: USE1, subnet: [10, 31], models: &[COHERE_EMBED, CLAUDE_37], apis: &[INVOKE, INVOKE, CONVERSE], peak: 300.0, trough: 40.0, peak_hour: 14.0, weekend: 0.6, runtime: Runtime::Ecs, ua: UA_JAVA_APP },
    AppSpec { name: "fraud-explainer", account: ACCOUNT_A, region: USE1, subnet: [10, 41], models: &[NOVA_PRO], apis: &[INVOKE], peak: 120.0, trough: 20.0, peak_hour: 13.0, weekend: 0.4, runtime: Runtime::Lambda, ua: UA_GO_APP },
    AppSpec { name: "translation-svc", account: ACCOUNT_A, region: EUW1, subnet: [10, 51], models: &[NOVA_LITE, CLAUDE_HAIKU], apis: &[CONVERSE], peak: 250.0, trough: 50.0, peak_hour: 9.0, weekend: 0.6, runtime: Runtime::Lambda, ua: UA_BOTO3_APP },
    AppSpec { name: "code-review-bot", account: ACCOUNT_A, region: USE1, subnet: [10, 61], models: &[CLAUDE_35_SONNET_V2], apis: &[INVOKE], peak: 100.0, trough: 20.0, peak_hour: 15.0, weekend: 0.25, runtime: Runtime::Ecs, ua: UA_JS_APP },
    AppSpec { name: "ticket-triage", account: ACCOUNT_A, region: USE1, subnet: [10, 71], models: &[CLAUDE_HAIKU], apis: &[CONVERSE], peak: 200.0, trough: 30.0, peak_hour: 15.0, weekend: 0.5, runtime: Runtime::Lambda, ua: UA_BOTO3_APP },
    AppSpec { name: "catalog-enricher", account: ACCOUNT_B, region: USE1, subnet: [10, 112], models: &[NOVA_LITE, TITAN_EMBED], apis: &[INVOKE], peak: 350.0, trough: 80.0, peak_hour: 11.0, weekend: 0.8, runtime: Runtime::Ec2, ua: UA_JAVA_APP },
    AppSpec { name: "chat-assistant", account: ACCOUNT_B, region: USE1, subnet: [10, 114], models: &[CLAUDE_37], apis: &[CONVERSE_STREAM], peak: 500.0, trough: 50.0, peak_hour: 17.0, weekend: 0.6, runtime: Runtime::Ecs, ua: UA_JS_APP },
    AppSpec { name: "call-summaries", account: ACCOUNT_B, region: USW2, subnet: [10, 121], models: &[LLAMA_70B], apis: &[INVOKE, INVOKE_STREAM], peak: 150.0, trough: 20.0, peak_hour: 19.0, weekend: 0.3, runtime: Runtime::Lambda, ua: UA_BOTO3_APP },
    // The application launched mid-month (day 15), ramping up over five days.
    AppSpec { name: "support-copilot", account: ACCOUNT_A, region: USE1, subnet: [10, 81], models: &[CLAUDE_35_SONNET_V2], apis: &[CONVERSE], peak: 250.0, trough: 30.0, peak_hour: 15.0, weekend: 0.5, runtime: Runtime::Lambda, ua: UA_JS_APP },
];

/// `search-rag` moves from us-east-1 to us-west-2: us-west-2 serves from day 19 14:00,
/// us-east-1 stops at day 20 14:00 (a day of overlap, traffic split).
const MIGRATING_APP: usize = 3;
const MIGRATION_START: i64 = 19 * DAY + 14 * HOUR;
const MIGRATION_END: i64 = 20 * DAY + 14 * HOUR;
/// `support-copilot` launches on day 15 at 10:00 and ramps up over five days.
pub(crate) const NEW_APP: usize = 11;
pub(crate) const NEW_APP_LAUNCH: i64 = 15 * DAY + 10 * HOUR;
const NEW_APP_RAMP_DAYS: f64 = 5.0;

/// Diurnal shape in [0, 1]: 1 at the peak hour, 0 twelve hours away.
fn diurnal(hour_of_day: f64, peak_hour: f64) -> f64 {
    let phase = std::f64::consts::TAU * (hour_of_day - peak_hour) / 24.0;
    ((1.0 + phase.cos()) / 2.0).powf(1.5)
}

/// The usual calls per hour of application `app` in hour `h` (hours since the start): diurnal
/// shape, weekend factor, launch ramp; before noise.
pub(crate) fn usual_rate(app: usize, h: i64) -> f64 {
    let spec = &APPS[app];
    let t = h * HOUR;
    let hour_of_day = (h % 24) as f64 + 0.5;
    let mut rate = spec.trough + (spec.peak - spec.trough) * diurnal(hour_of_day, spec.peak_hour);
    if weekend(start_time() + t) {
        rate *= spec.weekend;
    }
    if app == NEW_APP {
        if t < NEW_APP_LAUNCH {
            return 0.0;
        }
        let days_live = (t - NEW_APP_LAUNCH) as f64 / DAY as f64;
        rate *= (0.1 + 0.9 * days_live / NEW_APP_RAMP_DAYS).min(1.0);
    }
    rate
}

/// A regional deployment of an app, with its current session.
pub(crate) struct Deployment {
    pub(crate) region: &'static str,
    pub(crate) subnet: [u8; 3],
    /// Active in [from, to) seconds since the start.
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) session: Option<(Rc<Ident>, i64, Vec<[u8; 4]>)>,
}

pub(crate) struct App {
    pub(crate) index: usize,
    pub(crate) role: Role,
    pub(crate) owner: usize,
    pub(crate) deployments: Vec<Deployment>,
    pub(crate) rng: Rng,
    pub(crate) day_noise: f64,
}

/// A developer on an SSO permission set: working hours, bursts, an occasional new model.
pub(crate) struct Dev {
    pub(crate) name: String,
    pub(crate) role: Rc<Role>,
    pub(crate) owner: usize,
    pub(crate) start_hour: f64,
    pub(crate) ip: [u8; 4],
    pub(crate) region: &'static str,
    pub(crate) models: Vec<&'static str>,
    pub(crate) apis: [&'static str; 2],
    pub(crate) ua: &'static str,
    pub(crate) rng: Rng,
}

/// A legacy IAM user with a long-term key.
pub(crate) struct Legacy {
    pub(crate) who: Rc<Ident>,
    pub(crate) kind: LegacyKind,
    pub(crate) ips: Vec<[u8; 4]>,
    pub(crate) rng: Rng,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegacyKind {
    /// Nightly embedding batch, 01:00-04:00 UTC.
    Batch,
    /// CI test runs on weekdays, 09:00-19:00 UTC.
    Ci,
    /// Hourly report export, around the clock.
    Report,
}

const DEV_NAMES: &[&str] = &[
    "alice", "bruno", "chen", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jamal", "kasia", "liam", "maya",
    "nikhil", "olga", "pedro", "quinn", "rosa", "sven", "tara", "umar", "vera", "wei", "ximena", "yusuf", "zoe",
    "amara", "ben", "carla", "diego", "emma", "felix", "gita", "hana", "ivan", "julia", "kofi", "lena", "mateo",
    "nora", "oscar", "priya", "rafael", "sara", "tomas", "uma", "viktor", "yara",
];
/// Developers in the second account (the rest are in the first).
const DEVS_IN_B: usize = 8;

pub(crate) struct World {
    pub(crate) seed: u64,
    pub(crate) apps: Vec<App>,
    pub(crate) devs: Vec<Dev>,
    pub(crate) legacy: Vec<Legacy>,
    /// Logical principals (application roles, developers, IAM users), for counting.
    principals: Vec<String>,
}

fn app_role(seed: u64, spec: &AppSpec) -> Role {
    let path = if spec.runtime == Runtime::Lambda {
        "service-role/"
    } else {
        ""
    };
    Role {
        account: spec.account,
        path: path.into(),
        name: format!("{}-role", spec.name),
        id: unique_id(seed, "AROA", spec.name),
    }
}

impl World {
    pub(crate) fn new(seed: u64) -> World {
        let mut principals = Vec::new();
        let mut owner = |arn: String| {
            principals.push(arn);
            principals.len() - 1
        };
        let apps = APPS
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let role = app_role(seed, spec);
                let owner = owner(format!("arn:aws:iam::{}:role/{}{}", spec.account, role.path, role.name));
                let host = |n: u8| [spec.subnet[0], spec.subnet[1], n];
                let deployments = match i {
                    MIGRATING_APP => vec![
                        Deployment {
                            region: USE1,
                            subnet: host(4),
                            from: 0,
                            to: MIGRATION_END,
                            session: None,
                        },
                        Deployment {
                            region: USW2,
                            subnet: [10, 131, 4],
                            from: MIGRATION_START,
                            to: i64::MAX,
                            session: None,
                        },
                    ],
                    NEW_APP => vec![Deployment {
                        region: spec.region,
                        subnet: host(8),
                        from: NEW_APP_LAUNCH,
                        to: i64::MAX,
                        session: None,
                    }],
                    _ => vec![Deployment {
                        region: spec.region,
                        subnet: host(2),
                        from: 0,
                        to: i64::MAX,
                        session: None,
                    }],
                };
                App {
                    index: i,
                    role,
                    owner,
                    deployments,
                    rng: Rng::derive(seed, spec.name, 1),
                    day_noise: 1.0,
                }
            })
            .collect();

        let sso = |account: &'static str, set: &str, suffix: &str| {
            Rc::new(Role {
                account,
                path: "aws-reserved/sso.amazonaws.com/".into(),
                name: format!("AWSReservedSSO_{set}_{suffix}"),
                id: unique_id(seed, "AROA", &format!("{account}{set}")),
            })
        };
        let sets = [
            sso(ACCOUNT_A, "MLDeveloper", "4f1c2a9b8e7d6c5a"),
            sso(ACCOUNT_A, "DataScientist", "9a8b7c6d5e4f3a2b"),
            sso(ACCOUNT_B, "MLDeveloper", "1b2c3d4e5f6a7b8c"),
        ];
        let devs = DEV_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut rng = Rng::derive(seed, name, 2);
                let in_b = i >= DEV_NAMES.len() - DEVS_IN_B;
                let role = if in_b { sets[2].clone() } else { sets[i % 2].clone() };
                let account = role.account;
                let email = format!("{name}@example.com");
                let owner = owner(format!("arn:aws:sts::{account}:assumed-role/{}/{email}", role.name));
                // Three offices: US east (198.51.100.10-119), Europe (192.0.2.x), US west
                // (198.51.100.130-250); working hours in UTC.
                let (start_hour, ip) = match i % 3 {
                    0 => (13.0, [198, 51, 100, rng.between(10, 119) as u8]),
                    1 => (7.0, [192, 0, 2, rng.between(10, 250) as u8]),
                    _ => (16.0, [198, 51, 100, rng.between(130, 250) as u8]),
                };
                let region = if rng.chance(0.15) { USW2 } else { USE1 };
                let mut models = Vec::new();
                let n_models = rng.between(1, 3);
                while models.len() < n_models as usize {
                    let m = rng.pick(DEV_MODELS);
                    if !models.contains(&m) {
                        models.push(m);
                    }
                }
                let apis = match rng.below(3) {
                    0 => [CONVERSE, CONVERSE_STREAM],
                    1 => [INVOKE, CONVERSE],
                    _ => [CONVERSE, INVOKE_STREAM],
                };
                Dev {
                    name: email,
                    role,
                    owner,
                    start_hour: start_hour + rng.normal() * 0.7,
                    ip,
                    region,
                    models,
                    apis,
                    ua: rng.pick(DEV_UAS),
                    rng,
                }
            })
            .collect();

        let legacy = [
            (ACCOUNT_A, "etl-batch", LegacyKind::Batch, vec![[203, 0, 113, 10]]),
            (
                ACCOUNT_A,
                "ci-bedrock-tests",
                LegacyKind::Ci,
                (50..54).map(|n| [203, 0, 113, n]).collect(),
            ),
            (
                ACCOUNT_B,
                "reporting-export",
                LegacyKind::Report,
                vec![[203, 0, 113, 77]],
            ),
        ]
        .into_iter()
        .map(|(account, name, kind, ips)| {
            let o = owner(format!("arn:aws:iam::{account}:user/{name}"));
            let mut rng = Rng::derive(seed, name, 3);
            let key = access_key(&mut rng, "AKIA");
            let who = Rc::new(iam_user(account, name, &unique_id(seed, "AIDA", name), key, o));
            Legacy { who, kind, ips, rng }
        })
        .collect();

        World {
            seed,
            apps,
            devs,
            legacy,
            principals,
        }
    }

    /// An owner index for attacker-only identities (never counted as benign).
    pub(crate) fn attacker_owner(&mut self, arn: &str) -> usize {
        self.principals.push(arn.to_owned());
        self.principals.len() - 1
    }
}
