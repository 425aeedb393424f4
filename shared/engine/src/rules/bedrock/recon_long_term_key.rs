//! A Bedrock discovery call (which models exist, are available, are logged) made with a
//! long-lived credential.

use super::{ApiKey, api_key, caller_note, model};
use crate::rules::prelude::*;
use crate::stateful::bedrock::RECON;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.recon_long_term_key",
        title: "Bedrock discovery with a long-term key or by root",
        severity: Severity::Low,
        area: Area::Model,
        techniques: &["T1580", "AML.T0040"],
        description: "A Bedrock availability or discovery call that LLMjacking tools make \
            (ListFoundationModels, GetFoundationModelAvailability, \
            GetModelInvocationLoggingConfiguration, GetUseCaseForModelAccess, \
            ListFoundationModelAgreementOffers, ListProvisionedModelThroughputs, \
            ListInferenceProfiles, or ListModels / GetModel on the bedrock-mantle endpoint) came \
            from an IAM user's long-term (AKIA) key, a long-term Bedrock API key, or the root \
            user. Low on its own; followed by an invocation it is the recon-then-use sequence \
            (bedrock.llmjacking_recon_then_use). Failed calls count: a denied listing still \
            shows the key being tried. Calls from role sessions are not reported.",
        remediation: "Find the key's owner and whether they explore Bedrock from scripts. If not, \
            treat the key as leaked: deactivate it and review its recent calls.",
        controls: &[],
        events: RECON,
        resource_types: &[],
        failed_calls: true,
        alert: AlertScope::PRINCIPAL_DAY,
        samples: Samples {
            must_fire: &[
                "events/bedrock/GetFoundationModelAvailability-long-term-key.json",
                "events/bedrock-mantle/ListModels-root.json",
            ],
            must_not_fire: &["events/bedrock/ListFoundationModels-role-session-denied.json"],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    let p = ev.principal();
    let long_term_api_key = api_key(ev) == Some(ApiKey::LongTerm) && !p.long_term_key();
    if !(p.is_root() || p.long_term_key() || long_term_api_key) {
        return None;
    }
    let with = if long_term_api_key {
        " with a long-term Bedrock API key"
    } else {
        caller_note(ev)
    };
    let model = model(ev);
    let on = model.map(|m| format!(" for {m}")).unwrap_or_default();
    let verb = if ev.failed() { "tried to call" } else { "called" };
    let action = format!("{verb} Bedrock {}{on}{with}", ev.name());
    Some(Hit::new(RULE.metadata.severity, action).resource(model))
}
