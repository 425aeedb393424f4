//! Bedrock in one account and region: custom and imported models, provisioned throughput,
//! guardrails (their working draft, as `GetGuardrail` without a version returns it),
//! application inference profiles, and the [`types::BEDROCK_SETTINGS`] snapshot (invocation
//! logging and the number of guardrails). Field names are the Bedrock API's (camelCase).

use aidr_engine::inventory::types;
use aws_sdk_bedrock::Client;
use aws_sdk_bedrock::operation::get_guardrail::GetGuardrailOutput;
use aws_sdk_bedrock::types::{
    GuardrailContentPolicy, GuardrailContextualGroundingPolicy, GuardrailSensitiveInformationPolicy,
    GuardrailTopicPolicy, GuardrailWordPolicy, InferenceProfileSummary, InferenceProfileType, ProvisionedModelSummary,
};
use serde_json::Value;

use super::found::Found;
use super::json::{Obj, list};
use crate::bedrock_logging;

const SERVICE: &str = "bedrock";

/// Collects Bedrock's resources into `found`.
pub(super) async fn collect(found: &mut Found, bedrock: &Client) {
    custom_models(found, bedrock).await;
    imported_models(found, bedrock).await;
    provisioned_throughputs(found, bedrock).await;
    let guardrails = guardrails(found, bedrock).await;
    inference_profiles(found, bedrock).await;
    settings(found, bedrock, guardrails).await;
}

async fn custom_models(found: &mut Found, bedrock: &Client) {
    let pages = bedrock.list_custom_models().into_paginator().items().send();
    for model in found.list(SERVICE, "ListCustomModels", pages).await {
        let answer = bedrock
            .get_custom_model()
            .model_identifier(&model.model_arn)
            .send()
            .await;
        let Some(m) = found.answer(SERVICE, "GetCustomModel", answer) else {
            continue;
        };
        let configuration = Obj::new()
            .put("modelArn", &m.model_arn)
            .put("modelName", &m.model_name)
            .put("baseModelArn", m.base_model_arn.as_ref())
            .put("customizationType", m.customization_type.as_ref().map(|t| t.as_str()))
            .put("modelKmsKeyArn", m.model_kms_key_arn.as_ref())
            .put("jobArn", m.job_arn.as_ref())
            .put(
                "trainingDataConfig",
                m.training_data_config
                    .as_ref()
                    .map(|c| Obj::new().put("s3Uri", c.s3_uri.as_ref())),
            )
            .put(
                "outputDataConfig",
                m.output_data_config
                    .as_ref()
                    .map(|c| Obj::new().put("s3Uri", &c.s3_uri)),
            )
            .put("creationTime", &m.creation_time)
            .build();
        found.add(types::BEDROCK_CUSTOM_MODEL, &m.model_arn, &m.model_name, configuration);
    }
}

async fn imported_models(found: &mut Found, bedrock: &Client) {
    let pages = bedrock.list_imported_models().into_paginator().items().send();
    for model in found.list(SERVICE, "ListImportedModels", pages).await {
        let answer = bedrock
            .get_imported_model()
            .model_identifier(&model.model_arn)
            .send()
            .await;
        let Some(m) = found.answer(SERVICE, "GetImportedModel", answer) else {
            continue;
        };
        let source = m.model_data_source.as_ref().and_then(|s| s.as_s3_data_source().ok());
        let configuration = Obj::new()
            .put("modelArn", m.model_arn.as_ref())
            .put("modelName", m.model_name.as_ref())
            .put("modelKmsKeyArn", m.model_kms_key_arn.as_ref())
            .put(
                "modelDataSource",
                source.map(|s| Obj::new().put("s3DataSource", Obj::new().put("s3Uri", &s.s3_uri))),
            )
            .put("creationTime", m.creation_time.as_ref())
            .build();
        let arn = m.model_arn.as_deref().unwrap_or(&model.model_arn);
        let name = m.model_name.as_deref().unwrap_or(&model.model_name);
        found.add(types::BEDROCK_IMPORTED_MODEL, arn, name, configuration);
    }
}

