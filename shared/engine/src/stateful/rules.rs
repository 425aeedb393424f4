//! Metadata of the stateful LLMjacking detections: they judge what an identity does over time,
//! not single events, so they live beside the single-event catalog with the same metadata.

use crate::rule::{Examples, Meta};
use crate::severity::{Area, Severity};

const NONE: Examples = Examples {
    triggers: &[],
    ignores: &[],
};

const fn meta(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    techniques: &'static [&'static str],
    description: &'static str,
    remediation: &'static str,
) -> Meta {
    Meta {
        id,
        title,
        severity,
        area: Area::Model,
        techniques,
        description,
        remediation,
        events: super::observe::EVENTS,
        failed_calls: true,
        examples: NONE,
    }
}

const CONTAIN: &str = "Treat the access key as stolen until shown otherwise: deactivate it, revoke the \
    principal's sessions, review every Bedrock call it made (model access, invocations, logging), remove model \
    access that was not requested, and check the bill for Bedrock usage.";

pub const ENABLEMENT_THEN_USE: Meta = meta(
    "bedrock.llmjacking_enablement_then_use",
    "Model access enabled, then used by the same key",
    Severity::High,
    &["T1496", "AML.T0040"],
    "A foundation model was switched on (PutUseCaseForModelAccess, CreateFoundationModelAgreement or \
     PutFoundationModelEntitlement) and the same access key invoked a model within the enablement window \
     (default 60 minutes): the LLMjacking enablement chain.",
    CONTAIN,
);

pub const RECON_THEN_USE: Meta = meta(
    "bedrock.llmjacking_recon_then_use",
    "Bedrock reconnaissance, then invocation by a long-term key",
    Severity::High,
    &["T1496", "T1526", "AML.T0040"],
    "A long-term access key (AKIA) or root listed models, checked their availability or read the invocation \
     logging configuration, then invoked a model within the recon window (default 15 minutes). Applications \
     rarely do this with long-term keys; stolen keys do.",
    CONTAIN,
);

pub const BREADTH: Meta = meta(
    "bedrock.llmjacking_breadth",
    "One identity used many LLMjacking actions",
    Severity::High,
    &["T1496", "T1526", "T1562.008"],
    "One access key called at least the threshold (default 5) of distinct Bedrock recon, enablement and \
     evasion actions with no pause longer than the window (default 24 hours); failed attempts count. \
     Ordinary applications call one or two of them.",
    CONTAIN,
);

pub const PROBING: Meta = meta(
    "bedrock.llmjacking_probing",
    "Burst of denied or invalid Bedrock calls",
    Severity::Medium,
    &["T1496", "AML.T0040"],
    "One access key made at least the threshold (default 10) of invocations or model listings that failed \
     with AccessDenied or ValidationException with no pause longer than the window (default 10 minutes): \
     attackers probe which models a stolen key may run with deliberately invalid requests.",
    CONTAIN,
);

pub const FIRST_SEEN: Meta = meta(
    "bedrock.llmjacking_first_seen",
    "First Bedrock use by a principal, of a model, or in a region",
    Severity::Low,
    &["T1078.004", "AML.T0040"],
    "A principal invoked Bedrock for the first time, used a model it never used, or Bedrock was used in a \
     region for the first time by the account or the principal. Low on its own; medium with a long-term key \
     or from a network prefix the account never used Bedrock from; high when another LLMjacking signal \
     concerns the same key. Nothing is reported during the learning period of each account (default 7 days \
     from its first Bedrock event seen), while the baseline is recorded.",
    "Confirm the principal is meant to use Bedrock (and this model, in this region). If not, deactivate its \
     access key and review its other activity.",
);

pub const VOLUME_SPIKE: Meta = meta(
    "bedrock.llmjacking_volume_spike",
    "Bedrock invocations far above the principal's own baseline",
    Severity::Medium,
    &["T1496", "AML.T0034"],
    "A principal's invocations of one model in the current hour reached the floor (default 100) and the \
     factor (default 5x) times the 95th percentile of its own hourly counts in the hours it was active over \
     the trailing history (default 7 days), pro-rated to the part of the hour elapsed (at least a quarter), \
     so a spike is caught within minutes. Principals with fewer than 24 active hours are left to the \
     first-seen detection. Sessions of one application role count as the role. High with a long-term key.",
    CONTAIN,
);

pub const REGION_FAN_OUT: Meta = meta(
    "bedrock.llmjacking_region_fan_out",
    "One identity invoked Bedrock in many regions",
    Severity::High,
    &["T1496", "T1535"],
    "One access key invoked models in at least the threshold (default 3) of regions with no pause longer \
     than the window (default 1 hour): attackers spread across regions to multiply quotas.",
    CONTAIN,
);

/// Every stateful detection, in catalog order.
pub const ALL: &[Meta] = &[
    ENABLEMENT_THEN_USE,
    RECON_THEN_USE,
    BREADTH,
    PROBING,
    FIRST_SEEN,
    VOLUME_SPIKE,
    REGION_FAN_OUT,
];
