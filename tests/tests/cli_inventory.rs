//! The real `aidr` command line (built with `--features aws`) collecting the inventory live
//! from moto: a member account of its own per test, reached through `--role-name`, with a
//! notebook instance open to the internet, a user with an access key allowed to invoke Bedrock
//! models, and Bedrock invocation logging on in one region and off in the other. `aidr
//! inventory`, `posture`, `paths` and `report` without `--from` must see them; the inventory
//! saved with `--format json` must give the same findings and paths as the live commands.

use std::collections::BTreeSet;
use std::path::PathBuf;

use aidr_e2e::cli::{aidr, aidr_ok};
use aidr_e2e::emulator;
use aidr_e2e::fresh_account;
use aidr_e2e::inventory::{MOTO_LACKS_PER_ACCOUNT, MOTO_LACKS_PER_REGION};
use aidr_e2e::respond::{in_region, member_config};
use aidr_engine::inventory::{Inventory, types};
use aws_config::SdkConfig;
use aws_sdk_sagemaker::types as sm;
use serde_json::{Value, json};

const ROLE: &str = "aidr-cli-member";
const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const USER: &str = "llm-app";
const NOTEBOOK: &str = "open-notebook";

/// The member account, populated: the user and its key, the notebook in [`EAST`], Bedrock
/// invocation logging on in [`EAST`] only.
async fn seed(config: &SdkConfig) -> String {
    let account = fresh_account();
    let member = member_config(config, &account, ROLE).await;
    let iam = aws_sdk_iam::Client::new(&member);
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = iam
        .create_role()
        .role_name("notebook")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    iam.create_user().user_name(USER).send().await.unwrap();
    let invoke = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], "Resource": "*"}]});
    iam.put_user_policy()
        .user_name(USER)
        .policy_name("invoke")
        .policy_document(invoke.to_string())
        .send()
        .await
        .unwrap();
    iam.create_access_key().user_name(USER).send().await.unwrap();

    aws_sdk_sagemaker::Client::new(&in_region(&member, EAST))
        .create_notebook_instance()
        .notebook_instance_name(NOTEBOOK)
        .instance_type(sm::InstanceType::MlT3Medium)
        .role_arn(&role)
        .direct_internet_access(sm::DirectInternetAccess::Enabled)
        .send()
        .await
        .unwrap();
    use aws_sdk_bedrock::types::{LoggingConfig, S3Config};
    aws_sdk_bedrock::Client::new(&in_region(&member, EAST))
        .put_model_invocation_logging_configuration()
        .logging_config(
            LoggingConfig::builder()
                .s3_config(S3Config::builder().bucket_name("invocation-logs").build().unwrap())
                .text_data_delivery_enabled(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    account
}

/// The live flags for the member account in both regions.
fn live<'a>(account: &'a str, command: &[&'a str]) -> Vec<&'a str> {
    let mut args = command.to_vec();
    args.extend([
        "--account",
        account,
        "--role-name",
        ROLE,
        "--region",
        EAST,
        "--region",
        WEST,
    ]);
    args
}

#[tokio::test]
async fn inventory_collects_a_member_account_live_with_its_gaps_on_stderr() {
    let Some(config) = emulator().await else { return };
    let account = seed(&config).await;
    let (json, stderr) = aidr_ok(&live(&account, &["inventory", "--format", "json"]));
    let inventory: Inventory = serde_json::from_str(&json).unwrap();

    let scopes: Vec<(&str, &str)> = inventory
        .scopes
        .iter()
        .map(|s| (s.account.as_str(), s.region.as_str()))
        .collect();
    assert_eq!(
        scopes,
        [
            (account.as_str(), EAST),
            (account.as_str(), WEST),
            (account.as_str(), "global")
        ]
    );
    let notebooks: Vec<_> = inventory.of_type(types::SAGEMAKER_NOTEBOOK).collect();
    assert_eq!(notebooks.len(), 1, "{notebooks:#?}");
    assert_eq!(
        notebooks[0].arn,
        format!("arn:aws:sagemaker:{EAST}:{account}:notebook-instance/{NOTEBOOK}")
    );
    assert_eq!(notebooks[0].config_str("DirectInternetAccess"), Some("Enabled"));
    let users: Vec<_> = inventory.of_type(types::IAM_USER).collect();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name.as_deref(), Some(USER));
    assert_eq!(users[0].config_str("AccessKeys.0.Status"), Some("Active"));
    let logging: Vec<(&str, bool)> = inventory
        .of_type(types::BEDROCK_SETTINGS)
        .map(|s| (s.region.as_str(), s.config("loggingConfig").is_some()))
        .collect();
    assert_eq!(logging, [(EAST, true), (WEST, false)]);

    let mut expected = BTreeSet::new();
    for region in [EAST, WEST] {
        for (service, operation) in MOTO_LACKS_PER_REGION {
            expected.insert((region.to_owned(), (*service).to_owned(), (*operation).to_owned()));
        }
    }
    for (service, operation) in MOTO_LACKS_PER_ACCOUNT {
        expected.insert(("global".to_owned(), (*service).to_owned(), (*operation).to_owned()));
    }
    let gaps: BTreeSet<_> = inventory
        .gaps
        .iter()
        .map(|g| (g.region.clone(), g.service.clone(), g.operation.clone()))
        .collect();
    assert_eq!(gaps, expected, "{:#?}", inventory.gaps);
    assert!(inventory.gaps.iter().all(|g| g.account == account));

    // stderr: what is collected, the account's counts, each gap on a line, the summary.
    assert!(
        stderr.contains(&format!(
            "aidr: collecting the AI inventory live: accounts {account}; regions {EAST}, {WEST}; role {ROLE} in other accounts; jobs of the last 30 days\n"
        )),
        "{stderr}"
    );
    let resources = inventory.resources.len();
    let n = inventory.gaps.len();
    assert!(
        stderr.contains(&format!(
            "aidr: account {account}: {resources} resources, regions [{EAST}, {WEST}], {n} gaps,"
        )),
        "{stderr}"
    );
    for gap in &inventory.gaps {
        assert!(stderr.contains(&format!("aidr: gap: {gap}\n")), "{gap} in:\n{stderr}");
    }
    assert_eq!(stderr.matches("aidr: gap: ").count(), n, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "aidr: collected {resources} resources in 3 scopes (1 accounts), {n} gaps, in "
        )),
        "{stderr}"
    );

    // The table, regions as one comma-separated list.
    let region_list = format!("{EAST},{WEST}");
    let (table, _) = aidr_ok(&[
        "inventory",
        "--account",
        &account,
        "--role-name",
        ROLE,
        "--region",
        &region_list,
    ]);
    assert!(
        table.contains(&format!("\n{account} {EAST}: ")) && table.contains(&format!("\n{account} {WEST}: ")),
        "{table}"
    );
    assert!(table.contains(NOTEBOOK), "{table}");

    // A bad flag: exit 2 before any call.
    let bad = aidr(&["inventory", "--account", "12345", "--role-name", ROLE]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a 12-digit AWS account id"));
}

