//! Property 2, on the policy analyzer itself: what a document grants and whom it opens to do
//! not depend on the case of its condition keys or action names (both read by AWS without
//! regard to case: see `layout`).

use aidr_engine::policy::{AI_SERVICES, Policy};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::config;
use crate::corpus::account;
use crate::render::Mix;

const OPERATORS: [&str; 11] = [
    "StringEquals",
    "StringLike",
    "StringEqualsIgnoreCase",
    "ArnLike",
    "ArnEquals",
    "StringEqualsIfExists",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringLike",
    "StringNotEquals",
    "Null",
    "IpAddress",
];

const KEYS: [&str; 12] = [
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:PrincipalArn",
    "aws:SourceArn",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceIp",
    "sts:ExternalId",
    "aws:ResourceTag/Team",
];

const ACTIONS: [&str; 10] = [
    "*",
    "sts:AssumeRole",
    "iam:PassRole",
    "iam:*",
    "iam:CreatePolicyVersion",
    "bedrock:*",
    "bedrock:InvokeModel",
    "sagemaker:CreateTrainingJob",
    "sagemaker:*",
    "s3:GetObject",
];

fn condition_value() -> impl Strategy<Value = String> {
    prop_oneof![
        account(),
        account().prop_map(|a| format!("arn:aws:iam::{a}:role/deploy")),
        Just("arn:aws:iam::*:role/deploy".to_owned()),
        Just("o-a1b2c3d4e5".to_owned()),
        Just("o-a1b2c3d4e5/r-ab12/*".to_owned()),
        Just("vpce-0a1b2c3d".to_owned()),
        Just("*".to_owned()),
        Just("203.0.113.0/24".to_owned()),
    ]
}

fn statement() -> impl Strategy<Value = Value> {
    let principal = prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": "*"})),
        account().prop_map(|a| json!({"AWS": format!("arn:aws:iam::{a}:root")})),
        Just(json!({"Service": "sagemaker.amazonaws.com"})),
        Just(Value::Null),
    ];
    let conditions = prop::collection::vec(
        (
            prop::sample::select(&OPERATORS[..]),
            prop::sample::select(&KEYS[..]),
            prop::collection::vec(condition_value(), 1..3),
        ),
        0..4,
    );
    (
        any::<bool>(),
        principal,
        prop::sample::subsequence(&ACTIONS[..], 1..4),
        any::<bool>(),
        prop_oneof![Just("*"), Just("arn:aws:iam::111122223333:role/*")],
        conditions,
    )
        .prop_map(|(allow, principal, actions, not_action, resource, conditions)| {
            let mut st = Map::new();
            st.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
            if !principal.is_null() {
                st.insert("Principal".into(), principal);
            }
            st.insert((if not_action { "NotAction" } else { "Action" }).into(), json!(actions));
            st.insert("Resource".into(), json!(resource));
            let mut block = Map::new();
            for (operator, key, values) in conditions {
                let tests = block.entry(operator).or_insert_with(|| json!({}));
                tests[key] = json!(values);
            }
            if !block.is_empty() {
                st.insert("Condition".into(), Value::Object(block));
            }
            Value::Object(st)
        })
}

/// What the analyzer says of a document: grants, whom it opens to (condition keys compared
/// without case), and which of the actions it may allow.
fn judged(doc: &Value) -> Result<String, TestCaseError> {
    let policy = Policy::parse(doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut exposure = policy.exposure(|a| a == "111122223333");
    exposure
        .open_conditions
        .iter_mut()
        .for_each(|k| k.make_ascii_lowercase());
    // Both listed in the order of the keys, which a parsed map sorts (so by case): compared
    // as sets.
    exposure.open_conditions.sort();
    exposure.external_accounts.sort();
    let allowed: Vec<&str> = ACTIONS.iter().copied().filter(|a| policy.allows(a, "*")).collect();
    let denied: Vec<&str> = ACTIONS.iter().copied().filter(|a| policy.denies(a, "*")).collect();
    Ok(format!(
        "grants {:?}; exposure {:?}; allows {:?}; denies {:?}; services {:?}",
        policy.broad_grants(),
        exposure,
        allowed,
        denied,
        policy.allowed_services(AI_SERVICES)
    ))
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_analyzer_ignores_the_case_of_condition_keys_and_actions(
        statements in prop::collection::vec(statement(), 1..4),
        seed in any::<u64>(),
    ) {
        let doc = json!({"Version": "2012-10-17", "Statement": statements});
        let mut recased = doc.clone();
        crate::layout::recase_policy(&mut recased, &mut Mix(seed));
        prop_assert_eq!(judged(&recased)?, judged(&doc)?, "{}", recased);
    }
}
