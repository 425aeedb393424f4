//! Needles of a user rule: text one of which every record the rule's condition can hold on
//! contains in its raw JSON, so the reader can pass over the other records of the rule's
//! events without parsing them ([`crate::rules::EventRule::needles`]).
//!
//! A string field's value appears in the raw JSON as it is unless the record escapes some
//! character (`\`), and the registry parses every record holding a `\` whatever its needles
//! ([`crate::registry`]). Needles come from the tests that hold only on a string holding
//! known text:
//! - `equals` (strings only), `contains`, `starts_with`, `ends_with`: each value;
//! - `wildcard`: the longest literal run of each pattern;
//! - `regex`: the literal prefixes every match starts with, when they are a finite set (as
//!   the `regex` crate's own prefilter finds them);
//! - `cidr`: an IPv4 network's whole octets (`10.1.` for `10.1.0.0/16`).
//!
//! With `ignore_case` (or a regular expression's many case variants) a needle ignores the case
//! of ASCII letters: it is the value's longest run of ASCII characters other than `k` and `s`,
//! whose case classes hold no other character (Unicode also folds the Kelvin sign `K` to `k`
//! and the long `ſ` to `s`). A value that a number's or boolean's text could hold (`12`,
//! `1e5`, `rue`) is no needle: the engine tests numbers and booleans by their text as it writes
//! them, not as the record does.
//!
//! A rule's needles are lists, a record holds one text of each: `all` gathers its items'
//! lists, `any` makes one list of the best list of each of its items (none when one has none),
//! `not` has none. At most [`MAX_NEEDLES`] texts a list and [`MAX_LISTS`] lists, the likeliest
//! to be missing from a record first: those of fields with many values (not [`BROAD_FIELDS`]),
//! then those with the longest shortest text.

use ipnet::IpNet;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use serde_json::Value;

use super::schema::{ConditionDoc, OneOrMany};
use crate::rules::{Needle, Needles};

/// Shortest needle kept: shorter text is in most records anyway.
const MIN_LEN: usize = 3;

/// Most needles of one condition: searching for more costs about as much as parsing.
pub const MAX_NEEDLES: usize = 16;

/// Most lists of needles of one rule: each costs a search of records that hold the others.
pub const MAX_LISTS: usize = 3;

/// The needles of `condition`: lists of text, a record on which it holds contains one text of
/// each list (unless it escapes a character), the likeliest to be missing first; `None` when
/// no such text is known. Their text is leaked, as compiled rules' text is ([`super::rule`]).
pub fn needles(condition: &ConditionDoc) -> Option<Needles> {
    let lists = lists(condition)?;
    let leak = |(text, ignore_ascii_case): (String, bool)| Needle {
        text: Box::leak(text.into_boxed_str()),
        ignore_ascii_case,
    };
    Some(
        lists
            .into_iter()
            .map(|(list, _)| list.into_iter().map(leak).collect())
            .collect(),
    )
}

/// Text and whether it ignores ASCII case: one of which a record holds.
type Found = Vec<(String, bool)>;

/// Fields with few values, found in most records of an event: lists of their values go last.
const BROAD_FIELDS: &[&str] = &[
    "eventVersion",
    "eventSource",
    "eventName",
    "awsRegion",
    "eventType",
    "eventCategory",
    "recipientAccountId",
    "userAgent",
    "userIdentity.type",
    "userIdentity.accountId",
    "userIdentity.invokedBy",
    "userIdentity.sessionContext.sessionIssuer.type",
];

/// One list, and whether it tests a field of [`BROAD_FIELDS`].
type List = (Found, bool);

/// The order lists are searched in: narrow fields first, then the longest shortest text,
/// then the fewest texts (the likeliest to be missing from a record first).
fn rank(list: &List) -> (bool, std::cmp::Reverse<usize>, usize) {
    let shortest = list.0.iter().map(|(t, _)| t.len()).min().unwrap_or(0);
    (list.1, std::cmp::Reverse(shortest), list.0.len())
}

