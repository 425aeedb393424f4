//! The inventory as a CycloneDX 1.6 ML-BOM (JSON), written with `serde_json`: the one Rust
//! library, `cyclonedx-bom` 0.8, writes spec 1.3–1.5 only, without 1.6's tools object.
//!
//! Mapping (every `bom-ref` is the resource's ARN, or the S3 location of data):
//! - Bedrock custom and imported models, SageMaker models: components of type
//!   `machine-learning-model`, with a `modelCard` where something is known (the learning
//!   approach, the base model, the training data); models that are referenced but not in the
//!   inventory (foundation models, system inference profiles) too, marked `aidr:collected`
//!   `false`;
//! - training data (a custom model's `trainingDataConfig`, a training job's S3 input channels)
//!   and knowledge-base data-source buckets: components of type `data`;
//! - SageMaker endpoints, provisioned throughput, guardrails, application inference profiles,
//!   Bedrock agents and knowledge bases, AgentCore runtimes and gateways (their targets nested):
//!   `services`, with their invocation endpoints where the ARN or configuration gives them;
//! - `dependencies`: endpoint → its endpoint configuration's models; custom model → base model
//!   and training data; SageMaker model → the training data of the job that wrote its artifacts
//!   (its `ModelDataUrl` under the job's `S3OutputPath/<job name>/`); provisioned throughput
//!   and inference profile → their models; agent → foundation model, guardrail, knowledge
//!   bases; knowledge base → data sources; gateway → targets in the inventory.
//!
//! `metadata` holds the collection time, aidr as the tool, the scopes covered and the gaps (as
//! `aidr:scope` and `aidr:gap` properties): a BOM with gaps is incomplete.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Value, json};

use super::Inventory;
use super::types as t;
use crate::resource::ResourceSnapshot;
use crate::time::{format_millis, parse_millis};
use entry::{PATH_SEGMENT, add_property, items, model, partition, property, service, text, training_inputs};

/// The CycloneDX specification version written.
pub const SPEC_VERSION: &str = "1.6";

/// The BOM of `inv`. `serial` is its serial number, a UUID (`urn:uuid:` is prepended; give a
/// new random one per BOM, as the specification asks).
pub fn to_cyclonedx(inv: &Inventory, serial: &str) -> Value {
    let mut bom = Bom::new(inv);
    for r in &inv.resources {
        bom.add(r);
    }
    let mut metadata = json!({
        "lifecycles": [{ "phase": "operations" }],
        "tools": { "components": [{
            "type": "application",
            "name": "aidr",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "AI detection & response for AWS: inventory of Bedrock, SageMaker and AgentCore",
        }]},
    });
    if let Some(millis) = parse_millis(&inv.collected_at) {
        metadata["timestamp"] = json!(format_millis(millis));
    }
    let mut properties: Vec<Value> = inv
        .scopes
        .iter()
        .map(|s| property("aidr:scope", format!("{} {}", s.account, s.region)))
        .collect();
    properties.extend(inv.gaps.iter().map(|g| property("aidr:gap", g.to_string())));
    if !properties.is_empty() {
        metadata["properties"] = json!(properties);
    }
    let dependencies: Vec<Value> = bom
        .order
        .iter()
        .map(|r| {
            // Only entries of the BOM: a target may be a resource the BOM does not list.
            let on: Vec<&String> = bom
                .depends
                .get(r)
                .into_iter()
                .flatten()
                .filter(|d| bom.known.contains(*d))
                .collect();
            match on.is_empty() {
                true => json!({ "ref": r }),
                false => json!({ "ref": r, "dependsOn": on }),
            }
        })
        .collect();
    let mut out = json!({
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": format!("urn:uuid:{}", serial.to_ascii_lowercase()),
        "version": 1,
        "metadata": metadata,
        "components": bom.components,
        "services": bom.services,
        "dependencies": dependencies,
    });
    if let Value::Object(map) = &mut out {
        map.retain(|_, v| v.as_array().is_none_or(|a| !a.is_empty()));
    }
    out
}