async fn provisioned_throughputs(found: &mut Found, bedrock: &Client) {
    let pages = bedrock
        .list_provisioned_model_throughputs()
        .into_paginator()
        .items()
        .send();
    for p in found.list(SERVICE, "ListProvisionedModelThroughputs", pages).await {
        let configuration = provisioned_json(&p);
        found.add(
            types::BEDROCK_PROVISIONED_THROUGHPUT,
            &p.provisioned_model_arn,
            &p.provisioned_model_name,
            configuration,
        );
    }
}

fn provisioned_json(p: &ProvisionedModelSummary) -> Value {
    Obj::new()
        .put("provisionedModelArn", &p.provisioned_model_arn)
        .put("provisionedModelName", &p.provisioned_model_name)
        .put("modelArn", &p.model_arn)
        .put("foundationModelArn", &p.foundation_model_arn)
        .put("status", p.status.as_str())
        .put("modelUnits", p.model_units)
        .put("commitmentDuration", p.commitment_duration.as_ref().map(|c| c.as_str()))
        .build()
}

/// Lists and reads the guardrails; their number, or `None` when the listing failed.
async fn guardrails(found: &mut Found, bedrock: &Client) -> Option<usize> {
    let pages = bedrock.list_guardrails().into_paginator().items().send();
    let (listed, complete) = found.all(SERVICE, "ListGuardrails", pages).await;
    for g in &listed {
        let answer = bedrock.get_guardrail().guardrail_identifier(&g.id).send().await;
        if let Some(out) = found.answer(SERVICE, "GetGuardrail", answer) {
            found.add(
                types::BEDROCK_GUARDRAIL,
                &out.guardrail_arn,
                &out.name,
                guardrail_json(&out),
            );
        }
    }
    complete.then_some(listed.len())
}

fn guardrail_json(g: &GetGuardrailOutput) -> Value {
    Obj::new()
        .put("guardrailId", &g.guardrail_id)
        .put("guardrailArn", &g.guardrail_arn)
        .put("name", &g.name)
        .put("version", &g.version)
        .put("status", g.status.as_str())
        .put("kmsKeyArn", g.kms_key_arn.as_ref())
        .put("contentPolicy", g.content_policy.as_ref().map(content_policy))
        .put("topicPolicy", g.topic_policy.as_ref().map(topic_policy))
        .put("wordPolicy", g.word_policy.as_ref().map(word_policy))
        .put(
            "sensitiveInformationPolicy",
            g.sensitive_information_policy
                .as_ref()
                .map(sensitive_information_policy),
        )
        .put(
            "contextualGroundingPolicy",
            g.contextual_grounding_policy.as_ref().map(contextual_grounding_policy),
        )
        .put("createdAt", &g.created_at)
        .put("updatedAt", &g.updated_at)
        .build()
}

/// The enabled and action fields every guardrail filter has.
/// `o` with the item's `inputAction`, `outputAction`, `inputEnabled` and `outputEnabled`, built:
/// every guardrail policy item has the four, each kind with its own action type.
macro_rules! with_actions {
    ($o:expr, $item:expr) => {{
        let item = $item;
        $o.put("inputAction", item.input_action.as_ref().map(|a| a.as_str()))
            .put("outputAction", item.output_action.as_ref().map(|a| a.as_str()))
            .put("inputEnabled", item.input_enabled)
            .put("outputEnabled", item.output_enabled)
            .build()
    }};
}