/// The lists of `condition` (every one held), best first, at most [`MAX_LISTS`].
fn lists(condition: &ConditionDoc) -> Option<Vec<List>> {
    let mut lists: Vec<List> = if let Some(items) = &condition.all {
        items.iter().filter_map(lists).flatten().collect()
    } else if let Some(items) = &condition.any {
        // Each item holds its best list: one text of their union is held.
        let (mut union, mut broad) = (Found::new(), false);
        for item in items {
            let (found, item_broad) = lists(item)?.into_iter().next()?;
            union.extend(found);
            broad |= item_broad;
        }
        vec![(checked(union)?, broad)]
    } else {
        let broad = condition.field.as_deref().is_some_and(|f| BROAD_FIELDS.contains(&f));
        vec![(find(condition)?, broad)]
    };
    lists.sort_by_key(rank);
    lists.dedup_by(|a, b| a.0 == b.0);
    lists.truncate(MAX_LISTS);
    (!lists.is_empty()).then_some(lists)
}

/// The needles of one field test.
fn find(condition: &ConditionDoc) -> Option<Found> {
    if condition.not.is_some() || condition.field.is_none() {
        return None;
    }
    let folds = condition.ignore_case;
    let texts: Vec<String> = if let Some(equals) = &condition.equals {
        let values = match equals {
            OneOrMany::One(Value::Array(items)) => items.as_slice(),
            other => other.as_slice(),
        };
        values
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()?
    } else if let Some(patterns) = &condition.regex {
        return regex_needles(patterns.as_slice(), folds);
    } else if let Some(nets) = &condition.cidr {
        // Only strings are tested as addresses: no number's text to rule out.
        let prefixes: Option<Vec<String>> = nets.as_slice().iter().map(|n| network_prefix(n)).collect();
        return prefixes
            .filter(|p| !p.is_empty() && p.len() <= MAX_NEEDLES)
            .map(|p| p.into_iter().map(|t| (t, false)).collect());
    } else if let Some(patterns) = &condition.wildcard {
        patterns
            .as_slice()
            .iter()
            .map(|p| longest_literal(p).map(str::to_owned))
            .collect::<Option<_>>()?
    } else {
        let values = [&condition.contains, &condition.starts_with, &condition.ends_with]
            .into_iter()
            .flatten()
            .next()?;
        values.as_slice().to_vec()
    };
    if folds {
        texts
            .iter()
            .map(|t| folded(t).map(|f| (f, true)))
            .collect::<Option<Found>>()
            .and_then(checked)
    } else {
        checked(texts.into_iter().map(|t| (t, false)).collect())
    }
}

/// `found` sorted and without repeats, when it is a usable set of needles.
fn checked(mut found: Found) -> Option<Found> {
    found.sort_unstable();
    found.dedup();
    let fine = !found.is_empty() && found.len() <= MAX_NEEDLES && found.iter().all(|(t, _)| usable(t));
    fine.then_some(found)
}

/// The needles of regular expressions: their literal prefixes as they are, or ignoring ASCII
/// case when they are case variants of each other (a pattern with `(?i)` has one prefix per
/// variant) or too many.
fn regex_needles(patterns: &[String], ignore_case: bool) -> Option<Found> {
    let mut prefixes = Vec::new();
    for pattern in patterns {
        prefixes.extend(regex_prefixes(pattern, ignore_case)?);
    }
    let as_they_are = checked(prefixes.iter().map(|p| (p.clone(), false)).collect());
    let ignoring_case = prefixes
        .iter()
        .map(|p| folded(p).map(|f| (f, true)))
        .collect::<Option<Found>>()
        .and_then(checked);
    let mut lowered: Vec<String> = prefixes.iter().map(|p| p.to_ascii_lowercase()).collect();
    lowered.sort_unstable();
    lowered.dedup();
    let case_variants = lowered.len() < prefixes.len();
    match (as_they_are, ignoring_case) {
        (Some(_), Some(folded)) if case_variants => Some(folded),
        (Some(exact), _) => Some(exact),
        (None, folded) => folded,
    }
}

/// Text one of which every match of the regular expression starts with (its literal
/// prefixes); `None` when there is no such finite set.
fn regex_prefixes(pattern: &str, ignore_case: bool) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(ignore_case)
        .build()
        .parse(pattern)
        .ok()?;
    let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    prefixes
        .literals()?
        .iter()
        .map(|l| String::from_utf8(l.as_bytes().to_vec()).ok())
        .collect()
}

