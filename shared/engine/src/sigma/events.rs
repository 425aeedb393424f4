//! The (eventSource, eventName) pairs a converted condition can match: aidr indexes rules by
//! them, so a Sigma rule must pin them down for its events to be declared.
//!
//! The pairs are derived from the tree, as a superset of what the condition can match (the
//! condition still runs on every consumed record): an `eventSource` or `eventName` test by
//! equality, wildcard, `startswith`, `endswith` or `contains` gives its values as patterns;
//! `any` is the union of its parts' pairs; `all` combines its parts' pairs (a source from one
//! part, a name from another); `not` and every other test pin nothing. A pair whose name is
//! pinned but not its source gets source `*`; one whose source is pinned but not its name gets
//! name `*`; one pinning neither (a rule over every event, such as any call by the root user)
//! makes the rule consume every event (`*`, `*`), as Sigma means it, at the cost of parsing
//! every record (`aidr rules lint` warns).

use super::Problem;
use super::tree::{Node, Op, Test};
use crate::user_rules::schema::EventsDoc;

/// A source and a name pattern; `None` is not pinned.
type Pair = (Option<String>, Option<String>);

/// Beyond this many pairs the rule is refused rather than indexed under a huge list.
const MAX_PAIRS: usize = 1000;

/// The events of the condition, grouped by source in first-seen order.
///
/// # Errors
/// When the condition can match no event (two different names required at once), or when it pins more
/// than [`MAX_PAIRS`] pairs.
pub(super) fn derive(node: &Node) -> Result<Vec<EventsDoc>, Problem> {
    let pairs = pairs(node)?;
    if pairs.is_empty() {
        return Err(Problem::new(
            "detection.condition",
            "the condition requires different eventSource or eventName values at once, so no \
             event can match",
        ));
    }
    if pairs.iter().any(|(source, name)| source.is_none() && name.is_none()) {
        return Ok(vec![EventsDoc {
            source: "*".into(),
            names: vec!["*".into()],
        }]);
    }
    let mut out: Vec<EventsDoc> = Vec::new();
    for (source, name) in pairs {
        let source = source.unwrap_or_else(|| "*".to_string());
        let name = name.unwrap_or_else(|| "*".to_string());
        match out.iter_mut().find(|e| e.source == source) {
            Some(e) if e.names.iter().any(|n| n == "*") => {}
            Some(e) if name == "*" => e.names = vec![name],
            Some(e) => {
                if !e.names.contains(&name) {
                    e.names.push(name)
                }
            }
            None => out.push(EventsDoc {
                source,
                names: vec![name],
            }),
        }
    }
    Ok(out)
}

fn pairs(node: &Node) -> Result<Vec<Pair>, Problem> {
    let unpinned = || vec![(None, None)];
    Ok(match node {
        Node::Not(_) => unpinned(),
        Node::Test(t) => match (t.field.as_str(), patterns(t)) {
            ("eventSource", Some(p)) => p.into_iter().map(|s| (Some(s), None)).collect(),
            ("eventName", Some(p)) => p.into_iter().map(|n| (None, Some(n))).collect(),
            _ => unpinned(),
        },
        Node::Any(parts) => {
            let mut out = Vec::new();
            for p in parts {
                for pair in pairs(p)? {
                    if !out.contains(&pair) {
                        out.push(pair);
                    }
                }
            }
            out
        }
        Node::All(parts) => {
            let mut acc = unpinned();
            for p in parts {
                let next = pairs(p)?;
                let mut combined = Vec::new();
                for a in &acc {
                    for b in &next {
                        let (Some(s), Some(n)) = (meet(&a.0, &b.0), meet(&a.1, &b.1)) else {
                            continue;
                        };
                        if !combined.contains(&(s.clone(), n.clone())) {
                            combined.push((s, n));
                        }
                    }
                }
                if combined.len() > MAX_PAIRS {
                    return Err(Problem::new(
                        "detection.condition",
                        format!("the condition combines more than {MAX_PAIRS} eventSource and eventName pairs"),
                    ));
                }
                acc = combined;
            }
            acc
        }
    })
}

