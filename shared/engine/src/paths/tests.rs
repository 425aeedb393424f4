use serde_json::{Value, json};

use super::*;
use crate::inventory::types::IAM_ROLE;
use crate::policy::Policy;

const ACCT: &str = "111122223333";

fn load(name: &str) -> Inventory {
    let path = format!("{}/../../samples/paths/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn paths_of(name: &str) -> Vec<AttackPath> {
    find(&load(name), &Organization::default())
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

/// The path whose steps end with these ARNs (after the first step).
fn path_to<'p>(paths: &'p [AttackPath], last: &str) -> &'p AttackPath {
    paths
        .iter()
        .find(|p| p.steps.last().is_some_and(|s| s.arn == last))
        .unwrap_or_else(|| {
            panic!(
                "no path to {last}: {:#?}",
                paths.iter().map(|p| &p.key).collect::<Vec<_>>()
            )
        })
}

fn arns(path: &AttackPath) -> Vec<&str> {
    path.steps.iter().map(|s| s.arn.as_str()).collect()
}

fn types(path: &AttackPath) -> Vec<&str> {
    path.steps.iter().map(|s| s.resource_type.as_str()).collect()
}

#[test]
fn every_clean_fixture_has_no_path() {
    for name in [
        "notebook_to_admin-clean.json",
        "llmjacking-clean.json",
        "data_poisoning-clean.json",
        "open_gateway-clean.json",
    ] {
        let found = paths_of(name);
        assert!(found.is_empty(), "{name}: {:#?}", found);
    }
}

#[test]
fn notebook_to_admin() {
    let paths = paths_of("notebook_to_admin.json");
    // research-scratch → PlatformAdmin, → legacy-notebook-admin, → break-glass; legacy-playground
    // as its own admin role.
    assert_eq!(paths.len(), 4, "{paths:#?}");
    assert!(paths.iter().all(|p| p.kind == "path.notebook_to_admin"));
    let notebook = format!("arn:aws:sagemaker:us-east-1:{ACCT}:notebook-instance/research-scratch");
    let exec = role("service-role/nb-research-exec");

    // The notebook's role may pass an admin role that trusts SageMaker, and start training jobs.
    let pass = path_to(&paths, &role("PlatformAdmin"));
    assert_eq!(pass.severity, Severity::Critical);
    assert_eq!(
        arns(pass),
        [
            INTERNET,
            notebook.as_str(),
            exec.as_str(),
            role("PlatformAdmin").as_str()
        ]
    );
    assert_eq!(
        types(pass),
        [
            "Internet",
            "AWS::SageMaker::NotebookInstance",
            "AWS::IAM::Role",
            "AWS::IAM::Role"
        ]
    );
    assert_eq!((pass.account.as_str(), pass.region.as_str()), (ACCT, "us-east-1"));
    assert!(pass.steps[0].evidence.contains("DirectInternetAccess Enabled"));
    assert!(pass.steps[1].evidence.contains("RootAccess Enabled"));
    let via = &pass.steps[2].evidence;
    assert!(via.contains("inline sagemaker-jobs allows iam:PassRole on arn:aws:iam::111122223333:role/PlatformAdmin"));
    assert!(via.contains("sagemaker:CreateTrainingJob") && via.contains("sagemaker.amazonaws.com"));
    assert!(
        pass.steps[3]
            .evidence
            .contains("managed AdministratorAccess grants all actions")
    );

    // An admin role that trusts no service the notebook's role can start: only the PassRole half.
    let half = path_to(&paths, &role("break-glass"));
    assert_eq!(half.severity, Severity::High);
    assert!(
        half.steps[2]
            .evidence
            .contains("no action it is allowed starts compute")
    );

    // A notebook whose own role is admin: three steps.
    let own = own_admin(&paths);
    assert_eq!(
        arns(own),
        [
            INTERNET,
            "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/legacy-playground",
            role("legacy-notebook-admin").as_str()
        ]
    );
    assert_eq!(own.severity, Severity::Critical);
    assert!(
        own.steps[2]
            .evidence
            .starts_with("admin-equivalent: managed AdministratorAccess")
    );
    // research-scratch may pass that role too (it trusts SageMaker).
    let to_legacy = paths
        .iter()
        .find(|p| p.steps.len() == 4 && p.steps[3].arn == role("legacy-notebook-admin"))
        .unwrap();
    assert_eq!(to_legacy.severity, Severity::Critical);
}