/// Each finding without its resource's `captured_at` (when the resource was read).
fn timeless(findings: &str) -> Vec<Value> {
    let mut findings: Vec<Value> = serde_json::from_str(findings).unwrap();
    for f in &mut findings {
        if let Some(resource) = f.get_mut("resource").and_then(Value::as_object_mut) {
            resource.remove("captured_at");
        }
    }
    findings
}

fn scratch(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("aidr-cli-inventory-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn live_posture_paths_report_and_bom_match_the_saved_inventory() {
    let Some(config) = emulator().await else { return };
    let account = seed(&config).await;
    let (saved, _) = aidr_ok(&live(&account, &["inventory", "--format", "json"]));
    let file = scratch("inventory.json");
    std::fs::write(&file, &saved).unwrap();
    let from = file.to_str().unwrap();

    // Posture: the notebook open to the internet; the same findings from the saved file.
    let (findings, stderr) = aidr_ok(&live(&account, &["posture", "--format", "json"]));
    let live_findings = timeless(&findings);
    let rules: BTreeSet<&str> = live_findings.iter().filter_map(|f| f["rule_id"].as_str()).collect();
    assert!(rules.contains("sagemaker.notebook_direct_internet_access"), "{rules:?}");
    assert!(stderr.contains("aidr: collected "), "{stderr}");
    let (from_file, _) = aidr_ok(&["posture", "--from", from, "--format", "json"]);
    assert_eq!(timeless(&from_file), live_findings);
    let gate = aidr(&live(&account, &["posture", "--fail-on", "high"]));
    assert_eq!(gate.status.code(), Some(1), "--fail-on as with --from");

    // Paths: the user's key may invoke models where invocations are not logged (eu-west-1).
    let (paths, _) = aidr_ok(&live(&account, &["paths", "--format", "json"]));
    let paths: Vec<Value> = serde_json::from_str(&paths).unwrap();
    let llmjacking: Vec<&Value> = paths
        .iter()
        .filter(|p| p["kind"] == "path.llmjacking_without_trace")
        .collect();
    assert_eq!(llmjacking.len(), 1, "{paths:#?}");
    assert_eq!(
        (llmjacking[0]["account"].as_str(), llmjacking[0]["region"].as_str()),
        (Some(account.as_str()), Some(WEST))
    );
    assert!(llmjacking[0]["title"].as_str().unwrap().contains(USER));
    let (paths_from_file, _) = aidr_ok(&["paths", "--from", from, "--format", "json"]);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&paths_from_file).unwrap(), paths);

    // The CycloneDX ML-BOM of the live inventory.
    let (bom, _) = aidr_ok(&live(&account, &["inventory", "--format", "cyclonedx"]));
    let bom: Value = serde_json::from_str(&bom).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    let scope = json!({"name": "aidr:scope", "value": format!("{account} {WEST}")});
    assert!(
        bom["metadata"]["properties"].as_array().unwrap().contains(&scope),
        "{:#}",
        bom["metadata"]
    );

    // The report names the live collection as its source.
    let page = scratch("report.html");
    let page_arg = page.to_str().unwrap();
    aidr_ok(&live(&account, &["report", "--output", page_arg]));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("AWS, collected live at "), "no live source in the report");
    assert!(html.contains("path.llmjacking_without_trace"));
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&page);
}
