//! `aidr scan --allowlist FILE` as a user runs it: the findings an entry suppresses are left
//! out of the output and the --fail-on gate and counted in the summary, an expired entry is
//! warned about and suppresses nothing, and a bad file stops the scan (exit 2) naming its line.

mod common;

use common::aidr;
use std::process::Output;

use serde_json::Value;

/// Writes `text` to a file of its own under the temporary folder; returns its path.
fn file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("aidr-allowlist-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `(rule id, caller ARN)` of each finding of an ndjson scan.
fn findings(out: &Output) -> Vec<(String, String)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|f| {
            let rule = f["rule_id"].as_str().unwrap_or_default().to_owned();
            (rule, f["principal"]["arn"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

const ALICE: &str = "arn:aws:sts::111122223333:assumed-role/MLPlatformAdmin/alice";

/// Suppresses alice's guardrail deletions until far ahead; an old entry has expired.
const ALLOWLIST: &str = "\
suppressions:
  - rule: bedrock.guardrail_deleted
    principal: arn:aws:sts::*:assumed-role/MLPlatformAdmin/*
    account: \"111122223333\"
    resource: arn:aws:bedrock:*:*:guardrail/*
    expires: 2999-12-31
    reason: the platform team rotates guardrails
  - rule: bedrock.*
    expires: 2001-01-01
    reason: an old migration
";

#[test]
fn suppressed_findings_are_left_out_and_counted() {
    let allowlist = file("allow.yaml", ALLOWLIST);
    let plain = aidr(&["scan", "--format", "ndjson", "events/bedrock"]);
    let allowed = aidr(&[
        "scan",
        "--format",
        "ndjson",
        "--allowlist",
        &allowlist,
        "events/bedrock",
    ]);
    assert_eq!(
        allowed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    let (before, after) = (findings(&plain), findings(&allowed));
    let suppressed = |(rule, arn): &(String, String)| rule == "bedrock.guardrail_deleted" && arn == ALICE;
    assert_eq!(before.iter().filter(|f| suppressed(f)).count(), 1, "{before:?}");
    let kept: Vec<_> = before.iter().filter(|f| !suppressed(f)).cloned().collect();
    assert_eq!(after, kept);
    // Another caller's guardrail deletion still shows.
    assert!(after.iter().any(|(rule, _)| rule == "bedrock.guardrail_deleted"));

    let stderr = String::from_utf8_lossy(&allowed.stderr);
    assert!(stderr.contains("; 1 findings suppressed by the allowlist;"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: {allowlist}: entry 2 (rule bedrock.*, until 2001-01-01) has expired"
        )),
        "{stderr}"
    );
    let summary = |out: &Output| {
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        let findings = text
            .split("; ")
            .find(|part| part.contains(" findings ("))
            .map(str::to_owned);
        findings.unwrap_or_default()
    };
    assert!(summary(&plain).starts_with(&format!("{} findings", before.len())));
    assert!(summary(&allowed).starts_with(&format!("{} findings", after.len())));
}

#[test]
fn suppressed_findings_do_not_fail_the_run() {
    let allowlist = file("gate.yaml", ALLOWLIST);
    let sample = "events/bedrock/DeleteGuardrail.json";
    assert_eq!(aidr(&["scan", "--fail-on", "high", sample]).status.code(), Some(1));
    let out = aidr(&["scan", "--fail-on", "high", "--allowlist", &allowlist, sample]);
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
}

#[test]
fn a_bad_allowlist_stops_the_scan_naming_its_line() {
    let bad = file(
        "bad.yaml",
        "suppressions:\n  - rule: bedrock.*\n    reason: forgot the end\n",
    );
    let out = aidr(&["scan", "--allowlist", &bad, "events/bedrock/DeleteGuardrail.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{bad}:2:")), "{stderr}");
    assert!(stderr.contains("missing field `expires`"), "{stderr}");
    assert!(stderr.contains("hint: every entry needs an end"), "{stderr}");

    let missing = aidr(&["scan", "--allowlist", "no/such/allow.yaml", "events/bedrock"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/allow.yaml"));
}