/// The BOM being built: entries in inventory order, each `bom-ref` once.
struct Bom<'i> {
    inv: &'i Inventory,
    components: Vec<Value>,
    services: Vec<Value>,
    /// Every `bom-ref` given, in order, for the dependency graph.
    order: Vec<String>,
    known: HashSet<String>,
    depends: HashMap<String, BTreeSet<String>>,
    /// Snapshots by (account, region, type, name or id), for references by name.
    named: HashMap<(&'i str, &'i str, &'i str, &'i str), &'i ResourceSnapshot>,
}

impl<'i> Bom<'i> {
    fn new(inv: &'i Inventory) -> Bom<'i> {
        let mut named = HashMap::new();
        for r in &inv.resources {
            let keys: &[&str] = match r.resource_type.as_str() {
                t::SAGEMAKER_ENDPOINT_CONFIG => &["EndpointConfigName"],
                t::SAGEMAKER_MODEL => &["ModelName"],
                t::BEDROCK_GUARDRAIL => &["guardrailId"],
                t::BEDROCK_KNOWLEDGE_BASE => &["knowledgeBaseId"],
                _ => &[],
            };
            for key in keys.iter().filter_map(|k| text(r, k)) {
                named.insert((&*r.account, &*r.region, &*r.resource_type, key), r);
            }
        }
        Bom {
            inv,
            components: Vec::new(),
            services: Vec::new(),
            order: Vec::new(),
            known: HashSet::new(),
            depends: HashMap::new(),
            named,
        }
    }

    /// The snapshot of `resource_type` named `name` in `r`'s account and region.
    fn sibling(&self, r: &ResourceSnapshot, resource_type: &str, name: &str) -> Option<&'i ResourceSnapshot> {
        self.named
            .get(&(r.account.as_str(), r.region.as_str(), resource_type, name))
            .copied()
    }

    fn depend(&mut self, from: &str, on: impl Into<String>) {
        let on = on.into();
        if on != from {
            self.depends.entry(from.to_owned()).or_default().insert(on);
        }
    }

    /// Adds an entry unless its `bom-ref` is there already, or empty (the specification
    /// wants one character at least: a snapshot with no ARN cannot be referred to).
    fn push(&mut self, entry: Value, service: bool) {
        let Some(bom_ref) = entry["bom-ref"].as_str().filter(|r| !r.is_empty()).map(str::to_owned) else {
            return;
        };
        if !self.known.insert(bom_ref.clone()) {
            return;
        }
        self.order.push(bom_ref);
        if service {
            self.services.push(entry);
        } else {
            self.components.push(entry);
        }
    }

    fn add(&mut self, r: &'i ResourceSnapshot) {
        match r.resource_type.as_str() {
            t::BEDROCK_CUSTOM_MODEL => self.custom_model(r),
            t::BEDROCK_IMPORTED_MODEL => {
                let mut c = model(r, "Amazon Bedrock imported model");
                add_property(&mut c, "aidr:model-data", text(r, "modelDataSource.s3DataSource.s3Uri"));
                self.push(c, false);
            }
            t::SAGEMAKER_MODEL => self.sagemaker_model(r),
            t::SAGEMAKER_TRAINING_JOB => {
                for uri in training_inputs(r) {
                    let job = text(r, "TrainingJobName").unwrap_or(r.display_name());
                    self.data(uri, format!("training input of SageMaker training job {job}"));
                }
            }
            t::SAGEMAKER_ENDPOINT => self.endpoint(r),
            t::BEDROCK_PROVISIONED_THROUGHPUT => {
                self.push(service(r, "Amazon Bedrock provisioned throughput", None), true);
                if let Some(m) = text(r, "modelArn").or_else(|| text(r, "foundationModelArn")) {
                    let m = self.model_ref(r, m);
                    self.depend(&r.arn, m);
                }
            }
            t::BEDROCK_GUARDRAIL => {
                let mut s = service(r, "Amazon Bedrock guardrail", None);
                if let Some(v) = text(r, "version") {
                    s["version"] = json!(v);
                }
                self.push(s, true);
            }
            t::BEDROCK_INFERENCE_PROFILE => {
                self.push(service(r, "Amazon Bedrock application inference profile", None), true);
                let models: Vec<&str> = items(r, "models").filter_map(|m| m["modelArn"].as_str()).collect();
                for m in models {
                    let m = self.model_ref(r, m);
                    self.depend(&r.arn, m);
                }
            }
            t::BEDROCK_AGENT => self.agent(r),
            t::BEDROCK_KNOWLEDGE_BASE => self.knowledge_base(r),
            t::AGENTCORE_RUNTIME => {
                let url = (partition(&r.arn) == "aws").then(|| {
                    let arn = percent_encoding::utf8_percent_encode(&r.arn, PATH_SEGMENT);
                    format!(
                        "https://bedrock-agentcore.{}.amazonaws.com/runtimes/{arn}/invocations",
                        r.region
                    )
                });
                self.push(service(r, "Amazon Bedrock AgentCore agent runtime", url), true);
            }
            t::AGENTCORE_GATEWAY => self.gateway(r),
            _ => {}
        }
    }

