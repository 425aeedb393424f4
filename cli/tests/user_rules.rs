//! User rules through the `aidr` binary: `rules lint` (each error and warning with its file and
//! line, exit codes), `rules test`, `rules import-sigma`, `scan --rules` / `--sigma`, `patterns
//! --rules`, the catalog with user rules, and the README's "Write your own rule" example.

mod common;

use common::{aidr, root, scratch, stderr};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn ndjson(out: &Output) -> Vec<Value> {
    stdout(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A record of `iam CreateUser` of `user`, in flow YAML (and JSON).
fn create_user(user: &str) -> String {
    format!(
        r#"{{"eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "awsRegion": "us-east-1", "recipientAccountId": "111122223333", "eventTime": "2026-03-02T10:15:30Z", "eventID": "e-{user}", "userIdentity": {{"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ci", "accountId": "111122223333"}}, "requestParameters": {{"userName": "{user}"}}}}"#
    )
}

/// A clean rule: line 10 tests `requestParameters.userName`, line 12 is the summary.
fn rule() -> String {
    format!(
        "id: acme.service_user_created
title: Service user created
severity: medium
area: access
description: A user named like a service account was created.
events:
  - source: iam.amazonaws.com
    names: [CreateUser]
condition:
  field: requestParameters.userName
  starts_with: svc-
summary: \"{{userIdentity.arn}} created user {{requestParameters.userName}}\"
samples:
  match:
    - {}
  no_match:
    - {}
",
        create_user("svc-deploy"),
        create_user("bob")
    )
}

#[test]
fn a_clean_rule_lints_tests_and_scans() {
    let dir = scratch("clean");
    let file = write(&dir, "rule.yaml", &rule());
    let out = aidr(&["rules", "lint", &file]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "1 file linted: 0 errors, 0 warnings\n");

    let out = aidr(&["rules", "test", &file]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("test acme.service_user_created sample match[0] ... ok\n"),
        "{text}"
    );
    assert!(
        text.contains("test acme.service_user_created sample no_match[0] ... ok\n"),
        "{text}"
    );
    assert!(text.ends_with("test result: ok. 2 passed; 0 failed\n"), "{text}");

    let records = write(
        &dir,
        "records.jsonl",
        &format!("{}\n{}\n", create_user("svc-a"), create_user("bob")),
    );
    let out = aidr(&["scan", "--format", "ndjson", "--rules", &file, &records]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let findings = ndjson(&out);
    let ours: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule_id"] == "acme.service_user_created")
        .collect();
    assert_eq!(ours.len(), 1, "{findings:?}");
    assert_eq!(ours[0]["severity"], "medium");
    assert!(
        ours[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:iam::111122223333:user/ci created user svc-a"),
        "{}",
        ours[0]["summary"]
    );
    // The folder form, next to the catalog.
    let out = aidr(&["scan", "--format", "ndjson", "--rules", dir.to_str().unwrap(), &records]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        ndjson(&out)
            .iter()
            .filter(|f| f["rule_id"] == "acme.service_user_created")
            .count(),
        1
    );
}

#[test]
fn lint_reports_every_error_of_every_file_with_its_line() {
    let dir = scratch("errors");
    let good = rule();
    let unknown_key = write(
        &dir,
        "a_unknown_key.yaml",
        &good.replace("  starts_with: svc-", "  startswith: svc-"),
    );
    let wrong_type = write(
        &dir,
        "b_wrong_type.yaml",
        &good.replace("severity: medium", "severity: [medium]"),
    );
    let bad_regex = write(
        &dir,
        "c_bad_regex.yaml",
        &good
            .replace("acme.service_user_created", "acme.regex")
            .replace("  starts_with: svc-", "  regex: '(svc'"),
    );
    let builtin = write(
        &dir,
        "d_builtin.yaml",
        &good.replace("acme.service_user_created", "bedrock.guardrail_deleted"),
    );
    let namespace = write(
        &dir,
        "e_namespace.yaml",
        &good.replace("acme.service_user_created", "iam.svc_user"),
    );
    let first = write(
        &dir,
        "f_first.yaml",
        &good.replace("acme.service_user_created", "acme.twice"),
    );
    let second = write(
        &dir,
        "g_second.yaml",
        &format!(
            "# the same id again\n{}",
            good.replace("acme.service_user_created", "acme.twice")
        ),
    );
    let bad_path = write(
        &dir,
        "h_bad_path.yaml",
        &good
            .replace("acme.service_user_created", "acme.path")
            .replace("field: requestParameters.userName", "field: status.code"),
    );
    let out = aidr(&["rules", "lint", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let error_line = |file: &str| -> String {
        text.lines()
            .find(|l| l.starts_with(&format!("{file}:")) && l.contains(": error: "))
            .unwrap_or_else(|| panic!("no error for {file} in:\n{text}"))
            .to_owned()
    };
    let hint_after = |line: &str| -> String {
        let rest = text.split_once(&format!("{line}\n")).unwrap().1;
        rest.lines().next().unwrap().to_owned()
    };
    let e = error_line(&unknown_key);
    assert!(
        e.starts_with(&format!(
            "{unknown_key}:11:3: error: condition: unknown field `startswith`, expected one of"
        )),
        "{e}"
    );
    assert!(e.contains("`starts_with`"), "the expected keys are listed: {e}");
    assert!(hint_after(&e).starts_with("  hint: "), "{text}");
    let e = error_line(&wrong_type);
    assert!(e.starts_with(&format!("{wrong_type}:3:11: error: severity: ")), "{e}");
    assert_eq!(
        hint_after(&e),
        "  hint: severity takes one of info, low, medium, high, critical; see docs/rules.md"
    );
    let e = error_line(&bad_regex);
    assert!(
        e.starts_with(&format!("{bad_regex}:11:11: error: rule acme.regex: ")),
        "{e}"
    );
    assert!(e.contains("regular expression"), "{e}");
    let (_, rest) = text.split_once(&format!("{e}\n")).unwrap();
    let until_hint: Vec<&str> = rest.lines().take_while(|l| !l.starts_with("  hint: ")).collect();
    assert!(
        until_hint.iter().all(|l| l.starts_with("    ")),
        "the message's lines indented: {until_hint:?}"
    );
    let e = error_line(&builtin);
    assert!(
        e.starts_with(&format!("{builtin}:1:5: error: rule bedrock.guardrail_deleted: ")),
        "{e}"
    );
    assert!(e.contains("is the built-in detection"), "{e}");
    let e = error_line(&namespace);
    assert!(
        e.starts_with(&format!("{namespace}:1:5: error: rule iam.svc_user: ")),
        "{e}"
    );
    assert!(e.contains("built-in"), "{e}");
    assert!(hint_after(&e).contains("acme.svc_user"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with(&format!("{first}:"))), "{text}");
    let e = error_line(&second);
    assert!(e.starts_with(&format!("{second}:2:5: error: rule acme.twice: ")), "{e}");
    assert!(hint_after(&e).contains(&format!("{first}:1")), "{text}");
    let e = error_line(&bad_path);
    assert!(
        e.starts_with(&format!("{bad_path}:10:10: error: rule acme.path: ")),
        "{e}"
    );
    assert!(
        text.ends_with("8 files linted: 7 errors, 0 warnings\n"),
        "one error each, none hidden by another file's: {text}"
    );

    let out = aidr(&["rules", "lint", "--format", "json", &unknown_key, &bad_regex]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["files"].as_u64(), report["errors"].as_u64()),
        (Some(2), Some(2))
    );
    let d = &report["diagnostics"][1];
    assert_eq!(
        (
            d["origin"].as_str(),
            d["line"].as_u64(),
            d["column"].as_u64(),
            d["rule"].as_str(),
            d["level"].as_str()
        ),
        (
            Some(bad_regex.as_str()),
            Some(11),
            Some(11),
            Some("acme.regex"),
            Some("error")
        )
    );
}

#[test]
fn lint_warnings_pass_unless_denied() {
    let dir = scratch("warnings");
    let misspelt = rule()
        .replace("field: requestParameters.userName", "field: requestParameters.username")
        .replace("{requestParameters.userName}", "{requestParameters.usrName}");
    let without_samples = rule()
        .split("samples:")
        .next()
        .unwrap()
        .replace("acme.service_user_created", "acme.bare");
    let foreign = rule()
        .replace("acme.service_user_created", "acme.foreign")
        .replace("source: iam.amazonaws.com", "source: iam");
    let files = [
        write(&dir, "misspelt.yaml", &misspelt),
        write(&dir, "without_samples.yaml", &without_samples),
        write(&dir, "foreign.yaml", &foreign),
    ];
    let out = aidr(&["rules", "lint", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let warning = |prefix: &str| -> (String, String) {
        let mut lines = text.lines().skip_while(|l| !l.starts_with(prefix));
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("no line starting {prefix} in:\n{text}"));
        (line.to_owned(), lines.next().unwrap_or("").to_owned())
    };
    let (w, hint) = warning(&format!(
        "{}:10:10: warning: rule acme.service_user_created: ",
        files[0]
    ));
    assert!(w.contains("requestParameters.username"), "{w}");
    assert!(
        w.contains("iam.amazonaws.com CreateUser"),
        "names the events checked: {w}"
    );
    assert_eq!(hint, "  hint: did you mean requestParameters.userName?");
    let (w, hint) = warning(&format!("{}:12:", files[0]));
    assert!(w.contains("requestParameters.usrName"), "{w}");
    assert_eq!(hint, "  hint: did you mean requestParameters.userName?");
    let (w, _) = warning(&format!("{}:1:5: warning: rule acme.bare: ", files[1]));
    assert!(w.contains("no samples"), "{w}");
    let (w, hint) = warning(&format!("{}:7:13: warning: rule acme.foreign: ", files[2]));
    assert!(w.contains("not an AWS service"), "{w}");
    assert!(hint.contains("iam.amazonaws.com"), "{hint}");
    // Its samples are of iam.amazonaws.com, which it does not consume.
    let (w, _) = warning(&format!("{}:14:3: warning: rule acme.foreign: ", files[2]));
    assert!(
        w.contains("samples.match[0] is a record of iam.amazonaws.com CreateUser"),
        "{w}"
    );
    assert!(text.ends_with("3 files linted: 0 errors, 6 warnings\n"), "{text}");

    let denied = aidr(&["rules", "lint", "--deny-warnings", dir.to_str().unwrap()]);
    assert_eq!(denied.status.code(), Some(1));
    let clean = write(&scratch("clean-denied"), "rule.yaml", &rule());
    assert_eq!(
        aidr(&["rules", "lint", "--deny-warnings", &clean]).status.code(),
        Some(0)
    );
}

#[test]
fn lint_of_a_path_that_cannot_be_read_exits_2() {
    let out = aidr(&["rules", "lint", "no/such/rules"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/rules"), "{}", stderr(&out));
    let empty = scratch("empty");
    let out = aidr(&["rules", "lint", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule file"), "{}", stderr(&out));
}

#[test]
fn rules_test_reports_failures_like_a_test_runner() {
    let dir = scratch("test-failing");
    // The match sample misses, the no_match sample matches.
    let failing = rule().replace("starts_with: svc-", "starts_with: bob");
    let file = write(&dir, "failing.yaml", &failing);
    let bare = write(
        &dir,
        "bare.yaml",
        &rule()
            .split("samples:")
            .next()
            .unwrap()
            .replace("acme.service_user_created", "acme.bare"),
    );
    let out = aidr(&["rules", "test", &file, &bare]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("test acme.service_user_created sample match[0] ... FAILED\n    expected a finding, got none\n"),
        "{text}"
    );
    assert!(
        text.contains("test acme.service_user_created sample no_match[0] ... FAILED\n    expected no finding, got \"arn:aws:iam::111122223333:user/ci created user bob"),
        "{text}"
    );
    assert!(text.contains("test acme.bare ... no samples\n"), "{text}");
    assert!(
        text.ends_with("test result: FAILED. 0 passed; 2 failed; 1 without samples\n"),
        "{text}"
    );

    let out = aidr(&["rules", "test", "--format", "json", &file]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(report["results"][0]["sample"], "match[0]");
    assert_eq!(report["results"][0]["reason"], "expected a finding, got none");

    // A match sample the rule never sees says why.
    let unseen = rule().replace("acme.service_user_created", "acme.unseen").replace(
        &create_user("svc-deploy"),
        &create_user("svc-deploy").replace("\"CreateUser\"", "\"DeleteUser\""),
    );
    let unseen = write(&dir, "unseen.yaml", &unseen);
    let out = aidr(&["rules", "test", &unseen]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "test acme.unseen sample match[0] ... FAILED\n    expected a finding, got none: iam.amazonaws.com DeleteUser is not among the rule's events (iam.amazonaws.com CreateUser): the rule never sees it\n"
        ),
        "{}",
        stdout(&out)
    );

    // Only rules without samples: nothing fails.
    let out = aidr(&["rules", "test", &bare]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // Rules that do not load: exit 2, the error on stderr.
    let broken = write(
        &dir,
        "broken.yaml",
        &rule().replace("severity: medium", "severity: urgent"),
    );
    let out = aidr(&["rules", "test", &broken]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&format!("{broken}:3:")), "{}", stderr(&out));
}

/// A Sigma rule for CloudTrail, and one for another log source.
const SIGMA: &str = "title: Service User Created
id: 5f0b4b8e-7d1c-4f39-9f0e-2c1e4b7d9a10
status: experimental
description: Detects a user created with a service account name.
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: iam.amazonaws.com
    eventName: CreateUser
    requestParameters.userName|startswith: svc-
  condition: selection
level: medium
";

const SIGMA_WINDOWS: &str = "title: Not CloudTrail
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4720
  condition: selection
level: low
";

#[test]
fn import_sigma_writes_rules_that_lint_clean_and_reports_refusals() {
    let dir = scratch("sigma");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    write(&input, "a_user.yml", SIGMA);
    let windows = write(&input, "b_windows.yml", SIGMA_WINDOWS);
    let out_dir = dir.join("out");

    let out = aidr(&[
        "rules",
        "import-sigma",
        input.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{windows}: rule \"Not CloudTrail\": cannot convert logsource: "
        )),
        "{err}"
    );
    assert!(err.contains("converted 1 of 2 rules (1 refused)"), "{err}");
    let written: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let name = written[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(name.ends_with(".yaml"), "{name}");

    // The output lints clean (warnings allowed: a converted rule has no samples) and finds.
    let out = aidr(&["rules", "lint", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 errors"), "{}", stdout(&out));
    let records = write(
        &dir,
        "records.jsonl",
        &format!("{}\n{}\n", create_user("svc-a"), create_user("bob")),
    );
    let out = aidr(&[
        "scan",
        "--format",
        "ndjson",
        "--rules",
        out_dir.to_str().unwrap(),
        &records,
    ]);
    let id = name.trim_end_matches(".yaml");
    assert_eq!(
        ndjson(&out).iter().filter(|f| f["rule_id"] == id).count(),
        1,
        "{}",
        stderr(&out)
    );

    // Existing files are not overwritten without --force.
    let again = aidr(&[
        "rules",
        "import-sigma",
        input.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("not overwriting"), "{}", stderr(&again));
    let forced = aidr(&[
        "rules",
        "import-sigma",
        input.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));

    // To stdout: YAML documents separated by `---`, a file that loads as it is.
    let two = dir.join("two");
    std::fs::create_dir_all(&two).unwrap();
    write(&two, "a.yml", SIGMA);
    write(
        &two,
        "b.yml",
        &SIGMA
            .replace("Service User Created", "Other User Created")
            .replace("5f0b", "6f0b"),
    );
    let out = aidr(&["rules", "import-sigma", two.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().filter(|l| *l == "---").count(), 1, "{text}");
    assert!(text.lines().any(|l| l == format!("id: {id}")), "{text}");
    let all = write(&dir, "all.yaml", &text);
    let out = aidr(&["rules", "lint", &all]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("1 file linted: 0 errors, 2 warnings\n"),
        "{}",
        stdout(&out)
    );

    // Nothing converted: exit 1; unreadable input: exit 2.
    assert_eq!(aidr(&["rules", "import-sigma", &windows]).status.code(), Some(1));
    assert_eq!(aidr(&["rules", "import-sigma", "no/such.yml"]).status.code(), Some(2));
}

#[test]
fn scan_with_sigma_converts_on_the_fly() {
    let dir = scratch("scan-sigma");
    let sigma = dir.join("sigma");
    std::fs::create_dir_all(&sigma).unwrap();
    write(&sigma, "user.yml", SIGMA);
    write(&sigma, "windows.yml", SIGMA_WINDOWS);
    let records = write(&dir, "records.jsonl", &format!("{}\n", create_user("svc-a")));
    let out = aidr(&[
        "scan",
        "--format",
        "ndjson",
        "--sigma",
        sigma.to_str().unwrap(),
        &records,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let findings = ndjson(&out);
    assert!(
        findings.iter().any(|f| f["title"] == "Service User Created"),
        "{findings:?}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("warning: ") && err.contains("cannot convert logsource"),
        "{err}"
    );
    assert!(err.contains("windows.yml: no rule converted from Sigma"), "{err}");

    // A later Sigma rule with the same title (so the same id) is refused, as import-sigma does.
    let first = sigma.join("user.yml").display().to_string();
    let later = write(&sigma, "z_same_title.yml", &SIGMA.replace("5f0b", "6f0b"));
    let out = aidr(&[
        "scan",
        "--format",
        "ndjson",
        "--sigma",
        sigma.to_str().unwrap(),
        &records,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "aidr: warning: {later}: rule \"Service User Created\": cannot convert id: sigma.service_user_created is also the id of a rule of {first}"
        )),
        "{err}"
    );
    let import = aidr(&["rules", "import-sigma", sigma.to_str().unwrap()]);
    assert!(
        stderr(&import).contains(&format!("{later}: rule \"Service User Created\": cannot convert id:")),
        "{}",
        stderr(&import)
    );
}

#[test]
fn a_folder_without_rule_files_is_an_error_everywhere() {
    let empty = scratch("no-rule-files");
    write(&empty, "notes.txt", "not a rule");
    let dir = empty.to_str().unwrap();
    let commands: [&[&str]; 6] = [
        &["rules", "test", dir],
        &["rules", "lint", dir],
        &["scan", "--rules", dir, "events/"],
        &["scan", "--sigma", dir, "events/"],
        &["patterns", "--rules", dir],
        &["rules", "--sigma", dir],
    ];
    for args in commands {
        let out = aidr(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains(&format!("no rule files under {dir}")),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty() || args[1] == "lint", "{args:?}: {}", stdout(&out));
    }
}

#[test]
fn scan_with_a_rule_that_does_not_load_scans_nothing() {
    let dir = scratch("scan-broken");
    let broken = write(
        &dir,
        "broken.yaml",
        &rule().replace("  starts_with: svc-", "  regex: '(svc'"),
    );
    let out = aidr(&["scan", "--format", "ndjson", "--rules", &broken, "events/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing scanned: {}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{broken}:11:11: rule acme.service_user_created")),
        "{err}"
    );
    let out = aidr(&["scan", "--rules", "no/such/rules", "events/"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn patterns_and_the_catalog_include_user_rules() {
    let dir = scratch("patterns");
    let file = write(
        &dir,
        "rule.yaml",
        &rule().replace(
            "  - source: iam.amazonaws.com\n    names: [CreateUser]",
            "  - source: iam.amazonaws.com\n    names: [CreateUser]\n  - source: acme-ml.amazonaws.com\n    names: [StartThing]",
        ),
    );
    let builtin: Value = serde_json::from_slice(&aidr(&["patterns"]).stdout).unwrap();
    let out = aidr(&["patterns", "--rules", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let with: Value = serde_json::from_slice(&out.stdout).unwrap();
    let has = |p: &Value, what: &str, value: &str| {
        p["write"]["detail"][what]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == value)
    };
    assert!(!has(&builtin, "eventName", "StartThing"));
    assert!(has(&with, "eventName", "StartThing"));
    assert!(has(&with, "eventSource", "acme-ml.amazonaws.com"));
    assert!(
        with["write"]["source"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "aws.acme-ml")
    );

    let out = aidr(&["patterns", "--rules", &file, "--only-user-rules"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let only: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        only["detail"]["eventName"],
        serde_json::json!(["CreateUser", "StartThing"])
    );
    assert_eq!(
        only["detail"]["eventSource"],
        serde_json::json!(["acme-ml.amazonaws.com", "iam.amazonaws.com"])
    );
    assert_eq!(only["source"], serde_json::json!(["aws.acme-ml", "aws.iam"]));
    assert_eq!(
        only["detail-type"],
        serde_json::json!(aidr_engine::input::CLOUDTRAIL_DETAIL_TYPES),
        "console sign-ins and service events are routed too"
    );
    let out = aidr(&["patterns", "--only-user-rules"]);
    assert_eq!(out.status.code(), Some(2), "no user rules: {}", stdout(&out));

    // The catalog lists the user rule, marked as such.
    let out = aidr(&["rules", "--rules", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line = stdout(&out)
        .lines()
        .find(|l| l.starts_with("acme.service_user_created "))
        .unwrap()
        .to_owned();
    assert!(line.contains(" event ") && line.contains(&file), "{line}");
    assert!(stdout(&out).lines().next().unwrap().contains("SOURCE"));
    let json: Vec<Value> =
        serde_json::from_slice(&aidr(&["rules", "--format", "json", "--rules", &file]).stdout).unwrap();
    let user = json.iter().find(|r| r["id"] == "acme.service_user_created").unwrap();
    assert_eq!(
        (user["kind"].as_str(), user["origin"].as_str()),
        (Some("event"), Some(file.as_str()))
    );
    assert!(
        json.iter()
            .filter(|r| r["id"] != "acme.service_user_created")
            .all(|r| r["origin"].is_null())
    );
    // Without user rules, the listing is as it always was.
    assert!(!stdout(&aidr(&["rules"])).contains("SOURCE"));
    // `rules` takes either its own flags or a subcommand.
    assert_eq!(
        aidr(&["rules", "--format", "json", "lint", &file]).status.code(),
        Some(2)
    );
}

/// The first fenced block of `language` in `text`.
fn fenced<'t>(text: &'t str, language: &str) -> &'t str {
    let open = format!("```{language}\n");
    let (_, rest) = text.split_once(&open).unwrap_or_else(|| panic!("no {language} block"));
    rest.split_once("```").unwrap().0
}

#[test]
fn the_readme_example_rule_tests_and_finds() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let (_, section) = readme
        .split_once("\n## Write your own rule\n")
        .expect("README has a \"Write your own rule\" section");
    let section = section.split("\n## ").next().unwrap();
    let dir = scratch("readme");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let rule = write(&rules, "endpoint.yaml", fenced(section, "yaml"));
    let trail = write(&dir, "trail.json", fenced(section, "json"));

    let out = aidr(&["rules", "lint", "--deny-warnings", &rule]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = aidr(&["rules", "test", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("test result: ok. 2 passed; 0 failed\n"),
        "{}",
        stdout(&out)
    );

    let out = aidr(&["scan", "--format", "ndjson", "--rules", rules.to_str().unwrap(), &trail]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let findings = ndjson(&out);
    let ours: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule_id"] == "acme.sagemaker_endpoint_outside_ml_platform")
        .collect();
    assert_eq!(ours.len(), 1, "{findings:?}");
    assert_eq!(ours[0]["severity"], "high");
    let summary = ours[0]["summary"].as_str().unwrap();
    assert_eq!(
        summary,
        "arn:aws:sts::111122223333:assumed-role/DataScientist/alice created endpoint fraud-llm outside the ML platform in account 111122223333 (us-east-1)"
    );
    // The summary the README quotes is the one the scan writes.
    assert!(
        section
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(summary),
        "README quotes {summary:?}"
    );
}

#[test]
fn the_sigma_samples_convert_to_rules_that_lint_without_errors() {
    let out_dir = scratch("sigma-samples").join("rules");
    let out = aidr(&[
        "rules",
        "import-sigma",
        "samples/sigma",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_dir(&out_dir).unwrap().count();
    assert!(
        stderr(&out).contains(&format!("aidr: converted {written} of ")),
        "{}",
        stderr(&out)
    );
    let out = aidr(&["rules", "lint", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!("{written} files linted: 0 errors")),
        "{}",
        stdout(&out)
    );
}
