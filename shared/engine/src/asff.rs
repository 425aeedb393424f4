//! Findings in the AWS Security Finding Format (ASFF), for AWS Security Hub's
//! `BatchImportFindings` (the AWS Security Finding Format reference and the `AwsSecurityFinding`
//! API reference give the fields and limits used here).
//!
//! - `Id` is `aidr/<dedupe key>` (bounded to 512 bytes, stably): a repeat of an alert imports
//!   as an update of the same Security Hub finding.
//! - `ProductArn` is the account's default integration ([`default_product_arn`]), which
//!   accepts findings from the account itself.
//! - `Types` follow ASFF's `namespace/category/classifier` form, from the finding's MITRE
//!   techniques ([`finding_type`]); a posture finding is a
//!   `Software and Configuration Checks/AWS Security Best Practices/<rule id>`.
//! - Text is cut to ASFF's limits: `Title` 256, `Description` 1,024,
//!   `Remediation.Recommendation.Text` 512, `ProductFields` 50 pairs of keys up to 128 and
//!   values up to 2,048, `Resources` 32, `Types` 50.

use serde_json::{Map, Value, json};

use crate::finding::Finding;
use crate::notify::{CONSOLE_DOMAIN, credential_label, finding_event_url, service};
use crate::severity::Severity;
use crate::text::{bounded_key, truncate};
use crate::time::format_millis;

/// The ASFF version the mapping follows.
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// `Title` (ASFF).
pub const TITLE_MAX: usize = 256;
/// `Description` (ASFF).
pub const DESCRIPTION_MAX: usize = 1024;
/// `Remediation.Recommendation.Text` (ASFF).
pub const RECOMMENDATION_MAX: usize = 512;
/// `Id` (ASFF).
pub const ID_MAX: usize = 512;
/// Pairs in `ProductFields`, and the length of a key and of a value (ASFF).
pub const MAX_PRODUCT_FIELDS: usize = 50;
pub const PRODUCT_FIELD_KEY_MAX: usize = 128;
pub const PRODUCT_FIELD_VALUE_MAX: usize = 2048;
/// Entries of `Resources` (ASFF).
pub const MAX_RESOURCES: usize = 32;
/// Entries of `Types` (ASFF).
pub const MAX_TYPES: usize = 50;

/// Why a finding cannot be written in ASFF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsffError {
    /// `AwsAccountId` and `Region` are required: the finding names no account or region.
    #[error("finding {rule_id} names no {missing}, which ASFF requires")]
    Missing { rule_id: String, missing: &'static str },
}

/// The product ARN of an account's default integration in a region, which takes the
/// account's own findings: `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`.
pub fn default_product_arn(region: &str, account: &str) -> String {
    let partition = partition_of_region(region);
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// The default product ARN of a finding's account and region, when it names both.
pub fn product_arn_of(f: &Finding) -> Option<String> {
    Some(default_product_arn(finding_region(f)?, f.account.as_deref()?))
}

/// The region a finding is reported in: its own, or for a global resource (IAM snapshots
/// have region `global`, as in AWS Config) the home region of IAM in the resource's partition
/// (`us-east-1`, `cn-north-1`, `us-gov-west-1`), where Security Hub reports global resources.
fn finding_region(f: &Finding) -> Option<&str> {
    let region = f.region.as_deref().filter(|r| !r.is_empty())?;
    if region != "global" {
        return Some(region);
    }
    let partition = f.resource().and_then(|r| r.arn.split(':').nth(1)).unwrap_or("aws");
    Some(match partition {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    })
}

/// The ASFF finding of `f` for the product `product_arn`, updated at `now` (RFC 3339 UTC,
/// such as `2026-10-01T00:00:00Z`). `CreatedAt`, `FirstObservedAt` and `LastObservedAt` are the
/// finding's event (or observation) time, `now` when it has none.
///
/// # Errors
/// [`AsffError::Missing`] when the finding names no account or no region.
pub fn to_asff(f: &Finding, product_arn: &str, now: &str) -> Result<Value, AsffError> {
    let missing = |what| AsffError::Missing {
        rule_id: f.rule_id.clone(),
        missing: what,
    };
    let account = f
        .account
        .as_deref()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| missing("account"))?;
    let region = finding_region(f).ok_or_else(|| missing("region"))?;
    let observed = f.time_millis().map_or_else(|| now.to_owned(), format_millis);
    let severity = json!({ "Label": label(f.severity), "Original": f.severity.as_str() });
    let types = types(f);
    let description = if f.summary.trim().is_empty() {
        &f.title
    } else {
        &f.summary
    };
    let mut finding = json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": bounded_key(&format!("aidr/{}", f.dedupe_key), ID_MAX),
        "ProductArn": product_arn,
        "ProductName": "aidr",
        "CompanyName": "aidr",
        "GeneratorId": truncate(&f.rule_id, 512),
        "AwsAccountId": account,
        "Region": region,
        "Types": types,
        "CreatedAt": observed,
        "UpdatedAt": now,
        "FirstObservedAt": observed,
        "LastObservedAt": observed,
        "Severity": severity,
        "Title": truncate(&f.title, TITLE_MAX),
        "Description": truncate(description, DESCRIPTION_MAX),
        "Remediation": { "Recommendation": { "Text": truncate(&f.remediation, RECOMMENDATION_MAX) } },
        "ProductFields": product_fields(f),
        "Resources": resources(f, account, region),
        "Workflow": { "Status": "NEW" },
        "RecordState": "ACTIVE",
        "FindingProviderFields": { "Severity": severity, "Types": types },
    });
    if let Some(url) = finding_event_url(f, CONSOLE_DOMAIN) {
        finding["SourceUrl"] = json!(url);
    }
    if f.remediation.trim().is_empty() {
        finding.as_object_mut().map(|o| o.remove("Remediation"));
    }
    Ok(finding)
}

