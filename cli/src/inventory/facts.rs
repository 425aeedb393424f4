//! The few facts about a resource worth a glance (status, exposure, encryption, what it runs
//! as or on), for the inventory table and the report.

use aidr_engine::ResourceSnapshot;
use aidr_engine::inventory::{Inventory, types as t};
use serde_json::Value;

/// Key facts of a snapshot of `inv`, read from the fields [`aidr_engine::inventory::types`]
/// lists; a resource of `inv` named by ARN is named by its name.
pub fn facts(r: &ResourceSnapshot, inv: &Inventory) -> Vec<String> {
    let mut f = Facts {
        r,
        inv,
        out: Vec::new(),
    };
    match r.resource_type.as_str() {
        t::BEDROCK_SETTINGS => {
            let logging = r.config("loggingConfig").and_then(Value::as_object);
            let destinations: Vec<&str> = [("s3Config", "S3"), ("cloudWatchConfig", "CloudWatch")]
                .iter()
                .filter(|(k, _)| logging.is_some_and(|l| l.contains_key(*k)))
                .map(|(_, name)| *name)
                .collect();
            f.out.push(match destinations.is_empty() {
                true => "invocation logging off".into(),
                false => format!("invocation logging to {}", destinations.join(" and ")),
            });
            if let Some(n) = r.config("guardrailCount").and_then(Value::as_u64) {
                f.out.push(format!("{n} guardrail{}", if n == 1 { "" } else { "s" }));
            }
        }
        t::BEDROCK_CUSTOM_MODEL => {
            f.text("customizationType", "");
            f.last("baseModelArn", "base ");
            f.text("trainingDataConfig.s3Uri", "training data ");
            f.key("modelKmsKeyArn");
        }
        t::BEDROCK_IMPORTED_MODEL => {
            f.text("modelDataSource.s3DataSource.s3Uri", "weights ");
            f.key("modelKmsKeyArn");
        }
        t::BEDROCK_PROVISIONED_THROUGHPUT => {
            f.text("status", "");
            f.last("modelArn", "model ");
            if let Some(n) = r.config("modelUnits").and_then(Value::as_u64) {
                f.out.push(format!("{n} model units"));
            }
            f.text("commitmentDuration", "commitment ");
        }
        t::BEDROCK_GUARDRAIL => {
            f.text("status", "");
            f.text("version", "version ");
            let prompt_attack = r
                .config("contentPolicy.filters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|x| x["type"] == "PROMPT_ATTACK")
                .and_then(|x| x["inputStrength"].as_str());
            f.out.push(match prompt_attack {
                Some(s) if s != "NONE" => format!("prompt-attack filter {s}"),
                _ => "no prompt-attack filter".into(),
            });
            f.key("kmsKeyArn");
        }
        t::BEDROCK_INFERENCE_PROFILE => {
            f.text("type", "");
            f.text("status", "");
            f.list("models", "modelArn", "models ");
        }
        t::BEDROCK_AGENT => {
            f.text("agentStatus", "");
            f.last("foundationModel", "model ");
            match r.config_str("guardrailConfiguration.guardrailIdentifier") {
                Some(g) => f.out.push(format!("guardrail {}", tail(g))),
                None => f.out.push("no guardrail".into()),
            }
            f.list("knowledgeBases", "knowledgeBaseId", "knowledge bases ");
            f.last("agentResourceRoleArn", "role ");
        }
        t::BEDROCK_KNOWLEDGE_BASE => {
            f.text("status", "");
            f.list("dataSources", "bucketArn", "data ");
            f.last("roleArn", "role ");
        }
        t::AGENTCORE_RUNTIME => {
            f.text("status", "");
            f.text("networkConfiguration.networkMode", "network ");
            f.last("roleArn", "role ");
        }
        t::AGENTCORE_GATEWAY => {
            f.text("status", "");
            f.text("authorizerType", "authorizer ");
            f.list("targets", "name", "targets ");
            f.last("roleArn", "role ");
        }
        t::SAGEMAKER_NOTEBOOK => {
            f.text("NotebookInstanceStatus", "");
            f.text("InstanceType", "");
            f.text("DirectInternetAccess", "direct internet ");
            f.text("RootAccess", "root access ");
            if r.config_str("SubnetId").is_none() {
                f.out.push("no VPC".into());
            }
            f.last("RoleArn", "role ");
        }
        t::SAGEMAKER_LIFECYCLE_CONFIG => {
            let scripts: Vec<&str> = [("OnCreate", "on create"), ("OnStart", "on start")]
                .iter()
                .filter(|(k, _)| r.config(k).and_then(Value::as_array).is_some_and(|a| !a.is_empty()))
                .map(|(_, name)| *name)
                .collect();
            if !scripts.is_empty() {
                f.out.push(format!("scripts {}", scripts.join(", ")));
            }
        }
        t::SAGEMAKER_DOMAIN => {
            f.text("AuthMode", "auth ");
            f.text("AppNetworkAccessType", "");
            f.last("DefaultUserSettings.ExecutionRole", "role ");
        }
        t::SAGEMAKER_USER_PROFILE => {
            f.text("DomainId", "domain ");
            f.last("UserSettings.ExecutionRole", "role ");
        }
        t::SAGEMAKER_ENDPOINT => {
            f.text("EndpointStatus", "");
            f.text("EndpointConfigName", "config ");
        }
        t::SAGEMAKER_ENDPOINT_CONFIG => {
            f.list("ProductionVariants", "ModelName", "models ");
            let capture = r.config("DataCaptureConfig.EnableCapture").and_then(Value::as_bool);
            f.out.push(format!(
                "data capture {}",
                if capture == Some(true) { "on" } else { "off" }
            ));
            f.key("KmsKeyId");
        }
        t::SAGEMAKER_MODEL => {
            f.last("PrimaryContainer.Image", "image ");
            f.flag("EnableNetworkIsolation", "network isolation");
            if r.config("VpcConfig").is_none() {
                f.out.push("no VPC".into());
            }
            f.last("ExecutionRoleArn", "role ");
        }
        t::SAGEMAKER_TRAINING_JOB => {
            f.text("TrainingJobStatus", "");
            f.flag("EnableNetworkIsolation", "network isolation");
            f.flag("EnableInterContainerTrafficEncryption", "inter-container encryption");
            f.last("RoleArn", "role ");
        }
        t::SAGEMAKER_PROCESSING_JOB => {
            f.flag("NetworkConfig.EnableNetworkIsolation", "network isolation");
            f.last("RoleArn", "role ");
        }
        t::IAM_ROLE => {
            f.out.push(policies(r, &["AttachedManagedPolicies", "RolePolicyList"]));
            f.text("RoleLastUsed.LastUsedDate", "last used ");
        }
        t::IAM_USER => {
            f.out.push(policies(r, &["AttachedManagedPolicies", "UserPolicyList"]));
            let active = |path: &str, service: Option<&str>| {
                r.config(path)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|k| k["Status"] == "Active")
                    .filter(|k| service.is_none_or(|s| k["ServiceName"] == s))
                    .count()
            };
            f.out.push(format!("{} active access keys", active("AccessKeys", None)));
            let api_keys = active("ServiceSpecificCredentials", Some("bedrock.amazonaws.com"));
            if api_keys > 0 {
                f.out.push(format!("{api_keys} active Bedrock API keys"));
            }
        }
        _ => {}
    }
    f.out
}

