//! The YAML allowlist: its errors (with line, column and hint), each key matching and not
//! matching, patterns, the last day an entry applies, the rules it names, and the alert
//! policy's decision with the entry's reason.

use aidr_engine::alerting::allowlist::Entry;
use aidr_engine::alerting::{AlertPolicy, Allowlist, Day, Outcome, deliver};
use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_engine::{Finding, Registry};
use aidr_testkit::recording::RecordingPublisher;
use aidr_testkit::samples::sample_findings;

/// `bedrock.guardrail_deleted` by `arn:aws:sts::111122223333:assumed-role/MLPlatformAdmin/alice`
/// in 111122223333, on a guardrail.
fn finding() -> Finding {
    sample_findings("events/bedrock/DeleteGuardrail.json").remove(0)
}

const TODAY: Day = Day(20_000);

fn list(entries: &str) -> Allowlist {
    let text = format!("suppressions:\n{entries}");
    Allowlist::parse(&text, "allow.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// One entry with `keys` (indented lines after `rule:`), expiring far after [`TODAY`].
fn entry(rule: &str, keys: &str) -> Allowlist {
    list(&format!(
        "  - rule: \"{rule}\"\n{keys}    expires: 2099-12-31\n    reason: expected in tests\n"
    ))
}

fn silences(allowlist: &Allowlist) -> bool {
    allowlist.matches(&finding(), TODAY).is_some()
}

#[test]
fn the_sample_finding_is_what_the_tests_assume() {
    let f = finding();
    assert_eq!(f.rule_id, "bedrock.guardrail_deleted");
    assert_eq!(f.account.as_deref(), Some("111122223333"));
    assert_eq!(
        f.principal().and_then(|p| p.arn.as_deref()),
        Some("arn:aws:sts::111122223333:assumed-role/MLPlatformAdmin/alice")
    );
    assert!(
        f.resources.iter().any(|r| r.contains(":guardrail/")),
        "{:?}",
        f.resources
    );
}

#[test]
fn a_full_entry_parses() {
    let allowlist = list(
        "  # the ML platform's own deployments\n  - rule: acme.sagemaker_*\n    principal: arn:aws:sts::*:assumed-role/MLPlatform/*\n    account: [\"111122223333\", \"011122223333\"]\n    resource: arn:aws:sagemaker:*:*:endpoint/prod-*\n    expires: 2027-03-31\n    reason: \"ML platform deploys endpoints\"\n",
    );
    let [e] = allowlist.entries() else { panic!() };
    assert_eq!(e.rule.as_str(), "acme.sagemaker_*");
    assert_eq!(
        e.account.as_deref(),
        Some(&["111122223333".to_owned(), "011122223333".to_owned()][..])
    );
    assert_eq!(e.expires, Day::from_ymd(2027, 3, 31));
    assert_eq!(e.reason, "ML platform deploys endpoints");
    assert_eq!(e.to_string(), "entry 1 (rule acme.sagemaker_*, until 2027-03-31)");
    assert_eq!(allowlist.origin(), "allow.yaml");
    assert!(Allowlist::parse("# nothing yet\n\n", "empty.yaml").unwrap().is_empty());
    // Unquoted ids read as written, leading zeros too.
    let unquoted =
        list("  - rule: a.b\n    account: [111122223333, 011122223333]\n    expires: 2027-01-01\n    reason: r\n");
    assert_eq!(unquoted.entries()[0].account, e.account);
}

#[test]
fn a_byte_order_mark_is_ignored_and_deep_nesting_refused() {
    let text = "\u{feff}suppressions:\n  - rule: a.b\n    expires: 2027-01-01\n    reason: r\n";
    assert_eq!(Allowlist::parse(text, "bom.yaml").unwrap().entries().len(), 1);
    assert!(Allowlist::parse("\u{feff}\n", "bom.yaml").unwrap().is_empty());
    let deep = format!("suppressions:\n  - rule: {}", "[".repeat(100_000));
    let e = Allowlist::parse(&deep, "deep.yaml").unwrap_err();
    assert_eq!((e.line, e.column), (Some(2), Some(75)), "{e}");
    assert!(e.message.contains("more than 64"), "{e}");
}

#[test]
fn errors_name_the_file_line_and_column_with_a_hint() {
    // (text, line, what the message says, what the hint says)
    let cases = [
        (
            "suppressions:\n  - rule: a.b\n    expires: 2027-01-01\n    reason: r\n    rules: x\n",
            5,
            "suppressions[0]: unknown field `rules`, expected one of `rule`, `principal`",
            "",
        ),
        (
            "suppresions: []\n",
            1,
            "unknown field `suppresions`",
            "only key is suppressions",
        ),
        (
            "suppressions:\n  - rule: a.b\n    reason: r\n",
            2,
            "missing field `expires`",
            "without an end",
        ),
        (
            "suppressions:\n  - rule: a.b\n    expires: 2027-01-01\n",
            2,
            "missing field `reason`",
            "why",
        ),
        (
            "suppressions:\n  - rule: a.b\n    expires: 2027-02-30\n    reason: r\n",
            3,
            "\"2027-02-30\" is not a date",
            "YYYY-MM-DD",
        ),
        (
            "suppressions:\n  - rule: a.b\n    expires: 31/03/2027\n    reason: r\n",
            3,
            "is not a date",
            "YYYY-MM-DD",
        ),
        (
            "suppressions:\n  - rule: \"\"\n    expires: 2027-01-01\n    reason: r\n",
            2,
            "pattern is empty",
            "",
        ),
        (
            "suppressions:\n  - rule: a.b\n    principal: MLPlatform\n    expires: 2027-01-01\n    reason: r\n",
            3,
            "whole ARN",
            "",
        ),
        (
            "suppressions:\n  - rule: a.b\n    account: 1234\n    expires: 2027-01-01\n    reason: r\n",
            3,
            "\"1234\" is not a 12-digit AWS account id",
            "or a list",
        ),
        (
            "suppressions:\n  - rule: a.b\n    account: [\"111122223333\", \"1234\"]\n    expires: 2027-01-01\n    reason: r\n",
            3,
            "\"1234\" is not a 12-digit AWS account id",
            "",
        ),
        (
            "suppressions:\n  - rule: a.b\n    expires: 2027-01-01\n    reason: \"  \"\n",
            4,
            "reason is empty",
            "",
        ),
        (
            "suppressions:\n  - rule: *\n",
            2,
            "alias",
            "quote values that start with *",
        ),
    ];
    for (text, line, message, hint) in cases {
        let e = Allowlist::parse(text, "allow.yaml").expect_err(text);
        assert_eq!(e.origin, "allow.yaml");
        assert_eq!(e.line, Some(line), "{e}");
        assert!(e.column.is_some(), "{e}");
        assert!(e.message.contains(message), "{e}");
        assert!(e.hint.as_deref().unwrap_or_default().contains(hint), "{e}");
        let shown = e.to_string();
        assert!(shown.starts_with(&format!("allow.yaml:{line}:")), "{shown}");
        assert!(
            !shown.ends_with(&format!(" at line {line} column {}", e.column.unwrap())),
            "{shown}"
        );
    }
}

#[test]
fn each_key_matches_and_misses() {
    let hits = [
        ("bedrock.guardrail_deleted", ""),
        ("bedrock.*", ""),
        ("BEDROCK.guardrail_?eleted", ""),
        ("*", "    principal: arn:aws:sts::*:assumed-role/MLPlatformAdmin/*\n"),
        ("*", "    account: \"111122223333\"\n"),
        ("*", "    account: [\"444455556666\", \"111122223333\"]\n"),
        ("*", "    resource: arn:aws:bedrock:*:*:guardrail/*\n"),
        (
            "bedrock.*",
            "    principal: \"*/alice\"\n    account: \"111122223333\"\n    resource: \"*guardrail*\"\n",
        ),
    ];
    for (rule, keys) in hits {
        assert!(silences(&entry(rule, keys)), "{rule} {keys}");
    }
    let misses = [
        ("bedrock.guardrail", ""),
        ("sagemaker.*", ""),
        ("*", "    principal: arn:aws:sts::*:assumed-role/Other/*\n"),
        ("*", "    account: \"444455556666\"\n"),
        ("*", "    resource: arn:aws:sagemaker:*\n"),
        // One key that misses is enough.
        (
            "bedrock.*",
            "    principal: \"*/alice\"\n    account: \"444455556666\"\n    resource: \"*guardrail*\"\n",
        ),
    ];
    for (rule, keys) in misses {
        assert!(!silences(&entry(rule, keys)), "{rule} {keys}");
    }
}

#[test]
fn a_finding_without_what_a_key_asks_for_does_not_match() {
    let mut f = finding();
    f.account = None;
    f.resources.clear();
    for keys in ["    account: \"111122223333\"\n", "    resource: \"*\"\n"] {
        assert!(entry("*", keys).matches(&f, TODAY).is_none(), "{keys}");
    }
    assert!(entry("*", "").matches(&f, TODAY).is_some());
}

#[test]
fn an_entry_applies_through_its_last_day_and_not_after() {
    let allowlist = list(
        "  - rule: bedrock.*\n    expires: 2027-03-31\n    reason: short-lived\n  - rule: sagemaker.*\n    expires: 2099-01-01\n    reason: long-lived\n",
    );
    let last = Day::parse("2027-03-31").unwrap();
    assert_eq!(allowlist.matches(&finding(), last).map(|e| e.number), Some(1));
    assert_eq!(allowlist.matches(&finding(), last.next()).map(|e| e.number), None);
    let numbers = |entries: Vec<&Entry>| entries.iter().map(|e| e.number).collect::<Vec<_>>();
    assert_eq!(numbers(allowlist.expired(last)), Vec::<usize>::new());
    assert_eq!(numbers(allowlist.expired(last.next())), [1]);
}

#[test]
fn unknown_rules_are_listed_not_refused() {
    let allowlist = list(
        "  - rule: bedrock.guardrail_deleted\n    expires: 2099-01-01\n    reason: r\n  - rule: acme.nothing_*\n    expires: 2099-01-01\n    reason: r\n  - rule: sagemaker.*\n    expires: 2099-01-01\n    reason: r\n",
    );
    let unknown: Vec<_> = allowlist
        .unknown_rules(&Registry::builtin())
        .iter()
        .map(|e| e.rule.as_str())
        .collect();
    assert_eq!(unknown, ["acme.nothing_*"]);
}

#[test]
fn the_policy_silences_with_the_entry_reason_and_keeps_the_other_suppressions() {
    let (store, out) = (MemoryStore::default(), RecordingPublisher::default());
    let f = finding();
    let now = TODAY.0 * 86_400 + 3600;
    let allowlist = list("  - rule: bedrock.guardrail_*\n    expires: 2099-12-31\n    reason: guardrail rotation\n");
    let policy = AlertPolicy {
        allowlist: allowlist.clone(),
        ..AlertPolicy::default()
    };
    let outcome = now_or_never(deliver(&f, &store, &out, &policy, now)).unwrap();
    assert_eq!(
        outcome,
        Ok(Outcome::Silenced(
            "allowlisted: guardrail rotation (until 2099-12-31)".into()
        ))
    );
    assert!(store.is_empty() && out.sent().is_empty());
    // The environment's suppressions still apply, and are named first.
    let both = AlertPolicy {
        suppress_rules: vec![f.rule_id.clone()],
        allowlist,
        ..AlertPolicy::default()
    };
    assert_eq!(both.silenced(&f, now).as_deref(), Some("rule suppressed"));
    // After the entry's last day, the finding alerts.
    let expired = AlertPolicy {
        allowlist: list("  - rule: bedrock.*\n    expires: 1970-01-02\n    reason: old\n"),
        ..AlertPolicy::default()
    };
    assert_eq!(
        expired.silenced(&f, 86_400 * 2 - 1).as_deref(),
        Some("allowlisted: old (until 1970-01-02)")
    );
    assert_eq!(expired.silenced(&f, 86_400 * 2), None);
    assert_eq!(
        now_or_never(deliver(&f, &store, &out, &expired, now)).unwrap(),
        Ok(Outcome::Alerted)
    );
}
