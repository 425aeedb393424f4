//! Ordinary credentials were added to the IAM user that backs a Bedrock API key.

use super::API_KEY_USER_PREFIX;
use crate::rules::prelude::*;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.api_key_user_credentials",
        title: "Credentials added to a Bedrock API key user",
        severity: Severity::High,
        area: Area::Access,
        techniques: &["T1098.001"],
        description: "An access key (CreateAccessKey) or a console password (CreateLoginProfile) \
            was created for an IAM user whose name starts with `BedrockAPIKey-`: the user that \
            the console creates to carry a long-term Bedrock API key. Such a user should only \
            ever authenticate with its API key; giving it an access key or a password turns a \
            Bedrock-only credential into a general AWS identity that rarely anyone watches, a \
            persistence trick.",
        remediation: "Delete the new access key or login profile, check what the user's \
            policies allow, and review the activity of the caller who created them.",
        controls: &[],
        events: &[
            ("iam.amazonaws.com", "CreateAccessKey"),
            ("iam.amazonaws.com", "CreateLoginProfile"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/iam/CreateAccessKey-bedrock-api-key.json",
                "events/iam/CreateLoginProfile-bedrock-api-key.json",
            ],
            must_not_fire: &["events/iam/CreateAccessKey-bedrock-api-key-ordinary-user.json"],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    // Without userName, CreateAccessKey acts on the caller's own user.
    let user = ev.req_str("userName").or_else(|| ev.principal().user_name())?;
    if !user.starts_with(API_KEY_USER_PREFIX) {
        return None;
    }
    let (what, id) = match ev.name() {
        "CreateAccessKey" => ("an access key", ev.resp_str("accessKey.accessKeyId")),
        _ => ("a console password", None),
    };
    Some(
        Hit::new(
            RULE.metadata.severity,
            format!("created {what} for Bedrock API key user {user}"),
        )
        .resource(Some(user))
        .resource(id),
    )
}
