//! Clauses: field tests of one leaf, written the way rule authors write them, meant to hold on the
//! leaf's record or to fail on it (exceptions go under `not`, alternatives under `any`). What
//! is meant is not taken on trust: [`super::check`] runs every test through the engine.

use aidr_engine::user_rules::{ConditionDoc, OneOrMany, PolicyTest};
use aidr_llmjacking::Rng;
use serde_json::Value;

use super::leaves::{Leaf, Shape};
use crate::traffic::{ACCOUNTS, REGIONS};

/// One test and how a title says it.
#[derive(Debug, Clone)]
pub struct Clause {
    pub doc: ConditionDoc,
    /// `with roleName starting with "ml-"`.
    pub phrase: String,
}

/// Role and user names of the principals allowed to do things (exceptions name them).
const PLATFORM_NAMES: &[&str] = &[
    "MLPlatformDeploy",
    "TerraformCI",
    "BreakGlassAdmin",
    "SecurityAudit",
    "OrganizationAccountAccessRole",
    "sagemaker-pipelines-exec",
    "github-actions-deploy",
];

/// Networks of the offices and VPCs.
const CORPORATE: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

/// Clients nobody at the company uses.
const ODD_CLIENTS: &str = "(?i)^(kali|sqlmap|nmap|python-requests|go-http-client|curl)";

/// The policy questions, with how a title says each.
const POLICY_TESTS: &[(PolicyTest, &str)] = &[
    (PolicyTest::GrantsAdmin, "grants admin"),
    (PolicyTest::BroadGrant, "makes a broad grant"),
    (PolicyTest::PublicPrincipal, "admits anyone"),
    (PolicyTest::ExternalPrincipal, "admits an outside account"),
    (PolicyTest::Escalation, "opens an escalation path"),
];

fn field(path: &str) -> ConditionDoc {
    ConditionDoc {
        field: Some(path.to_owned()),
        ..ConditionDoc::default()
    }
}

fn many(values: Vec<String>) -> OneOrMany<String> {
    match <[String; 1]>::try_from(values) {
        Ok([one]) => OneOrMany::One(one),
        Err(values) => OneOrMany::Many(values),
    }
}

/// A test of `leaf` meant to hold (`holds`) or fail on its record.
pub fn test(leaf: &Leaf, holds: bool, rng: &mut Rng) -> Clause {
    if rng.chance(0.06) && leaf.shape != Shape::Policy {
        let mut doc = field(&leaf.path);
        doc.exists = Some(holds);
        let phrase = format!("with {} {}", leaf.key(), if holds { "set" } else { "unset" });
        return Clause { doc, phrase };
    }
    let text = leaf.value.as_str().unwrap_or_default();
    match leaf.shape {
        Shape::Arn => arn(leaf, text, holds, rng),
        Shape::Address => address(leaf, text, holds),
        Shape::Agent => agent(leaf, text, holds, rng),
        Shape::Text => plain(leaf, text, holds, rng),
        Shape::Number => number(leaf, leaf.value.as_f64().unwrap_or_default(), holds, rng),
        Shape::Flag => {
            let mut doc = field(&leaf.path);
            let value = leaf.value.as_bool().unwrap_or_default() == holds;
            doc.equals = Some(OneOrMany::One(Value::Bool(value)));
            let phrase = format!("with {} {value}", leaf.key());
            Clause { doc, phrase }
        }
        Shape::Policy => policy(leaf, rng),
    }
}

/// Principals that rarely act: what a selective rule is about.
const RARE_PRINCIPALS: &[&str] = &[
    "ContractorTemp",
    "ExternalAuditor",
    "legacy-jenkins",
    "VendorIntegration",
    "DataScienceSandbox",
    "IncidentResponse",
];

/// Clients that rarely call, with the start of their text that tells them apart.
const RARE_AGENTS: &[(&str, &str)] = &[
    ("curl/8.4.0", "curl/"),
    ("python-requests/2.31.0", "python-requests/"),
    (
        "aws-cli/1.16.0 Python/2.7.18 Linux/4.14.0 botocore/1.12.0",
        "aws-cli/1.",
    ),
    ("Go-http-client/1.1", "Go-http-client/"),
];

