//! A memory or gateway was created without a customer-managed KMS key.
//!
//! Facts: CreateMemory takes `encryptionKeyArn` and CreateGateway `kmsKeyArn`, both optional;
//! without one AgentCore encrypts with AWS owned keys (AgentCore Control Plane API reference;
//! AgentCore Developer Guide, "data-encryption"). AWS Config rule
//! `bedrock-agentcore-memory-encryption-enabled` fails a memory without `EncryptionKeyArn`.
//! The agent runtime API has no key setting, so runtimes are not judged here.

use super::{SOURCE, label};
use crate::rules::prelude::*;
use crate::rules::support::{is_set, or_unknown, req_name};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "agentcore.no_customer_key",
        title: "AgentCore memory or gateway without a customer-managed KMS key",
        severity: Severity::Low,
        area: Area::Data,
        techniques: &["T1530"],
        description: "CreateMemory gave no encryptionKeyArn, or CreateGateway no kmsKeyArn, so \
            the resource is encrypted with AWS owned keys. A memory holds the agent's \
            conversation events and the long-term facts extracted from them (often personal \
            or business data); a gateway holds its targets' configuration. An AWS owned key \
            cannot be seen, audited in CloudTrail or limited by a key policy, nor disabled to \
            cut off access. The data is still encrypted, so this is low. \
            A request without the resource's name is not judged.",
        remediation: "Create the memory with encryptionKeyArn (or the gateway with kmsKeyArn, \
            also settable with UpdateGateway) naming a customer-managed KMS key whose policy \
            allows only the agent's roles to use it, and move the data of the old memory if \
            it is kept. AWS Config rule bedrock-agentcore-memory-encryption-enabled reports \
            memories without a key.",
        controls: &[],
        events: &[(SOURCE, "CreateMemory"), (SOURCE, "CreateGateway")],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope::DEFAULT,
        samples: Samples {
            must_fire: &[
                "events/bedrock-agentcore/CreateMemory.json",
                "events/bedrock-agentcore/CreateGateway-no-auth.json",
            ],
            must_not_fire: &[
                "events/bedrock-agentcore/CreateMemory-cmk.json",
                "events/bedrock-agentcore/CreateGateway-jwt.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    // A request without the required name (a string) was not recorded in full.
    req_name(ev, "name")?;
    let (what, key_field, id, arn) = if ev.name() == "CreateMemory" {
        ("memory", "encryptionKeyArn", "memory.id", "memory.arn")
    } else {
        ("gateway", "kmsKeyArn", "gatewayId", "gatewayArn")
    };
    if is_set(ev, key_field) {
        return None;
    }
    let name = label(ev, "name", id);
    let action = format!(
        "created {what} {} without a customer-managed KMS key (no {key_field})",
        or_unknown(name)
    );
    let hit = Hit::new(RULE.metadata.severity, action);
    Some(hit.resource(ev.resp_str(arn)).resource(name))
}