/// The notebook_to_admin path of the notebook whose own role is admin.
fn own_admin(paths: &[AttackPath]) -> &AttackPath {
    paths
        .iter()
        .find(|p| p.steps.len() == 3 && p.steps[1].arn.ends_with("notebook-instance/legacy-playground"))
        .unwrap()
}

#[test]
fn notebook_role_not_in_the_inventory_is_unknown() {
    let mut inventory = load("notebook_to_admin.json");
    inventory.resources.retain(|r| r.resource_type != IAM_ROLE);
    assert!(find(&inventory, &Organization::default()).is_empty());
}

#[test]
fn llmjacking_without_a_trace() {
    let paths = paths_of("llmjacking.json");
    assert_eq!(paths.len(), 2, "{paths:#?}");
    let settings = format!("arn:aws:bedrock:us-east-1:{ACCT}:settings");
    for p in &paths {
        assert_eq!(p.kind, "path.llmjacking_without_trace");
        assert_eq!(p.severity, Severity::High);
        assert_eq!(p.region, "us-east-1", "us-west-2 logs invocations: {}", p.key);
        assert_eq!(
            types(p),
            [
                "AWS::IAM::User",
                "AWS::Bedrock::FoundationModel",
                "AIDR::Bedrock::Settings"
            ]
        );
        assert_eq!(p.steps[1].arn, "arn:aws:bedrock:us-east-1::foundation-model/*");
        assert_eq!(p.steps[2].arn, settings);
        assert!(p.steps[2].evidence.contains("no loggingConfig"));
    }
    let bot = paths.iter().find(|p| p.steps[0].arn.ends_with(":user/ci-bot")).unwrap();
    assert!(bot.steps[0].evidence.contains("Active access key AKIAIOSFODNN7EXAMPLE"));
    assert!(
        bot.steps[1]
            .evidence
            .contains("inline bedrock-invoke allows bedrock:InvokeModel on arn:aws:bedrock:*::foundation-model/*")
    );
    let analyst = paths
        .iter()
        .find(|p| p.steps[0].arn.ends_with(":user/analyst"))
        .unwrap();
    assert!(
        analyst.steps[0]
            .evidence
            .contains("Active Bedrock API key ACCA1234567890EXAMPLE")
    );
    // Granted through a group's inline policy, on one region's models.
    assert!(
        analyst.steps[1]
            .evidence
            .starts_with("group genai-users: inline claude-east allows")
    );
}

#[test]
fn llmjacking_needs_a_settings_snapshot() {
    let mut inventory = load("llmjacking.json");
    inventory
        .resources
        .retain(|r| r.resource_type != "AIDR::Bedrock::Settings");
    assert!(find(&inventory, &Organization::default()).is_empty());
}

/// Attaches a managed policy (its document inline, as the collector writes it) to a user or
/// role of the inventory.
fn attach(inventory: &mut Inventory, arn: &str, name: &str, document: Value) {
    let principal = inventory.resources.iter_mut().find(|r| r.arn == arn).unwrap();
    let attached = principal.configuration["AttachedManagedPolicies"]
        .as_array_mut()
        .unwrap();
    attached.push(
        json!({"PolicyName": name, "PolicyArn": format!("arn:aws:iam::aws:policy/{name}"), "Document": document}),
    );
}

