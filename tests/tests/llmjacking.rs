//! The same LLMjacking scenario through `aidr scan` (in-memory state) and through the real
//! detector Lambda (DynamoDB state on moto) produces the same findings.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use aidr_e2e::runtime_api::{Reply, Runtime, detector_binary};
use aidr_e2e::{Stack, emulator};
use serde_json::{Value, json};

const DAY: i64 = 86_400;
/// 2026-03-10T00:00:00Z.
const T0: i64 = 1_773_100_800;

fn time(t: i64) -> String {
    aidr_engine::time::format_secs(t)
}

/// A Bedrock call as CloudTrail records it.
fn call(n: usize, t: i64, name: &str, key: &str, region: &str, error: Option<&str>, ip: &str) -> Value {
    let identity = if key.starts_with("AKIA") {
        json!({"type": "IAMUser", "principalId": "AIDAEXAMPLEINTRUDER", "arn": "arn:aws:iam::111122223333:user/batch-legacy",
               "accountId": "111122223333", "accessKeyId": key, "userName": "batch-legacy"})
    } else {
        json!({"type": "AssumedRole", "principalId": "AROAEXAMPLEAPP:worker", "arn": "arn:aws:sts::111122223333:assumed-role/ChatApp/worker",
               "accountId": "111122223333", "accessKeyId": key,
               "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/ChatApp",
                                                    "accountId": "111122223333", "userName": "ChatApp"}}})
    };
    let mut record = json!({
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": time(t), "eventSource": "bedrock.amazonaws.com",
        "eventName": name, "awsRegion": region, "sourceIPAddress": ip, "userAgent": "Boto3/1.35.40",
        "requestParameters": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}, "responseElements": null,
        "requestID": format!("req-{n:05}"), "eventID": format!("00000000-0000-4000-8000-{n:012}"),
        "readOnly": name.starts_with("List") || name.starts_with("Get") || name.starts_with("Invoke") || name.starts_with("Converse"),
        "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "111122223333", "eventCategory": "Management"
    });
    if let Some(code) = error {
        record["errorCode"] = json!(code);
        record["errorMessage"] = json!("denied");
    }
    record
}

/// Warm-up traffic of an application, then a stolen long-term key doing recon, enablement,
/// probing and invocations in three regions.
fn scenario() -> Vec<Value> {
    let mut records = Vec::new();
    let mut add = |t: i64, name: &str, key: &str, region: &str, error: Option<&str>, ip: &str| {
        let n = records.len();
        records.push(call(n, t, name, key, region, error, ip));
    };
    for day in 0..10 {
        for i in 0..5 {
            add(
                T0 - 9 * DAY + day * DAY + i * 60,
                "InvokeModel",
                "ASIAEXAMPLEAPPKEY01",
                "us-east-1",
                None,
                "10.0.3.9",
            );
        }
    }
    let (key, ip) = ("AKIAEXAMPLESTOLEN01", "185.220.101.4");
    add(T0 + 3600, "ListFoundationModels", key, "us-east-1", None, ip);
    add(
        T0 + 3610,
        "GetModelInvocationLoggingConfiguration",
        key,
        "us-east-1",
        None,
        ip,
    );
    add(T0 + 3620, "PutUseCaseForModelAccess", key, "us-east-1", None, ip);
    add(T0 + 3630, "PutFoundationModelEntitlement", key, "us-east-1", None, ip);
    for i in 0..12 {
        add(
            T0 + 3640 + i,
            "InvokeModel",
            key,
            "us-east-1",
            Some("AccessDeniedException"),
            ip,
        );
    }
    for (r, region) in ["us-east-1", "us-west-2", "eu-central-1"].iter().enumerate() {
        for i in 0..10 {
            add(T0 + 3700 + r as i64 * 300 + i, "InvokeModel", key, region, None, ip);
        }
    }
    records
}

fn aidr_binary() -> PathBuf {
    detector_binary("debug").with_file_name("aidr")
}

/// (rule id, dedupe key) of every finding.
fn keys<'a>(findings: impl Iterator<Item = &'a Value>) -> BTreeSet<(String, String)> {
    findings
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_owned(),
                f["dedupe_key"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// The findings the detector logged (one JSON log line per finding).
fn logged_findings(log: &str) -> Vec<Value> {
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|l| {
            let fields = if l["fields"].is_object() {
                l["fields"].clone()
            } else {
                l
            };
            (fields["message"] == "finding").then_some(fields)
        })
        .collect()
}

#[tokio::test]
async fn scan_and_lambda_find_the_same() {
    let Some(config) = emulator().await else { return };
    let mut records = scenario();
    records.sort_by_key(|r| {
        (
            r["eventTime"].as_str().unwrap().to_owned(),
            r["eventID"].as_str().unwrap().to_owned(),
        )
    });

    // 1. aidr scan on the log file.
    let dir = std::env::temp_dir().join(format!("aidr-llmjacking-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cloudtrail.json");
    std::fs::write(&file, json!({ "Records": records }).to_string()).unwrap();
    let out = Command::new(aidr_binary())
        .args(["scan", "--format", "ndjson"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scanned: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let from_scan = keys(scanned.iter());
    for rule in [
        "bedrock.llmjacking_recon_then_use",
        "bedrock.llmjacking_enablement_then_use",
        "bedrock.llmjacking_region_fan_out",
        "bedrock.llmjacking_probing",
        "bedrock.model_access_enabled",
        "bedrock.invocation_long_term_key",
    ] {
        assert!(
            from_scan.iter().any(|(r, _)| r == rule),
            "scan missed {rule}: {from_scan:?}"
        );
    }

    // 2. The detector Lambda on SQS batches of the same records, in the same order.
    let stack = Stack::create(config, true).await;
    let mut rt = Runtime::start(&detector_binary("debug"), &stack.detector_env());
    for (b, chunk) in records.chunks(1000).enumerate() {
        let messages: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let envelope = json!({"version": "0", "id": format!("env-{b}-{i}"), "detail-type": "AWS API Call via CloudTrail",
                    "source": "aws.bedrock", "account": "111122223333", "time": r["eventTime"], "region": r["awsRegion"],
                    "resources": [], "detail": r});
                json!({"messageId": format!("m{b}-{i}"), "receiptHandle": "r", "body": envelope.to_string(), "eventSource": "aws:sqs",
                       "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:aidr-batch", "awsRegion": "us-east-1",
                       "attributes": {}, "messageAttributes": {}, "md5OfBody": ""})
            })
            .collect();
        match rt.invoke(&json!({ "Records": messages })) {
            Reply::Response(v) => assert_eq!(v["batchItemFailures"], json!([]), "{v}\n{}", rt.log()),
            Reply::Error(e) => panic!("{e}\n{}", rt.log()),
        }
    }
    let logged = logged_findings(&rt.log());
    assert!(!logged.is_empty(), "no finding lines in the log:\n{}", rt.log());
    assert_eq!(keys(logged.iter()), from_scan, "the Lambda and aidr scan disagree");

    let items = stack.items().await;
    let state: Vec<&str> = items
        .iter()
        .filter_map(|i| i["pk"].as_s().ok().map(String::as_str))
        .filter(|k| k.starts_with("llm#"))
        .collect();
    assert!(state.iter().any(|k| k.starts_with("llm#incident#")), "{state:?}");
    assert!(items.iter().all(|i| i.contains_key("expires_at")), "every item expires");
    let _ = std::fs::remove_dir_all(&dir);
}