/// A string test's values as event patterns (`*` wildcards), or `None` when the test does not
/// pin values (a regular expression, a number, `exists`).
fn patterns(t: &Test) -> Option<Vec<String>> {
    let strings = |v: &[String], before: &str, after: &str| -> Vec<String> {
        v.iter().map(|s| format!("{before}{s}{after}")).collect()
    };
    match &t.op {
        Op::Equals(values) => values.iter().map(|v| v.as_str().map(str::to_string)).collect(),
        Op::Wildcard(v) => Some(v.clone()),
        Op::StartsWith(v) => Some(strings(v, "", "*")),
        Op::EndsWith(v) => Some(strings(v, "*", "")),
        Op::Contains(v) => Some(strings(v, "*", "*")),
        _ => None,
    }
}

/// Both constraints at once: `Some(None)` pins nothing, `None` is impossible. Of two
/// different patterns the second is kept (a superset of both at once).
fn meet(a: &Option<String>, b: &Option<String>) -> Option<Option<String>> {
    match (a, b) {
        (None, x) | (x, None) => Some(x.clone()),
        (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => Some(Some(a.clone())),
        (Some(a), Some(b)) => match (is_pattern(a), is_pattern(b)) {
            (false, false) => None,
            (true, false) => glob_matches(a, b).then(|| Some(b.clone())),
            (false, true) => glob_matches(b, a).then(|| Some(a.clone())),
            (true, true) => Some(Some(b.clone())),
        },
    }
}

fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Whether the `*`/`?` pattern matches the text, ignoring ASCII case.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigma::tree::{self, all, any, not};
    use serde_json::json;

    fn eq(field: &str, values: &[&str]) -> Node {
        tree::test(field, Op::Equals(values.iter().map(|v| json!(v)).collect()), true)
    }

    fn ev(source: &str, names: &[&str]) -> EventsDoc {
        EventsDoc {
            source: source.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn sources_and_names_combine_across_and_and_or() {
        let node = any(vec![
            all(vec![
                eq("eventSource", &["iam.amazonaws.com"]),
                eq("eventName", &["CreateUser", "DeleteUser"]),
            ]),
            all(vec![
                eq("eventSource", &["s3.amazonaws.com"]),
                tree::test("eventName", Op::StartsWith(vec!["Delete".into()]), true),
                not(eq("eventName", &["DeleteObject"])),
            ]),
        ]);
        assert_eq!(
            derive(&node).unwrap(),
            vec![
                ev("iam.amazonaws.com", &["CreateUser", "DeleteUser"]),
                ev("s3.amazonaws.com", &["Delete*"])
            ]
        );
    }

    #[test]
    fn one_pinned_part_gives_a_wildcard_for_the_other() {
        assert_eq!(
            derive(&eq("eventName", &["ConsoleLogin"])).unwrap(),
            vec![ev("*", &["ConsoleLogin"])]
        );
        assert_eq!(
            derive(&eq("eventSource", &["kms.amazonaws.com"])).unwrap(),
            vec![ev("kms.amazonaws.com", &["*"])]
        );
    }

    #[test]
    fn unpinned_alternatives_consume_every_event_and_contradictions_are_refused() {
        let node = any(vec![eq("eventName", &["A"]), eq("userAgent", &["x"])]);
        assert_eq!(derive(&node).unwrap(), vec![ev("*", &["*"])]);
        let node = all(vec![eq("eventName", &["A"]), eq("eventName", &["B"])]);
        assert!(derive(&node).unwrap_err().reason.contains("no event can match"));
        let node = all(vec![
            eq("eventName", &["PutBucketPolicy"]),
            tree::test("eventName", Op::Wildcard(vec!["Put*".into()]), true),
        ]);
        assert_eq!(derive(&node).unwrap(), vec![ev("*", &["PutBucketPolicy"])]);
    }
}
