//! Helpers the posture checks share: reading a snapshot's settings, the alert scope of a
//! posture finding, ages against the capture time, and (in tests) snapshots to judge.
//!
//! A check that fires on a missing setting (no KMS key, no VPC) first asks whether the
//! snapshot describes the resource at all ([`missing`]): a configuration without the
//! resource's own id field (an empty Config item, a list entry) could not be assessed and
//! gives no finding.

use serde_json::Value;

use crate::detection::{AlertScope, DAY, DedupeScope};
use crate::resource::ResourceSnapshot;

/// One alert per check and resource a day: a setting stays wrong until fixed, and each new
/// collection run reports it again.
pub(crate) const PER_RESOURCE_DAY: AlertScope = AlertScope {
    per: DedupeScope::PrincipalResource,
    window_secs: DAY,
};

/// True when the setting at `path` is given: present, not null, not a blank string, not an
/// empty list or object.
pub(crate) fn is_set(resource: &ResourceSnapshot, path: &str) -> bool {
    match resource.config(path) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
        Some(_) => true,
    }
}

/// True when the snapshot describes the resource (its `id_field` is set) and the setting at
/// `path` is not.
pub(crate) fn missing(resource: &ResourceSnapshot, id_field: &str, path: &str) -> bool {
    is_set(resource, id_field) && !is_set(resource, path)
}

/// A boolean setting, given as a JSON boolean or as `"true"` / `"false"` text; `None` when
/// absent or of another form.
pub(crate) fn flag(resource: &ResourceSnapshot, path: &str) -> Option<bool> {
    crate::rules::support::flag(resource.config(path))
}

/// True when the text setting at `path` is `value`, in any case.
pub(crate) fn is(resource: &ResourceSnapshot, path: &str, value: &str) -> bool {
    resource
        .config_str(path)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(value))
}

/// Whole days from `from` to `to` (RFC 3339 times); `None` when either cannot be read.
pub(crate) fn days_between(from: &str, to: &str) -> Option<i64> {
    let (from, to) = (crate::time::parse_millis(from)?, crate::time::parse_millis(to)?);
    Some((to - from).div_euclid(DAY * 1000))
}

/// Whole days from `from` to the snapshot's capture time; `None` when the snapshot has no
/// capture time or either time cannot be read.
pub(crate) fn age_at_capture(resource: &ResourceSnapshot, from: &str) -> Option<i64> {
    days_between(from, resource.captured_at.as_deref()?)
}

/// The items of the list at `path` (none when absent or not a list).
pub(crate) fn items<'r>(resource: &'r ResourceSnapshot, path: &str) -> &'r [Value] {
    resource
        .config(path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A text field of one list item.
pub(crate) fn text<'v>(item: &'v Value, key: &str) -> Option<&'v str> {
    item.get(key).and_then(Value::as_str)
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::detection::{Hit, Organization};
    use crate::posture::{BuiltinCheck, PostureCheck};

    /// A snapshot of the check's first resource type with this configuration, captured at
    /// 2026-03-10T08:00:00Z in account 111122223333.
    pub(crate) fn snapshot(check: &BuiltinCheck, configuration: Value) -> ResourceSnapshot {
        ResourceSnapshot {
            arn: "arn:aws:test:us-east-1:111122223333:thing/t".into(),
            resource_type: check.metadata.resource_types[0].into(),
            name: None,
            account: "111122223333".into(),
            region: "us-east-1".into(),
            configuration,
            captured_at: Some("2026-03-10T08:00:00Z".into()),
        }
    }

    /// The check's verdict on a snapshot with this configuration, for the default
    /// organization.
    pub(crate) fn judge(check: &BuiltinCheck, configuration: Value) -> Option<Hit> {
        check.assess(&snapshot(check, configuration), &Organization::default())
    }

    #[test]
    fn settings_and_ages() {
        const PROBE: BuiltinCheck = BuiltinCheck {
            metadata: crate::detection::Metadata {
                id: "test.probe",
                resource_types: &["AWS::Test::Thing"],
                ..crate::detection::Metadata::EMPTY
            },
            check: |_, _| None,
        };
        let r = snapshot(
            &PROBE,
            json!({"Name": "nb", "Blank": " ", "Empty": [], "Flag": "TRUE", "Off": false, "Mode": "Enabled "}),
        );
        assert!(is_set(&r, "Name") && !is_set(&r, "Blank") && !is_set(&r, "Empty") && is_set(&r, "Off"));
        assert!(missing(&r, "Name", "KmsKeyId") && !missing(&r, "Id", "KmsKeyId"));
        assert_eq!(
            (flag(&r, "Flag"), flag(&r, "Off"), flag(&r, "Name")),
            (Some(true), Some(false), None)
        );
        assert!(is(&r, "Mode", "enabled") && !is(&r, "Absent", "enabled"));
        assert_eq!(age_at_capture(&r, "2025-08-09T07:59:59Z"), Some(213));
        assert_eq!(age_at_capture(&r, "2026-03-10T08:00:01Z"), Some(-1));
        assert_eq!(age_at_capture(&r, "last year"), None);
        let undated = ResourceSnapshot { captured_at: None, ..r };
        assert_eq!(age_at_capture(&undated, "2025-08-09T07:59:59Z"), None);
    }
}