/// ASFF `Severity.Label` of an aidr severity (info is `INFORMATIONAL`).
pub fn label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// The ASFF type of one MITRE technique, `namespace/category/classifier` with the technique
/// id as classifier; `None` for a technique not mapped. The category is the technique's ATT&CK
/// tactic in ASFF's `TTPs` namespace, or for techniques whose point is the damage done, the
/// `Effects` category of that damage. Techniques with several tactics take the one aidr's
/// rules detect them for:
/// - Initial Access: T1078 Valid Accounts, T1133 External Remote Services, T1190, T1199,
///   AML.T0010 (supply chain), AML.T0040 (model inference API access);
/// - Execution: T1059, AML.T0053 (agent tool invocation); Persistence: T1098;
/// - Privilege Escalation: T1484, T1548, AML.T0054 (LLM jailbreak);
/// - Defense Evasion: T1027, T1535 (unused regions), T1562 (impair defenses);
/// - Credential Access: T1552; Discovery: T1526, T1580; Collection: T1530;
///   Command and Control: T1105;
/// - Effects: Resource Consumption (T1496, AML.T0034 cost harvesting), Data Exfiltration
///   (T1048, T1537, AML.T0025), Data Destruction (T1485), Data Exposure (AML.T0044 full model
///   access).
pub fn finding_type(technique: &str) -> Option<String> {
    let base = technique
        .split('.')
        .take(if technique.starts_with("AML.") { 2 } else { 1 });
    let base: Vec<&str> = base.collect();
    let category = match base.join(".").as_str() {
        "T1078" | "T1133" | "T1190" | "T1199" | "AML.T0010" | "AML.T0040" => "TTPs/Initial Access",
        "T1059" | "AML.T0053" => "TTPs/Execution",
        "T1098" => "TTPs/Persistence",
        "T1484" | "T1548" | "AML.T0054" => "TTPs/Privilege Escalation",
        "T1027" | "T1535" | "T1562" => "TTPs/Defense Evasion",
        "T1552" => "TTPs/Credential Access",
        "T1526" | "T1580" => "TTPs/Discovery",
        "T1530" => "TTPs/Collection",
        "T1105" => "TTPs/Command and Control",
        "T1496" | "AML.T0034" => "Effects/Resource Consumption",
        "T1048" | "T1537" | "AML.T0025" => "Effects/Data Exfiltration",
        "T1485" => "Effects/Data Destruction",
        "AML.T0044" => "Effects/Data Exposure",
        _ => return None,
    };
    Some(format!("{category}/{technique}"))
}

/// The finding's types: a posture finding's check, or its techniques' types; an event finding
/// with none mapped is `Unusual Behaviors/User/<rule id>`.
fn types(f: &Finding) -> Vec<String> {
    if f.resource().is_some() {
        return vec![format!(
            "Software and Configuration Checks/AWS Security Best Practices/{}",
            f.rule_id
        )];
    }
    let mut types: Vec<String> = Vec::new();
    for t in f.techniques.iter().filter_map(|t| finding_type(t)) {
        if !types.contains(&t) && types.len() < MAX_TYPES {
            types.push(t);
        }
    }
    if types.is_empty() {
        types.push(format!("Unusual Behaviors/User/{}", f.rule_id));
    }
    types
}

