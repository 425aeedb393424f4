//! The traffic model: about 95 % everyday calls (see [`crate::everyday`]), 5 % the rule
//! samples of `events/` with their account, region, address, principal, ids and time varied.
//! Record `i` of a stream happens at `START_MS + i * MEAN_GAP_MS` plus a jitter below the gap,
//! so times increase and any block of records can be rendered on its own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use serde_json::value::RawValue;

use crate::everyday::EVERYDAY;
use crate::mangle::value_span;
use crate::template::{Context, Scratch, Template};
use aidr_llmjacking::Rng;

/// Accounts of the organization; not the external accounts the samples use.
pub const ACCOUNTS: &[&str] = &["111122223333", "210987654321", "302254718849", "508631972410"];
/// Regions, repeated to weigh them.
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-1",
    "us-east-1",
    "us-east-1",
    "us-west-2",
    "us-west-2",
    "eu-west-1",
    "eu-west-1",
    "eu-central-1",
    "us-east-2",
    "ap-southeast-1",
    "ap-northeast-1",
    "sa-east-1",
];
/// Share of records from the rule samples, percent (unless [`Traffic::with_sample_percent`]
/// says otherwise).
pub const SAMPLE_PERCENT: f64 = 5.0;
/// 2026-10-01T00:00:00Z.
pub const START_MS: u64 = 1_790_812_800_000;
/// Mean time between records: a million records is about a day.
pub const MEAN_GAP_MS: u64 = 86;
/// Records per block (a block draws from its own random stream).
pub const BLOCK: u64 = 10_000;

/// The default `events/` folder, in the repository this was built from.
pub fn default_events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

/// The compiled templates.
pub struct Traffic {
    everyday: Vec<Template>,
    /// Running sums of the everyday weights.
    cumulative: Vec<u64>,
    samples: Vec<Template>,
    /// Chance of a record being a rule sample.
    sample_chance: f64,
}

impl Traffic {
    /// Compiles the everyday templates and the CloudTrail samples found under `events`.
    ///
    /// # Errors
    /// When the folder cannot be read, a sample is not JSON, or there are no samples.
    pub fn load(events: &Path) -> Result<Traffic, String> {
        let mut files = Vec::new();
        collect(events, &mut files).map_err(|e| format!("{}: {e}", events.display()))?;
        files.sort();
        let mut samples = Vec::new();
        for path in &files {
            let bad = |e: serde_json::Error| format!("{}: {e}", path.display());
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            // Raw, to keep the sample's field order.
            let event: HashMap<String, &RawValue> = serde_json::from_str(&text).map_err(bad)?;
            let detail_type = event
                .get("detail-type")
                .map(|v| serde_json::from_str::<String>(v.get()))
                .transpose();
            let (Some(detail), Ok(Some(detail_type))) = (event.get("detail"), detail_type) else {
                continue;
            };
            if detail_type != aidr_engine::input::API_CALL_DETAIL_TYPE || !detail.get().starts_with('{') {
                continue;
            }
            let name = path.strip_prefix(events).unwrap_or(path).display().to_string();
            let fields: Value = serde_json::from_str(detail.get()).map_err(bad)?;
            samples.push(Template::compile(
                &name,
                &sample_template(&fields, &minify(detail.get())),
            ));
        }
        if samples.is_empty() {
            return Err(format!("{}: no CloudTrail API call samples", events.display()));
        }
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        let everyday = EVERYDAY
            .iter()
            .map(|(name, weight, source)| {
                total += u64::from(*weight);
                cumulative.push(total);
                Template::compile(name, source)
            })
            .collect();
        Ok(Traffic {
            everyday,
            cumulative,
            samples,
            sample_chance: SAMPLE_PERCENT / 100.0,
        })
    }

    /// The same traffic with `percent` of the records from the rule samples instead of
    /// [`SAMPLE_PERCENT`] (quieter or noisier traffic; the default keeps the benchmark's data).
    pub fn with_sample_percent(mut self, percent: f64) -> Traffic {
        self.sample_chance = (percent / 100.0).clamp(0.0, 1.0);
        self
    }

    pub fn everyday_templates(&self) -> usize {
        self.everyday.len()
    }

    pub fn sample_templates(&self) -> usize {
        self.samples.len()
    }

    /// The everyday templates, in [`EVERYDAY`] order.
    pub fn everyday(&self) -> &[Template] {
        &self.everyday
    }

    /// The templates of the rule samples, in file name order.
    pub fn samples(&self) -> &[Template] {
        &self.samples
    }

    /// Appends one record (no separator) at `ctx`.
    pub fn record(&self, ctx: &Context, rng: &mut Rng, scratch: &mut Scratch, out: &mut String) {
        let template = if rng.chance(self.sample_chance) {
            rng.pick_ref(&self.samples)
        } else {
            let total = *self.cumulative.last().unwrap_or(&1);
            let ticket = rng.below(total);
            &self.everyday[self.cumulative.partition_point(|&c| c <= ticket)]
        };
        template.render(ctx, rng, scratch, out);
    }

    /// Renders the first `count` records (at most [`BLOCK`]) of block `block` of stream
    /// `stream`, each followed by `separator`. With `place`, every record has that account and region;
    /// otherwise each draws its own.
    #[allow(clippy::too_many_arguments)]
    pub fn block(
        &self,
        seed: u64,
        stream: &str,
        block: u64,
        count: u64,
        place: Option<(&str, &str)>,
        separator: &str,
        out: &mut String,
    ) {
        let mut rng = Rng::derive(seed, stream, block);
        let mut scratch = Scratch::default();
        for j in 0..count.min(BLOCK) {
            let i = block * BLOCK + j;
            let (account, region) = place.unwrap_or_else(|| (rng.pick(ACCOUNTS), rng.pick(REGIONS)));
            let ctx = Context {
                time_ms: time_of(i) + rng.below(MEAN_GAP_MS),
                account,
                region,
            };
            self.record(&ctx, &mut rng, &mut scratch, out);
            out.push_str(separator);
        }
    }
}

