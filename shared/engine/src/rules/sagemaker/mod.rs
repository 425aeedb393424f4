//! Amazon SageMaker: notebooks, lifecycle scripts, endpoints, jobs, domains, monitoring.

mod domain_public_internet;
mod endpoint_config_unencrypted;
mod job_insecure;
mod lifecycle_config_suspicious;
mod model_package_group_policy_exposed;
mod monitoring_disabled;
mod notebook_insecure;
mod presigned_url_created;

use serde_json::Value;

use crate::event::Event;
use crate::rule::{Hit, Rule};
use crate::severity::Severity;

/// The SageMaker rules.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(notebook_insecure::RULE),
        Box::new(lifecycle_config_suspicious::RULE),
        Box::new(presigned_url_created::RULE),
        Box::new(endpoint_config_unencrypted::RULE),
        Box::new(job_insecure::RULE),
        Box::new(domain_public_internet::RULE),
        Box::new(model_package_group_policy_exposed::RULE),
        Box::new(monitoring_disabled::RULE),
    ]
}

/// A request field that is set to something (not missing, null or an empty string).
fn is_set(ev: &Event, path: &str) -> bool {
    match ev.req(path) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    }
}

/// A request boolean field, also accepting the strings "true" / "false".
fn req_bool(ev: &Event, path: &str) -> Option<bool> {
    match ev.req(path)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A name for the action phrase when the request lacks it.
fn or_unknown(name: Option<&str>) -> &str {
    name.filter(|n| !n.is_empty()).unwrap_or("(unknown)")
}

/// The risky settings found in one request, each with its severity. A rule reports them in
/// one finding whose severity is the worst of them.
#[derive(Debug, Default)]
struct Reasons(Vec<(Severity, String)>);

impl Reasons {
    /// Records `why` at `severity` when `cond` holds.
    fn when(&mut self, cond: bool, severity: Severity, why: impl Into<String>) {
        if cond {
            self.0.push((severity, why.into()));
        }
    }

    /// `None` when nothing was found; otherwise a hit at the worst severity whose action is
    /// `action` followed by every reason.
    fn hit(self, action: &str) -> Option<Hit> {
        let worst = self.0.iter().map(|(s, _)| *s).max()?;
        let list: Vec<&str> = self.0.iter().map(|(_, why)| why.as_str()).collect();
        Some(Hit::new(worst, format!("{action}: {}", list.join(", "))))
    }
}

#[cfg(test)]
mod tests {
    use crate::event::Event;
    use crate::record::Record;
    use crate::rule::Context;

    /// Missing, null, omitted and oddly typed request fields must never panic a rule, and
    /// rules that read defaults from an absent setting must not fire without the request.
    #[test]
    fn odd_requests_are_handled() {
        let odd = r#"{"onStart":7,"onCreate":[{"content":null}],"resourcePolicy":[1],"dataCaptureConfig":"x",
            "resourceConfig":{"instanceGroups":[{"instanceCount":"2"}]},"studioLifecycleConfigContent":"!!",
            "notebookInstanceName":5,"networkConfig":[],"appNetworkAccessType":null}"#;
        let always = ["sagemaker.presigned_url_created", "sagemaker.monitoring_disabled"];
        for rule in super::all() {
            for &(source, name) in rule.meta().events {
                for req in ["null", r#"{"omitted":true,"reason":"too large"}"#, odd] {
                    let text =
                        format!(r#"{{"eventSource":"{source}","eventName":"{name}","requestParameters":{req}}}"#);
                    let record: Record = serde_json::from_str(&text).unwrap();
                    let hit = rule.evaluate(&Event::new(&record), &Context::default());
                    if req != odd && !always.contains(&rule.meta().id) {
                        assert_eq!(hit, None, "{} on {name} without request", rule.meta().id);
                    }
                }
            }
        }
    }
}