#[test]
fn a_deny_in_another_policy_of_the_principal_takes_the_grant_back() {
    // The quarantine policy aidr's responder attaches denies model invocation (and
    // iam:PassRole) to a user whose other policies allow it: no path through it any more.
    let quarantine = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Resource": ["*"],
        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "iam:PassRole", "s3:GetObject"]}]});
    let mut inventory = load("llmjacking.json");
    let bot = format!("arn:aws:iam::{ACCT}:user/ci-bot");
    attach(
        &mut inventory,
        &bot,
        "AWSCompromisedKeyQuarantineV3",
        quarantine.clone(),
    );
    let paths = find(&inventory, &Organization::default());
    assert_eq!(paths.len(), 1, "{paths:#?}");
    assert!(paths[0].steps[0].arn.ends_with(":user/analyst"));
    // A deny of one region's models keeps the grant elsewhere only.
    let mut inventory = load("llmjacking.json");
    let east = json!({"Statement": [{"Effect": "Deny", "Action": "bedrock:Invoke*",
        "Resource": "arn:aws:bedrock:us-east-1::foundation-model/*"}]});
    attach(&mut inventory, &bot, "no-east", east);
    assert_eq!(find(&inventory, &Organization::default()).len(), 1);

    let mut inventory = load("notebook_to_admin.json");
    attach(
        &mut inventory,
        &role("service-role/nb-research-exec"),
        "AWSCompromisedKeyQuarantineV3",
        quarantine,
    );
    let paths = find(&inventory, &Organization::default());
    // Only legacy-playground, whose own role is admin, is left.
    assert_eq!(paths.len(), 1, "{paths:#?}");
    assert_eq!(paths[0].steps[2].arn, role("legacy-notebook-admin"));
}