/// Networks nobody at the company calls from (documentation and hosting ranges).
const RARE_NETWORKS: &[(&str, &str)] = &[
    ("185.220.101.7", "185.220.101.0/24"),
    ("45.155.205.33", "45.155.205.0/24"),
    ("91.219.236.15", "91.219.236.0/24"),
];

/// Marks of sensitive resources in names.
const RARE_MARKS: &[&str] = &["restricted", "pii", "finance", "external", "breakglass"];

/// A value of `leaf` that the benchmark's traffic does not hold (a rare principal, client,
/// network or sensitive resource) and a test that holds on it: what a selective rule is
/// about. `None` for a shape that has no such value.
pub fn rare(leaf: &Leaf, rng: &mut Rng) -> Option<(Value, Clause)> {
    let text = leaf.value.as_str()?;
    let key = leaf.key();
    let mut doc = field(&leaf.path);
    match leaf.shape {
        Shape::Arn => {
            let (head, mut segments) = arn_parts(text)?;
            let at = usize::from(segments.len() >= 2);
            let name = rng.pick(RARE_PRINCIPALS);
            segments[at] = name;
            let value = format!("{}:{}", head.join(":"), segments.join("/"));
            let pattern = format!(
                "{}:{}:{}:{}:*:{}{}",
                head[0],
                head[1],
                head[2],
                head[3],
                segments[..=at].join("/"),
                if segments.len() > at + 1 { "/*" } else { "*" }
            );
            match rng.below(3) {
                0 => doc.wildcard = Some(OneOrMany::One(pattern)),
                1 => doc.equals = Some(OneOrMany::Many(vec![Value::String(value.clone())])),
                _ => doc.contains = Some(OneOrMany::One(format!("/{name}"))),
            }
            Some((
                Value::String(value),
                Clause {
                    doc,
                    phrase: format!("by {name}"),
                },
            ))
        }
        Shape::Agent => {
            let (agent, start) = rng.pick(RARE_AGENTS);
            if rng.chance(0.5) {
                doc.starts_with = Some(OneOrMany::One(start.to_owned()));
            } else {
                doc.regex = Some(OneOrMany::One(format!("^{}", regex::escape(start))));
            }
            let phrase = format!("from {}", start.trim_end_matches('/'));
            Some((Value::from(agent), Clause { doc, phrase }))
        }
        Shape::Address => {
            let (ip, net) = rng.pick(RARE_NETWORKS);
            doc.cidr = Some(OneOrMany::One(net.to_owned()));
            Some((
                Value::from(ip),
                Clause {
                    doc,
                    phrase: format!("from {net}"),
                },
            ))
        }
        Shape::Text => {
            let mark = rng.pick(RARE_MARKS);
            let value = if rng.chance(0.5) {
                format!("{mark}-{text}")
            } else {
                format!("{text}-{mark}")
            };
            let phrase;
            match rng.below(6) {
                0 | 1 => {
                    let other = format!("{}-{mark}", rng.pick(&["billing", "hr", "payroll", "keys"]));
                    doc.equals = Some(OneOrMany::Many(vec![
                        Value::String(value.clone()),
                        Value::String(other),
                    ]));
                    phrase = format!("with {key} {value}");
                }
                2 => {
                    doc.contains = Some(OneOrMany::One(mark.to_owned()));
                    phrase = format!("with {key} containing {mark}");
                }
                3 => {
                    doc.wildcard = Some(OneOrMany::Many(vec![format!("{mark}-*"), format!("*-{mark}")]));
                    phrase = format!("with {key} marked {mark}");
                }
                4 => {
                    doc.regex = Some(OneOrMany::One(format!("(^|-)({mark}|confidential)(-|$)")));
                    phrase = format!("with {key} marked {mark}");
                }
                _ => {
                    doc.contains = Some(OneOrMany::One(mark.to_uppercase()));
                    doc.ignore_case = true;
                    phrase = format!("with {key} containing {mark}");
                }
            }
            Some((Value::String(value), Clause { doc, phrase }))
        }
        _ => None,
    }
}