/// The needle of `text` ignoring case: its longest run of ASCII characters other than `k` and
/// `s` (in either case), in lower case. `None` when there is none.
fn folded(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii() || matches!(c, 'k' | 'K' | 's' | 'S'))
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())
        .map(str::to_ascii_lowercase)
}

/// The text every IPv4 address of the network starts with, in the dotted form the engine
/// reads (no leading zeros): its whole octets and a dot. `None` for IPv6 (written many ways)
/// and networks wider than a `/8`.
fn network_prefix(net: &str) -> Option<String> {
    let IpNet::V4(net) = net.trim().parse::<IpNet>().ok()? else {
        return None;
    };
    let octets = usize::from(net.prefix_len() / 8);
    (octets > 0).then(|| {
        let kept: Vec<String> = net.network().octets()[..octets].iter().map(u8::to_string).collect();
        format!("{}.", kept.join("."))
    })
}

/// The longest run of a wildcard pattern without `*` or `?`.
fn longest_literal(pattern: &str) -> Option<&str> {
    pattern
        .split(['*', '?'])
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())
}

/// True when only a string that holds `text` in the raw JSON can hold it: long enough, no
/// character JSON must escape, not text a number or boolean could be written as (in any case).
fn usable(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.len() >= MIN_LEN
        && !text.chars().any(|c| c == '"' || c == '\\' || c.is_control())
        && !text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && !"true".contains(lower.as_str())
        && !"false".contains(lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists of a condition that has one.
    fn of(yaml: &str) -> Option<Found> {
        let lists = lists(&yaml_serde::from_str::<ConditionDoc>(yaml).unwrap())?;
        assert_eq!(lists.len(), 1, "{yaml}: {lists:?}");
        lists.into_iter().next().map(|(found, _)| found)
    }

    fn exact(items: &[&str]) -> Option<Found> {
        Some(items.iter().map(|s| ((*s).to_owned(), false)).collect())
    }

    fn folding(items: &[&str]) -> Option<Found> {
        Some(items.iter().map(|s| ((*s).to_owned(), true)).collect())
    }

    #[test]
    fn string_tests_give_their_values() {
        assert_eq!(
            of("{field: eventName, equals: CreateEndpoint}"),
            exact(&["CreateEndpoint"])
        );
        assert_eq!(
            of("{field: requestParameters.name, equals: [prod-b, prod-a]}"),
            exact(&["prod-a", "prod-b"])
        );
        assert_eq!(
            of("{field: userAgent, contains: [curl, wget]}"),
            exact(&["curl", "wget"])
        );
        assert_eq!(of("{field: userAgent, starts_with: Boto3/}"), exact(&["Boto3/"]));
        assert_eq!(
            of("{field: userAgent, ends_with: -restricted}"),
            exact(&["-restricted"])
        );
        assert_eq!(
            of("{field: userIdentity.arn, wildcard: ['arn:aws:sts::*:assumed-role/Admin*/*', '*-pii']}"),
            exact(&["-pii", ":assumed-role/Admin"])
        );
    }

    #[test]
    fn ignoring_case_gives_the_longest_run_without_k_or_s() {
        assert_eq!(
            of("{field: eventName, equals: [PII, Delete], ignore_case: true}"),
            folding(&["delete", "pii"])
        );
        assert_eq!(
            of("{field: x.y, contains: RESTRICTED, ignore_case: true}"),
            folding(&["tricted"])
        );
        assert_eq!(
            of("{field: x.y, wildcard: '*Kelvin*', ignore_case: true}"),
            folding(&["elvin"])
        );
        assert_eq!(
            of("{field: x.y, equals: Ärger-Finance, ignore_case: true}"),
            folding(&["rger-finance"])
        );
        // Case variants of a regular expression's prefixes fold to one needle.
        assert_eq!(of("{field: userAgent, regex: '(?i)^curl/'}"), folding(&["curl/"]));
        assert_eq!(
            of("{field: userAgent, regex: '^python', ignore_case: true}"),
            folding(&["python"])
        );
        assert_eq!(of("{field: x.y, equals: ask, ignore_case: true}"), None);
    }

    #[test]
    fn ascii_case_classes_hold_no_other_character_but_for_k_and_s() {
        // What folded needles rely on: the engine's case-insensitive tests (Unicode simple case
        // folding) match an ASCII letter only to itself, its other case, and for `k` and `s`
        // the Kelvin sign and the long s.
        let letter = regex::RegexBuilder::new("^[a-z]$")
            .case_insensitive(true)
            .build()
            .unwrap();
        let others: Vec<char> = (0x80..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| letter.is_match(c.encode_utf8(&mut [0; 4])))
            .collect();
        assert_eq!(others, ['\u{17F}', '\u{212A}']);
        let k = regex::RegexBuilder::new("^k$").case_insensitive(true).build().unwrap();
        assert!(k.is_match("\u{212A}"));
    }

    #[test]
    fn what_gives_no_needle() {
        for yaml in [
            "{field: requestParameters.count, equals: 3}",
            "{field: requestParameters.count, equals: ['12', abc]}",
            "{field: readOnly, equals: 'true'}",
            "{field: readOnly, equals: 'TRUE', ignore_case: true}",
            "{field: requestParameters.x, contains: ru}",
            "{field: requestParameters.x, contains: '1e5'}",
            "{field: requestParameters.x, contains: ab}",
            "{field: requestParameters.x, equals: [abc, null]}",
            "{field: requestParameters.x, equals: 'say \"hi\"'}",
            "{field: requestParameters.x, wildcard: '*'}",
            "{field: userAgent, regex: '^[a-z]+'}",
            "{field: sourceIPAddress, cidr: [10.0.0.0/8, '2001:db8::/32']}",
            "{field: sourceIPAddress, cidr: 10.0.0.0/7}",
            "{field: requestParameters.x, exists: true}",
            "{field: requestParameters.x, gt: 5}",
            "{not: {field: userAgent, contains: curl}}",
            "{any: [{field: userAgent, contains: curl}, {field: requestParameters.x, gt: 5}]}",
            "{all: [{field: requestParameters.x, gt: 5}, {field: sourceIPAddress, cidr: '::/0'}]}",
        ] {
            assert_eq!(of(yaml), None, "{yaml}");
        }
    }

    #[test]
    fn regular_expressions_give_their_prefixes() {
        assert_eq!(of("{field: userAgent, regex: '^curl/'}"), exact(&["curl/"]));
        let marked = of("{field: requestParameters.name, regex: '(^|-)(pii|restricted)(-|$)'}").unwrap();
        for (needle, _) in &marked {
            assert!(needle.contains("pii") || needle.contains("restricted"), "{marked:?}");
        }
        assert_eq!(
            of("{field: requestParameters.secretId, regex: ['^arn:aws:secretsmanager:[^:]*:', 'prod/(a|b)']}"),
            exact(&["arn:aws:secretsmanager:", "prod/a", "prod/b"])
        );
    }

    #[test]
    fn networks_give_their_whole_octets() {
        assert_eq!(
            of("{field: sourceIPAddress, cidr: [10.0.0.0/8, 185.220.101.0/24, 172.16.0.0/12, 192.0.2.7/32]}"),
            exact(&["10.", "185.220.101.", "172.", "192.0.2.7."])
        );
        // What the prefixes rely on: the engine reads IPv4 addresses in dotted form only.
        for other in ["010.0.0.1", "::ffff:10.0.0.1", "10.1"] {
            let read = other.parse::<std::net::IpAddr>().ok();
            let ten = "10.0.0.0/8".parse::<IpNet>().unwrap();
            assert!(!read.is_some_and(|ip| ten.contains(&ip)), "{other}");
        }
    }

    #[test]
    fn all_gathers_lists_and_any_joins_the_best_of_each_item() {
        let all = "{all: [{field: requestParameters.agent, contains: curl}, {field: requestParameters.name, starts_with: finance-},
                   {not: {field: userIdentity.arn, contains: Admin}}, {field: recipientAccountId, equals: '111122223333'},
                   {field: userIdentity.type, equals: [AssumedRole, IAMUser]}]}";
        let found: Vec<Found> = lists(&yaml_serde::from_str::<ConditionDoc>(all).unwrap())
            .unwrap()
            .into_iter()
            .map(|(found, _)| found)
            .collect();
        // The caller's type has few values: its list goes last, however long.
        assert_eq!(
            found,
            [
                exact(&["finance-"]).unwrap(),
                exact(&["curl"]).unwrap(),
                exact(&["AssumedRole", "IAMUser"]).unwrap()
            ]
        );
        let any = "{any: [{field: userAgent, contains: curl}, {field: requestParameters.name, equals: [curl, pii-db]},
                   {all: [{field: x.y, contains: PII, ignore_case: true}, {field: x.z, equals: confidential}]}]}";
        assert_eq!(
            of(any),
            Some(vec![
                ("confidential".into(), false),
                ("curl".into(), false),
                ("pii-db".into(), false)
            ])
        );
        let nested =
            "{all: [{any: [{field: a.b, gt: 1}, {field: userAgent, contains: curl}]}, {field: x.y, equals: abc}]}";
        assert_eq!(of(nested), exact(&["abc"]));
    }

    /// Each condition's rule, alone in a registry, finds through the reader (which passes
    /// over the records without its needles) exactly what its condition holds on.
    #[test]
    fn needles_never_hide_a_match() {
        use crate::cloudtrail::{Event, Record};
        use crate::detection::Organization;
        use crate::input::Layout;
        use crate::pipeline::Pipeline;
        use crate::registry::Registry;
        use crate::user_rules::{RuleDoc, compile};

        let records = [
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","requestParameters":{"name":"pii-db"},"userAgent":"curl/8"}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","requestParameters":{"name":"pii\u002ddb"}}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","requestParameters":"{\"name\":\"finance\"}"}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","requestParameters":{"name":"Customer-PiI-data"}}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","sourceIPAddress":"10.1.2.3","userAgent":"CURL/7"}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","userIdentity":{"arn":"arn:aws:iam::1:role/AdminX"}}"#,
            "{\"eventSource\":\"s.amazonaws.com\",\"eventName\":\"Do\",\"requestParameters\":{\"name\":\"\u{212A}elvin-db\"}}",
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","requestParameters":{"count":7,"name":5}}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do","readOnly":"True"}"#,
            r#"{"eventSource":"s.amazonaws.com","eventName":"Do"}"#,
        ];
        let conditions = [
            "{field: requestParameters.name, equals: [pii-db, finance]}",
            "{field: requestParameters.name, contains: PII, ignore_case: true}",
            "{all: [{field: userAgent, starts_with: curl/}, {field: requestParameters.name, ends_with: -db}]}",
            "{field: sourceIPAddress, cidr: 10.1.0.0/16}",
            "{field: userIdentity.arn, wildcard: 'arn:aws:iam::*:role/Admin*'}",
            "{field: requestParameters.name, regex: '(?i)^kel'}",
            "{field: requestParameters.name, ends_with: ELVIN-DB, ignore_case: true}",
            "{field: requestParameters.name, contains: KELVIN, ignore_case: true}",
            "{field: userAgent, regex: '(?i)^curl/'}",
            "{field: readOnly, equals: true}",
            "{any: [{field: requestParameters.count, gt: 5}, {field: userAgent, contains: curl}]}",
        ];
        let text = records.join("\n");
        for condition in conditions {
            let yaml = format!(
                "id: acme.t\ntitle: t\nseverity: low\narea: data\ndescription: d\n\
                 events: [{{source: s.amazonaws.com, names: [Do]}}]\ncondition: {condition}"
            );
            let rule = compile(&yaml_serde::from_str::<RuleDoc>(&yaml).unwrap()).unwrap();
            let held = records
                .iter()
                .filter(|r| {
                    let record: Record = serde_json::from_str(r).unwrap();
                    let doc: ConditionDoc = yaml_serde::from_str(condition).unwrap();
                    let compiled = super::super::condition::Condition::compile(&doc, "c").unwrap();
                    compiled.matches(&Event::new(&record), &Organization::default())
                })
                .count();
            assert!(held > 0, "{condition}: a record it holds on");
            let registry = Registry::with_user_rules(vec![rule]).unwrap();
            let pipeline = Pipeline::new(registry, Organization::default(), None);
            let found = pipeline.read(text.as_bytes(), Layout::Lines, "t").findings;
            let found = found.iter().filter(|f| f.rule_id == "acme.t").count();
            assert_eq!(found, held, "{condition}");
        }
    }
}
