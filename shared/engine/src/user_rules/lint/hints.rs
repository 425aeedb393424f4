//! Hints for values of the wrong type: what each key of the format takes, named by the key
//! the YAML reader's message starts with (`severity: invalid type: …`,
//! `condition.all[0].gt: invalid type: …`).

/// What the key takes, for the last key of the message's path; `None` when the message names
/// no key of the format.
pub fn expected_shape(message: &str) -> Option<String> {
    let (path, _) = message.split_once(": ")?;
    if path.contains(char::is_whitespace) {
        return None;
    }
    let key = path.rsplit('.').next()?.split('[').next()?;
    let shape = match key {
        "severity" => "one of info, low, medium, high, critical",
        "area" => "one of data, model, access, application",
        "events" => "a list of `- source: <service>.amazonaws.com` with `names: [EventName, …]`",
        "techniques" | "controls" | "resources" | "names" | "fields" => "a list of strings: [a, b]",
        "failed_calls" | "ignore_case" | "exists" => "true or false",
        "condition" | "not" => "a mapping: `field:` with one operator, or `all:`, `any:` or `not:`",
        "all" | "any" => "a list of conditions",
        "equals" => "a value (string, number, boolean or null) or a list of them",
        "wildcard" | "regex" | "contains" | "starts_with" | "ends_with" | "cidr" => {
            "a string (numbers and booleans are read as their text) or a list of them"
        }
        "gt" | "gte" | "lt" | "lte" => "a number",
        "policy" => "one of grants_admin, broad_grant, public_principal, external_principal, escalation",
        "adjustments" => "a mapping of long_term_key, root, failed_call",
        "long_term_key" | "root" | "failed_call" => "a severity, or steps such as +1 or -1",
        "dedupe" => "a mapping of per, fields, window",
        "samples" => "a mapping of match and no_match",
        "match" | "no_match" => "a list of records (CloudTrail records, or EventBridge events)",
        "id" | "title" | "description" | "remediation" | "summary" | "source" | "field" | "per" | "window" => {
            "a string"
        }
        _ => return None,
    };
    Some(format!("{key} takes {shape}; see docs/rules.md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_key_of_the_path_names_the_shape() {
        assert_eq!(
            expected_shape("severity: invalid type: sequence, expected a YAML tag").as_deref(),
            Some("severity takes one of info, low, medium, high, critical; see docs/rules.md")
        );
        assert!(
            expected_shape("condition.all[0].gt: invalid type: string")
                .unwrap()
                .starts_with("gt takes a number")
        );
        assert!(
            expected_shape("events[1]: missing field `names`")
                .unwrap()
                .starts_with("events takes")
        );
        assert_eq!(expected_shape("did not find expected key"), None);
        assert_eq!(expected_shape("unknown: x"), None);
    }
}
