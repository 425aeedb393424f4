//! Bedrock model invocation logging was switched off: prompts and responses stop being recorded.

use super::{caller_note, long_lived_caller};
use crate::rules::prelude::*;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.invocation_logging_deleted",
        title: "Bedrock model invocation logging deleted",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1562.008"],
        description: "The Bedrock model invocation logging configuration of a region was deleted \
            (DeleteModelInvocationLoggingConfiguration). From then on no prompt, response or \
            token count of that region reaches S3 or CloudWatch, so model abuse (LLMjacking, \
            jailbreaks, data extraction) leaves no record beyond the CloudTrail management \
            event. Attackers do this right before running a model on stolen credentials. High; \
            critical when the caller is the root user or used a long-term (AKIA) access key, the \
            usual shape of leaked credentials.",
        remediation: "Restore the logging configuration (PutModelInvocationLoggingConfiguration, \
            or from infrastructure code) with S3 and/or CloudWatch destinations and text delivery \
            on. Find out who deleted it: if unplanned, deactivate the caller's keys and review \
            the Bedrock invocations made in the region since the deletion. Deny \
            bedrock:DeleteModelInvocationLoggingConfiguration with a service control policy.",
        controls: &[],
        events: &[("bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/bedrock/DeleteModelInvocationLoggingConfiguration.json",
                "events/bedrock/DeleteModelInvocationLoggingConfiguration-long-term-key.json",
            ],
            must_not_fire: &["events/bedrock/DeleteModelInvocationLoggingConfiguration-denied.json"],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let severity = if long_lived_caller(ev) {
        Severity::Critical
    } else {
        RULE.metadata.severity
    };
    Some(Hit::new(
        severity,
        format!(
            "deleted the Bedrock model invocation logging configuration{}",
            caller_note(ev)
        ),
    ))
}
