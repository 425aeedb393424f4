//! Lookups at event time, through the real detector binary against moto: a customer-managed
//! policy attached is judged on its document read from IAM, a logging configuration put is
//! compared with the one put before it, and a lookup that never answers still lets the
//! finding out, saying what was not checked.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use aidr_e2e::respond::{MEMBER, member_config};
use aidr_e2e::runtime_api::{Runtime, detector_binary};
use aidr_e2e::{Stack, emulator, sample, unique};
use serde_json::{Value, json};

/// moto's account: the detector's own, where it reads with its own credentials.
const OWN_ACCOUNT: &str = "123456789012";

fn start(stack: &Stack, extra: &[(&'static str, String)]) -> Runtime {
    let mut env = stack.detector_env();
    env.extend(extra.iter().cloned());
    Runtime::start(&detector_binary("debug"), &env)
}

/// The finding an alert carries.
fn finding(alert: &Value) -> Value {
    serde_json::from_str(alert["Message"].as_str().unwrap()).unwrap()
}

/// An `AttachUserPolicy` event of the detector's own account attaching `arn`.
fn attach(arn: &str, event_id: &str) -> Value {
    attach_in(OWN_ACCOUNT, arn, event_id)
}

/// An `AttachUserPolicy` event of `account` attaching `arn`.
fn attach_in(account: &str, arn: &str, event_id: &str) -> Value {
    let mut event = sample("iam/AttachUserPolicy.json");
    let detail = &mut event["detail"];
    detail["eventID"] = json!(event_id);
    detail["recipientAccountId"] = json!(account);
    detail["userIdentity"]["accountId"] = json!(account);
    detail["userIdentity"]["arn"] = json!(format!("arn:aws:iam::{account}:user/ci-deployer"));
    detail["requestParameters"]["policyArn"] = json!(arn);
    event
}

#[tokio::test]
async fn a_customer_managed_admin_policy_attached_is_read_and_alerted_high() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let iam = aws_sdk_iam::Client::new(&config);
    let name = unique("break-glass");
    let admin = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let created = iam
        .create_policy()
        .policy_name(&name)
        .policy_document(admin.to_string())
        .send()
        .await
        .unwrap();
    let arn = created.policy.unwrap().arn.unwrap();
    let mut rt = start(&stack, &[]);

    let out = rt.invoke(&attach(&arn, &unique("attach"))).ok();
    assert_eq!(out["alerted"], 1, "{out}");
    let alerts = stack.alerts(1, Duration::from_secs(10)).await;
    let f = finding(&alerts[0]);
    assert_eq!(
        (f["rule_id"].as_str(), f["severity"].as_str()),
        (Some("iam.admin_policy_attached"), Some("high")),
        "{f}"
    );
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "attached customer-managed policy {name} to user data-scientist-7"
        )) && summary.contains("(read from IAM, version v1) grants all actions on all resources"),
        "{summary}"
    );
    assert_eq!(f["resources"], json!(["data-scientist-7", arn]));

    // A scoped customer policy is read too, and found harmless: nothing is alerted.
    let scoped = iam
        .create_policy()
        .policy_name(unique("reader"))
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    let scoped_arn = scoped.policy.unwrap().arn.unwrap();
    let out = rt.invoke(&attach(&scoped_arn, &unique("attach"))).ok();
    assert_eq!(
        (out["findings"].as_u64(), out["alerted"].as_u64()),
        (Some(0), Some(0)),
        "{out}"
    );
    assert!(rt.log().contains("looked up"), "the lookups are logged");
}

