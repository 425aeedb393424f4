//! A training or processing job was started without network isolation, inter-container
//! traffic encryption, or a KMS key for its volumes.

use serde_json::Value;

use crate::rules::prelude::*;
use crate::rules::support::{Reasons, flag, is_set, or_unknown};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "sagemaker.job_insecure",
        title: "SageMaker training or processing job with weak isolation or encryption",
        severity: Severity::Low,
        area: Area::Data,
        techniques: &["AML.T0025", "AML.T0010", "T1530"],
        description: "A training or processing job was created without network isolation, \
            without inter-container traffic encryption (judged only when the job runs on more \
            than one instance, since a single instance has no such traffic), or without a \
            customer-managed KMS key for the storage volumes of its instances. Jobs read \
            training data and write model artifacts with their execution role; without \
            isolation the job's container, which may come from a third-party image or \
            package, can reach the internet to send data out or pull code in. Each gap is low; \
            a job with neither network isolation nor a VPC configuration is medium, because \
            nothing then limits where its container connects. One finding lists every gap.",
        remediation: "Create jobs with EnableNetworkIsolation (NetworkConfig for processing \
            jobs), in a VPC with private subnets and S3 endpoints, with inter-container traffic \
            encryption for distributed jobs and a customer-managed VolumeKmsKeyId. Require \
            them with the sagemaker:NetworkIsolation, sagemaker:InterContainerTrafficEncryption, \
            sagemaker:VpcSubnets and sagemaker:VolumeKmsKey IAM condition keys.",
        controls: &[],
        events: &[
            ("sagemaker.amazonaws.com", "CreateTrainingJob"),
            ("sagemaker.amazonaws.com", "CreateProcessingJob"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::PRINCIPAL_DAY,
        samples: Samples {
            must_fire: &[
                "events/sagemaker/CreateTrainingJob.json",
                "events/sagemaker/CreateProcessingJob-no-kms.json",
            ],
            must_not_fire: &[
                "events/sagemaker/CreateTrainingJob-hardened.json",
                "events/sagemaker/CreateProcessingJob-hardened.json",
            ],
        },
    },
    check,
};

/// Where each setting sits in the request of one kind of job.
struct Shape {
    kind: &'static str,
    name: &'static str,
    arn: &'static str,
    isolation: &'static str,
    encryption: &'static str,
    vpc: &'static str,
    volume_key: &'static str,
    /// The resource configuration holding `instanceCount` or `instanceGroups`.
    resources: &'static str,
}

const TRAINING: Shape = Shape {
    kind: "training job",
    name: "trainingJobName",
    arn: "trainingJobArn",
    isolation: "enableNetworkIsolation",
    encryption: "enableInterContainerTrafficEncryption",
    vpc: "vpcConfig",
    volume_key: "resourceConfig.volumeKmsKeyId",
    resources: "resourceConfig",
};

const PROCESSING: Shape = Shape {
    kind: "processing job",
    name: "processingJobName",
    arn: "processingJobArn",
    isolation: "networkConfig.enableNetworkIsolation",
    encryption: "networkConfig.enableInterContainerTrafficEncryption",
    vpc: "networkConfig.vpcConfig",
    volume_key: "processingResources.clusterConfig.volumeKmsKeyId",
    resources: "processingResources.clusterConfig",
};

/// The instance count of a job's resources (summed over instance groups), when recorded.
fn instance_count(ev: &Event, resources: &str) -> Option<u64> {
    let config = ev.req(resources)?;
    if let Some(n) = config.get("instanceCount").and_then(Value::as_u64) {
        return Some(n);
    }
    let groups = config.get("instanceGroups")?.as_array()?;
    Some(groups.iter().filter_map(|g| g.get("instanceCount")?.as_u64()).sum())
}

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    ev.request()?;
    let shape = if ev.name() == "CreateProcessingJob" {
        PROCESSING
    } else {
        TRAINING
    };
    let mut reasons = Reasons::default();
    let isolated = flag(ev.req(shape.isolation)) == Some(true);
    if !isolated {
        if is_set(ev, shape.vpc) {
            reasons.add(Severity::Low, "no network isolation");
        } else {
            reasons.add(Severity::Medium, "no network isolation and no VPC configuration");
        }
    }
    let distributed = instance_count(ev, shape.resources).is_none_or(|n| n > 1);
    if distributed && flag(ev.req(shape.encryption)) != Some(true) {
        reasons.add(Severity::Low, "no inter-container traffic encryption");
    }
    if !is_set(ev, shape.volume_key) {
        reasons.add(Severity::Low, "no KMS key for the volumes");
    }
    let name = ev.req_str(shape.name);
    let hit = reasons.hit(&format!("created {} {}", shape.kind, or_unknown(name)))?;
    Some(hit.resource(name).resource(ev.resp_str(shape.arn)))
}
