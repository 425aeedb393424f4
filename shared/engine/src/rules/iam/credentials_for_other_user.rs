//! Access keys or a console password were created or reset for a user other than the caller.

use super::caller_user_name;
use crate::rules::prelude::*;
use crate::rules::support::req_name;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "iam.credentials_for_other_user",
        title: "Credentials created for another IAM user",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098.001", "T1078.004"],
        description: "An access key was created (CreateAccessKey), or a console password created \
            or reset (CreateLoginProfile, UpdateLoginProfile), for an IAM user other than the \
            caller. Minting credentials for someone else's user is a standard way to keep access \
            after a compromise: the new key or password survives when the stolen one is revoked, \
            and it runs under another name. Any call naming a user made by a role session, the \
            root user or a federated identity counts as \"another user\", since those callers \
            are not IAM users themselves. User names are compared case-insensitively, as IAM does.",
        remediation: "Ask the caller and the user's owner whether the credential was requested. \
            If not, deactivate and delete the new access key (or delete the login profile), \
            rotate the user's other credentials, and investigate how the caller's own \
            credentials were obtained.",
        controls: &[],
        events: &[
            ("iam.amazonaws.com", "CreateAccessKey"),
            ("iam.amazonaws.com", "CreateLoginProfile"),
            ("iam.amazonaws.com", "UpdateLoginProfile"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/iam/CreateAccessKey-other-user.json",
                "events/iam/CreateAccessKey-root-for-user.json",
                "events/iam/CreateLoginProfile.json",
                "events/iam/UpdateLoginProfile.json",
            ],
            must_not_fire: &[
                "events/iam/CreateAccessKey-self.json",
                "events/iam/CreateAccessKey-self-named.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let target = req_name(ev, "userName")?;
    if caller_user_name(ev).is_some_and(|me| me.eq_ignore_ascii_case(target)) {
        return None;
    }
    let what = match ev.name() {
        "CreateAccessKey" => "created an access key",
        "CreateLoginProfile" => "created a console password",
        _ => "reset the console password",
    };
    Some(
        Hit::new(RULE.metadata.severity, format!("{what} for IAM user {target}"))
            .resource(Some(target))
            .resource(ev.resp_str("accessKey.accessKeyId")),
    )
}
