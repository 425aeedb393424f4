//! Data poisoning: a role that a principal outside the organization may assume (its trust
//! policy is public or names an outside account, judged as [`crate::policy::Exposure`] does)
//! may write (`s3:PutObject`) or read (`s3:GetObject`) the S3 objects that train or ground a
//! model: the `InputDataConfig` channels of SageMaker training jobs, the `trainingDataConfig`
//! of Bedrock custom models, the data sources of Bedrock knowledge bases. Writing lets the
//! outsider poison what the next model learns or what the agent retrieves; reading leaks it.
//!
//! Steps: outside principal → the role → the bucket → the first resource (by ARN) that uses
//! the bucket (the bucket's evidence lists all). One path per role and bucket. Objects are
//! tested as `arn:aws:s3:::bucket/*` and, when the data has a prefix, as the prefix's objects.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::inventory::Inventory;
use crate::inventory::types::{BEDROCK_CUSTOM_MODEL, BEDROCK_KNOWLEDGE_BASE, SAGEMAKER_TRAINING_JOB};
use crate::policy::Exposure;
use crate::resource::ResourceSnapshot;
use crate::severity::Severity;

use super::index::{Index, Principal};
use super::{ANYONE, AttackPath, PathKind, Step, s3_location};

pub const KIND: PathKind = PathKind {
    kind: "path.data_poisoning",
    title: "Role open outside the organization may write or read training data",
    severity: Severity::High,
    techniques: &["T1199", "T1078.004", "T1565.001", "T1530", "AML.T0020"],
    description: "A role whose trust policy lets anyone, or an account outside the organization, assume it is allowed \
        to write (s3:PutObject) or read (s3:GetObject) objects in a bucket that holds training data (SageMaker \
        training job input channels, Bedrock custom model training data) or knowledge base sources. Written \
        objects poison the next training run or what an agent retrieves; read objects leak the data.",
    remediation: "Limit the role's trust policy to the organization (aws:PrincipalOrgID) or to named partner accounts \
        with sts:ExternalId, and scope its S3 permissions away from training-data buckets; protect those buckets \
        with a bucket policy that allows writes only from the data pipeline's roles, and version them.",
};

/// What a role must be allowed on the data to be on a path: write, then read.
pub const DATA_ACTIONS: [&str; 2] = ["s3:PutObject", "s3:GetObject"];

/// The object ARNs tested for the data `inventory`'s resources train on or retrieve from
/// (see [`find`]): a role allowed an action of [`DATA_ACTIONS`] on one of them, and that an
/// outside principal may assume, is on a path. Collectors keep such roles.
pub fn data_objects(inventory: &Inventory, partition: &str) -> BTreeSet<String> {
    (sources(inventory).iter())
        .flat_map(|s| object_arns(partition, &s.bucket, &s.prefix))
        .collect()
}

/// The S3 data a resource trains on or retrieves from.
struct Source<'a> {
    bucket: String,
    prefix: String,
    resource: &'a ResourceSnapshot,
    /// `training job churn-2026-03`.
    label: String,
    /// `channel train reads s3://bucket/prefix`.
    usage: String,
}

/// The roles open outside the organization that reach training data.
pub(super) fn find(index: &Index) -> Vec<AttackPath> {
    let mut by_bucket: BTreeMap<String, Vec<Source>> = BTreeMap::new();
    for source in sources(index.inventory) {
        by_bucket.entry(source.bucket.clone()).or_default().push(source);
    }
    for list in by_bucket.values_mut() {
        list.sort_by(|a, b| a.resource.arn.cmp(&b.resource.arn));
    }
    let mut out = Vec::new();
    for role in &index.roles {
        let Some(trust) = role.trust() else { continue };
        let exposure = trust.exposure(|account| index.is_own(account, role.account()));
        if !exposure.is_exposed() {
            continue;
        }
        for (bucket, list) in &by_bucket {
            if let Some(path) = path(role, &exposure, bucket, list) {
                out.push(path);
            }
        }
    }
    out
}

