//! Record templates: JSON text with `{{slot}}` holes, split once into text and slots, rendered
//! many times. A slot is `{{kind}}`, `{{kind:arg}}`, optionally followed by `#tag`; the same
//! slot text twice in a template gives the same value in a record (a bucket in the request and
//! in `resources`), a different tag a fresh one (`{{uuid#e}}`, `{{uuid#r}}`).

use std::ops::Range;

use aidr_llmjacking::Rng;

/// Where a record happens: set by the caller (a log file is one account and region).
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// Milliseconds since the Unix epoch.
    pub time_ms: u64,
    pub account: &'a str,
    pub region: &'a str,
}

/// What fills a slot.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// `eventTime`: `2026-10-01T00:01:45Z`.
    Time,
    /// A session's `creationDate`: up to an hour before the event.
    Since,
    Uuid,
    Account,
    Region,
    /// A source address: private, AWS public, or office.
    Ip,
    /// A person's name (`maria.lopez`).
    User,
    /// A role session name: a person, an instance, an SDK session.
    Session,
    Role,
    /// `AROA…`, stable for a role in an account.
    RoleId,
    /// `ASIA…` temporary access key.
    TempKey,
    /// `AIDA…`, stable for a user.
    UserId,
    /// `AKIA…`, stable for a user.
    UserKey,
    Agent,
    /// An S3 object key.
    ObjectKey,
    /// Lowercase hex digits.
    Hex(usize),
    /// Uppercase letters and digits.
    Upper(usize),
    /// Base64 characters.
    Base64(usize),
    /// A number below the bound.
    Num(u64),
    /// One of the choices.
    Pick(Vec<String>),
}

impl Kind {
    fn parse(slot: &str) -> Option<Kind> {
        let slot = slot.rsplit_once('#').map_or(slot, |(s, _)| s);
        let (name, arg) = slot.split_once(':').unwrap_or((slot, ""));
        let n = || arg.parse::<usize>().ok().filter(|&n| n > 0);
        Some(match name {
            "time" => Kind::Time,
            "since" => Kind::Since,
            "uuid" => Kind::Uuid,
            "account" => Kind::Account,
            "region" => Kind::Region,
            "ip" => Kind::Ip,
            "user" => Kind::User,
            "session" => Kind::Session,
            "role" => Kind::Role,
            "roleid" => Kind::RoleId,
            "tempkey" => Kind::TempKey,
            "userid" => Kind::UserId,
            "userkey" => Kind::UserKey,
            "agent" => Kind::Agent,
            "key" => Kind::ObjectKey,
            "hex" => Kind::Hex(n()?),
            "upper" => Kind::Upper(n()?),
            "b64" => Kind::Base64(n()?),
            "num" => Kind::Num(n()? as u64),
            "pick" if !arg.is_empty() => Kind::Pick(arg.split('|').map(str::to_owned).collect()),
            _ => return None,
        })
    }
}

enum Part {
    Text(Range<usize>),
    Slot(usize),
}

/// A compiled template.
pub struct Template {
    /// What it is, for messages (`ec2 Describe*`, a sample's file name).
    pub name: String,
    text: String,
    parts: Vec<Part>,
    slots: Vec<Kind>,
}

impl Template {
    /// Splits `source` at its slots; text between `{{` and `}}` that is not a slot stays text.
    pub fn compile(name: &str, source: &str) -> Template {
        let mut parts = Vec::new();
        let mut keys: Vec<&str> = Vec::new();
        let mut slots = Vec::new();
        let (mut text_start, mut at) = (0, 0);
        while let Some(open) = source[at..].find("{{").map(|i| at + i) {
            let Some(close) = source[open + 2..].find("}}").map(|i| open + 2 + i) else {
                break;
            };
            let key = &source[open + 2..close];
            let Some(kind) = Kind::parse(key) else {
                at = open + 2;
                continue;
            };
            if open > text_start {
                parts.push(Part::Text(text_start..open));
            }
            let index = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                keys.push(key);
                slots.push(kind);
                slots.len() - 1
            });
            parts.push(Part::Slot(index));
            text_start = close + 2;
            at = text_start;
        }
        if text_start < source.len() {
            parts.push(Part::Text(text_start..source.len()));
        }
        Template {
            name: name.to_owned(),
            text: source.to_owned(),
            parts,
            slots,
        }
    }

    /// Appends one record to `out`.
    pub fn render(&self, ctx: &Context, rng: &mut Rng, scratch: &mut Scratch, out: &mut String) {
        let picks = Picks::draw(rng);
        scratch.values.clear();
        scratch.ranges.clear();
        for kind in &self.slots {
            let start = scratch.values.len();
            fill(kind, ctx, &picks, rng, &mut scratch.values);
            scratch.ranges.push(start..scratch.values.len());
        }
        for part in &self.parts {
            match part {
                Part::Text(r) => out.push_str(&self.text[r.clone()]),
                Part::Slot(i) => out.push_str(&scratch.values[scratch.ranges[*i].clone()]),
            }
        }
    }
}