#[test]
fn invoke_grants_by_region() {
    let policy = |resource: Value| {
        Policy::parse(&json!({"Statement": {"Effect": "Allow", "Action": "bedrock:Invoke*", "Resource": resource}}))
            .unwrap()
    };
    let grant = |resource: Value, region| llmjacking::region_grant(&policy(resource), "bedrock:InvokeModel", region);
    assert_eq!(grant(json!("*"), "us-east-1").as_deref(), Some("*"));
    assert!(grant(json!("arn:aws:bedrock:us-*::foundation-model/*"), "us-west-2").is_some());
    assert!(grant(json!("arn:aws:bedrock:us-*::foundation-model/*"), "eu-west-1").is_none());
    assert!(grant(json!("arn:*"), "eu-west-1").is_some());
    assert!(grant(json!("arn:aws:s3:::models/*"), "us-east-1").is_none());
    let not_resource = Policy::parse(&json!({"Statement": {"Effect": "Allow", "Action": "bedrock:*",
        "NotResource": "arn:aws:bedrock:*::foundation-model/meta.*"}}))
    .unwrap();
    assert!(llmjacking::region_grant(&not_resource, "bedrock:InvokeModel", "us-east-1").is_some());
    let denied = Policy::parse(&json!({"Statement": [
        {"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "bedrock:InvokeModel", "Resource": "*"}]}))
    .unwrap();
    assert!(llmjacking::region_grant(&denied, "bedrock:InvokeModel", "us-east-1").is_none());
}

#[test]
fn data_poisoning() {
    let paths = paths_of("data_poisoning.json");
    assert_eq!(paths.len(), 3, "{paths:#?}");
    let custom =
        format!("arn:aws:bedrock:us-east-1:{ACCT}:custom-model/amazon.titan-text-express-v1:0:8k/support-titan-ft");
    let loader = paths
        .iter()
        .find(|p| p.steps[1].arn == role("partner-data-loader"))
        .expect("partner loader path");
    assert_eq!(loader.severity, Severity::High);
    assert!(loader.title.contains("may write"));
    assert_eq!(
        arns(loader),
        [
            "arn:aws:iam::444455556666:root",
            role("partner-data-loader").as_str(),
            "arn:aws:s3:::ml-training-data",
            custom.as_str(),
        ]
    );
    assert_eq!(
        types(loader),
        [
            "AWS::Account",
            "AWS::IAM::Role",
            "AWS::S3::Bucket",
            "AWS::Bedrock::CustomModel"
        ]
    );
    assert!(loader.steps[0].evidence.contains("external account(s) 444455556666"));
    assert!(
        loader.steps[1]
            .evidence
            .contains("allows s3:PutObject on arn:aws:s3:::ml-training-data/*")
    );
    assert!(
        loader.steps[2]
            .evidence
            .contains("custom model support-titan-ft, training job churn-2026-03")
    );
    assert!(
        loader.steps[3]
            .evidence
            .contains("s3://ml-training-data/finetune/support.jsonl")
    );
    assert!(loader.steps[3].evidence.contains("1 more resource(s)"));

    let public = path_to(
        &paths,
        &format!("arn:aws:bedrock:us-east-1:{ACCT}:knowledge-base/KB12345678"),
    );
    assert_eq!(public.steps[0].arn, ANYONE);
    assert_eq!(public.severity, Severity::High, "public, read only");
    assert!(public.title.contains("may read"));

    // An account of the organization is not outside.
    let org = Organization {
        accounts: vec!["555566667777".into()],
    };
    let inside = find(&load("data_poisoning.json"), &org);
    assert_eq!(inside.len(), 2);
    assert!(inside.iter().all(|p| p.steps[1].arn != role("org-data-pipeline")));
}

/// Replaces the inline policies of a role of the inventory.
fn set_inline(inventory: &mut Inventory, role_arn: &str, document: Value) {
    let role = inventory.resources.iter_mut().find(|r| r.arn == role_arn).unwrap();
    role.configuration["RolePolicyList"] = json!([{"PolicyName": "scoped", "PolicyDocument": document}]);
}

#[test]
fn data_poisoning_grades_and_prefixes() {
    let mut inventory = load("data_poisoning.json");
    // Public trust with write: critical.
    let public_write =
        json!({"Statement": {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::kb-docs/*"}});
    set_inline(&mut inventory, &role("kb-sync-public"), public_write);
    // A grant on the training job's prefix only (the channel's objects), read only.
    let prefix_read = json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::ml-training-data/churn/train/*"}});
    set_inline(&mut inventory, &role("partner-data-loader"), prefix_read);
    let paths = find(&inventory, &Organization::default());
    let public = paths.iter().find(|p| p.steps[1].arn == role("kb-sync-public")).unwrap();
    assert_eq!(public.severity, Severity::Critical);
    let loader = paths
        .iter()
        .find(|p| p.steps[1].arn == role("partner-data-loader"))
        .unwrap();
    assert_eq!(loader.severity, Severity::Medium, "external, read only");
    assert!(
        loader.steps[1]
            .evidence
            .contains("s3:GetObject on arn:aws:s3:::ml-training-data/churn/train/*")
    );
    // Ranked: the critical path first.
    assert_eq!(paths[0].severity, Severity::Critical);
}

#[test]
fn s3_locations() {
    assert_eq!(s3_location("s3://b/p/q/"), Some(("b", "p/q/")));
    assert_eq!(s3_location("s3://b"), Some(("b", "")));
    assert_eq!(s3_location("arn:aws:s3:::kb-docs"), Some(("kb-docs", "")));
    assert_eq!(s3_location("s3://"), None);
    assert_eq!(s3_location("https://example.com/x"), None);
}

#[test]
fn open_agent_gateway() {
    let paths = paths_of("open_gateway.json");
    assert_eq!(paths.len(), 3, "{paths:#?}");
    let gateway = |id: &str| format!("arn:aws:bedrock-agentcore:us-east-1:{ACCT}:gateway/{id}");
    let runtime = |id: &str| format!("arn:aws:bedrock-agentcore:us-east-1:{ACCT}:runtime/{id}");
    let with = |g: &str, r: &str| {
        paths
            .iter()
            .find(|p| p.steps[1].arn == gateway(g) && p.steps[2].arn == runtime(r))
            .unwrap_or_else(|| panic!("no path {g} → {r}"))
    };
    // A target endpoint naming the runtime's ARN, URL-encoded.
    let named = with("support-tools-a1b2c3d4e5", "support_agent-AbC123dEf4");
    assert_eq!(named.severity, Severity::High);
    assert_eq!(
        types(named),
        [
            "Internet",
            "AWS::BedrockAgentCore::Gateway",
            "AWS::BedrockAgentCore::Runtime",
            "AWS::IAM::Role"
        ]
    );
    assert_eq!(named.steps[3].arn, role("agentcore-support-runtime"));
    assert!(named.steps[1].evidence.starts_with("authorizerType NONE"));
    assert!(named.steps[2].evidence.starts_with("target support-agent reaches it"));
    assert!(
        named.steps[3]
            .evidence
            .contains("inline tools grants s3:* on all resources")
    );
    // No authorizer recorded and no targets recorded: every runtime of the region, said so.
    let ops = with("ops-f6g7h8i9j0", "ops_agent-Zx98Yw76Vu");
    assert_eq!(ops.severity, Severity::Critical);
    assert!(ops.steps[1].evidence.starts_with("no authorizerType recorded"));
    assert!(ops.steps[2].evidence.contains("targets are unknown: assumed"));
    assert_eq!(
        ops.steps[3].evidence,
        "managed AdministratorAccess grants all actions on all resources"
    );
    with("ops-f6g7h8i9j0", "support_agent-AbC123dEf4");
}

#[test]
fn a_gateway_known_to_have_no_targets_fronts_no_runtime() {
    // The collector writes `targets: []` when the listing worked and found none.
    let mut inventory = load("open_gateway.json");
    let ops = inventory
        .resources
        .iter_mut()
        .find(|r| r.arn.ends_with(":gateway/ops-f6g7h8i9j0"))
        .unwrap();
    ops.configuration["targets"] = json!([]);
    let paths = find(&inventory, &Organization::default());
    assert!(
        paths
            .iter()
            .all(|p| !p.steps[1].arn.ends_with(":gateway/ops-f6g7h8i9j0")),
        "{paths:#?}"
    );
    assert_eq!(paths.len(), 1);
}

fn all_fixtures() -> Inventory {
    let mut inventory = Inventory::default();
    for name in [
        "notebook_to_admin.json",
        "llmjacking.json",
        "data_poisoning.json",
        "open_gateway.json",
    ] {
        inventory.extend(load(name));
    }
    inventory
}

#[test]
fn ranked_most_severe_first_then_by_key_once_each() {
    let mut inventory = all_fixtures();
    let paths = find(&inventory, &Organization::default());
    // The fixtures' own paths, and one more: nb-research-exec may pass any role of the account,
    // so also the admin role of the gateway fixture's ops runtime (which trusts no service it
    // can start: high).
    assert_eq!(paths.len(), 4 + 2 + 3 + 3 + 1);
    let extra = paths
        .iter()
        .find(|p| p.kind == "path.notebook_to_admin" && p.steps.last().unwrap().arn == role("agentcore-ops-runtime"))
        .unwrap();
    assert_eq!(extra.severity, Severity::High);
    for pair in paths.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            a.severity > b.severity || (a.severity == b.severity && a.key < b.key),
            "{} before {}",
            a.key,
            b.key
        );
    }
    assert_eq!(paths[0].severity, Severity::Critical);
    assert_eq!(paths.last().map(|p| p.severity), Some(Severity::High));
    // The same resources twice give the same paths, once each.
    let again = inventory.clone();
    inventory.extend(again);
    assert_eq!(find(&inventory, &Organization::default()), paths);
}

#[test]
fn keys_name_the_kind_and_every_step() {
    for p in find(&all_fixtures(), &Organization::default()) {
        let mut expected = vec![p.kind];
        expected.extend(arns(&p));
        assert_eq!(p.key, expected.join("|"));
        assert!(kind(p.kind).is_some(), "{}", p.kind);
        assert!(!p.techniques().is_empty());
    }
}

#[test]
fn json_and_one_line_forms() {
    let paths = paths_of("notebook_to_admin.json");
    let own = own_admin(&paths);
    let value = serde_json::to_value(own).unwrap();
    assert_eq!(value["kind"], "path.notebook_to_admin");
    assert_eq!(value["severity"], "critical");
    assert_eq!(value["steps"][0]["resource_type"], "Internet");
    assert_eq!(value["steps"][2]["label"], "role legacy-notebook-admin");
    assert_eq!(value["key"], own.key.as_str());
    assert_eq!(
        own.describe(),
        "critical path.notebook_to_admin 111122223333 us-east-1: internet → notebook legacy-playground → role \
         legacy-notebook-admin"
    );
}

#[test]
fn kinds_are_listed_once_with_techniques() {
    let mut ids: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), KINDS.len());
    for k in KINDS {
        assert!(k.kind.starts_with("path."));
        assert!(k.techniques.iter().any(|t| t.starts_with('T')), "{}", k.kind);
        assert!(k.techniques.iter().any(|t| t.starts_with("AML.T")), "{}", k.kind);
    }
}

/// A path whose labels and evidence hold characters both graph languages treat as syntax.
fn tricky() -> Vec<AttackPath> {
    let steps = vec![
        Step::internet("reached from \"anywhere\""),
        Step::new(
            "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/q\"uote",
            "AWS::SageMaker::NotebookInstance",
            "notebook \"prod\" <b>#1</b> | a\\b",
            "line one\nline two",
        ),
        Step::new(&role("Admin"), "AWS::IAM::Role", "role Admin", "grants `*`"),
    ];
    vec![AttackPath::new(
        &notebook_to_admin::KIND,
        "t".into(),
        Severity::Critical,
        ACCT,
        "us-east-1",
        steps,
    )]
}

/// Splits a DOT line into its double-quoted strings, checking each is closed; returns them
/// unescaped.
fn dot_strings(line: &str) -> Vec<String> {
    let (mut out, mut current, mut inside, mut escaped) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        if !inside {
            if c == '"' {
                inside = true;
            }
            continue;
        }
        match (escaped, c) {
            (true, c) => {
                current.push(match c {
                    'n' => '\n',
                    c => c,
                });
                escaped = false;
            }
            (false, '\\') => escaped = true,
            (false, '"') => {
                out.push(std::mem::take(&mut current));
                inside = false;
            }
            (false, c) => current.push(c),
        }
    }
    assert!(!inside, "unclosed string in {line}");
    out
}

#[test]
fn dot_is_well_formed_and_escapes_labels() {
    let mut paths = tricky();
    paths.extend(find(&all_fixtures(), &Organization::default()));
    let dot = to_dot(&paths);
    let lines: Vec<&str> = dot.lines().collect();
    assert_eq!(lines[0], "digraph attack_paths {");
    assert_eq!(lines.last(), Some(&"}"));
    let mut nodes = std::collections::HashSet::new();
    for line in &lines[1..lines.len() - 1] {
        assert!(line.ends_with("];") || line.ends_with(';'), "{line}");
        let strings = dot_strings(line);
        if line.contains(" -> ") {
            assert!(nodes.contains(&strings[0]) && nodes.contains(&strings[1]), "{line}");
        } else if line.starts_with("  \"") {
            nodes.insert(strings[0].clone());
        }
    }
    // One node per ARN: the internet, shared by three kinds, is declared once.
    assert_eq!(dot.matches("  \"internet\" [").count(), 1);
    // The label round-trips through DOT's escapes.
    let node = lines.iter().find(|l| l.contains("q\\\"uote\" [")).unwrap();
    let strings = dot_strings(node);
    assert_eq!(
        strings[0],
        "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/q\"uote"
    );
    assert_eq!(
        strings[1],
        "notebook \"prod\" <b>#1</b> | a\\b\nAWS::SageMaker::NotebookInstance"
    );
    assert_eq!(strings[2], "line one\nline two");
    assert!(node.contains(r#"label="notebook \"prod\" <b>#1</b> | a\\b\nAWS::SageMaker::NotebookInstance""#));
}

#[test]
fn mermaid_is_well_formed_and_escapes_labels() {
    let mut paths = tricky();
    paths.extend(find(&all_fixtures(), &Organization::default()));
    let mermaid = to_mermaid(&paths);
    let lines: Vec<&str> = mermaid.lines().collect();
    assert_eq!(lines[0], "flowchart LR");
    let mut nodes = Vec::new();
    let mut edges = 0;
    for line in &lines[1..] {
        let line = line.trim_start();
        if let Some((from, rest)) = line.split_once(" -->|\"") {
            let (label, to) = rest.split_once("\"| ").expect("edge label closed");
            assert!(!label.contains('"'));
            assert!(
                nodes.contains(&from.to_owned()) && nodes.contains(&to.to_owned()),
                "{line}"
            );
            edges += 1;
        } else if line.starts_with("classDef ") || line.starts_with("class ") {
            continue;
        } else if let Some(i) = line.strip_prefix("linkStyle ") {
            let index: usize = i.split(' ').next().unwrap().parse().unwrap();
            assert!(index < edges, "{line}");
        } else {
            let id: String = line.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            let shape = &line[id.len()..];
            let inner = shape
                .strip_prefix("([\"")
                .and_then(|s| s.strip_suffix("\"])"))
                .or_else(|| shape.strip_prefix("[\"").and_then(|s| s.strip_suffix("\"]")))
                .unwrap_or_else(|| panic!("node shape: {line}"));
            assert!(!inner.contains(['"', '`', '|', '\n']), "{line}");
            assert!(!inner.replace("<br/>", "").contains(['<', '>']), "{line}");
            nodes.push(id);
        }
    }
    assert_eq!(nodes.len(), {
        let mut unique = nodes.clone();
        unique.sort();
        unique.dedup();
        unique.len()
    });
    assert!(mermaid.contains(
        "n1[\"notebook #quot;prod#quot; #lt;b#gt;#35;1#lt;/b#gt; #124; a\\b<br/>AWS::SageMaker::NotebookInstance\"]"
    ));
    assert!(mermaid.contains("n0([\"internet<br/>Internet\"])"));
    assert!(mermaid.contains("classDef sev_critical stroke:#b30000"));
}

#[test]
fn empty_graphs() {
    assert_eq!(to_dot(&[]).lines().last(), Some("}"));
    assert_eq!(to_mermaid(&[]), "flowchart LR\n");
}

#[test]
fn a_path_is_a_finding_about_its_first_resource() {
    let inventory = load("notebook_to_admin.json");
    let mut keys = std::collections::BTreeSet::new();
    for path in find(&inventory, &Organization::default()) {
        let f = path.finding(&inventory).expect("a step is in the inventory");
        assert_eq!(f.rule_id, path.kind);
        assert_eq!(f.severity, path.severity);
        let first = path.steps.iter().find(|s| inventory.by_arn(&s.arn).is_some()).unwrap();
        assert_eq!(f.resource().map(|r| r.arn.as_str()), Some(first.arn.as_str()));
        assert_eq!(f.resources[0], first.arn);
        for step in &path.steps {
            assert!(f.summary.contains(&step.label), "{} lacks {}", f.summary, step.label);
        }
        // Paths from one notebook to several admin roles alert apart.
        assert_eq!(
            f.dedupe_key,
            format!(
                "{}|{ACCT}|{}|{}",
                path.kind,
                first.arn,
                &path.key[path.kind.len() + 1..]
            )
        );
        assert!(keys.insert(f.dedupe_key.clone()), "{}", f.dedupe_key);
    }
    assert_eq!(keys.len(), 4);
    let empty = Inventory::default();
    let path = &find(&inventory, &Organization::default())[0];
    assert!(path.finding(&empty).is_none());
}