#[tokio::test]
async fn a_logging_put_without_its_s3_destination_is_reported_as_a_diff() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let mut rt = start(&stack, &[]);
    let mut put = sample("bedrock/PutModelInvocationLoggingConfiguration.json");
    // An account and region of this test alone: the state table is the test's own anyway.
    put["detail"]["eventID"] = json!(unique("put"));
    let logging = &put["detail"]["requestParameters"]["loggingConfig"];
    assert!(logging["s3Config"].is_object() && logging["cloudWatchConfig"].is_object());

    let out = rt.invoke(&put).ok();
    assert_eq!(out["findings"], 0, "S3 and CloudWatch, nothing to compare with: {out}");

    let mut without_s3 = put.clone();
    without_s3["detail"]["eventID"] = json!(unique("put"));
    without_s3["detail"]["requestParameters"]["loggingConfig"]
        .as_object_mut()
        .unwrap()
        .remove("s3Config");
    let out = rt.invoke(&without_s3).ok();
    assert_eq!(out["alerted"], 1, "{out}");
    let alerts = stack.alerts(1, Duration::from_secs(10)).await;
    let f = finding(&alerts[0]);
    assert_eq!(f["rule_id"], "bedrock.invocation_logging_weakened");
    assert_eq!(f["severity"], "medium");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains(
            "since the previous configuration: S3 destination removed (was bucket bedrock-invocation-logs-111122223333)"
        ),
        "{summary}"
    );

    // The restore record still holds the configuration with S3; the last seen is without.
    let items = stack.items().await;
    let doc = |key: &str| -> Value {
        let item = items
            .iter()
            .find(|i| i["pk"].as_s().unwrap() == key)
            .unwrap_or_else(|| panic!("no {key}"));
        serde_json::from_str(item["doc"].as_s().unwrap()).unwrap()
    };
    assert!(doc("config#bedrock-logging#111122223333#us-east-1")["s3Config"].is_object());
    assert!(
        doc("seen#bedrock-logging#111122223333#us-east-1")
            .get("s3Config")
            .is_none()
    );
}

/// A TCP server on a free loopback port that accepts connections and never answers; the
/// connections stay open until the test process ends.
fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        // Bounded: a test makes a few calls.
        for stream in listener.incoming().take(64) {
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(120));
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_lookup_that_times_out_still_lets_the_finding_out_saying_what_was_not_checked() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config, true).await;
    let iam = silent_server();
    let mut rt = start(
        &stack,
        &[("AWS_ENDPOINT_URL_IAM", iam), ("AIDR_LOOKUP_TIMEOUT_MS", "1000".into())],
    );
    rt.wait_ready();
    let arn = format!("arn:aws:iam::{OWN_ACCOUNT}:policy/{}", unique("unreadable"));
    let began = Instant::now();
    let out = rt.invoke(&attach(&arn, &unique("attach"))).ok();
    let took = began.elapsed();
    assert_eq!(out["alerted"], 1, "{out}");
    assert!(
        took < Duration::from_secs(10),
        "well within the function's 60 s timeout: {took:?}"
    );
    let alerts = stack.alerts(1, Duration::from_secs(10)).await;
    let f = finding(&alerts[0]);
    assert_eq!(
        (f["rule_id"].as_str(), f["severity"].as_str()),
        (Some("iam.admin_policy_attached"), Some("low"))
    );
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("its document was not checked (iam:GetPolicy failed: timed out after 1 s)"),
        "{summary}"
    );
    assert!(rt.log().contains("lookup not answered"), "the failure is logged");
}

#[tokio::test]
async fn a_member_account_is_read_through_the_lookup_role_and_not_without_it() {
    let Some(config) = emulator().await else { return };
    let stack = Stack::create(config.clone(), true).await;
    let role = "aidr-member";
    let member_iam = aws_sdk_iam::Client::new(&member_config(&config, MEMBER, role).await);
    let admin = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let created = member_iam
        .create_policy()
        .policy_name(unique("member-admin"))
        .policy_document(admin.to_string())
        .send()
        .await
        .unwrap();
    let arn = created.policy.unwrap().arn.unwrap();
    assert!(arn.contains(MEMBER), "{arn}");

    // Without a lookup role the member account is not read, and the finding says so.
    let mut rt = start(&stack, &[]);
    let out = rt.invoke(&attach_in(MEMBER, &arn, &unique("attach"))).ok();
    assert_eq!(out["alerted"], 1, "{out}");
    let alerts = stack.alerts(1, Duration::from_secs(10)).await;
    let f = finding(&alerts[0]);
    assert_eq!(f["severity"], "low");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "its document was not checked (sts:AssumeRole failed: account {MEMBER} is not the detector's and no member role is configured)"
        )),
        "{summary}"
    );
    drop(rt);

    // With it, the policy is read there (moto keeps IAM per account).
    let mut rt = start(&stack, &[("AIDR_LOOKUP_ROLE_NAME", role.into())]);
    let mut event = attach_in(MEMBER, &arn, &unique("attach"));
    event["detail"]["requestParameters"]["userName"] = json!("another-user");
    let out = rt.invoke(&event).ok();
    assert_eq!(out["alerted"], 1, "{out}");
    let alerts = stack.alerts(1, Duration::from_secs(10)).await;
    let f = finding(&alerts[0]);
    assert_eq!(
        (f["rule_id"].as_str(), f["severity"].as_str(), f["account"].as_str()),
        (Some("iam.admin_policy_attached"), Some("high"), Some(MEMBER)),
        "{f}"
    );
}
