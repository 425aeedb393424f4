//! Writing the data set: one gzip CloudTrail log file per account, region and hour, laid out as
//! CloudTrail delivers them to S3 (`AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`), and
//! `scenarios.json` describing the injected attacks.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write as _;
use std::path::PathBuf;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;

use crate::attacks::{SC_SPIKE, SCENARIOS, SPIKE_APP, SPIKE_HOUR, attack_events, spike_calls};
use crate::benign::{app_events, dev_events, legacy_events};
use crate::records::Ev;
use crate::rng::{EventIds, Rng};
use crate::time::{DAY, HOUR, format_time, start_time};
use crate::world::{APPS, World};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub out: PathBuf,
    pub days: u32,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Summary {
    pub records: u64,
    pub files: u64,
    /// Compressed bytes written.
    pub bytes: u64,
    pub benign_principals: usize,
    pub scenarios: Vec<Injected>,
}

impl Injected {
    /// The number of attacker events.
    pub fn event_count(&self) -> usize {
        self.events.len()
    }
}

/// One injected scenario, as written to `scenarios.json`.
#[derive(Debug, Default, Clone)]
pub struct Injected {
    pub name: String,
    pub description: String,
    pub account: String,
    pub access_key_id: String,
    pub principal_arn: String,
    pub source_ips: BTreeSet<String>,
    pub regions: BTreeSet<String>,
    pub first: i64,
    pub last: i64,
    /// (time, write order, event id), sorted at the end.
    events: Vec<(i64, u64, String)>,
}

struct Writer {
    out: PathBuf,
    seed: u64,
    ids: EventIds,
    request_ids: Rng,
    summary: Summary,
    benign_owners: HashSet<usize>,
    buf: String,
}

impl Writer {
    /// Writes one day's events: one gzip log file per account, region and hour.
    fn write(&mut self, events: Vec<Ev>) -> std::io::Result<()> {
        let mut files: BTreeMap<(&'static str, &'static str, i64), Vec<Ev>> = BTreeMap::new();
        for e in events {
            files
                .entry((e.who.account, e.region, e.time.div_euclid(HOUR)))
                .or_default()
                .push(e);
        }
        for ((account, region, hour), mut records) in files {
            records.sort_by_key(|e| e.time); // stable: ties keep generation order
            self.write_file(account, region, hour, &records)?;
        }
        Ok(())
    }

    fn write_file(&mut self, account: &str, region: &str, hour: i64, records: &[Ev]) -> std::io::Result<()> {
        let (y, m, d) = aidr_engine::time::civil_from_days((hour * HOUR).div_euclid(DAY));
        let hh = hour.rem_euclid(24);
        let dir = self
            .out
            .join(format!("AWSLogs/{account}/CloudTrail/{region}/{y:04}/{m:02}/{d:02}"));
        std::fs::create_dir_all(&dir)?;
        let token = Rng::derive(self.seed, &format!("{account}/{region}"), hour as u64)
            .token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 16);
        let path = dir.join(format!(
            "{account}_CloudTrail_{region}_{y:04}{m:02}{d:02}T{hh:02}00Z_{token}.json.gz"
        ));

        self.buf.clear();
        self.buf.push_str("{\"Records\":[");
        for (i, e) in records.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            let event_id = self.ids.next_id();
            let request_id = self.request_ids.uuid();
            e.render(&event_id, &request_id, &mut self.buf);
            match e.scenario {
                Some(s) => {
                    let found = &mut self.summary.scenarios[s];
                    found.account = account.to_owned();
                    found.access_key_id = e.who.key.clone();
                    found.principal_arn = e.who.arn.clone();
                    let [a, b, c, d] = e.ip;
                    found.source_ips.insert(format!("{a}.{b}.{c}.{d}"));
                    found.regions.insert(region.to_owned());
                    let order = found.events.len() as u64;
                    found.events.push((e.time, order, event_id));
                }
                None => {
                    self.benign_owners.insert(e.who.owner);
                }
            }
        }
        self.buf.push_str("]}");

        let file = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&path)?);
        let mut gz = GzEncoder::new(file, Compression::fast());
        gz.write_all(self.buf.as_bytes())?;
        let file = gz.finish()?;
        let bytes = file.into_inner().map_err(|e| e.into_error())?.metadata()?.len();
        self.summary.records += records.len() as u64;
        self.summary.files += 1;
        self.summary.bytes += bytes;
        Ok(())
    }
}