/// A policy question; whether it holds is for the engine to say.
pub fn policy(leaf: &Leaf, rng: &mut Rng) -> Clause {
    let (test, words) = *rng.pick_ref(POLICY_TESTS);
    let mut doc = field(&leaf.path);
    doc.policy = Some(test);
    let phrase = format!("with a {} that {words}", leaf.key());
    Clause { doc, phrase }
}

/// Every policy question on `leaf`, for a caller looking for one that holds.
pub fn policies(leaf: &Leaf) -> impl Iterator<Item = Clause> + '_ {
    POLICY_TESTS.iter().map(|(test, words)| {
        let mut doc = field(&leaf.path);
        doc.policy = Some(*test);
        let phrase = format!("with a {} that {words}", leaf.key());
        Clause { doc, phrase }
    })
}

/// Another name, not `name`.
fn decoy(name: &str, rng: &mut Rng) -> String {
    let choices: Vec<&str> = PLATFORM_NAMES.iter().copied().filter(|n| *n != name).collect();
    rng.pick(&choices).to_owned()
}

/// Values that are not `value` but look like it.
fn lookalikes(value: &str, rng: &mut Rng) -> Vec<String> {
    let variants = [
        format!("{value}-legacy"),
        format!("{value}-dev"),
        format!("old-{value}"),
        format!("{value}2"),
    ];
    let n = 1 + rng.below(2) as usize;
    (0..n)
        .map(|_| rng.pick_ref(&variants).clone())
        .fold(Vec::new(), |mut out, v| {
            if !out.contains(&v) {
                out.push(v);
            }
            out
        })
}

/// An ARN's parts: `arn:partition:service:region:account:` and the resource's segments.
fn arn_parts(arn: &str) -> Option<(Vec<&str>, Vec<&str>)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, _, _, _, resource] = parts.as_slice() else {
        return None;
    };
    Some((parts[..5].to_vec(), resource.split('/').collect()))
}

fn arn(leaf: &Leaf, text: &str, holds: bool, rng: &mut Rng) -> Clause {
    let Some((head, segments)) = arn_parts(text) else {
        return plain(leaf, text, holds, rng);
    };
    // The name is the segment after the resource type (`role/NAME`, `assumed-role/NAME/session`).
    let at = usize::from(segments.len() >= 2);
    let name = if holds {
        segments[at].to_owned()
    } else {
        decoy(segments[at], rng)
    };
    let mut pattern_segments: Vec<String> = segments[..at].iter().map(|s| (*s).to_owned()).collect();
    pattern_segments.push(name.clone());
    let generic = |account: &str| format!("{}:{}:{}:{}:{account}", head[0], head[1], head[2], head[3]);
    let mut doc = field(&leaf.path);
    let phrase;
    match rng.below(4) {
        0 => {
            let rest = if segments.len() > at + 1 { "/*" } else { "*" };
            doc.wildcard = Some(OneOrMany::One(format!(
                "{}:{}{rest}",
                generic("*"),
                pattern_segments.join("/")
            )));
            phrase = format!("by {name}");
        }
        1 => {
            doc.starts_with = Some(OneOrMany::One(format!(
                "{}:{}",
                generic(head[4]),
                pattern_segments.join("/")
            )));
            phrase = format!("by {name}");
        }
        2 => {
            let account = if head[4].is_empty() { "" } else { r"\d{12}" };
            doc.regex = Some(OneOrMany::One(format!(
                "^{}:{}:{}:[^:]*:{account}:{}(/|$)",
                head[0],
                head[1],
                regex::escape(head[2]),
                regex::escape(&pattern_segments.join("/"))
            )));
            phrase = format!("by {name}");
        }
        _ => {
            let mut values = if holds { vec![text.to_owned()] } else { Vec::new() };
            for _ in 0..1 + rng.below(2) {
                let other = decoy(segments[at], rng);
                let mut s = segments.clone();
                s[at] = &other;
                let v = format!("{}:{}", head.join(":"), s.join("/"));
                if v != text && !values.contains(&v) {
                    values.push(v);
                }
            }
            doc.equals = Some(OneOrMany::Many(values.into_iter().map(Value::String).collect()));
            phrase = format!("by {name}");
        }
    }
    Clause { doc, phrase }
}

