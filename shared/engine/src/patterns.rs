//! EventBridge event patterns derived from the catalog: the deployed rules route exactly the
//! CloudTrail events some detection consumes, and only events from AWS (`source` `aws.*`,
//! which PutEvents callers cannot forge).
//!
//! A wildcard key (user rules: `Delete*`) becomes an EventBridge wildcard matcher
//! (`{"wildcard": "Delete*"}`; EventBridge knows only `*`, so a `?` widens to `*`, and the
//! rule itself still matches exactly). It is routed with the batched calls when its literal
//! start makes it a read call (`Get*`) or it matches a model invocation (`Invoke*`, `*`
//! on Bedrock), else with the others. EventBridge delivers an event once per pattern that
//! matches it, so a wildcard that also matches calls routed the other way (`*` on Bedrock
//! matches `DeleteGuardrail`) has those delivered twice.

use serde_json::{Value, json};

use crate::detection::EventKey;
use crate::input::CLOUDTRAIL_DETAIL_TYPES;
use crate::registry::Registry;
use crate::stateful::bedrock;
use crate::user_rules::wildcard::{self, is_pattern};

/// True for the calls routed through an SQS queue in batches, never one Lambda invocation
/// each: model invocations (high volume) and read-only calls (`Get*`, `List*`, `Describe*`:
/// discovery, which services and scripts make all day). EventBridge delivers read-only
/// management events only to rules that opt in to them.
/// A wildcard key is one when its name starts so, or it matches a model invocation.
pub fn high_volume(key: &EventKey) -> bool {
    let (source, name) = *key;
    bedrock::is_in(bedrock::INVOKE, source, name)
        || ["Get", "List", "Describe"].iter().any(|verb| name.starts_with(verb))
        || ((is_pattern(source) || is_pattern(name)) && matches_an_invocation(source, name))
}

/// Whether the wildcard key (`source`, `name`) matches a model invocation.
fn matches_an_invocation(source: &str, name: &str) -> bool {
    let (Ok(source), Ok(name)) = (wildcard::compile(&[source], false), wildcard::compile(&[name], false)) else {
        return false;
    };
    bedrock::INVOKE
        .iter()
        .any(|(s, n)| source.is_match(s) && name.is_match(n))
}

/// The EventBridge `source` of a CloudTrail `eventSource`: `bedrock.amazonaws.com` -> `aws.bedrock`.
pub fn eventbridge_source(event_source: &str) -> String {
    format!(
        "aws.{}",
        event_source.strip_suffix(".amazonaws.com").unwrap_or(event_source)
    )
}

/// The values EventBridge matches: the exact ones sorted, then a wildcard matcher for each
/// pattern, sorted.
fn matchers(mut values: Vec<String>) -> Vec<Value> {
    values.sort_unstable();
    values.dedup();
    let (patterns, exact): (Vec<String>, Vec<String>) = values.into_iter().partition(|v| is_pattern(v));
    let mut wildcards: Vec<String> = patterns.iter().map(|p| p.replace('?', "*")).collect();
    wildcards.dedup();
    exact
        .into_iter()
        .map(Value::String)
        .chain(wildcards.into_iter().map(|w| json!({ "wildcard": w })))
        .collect()
}

/// One EventBridge pattern routing the CloudTrail events of `keys` (of every CloudTrail
/// detail-type: API calls, console sign-ins and actions, service events; from AWS);
/// `None` when there are none.
pub fn pattern(keys: &[EventKey]) -> Option<Value> {
    if keys.is_empty() {
        return None;
    }
    let sources = matchers(keys.iter().map(|(s, _)| eventbridge_source(s)).collect());
    let event_sources = matchers(keys.iter().map(|(s, _)| (*s).to_owned()).collect());
    let names = matchers(keys.iter().map(|(_, n)| (*n).to_owned()).collect());
    // Keys in sorted order here and below: serde_json keeps insertion order when a crate in
    // the build turns on its `preserve_order` feature (the AWS SDK's test utilities do), and
    // sorts otherwise; written sorted, the patterns print the same either way.
    Some(json!({
        "detail": { "eventName": names, "eventSource": event_sources },
        "detail-type": CLOUDTRAIL_DETAIL_TYPES,
        "source": sources,
    }))
}

/// The two patterns: `write` (direct to the detector) and `read` (high-volume, via SQS).
/// Either is `null` when no detection consumes such events.
pub fn patterns(registry: &Registry) -> Value {
    let (read, write): (Vec<EventKey>, Vec<EventKey>) = registry.event_keys().into_iter().partition(high_volume);
    json!({ "read": pattern(&read), "write": pattern(&write) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_split_and_cover_the_catalog() {
        let registry = Registry::builtin();
        let p = patterns(&registry);
        let names = |which: &str| -> Vec<String> {
            let names = p[which]["detail"]["eventName"].as_array();
            names
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let (write, read) = (names("write"), names("read"));
        assert!(write.contains(&"DeleteGuardrail".to_owned()));
        assert!(!write.iter().any(|n| read.contains(n)));
        assert!(
            p["write"]["source"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s.as_str().unwrap().starts_with("aws."))
        );
        assert_eq!(p["write"]["detail-type"], json!(CLOUDTRAIL_DETAIL_TYPES));
        for (_, name) in registry.event_keys() {
            assert!(
                write.contains(&name.to_owned()) || read.contains(&name.to_owned()),
                "{name} not routed"
            );
        }
        assert_eq!(eventbridge_source("iam.amazonaws.com"), "aws.iam");
        for routed_in_batches in ["InvokeModel", "CreateInference", "GetCallerIdentity", "ListModels"] {
            assert!(read.contains(&routed_in_batches.to_owned()), "{routed_in_batches}");
        }
    }

    /// Whether every object in `v` has its keys in sorted order.
    fn keys_sorted(v: &Value) -> bool {
        match v {
            Value::Object(map) => map.keys().is_sorted() && map.values().all(keys_sorted),
            Value::Array(items) => items.iter().all(keys_sorted),
            _ => true,
        }
    }

    #[test]
    fn wildcard_keys_become_wildcard_matchers() {
        let keys = [
            ("sagemaker.amazonaws.com", "CreateEndpoint"),
            ("sagemaker.amazonaws.com", "Delete*"),
            ("sagemaker.amazonaws.com", "Stop?Job"),
            ("*.amazonaws.com", "CreateEndpoint"),
        ];
        let p = pattern(&keys).unwrap();
        assert_eq!(
            p["detail"]["eventName"],
            json!(["CreateEndpoint", {"wildcard": "Delete*"}, {"wildcard": "Stop*Job"}])
        );
        assert_eq!(
            p["detail"]["eventSource"],
            json!(["sagemaker.amazonaws.com", {"wildcard": "*.amazonaws.com"}])
        );
        assert_eq!(p["source"], json!(["aws.sagemaker", {"wildcard": "aws.*"}]));
        assert!(high_volume(&("s3.amazonaws.com", "Get*")) && !high_volume(&("s3.amazonaws.com", "*")));
        assert!(high_volume(&("bedrock.amazonaws.com", "*")) && high_volume(&("*", "Converse?tream")));
        assert!(!high_volume(&("bedrock.amazonaws.com", "Delete*")));
    }

    #[test]
    fn patterns_print_with_sorted_keys_whatever_the_serde_json_features() {
        let p = patterns(&Registry::builtin());
        assert!(keys_sorted(&p), "{p}");
        let text = p.to_string();
        assert!(text.starts_with(r#"{"read":{"detail":{"eventName":["#), "{text}");
    }
}
