//! The Bedrock calls the LLMjacking detections watch, grouped by what they do. Sources: the
//! calls seen in LLMjacking write-ups and peer rules (Sysdig, Permiso, Prowler's
//! `cloudtrail_threat_detection_llm_jacking`), and Bedrock's CloudTrail documentation
//! ("Monitor Amazon Bedrock API calls using CloudTrail" and, for the OpenAI-compatible
//! endpoint, "Monitor bedrock-mantle API calls using CloudTrail").

use crate::detection::EventKey;

/// The Bedrock control plane and runtime (`bedrock-runtime` calls are logged under it).
pub const BEDROCK: &str = "bedrock.amazonaws.com";
/// The OpenAI- and Anthropic-compatible endpoint (`bedrock-mantle.<region>.api.aws`): its own
/// event source and `bedrock-mantle:` permission prefix; its records carry the bearer-token
/// flags (`callWithBearerToken`, `bearerTokenType`) in `requestParameters`.
pub const MANTLE: &str = "bedrock-mantle.amazonaws.com";
/// AWS Marketplace, where third-party models are subscribed to.
pub const MARKETPLACE: &str = "aws-marketplace.amazonaws.com";

/// Switch a foundation model on: use case, agreement, entitlement (the flow before model
/// access was on by default, still logged), and the AWS Marketplace subscription and
/// agreement that the first call to a third-party model now starts in the background
/// (Bedrock user guide, "Access Amazon Bedrock foundation models": the caller needs
/// `aws-marketplace:Subscribe` and `ViewSubscriptions`). The Marketplace event names follow
/// the actions AWS documents (`aws-marketplace:Subscribe`, `AcceptAgreementRequest`); a
/// record of a subscription Bedrock made in the background could not be checked against a
/// real log.
pub const ENABLE: &[EventKey] = &[
    (BEDROCK, "PutUseCaseForModelAccess"),
    (BEDROCK, "CreateFoundationModelAgreement"),
    (BEDROCK, "PutFoundationModelEntitlement"),
    (MARKETPLACE, "Subscribe"),
    (MARKETPLACE, "AcceptAgreementRequest"),
];

/// Look around: which models exist, whether they are available, whether calls are logged.
pub const RECON: &[EventKey] = &[
    (BEDROCK, "ListFoundationModels"),
    (BEDROCK, "GetFoundationModelAvailability"),
    (BEDROCK, "GetModelInvocationLoggingConfiguration"),
    (BEDROCK, "GetUseCaseForModelAccess"),
    (BEDROCK, "ListFoundationModelAgreementOffers"),
    (BEDROCK, "ListProvisionedModelThroughputs"),
    (BEDROCK, "ListInferenceProfiles"),
    (MANTLE, "ListModels"),
    (MANTLE, "GetModel"),
];

/// Blind defenders: logging or guardrails removed or changed.
pub const EVASION: &[EventKey] = &[
    (BEDROCK, "DeleteModelInvocationLoggingConfiguration"),
    (BEDROCK, "PutModelInvocationLoggingConfiguration"),
    (BEDROCK, "DeleteGuardrail"),
    (BEDROCK, "UpdateGuardrail"),
];

/// Run a model: the runtime calls, and inference on the `bedrock-mantle` endpoint
/// (`CreateInference`, a data event there: logged only by trails that select Bedrock data
/// events).
pub const INVOKE: &[EventKey] = &[
    (BEDROCK, "InvokeModel"),
    (BEDROCK, "InvokeModelWithResponseStream"),
    (BEDROCK, "Converse"),
    (BEDROCK, "ConverseStream"),
    (MANTLE, "CreateInference"),
];

/// Error codes of a failed invocation that prove the credential reaches the model: the
/// request itself was refused, after authorization. Attackers test stolen keys with
/// deliberately invalid bodies for this answer (an `AccessDeniedException` means no access).
pub const REACHED_MODEL: &[&str] = &["ValidationException", "ModelErrorException", "ModelNotReadyException"];

/// True when a failed call with `error` still proves access (see [`REACHED_MODEL`]).
pub fn reached_model(error: &str) -> bool {
    REACHED_MODEL.contains(&error)
}

/// True when `(source, name)` is in `list` (names first: they differ soonest).
pub fn is_in(list: &[EventKey], source: &str, name: &str) -> bool {
    list.iter().any(|&(s, n)| n == name && s == source)
}

/// Remediation shared by the detections that suggest a stolen key.
pub const CONTAIN: &str = "Treat the access key as stolen until shown otherwise: deactivate it, revoke the \
    principal's sessions, review every Bedrock call it made (model access, invocations, logging), remove model \
    access that was not requested, and check the bill for Bedrock usage.";