fn address(leaf: &Leaf, text: &str, holds: bool) -> Clause {
    let mut doc = field(&leaf.path);
    let nets: Vec<String> = match text.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) if holds => {
            let [a, b, _, _] = ip.octets();
            vec![format!("{a}.{b}.0.0/16"), "192.0.2.0/24".to_owned()]
        }
        _ => CORPORATE.iter().map(|n| (*n).to_owned()).collect(),
    };
    doc.cidr = Some(many(nets));
    let phrase = if holds {
        "from a known network"
    } else {
        "from the corporate network"
    };
    Clause {
        doc,
        phrase: phrase.to_owned(),
    }
}

fn agent(leaf: &Leaf, text: &str, holds: bool, rng: &mut Rng) -> Clause {
    let product = text.split(['/', ' ']).next().unwrap_or(text);
    let mut doc = field(&leaf.path);
    if !holds {
        doc.regex = Some(OneOrMany::One(ODD_CLIENTS.to_owned()));
        return Clause {
            doc,
            phrase: "from an attack tool".to_owned(),
        };
    }
    if rng.chance(0.5) {
        doc.regex = Some(OneOrMany::One(format!("^{}/", regex::escape(product))));
    } else {
        doc.contains = Some(OneOrMany::One(product.to_ascii_lowercase()));
        doc.ignore_case = true;
    }
    Clause {
        doc,
        phrase: format!("from {product}"),
    }
}

