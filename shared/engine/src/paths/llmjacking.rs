//! LLMjacking without a trace: an IAM user with a live long-term credential (an Active access
//! key, or an Active Bedrock API key that has not expired) may invoke Bedrock models in a
//! region where Bedrock model invocation logging is off. A leaked key then runs up model bills
//! (or serves someone else's traffic) with no record of the prompts and responses; only
//! CloudTrail's management events show the calls.
//!
//! Steps: user (its live credentials) → the Bedrock models of the region (the policy and
//! resource pattern that allow invoking them) → the region's Bedrock settings (no
//! `loggingConfig`). One path per user and region; a region without a settings snapshot is
//! unknown and makes none.

use serde_json::Value;

use crate::inventory::types::BEDROCK_SETTINGS;
use crate::policy::{Policy, wildcard_match};
use crate::resource::ResourceSnapshot;
use crate::severity::Severity;
use crate::time::parse_millis;

use super::index::{Index, Principal};
use super::{AttackPath, PathKind, Step};

pub const KIND: PathKind = PathKind {
    kind: "path.llmjacking_without_trace",
    title: "Long-term user key may invoke Bedrock models where invocations are not logged",
    severity: Severity::High,
    techniques: &["T1078.004", "T1496", "T1562.008", "AML.T0040", "AML.T0034"],
    description: "An IAM user holds an Active access key or Bedrock API key and is allowed to invoke Bedrock models \
        (bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream; Converse calls are authorized by these) in a \
        region whose Bedrock settings have no model invocation logging. Stolen long-term keys are the usual way \
        into LLMjacking; without invocation logs the abuse leaves no record of what was asked or generated.",
    remediation: "Turn on Bedrock model invocation logging (S3 or CloudWatch Logs) in every region Bedrock is used, \
        replace the user's long-term keys with roles (or short-term Bedrock API keys), and scope its Bedrock \
        permissions to the models and regions it needs.",
};

/// The actions that invoke a model and are recorded by model invocation logging.
pub const INVOKE_ACTIONS: &[&str] = &["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

/// The users with a live key that may invoke models in a region without invocation logging.
pub(super) fn find(index: &Index) -> Vec<AttackPath> {
    let now = parse_millis(&index.inventory.collected_at);
    let unlogged: Vec<&ResourceSnapshot> = index
        .inventory
        .of_type(BEDROCK_SETTINGS)
        .filter(|s| s.config("loggingConfig").is_none_or(Value::is_null))
        .collect();
    let mut out = Vec::new();
    for user in &index.users {
        let credentials = live_credentials(user, now);
        if credentials.is_empty() {
            continue;
        }
        for settings in unlogged.iter().filter(|s| s.account == user.account()) {
            let region = settings.region.as_str();
            let partition = settings.arn.split(':').nth(1).unwrap_or("aws");
            // Every model of the region: a Deny (in any of the user's policies) whose
            // resources cover it takes the grant back there.
            let models = format!("arn:{partition}:bedrock:{region}::foundation-model/*");
            let Some((action, policy, pattern)) = INVOKE_ACTIONS.iter().find_map(|&action| {
                if user.denies(action, &models) {
                    return None;
                }
                user.policies
                    .iter()
                    .find_map(|p| region_grant(&p.policy, action, region).map(|r| (action, &p.name, r)))
            }) else {
                continue;
            };
            let steps = vec![
                Step::on(user.snapshot, format!("user {}", user.name()), credentials.join("; ")),
                Step::new(
                    &models,
                    "AWS::Bedrock::FoundationModel",
                    format!("Bedrock models in {region}"),
                    format!("{policy} allows {action} on {pattern}"),
                ),
                Step::on(
                    settings,
                    format!("no invocation logging in {region}"),
                    format!(
                        "the Bedrock settings of account {} in {region} have no loggingConfig",
                        settings.account
                    ),
                ),
            ];
            out.push(AttackPath::new(
                &KIND,
                format!(
                    "User {} has a live key that may invoke Bedrock models in {region}, where invocations are not logged",
                    user.name()
                ),
                KIND.severity,
                &settings.account,
                region,
                steps,
            ));
        }
    }
    out
}

/// The user's live long-term credentials, described: Active access keys, and Active Bedrock
/// API keys whose `ExpirationDate` is not before `now` (collection time, epoch millis).
fn live_credentials(user: &Principal, now: Option<i64>) -> Vec<String> {
    let list = |key: &str| -> Vec<&Value> {
        user.snapshot
            .config(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let active = |v: &Value| field(v, "Status").is_some_and(|s| s.eq_ignore_ascii_case("Active"));
    let mut out = Vec::new();
    for key in list("AccessKeys").into_iter().filter(|k| active(k)) {
        let id = field(key, "AccessKeyId").unwrap_or_else(|| "?".into());
        let used = field(key, "LastUsedDate").map_or_else(|| "never used".into(), |d| format!("last used {d}"));
        out.push(format!("Active access key {id} ({used})"));
    }
    for key in list("ServiceSpecificCredentials").into_iter().filter(|k| active(k)) {
        if field(key, "ServiceName").as_deref() != Some("bedrock.amazonaws.com") {
            continue;
        }
        let expires = field(key, "ExpirationDate");
        let expired = match (expires.as_deref().and_then(parse_millis), now) {
            (Some(at), Some(now)) => at < now,
            _ => false,
        };
        if expired {
            continue;
        }
        let id = field(key, "ServiceSpecificCredentialId").unwrap_or_else(|| "?".into());
        let until = expires.map_or_else(|| "no expiry".into(), |d| format!("expires {d}"));
        out.push(format!("Active Bedrock API key {id} ({until})"));
    }
    out
}

/// The resource pattern through which an Allow statement of `policy` grants `action` on a
/// Bedrock resource in `region` (`*`, `arn:aws:bedrock:us-*::foundation-model/*`…); `None`
/// when none does or an unconditioned Deny takes the action back ([`Policy::allows`]).
pub(crate) fn region_grant(policy: &Policy, action: &str, region: &str) -> Option<String> {
    if !policy.allows(action, "*") {
        return None;
    }
    policy
        .statements
        .iter()
        .filter(|st| st.allow && st.actions.iter().any(|p| wildcard_match(p, action)) != st.not_action)
        .find_map(|st| {
            if st.not_resource {
                Some(format!("every resource but {}", st.resources.join(", ")))
            } else {
                st.resources.iter().find(|r| reaches(r, region)).cloned()
            }
        })
}

/// True when an ARN pattern may name a Bedrock resource in `region`: `*`, or its service and
/// region fields match (a field the pattern does not reach is covered by its last `*`).
fn reaches(pattern: &str, region: &str) -> bool {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let field = |i: usize, want: &str| parts.get(i).is_none_or(|p| wildcard_match(p, want));
    pattern == "*" || (parts[0] == "arn" && field(2, "bedrock") && field(3, region))
}