    fn custom_model(&mut self, r: &'i ResourceSnapshot) {
        let mut c = model(r, "Amazon Bedrock custom model");
        let mut card = json!({});
        let approach = match text(r, "customizationType") {
            Some("FINE_TUNING") => Some("supervised"),
            Some("CONTINUED_PRE_TRAINING") => Some("self-supervised"),
            Some("REINFORCEMENT_FINE_TUNING") => Some("reinforcement-learning"),
            _ => None,
        };
        if let Some(approach) = approach {
            card["modelParameters"]["approach"] = json!({ "type": approach });
        }
        let training = text(r, "trainingDataConfig.s3Uri");
        if let Some(uri) = training {
            card["modelParameters"]["datasets"] = json!([{ "ref": uri }]);
        }
        let mut props = Vec::new();
        for (name, path) in [
            ("aidr:customization-type", "customizationType"),
            ("aidr:base-model", "baseModelArn"),
            ("aidr:customization-job", "jobArn"),
        ] {
            props.extend(text(r, path).map(|v| property(name, v)));
        }
        if !props.is_empty() {
            card["properties"] = json!(props);
        }
        if card != json!({}) {
            c["modelCard"] = card;
        }
        self.push(c, false);
        if let Some(uri) = training {
            self.data(
                uri,
                format!("training data of Bedrock custom model {}", r.display_name()),
            );
            self.depend(&r.arn, uri);
        }
        if let Some(base) = text(r, "baseModelArn") {
            let base = self.model_ref(r, base);
            self.depend(&r.arn, base);
        }
    }

    fn sagemaker_model(&mut self, r: &'i ResourceSnapshot) {
        let mut c = model(r, "Amazon SageMaker model");
        add_property(&mut c, "aidr:container-image", text(r, "PrimaryContainer.Image"));
        add_property(&mut c, "aidr:model-data", text(r, "PrimaryContainer.ModelDataUrl"));
        add_property(&mut c, "aidr:execution-role", text(r, "ExecutionRoleArn"));
        // The training data of the job whose output holds the model's artifacts.
        let artifacts = text(r, "PrimaryContainer.ModelDataUrl").unwrap_or_default();
        let trained_on: Vec<&str> = self
            .inv
            .of_type(t::SAGEMAKER_TRAINING_JOB)
            .filter(|job| job.account == r.account && !artifacts.is_empty())
            .filter(|job| {
                let (Some(out), Some(name)) =
                    (text(job, "OutputDataConfig.S3OutputPath"), text(job, "TrainingJobName"))
                else {
                    return false;
                };
                artifacts.starts_with(&format!("{}/{name}/", out.trim_end_matches('/')))
            })
            .flat_map(training_inputs)
            .collect();
        if !trained_on.is_empty() {
            let datasets: Vec<Value> = trained_on.iter().map(|u| json!({ "ref": u })).collect();
            c["modelCard"] = json!({ "modelParameters": { "datasets": datasets } });
        }
        self.push(c, false);
        for uri in trained_on {
            self.data(uri, format!("training data of SageMaker model {}", r.display_name()));
            self.depend(&r.arn, uri);
        }
    }

