use serde_json::{Value, json};

use super::*;

const FIXTURE: &str = include_str!("../../../../../samples/inventory/two-accounts.json");
const SERIAL: &str = "3E671687-395B-41F5-A30F-A58921A69B79";
const A: &str = "111122223333";

fn fixture() -> Inventory {
    serde_json::from_str(FIXTURE).unwrap()
}

fn entry<'v>(bom: &'v Value, bom_ref: &str) -> &'v Value {
    ["components", "services"]
        .iter()
        .flat_map(|k| bom[k].as_array().into_iter().flatten())
        .find(|e| e["bom-ref"] == bom_ref)
        .unwrap_or_else(|| panic!("no entry {bom_ref}"))
}

fn depends_on(bom: &Value, bom_ref: &str) -> Vec<String> {
    let dep = bom["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == bom_ref)
        .unwrap_or_else(|| panic!("{bom_ref} not in the dependency graph"));
    let mut on: Vec<String> = dep["dependsOn"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    on.sort();
    on
}

fn prop<'v>(e: &'v Value, name: &str) -> Option<&'v str> {
    e["properties"].as_array()?.iter().find(|p| p["name"] == name)?["value"].as_str()
}

#[test]
fn header_and_metadata() {
    let bom = to_cyclonedx(&fixture(), SERIAL);
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["serialNumber"], "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");
    assert_eq!(bom["version"], 1);
    let m = &bom["metadata"];
    assert_eq!(m["timestamp"], "2026-03-10T08:00:00Z");
    assert_eq!(m["tools"]["components"][0]["name"], "aidr");
    assert_eq!(m["lifecycles"], json!([{ "phase": "operations" }]));
    let props = m["properties"].as_array().unwrap();
    assert_eq!(props.iter().filter(|p| p["name"] == "aidr:scope").count(), 4);
    let gap = props.iter().find(|p| p["name"] == "aidr:gap").unwrap();
    assert!(
        gap["value"]
            .as_str()
            .unwrap()
            .starts_with("444455556666 eu-west-1 bedrock-agent:ListAgents not_permitted: User:"),
        "{gap}"
    );
}

