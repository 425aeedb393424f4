//! The Bedrock calls the LLMjacking detections watch, grouped by what they do. Sources: the
//! calls seen in LLMjacking write-ups and peer rules (Sysdig, Permiso, Prowler's
//! `cloudtrail_threat_detection_llm_jacking`), and Bedrock's CloudTrail documentation.

use crate::detection::EventKey;

const BEDROCK: &str = "bedrock.amazonaws.com";

/// Switch a foundation model on: use case, agreement, entitlement.
pub const ENABLE: &[EventKey] = &[
    (BEDROCK, "PutUseCaseForModelAccess"),
    (BEDROCK, "CreateFoundationModelAgreement"),
    (BEDROCK, "PutFoundationModelEntitlement"),
];

/// Look around: which models exist, whether they are available, whether calls are logged.
pub const RECON: &[EventKey] = &[
    (BEDROCK, "ListFoundationModels"),
    (BEDROCK, "GetFoundationModelAvailability"),
    (BEDROCK, "GetModelInvocationLoggingConfiguration"),
    (BEDROCK, "GetUseCaseForModelAccess"),
    (BEDROCK, "ListFoundationModelAgreementOffers"),
    (BEDROCK, "ListProvisionedModelThroughputs"),
];

/// Blind defenders: logging or guardrails removed or changed.
pub const EVASION: &[EventKey] = &[
    (BEDROCK, "DeleteModelInvocationLoggingConfiguration"),
    (BEDROCK, "PutModelInvocationLoggingConfiguration"),
    (BEDROCK, "DeleteGuardrail"),
    (BEDROCK, "UpdateGuardrail"),
];

/// Run a model.
pub const INVOKE: &[EventKey] = &[
    (BEDROCK, "InvokeModel"),
    (BEDROCK, "InvokeModelWithResponseStream"),
    (BEDROCK, "Converse"),
    (BEDROCK, "ConverseStream"),
];

/// True when `(source, name)` is in `list` (names first: they differ soonest).
pub fn is_in(list: &[EventKey], source: &str, name: &str) -> bool {
    list.iter().any(|&(s, n)| n == name && s == source)
}

/// Remediation shared by the detections that suggest a stolen key.
pub const CONTAIN: &str = "Treat the access key as stolen until shown otherwise: deactivate it, revoke the \
    principal's sessions, review every Bedrock call it made (model access, invocations, logging), remove model \
    access that was not requested, and check the bill for Bedrock usage.";