/// A prefix of `text` ending at a separator, or its first half.
fn prefix(text: &str) -> &str {
    let cut = text
        .char_indices()
        .skip(2)
        .find(|(_, c)| matches!(c, '-' | '_' | '.' | '/' | ':'))
        .map_or(text.len().div_ceil(2), |(i, c)| i + c.len_utf8());
    let cut = (0..=cut.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    &text[..cut]
}

/// A suffix of `text` starting at a separator, or its second half.
fn suffix(text: &str) -> &str {
    let cut = text
        .char_indices()
        .rev()
        .skip(2)
        .find(|(_, c)| matches!(c, '-' | '_' | '.' | '/' | ':'))
        .map_or(text.len() / 2, |(i, _)| i);
    let cut = (cut..=text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    &text[cut..]
}

/// The longest word of `text` (letters and digits), at least three characters.
fn word(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .max_by_key(|w| w.len())
}

/// Where a record happens: accounts and regions, tested with lists of the organization's own.
fn place(leaf: &Leaf, text: &str, holds: bool, rng: &mut Rng) -> Option<Clause> {
    let (known, phrase): (&[&str], &str) = match leaf.path.as_str() {
        "recipientAccountId" | "userIdentity.accountId" => (ACCOUNTS, "in a production account"),
        "awsRegion" => (REGIONS, "in a watched region"),
        _ => return None,
    };
    let mut values: Vec<String> = if holds { vec![text.to_owned()] } else { Vec::new() };
    for _ in 0..1 + rng.below(3) {
        let other = rng.pick(known);
        if other != text && !values.iter().any(|v| v == other) {
            values.push(other.to_owned());
        }
    }
    if values.is_empty() {
        values.push(
            if known == ACCOUNTS {
                "999988887777"
            } else {
                "me-central-1"
            }
            .to_owned(),
        );
    }
    let mut doc = field(&leaf.path);
    doc.equals = Some(OneOrMany::Many(values.into_iter().map(Value::String).collect()));
    let phrase = if holds {
        phrase.to_owned()
    } else {
        phrase.replacen("in a", "outside the", 1)
    };
    Some(Clause { doc, phrase })
}

fn plain(leaf: &Leaf, text: &str, holds: bool, rng: &mut Rng) -> Clause {
    if let Some(clause) = place(leaf, text, holds, rng) {
        return clause;
    }
    let key = leaf.key();
    let mut doc = field(&leaf.path);
    let phrase;
    let other = lookalikes(text, rng);
    match rng.below(8) {
        0..=2 => {
            let mut values: Vec<String> = if holds { vec![text.to_owned()] } else { Vec::new() };
            values.extend(other);
            let ignore_case = rng.chance(0.15);
            if ignore_case && holds {
                values[0] = values[0].to_uppercase();
            }
            doc.ignore_case = ignore_case;
            doc.equals = Some(OneOrMany::Many(values.into_iter().map(Value::String).collect()));
            phrase = format!("with {key} {text}");
        }
        3 => {
            let w = word(text).map_or_else(|| text.to_owned(), str::to_owned);
            let w = if holds { w } else { format!("{w}-shadow") };
            phrase = format!("with {key} containing {w}");
            doc.contains = Some(OneOrMany::One(w));
        }
        4 => {
            let p = if holds {
                prefix(text).to_owned()
            } else {
                format!("x{}", prefix(text))
            };
            phrase = format!("with {key} starting with {p}");
            doc.starts_with = Some(OneOrMany::One(p));
        }
        5 => {
            let s = if holds {
                suffix(text).to_owned()
            } else {
                format!("{}-old", suffix(text))
            };
            phrase = format!("with {key} ending with {s}");
            doc.ends_with = Some(OneOrMany::One(s));
        }
        6 => {
            let p = if holds {
                prefix(text).to_owned()
            } else {
                format!("z{}", prefix(text))
            };
            phrase = format!("with {key} like {p}*");
            doc.wildcard = Some(OneOrMany::Many(vec![format!("{p}*"), format!("{}*", other[0])]));
        }
        _ => {
            let p = if holds {
                prefix(text).to_owned()
            } else {
                format!("q{}", prefix(text))
            };
            phrase = format!("with {key} matching ^{p}");
            doc.regex = Some(OneOrMany::One(format!("^{}", regex::escape(&p))));
        }
    }
    Clause { doc, phrase }
}

fn number(leaf: &Leaf, n: f64, holds: bool, rng: &mut Rng) -> Clause {
    let key = leaf.key();
    let mut doc = field(&leaf.path);
    let margin = (n.abs() / 2.0).max(1.0).round();
    let phrase = match (rng.below(3), holds) {
        (0, true) => {
            doc.gte = Some(n);
            format!("with {key} at least {n}")
        }
        (0, false) => {
            doc.gt = Some(n + margin);
            format!("with {key} above {}", n + margin)
        }
        (1, true) => {
            doc.lt = Some(n + margin);
            format!("with {key} below {}", n + margin)
        }
        (1, false) => {
            doc.lte = Some(n - margin);
            format!("with {key} at most {}", n - margin)
        }
        (_, true) => {
            doc.equals = Some(OneOrMany::One(Value::from(n)));
            format!("with {key} {n}")
        }
        (_, false) => {
            doc.equals = Some(OneOrMany::One(Value::from(n + margin)));
            format!("with {key} {}", n + margin)
        }
    };
    Clause { doc, phrase }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_suffixes_cut_at_separators() {
        assert_eq!(prefix("anthropic.claude-v2"), "anthropic.");
        assert_eq!(prefix("abcdef"), "abc");
        assert_eq!(suffix("prod-endpoint-config"), "-config");
        assert_eq!(suffix("abcdef"), "def");
        assert_eq!(word("arn:aws:s3:::acme-ml-artifacts"), Some("artifacts"));
    }

    #[test]
    fn arns_split_into_head_and_segments() {
        let (head, segments) = arn_parts("arn:aws:sts::111122223333:assumed-role/Dev/alice").unwrap();
        assert_eq!(head, ["arn", "aws", "sts", "", "111122223333"]);
        assert_eq!(segments, ["assumed-role", "Dev", "alice"]);
        assert!(arn_parts("arn:aws").is_none());
    }
}
