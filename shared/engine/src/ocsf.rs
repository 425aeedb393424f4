//! Findings as OCSF 1.3 Detection Finding events (class_uid 2004), for security lakes and
//! SIEMs that speak OCSF.

use serde_json::{Value, json};

use crate::finding::Finding;

/// OCSF schema version the mapping follows.
pub const OCSF_VERSION: &str = "1.3.0";

/// Maps a finding to an OCSF Detection Finding (activity Create, status New).
pub fn detection_finding(f: &Finding) -> Value {
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
    let resources: Vec<Value> = f.resources.iter().map(|r| json!({ "uid": r, "name": r })).collect();
    json!({
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
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
            "uid": format!("{}:{}", f.rule_id, f.event_ids.join(",")),
            "title": f.title,
            "desc": f.summary,
            "types": [f.area.as_str()],
            "created_time": time,
            "first_seen_time": time,
            "src_event_uid": f.event_ids.first(),
            "related_events": f.event_ids.iter().map(|id| json!({ "uid": id })).collect::<Vec<_>>(),
            "analytic": { "uid": f.rule_id, "name": f.title, "type_id": 1, "type": "Rule" },
            "attacks": attacks,
        },
        "cloud": { "provider": "AWS", "account": { "uid": f.account }, "region": f.region },
        "actor": {
            "user": {
                "uid": f.principal.arn,
                "name": f.principal.name,
                "type": f.principal.kind,
                "account": { "uid": f.principal.account },
                "credential_uid": f.principal.access_key_id,
            }
        },
        "api": { "operation": f.event_name, "service": { "name": f.event_source } },
        "src_endpoint": { "ip": f.source_ip },
        "http_request": { "user_agent": f.user_agent },
        "resources": resources,
        "remediation": { "desc": f.remediation },
    })
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}