/// The earliest time of record `i` of a stream (its jitter is below [`MEAN_GAP_MS`]).
pub fn time_of(i: u64) -> u64 {
    START_MS + i * MEAN_GAP_MS
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// JSON text without the whitespace between tokens.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// A sample's record (`text`, with `detail` its parsed fields) as a template: fresh ids and
/// time; its account, region and address replaced everywhere they occur (ARNs too); an
/// assumed-role session becomes a person, an IAM user's name gets a number (a
/// `BedrockAPIKey-…` user keeps its prefix).
fn sample_template(detail: &Value, text: &str) -> String {
    let mut text = text.to_owned();
    for (key, slot) in [("eventTime", "time"), ("eventID", "uuid#e"), ("requestID", "uuid#r")] {
        if let Some(span) = value_span(&text, key) {
            text.replace_range(span, &format!("\"{{{{{slot}}}}}\""));
        }
    }
    let field = |v: &Value, k: &str| v[k].as_str().map(str::to_owned);
    let account = field(detail, "recipientAccountId");
    let region = field(detail, "awsRegion");
    let address = field(detail, "sourceIPAddress").filter(|a| a.parse::<std::net::IpAddr>().is_ok());
    let identity = &detail["userIdentity"];
    let principal = match (field(identity, "type").as_deref(), field(identity, "arn")) {
        (Some(kind @ ("AssumedRole" | "IAMUser")), Some(arn)) => arn
            .rsplit_once('/')
            .map(|(_, name)| (kind == "AssumedRole", name.to_owned())),
        _ => None,
    };
    let mut replace = |from: &str, to: &str| text = text.replace(from, to);
    if let Some(a) = account.filter(|a| a.len() == 12) {
        replace(&a, "{{account}}");
    }
    if let Some(r) = region {
        replace(&format!("\"{r}\""), "\"{{region}}\"");
        replace(&format!(":{r}:"), ":{{region}}:");
        replace(&format!(".{r}."), ".{{region}}.");
    }
    if let Some(a) = address {
        replace(&format!("\"{a}\""), "\"{{ip}}\"");
    }
    match principal {
        Some((true, session)) if session.len() >= 3 => {
            replace(&format!("/{session}\""), "/{{user}}\"");
            replace(&format!(":{session}\""), ":{{user}}\"");
            replace(&format!("\"{session}\""), "\"{{user}}\"");
        }
        Some((false, user)) if user.len() >= 3 => {
            let numbered = format!("{user}-{{{{num:40#u}}}}");
            replace(&format!("/{user}\""), &format!("/{numbered}\""));
            replace(&format!("\"{user}\""), &format!("\"{numbered}\""));
        }
        _ => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traffic() -> Traffic {
        Traffic::load(&default_events_dir()).unwrap()
    }

    #[test]
    fn every_template_renders_valid_json_with_its_slots_filled() {
        let t = traffic();
        assert!(t.everyday_templates() >= 12 && t.sample_templates() > 50);
        let ctx = Context {
            time_ms: START_MS + 105_000,
            account: ACCOUNTS[1],
            region: "eu-west-1",
        };
        let mut rng = Rng::new(3);
        for template in t.everyday.iter().chain(&t.samples) {
            let mut out = String::new();
            template.render(&ctx, &mut rng, &mut Scratch::default(), &mut out);
            let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{}: {e}\n{out}", template.name));
            assert!(!out.contains("{{"), "{}: {out}", template.name);
            assert_eq!(v["eventTime"], "2026-10-01T00:01:45Z", "{}", template.name);
            assert_eq!(v["recipientAccountId"], ACCOUNTS[1], "{}", template.name);
            assert_eq!(v["awsRegion"], "eu-west-1", "{}", template.name);
            assert!(
                v["eventSource"].is_string() && v["eventName"].is_string(),
                "{}",
                template.name
            );
            assert!(!out.contains("111122223333"), "{}: {out}", template.name);
        }
    }

    #[test]
    fn samples_keep_their_field_order() {
        assert_eq!(
            minify("{ \"a\" : [1, \"b c\\\" d\"],\n \"e\": {} }"),
            r#"{"a":[1,"b c\" d"],"e":{}}"#
        );
        let t = traffic();
        let mut out = String::new();
        let ctx = Context {
            time_ms: START_MS,
            account: ACCOUNTS[0],
            region: "us-east-1",
        };
        t.samples[0].render(&ctx, &mut Rng::new(1), &mut Scratch::default(), &mut out);
        assert!(out.starts_with(r#"{"eventVersion":"#), "{out}");
    }

    #[test]
    fn blocks_are_deterministic_and_times_increase() {
        let t = traffic();
        let (mut a, mut b) = (String::new(), String::new());
        t.block(7, "json lines", 3, 500, None, "\n", &mut a);
        t.block(7, "json lines", 3, 500, None, "\n", &mut b);
        assert_eq!(a, b);
        let times: Vec<String> = a
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["eventTime"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(times.len(), 500);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times[0].starts_with("2026-10-01T00:43"), "{}", times[0]);
    }
}