#[test]
fn models_data_and_services_are_mapped() {
    let bom = to_cyclonedx(&fixture(), SERIAL);
    let custom = entry(
        &bom,
        &format!("arn:aws:bedrock:us-east-1:{A}:custom-model/anthropic.claude-3-haiku-20240307-v1:0:200k/7h2kq9x4m1ab"),
    );
    assert_eq!(custom["type"], "machine-learning-model");
    assert_eq!(custom["name"], "support-assistant-ft");
    assert_eq!(custom["modelCard"]["modelParameters"]["approach"]["type"], "supervised");
    assert_eq!(
        custom["modelCard"]["modelParameters"]["datasets"],
        json!([{ "ref": "s3://acme-ml-training/support/train.jsonl" }])
    );
    let base = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0:200k";
    assert_eq!(
        depends_on(&bom, custom["bom-ref"].as_str().unwrap()),
        [base, "s3://acme-ml-training/support/train.jsonl"]
    );
    let foundation = entry(&bom, base);
    assert_eq!(foundation["type"], "machine-learning-model");
    assert_eq!(foundation["name"], "anthropic.claude-3-haiku-20240307-v1:0:200k");
    assert_eq!(prop(foundation, "aidr:collected"), Some("false"));
    let data = entry(&bom, "s3://acme-ml-training/support/train.jsonl");
    assert_eq!(data["type"], "data");
    assert_eq!(data["data"][0]["type"], "dataset");

    let endpoint = entry(
        &bom,
        &format!("arn:aws:sagemaker:us-east-1:{A}:endpoint/churn-endpoint"),
    );
    assert_eq!(
        endpoint["endpoints"],
        json!(["https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/churn-endpoint/invocations"])
    );
    let model = format!("arn:aws:sagemaker:us-east-1:{A}:model/churn-xgb");
    assert_eq!(
        depends_on(&bom, endpoint["bom-ref"].as_str().unwrap()),
        [model.as_str()]
    );
    assert_eq!(
        depends_on(&bom, &model),
        [
            "s3://acme-ml-training/churn/train/",
            "s3://acme-ml-training/churn/validation/"
        ],
        "the training job that wrote the model's artifacts"
    );
    assert_eq!(
        prop(entry(&bom, &model), "aidr:execution-role").map(|r| r.contains("ExecutionRole")),
        Some(true)
    );

    let agent = format!("arn:aws:bedrock:us-east-1:{A}:agent/AGT12345XY");
    assert_eq!(
        depends_on(&bom, &agent),
        [
            format!("arn:aws:bedrock:us-east-1:{A}:guardrail/gr7x9k2m4n"),
            format!("arn:aws:bedrock:us-east-1:{A}:knowledge-base/KB1234ABCD"),
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0".to_owned(),
        ]
    );
    let kb = format!("arn:aws:bedrock:us-east-1:{A}:knowledge-base/KB1234ABCD");
    assert_eq!(depends_on(&bom, &kb), ["arn:aws:s3:::acme-help-center-docs"]);
    assert_eq!(
        entry(&bom, "arn:aws:s3:::acme-help-center-docs")["data"][0]["contents"]["url"],
        "s3://acme-help-center-docs"
    );
    let pt = format!("arn:aws:bedrock:us-east-1:{A}:provisioned-model/p1a2b3c4d5e6");
    assert_eq!(depends_on(&bom, &pt), [custom["bom-ref"].as_str().unwrap()]);

    let gateway = entry(
        &bom,
        &format!("arn:aws:bedrock-agentcore:us-east-1:{A}:gateway/tools-gw-x1y2z3"),
    );
    assert_eq!(gateway["authenticated"], false);
    assert_eq!(gateway["services"].as_array().unwrap().len(), 2, "targets nested");
    let runtime = format!("arn:aws:bedrock-agentcore:us-east-1:{A}:runtime/support_runtime-Ab12Cd34Ef");
    assert_eq!(
        depends_on(&bom, gateway["bom-ref"].as_str().unwrap()),
        [runtime.as_str()]
    );
    assert_eq!(
        entry(&bom, &runtime)["endpoints"][0],
        "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A111122223333%3Aruntime%2Fsupport_runtime-Ab12Cd34Ef/invocations"
    );
    // Notebooks, roles, settings are inventory, not BOM entries.
    let all = bom.to_string();
    assert!(!all.contains("notebook-instance/"), "notebooks are not in the BOM");
    assert!(!all.contains(":role/Admin"));
}