/// Buffers reused from record to record.
#[derive(Default)]
pub struct Scratch {
    values: String,
    ranges: Vec<Range<usize>>,
}

/// The principal and client of one record, drawn once so that every slot agrees.
struct Picks {
    user: (usize, usize),
    machine_session: bool,
    role: usize,
    agent: usize,
    ip: u64,
}

impl Picks {
    fn draw(rng: &mut Rng) -> Picks {
        Picks {
            user: (
                rng.below(FIRST.len() as u64) as usize,
                rng.below(LAST.len() as u64) as usize,
            ),
            machine_session: rng.chance(0.5),
            role: rng.below(ROLES.len() as u64) as usize,
            agent: rng.below(AGENTS.len() as u64) as usize,
            ip: rng.next_u64(),
        }
    }

    fn user(&self, out: &mut String) {
        out.push_str(FIRST[self.user.0]);
        out.push('.');
        out.push_str(LAST[self.user.1]);
    }

    fn user_hash(&self) -> u64 {
        hash(FIRST[self.user.0]) ^ hash(LAST[self.user.1]).rotate_left(17)
    }
}

const FIRST: &[&str] = &[
    "maria", "james", "wei", "olga", "ahmed", "lucia", "kenji", "fatima", "noah", "ines", "tomas", "priya", "lars",
    "amara", "diego", "hana", "omar", "sofia", "ivan", "chloe", "ravi", "elena", "jonas", "mei", "pablo", "nadia",
    "felix", "zoe", "arjun", "lea",
];
const LAST: &[&str] = &[
    "lopez", "smith", "chen", "petrova", "hassan", "rossi", "tanaka", "diallo", "brown", "silva", "novak", "iyer",
    "berg", "okafor", "garcia", "kim", "farouk", "muller", "ivanov", "martin",
];
const ROLES: &[&str] = &[
    "WebAppRole",
    "OrdersServiceTaskRole",
    "IngestLambdaExecution",
    "DataPipelineRole",
    "eks-nodegroup-NodeInstanceRole",
    "AWSReservedSSO_ReadOnlyAccess_4f1e2a7b9c0d3e58",
    "AWSReservedSSO_DeveloperAccess_8b3c5d7e9f1a2b46",
    "GitHubActionsDeploy",
    "AnalyticsGlueJobRole",
    "BillingReportsRole",
    "MonitoringCollectorRole",
    "BackupServiceRole",
    "SearchIndexerRole",
    "PaymentsApiRole",
];
const AGENTS: &[&str] = &[
    "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#5.10.223-211.872.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2 md/prompt#off md/command#ec2.describe-instances",
    "Boto3/1.35.40 md/Botocore#1.35.40 ua/2.0 os/linux#6.1.109-118.189.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.40",
    "aws-sdk-java/2.28.16 Linux/5.10.225-213.878.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.4+7-LTS Java/21.0.4 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard",
    "aws-sdk-go-v2/1.32.2 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/sts#1.32.2",
    "aws-sdk-js/3.670.0 ua/2.1 os/linux#5.10.226-214.879.amzn2.x86_64 lang/js md/nodejs#20.17.0 api/dynamodb#3.670.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Terraform/1.9.7 (+https://www.terraform.io) terraform-provider-aws/5.72.1 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.2 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.182.0",
    "aws-sdk-rust/1.3.3 ua/2.1 api/s3/1.56.0 os/linux lang/rust/1.81.0",
    "console.amazonaws.com",
    "aws-internal/3 aws-sdk-java/1.12.772 Linux/5.10.226-193.880.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/17.0.12+8-LTS java/17.0.12 vendor/Amazon.com_Inc. cfg/retry-mode/standard",
];
const OFFICE_IPS: &[&str] = &["198.51.100.17", "198.51.100.84", "203.0.113.40", "192.0.2.155"];
const PUBLIC_FIRST_OCTETS: &[u8] = &[3, 13, 18, 34, 35, 44, 52, 54, 63, 100];
const KEY_PREFIXES: &[&str] = &[
    "raw/events/dt=",
    "curated/orders/dt=",
    "models/checkpoints/",
    "exports/daily/",
    "uploads/user-content/",
];
const KEY_SUFFIXES: &[&str] = &[".snappy.parquet", ".json.gz", ".csv", ".tar.gz", ".png"];

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM_UPPER: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &[u8; 16] = b"0123456789abcdef";

