//! A Bedrock model job reads from or writes to resources of an account outside the organization.

use super::foreign_account;
use crate::rules::prelude::*;
use crate::rules::support::Reasons;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.model_job_external_storage",
        title: "Bedrock model job uses another account's storage or resources",
        severity: Severity::High,
        area: Area::Data,
        techniques: &["T1537", "AML.T0025", "AML.T0010"],
        description: "A Bedrock model import, customization, copy or batch inference job \
            (CreateModelImportJob, CreateModelCustomizationJob, CreateModelCopyJob, \
            CreateModelInvocationJob) names an account outside the organization in its request: \
            the owner of the batch input or output bucket (s3BucketOwner), or the account in the \
            source model, base or teacher model, model id, service role, KMS key or grader \
            Lambda ARN. Output sent to another account's bucket exfiltrates prompts, responses or \
            trained weights; a model or training input from another account brings in an \
            untrusted artefact; a key held elsewhere hands control of the model to that account. \
            A bare S3 URI (s3://bucket/key) carries no owner, so a bucket in another account \
            given only by URI cannot be recognised; batch jobs can state s3BucketOwner and \
            should.",
        remediation: "Stop the job (StopModelInvocationJob, StopModelCustomizationJob) unless \
            the external account is a known partner, then add it to the organization account \
            list. Restrict bedrock jobs to your buckets with s3:ResourceAccount conditions on \
            the service role, and review who created the job.",
        controls: &[],
        events: &[
            ("bedrock.amazonaws.com", "CreateModelImportJob"),
            ("bedrock.amazonaws.com", "CreateModelCustomizationJob"),
            ("bedrock.amazonaws.com", "CreateModelCopyJob"),
            ("bedrock.amazonaws.com", "CreateModelInvocationJob"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/bedrock/CreateModelInvocationJob-external-output.json",
                "events/bedrock/CreateModelCopyJob-external-source.json",
                "events/bedrock/CreateModelCustomizationJob-external-kms-key.json",
            ],
            must_not_fire: &[
                "events/bedrock/CreateModelInvocationJob.json",
                "events/bedrock/CreateModelCopyJob.json",
                "events/bedrock/CreateModelCustomizationJob.json",
                "events/bedrock/CreateModelImportJob.json",
            ],
        },
    },
    check,
};

/// Request fields that name an account (an ARN or a bare account id), with what they are.
/// Each event carries only its own subset.
const ACCOUNT_FIELDS: &[(&str, &str)] = &[
    ("inputDataConfig.s3InputDataConfig.s3BucketOwner", "input bucket owner"),
    (
        "outputDataConfig.s3OutputDataConfig.s3BucketOwner",
        "output bucket owner",
    ),
    (
        "outputDataConfig.s3OutputDataConfig.s3EncryptionKeyId",
        "output KMS key",
    ),
    ("sourceModelArn", "source model"),
    ("baseModelIdentifier", "base model"),
    (
        "customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier",
        "teacher model",
    ),
    (
        "customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn",
        "grader Lambda",
    ),
    ("modelId", "model"),
    ("roleArn", "service role"),
    ("customModelKmsKeyId", "model KMS key"),
    ("importedModelKmsKeyId", "model KMS key"),
    ("modelKmsKeyId", "model KMS key"),
];

fn check(ev: &Event, org: &Organization) -> Option<Hit> {
    let mut reasons = Reasons::default();
    for (path, what) in ACCOUNT_FIELDS {
        if let Some(account) = ev.req_str(path).and_then(|v| foreign_account(v, ev, org)) {
            reasons.add(RULE.metadata.severity, format!("{what} in external account {account}"));
        }
    }
    let job = ["jobName", "targetModelName"]
        .iter()
        .find_map(|k| ev.req_str(k))
        .unwrap_or("(unknown)");
    let kind = match ev.name() {
        "CreateModelImportJob" => "model import job",
        "CreateModelCustomizationJob" => "model customization job",
        "CreateModelCopyJob" => "model copy job",
        _ => "batch inference job",
    };
    let arn = ev.resp_str("jobArn");
    reasons
        .hit(&format!("created {kind} {job}"))
        .map(|hit| hit.resource(Some(job)).resource(arn))
}
