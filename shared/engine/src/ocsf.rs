//! Findings as OCSF 1.3 events, for security lakes and SIEMs that speak OCSF: a Detection
//! Finding (class 2004) for findings about CloudTrail events, a Compliance Finding (class
//! 2003) for findings about a resource (posture checks).

use serde_json::{Value, json};

use crate::finding::{Evidence, Finding, Subject};
use crate::resource::ResourceSnapshot;

/// OCSF schema version the mapping follows.
pub const OCSF_VERSION: &str = "1.3.0";

/// The OCSF event of a finding: a Detection Finding or a Compliance Finding (activity Create,
/// status New).
pub fn to_ocsf(f: &Finding) -> Value {
    let mut event = common(f);
    let fields = match &f.subject {
        Subject::Events(evidence) => {
            event["finding_info"]["src_event_uid"] = json!(evidence.event_ids.first());
            let related: Vec<Value> = evidence.event_ids.iter().map(|id| json!({ "uid": id })).collect();
            event["finding_info"]["related_events"] = json!(related);
            detection(f, evidence)
        }
        Subject::Resource { resource } => compliance(f, resource),
    };
    if let (Value::Object(event), Value::Object(fields)) = (&mut event, fields) {
        event.extend(fields);
    }
    event
}

/// The attributes both classes share.
fn common(f: &Finding) -> Value {
    let time = f.time_millis();
    let attacks: Vec<Value> = f
        .techniques
        .iter()
        .map(|t| {
            let framework = if t.starts_with("AML.") {
                "MITRE ATLAS"
            } else {
                "MITRE ATT&CK"
            };
            json!({ "technique": { "uid": t }, "version": framework })
        })
        .collect();
    json!({
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "severity_id": f.severity.ocsf_id(),
        "severity": capitalize(f.severity.as_str()),
        "status_id": 1,
        "status": "New",
        "time": time,
        "message": f.summary,
        "metadata": {
            "version": OCSF_VERSION,
            "product": { "name": "aidr", "vendor_name": "aidr", "version": env!("CARGO_PKG_VERSION") },
            "correlation_uid": f.dedupe_key,
        },
        "finding_info": {
            "uid": uid(f),
            "title": f.title,
            "desc": f.summary,
            "types": [f.area.as_str()],
            "created_time": time,
            "first_seen_time": time,
            "analytic": { "uid": f.rule_id, "name": f.title, "type_id": 1, "type": "Rule" },
            "attacks": attacks,
        },
        "cloud": { "provider": "AWS", "account": { "uid": f.account }, "region": f.region },
        "remediation": { "desc": f.remediation },
    })
}

/// Detection Finding (2004): the events, their caller and the resources they touched.
fn detection(f: &Finding, e: &Evidence) -> Value {
    let resources: Vec<Value> = f.resources.iter().map(|r| json!({ "uid": r, "name": r })).collect();
    json!({
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "actor": {
            "user": {
                "uid": e.principal.arn,
                "name": e.principal.name,
                "type": e.principal.kind,
                "account": { "uid": e.principal.account },
                "credential_uid": e.principal.access_key_id,
            }
        },
        "api": { "operation": e.event_name, "service": { "name": e.event_source } },
        "src_endpoint": { "ip": e.source_ip },
        "http_request": { "user_agent": e.user_agent },
        "resources": resources,
    })
}

/// Compliance Finding (2003): the failed check and the resource with its configuration.
fn compliance(f: &Finding, r: &ResourceSnapshot) -> Value {
    json!({
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "compliance": {
            "control": f.rule_id,
            "requirements": f.controls,
            "standards": ["aidr"],
            "status_id": 3,
            "status": "Fail",
            "status_detail": f.summary,
        },
        "resources": [{
            "uid": r.arn,
            "name": r.display_name(),
            "type": r.resource_type,
            "region": r.region,
            "cloud_partition": r.arn.split(':').nth(1),
            "owner": { "account": { "uid": r.account } },
            "data": r.configuration,
        }],
    })
}

/// The finding's unique id: `<rule>:<event ids>`, or for findings without CloudTrail events
/// `<rule>:<dedupe key>@<time>`.
fn uid(f: &Finding) -> String {
    let ids = f.event_ids();
    let what = if ids.is_empty() {
        crate::alerting::event_key(f)
    } else {
        ids.join(",")
    };
    format!("{}:{what}", f.rule_id)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}