fn chars(alphabet: &[u8], n: usize, mut bits: impl FnMut() -> u64, out: &mut String) {
    let mut word = 0u64;
    for i in 0..n {
        if i % 8 == 0 {
            word = bits();
        }
        out.push(alphabet[(word & 0xff) as usize % alphabet.len()] as char);
        word >>= 8;
    }
}

/// A stable hash of a name: the first draw of the stream [`Rng::derive`] gives it.
fn hash(name: &str) -> u64 {
    Rng::derive(0, name, 0).next_u64()
}

/// An id derived from a name: the same name, the same id.
fn derived(prefix: &str, seed: u64, out: &mut String) {
    out.push_str(prefix);
    let mut r = Rng::new(seed);
    chars(BASE32, 17, || r.next_u64(), out);
}

fn push_num(out: &mut String, n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let (mut n, mut i) = (n, 20);
    while n > 0 || i == 20 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = i.min(20 - width.min(20));
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or("0"));
}

fn fill(kind: &Kind, ctx: &Context, picks: &Picks, rng: &mut Rng, out: &mut String) {
    match kind {
        Kind::Time => format_time(ctx.time_ms / 1000, out),
        Kind::Since => format_time((ctx.time_ms / 1000).saturating_sub(rng.below(3600)), out),
        Kind::Uuid => uuid(rng, out),
        Kind::Account => out.push_str(ctx.account),
        Kind::Region => out.push_str(ctx.region),
        Kind::Ip => ip(picks.ip, out),
        Kind::User => picks.user(out),
        Kind::Session if !picks.machine_session => picks.user(out),
        Kind::Session => match rng.below(3) {
            0 => {
                out.push_str("i-0");
                chars(HEX, 16, || rng.next_u64(), out);
            }
            1 => {
                out.push_str("botocore-session-");
                push_num(out, ctx.time_ms / 1000 - rng.below(7200), 0);
            }
            _ => {
                out.push_str("aws-go-sdk-");
                push_num(out, ctx.time_ms - rng.below(7_200_000), 0);
            }
        },
        Kind::Role => out.push_str(ROLES[picks.role]),
        Kind::RoleId => derived("AROA", hash(ctx.account) ^ hash(ROLES[picks.role]), out),
        Kind::TempKey => {
            out.push_str("ASIA");
            chars(BASE32, 16, || rng.next_u64(), out);
        }
        Kind::UserId => derived("AIDA", picks.user_hash() ^ hash(ctx.account), out),
        Kind::UserKey => {
            out.push_str("AKIA");
            let mut r = Rng::new(picks.user_hash() ^ 0x5eed);
            chars(BASE32, 16, || r.next_u64(), out);
        }
        Kind::Agent => out.push_str(AGENTS[picks.agent]),
        Kind::ObjectKey => {
            out.push_str(rng.pick(KEY_PREFIXES));
            let date = out.len() + "YYYY-MM-DD".len();
            format_time(ctx.time_ms / 1000, out);
            out.truncate(date);
            out.push_str("/part-");
            push_num(out, rng.below(2000), 5);
            out.push('-');
            uuid(rng, out);
            out.push_str(rng.pick(KEY_SUFFIXES));
        }
        Kind::Hex(n) => chars(HEX, *n, || rng.next_u64(), out),
        Kind::Upper(n) => chars(ALNUM_UPPER, *n, || rng.next_u64(), out),
        Kind::Base64(n) => chars(BASE64, *n, || rng.next_u64(), out),
        Kind::Num(bound) => push_num(out, rng.below(*bound), 0),
        Kind::Pick(choices) => out.push_str(rng.pick_ref::<String>(choices)),
    }
}

