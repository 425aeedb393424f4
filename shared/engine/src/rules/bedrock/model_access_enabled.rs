//! Foundation-model access was requested or granted: the first steps of LLMjacking.

use crate::rules::prelude::*;
use crate::stateful::bedrock::{ENABLE, MARKETPLACE};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.model_access_enabled",
        title: "Bedrock foundation-model access enabled",
        severity: Severity::Medium,
        area: Area::Model,
        techniques: &["T1496", "AML.T0040"],
        description: "Access to a Bedrock foundation model was requested or granted \
            (PutUseCaseForModelAccess, CreateFoundationModelAgreement, PutFoundationModelEntitlement), \
            or an AWS Marketplace subscription or agreement was accepted (Subscribe, \
            AcceptAgreementRequest): since model access is on by default, the first call to a \
            third-party model subscribes the account through AWS Marketplace in the background, \
            and the Anthropic use-case form is still asked once per account. LLMjacking starts \
            this way: stolen keys switch on models to run them at the victim's expense. A denied \
            attempt is itself a signal (low): someone tried with credentials that lack the \
            permission. A long-term access key or the root user raises the severity. A \
            Marketplace subscription may be for any product, so it is low (medium with a \
            long-term key or root); a \
            subscription AWS made on the caller's behalf stays low (the caller's invocation is \
            the decision). The Marketplace event names follow AWS's documented actions; a \
            background subscription record could not be checked against a real log.",
        remediation: "Check that the model enablement was requested through your usual process. \
            If not, deactivate the caller's keys, remove the model access in the Bedrock console, \
            and review recent InvokeModel activity of the same principal. Model access can no \
            longer be switched off per account: deny the model's ARN with an SCP or IAM policy, \
            and cancel an unwanted Marketplace subscription.",
        controls: &[],
        events: ENABLE,
        resource_types: &[],
        failed_calls: true,
        alert: AlertScope {
            per: DedupeScope::Principal,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/bedrock/PutUseCaseForModelAccess.json",
                "events/bedrock/CreateFoundationModelAgreement.json",
                "events/bedrock/PutFoundationModelEntitlement.json",
                "events/bedrock/PutFoundationModelEntitlement-denied.json",
                "events/aws-marketplace/Subscribe-bedrock-model.json",
            ],
            must_not_fire: &["events/bedrock/PutFoundationModelEntitlement-throttled.json"],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let model = ev.req_str("modelId").or_else(|| ev.req_str("productId"));
    // What was done, and what was tried (for a denied attempt).
    let (done, tried) = match ev.name() {
        "PutUseCaseForModelAccess" => (
            "submitted the model-access use case",
            "submit the model-access use case",
        ),
        "CreateFoundationModelAgreement" => ("accepted the model agreement", "accept the model agreement"),
        "Subscribe" => (
            "subscribed to an AWS Marketplace product",
            "subscribe to an AWS Marketplace product",
        ),
        "AcceptAgreementRequest" => (
            "accepted an AWS Marketplace agreement",
            "accept an AWS Marketplace agreement",
        ),
        _ => ("requested the model entitlement", "request the model entitlement"),
    };
    let phrase = if ev.failed() {
        format!("tried to {tried}")
    } else {
        done.to_owned()
    };
    let action = match model {
        Some(m) => format!("{phrase} for {m}"),
        None => phrase,
    };
    let long_lived = ev.principal().long_term_key() || ev.principal().is_root();
    // A Marketplace subscription may be for any product, not only a model: low, unless a
    // long-lived credential made it.
    let marketplace = ev.record.source() == MARKETPLACE;
    let severity = if ev.access_denied() {
        Severity::Low
    } else if ev.failed() {
        return None; // throttling, validation: no signal either way
    } else if marketplace {
        if long_lived { Severity::Medium } else { Severity::Low }
    } else if long_lived {
        Severity::High
    } else {
        RULE.metadata.severity
    };
    let action = if ev.access_denied() {
        format!("{action}, and was denied")
    } else {
        action
    };
    Some(Hit::new(severity, action).resource(model))
}