    fn endpoint(&mut self, r: &'i ResourceSnapshot) {
        let url = text(r, "EndpointName")
            .filter(|_| partition(&r.arn) == "aws")
            .map(|name| {
                format!(
                    "https://runtime.sagemaker.{}.amazonaws.com/endpoints/{name}/invocations",
                    r.region
                )
            });
        let mut s = service(r, "Amazon SageMaker endpoint", url);
        s["authenticated"] = json!(true);
        add_property(&mut s, "aidr:endpoint-config", text(r, "EndpointConfigName"));
        self.push(s, true);
        let config = text(r, "EndpointConfigName").and_then(|n| self.sibling(r, t::SAGEMAKER_ENDPOINT_CONFIG, n));
        let models: Vec<&str> = config
            .into_iter()
            .flat_map(|c| items(c, "ProductionVariants"))
            .filter_map(|v| v["ModelName"].as_str())
            .collect();
        for name in models {
            if let Some(m) = self.sibling(r, t::SAGEMAKER_MODEL, name) {
                self.depend(&r.arn, m.arn.clone());
            }
        }
    }

    fn agent(&mut self, r: &'i ResourceSnapshot) {
        let mut s = service(r, "Amazon Bedrock agent", None);
        add_property(&mut s, "aidr:foundation-model", text(r, "foundationModel"));
        self.push(s, true);
        if let Some(m) = text(r, "foundationModel") {
            let m = self.model_ref(r, m);
            self.depend(&r.arn, m);
        }
        if let Some(g) = text(r, "guardrailConfiguration.guardrailIdentifier") {
            let g = self.resource_ref(r, t::BEDROCK_GUARDRAIL, g, "guardrail");
            self.depend(&r.arn, g);
        }
        let bases: Vec<&str> = items(r, "knowledgeBases")
            .filter_map(|k| k["knowledgeBaseId"].as_str())
            .collect();
        for id in bases {
            let kb = self.resource_ref(r, t::BEDROCK_KNOWLEDGE_BASE, id, "knowledge-base");
            self.depend(&r.arn, kb);
        }
    }

    fn knowledge_base(&mut self, r: &'i ResourceSnapshot) {
        self.push(service(r, "Amazon Bedrock knowledge base", None), true);
        let sources: Vec<(&str, Option<&str>)> = items(r, "dataSources")
            .filter_map(|d| Some((d["bucketArn"].as_str()?, d["name"].as_str())))
            .collect();
        for (bucket, name) in sources {
            let what = format!(
                "data source {} of Bedrock knowledge base {}",
                name.unwrap_or("-"),
                r.display_name()
            );
            self.data(bucket, what);
            self.depend(&r.arn, bucket);
        }
    }

    fn gateway(&mut self, r: &'i ResourceSnapshot) {
        let mut s = service(
            r,
            "Amazon Bedrock AgentCore gateway",
            text(r, "gatewayUrl").map(str::to_owned),
        );
        if let Some(kind) = text(r, "authorizerType") {
            s["authenticated"] = json!(kind != "NONE");
            add_property(&mut s, "aidr:authorizer-type", Some(kind));
        }
        let mut targets = Vec::new();
        let mut reached = Vec::new();
        for target in items(r, "targets") {
            let name = target["name"]
                .as_str()
                .or(target["targetId"].as_str())
                .unwrap_or("target");
            let mut nested = json!({ "name": name, "description": "AgentCore gateway target" });
            match target["endpoint"].as_str() {
                Some(e) if e.starts_with("https://") || e.starts_with("http://") => nested["endpoints"] = json!([e]),
                Some(e) if self.inv.by_arn(e).is_some() => reached.push(e),
                Some(e) => add_property(&mut nested, "aidr:endpoint", Some(e)),
                None => {}
            }
            targets.push(nested);
        }
        if !targets.is_empty() {
            s["services"] = json!(targets);
        }
        self.push(s, true);
        for arn in reached {
            self.depend(&r.arn, arn);
        }
    }
}

mod entry;
mod refs;
#[cfg(test)]
mod tests;