fn content_policy(p: &GuardrailContentPolicy) -> Obj {
    let filters = list(p.filters.as_deref(), |f| {
        let o = Obj::new()
            .put("type", f.r#type.as_str())
            .put("inputStrength", f.input_strength.as_str())
            .put("outputStrength", f.output_strength.as_str());
        with_actions!(o, f)
    });
    Obj::new().put("filters", filters)
}

fn topic_policy(p: &GuardrailTopicPolicy) -> Obj {
    let topics = list(Some(&p.topics), |t| {
        let o = Obj::new()
            .put("name", &t.name)
            .put("definition", &t.definition)
            .put("examples", t.examples.as_ref())
            .put("type", t.r#type.as_ref().map(|t| t.as_str()));
        with_actions!(o, t)
    });
    Obj::new().put("topics", topics)
}

fn word_policy(p: &GuardrailWordPolicy) -> Obj {
    let words = list(p.words.as_deref(), |w| {
        let o = Obj::new().put("text", &w.text);
        with_actions!(o, w)
    });
    let managed = list(p.managed_word_lists.as_deref(), |w| {
        let o = Obj::new().put("type", w.r#type.as_str());
        with_actions!(o, w)
    });
    Obj::new().put("words", words).put("managedWordLists", managed)
}

fn sensitive_information_policy(p: &GuardrailSensitiveInformationPolicy) -> Obj {
    let entities = list(p.pii_entities.as_deref(), |e| {
        let o = Obj::new()
            .put("type", e.r#type.as_str())
            .put("action", e.action.as_str());
        with_actions!(o, e)
    });
    let regexes = list(p.regexes.as_deref(), |r| {
        let o = Obj::new()
            .put("name", &r.name)
            .put("pattern", &r.pattern)
            .put("action", r.action.as_str());
        with_actions!(o, r)
    });
    Obj::new().put("piiEntities", entities).put("regexes", regexes)
}

fn contextual_grounding_policy(p: &GuardrailContextualGroundingPolicy) -> Obj {
    let filters = list(Some(&p.filters), |f| {
        Obj::new()
            .put("type", f.r#type.as_str())
            .put("threshold", f.threshold)
            .put("action", f.action.as_ref().map(|a| a.as_str()))
            .put("enabled", f.enabled)
            .build()
    });
    Obj::new().put("filters", filters)
}

async fn inference_profiles(found: &mut Found, bedrock: &Client) {
    let pages = bedrock
        .list_inference_profiles()
        .type_equals(InferenceProfileType::Application)
        .into_paginator()
        .items()
        .send();
    for p in found.list(SERVICE, "ListInferenceProfiles", pages).await {
        let configuration = inference_profile_json(&p);
        found.add(
            types::BEDROCK_INFERENCE_PROFILE,
            &p.inference_profile_arn,
            &p.inference_profile_name,
            configuration,
        );
    }
}

fn inference_profile_json(p: &InferenceProfileSummary) -> Value {
    let models = list(Some(&p.models), |m| {
        Obj::new().put("modelArn", m.model_arn.as_ref()).build()
    });
    Obj::new()
        .put("inferenceProfileArn", &p.inference_profile_arn)
        .put("inferenceProfileName", &p.inference_profile_name)
        .put("inferenceProfileId", &p.inference_profile_id)
        .put("type", p.r#type.as_str())
        .put("status", p.status.as_str())
        .put("models", models)
        .build()
}

/// The settings snapshot, when the logging configuration could be read.
async fn settings(found: &mut Found, bedrock: &Client, guardrails: Option<usize>) {
    let answer = bedrock.get_model_invocation_logging_configuration().send().await;
    let Some(out) = found.answer(SERVICE, "GetModelInvocationLoggingConfiguration", answer) else {
        return;
    };
    let logging = out.logging_config.as_ref().and_then(bedrock_logging::to_json);
    let count = guardrails.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
    let configuration = Obj::new()
        .put("loggingConfig", logging)
        .put("guardrailCount", count)
        .build();
    let arn = found.arn(SERVICE, "settings");
    found.add(types::BEDROCK_SETTINGS, &arn, "", configuration);
}
