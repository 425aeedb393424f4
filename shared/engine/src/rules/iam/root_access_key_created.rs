//! The root user created an access key for itself.

use crate::rules::prelude::*;
use crate::rules::support::req_name;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "iam.root_access_key_created",
        title: "Root user access key created",
        severity: Severity::Critical,
        area: Area::Access,
        techniques: &["T1098.001", "T1078.004"],
        description: "The account root user created an access key for itself (CreateAccessKey by \
            Root with no userName). A root key has unrestricted, unscopable access to the whole \
            account, including every AI resource and its billing, and cannot be limited by IAM \
            policies; AWS advises never to have one. Attackers who reach the root console create \
            one to keep programmatic access. Root creating a key for a named IAM user is \
            reported by iam.credentials_for_other_user instead.",
        remediation: "Unless there is a documented exception, deactivate and delete the key at \
            once, change the root password, verify root MFA, and review all activity by the \
            account root. Consider centralized root access in AWS Organizations to remove root \
            credentials from member accounts.",
        controls: &[],
        events: &[("iam.amazonaws.com", "CreateAccessKey")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::Call,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &["events/iam/CreateAccessKey-root.json"],
            must_not_fire: &[
                "events/iam/CreateAccessKey-root-for-user.json",
                "events/iam/CreateAccessKey-self.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if !ev.principal().is_root() || req_name(ev, "userName").is_some() {
        return None;
    }
    let key = ev.resp_str("accessKey.accessKeyId");
    let what = match key {
        Some(k) => format!("created root access key {k}"),
        None => "created a root access key".to_owned(),
    };
    let root = ev.principal().arn.clone().unwrap_or_else(|| "root".to_owned());
    Some(
        Hit::new(RULE.metadata.severity, what)
            .resource(Some(root))
            .resource(key),
    )
}