/// The resource's name, else the last part of its ARN.
pub fn name(r: &ResourceSnapshot) -> &str {
    r.name
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| tail(&r.arn))
}

/// The last part of an ARN's resource or of a path (`…:role/service-role/X` → `X`,
/// `…::foundation-model/m-v1:0` → `m-v1:0`).
fn tail(s: &str) -> &str {
    let resource = match s.starts_with("arn:") {
        true => s.splitn(6, ':').nth(5).unwrap_or(s),
        false => s,
    };
    resource.rsplit('/').find(|p| !p.is_empty()).unwrap_or(resource)
}

/// `N policies`, counting the lists named.
fn policies(r: &ResourceSnapshot, lists: &[&str]) -> String {
    let n: usize = lists
        .iter()
        .filter_map(|l| r.config(l).and_then(Value::as_array))
        .map(Vec::len)
        .sum();
    format!("{n} polic{}", if n == 1 { "y" } else { "ies" })
}

struct Facts<'r> {
    r: &'r ResourceSnapshot,
    inv: &'r Inventory,
    out: Vec<String>,
}

impl Facts<'_> {
    /// `<prefix><value>` when the field is a non-empty string.
    fn text(&mut self, path: &str, prefix: &str) {
        if let Some(v) = self.r.config_str(path).filter(|v| !v.is_empty()) {
            self.out.push(format!("{prefix}{v}"));
        }
    }

    /// `<prefix><name>` of a resource of the inventory, else `<prefix><last part of the
    /// value>`, for ARNs and image URIs.
    fn last(&mut self, path: &str, prefix: &str) {
        if let Some(v) = self.r.config_str(path).filter(|v| !v.is_empty()) {
            let shown = self.inv.by_arn(v).map_or_else(|| tail(v), name);
            self.out.push(format!("{prefix}{shown}"));
        }
    }

    /// `<prefix>a, b` from the field `key` of each element of an array.
    fn list(&mut self, path: &str, key: &str, prefix: &str) {
        let values: Vec<&str> = self
            .r
            .config(path)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|x| x[key].as_str())
            .map(tail)
            .collect();
        if !values.is_empty() {
            self.out.push(format!("{prefix}{}", values.join(", ")));
        }
    }

    /// `<name> on` / `<name> off` for a boolean field, nothing when absent.
    fn flag(&mut self, path: &str, name: &str) {
        if let Some(on) = self.r.config(path).and_then(Value::as_bool) {
            self.out.push(format!("{name} {}", if on { "on" } else { "off" }));
        }
    }

    /// Which key encrypts it: a customer-managed key, or AWS's own.
    fn key(&mut self, path: &str) {
        let own = self.r.config_str(path).is_some_and(|k| !k.is_empty());
        self.out
            .push(if own { "customer KMS key" } else { "AWS-owned key" }.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(resource_type: &str, configuration: Value) -> ResourceSnapshot {
        serde_json::from_value(serde_json::json!({
            "arn": "arn:aws:x:us-east-1:111122223333:y/z", "type": resource_type,
            "account": "111122223333", "region": "us-east-1", "configuration": configuration,
        }))
        .unwrap()
    }

    #[test]
    fn facts_of_a_few_types() {
        let none = Inventory::default();
        let notebook = snapshot(
            t::SAGEMAKER_NOTEBOOK,
            serde_json::json!({"NotebookInstanceStatus": "InService", "DirectInternetAccess": "Enabled",
                "RootAccess": "Disabled", "RoleArn": "arn:aws:iam::111122223333:role/service-role/Exec"}),
        );
        assert_eq!(
            facts(&notebook, &none),
            [
                "InService",
                "direct internet Enabled",
                "root access Disabled",
                "no VPC",
                "role Exec"
            ]
        );
        let settings = snapshot(t::BEDROCK_SETTINGS, serde_json::json!({"guardrailCount": 1}));
        assert_eq!(facts(&settings, &none), ["invocation logging off", "1 guardrail"]);
        let agent = snapshot(
            t::BEDROCK_AGENT,
            serde_json::json!({"agentStatus": "PREPARED", "foundationModel": "arn:aws:bedrock:us-east-1::foundation-model/m.v1:0",
                "knowledgeBases": [{"knowledgeBaseId": "KB1"}]}),
        );
        assert_eq!(
            facts(&agent, &none),
            ["PREPARED", "model m.v1:0", "no guardrail", "knowledge bases KB1"]
        );
        assert!(facts(&snapshot("AWS::Other::Thing", serde_json::json!({})), &none).is_empty());
    }
}
