//! The IAM user behind a Bedrock long-term API key acted outside Bedrock: the identity is being
//! used as a general credential.

use super::API_KEY_USER_PREFIX;
use crate::rules::EventRule;
use crate::rules::prelude::*;

const STS: &str = "sts.amazonaws.com";
const IAM: &str = "iam.amazonaws.com";

/// The calls a general credential makes first: who am I, what may I do, then persistence,
/// spending and console access (the key-checker order in LLMjacking write-ups, and Elastic's
/// "Bedrock API key phantom user" rules). A list, not every event: a rule that read every
/// record would make the scanner parse every record; only records that name a
/// `BedrockAPIKey-` user are parsed for it (see [`EventRule::needle`]).
const CALLS: &[(&str, &str)] = &[
    (STS, "GetCallerIdentity"),
    (STS, "GetSessionToken"),
    (STS, "GetFederationToken"),
    (STS, "AssumeRole"),
    (IAM, "GetUser"),
    (IAM, "ListUsers"),
    (IAM, "ListAttachedUserPolicies"),
    (IAM, "ListUserPolicies"),
    (IAM, "GetPolicy"),
    (IAM, "GetPolicyVersion"),
    (IAM, "ListAccessKeys"),
    (IAM, "CreateAccessKey"),
    (IAM, "CreateLoginProfile"),
    (IAM, "UpdateLoginProfile"),
    (IAM, "CreateUser"),
    (IAM, "AttachUserPolicy"),
    (IAM, "PutUserPolicy"),
    (IAM, "AddUserToGroup"),
    (IAM, "CreateServiceSpecificCredential"),
    ("s3.amazonaws.com", "ListBuckets"),
    ("ec2.amazonaws.com", "DescribeRegions"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("ec2.amazonaws.com", "RunInstances"),
    ("organizations.amazonaws.com", "DescribeOrganization"),
    ("servicequotas.amazonaws.com", "RequestServiceQuotaIncrease"),
    ("signin.amazonaws.com", "ConsoleLogin"),
];

pub const RULE: ApiKeyUserActivity = ApiKeyUserActivity(Metadata {
    id: "bedrock.api_key_user_activity",
    title: "Bedrock API key user acted outside Bedrock",
    severity: Severity::Medium,
    area: Area::Access,
    techniques: &["T1078.004", "T1098.001"],
    description: "An IAM user named BedrockAPIKey-*, the identity the Bedrock console creates to \
        hold a long-term Bedrock API key, called another service: STS, IAM, S3, EC2, \
        Organizations, Service Quotas, or signed in to the console. Such a user exists only for \
        Bedrock calls with its API key; anything else means someone gave it ordinary \
        credentials (an access key or a password) and uses it as a general identity. Medium for \
        reads (discovery: who am I, what may I do); high for writes, sign-ins and new \
        credentials. Failed calls (and failed sign-ins) count at medium: a denied attempt \
        still shows the identity in use.",
    remediation: "Deactivate and delete any access key or console password of the BedrockAPIKey \
        user, and deactivate its Bedrock API key if its use is not expected. Deny \
        iam:CreateAccessKey and iam:CreateLoginProfile on user/BedrockAPIKey-* with an SCP, and \
        review what the identity did.",
    controls: &[],
    events: CALLS,
    resource_types: &[],
    failed_calls: true,
    alert: AlertScope::DEFAULT,
    samples: Samples {
        must_fire: &[
            "events/sts/GetCallerIdentity-bedrock-api-key-user.json",
            "events/iam/CreateUser-bedrock-api-key-user.json",
        ],
        must_not_fire: &["events/sts/GetCallerIdentity.json"],
    },
});

/// The rule, with a needle: only records naming a `BedrockAPIKey-` user are parsed for it.
pub struct ApiKeyUserActivity(Metadata);

impl EventRule for ApiKeyUserActivity {
    fn metadata(&self) -> &Metadata {
        &self.0
    }

    fn evaluate(&self, ev: &Event<'_, '_>, _: &Organization) -> Option<Hit> {
        let user = ev.principal().user_name()?;
        if !user.starts_with(API_KEY_USER_PREFIX) {
            return None;
        }
        let read = ev.record.read_only.unwrap_or_else(|| {
            ["Get", "List", "Describe"]
                .iter()
                .any(|verb| ev.name().starts_with(verb))
        });
        // A failed sign-in is recorded as a success of the call with `ConsoleLogin: Failure`.
        let failed_sign_in = ev.resp_str("ConsoleLogin") == Some("Failure");
        let severity = if read || ev.failed() || failed_sign_in {
            Severity::Medium
        } else {
            Severity::High
        };
        let service = ev.record.source().trim_end_matches(".amazonaws.com");
        let verb = if ev.failed() || failed_sign_in {
            "tried to call"
        } else {
            "called"
        };
        let action = format!(
            "(the identity of a Bedrock API key) {verb} {service}:{} outside Bedrock",
            ev.name()
        );
        Some(Hit::new(severity, action).resource(Some(user)))
    }

    fn needle(&self) -> Option<&'static str> {
        Some(API_KEY_USER_PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::RULE;
    use crate::cloudtrail::{Event, Record};
    use crate::detection::Organization;
    use crate::rules::EventRule;
    use crate::severity::Severity;

    #[test]
    fn a_failed_sign_in_is_medium_and_says_so() {
        let text = json!({
            "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "readOnly": false,
            "userIdentity": {"type": "IAMUser", "userName": "BedrockAPIKey-x7q2",
                             "arn": "arn:aws:iam::111122223333:user/BedrockAPIKey-x7q2"},
            "responseElements": {"ConsoleLogin": "Failure"}
        })
        .to_string();
        let record: Record = serde_json::from_str(&text).unwrap();
        let hit = RULE.evaluate(&Event::new(&record), &Organization::default()).unwrap();
        assert_eq!(hit.severity, Severity::Medium);
        assert!(
            hit.action.contains("tried to call signin:ConsoleLogin"),
            "{}",
            hit.action
        );
        let text = text.replace("Failure", "Success");
        let record: Record = serde_json::from_str(&text).unwrap();
        let hit = RULE.evaluate(&Event::new(&record), &Organization::default()).unwrap();
        assert_eq!(hit.severity, Severity::High);
    }
}