/// The path from outside through `role` to `bucket`, when the role may write or read it.
fn path(role: &Principal, exposure: &Exposure, bucket: &str, sources: &[Source]) -> Option<AttackPath> {
    let partition = role.snapshot.arn.split(':').nth(1).unwrap_or("aws");
    let objects: Vec<String> = sources
        .iter()
        .flat_map(|s| object_arns(partition, bucket, &s.prefix))
        .collect();
    let grant = |action: &str| {
        objects.iter().find_map(|object| {
            role.allowing(action, object)
                .map(|p| format!("{} allows {action} on {object}", p.name))
        })
    };
    let [write, read] = DATA_ACTIONS.map(grant);
    let what = match (&write, &read) {
        (Some(_), _) => "write",
        (None, Some(_)) => "read",
        (None, None) => return None,
    };
    let severity = match (write.is_some(), exposure.public) {
        (true, true) => Severity::Critical,
        (true, false) => Severity::High,
        (false, true) => Severity::High,
        (false, false) => Severity::Medium,
    };
    let whom = exposure.describe();
    let outsider = if exposure.public {
        Step::new(
            ANYONE,
            "Public",
            "anyone",
            format!("the trust policy of role {} opens to {whom}", role.name()),
        )
    } else {
        let first = &exposure.external_accounts[0];
        let more = exposure.external_accounts.len() - 1;
        let label = if more > 0 {
            format!("account {first} (+{more})")
        } else {
            format!("account {first}")
        };
        Step::new(
            &format!("arn:{partition}:iam::{first}:root"),
            "AWS::Account",
            label,
            format!("the trust policy of role {} opens to {whom}", role.name()),
        )
    };
    let rights: Vec<String> = write.into_iter().chain(read).collect();
    let role_step = Step::on(
        role.snapshot,
        format!("role {}", role.name()),
        format!("may be assumed by {whom}; {}", rights.join("; ")),
    );
    let mut users: Vec<&str> = sources.iter().map(|s| s.label.as_str()).collect();
    users.dedup();
    let bucket_step = Step::new(
        &format!("arn:{partition}:s3:::{bucket}"),
        "AWS::S3::Bucket",
        format!("bucket {bucket}"),
        format!("holds the data of {}", users.join(", ")),
    );
    let first = &sources[0];
    let mut resources: Vec<&str> = sources.iter().map(|s| s.resource.arn.as_str()).collect();
    resources.dedup();
    let also = match resources.len() - 1 {
        0 => String::new(),
        n => format!(" ({n} more resource(s) use the bucket)"),
    };
    let use_step = Step::on(first.resource, first.label.clone(), format!("{}{also}", first.usage));
    Some(AttackPath::new(
        &KIND,
        format!(
            "Role {}, open to {whom}, may {what} the training data in bucket {bucket}",
            role.name()
        ),
        severity,
        &first.resource.account,
        &first.resource.region,
        vec![outsider, role_step, bucket_step, use_step],
    ))
}

/// The object ARNs tested for a bucket and prefix: every object, and when there is a prefix
/// the prefix itself (a single object) and the objects under it.
fn object_arns(partition: &str, bucket: &str, prefix: &str) -> Vec<String> {
    let base = format!("arn:{partition}:s3:::{bucket}");
    let mut out = vec![format!("{base}/*")];
    let trimmed = prefix.trim_end_matches('/');
    if !trimmed.is_empty() {
        out.push(format!("{base}/{trimmed}"));
        out.push(format!("{base}/{trimmed}/*"));
    }
    out
}

/// Every S3 location the inventory's resources train on or retrieve from.
fn sources(inventory: &Inventory) -> Vec<Source<'_>> {
    let mut out = Vec::new();
    let mut push = |resource, location: &str, label: String, usage: String| {
        if let Some((bucket, prefix)) = s3_location(location) {
            out.push(Source {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
                resource,
                label,
                usage,
            });
        }
    };
    let items = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    for job in inventory.of_type(SAGEMAKER_TRAINING_JOB) {
        let name = job.config_str("TrainingJobName").unwrap_or_else(|| job.display_name());
        for channel in items(job.config("InputDataConfig")) {
            let Some(uri) = channel
                .pointer("/DataSource/S3DataSource/S3Uri")
                .and_then(Value::as_str)
            else {
                continue;
            };
            let channel_name = channel.get("ChannelName").and_then(Value::as_str).unwrap_or("?");
            push(
                job,
                uri,
                format!("training job {name}"),
                format!("channel {channel_name} reads {uri}"),
            );
        }
    }
    for model in inventory.of_type(BEDROCK_CUSTOM_MODEL) {
        let name = model.config_str("modelName").unwrap_or_else(|| model.display_name());
        if let Some(uri) = model.config_str("trainingDataConfig.s3Uri") {
            push(model, uri, format!("custom model {name}"), format!("trained on {uri}"));
        }
    }
    for kb in inventory.of_type(BEDROCK_KNOWLEDGE_BASE) {
        let name = kb.config_str("name").unwrap_or_else(|| kb.display_name());
        for source in items(kb.config("dataSources")) {
            let Some(arn) = source.get("bucketArn").and_then(Value::as_str) else {
                continue;
            };
            let source_name = source.get("name").and_then(Value::as_str).unwrap_or("?");
            push(
                kb,
                arn,
                format!("knowledge base {name}"),
                format!("data source {source_name} ingests {arn}"),
            );
        }
    }
    out
}