/// `aidr/…` pairs: the rule, area, dedupe key, CloudTrail event ids and caller.
fn product_fields(f: &Finding) -> Map<String, Value> {
    let mut fields = Map::new();
    let mut put = |key: &str, value: &str| {
        if !value.trim().is_empty() && fields.len() < MAX_PRODUCT_FIELDS {
            let key = truncate(&format!("aidr/{key}"), PRODUCT_FIELD_KEY_MAX).into_owned();
            fields.insert(key, json!(truncate(value, PRODUCT_FIELD_VALUE_MAX)));
        }
    };
    put("RuleId", &f.rule_id);
    put("Area", f.area.as_str());
    put("DedupeKey", &f.dedupe_key);
    put("DedupeWindowSeconds", &f.dedupe_window_secs.to_string());
    if !f.techniques.is_empty() {
        put("Techniques", &f.techniques.join(","));
    }
    if let Some(e) = f.evidence() {
        put("EventIds", &e.event_ids.join(","));
        put("EventCount", &e.event_ids.len().to_string());
        put("EventSource", &e.event_source);
        put("EventName", &e.event_name);
        put("ErrorCode", e.error_code.as_deref().unwrap_or(""));
        put("PrincipalArn", e.principal.arn.as_deref().unwrap_or(&e.principal.name));
        put("AccessKeyId", e.principal.access_key_id.as_deref().unwrap_or(""));
        put("Credential", credential_label(f).unwrap_or(""));
        put("SourceIp", e.source_ip.as_deref().unwrap_or(""));
    }
    if let Some(s) = service(f) {
        put("Service", &s);
    }
    fields
}

/// The finding's resources (at most [`MAX_RESOURCES`]), typed when the ARN tells an ASFF
/// resource type; when it has none, the account (`AwsAccount`, as Security Hub names one).
fn resources(f: &Finding, account: &str, region: &str) -> Vec<Value> {
    let mut out: Vec<Value> = f
        .resources
        .iter()
        .filter(|r| !r.trim().is_empty())
        .take(MAX_RESOURCES)
        .map(|arn| {
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let is_arn = parts.len() == 6 && parts[0] == "arn";
            let partition = match parts.get(1).copied() {
                Some(p @ ("aws" | "aws-cn" | "aws-us-gov")) if is_arn => p,
                _ => partition_of_region(region),
            };
            let resource_region = parts
                .get(3)
                .filter(|r| is_arn && !r.is_empty())
                .copied()
                .unwrap_or(region);
            let kind = match f.resource() {
                Some(r) if r.arn == *arn => resource_type(&r.resource_type, arn),
                _ => resource_type("", arn),
            };
            json!({ "Type": kind, "Id": arn, "Partition": partition, "Region": resource_region })
        })
        .collect();
    if out.is_empty() {
        out.push(json!({
            "Type": "AwsAccount",
            "Id": format!("AWS::::Account:{account}"),
            "Partition": partition_of_region(region),
            "Region": region,
        }));
    }
    out
}

/// The ASFF type of a resource, from its CloudFormation type or its ARN; `Other` when neither
/// names a type ASFF has.
fn resource_type(cfn_type: &str, arn: &str) -> &'static str {
    match cfn_type {
        "AWS::SageMaker::NotebookInstance" => return "AwsSageMakerNotebookInstance",
        "AWS::IAM::Role" => return "AwsIamRole",
        "AWS::IAM::User" => return "AwsIamUser",
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => return "AwsIamPolicy",
        "AWS::S3::Bucket" => return "AwsS3Bucket",
        "AWS::KMS::Key" => return "AwsKmsKey",
        "AWS::Lambda::Function" => return "AwsLambdaFunction",
        _ => {}
    }
    let mut parts = arn.splitn(6, ':');
    let (service, resource) = (parts.nth(2).unwrap_or(""), parts.nth(2).unwrap_or(""));
    match (service, resource) {
        ("iam", r) if r.starts_with("role/") => "AwsIamRole",
        ("iam", r) if r.starts_with("user/") => "AwsIamUser",
        ("iam", r) if r.starts_with("policy/") => "AwsIamPolicy",
        ("s3", r) if !r.is_empty() && !r.contains('/') => "AwsS3Bucket",
        ("kms", r) if r.starts_with("key/") => "AwsKmsKey",
        ("lambda", r) if r.starts_with("function:") => "AwsLambdaFunction",
        ("sagemaker", r) if r.starts_with("notebook-instance/") => "AwsSageMakerNotebookInstance",
        _ => "Other",
    }
}

/// The partition of a region: `aws-cn` for `cn-…`, `aws-us-gov` for `us-gov-…`, else `aws`.
pub(crate) fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}
