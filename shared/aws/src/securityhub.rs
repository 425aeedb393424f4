//! The engine's [`FindingsHub`] port on AWS Security Hub: ASFF findings as
//! [`aidr_engine::asff::to_asff`] writes them, imported with `BatchImportFindings`. A finding
//! with an `Id` Security Hub already has is updated in place.

use std::collections::HashMap;

use aidr_engine::ports::{FailedFinding, FindingsHub, ImportResult, PublishError};
use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::error::DisplayErrorContext;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, FindingProviderFields, FindingProviderSeverity, Partition, Recommendation, RecordState,
    Remediation, Resource, Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use serde_json::Value;

use crate::failure::{code_failure_kind, failure_kind};

/// Imports findings into the Security Hub of the client's account and region.
#[derive(Clone, Debug)]
pub struct SecurityHub {
    client: Client,
}

impl SecurityHub {
    /// Security Hub reached through `client`.
    pub fn new(client: Client) -> SecurityHub {
        SecurityHub { client }
    }
}

impl FindingsHub for SecurityHub {
    async fn import(&self, findings: &[Value]) -> Result<ImportResult, PublishError> {
        let findings = findings
            .iter()
            .map(to_sdk_finding)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|why| PublishError::permanent(format!("not an ASFF finding Security Hub takes: {why}")))?;
        let sent = findings.len();
        let output = self
            .client
            .batch_import_findings()
            .set_findings(Some(findings))
            .send()
            .await
            .map_err(|e| PublishError {
                kind: failure_kind(&e),
                message: format!("Security Hub BatchImportFindings: {}", DisplayErrorContext(e)),
            })?;
        let failed: Vec<FailedFinding> = output
            .failed_findings()
            .iter()
            .map(|e| {
                let code = e.error_code().unwrap_or("").to_owned();
                FailedFinding {
                    id: e.id().unwrap_or("").to_owned(),
                    kind: code_failure_kind(&code),
                    code,
                    message: e.error_message().unwrap_or("").to_owned(),
                }
            })
            .collect();
        let imported = output
            .success_count()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(sent.saturating_sub(failed.len()));
        Ok(ImportResult { imported, failed })
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn texts(v: &Value, key: &str) -> Option<Vec<String>> {
    let items = v.get(key)?.as_array()?;
    Some(items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
}

fn severity_parts(v: Option<&Value>) -> Option<(SeverityLabel, Option<String>)> {
    let v = v?;
    let label = SeverityLabel::from(text(v, "Label")?);
    Some((label, text(v, "Original").map(str::to_owned)))
}

/// The SDK's finding of an ASFF JSON object, with the fields `to_asff` writes.
///
/// # Errors
/// The first required field (`SchemaVersion`, `Id`, `ProductArn`, `GeneratorId`,
/// `AwsAccountId`, `CreatedAt`, `UpdatedAt`, `Title`, `Description`, `Resources`) that is
/// missing or not of its type.
pub fn to_sdk_finding(asff: &Value) -> Result<AwsSecurityFinding, String> {
    let required = |key: &'static str| text(asff, key).ok_or_else(|| format!("{key} is missing or not a string"));
    let mut finding = AwsSecurityFinding::builder()
        .schema_version(required("SchemaVersion")?)
        .id(required("Id")?)
        .product_arn(required("ProductArn")?)
        .generator_id(required("GeneratorId")?)
        .aws_account_id(required("AwsAccountId")?)
        .created_at(required("CreatedAt")?)
        .updated_at(required("UpdatedAt")?)
        .title(required("Title")?)
        .description(required("Description")?)
        .set_product_name(text(asff, "ProductName").map(str::to_owned))
        .set_company_name(text(asff, "CompanyName").map(str::to_owned))
        .set_region(text(asff, "Region").map(str::to_owned))
        .set_types(texts(asff, "Types"))
        .set_first_observed_at(text(asff, "FirstObservedAt").map(str::to_owned))
        .set_last_observed_at(text(asff, "LastObservedAt").map(str::to_owned))
        .set_source_url(text(asff, "SourceUrl").map(str::to_owned));
    if let Some((label, original)) = severity_parts(asff.get("Severity")) {
        finding = finding.severity(Severity::builder().label(label).set_original(original).build());
    }
    if let Some(recommendation) = asff.pointer("/Remediation/Recommendation/Text").and_then(Value::as_str) {
        let recommendation = Recommendation::builder().text(recommendation).build();
        finding = finding.remediation(Remediation::builder().recommendation(recommendation).build());
    }
    if let Some(fields) = asff.get("ProductFields").and_then(Value::as_object) {
        let fields: HashMap<String, String> = fields
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        finding = finding.set_product_fields(Some(fields));
    }
    let resources = asff
        .get("Resources")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or("Resources is missing or empty")?;
    for r in resources {
        let (Some(kind), Some(id)) = (text(r, "Type"), text(r, "Id")) else {
            return Err(format!("a resource has no Type or Id: {r}"));
        };
        let resource = Resource::builder()
            .r#type(kind)
            .id(id)
            .set_partition(text(r, "Partition").map(Partition::from))
            .set_region(text(r, "Region").map(str::to_owned))
            .build();
        finding = finding.resources(resource);
    }
    if let Some(status) = asff.pointer("/Workflow/Status").and_then(Value::as_str) {
        finding = finding.workflow(Workflow::builder().status(WorkflowStatus::from(status)).build());
    }
    if let Some(state) = text(asff, "RecordState") {
        finding = finding.record_state(RecordState::from(state));
    }
    if let Some(provider) = asff.get("FindingProviderFields") {
        let severity = severity_parts(provider.get("Severity")).map(|(label, original)| {
            FindingProviderSeverity::builder()
                .label(label)
                .set_original(original)
                .build()
        });
        let fields = FindingProviderFields::builder()
            .set_severity(severity)
            .set_types(texts(provider, "Types"))
            .build();
        finding = finding.finding_provider_fields(fields);
    }
    Ok(finding.build())
}

#[cfg(test)]
mod tests {
    use aidr_engine::asff::{product_arn_of, to_asff};
    use aidr_engine::ports::FailureKind;
    use aidr_testkit::samples::sample_findings;
    use aws_sdk_securityhub::types::{Partition, RecordState, SeverityLabel, WorkflowStatus};

    use super::to_sdk_finding;
    use crate::failure::code_failure_kind as refused_kind;

    #[test]
    fn the_asff_of_a_finding_converts_field_by_field() {
        let f = sample_findings("events/bedrock/DeleteGuardrail.json").remove(0);
        let arn = product_arn_of(&f).unwrap();
        let asff = to_asff(&f, &arn, "2027-01-15T08:00:00Z").unwrap();
        let s = to_sdk_finding(&asff).unwrap();
        assert_eq!(s.id(), asff["Id"].as_str());
        assert_eq!(s.product_arn(), Some(arn.as_str()));
        assert_eq!(s.generator_id(), Some(f.rule_id.as_str()));
        assert_eq!(s.aws_account_id(), f.account.as_deref());
        assert_eq!(s.region(), f.region.as_deref());
        assert_eq!(s.updated_at(), Some("2027-01-15T08:00:00Z"));
        assert_eq!(s.created_at(), asff["CreatedAt"].as_str());
        assert_eq!(s.types().len(), asff["Types"].as_array().unwrap().len());
        let severity = s.severity().unwrap();
        assert_eq!(
            (severity.label(), severity.original()),
            (Some(&SeverityLabel::High), Some("high"))
        );
        let fields = s.product_fields().unwrap();
        assert_eq!(fields["aidr/RuleId"], f.rule_id);
        assert_eq!(fields.len(), asff["ProductFields"].as_object().unwrap().len());
        let resource = &s.resources()[0];
        assert_eq!(resource.r#type(), asff["Resources"][0]["Type"].as_str());
        assert_eq!(resource.partition(), Some(&Partition::Aws));
        assert_eq!(s.workflow().and_then(|w| w.status()), Some(&WorkflowStatus::New));
        assert_eq!(s.record_state(), Some(&RecordState::Active));
        let provider = s.finding_provider_fields().unwrap();
        assert_eq!(provider.severity().and_then(|s| s.label()), Some(&SeverityLabel::High));
        assert_eq!(s.source_url(), asff["SourceUrl"].as_str());
    }

    #[test]
    fn a_finding_without_a_required_field_is_refused_before_the_call() {
        let f = sample_findings("events/bedrock/DeleteGuardrail.json").remove(0);
        let mut asff = to_asff(&f, &product_arn_of(&f).unwrap(), "2027-01-15T08:00:00Z").unwrap();
        asff.as_object_mut().unwrap().remove("GeneratorId");
        assert_eq!(
            to_sdk_finding(&asff).unwrap_err(),
            "GeneratorId is missing or not a string"
        );
    }

    #[test]
    fn throttled_and_internal_refusals_are_retried_validation_is_not() {
        for code in [
            "ThrottlingException",
            "LimitExceededException",
            "InternalException",
            "InternalError",
        ] {
            assert_eq!(refused_kind(code), FailureKind::Transient, "{code}");
        }
        for code in ["InvalidInput", "InvalidInputException", "AccessDeniedException", ""] {
            assert_eq!(refused_kind(code), FailureKind::Permanent, "{code}");
        }
    }
}
