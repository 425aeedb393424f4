//! Bedrock agents and knowledge bases (the `bedrock-agent` API) in one account and region,
//! with the knowledge bases' data sources. Field names are the API's (camelCase).

use aidr_engine::inventory::types;
use aws_sdk_bedrockagent::Client;
use aws_sdk_bedrockagent::types::{Agent, DataSource};
use serde_json::Value;

use super::found::Found;
use super::json::Obj;

const SERVICE: &str = "bedrock-agent";

/// Collects the agents and knowledge bases into `found`.
pub(super) async fn collect(found: &mut Found, agents: &Client) {
    collect_agents(found, agents).await;
    knowledge_bases(found, agents).await;
}

async fn collect_agents(found: &mut Found, client: &Client) {
    let pages = client.list_agents().into_paginator().items().send();
    for summary in found.list(SERVICE, "ListAgents", pages).await {
        let answer = client.get_agent().agent_id(&summary.agent_id).send().await;
        let Some(agent) = found.answer(SERVICE, "GetAgent", answer).and_then(|out| out.agent) else {
            continue;
        };
        found.add(
            types::BEDROCK_AGENT,
            &agent.agent_arn,
            &agent.agent_name,
            agent_json(&agent),
        );
    }
}

fn agent_json(a: &Agent) -> Value {
    let guardrail = a.guardrail_configuration.as_ref().map(|g| {
        Obj::new()
            .put("guardrailIdentifier", g.guardrail_identifier.as_ref())
            .put("guardrailVersion", g.guardrail_version.as_ref())
    });
    Obj::new()
        .put("agentArn", &a.agent_arn)
        .put("agentId", &a.agent_id)
        .put("agentName", &a.agent_name)
        .put("agentStatus", a.agent_status.as_str())
        .put("agentResourceRoleArn", &a.agent_resource_role_arn)
        .put("foundationModel", a.foundation_model.as_ref())
        .put("customerEncryptionKeyArn", a.customer_encryption_key_arn.as_ref())
        .put("guardrailConfiguration", guardrail)
        .put("createdAt", &a.created_at)
        .build()
}

async fn knowledge_bases(found: &mut Found, client: &Client) {
    let pages = client.list_knowledge_bases().into_paginator().items().send();
    for summary in found.list(SERVICE, "ListKnowledgeBases", pages).await {
        let id = &summary.knowledge_base_id;
        let answer = client.get_knowledge_base().knowledge_base_id(id).send().await;
        let Some(kb) = found
            .answer(SERVICE, "GetKnowledgeBase", answer)
            .and_then(|out| out.knowledge_base)
        else {
            continue;
        };
        let sources = data_sources(found, client, id).await;
        let configuration = Obj::new()
            .put("knowledgeBaseArn", &kb.knowledge_base_arn)
            .put("knowledgeBaseId", &kb.knowledge_base_id)
            .put("name", &kb.name)
            .put("status", kb.status.as_str())
            .put("roleArn", &kb.role_arn)
            .put("dataSources", sources)
            .put("createdAt", &kb.created_at)
            .build();
        found.add(
            types::BEDROCK_KNOWLEDGE_BASE,
            &kb.knowledge_base_arn,
            &kb.name,
            configuration,
        );
    }
}

/// The data sources of knowledge base `id`; `None` when they could not be listed (a source
/// that could not be read is listed without its bucket).
async fn data_sources(found: &mut Found, client: &Client, id: &str) -> Option<Value> {
    let pages = client
        .list_data_sources()
        .knowledge_base_id(id)
        .into_paginator()
        .items()
        .send();
    let (listed, complete) = found.all(SERVICE, "ListDataSources", pages).await;
    if !complete {
        return None;
    }
    let mut sources = Vec::new();
    for summary in listed {
        let answer = client
            .get_data_source()
            .knowledge_base_id(id)
            .data_source_id(&summary.data_source_id)
            .send()
            .await;
        let source = found
            .answer(SERVICE, "GetDataSource", answer)
            .and_then(|out| out.data_source);
        let entry = Obj::new()
            .put("dataSourceId", &summary.data_source_id)
            .put("name", &summary.name)
            .put("status", summary.status.as_str())
            .put("type", source.as_ref().and_then(source_type))
            .put("bucketArn", source.as_ref().and_then(bucket_arn));
        sources.push(entry.build());
    }
    Some(Value::Array(sources))
}

fn source_type(source: &DataSource) -> Option<&str> {
    Some(source.data_source_configuration.as_ref()?.r#type.as_str())
}

fn bucket_arn(source: &DataSource) -> Option<&str> {
    let s3 = source.data_source_configuration.as_ref()?.s3_configuration.as_ref()?;
    Some(&s3.bucket_arn)
}