#[test]
fn every_reference_resolves_and_every_entry_is_in_the_graph() {
    let bom = to_cyclonedx(&fixture(), SERIAL);
    let refs: Vec<&str> = ["components", "services"]
        .iter()
        .flat_map(|k| bom[k].as_array().unwrap())
        .map(|e| e["bom-ref"].as_str().unwrap())
        .collect();
    let unique: std::collections::HashSet<&str> = refs.iter().copied().collect();
    assert_eq!(unique.len(), refs.len(), "bom-refs are unique");
    let deps = bom["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), refs.len(), "one dependency entry per component and service");
    for d in deps {
        assert!(unique.contains(d["ref"].as_str().unwrap()));
        for on in d["dependsOn"].as_array().into_iter().flatten() {
            assert!(unique.contains(on.as_str().unwrap()), "{on} is no bom-ref");
        }
    }
    for dataset in bom["components"].as_array().unwrap().iter().flat_map(|c| {
        c["modelCard"]["modelParameters"]["datasets"]
            .as_array()
            .into_iter()
            .flatten()
    }) {
        assert!(unique.contains(dataset["ref"].as_str().unwrap()));
    }
}

#[test]
fn references_outside_the_inventory_become_entries() {
    let agent = json!({
        "arn": "arn:aws-cn:bedrock:cn-north-1:111122223333:agent/A1",
        "type": t::BEDROCK_AGENT,
        "account": A,
        "region": "cn-north-1",
        "configuration": {
            "agentName": "a1",
            "foundationModel": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            "guardrailConfiguration": { "guardrailIdentifier": "arn:aws-cn:bedrock:cn-north-1:111122223333:guardrail/g9" },
            "knowledgeBases": [{ "knowledgeBaseId": "KBX" }],
        },
    });
    let inv = Inventory {
        collected_at: "not a time".into(),
        resources: vec![serde_json::from_value(agent).unwrap()],
        ..Inventory::default()
    };
    let bom = to_cyclonedx(&inv, SERIAL);
    assert!(
        bom["metadata"]["timestamp"].is_null(),
        "no timestamp from an unreadable time"
    );
    let on = depends_on(&bom, "arn:aws-cn:bedrock:cn-north-1:111122223333:agent/A1");
    assert_eq!(
        on,
        [
            "arn:aws-cn:bedrock:cn-north-1:111122223333:guardrail/g9",
            "arn:aws-cn:bedrock:cn-north-1:111122223333:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
            "arn:aws-cn:bedrock:cn-north-1:111122223333:knowledge-base/KBX",
        ]
    );
    for r in &on {
        assert_eq!(prop(entry(&bom, r), "aidr:collected"), Some("false"));
    }
}

#[test]
fn an_empty_inventory_is_a_bare_bom() {
    let bom = to_cyclonedx(&Inventory::default(), SERIAL);
    for key in ["components", "services", "dependencies"] {
        assert!(bom.get(key).is_none(), "{key} left out when empty");
    }
    assert!(bom["metadata"].get("properties").is_none());
}

#[test]
fn entries_without_a_reference_are_left_out() {
    // A hand-written inventory: a model with no ARN, a knowledge base whose data source names
    // no bucket. An empty bom-ref would make the BOM invalid (minLength 1).
    let inv: Inventory = serde_json::from_value(json!({"collected_at": "2026-03-10T08:00:00Z", "resources": [
        {"arn": "", "type": t::BEDROCK_CUSTOM_MODEL, "account": A, "region": "us-east-1",
         "configuration": {"modelName": "m", "trainingDataConfig": {"s3Uri": "s3://b/train/"}}},
        {"arn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/x", "type": t::BEDROCK_CUSTOM_MODEL,
         "account": A, "region": "us-east-1",
         "configuration": {"modelName": "x", "trainingDataConfig": {"s3Uri": "s3://b/Q1 data/é 100%.jsonl"}}},
        {"arn": "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/K", "type": t::BEDROCK_KNOWLEDGE_BASE,
         "account": A, "region": "us-east-1", "configuration": {"name": "k", "dataSources": [{"name": "d", "bucketArn": ""}]}}
    ]}))
    .unwrap();
    let bom = to_cyclonedx(&inv, SERIAL);
    let refs: Vec<&str> = ["components", "services", "dependencies"]
        .iter()
        .flat_map(|k| bom[k].as_array().into_iter().flatten())
        .map(|e| {
            e.get("bom-ref")
                .or_else(|| e.get("ref"))
                .and_then(Value::as_str)
                .unwrap()
        })
        .collect();
    assert!(refs.iter().all(|r| !r.is_empty()), "{refs:?}");
    assert!(refs.contains(&"s3://b/train/"), "{refs:?}");
    assert!(depends_on(&bom, "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/K").is_empty());
    // The data's URL is an IRI: a space, a key's `%` and the rest beyond ASCII escaped.
    let data = entry(&bom, "s3://b/Q1 data/é 100%.jsonl");
    assert_eq!(
        data["data"][0]["contents"]["url"],
        "s3://b/Q1%20data/%C3%A9%20100%25.jsonl"
    );
}
