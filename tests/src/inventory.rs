//! What the inventory collector's end-to-end tests and the command line's live collection tests
//! share: a fresh member account per test, and what moto lacks (gaps, never failures).

use std::sync::atomic::{AtomicU64, Ordering};

/// An account id no other test uses (moto keeps state per account, and lets any role there be
/// assumed): from `base` on, by process and call.
pub fn fresh_account(base: u64) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = u64::from(std::process::id()) * 100 + N.fetch_add(1, Ordering::SeqCst);
    format!("{:012}", base + n % 100_000_000_000)
}

/// The regional calls moto 5.2.5 does not implement (it answers HTTP 500 with an HTML page).
pub const MOTO_LACKS_PER_REGION: &[(&str, &str)] = &[
    ("bedrock", "ListImportedModels"),
    ("bedrock", "ListProvisionedModelThroughputs"),
    ("bedrock", "ListGuardrails"),
    ("bedrock", "ListInferenceProfiles"),
    ("sagemaker", "ListNotebookInstanceLifecycleConfigs"),
    ("sagemaker", "ListUserProfiles"),
];

/// The listings moto 5.2.5 answers in a way the SDK cannot read once they have items
/// (`ListAgents`: HTTP 500; `ListKnowledgeBases`: times as numbers, not RFC 3339 text).
pub const MOTO_CANNOT_LIST: &[(&str, &str)] =
    &[("bedrock-agent", "ListAgents"), ("bedrock-agent", "ListKnowledgeBases")];

/// The account-wide calls moto 5.2.5 does not implement (asked once the account has a user).
pub const MOTO_LACKS_PER_ACCOUNT: &[(&str, &str)] = &[("iam", "ListServiceSpecificCredentials")];
