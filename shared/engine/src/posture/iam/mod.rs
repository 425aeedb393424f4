//! AWS IAM, for the principals of the AI inventory: long-lived credentials that reach
//! Bedrock, and AI roles others can assume.

mod bedrock_api_key_without_expiry;
mod bedrock_user_old_access_key;
mod role_trusted_outside_organization;

use serde_json::Value;

use super::PostureCheck;
use crate::posture::support::text;

/// The IAM posture checks.
pub fn all() -> Vec<Box<dyn PostureCheck>> {
    vec![
        Box::new(bedrock_user_old_access_key::CHECK),
        Box::new(bedrock_api_key_without_expiry::CHECK),
        Box::new(role_trusted_outside_organization::CHECK),
    ]
}

/// True when a credential of a user snapshot (an access key, a service-specific credential)
/// has `Status` Active.
fn active(credential: &Value) -> bool {
    text(credential, "Status").is_some_and(|s| s.trim().eq_ignore_ascii_case("Active"))
}
