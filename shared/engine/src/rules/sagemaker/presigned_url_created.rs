//! A presigned URL was made to log in to a notebook instance or a Studio user profile.

use crate::rules::prelude::*;
use crate::rules::support::or_unknown;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "sagemaker.presigned_url_created",
        title: "SageMaker presigned notebook or Studio URL created",
        severity: Severity::Low,
        area: Area::Access,
        techniques: &["T1078.004", "T1133"],
        description: "A presigned URL was created for a notebook instance \
            (CreatePresignedNotebookInstanceUrl) or a Studio user profile \
            (CreatePresignedDomainUrl). Whoever holds the URL gets a Jupyter or Studio session \
            without signing in to the console, and from there a terminal running with the \
            notebook's or profile's execution role: a way to turn API credentials into \
            interactive access to data and roles. The console makes these calls too, so the \
            finding is low; it is medium when the caller used a long-term access key (AKIA) or \
            the root user, which is how stolen keys are typically used.",
        remediation: "Confirm the caller meant to open the notebook or Studio. If not, stop \
            the notebook instance or delete the Studio apps of the profile to end the session, \
            deactivate the caller's keys, and review what the execution role did since. Limit \
            sagemaker:CreatePresigned* to the people who own each notebook or profile, and \
            restrict them by source IP with the aws:SourceIp condition.",
        controls: &[],
        events: &[
            ("sagemaker.amazonaws.com", "CreatePresignedNotebookInstanceUrl"),
            ("sagemaker.amazonaws.com", "CreatePresignedDomainUrl"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::PRINCIPAL_DAY,
        samples: Samples {
            must_fire: &[
                "events/sagemaker/CreatePresignedNotebookInstanceUrl.json",
                "events/sagemaker/CreatePresignedDomainUrl-access-key.json",
            ],
            must_not_fire: &["events/sagemaker/CreatePresignedNotebookInstanceUrl-denied.json"],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let (target, resource) = if ev.name() == "CreatePresignedDomainUrl" {
        let profile = ev.req_str("userProfileName");
        let domain = ev.req_str("domainId");
        let mut target = format!(
            "Studio user profile {} in domain {}",
            or_unknown(profile),
            or_unknown(domain)
        );
        if let Some(space) = ev.req_str("spaceName") {
            target.push_str(&format!(" (space {space})"));
        }
        let resource = domain.map(|d| format!("{d}/{}", profile.unwrap_or("")));
        (target, resource)
    } else {
        let name = ev.req_str("notebookInstanceName");
        (
            format!("notebook instance {}", or_unknown(name)),
            name.map(str::to_owned),
        )
    };
    let p = ev.principal();
    let (severity, how) = if p.is_root() {
        (Severity::Medium, " as root")
    } else if p.long_term_key() {
        (Severity::Medium, " with a long-term access key")
    } else {
        (RULE.metadata.severity, "")
    };
    Some(Hit::new(severity, format!("created a presigned login URL for {target}{how}")).resource(resource))
}
