//! Building blocks of BOM entries: properties, the fields of snapshots they read, components
//! and services of a snapshot.

use serde_json::{Value, json};

use crate::resource::ResourceSnapshot;

pub(super) fn property(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

/// A configuration string, when present and not empty.
pub(super) fn text<'r>(r: &'r ResourceSnapshot, path: &str) -> Option<&'r str> {
    r.config_str(path).filter(|s| !s.is_empty())
}

/// The elements of a configuration array (none when absent).
pub(super) fn items<'r>(r: &'r ResourceSnapshot, path: &str) -> impl Iterator<Item = &'r Value> {
    r.config(path).and_then(Value::as_array).into_iter().flatten()
}

/// The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`).
pub(super) fn partition(arn: &str) -> &str {
    arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws")
}

/// What a URL path segment escapes: all but RFC 3986's unreserved characters.
pub(super) const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The properties every entry of a snapshot has.
pub(super) fn common(r: &ResourceSnapshot) -> Vec<Value> {
    let mut props = vec![
        property("aidr:resource-type", r.resource_type.as_str()),
        property("aidr:account", r.account.as_str()),
        property("aidr:region", r.region.as_str()),
    ];
    let status = ["status", "agentStatus", "EndpointStatus"]
        .iter()
        .find_map(|k| text(r, k));
    props.extend(status.map(|s| property("aidr:status", s)));
    props
}

pub(super) fn name_of(r: &ResourceSnapshot) -> &str {
    [
        "modelName",
        "ModelName",
        "name",
        "agentName",
        "agentRuntimeName",
        "EndpointName",
        "provisionedModelName",
        "inferenceProfileName",
    ]
    .iter()
    .find_map(|k| text(r, k))
    .or(r.name.as_deref())
    .unwrap_or_else(|| r.display_name())
}

pub(super) fn model(r: &ResourceSnapshot, what: &str) -> Value {
    json!({
        "type": "machine-learning-model",
        "bom-ref": r.arn,
        "name": name_of(r),
        "description": what,
        "properties": common(r),
    })
}

pub(super) fn service(r: &ResourceSnapshot, what: &str, endpoint: Option<String>) -> Value {
    let mut s = json!({
        "bom-ref": r.arn,
        "name": name_of(r),
        "description": what,
        "properties": common(r),
    });
    if let Some(e) = endpoint {
        s["endpoints"] = json!([e]);
    }
    s
}

pub(super) fn add_property(entry: &mut Value, name: &str, value: Option<&str>) {
    if let (Some(v), Some(props)) = (value, entry.get_mut("properties").and_then(Value::as_array_mut)) {
        props.push(property(name, v));
    } else if let Some(v) = value {
        entry["properties"] = json!([property(name, v)]);
    }
}

/// The S3 URIs of a training job's input channels.
pub(super) fn training_inputs(job: &ResourceSnapshot) -> Vec<&str> {
    items(job, "InputDataConfig")
        .filter_map(|c| c.pointer("/DataSource/S3DataSource/S3Uri")?.as_str())
        .filter(|u| !u.is_empty())
        .collect()
}