/// Generates the traffic into `config.out` (`AWSLogs/…` and `scenarios.json`).
///
/// # Errors
/// When an `AWSLogs` folder exists there already (it is never written over), or a file
/// cannot be written.
pub fn generate(config: &GenerateOptions) -> std::io::Result<Summary> {
    let logs = config.out.join("AWSLogs");
    if logs.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} exists: remove it first (the data set is written fresh)",
                logs.display()
            ),
        ));
    }
    std::fs::create_dir_all(&config.out)?;
    let days = i64::from(config.days);
    let end = days * DAY;
    let mut world = World::new(config.seed);
    let mut pending = attack_events(&mut world, end);
    let spike = (SPIKE_HOUR * HOUR < end).then(|| (SC_SPIKE, spike_calls()));

    let mut writer = Writer {
        out: config.out.clone(),
        seed: config.seed,
        ids: EventIds::new(config.seed),
        request_ids: Rng::derive(config.seed, "request-ids", 0),
        summary: Summary::default(),
        benign_owners: HashSet::new(),
        buf: String::with_capacity(4 << 20),
    };
    writer.summary.scenarios = SCENARIOS
        .iter()
        .map(|(name, _, _, description)| Injected {
            name: (*name).into(),
            description: (*description).into(),
            ..Injected::default()
        })
        .collect();

    for day in 0..days {
        for app in &mut world.apps {
            for h in day * 24..(day + 1) * 24 {
                let spike = spike.filter(|_| app.index == SPIKE_APP && h == SPIKE_HOUR);
                app_events(app, h, spike, config.seed, &mut pending);
            }
        }
        for dev in &mut world.devs {
            dev_events(dev, day, &mut pending);
        }
        for user in &mut world.legacy {
            legacy_events(user, day, &mut pending);
        }
        let day_end = start_time() + (day + 1) * DAY;
        let (now, later): (Vec<Ev>, Vec<Ev>) = pending.into_iter().partition(|e| e.time < day_end);
        pending = later;
        writer.write(now)?;
    }

    let mut summary = writer.summary;
    summary.benign_principals = writer.benign_owners.len();
    summary.scenarios.retain(|s| !s.events.is_empty());
    for s in &mut summary.scenarios {
        s.events.sort();
        s.first = s.events.first().map_or(0, |e| e.0);
        s.last = s.events.last().map_or(0, |e| e.0);
    }
    let accounts: BTreeSet<&str> = APPS.iter().map(|a| a.account).collect();
    let manifest = json!({
        "start": format_time(start_time()),
        "end": format_time(start_time() + end),
        "days": config.days,
        "seed": config.seed,
        "accounts": accounts,
        "benign_principals": summary.benign_principals,
        "records": summary.records,
        "files": summary.files,
        "scenarios": summary.scenarios.iter().map(|s| json!({
            "name": s.name,
            "description": s.description,
            "account": s.account,
            "access_key_id": s.access_key_id,
            "principal_arn": s.principal_arn,
            "source_ips": s.source_ips,
            "regions": s.regions,
            "first_event_time": format_time(s.first),
            "last_event_time": format_time(s.last),
            "event_count": s.events.len(),
            "event_ids": s.events.iter().map(|e| e.2.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)? + "\n";
    std::fs::write(config.out.join("scenarios.json"), text)?;
    Ok(summary)
}
