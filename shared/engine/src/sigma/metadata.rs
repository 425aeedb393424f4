//! A converted rule's metadata from the Sigma rule's: id, severity, area, techniques,
//! remediation.

use super::Problem;
use crate::severity::{Area, Severity};

/// Longest id name after `sigma.`, cut at a word boundary.
const MAX_NAME: usize = 64;

/// `sigma.<title in snake_case>`: lower case, runs of other characters as one `_`, at most
/// [`MAX_NAME`] characters (cut at an `_`). A title with no letter or digit uses the Sigma id.
pub(super) fn rule_id(title: &str, sigma_id: Option<&str>) -> Result<String, Problem> {
    let name = snake_case(title);
    let name = if name.is_empty() {
        sigma_id.map(snake_case).unwrap_or_default()
    } else {
        name
    };
    if name.is_empty() {
        return Err(Problem::new(
            "title",
            "the title has no letter or digit to make the rule id from",
        ));
    }
    Ok(format!("sigma.{}", truncate(&name)))
}

fn snake_case(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

fn truncate(name: &str) -> &str {
    if name.len() <= MAX_NAME {
        return name;
    }
    let cut = &name[..MAX_NAME];
    if name.as_bytes()[MAX_NAME] == b'_' {
        return cut;
    }
    match cut.rfind('_') {
        Some(i) if i > 0 => &cut[..i],
        _ => cut,
    }
}

/// `informational` is `info`; `low`, `medium`, `high`, `critical` are themselves; a rule
/// without a level is `medium`.
pub(super) fn severity(level: Option<&str>) -> Result<Severity, Problem> {
    let Some(level) = level else {
        return Ok(Severity::Medium);
    };
    match level.to_ascii_lowercase().as_str() {
        "informational" => Ok(Severity::Info),
        "low" => Ok(Severity::Low),
        "medium" => Ok(Severity::Medium),
        "high" => Ok(Severity::High),
        "critical" => Ok(Severity::Critical),
        _ => Err(Problem::new(
            "level",
            format!("unknown level `{level}` (expected informational, low, medium, high or critical)"),
        )),
    }
}

/// The area, from the event sources the rule consumes, then its ATT&CK tactic tags:
/// SageMaker and Bedrock are `model`; IAM, STS, sign-in, SSO, Organizations and credential
/// access, privilege escalation or persistence tactics are `access`; storage, databases,
/// backups, keys and secrets, and exfiltration or collection tactics are `data`; anything else
/// is `application`.
pub(super) fn area(sources: &[&str], tags: &[String]) -> Area {
    const BY_SOURCE: [(&str, Area); 17] = [
        ("sagemaker", Area::Model),
        ("bedrock", Area::Model),
        ("iam", Area::Access),
        ("sts", Area::Access),
        ("signin", Area::Access),
        ("sso", Area::Access),
        ("identitystore", Area::Access),
        ("organizations", Area::Access),
        ("access-analyzer", Area::Access),
        ("s3", Area::Data),
        ("rds", Area::Data),
        ("dynamodb", Area::Data),
        ("backup", Area::Data),
        ("kms", Area::Data),
        ("secretsmanager", Area::Data),
        ("elasticfilesystem", Area::Data),
        ("glacier", Area::Data),
    ];
    const BY_TACTIC: [(&str, Area); 5] = [
        ("attack.credential-access", Area::Access),
        ("attack.privilege-escalation", Area::Access),
        ("attack.persistence", Area::Access),
        ("attack.exfiltration", Area::Data),
        ("attack.collection", Area::Data),
    ];
    let by_source = sources.iter().find_map(|s| {
        let service = s.split('.').next().unwrap_or_default();
        BY_SOURCE
            .iter()
            .find(|(name, _)| service.eq_ignore_ascii_case(name))
            .map(|(_, a)| *a)
    });
    let by_tactic = || {
        tags.iter().find_map(|t| {
            let t = t.to_ascii_lowercase().replace('_', "-");
            BY_TACTIC.iter().find(|(name, _)| t == *name).map(|(_, a)| *a)
        })
    };
    by_source.or_else(by_tactic).unwrap_or(Area::Application)
}

/// `attack.t1078.004` tags as `T1078.004`, in order, without repeats.
pub(super) fn techniques(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let Some(id) = tag.strip_prefix("attack.").filter(|id| is_technique(id)) else {
            continue;
        };
        let id = id.to_ascii_uppercase();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// `t1234` or `t1234.001`.
fn is_technique(id: &str) -> bool {
    let (main, sub) = id.split_once('.').unwrap_or((id, "000"));
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    matches!(main.as_bytes().first(), Some(b't' | b'T')) && digits(&main[1..], 4) && digits(sub, 3)
}

/// "Known false positives: a; b." from the rule's `falsepositives`, leaving out `Unknown`.
pub(super) fn remediation(falsepositives: &[String]) -> String {
    let known: Vec<&str> = falsepositives
        .iter()
        .map(|f| f.trim().trim_end_matches('.'))
        .filter(|f| !f.is_empty() && !f.eq_ignore_ascii_case("unknown"))
        .collect();
    if known.is_empty() {
        String::new()
    } else {
        format!("Known false positives: {}.", known.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_snake_case_and_cut_at_a_word() {
        assert_eq!(
            rule_id("AWS EC2 Startup-Script Change!", None).unwrap(),
            "sigma.aws_ec2_startup_script_change"
        );
        let long = "An Extremely Long Title That Goes On And On About Many Things In The Cloud Trail";
        let id = rule_id(long, None).unwrap();
        assert_eq!(
            id,
            "sigma.an_extremely_long_title_that_goes_on_and_on_about_many_things_in"
        );
        assert_eq!(rule_id("???", Some("ABC-12")).unwrap(), "sigma.abc_12");
        assert!(rule_id("???", None).is_err());
    }

    #[test]
    fn levels_areas_techniques() {
        assert_eq!(severity(Some("informational")).unwrap(), Severity::Info);
        assert!(severity(Some("severe")).is_err());
        let tags = vec![
            "attack.persistence".to_string(),
            "attack.t1098.001".into(),
            "attack.t1098.001".into(),
            "attack.g0016".into(),
        ];
        assert_eq!(techniques(&tags), vec!["T1098.001"]);
        assert_eq!(area(&["bedrock.amazonaws.com"], &tags), Area::Model);
        assert_eq!(area(&["ec2.amazonaws.com"], &tags), Area::Access);
        assert_eq!(area(&["*"], &[]), Area::Application);
        assert_eq!(remediation(&["Unknown".into()]), "");
        assert_eq!(
            remediation(&["Admins rotating keys.".into(), "CI".into()]),
            "Known false positives: Admins rotating keys; CI."
        );
    }
}
