//! The `aidr` binary as a user runs it: formats, exit codes, bad input, stdin, ordering, the
//! findings on the sample folders against their committed expected output, and the README's
//! catalog table.

mod common;

use common::{aidr, root, scratch};
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// `aidr scan --format ndjson -` with `input` on standard input.
fn scan_stdin(input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aidr"))
        .args(["scan", "--format", "ndjson", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn ndjson(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn detail(sample: &str) -> Value {
    let text = std::fs::read_to_string(root().join("events").join(sample)).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["detail"].clone()
}

#[test]
fn ndjson_findings_carry_the_promised_fields() {
    let out = aidr(&["scan", "--format", "ndjson", "events/bedrock/DeleteGuardrail.json"]);
    assert_eq!(out.status.code(), Some(0));
    let findings = ndjson(&out);
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f["rule_id"], "bedrock.guardrail_deleted");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["account"], "111122223333");
    assert_eq!(f["region"], "us-east-1");
    assert_eq!(f["event_ids"][0], detail("bedrock/DeleteGuardrail.json")["eventID"]);
    assert_eq!(
        f["principal"]["arn"],
        "arn:aws:sts::111122223333:assumed-role/MLPlatformAdmin/alice"
    );
    assert_eq!(f["principal"]["credential"], "temporary");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .starts_with("assumed-role/MLPlatformAdmin/alice deleted guardrail")
    );
    for key in [
        "title",
        "resources",
        "dedupe_key",
        "remediation",
        "source_ip",
        "user_agent",
    ] {
        assert!(!f[key].is_null(), "{key} missing");
    }
}

#[test]
fn ocsf_is_a_detection_finding() {
    let out = aidr(&["scan", "--format", "ocsf", "events/bedrock/DeleteGuardrail.json"]);
    let f = &ndjson(&out)[0];
    assert_eq!(f["class_uid"], 2004);
    assert_eq!(f["type_uid"], 200401);
    assert_eq!(f["severity_id"], 4);
    assert_eq!(f["finding_info"]["analytic"]["uid"], "bedrock.guardrail_deleted");
    assert_eq!(f["cloud"]["account"]["uid"], "111122223333");
    assert_eq!(f["time"], 1_772_446_530_000i64);
}

#[test]
fn asff_is_a_security_hub_import_matching_its_expected_output() {
    let out = aidr(&["scan", "--format", "asff", "events/"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let path = root().join("cli/tests/expected/events.asff.json");
    if std::env::var_os("AIDR_BLESS").is_some() {
        std::fs::write(&path, &out.stdout).unwrap();
    }
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let expected: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        found, expected,
        "run `AIDR_BLESS=1 cargo test -p aidr --test cli asff` if the change is wanted"
    );
    let ndjson_count = ndjson(&aidr(&["scan", "--format", "ndjson", "events/"])).len();
    assert_eq!(found.len(), ndjson_count, "one ASFF finding a finding");
    let f = &found[0];
    assert_eq!(f["SchemaVersion"], "2018-10-08");
    let account = f["AwsAccountId"].as_str().unwrap();
    let region = f["Region"].as_str().unwrap();
    assert_eq!(
        f["ProductArn"],
        format!("arn:aws:securityhub:{region}:{account}:product/{account}/default")
    );
    assert_eq!(f["UpdatedAt"], f["LastObservedAt"], "updated at the event time");
    let empty = aidr(&[
        "scan",
        "--format",
        "asff",
        "--min-severity",
        "critical",
        "events/bedrock/DeleteGuardrail.json",
    ]);
    assert_eq!(String::from_utf8_lossy(&empty.stdout), "[]\n");
}

#[test]
fn exit_codes_follow_fail_on_and_errors() {
    let sample = "events/bedrock/DeleteGuardrail.json";
    assert_eq!(aidr(&["scan", "--fail-on", "high", sample]).status.code(), Some(1));
    assert_eq!(aidr(&["scan", "--fail-on", "critical", sample]).status.code(), Some(0));
    // Findings filtered out by --min-severity do not fail the run.
    let out = aidr(&["scan", "--min-severity", "critical", "--fail-on", "low", sample]);
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
    assert_eq!(aidr(&["scan", "no/such/file.json"]).status.code(), Some(2));
    assert_eq!(aidr(&["scan", "--format", "yaml", sample]).status.code(), Some(2));
    assert_eq!(
        aidr(&["scan", "--min-severity", "severe", sample]).status.code(),
        Some(2)
    );
    assert_eq!(aidr(&["scan", "--org-account", "12", sample]).status.code(), Some(2));
    assert_eq!(aidr(&["scan", "--threads", "200000", sample]).status.code(), Some(2));
    assert_eq!(aidr(&["scan"]).status.code(), Some(2));
}

#[test]
fn bad_input_is_reported_and_scanning_goes_on() {
    let dir = scratch("bad");
    let good = serde_json::json!({ "Records": [detail("bedrock/DeleteGuardrail.json"), 7] });
    std::fs::write(dir.join("a-good.json"), good.to_string()).unwrap();
    std::fs::write(dir.join("b-malformed.json"), "{\"Records\": [ {\"eventName\": ").unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(good.to_string().as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    std::fs::write(dir.join("c-good.json.gz"), &bytes).unwrap();
    std::fs::write(dir.join("d-truncated.json.gz"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(
        dir.join("e-lines.jsonl"),
        format!("not json\n{}\n", detail("iam/AttachUserPolicy.json")),
    )
    .unwrap();
    std::fs::write(dir.join("ignored.txt"), "not scanned").unwrap();

    let out = aidr(&["scan", "--format", "ndjson", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let rules: Vec<_> = ndjson(&out)
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        rules.iter().filter(|r| *r == "bedrock.guardrail_deleted").count(),
        2,
        "{rules:?}"
    );
    assert!(rules.contains(&"iam.admin_policy_attached".to_owned()), "{rules:?}");
    for expected in [
        "a-good.json: line 1, record 1: record is not a JSON object",
        "b-malformed.json: line 1: truncated JSON",
        "d-truncated.json.gz: line 1: read failed: truncated or corrupt gzip data",
        "e-lines.jsonl: line 1: malformed JSON: expected a value",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
    assert!(
        stderr.contains("5 files, 3 records, 0 skipped, 5 errors; 3 findings"),
        "{stderr}"
    );
}

#[test]
fn stdin_and_other_detail_types() {
    let envelope = std::fs::read_to_string(root().join("events/bedrock/DeleteGuardrail.json")).unwrap();
    let other = r#"{"version":"0","id":"x","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}"#;
    let compact: Value = serde_json::from_str(&envelope).unwrap();
    let out = scan_stdin(format!("{compact}\n{other}\n").as_bytes());
    assert_eq!(ndjson(&out).len(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 files, 1 records, 1 skipped, 0 errors"));
}

#[test]
fn order_is_stable_across_thread_counts() {
    let one = aidr(&["scan", "--format", "ndjson", "--threads", "1", "events"]);
    let many = aidr(&["scan", "--format", "ndjson", "--threads", "4", "events"]);
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, many.stdout);
}

/// The issue's example line of an export that spells fields oddly.
const LENIENT: &str = r#"{"eventVersion":"1.08","eventTime":"2026-10-01 00:01:45","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy","awsRegion":"us-east-1","readOnly":"False","managementEvent":"True","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Ops/sam","accountId":"111122223333"},"requestParameters":{"userName":"build","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"},"eventID":"lenient-1","recipientAccountId":"111122223333"}"#;

#[test]
fn odd_spellings_are_read_and_ignored_fields_counted() {
    let dir = scratch("lenient");
    let mut odd: Value = serde_json::from_str(LENIENT).unwrap();
    odd["eventID"] = "lenient-2".into();
    odd["readOnly"] = "maybe".into();
    odd["userIdentity"]["sessionContext"] = "not an object".into();
    let mut odder = odd.clone();
    odder["eventID"] = "lenient-3".into();
    let text = format!("{LENIENT}\n{odd}\n{odder}\n");
    std::fs::write(dir.join("export.jsonl"), text).unwrap();
    let out = aidr(&["scan", "--format", "ndjson", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let findings = ndjson(&out);
    assert_eq!(findings.len(), 3, "{stderr}");
    assert!(findings.iter().all(|f| f["rule_id"] == "iam.admin_policy_attached"));
    assert_eq!(findings[0]["event_time"], "2026-10-01T00:01:45Z");
    assert!(
        stderr.contains("3 records, 0 skipped, 0 errors, 4 fields ignored"),
        "{stderr}"
    );
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 2, "one example per kind: {stderr}");
    assert!(
        warnings[0].starts_with("warning: readOnly: expected a boolean")
            && warnings[0].contains("(in 2 records; first at ")
            && warnings[0].contains("export.jsonl: line 2)"),
        "{stderr}"
    );
}

/// JSON lines with a bad line every `every` lines, and the line numbers of the bad ones.
fn lines_with_bad_ones(count: usize, every: usize) -> (String, Vec<usize>) {
    let good = detail("iam/AttachUserPolicy.json");
    let (mut text, mut bad) = (String::new(), Vec::new());
    for line in 1..=count {
        if line % every == 0 {
            text.push_str("{\"eventSource\": oops}\n");
            bad.push(line);
        } else {
            let mut record = good.clone();
            record["eventID"] = format!("id-{line}").into();
            text.push_str(&record.to_string());
            text.push('\n');
        }
    }
    (text, bad)
}

#[test]
fn a_large_json_lines_file_is_read_in_chunks_with_exact_error_lines() {
    let dir = scratch("chunks");
    // About 20 MB: three chunks of 8 MiB, read on several threads.
    let (text, bad) = lines_with_bad_ones(20_000, 997);
    assert!(text.len() > 16 << 20);
    std::fs::write(dir.join("big.jsonl"), &text).unwrap();
    std::fs::write(dir.join("same.json"), &text).unwrap();
    let lines = aidr(&[
        "scan",
        "--format",
        "ndjson",
        "--threads",
        "3",
        dir.join("big.jsonl").to_str().unwrap(),
    ]);
    let stream = aidr(&[
        "scan",
        "--format",
        "ndjson",
        "--threads",
        "1",
        dir.join("same.json").to_str().unwrap(),
    ]);
    assert_eq!(ndjson(&lines).len(), 20_000 - bad.len());
    assert_eq!(
        lines.stdout, stream.stdout,
        "chunked lines and one stream find the same"
    );
    // Two large files read side by side: the second waits for the first, and is written after it.
    let pair = scratch("chunks-pair");
    std::fs::write(pair.join("a.json"), &text).unwrap();
    std::fs::write(pair.join("b.json"), &text).unwrap();
    let both = aidr(&["scan", "--format", "ndjson", "--threads", "2", pair.to_str().unwrap()]);
    assert_eq!(both.stdout, [stream.stdout.clone(), stream.stdout.clone()].concat());
    for out in [&lines, &stream] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let located: Vec<usize> = stderr
            .lines()
            .filter_map(|l| l.split(": line ").nth(1)?.split(':').next()?.parse().ok())
            .collect();
        assert_eq!(located, bad, "{stderr}");
    }
}

#[test]
fn gzip_on_stdin_is_streamed() {
    use flate2::write::GzEncoder;
    let (text, bad) = lines_with_bad_ones(50, 7);
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let out = scan_stdin(&gz.finish().unwrap());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(ndjson(&out).len(), 50 - bad.len(), "{stderr}");
    assert!(stderr.contains("-: line 7: malformed JSON"), "{stderr}");
}

#[test]
fn readme_catalog_matches_the_rules() {
    let readme_path = root().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let (head, rest) = readme.split_once(start).expect("README has the rules:start marker");
    let (_, tail) = rest.split_once(end).expect("README has the rules:end marker");
    let table = String::from_utf8(aidr(&["rules", "--format", "markdown"]).stdout).unwrap();
    let expected = format!("{head}{start}{table}{end}{tail}");
    if std::env::var_os("AIDR_BLESS").is_some() {
        std::fs::write(&readme_path, &expected).unwrap();
    } else {
        assert!(
            readme == expected,
            "README catalog is stale: run `AIDR_BLESS=1 cargo test -p aidr --test cli readme`"
        );
    }
}

#[test]
fn rules_json_lists_every_detection_with_its_kind_and_samples() {
    let out = aidr(&["rules", "--format", "json"]);
    let rules: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for r in &rules {
        for key in [
            "id",
            "kind",
            "title",
            "severity",
            "area",
            "techniques",
            "description",
            "remediation",
            "events",
            "resource_types",
        ] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
        for verdict in ["must_fire", "must_not_fire"] {
            let samples = r["samples"][verdict].as_array().unwrap();
            assert!(!samples.is_empty(), "{} has no {verdict} sample", r["id"]);
            for path in samples {
                let path = root().join(path.as_str().unwrap());
                assert!(path.is_file(), "{} lists {}", r["id"], path.display());
            }
        }
    }
    let kinds: std::collections::BTreeSet<&str> = rules.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["event", "posture", "stateful"]);
    let alert = |id: &str| rules.iter().find(|r| r["id"] == id).map(|r| r["alert"].clone());
    assert_eq!(
        alert("bedrock.invocation_long_term_key"),
        Some(serde_json::json!({"per": "principal", "window_secs": 86400}))
    );
    assert_eq!(
        alert("bedrock.llmjacking_probing"),
        Some(serde_json::json!({"per": "incident", "window_secs": 86400}))
    );
    assert!(rules.iter().all(|r| r["failed_calls"].is_boolean()));
}

/// `aidr scan --format ndjson FOLDER` against `cli/tests/expected/NAME.ndjson` (compared as JSON
/// values, one finding a line); `AIDR_BLESS=1` rewrites the expected file.
fn scan_matches_expected(folder: &str, name: &str) {
    let out = aidr(&["scan", "--format", "ndjson", folder]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let path = root().join("cli/tests/expected").join(format!("{name}.ndjson"));
    if std::env::var_os("AIDR_BLESS").is_some() {
        std::fs::write(&path, &out.stdout).unwrap();
    }
    let expected: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let found = ndjson(&out);
    assert_eq!(found.len(), expected.len(), "number of findings on {folder}");
    for (i, (f, e)) in found.iter().zip(&expected).enumerate() {
        assert_eq!(
            f,
            e,
            "finding {i} on {folder} differs from {}; if the change is intended, run `AIDR_BLESS=1 cargo test -p aidr --test cli expected`",
            path.display()
        );
    }
}

#[test]
fn findings_on_the_event_samples_are_the_expected_ones() {
    scan_matches_expected("events", "events");
}

#[test]
fn findings_on_the_sequence_and_resource_samples_are_the_expected_ones() {
    scan_matches_expected("samples", "samples");
    let findings = ndjson(&aidr(&["scan", "--format", "ndjson", "samples"]));
    let rules: std::collections::BTreeSet<&str> = findings.iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    for rule in [
        "bedrock.llmjacking_enablement_then_use",
        "bedrock.llmjacking_volume_spike",
        "sagemaker.notebook_direct_internet_access",
    ] {
        assert!(rules.contains(rule), "{rule} missing: {rules:?}");
    }
}

#[test]
fn posture_findings_are_ocsf_compliance_findings() {
    let sample = "samples/posture/sagemaker/NotebookInstance-direct-internet.json";
    let out = aidr(&["scan", "--format", "ocsf", sample]);
    let f = &ndjson(&out)[0];
    assert_eq!(
        (f["class_uid"].as_u64(), f["type_uid"].as_u64()),
        (Some(2003), Some(200301))
    );
    assert_eq!(f["compliance"]["status"], "Fail");
    assert_eq!(f["compliance"]["control"], "sagemaker.notebook_direct_internet_access");
    assert_eq!(
        f["resources"][0]["uid"],
        "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/research-scratch"
    );
    assert_eq!(f["resources"][0]["data"]["DirectInternetAccess"], "Enabled");
    let uid = f["finding_info"]["uid"].as_str().unwrap();
    assert!(
        uid.contains("notebook-instance/research-scratch"),
        "unique per resource: {uid}"
    );
    let json = ndjson(&aidr(&["scan", "--format", "ndjson", sample]));
    assert_eq!(json[0]["resource"]["type"], "AWS::SageMaker::NotebookInstance");
    assert!(
        json[0]["event_ids"].is_null(),
        "a posture finding has no CloudTrail evidence"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 files, 0 records, 1 resources"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn template_patterns_match_the_catalog() {
    let patterns: Value = serde_json::from_slice(&aidr(&["patterns"]).stdout).unwrap();
    // Every copy of the patterns: the central stack's rules on the default bus and on the
    // organization's bus, and the member accounts' forwarding rules.
    for (file, copies) in [("infra/template.yaml", 2), ("infra/member.yaml", 1)] {
        let path = root().join(file);
        let template = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = template.lines().map(str::to_owned).collect();
        for which in ["write", "read"] {
            let marker = format!("# aidr patterns: {which}");
            let at: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].trim() == marker).collect();
            assert_eq!(at.len(), copies, "{file}: {} `{marker}` lines, not {copies}", at.len());
            for at in at {
                let indent: String = lines[at].chars().take_while(|c| *c == ' ').collect();
                if std::env::var_os("AIDR_BLESS").is_some() {
                    lines[at + 1] = format!("{indent}EventPattern: {}", patterns[which]);
                    continue;
                }
                // Compared as JSON: the key order of the text depends on serde_json's features.
                let line = lines[at + 1].trim_start();
                let pattern = line
                    .strip_prefix("EventPattern: ")
                    .unwrap_or_else(|| panic!("{file}:{}: no pattern after `{marker}`", at + 2));
                let pattern: Value = serde_json::from_str(pattern).unwrap();
                assert_eq!(
                    pattern,
                    patterns[which],
                    "{file}:{}: the {which} pattern differs from `aidr patterns`: run `AIDR_BLESS=1 cargo test -p aidr --test cli template`",
                    at + 2
                );
            }
        }
        if std::env::var_os("AIDR_BLESS").is_some() {
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        }
    }
}

#[test]
#[cfg(not(feature = "aws"))]
fn respond_without_the_aws_feature_says_how_to_build_it() {
    let out = aidr(&["respond", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--features aws"), "{stderr}");
}

#[test]
#[cfg(not(feature = "aws"))]
fn s3_and_backfill_without_the_aws_feature_say_how_to_build_them() {
    for args in [
        &["scan", "events/", "s3://trail-logs/AWSLogs/"][..],
        &["backfill", "--bucket", "trail-logs", "--dry-run"],
        &["backfill", "status", "r1"],
    ] {
        let out = aidr(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--features aws"), "{args:?}: {stderr}");
    }
    let out = aidr(&["scan", "events/", "--from", "2026-10-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no s3:// URL"));
}

#[test]
#[cfg(feature = "aws")]
fn respond_gives_up_on_an_endpoint_that_never_answers() {
    use std::time::{Duration, Instant};
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aidr"))
        .args(["respond", "list", "--table", "aidr-state"])
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(90) {
            child.kill().unwrap();
            panic!("aidr respond list still waiting after 90 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DynamoDB"), "{stderr}");
}

/// `cargo tree` of the command line's normal dependencies, with `features`, one crate a line.
fn dependency_tree(features: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "aidr",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(features)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_default_build_has_no_aws_sdk() {
    let sdk = |tree: &str| tree.lines().filter(|l| l.starts_with("aws-")).count();
    let default = dependency_tree(&[]);
    assert_eq!(sdk(&default), 0, "the scan must not pay for the AWS SDK:\n{default}");
    let aws = dependency_tree(&["--features", "aws"]);
    assert!(aws.lines().any(|l| l.starts_with("aws-sdk-sagemaker ")), "{aws}");
}