fn uuid(rng: &mut Rng, out: &mut String) {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    for (i, nibble) in (0..32)
        .map(|i| if i < 16 { a >> (i * 4) } else { b >> ((i - 16) * 4) })
        .enumerate()
    {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        let d = match i {
            12 => 4,                // version 4
            16 => 8 | (nibble & 3), // variant 10xx
            _ => nibble & 0xf,
        };
        out.push(HEX[d as usize] as char);
    }
}

fn ip(bits: u64, out: &mut String) {
    let octets = bits.to_le_bytes();
    match bits % 10 {
        0..=4 => out.push_str("10"),
        5..=8 => {
            push_num(
                out,
                u64::from(PUBLIC_FIRST_OCTETS[octets[1] as usize % PUBLIC_FIRST_OCTETS.len()]),
                0,
            );
        }
        _ => return out.push_str(OFFICE_IPS[octets[1] as usize % OFFICE_IPS.len()]),
    }
    for o in &octets[2..5] {
        out.push('.');
        push_num(out, u64::from(*o), 0);
    }
}

/// Writes Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_time(secs: u64, out: &mut String) {
    let (y, m, d) = civil(secs / 86_400);
    let s = secs % 86_400;
    push_num(out, y, 4);
    out.push('-');
    push_num(out, m, 2);
    out.push('-');
    push_num(out, d, 2);
    out.push('T');
    push_num(out, s / 3600, 2);
    out.push(':');
    push_num(out, s / 60 % 60, 2);
    out.push(':');
    push_num(out, s % 60, 2);
    out.push('Z');
}

/// The calendar date of a day counted from 1970-01-01 (proleptic Gregorian).
fn civil(days: u64) -> (u64, u64, u64) {
    // Count from 0000-03-01 so that the leap day ends each 4-, 100- and 400-year cycle.
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(secs: u64) -> String {
        let mut s = String::new();
        format_time(secs, &mut s);
        s
    }

    #[test]
    fn times() {
        assert_eq!(time(0), "1970-01-01T00:00:00Z");
        assert_eq!(time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(time(1_790_812_905), "2026-10-01T00:01:45Z");
        assert_eq!(time(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn slots_repeat_within_a_record_and_tags_differ() {
        let t = Template::compile(
            "t",
            r#"{"a":"{{uuid#e}}","b":"{{uuid#e}}","c":"{{uuid#r}}","d":"{{nope}}","e":"{{pick:x|y}}{{pick:x|y}}"}"#,
        );
        let ctx = Context {
            time_ms: 1_790_812_905_000,
            account: "111122223333",
            region: "eu-west-1",
        };
        let mut out = String::new();
        t.render(&ctx, &mut Rng::new(1), &mut Scratch::default(), &mut out);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["a"], v["b"]);
        assert_ne!(v["a"], v["c"]);
        assert_eq!(v["a"].as_str().unwrap().len(), 36);
        assert_eq!(v["d"], "{{nope}}");
        assert!(v["e"] == "xx" || v["e"] == "yy", "{out}");
    }

    #[test]
    fn numbers_and_addresses() {
        let mut s = String::new();
        push_num(&mut s, 42, 5);
        push_num(&mut s, 0, 0);
        assert_eq!(s, "000420");
        for bits in [0u64, 5, 9, u64::MAX] {
            let mut a = String::new();
            ip(bits, &mut a);
            assert!(a.parse::<std::net::Ipv4Addr>().is_ok(), "{a}");
        }
    }
}
