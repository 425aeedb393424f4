//! `aidr inventory`, `aidr posture` and `aidr report` on a saved inventory
//! (`samples/inventory/two-accounts.json`): each format, the posture findings and attack paths
//! against their committed expected output, the CycloneDX BOM through the official validator,
//! and bad input.

mod common;

use common::{aidr, root, scratch, stderr};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const FIXTURE: &str = "samples/inventory/two-accounts.json";

fn stdout(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn ndjson(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn table_lists_each_scope_its_types_names_facts_and_the_gaps() {
    let table = stdout(&aidr(&["inventory", "--from", FIXTURE]));
    for expected in [
        "Inventory collected 2026-03-10T08:00:00Z: 22 resources in 4 scopes (2 accounts), 1 gap\n",
        "\n111122223333 us-east-1: 13 resources\n",
        "\n111122223333 global: 4 resources\n",
        "\n444455556666 eu-west-1: 2 resources (1 gap)\n",
        "\n  AWS::Bedrock::CustomModel\n    support-assistant-ft  FINE_TUNING, base anthropic.claude-3-haiku-20240307-v1:0:200k, training data s3://acme-ml-training/support/train.jsonl, customer KMS key\n",
        "    support-assistant-pt  InService, model support-assistant-ft, 1 model units, commitment OneMonth\n",
        "    settings         invocation logging off, 0 guardrails\n",
        "    tools-gw              READY, authorizer NONE, targets support-runtime, order-lookup, role AgentCoreGatewayRole\n",
        "    ds-sandbox    InService, ml.t3.large, direct internet Enabled, root access Disabled, no VPC, role AmazonSageMaker-ExecutionRole-ds\n",
        "\nGaps: what could not be listed\n  444455556666 eu-west-1 bedrock-agent:ListAgents not_permitted: User: arn:aws:sts::444455556666:assumed-role/aidr-inventory/aidr is not authorized",
    ] {
        assert!(table.contains(expected), "missing {expected:?} in:\n{table}");
    }
    let first_type = |scope: &str| {
        let at = table.find(scope).unwrap();
        table[at..].lines().nth(1).unwrap().trim().to_owned()
    };
    assert_eq!(
        first_type("111122223333 us-east-1"),
        "AIDR::Bedrock::Settings",
        "types in catalog order"
    );
}

#[test]
fn json_is_the_inventory_again() {
    let text = stdout(&aidr(&["inventory", "--from", FIXTURE, "--format", "json"]));
    let written: Value = serde_json::from_str(&text).unwrap();
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(root().join(FIXTURE)).unwrap()).unwrap();
    assert_eq!(written, fixture);
    let dir = scratch("json");
    let path = dir.join("again.json");
    std::fs::write(&path, &text).unwrap();
    let again = stdout(&aidr(&[
        "inventory",
        "--from",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(again, text, "read back as written");
    // Gzip too.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(dir.join("again.json.gz"), gz.finish().unwrap()).unwrap();
    let gunzipped = stdout(&aidr(&[
        "inventory",
        "--from",
        dir.join("again.json.gz").to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(gunzipped, text);
    // Standard input too.
    let mut child = Command::new(env!("CARGO_BIN_EXE_aidr"))
        .args(["inventory", "--from", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    assert_eq!(stdout(&child.wait_with_output().unwrap()), text);
}

/// The venv's Python with the CycloneDX library, or `None` (with a note) when it is missing.
/// Under CI or the test command (`CI`, `AIDR_TEST_EMULATOR`) a missing validator fails the test.
fn cyclonedx_python() -> Option<PathBuf> {
    let venv = std::env::var_os("AIDR_VENV").map_or_else(|| root().join(".venv"), |v| root().join(v));
    let python = venv.join("bin/python");
    let found = Command::new(&python)
        .args(["-c", "import cyclonedx.validation.json"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some(python);
    }
    let required = std::env::var_os("CI").is_some() || std::env::var_os("AIDR_TEST_EMULATOR").is_some();
    assert!(
        !required,
        "no CycloneDX validator in {}: run scripts/test, which installs tests/requirements.txt",
        venv.display()
    );
    eprintln!(
        "skipped: no CycloneDX validator in {} (scripts/test installs tests/requirements.txt)",
        venv.display()
    );
    None
}

/// Runs the official validator (cyclonedx-python-lib, strict JSON schema of spec 1.6) on
/// `bom`: its errors, one a line.
fn validate(python: &Path, bom: &[u8]) -> (bool, String) {
    const SCRIPT: &str = "import sys\n\
        from cyclonedx.schema import SchemaVersion\n\
        from cyclonedx.validation.json import JsonStrictValidator\n\
        errors = list(JsonStrictValidator(SchemaVersion.V1_6).validate_str(sys.stdin.read(), all_errors=True) or [])\n\
        for e in errors:\n    print('/'.join(map(str, e.data.absolute_path)) + ': ' + e.data.message[:300])\n\
        sys.exit(1 if errors else 0)\n";
    let mut child = Command::new(python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bom).unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    (out.status.success(), report)
}

#[test]
fn cyclonedx_is_a_valid_ml_bom_of_spec_1_6() {
    let out = aidr(&["inventory", "--from", FIXTURE, "--format", "cyclonedx"]);
    let text = stdout(&out);
    let bom: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    let serial = bom["serialNumber"].as_str().unwrap();
    assert!(serial.starts_with("urn:uuid:") && serial.len() == 45, "{serial}");
    let again: Value = serde_json::from_str(&stdout(&aidr(&[
        "inventory",
        "--from",
        FIXTURE,
        "--format",
        "cyclonedx",
    ])))
    .unwrap();
    assert_ne!(
        again["serialNumber"], bom["serialNumber"],
        "a new serial number per BOM"
    );
    let types: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"machine-learning-model") && types.contains(&"data"),
        "{types:?}"
    );
    assert_eq!(
        bom["services"].as_array().unwrap().len(),
        8,
        "endpoint, throughput, guardrail, profile, agent, knowledge base, runtime, gateway"
    );

    let Some(python) = cyclonedx_python() else { return };
    let (valid, report) = validate(&python, text.as_bytes());
    assert!(valid, "the CycloneDX validator rejects the BOM:\n{report}");
    // The validator does reject what is not a 1.6 BOM.
    let mut broken = bom.clone();
    broken["components"][0]["type"] = "model".into();
    let (valid, report) = validate(&python, broken.to_string().as_bytes());
    assert!(!valid && report.contains("components/0/type"), "{report}");
}

#[test]
fn posture_gives_the_expected_findings_in_every_format_and_exit_codes_as_scan() {
    let out = aidr(&["posture", "--from", FIXTURE, "--format", "ndjson"]);
    let text = stdout(&out);
    let path = root().join("cli/tests/expected/inventory.posture.ndjson");
    if std::env::var_os("AIDR_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let found = ndjson(&text);
    let expected = ndjson(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(
        found, expected,
        "if the change is intended, run `AIDR_BLESS=1 cargo test -p aidr --test inventory posture`"
    );
    let count = |s: &str| found.iter().filter(|f| f["severity"] == s).count();
    let summary = format!(
        "aidr: 22 resources; {} findings (critical {}, high {}, medium {}, low {}, info {})",
        found.len(),
        count("critical"),
        count("high"),
        count("medium"),
        count("low"),
        count("info")
    );
    assert!(stderr(&out).contains(&summary), "{summary:?} not in {}", stderr(&out));
    let notebooks: Vec<(&str, &str)> = found
        .iter()
        .filter(|f| f["rule_id"] == "sagemaker.notebook_direct_internet_access")
        .map(|f| (f["account"].as_str().unwrap(), f["resource"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        notebooks,
        [("111122223333", "research-scratch"), ("444455556666", "ds-sandbox")]
    );
    // The same findings as `aidr scan` gives on the inventory file.
    let scanned = stdout(&aidr(&["scan", "--format", "ndjson", FIXTURE]));
    assert_eq!(ndjson(&scanned), found);

    let table = stdout(&aidr(&["posture", "--from", FIXTURE]));
    assert!(table.starts_with("SEVERITY  TIME"), "{table}");
    let ocsf = ndjson(&stdout(&aidr(&["posture", "--from", FIXTURE, "--format", "ocsf"])));
    assert!(ocsf.iter().all(|e| e["class_uid"] == 2003));
    // The peers' controls a check corresponds to are the compliance requirements.
    let direct = ocsf
        .iter()
        .find(|e| e["compliance"]["control"] == "sagemaker.notebook_direct_internet_access")
        .expect("the direct-internet notebook fails");
    let requirements = direct["compliance"]["requirements"].as_array().unwrap();
    assert!(requirements.iter().any(|r| r == "SageMaker.1"), "{requirements:?}");
    let asff: Vec<Value> =
        serde_json::from_str(&stdout(&aidr(&["posture", "--from", FIXTURE, "--format", "asff"]))).unwrap();
    assert_eq!(asff.len(), found.len());
    let html = stdout(&aidr(&["posture", "--from", FIXTURE, "--format", "html"]));
    let data = embedded(&html);
    assert_eq!(data["findings"].as_array().unwrap().len(), found.len());
    assert_eq!(data["inventory"]["resources"].as_array().unwrap().len(), 22);
    assert_eq!(
        data["paths"].as_array().unwrap().len(),
        3,
        "the inventory's attack paths"
    );
    assert_eq!(data["title"], "aidr posture");

    let fail = |level: &str| aidr(&["posture", "--from", FIXTURE, "--fail-on", level]).status.code();
    let highest = ["critical", "high", "medium", "low", "info"]
        .into_iter()
        .find(|s| count(s) > 0)
        .unwrap();
    assert_eq!(fail(highest), Some(1));
    if highest != "critical" {
        assert_eq!(fail("critical"), Some(0));
        let filtered = aidr(&[
            "posture",
            "--from",
            FIXTURE,
            "--min-severity",
            "critical",
            "--fail-on",
            "low",
        ]);
        assert_eq!((filtered.status.code(), filtered.stdout.len()), (Some(0), 0));
    }
    assert_eq!(
        aidr(&["posture", "--from", FIXTURE, "--org-account", "12"])
            .status
            .code(),
        Some(2)
    );
    // Comma-separated, as --account and AIDR_ORG_ACCOUNTS take them.
    let listed = aidr(&[
        "posture",
        "--from",
        FIXTURE,
        "--org-account",
        "111122223333,444455556666",
    ]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    assert_eq!(
        aidr(&["posture", "--from", FIXTURE, "--org-account", "111122223333,12"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        aidr(&["posture", "--from", FIXTURE, "--format", "csv"]).status.code(),
        Some(2)
    );
    assert_eq!(
        aidr(&["posture", "--from", FIXTURE, "--region", "us-east-1"])
            .status
            .code(),
        Some(2),
        "the live flags go without --from"
    );
}

#[test]
#[cfg(not(feature = "aws"))]
fn without_from_the_default_build_says_how_to_collect_live() {
    for command in ["inventory", "posture", "paths", "report"] {
        let out = aidr(&[command, "--region", "us-east-1"]);
        assert_eq!(out.status.code(), Some(2), "aidr {command}");
        let stderr = stderr(&out);
        assert!(
            stderr.contains("pass --from FILE") && stderr.contains("cargo install --path cli --features aws"),
            "aidr {command}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
#[cfg(feature = "aws")]
fn live_collection_without_usable_credentials_is_an_error() {
    // Nothing listens there: sts:GetCallerIdentity fails, and nothing can be collected.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = Command::new(env!("CARGO_BIN_EXE_aidr"))
        .args(["posture", "--region", "us-east-1"])
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = stderr(&out);
    assert!(
        stderr.contains("aidr: nothing collected: sts:GetCallerIdentity ")
            && stderr.contains("check your AWS credentials"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// The JSON a report page embeds.
fn embedded(html: &str) -> Value {
    let open = r#"<script type="application/json" id="aidr-data">"#;
    let start = html.find(open).expect("no data element") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn scan_writes_html_with_every_finding() {
    let findings = ndjson(&stdout(&aidr(&["scan", "--format", "ndjson", "events"])));
    let html = stdout(&aidr(&["scan", "--format", "html", "--min-severity", "low", "events"]));
    assert!(html.starts_with("<!DOCTYPE html>"));
    let data = embedded(&html);
    let low_or_more = findings.iter().filter(|f| f["severity"] != "info").count();
    assert_eq!(data["findings"].as_array().unwrap().len(), low_or_more);
    assert_eq!(data["sources"], serde_json::json!(["events"]));
    assert!(data["inventory"].is_null());
    let high = aidr(&["scan", "--format", "html", "--fail-on", "high", "events"]);
    assert_eq!(high.status.code(), Some(1), "exit codes as for the other formats");
}

#[test]
fn report_embeds_inventory_findings_and_paths_and_escapes_them() {
    let dir = scratch("report");
    let mut hostile: Value = serde_json::from_str(
        std::fs::read_to_string(root().join("cli/tests/expected/events.ndjson"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    hostile["summary"] = "</script><script>alert(1)</script><!--".into();
    let findings = dir.join("hostile.jsonl");
    std::fs::write(&findings, format!("{hostile}\n\n")).unwrap();
    let page = dir.join("report.html");
    let out = aidr(&[
        "report",
        "--from",
        FIXTURE,
        "--findings",
        "cli/tests/expected/events.ndjson",
        findings.to_str().unwrap(),
        "--output",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "written to --output");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "the data's element and the script's own"
    );
    assert!(!html.contains("<!--"));
    let data = embedded(&html);
    let events = std::fs::read_to_string(root().join("cli/tests/expected/events.ndjson"))
        .unwrap()
        .lines()
        .count();
    let posture = stdout(&aidr(&["posture", "--from", FIXTURE, "--format", "ndjson"]))
        .lines()
        .count();
    assert_eq!(data["findings"].as_array().unwrap().len(), posture + events + 1);
    assert!(
        data["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["summary"] == "</script><script>alert(1)</script><!--")
    );
    // The inventory's attack paths, as the path finder gives them.
    let path = root().join("cli/tests/expected/inventory.paths.json");
    let paths = serde_json::to_string_pretty(&data["paths"]).unwrap() + "\n";
    if std::env::var_os("AIDR_BLESS").is_some() {
        std::fs::write(&path, &paths).unwrap();
    }
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        data["paths"], expected,
        "if the change is intended, run `AIDR_BLESS=1 cargo test -p aidr --test inventory report`"
    );
    let kinds: Vec<&str> = expected
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "path.open_agent_gateway",
            "path.llmjacking_without_trace",
            "path.notebook_to_admin"
        ]
    );
    assert_eq!(data["inventory"]["gaps"][0]["operation"], "ListAgents");
    assert!(
        data["inventory"]["resources"]
            .to_string()
            .contains("direct internet Enabled"),
        "key facts, not configurations"
    );
    assert!(
        !data.to_string().contains("AssumeRolePolicyDocument"),
        "no configuration"
    );
    // A findings file given as a JSON array (`aidr scan --format json`), and to stdout.
    let array = dir.join("findings.json");
    std::fs::write(&array, stdout(&aidr(&["scan", "--format", "json", "events/iam"]))).unwrap();
    let html = stdout(&aidr(&[
        "report",
        "--from",
        FIXTURE,
        "--findings",
        array.to_str().unwrap(),
    ]));
    assert!(embedded(&html)["findings"].as_array().unwrap().len() > 2);
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let dir = scratch("bad");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let not_json = write("not-json.json", "collected_at: yesterday\n");
    let wrong_shape = write("wrong-shape.json", r#"{"resources": [], "gaps": []}"#);
    let array = write("array.json", "[1, 2]");
    let four = write("four.json", r#"["2026-03-01T12:00:00Z", [], [], []]"#);
    let missing = dir.join("missing.json").to_str().unwrap().to_owned();
    for command in ["inventory", "posture", "paths", "report"] {
        for (file, message) in [
            (&not_json, "not JSON: expected value at line 1 column 1"),
            (
                &wrong_shape,
                "not an aidr inventory (the JSON object `aidr inventory --format json` writes: collected_at, scopes, resources, gaps): missing field `collected_at`",
            ),
            (&array, "not an aidr inventory"),
            (&four, "not an aidr inventory"),
            (&missing, "No such file or directory"),
        ] {
            let out = aidr(&[command, "--from", file]);
            assert_eq!(out.status.code(), Some(2), "{command} {file}");
            let expected = format!("aidr: {file}: {message}");
            assert!(
                stderr(&out).starts_with(&expected),
                "{command}: {expected:?} not in {}",
                stderr(&out)
            );
            assert!(out.stdout.is_empty());
        }
    }
    let good = r#"{"rule_id":"x"}"#;
    let bad_findings = write("bad.jsonl", &format!("\n{good}\n"));
    let out = aidr(&["report", "--from", FIXTURE, "--findings", &bad_findings]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!(
            "aidr: {bad_findings}: line 2: not an aidr finding: missing field"
        )),
        "{}",
        stderr(&out)
    );
    let not_lines = write("not-lines.jsonl", "{\"rule_id\":\n");
    let out = aidr(&["report", "--from", FIXTURE, "--findings", &not_lines]);
    assert!(
        stderr(&out).starts_with(&format!("aidr: {not_lines}: line 1: not JSON")),
        "{}",
        stderr(&out)
    );
    let out = aidr(&[
        "report",
        "--from",
        FIXTURE,
        "--output",
        dir.join("no/such/dir/r.html").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/dir/r.html"), "{}", stderr(&out));
}

#[test]
fn paths_in_every_format_most_severe_first_with_exit_codes() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("cli/tests/expected/inventory.paths.json")).unwrap())
            .unwrap();
    let expected = expected.as_array().unwrap();
    assert!(!expected.is_empty());
    let json = aidr(&["paths", "--from", FIXTURE, "--format", "json"]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let found: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(
        &found,
        &Value::Array(expected.clone()),
        "the same paths as the report shows"
    );
    assert!(stderr(&json).contains(&format!("{} attack paths", expected.len())));

    let table = stdout(&aidr(&["paths", "--from", FIXTURE]));
    let mut at = 0;
    for path in expected {
        let kind = path["kind"].as_str().unwrap();
        let found = table[at..]
            .find(kind)
            .unwrap_or_else(|| panic!("{kind} not in order in {table}"));
        at += found;
        for step in path["steps"].as_array().unwrap() {
            assert!(table.contains(step["evidence"].as_str().unwrap()));
        }
    }

    let dot = stdout(&aidr(&["paths", "--from", FIXTURE, "--format", "dot"]));
    assert!(dot.starts_with("digraph") && dot.trim_end().ends_with('}'), "{dot}");
    let mermaid = stdout(&aidr(&["paths", "--from", FIXTURE, "--format", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    for path in expected {
        let first = path["steps"][1]["label"].as_str().unwrap();
        assert!(dot.contains(first) && mermaid.contains(first), "{first}");
    }
    let html = stdout(&aidr(&["paths", "--from", FIXTURE, "--format", "html"]));
    assert_eq!(embedded(&html)["paths"], Value::Array(expected.clone()));

    let most = expected[0]["severity"].as_str().unwrap();
    assert_eq!(
        aidr(&["paths", "--from", FIXTURE, "--fail-on", most]).status.code(),
        Some(1)
    );
    let only_critical = aidr(&[
        "paths",
        "--from",
        FIXTURE,
        "--format",
        "json",
        "--min-severity",
        "critical",
    ]);
    let critical: Vec<Value> = serde_json::from_str(&stdout(&only_critical)).unwrap();
    assert!(critical.iter().all(|p| p["severity"] == "critical"));
    assert_eq!(
        critical.len(),
        expected.iter().filter(|p| p["severity"] == "critical").count()
    );
}
