//! A Bedrock API key (bearer token) was used to delete Bedrock resources or change logging.

use super::bearer_token;
use crate::rules::prelude::*;

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.bearer_token_destructive",
        title: "Bedrock API key used for a destructive call",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1485", "T1562.008", "T1078.004"],
        description: "A call authenticated with a Bedrock API key \
            (additionalEventData.callWithBearerToken) deleted a Bedrock resource (a guardrail, \
            custom or imported model, provisioned throughput, inference profile, deployment, \
            marketplace endpoint, prompt router, automated-reasoning policy, evaluation job, \
            model agreement, resource policy, enforced guardrail configuration) or changed \
            invocation logging. API keys are meant for running models; a key that tears down \
            resources or logging is most likely stolen. Agents, knowledge bases and flows are \
            not listed: Bedrock API keys cannot call the Agents APIs.",
        remediation: "Identify the API key (the BedrockAPIKey- user or the session that issued a \
            short-term key) and revoke it with DeleteServiceSpecificCredential or by ending the \
            session. Restore what was deleted from infrastructure code, and limit API key users \
            to invocation actions.",
        controls: &[],
        events: &[
            ("bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration"),
            ("bedrock.amazonaws.com", "PutModelInvocationLoggingConfiguration"),
            ("bedrock.amazonaws.com", "DeleteGuardrail"),
            ("bedrock.amazonaws.com", "DeleteEnforcedGuardrailConfiguration"),
            ("bedrock.amazonaws.com", "DeleteCustomModel"),
            ("bedrock.amazonaws.com", "DeleteCustomModelDeployment"),
            ("bedrock.amazonaws.com", "DeleteImportedModel"),
            ("bedrock.amazonaws.com", "DeleteProvisionedModelThroughput"),
            ("bedrock.amazonaws.com", "DeleteInferenceProfile"),
            ("bedrock.amazonaws.com", "DeleteMarketplaceModelEndpoint"),
            ("bedrock.amazonaws.com", "DeletePromptRouter"),
            ("bedrock.amazonaws.com", "DeleteFoundationModelAgreement"),
            ("bedrock.amazonaws.com", "DeleteResourcePolicy"),
            ("bedrock.amazonaws.com", "DeleteAutomatedReasoningPolicy"),
            ("bedrock.amazonaws.com", "DeleteAutomatedReasoningPolicyBuildWorkflow"),
            ("bedrock.amazonaws.com", "DeleteAutomatedReasoningPolicyTestCase"),
            ("bedrock.amazonaws.com", "BatchDeleteEvaluationJob"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/bedrock/DeleteGuardrail-bearer-token.json",
                "events/bedrock/DeleteModelInvocationLoggingConfiguration-bearer-token.json",
            ],
            must_not_fire: &["events/bedrock/DeleteGuardrail.json"],
        },
    },
    check,
};

/// The first identifier in the request: a field named `…Identifier`, `…Arn` or `…Id`.
fn target<'e>(ev: &'e Event) -> Option<&'e str> {
    ev.request()?.as_object()?.iter().find_map(|(key, value)| {
        let named = key.ends_with("Identifier") || key.ends_with("Arn") || key.ends_with("Id");
        named.then(|| value.as_str()).flatten().filter(|v| !v.is_empty())
    })
}

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if !bearer_token(ev) {
        return None;
    }
    let target = target(ev);
    let action = match target {
        Some(t) => format!("used a Bedrock API key to call {} on {t}", ev.name()),
        None => format!("used a Bedrock API key to call {}", ev.name()),
    };
    Some(Hit::new(RULE.metadata.severity, action).resource(target))
}
