//! Helpers shared by the rule families: request-field readers, the reasons list that turns
//! several findings about one request into one hit, and the resource-policy exposure check.

use serde_json::Value;

use crate::cloudtrail::event::Event;
use crate::cloudtrail::record::s;
use crate::detection::{Hit, Organization};
use crate::enrich::diff::{Change, exposure as exposure_change, weakenings};
use crate::enrich::{LookupRequest, seen_policy_key};
use crate::policy::{Exposure, Policy};
use crate::severity::Severity;

/// A boolean field written either as a JSON boolean or as the text `"true"` / `"false"`
/// (any case). `None` when absent or of any other form.
pub(crate) fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A non-empty string request parameter (a name, an ARN).
pub(crate) fn req_name<'e>(ev: &'e Event, path: &str) -> Option<&'e str> {
    ev.req_str(path).filter(|s| !s.is_empty())
}

/// True when a request setting is given: present, not null, and not a blank string. Unlike
/// [`req_name`], any other value (an object, a number, a boolean) counts as set.
pub(crate) fn is_set(ev: &Event, path: &str) -> bool {
    match ev.req(path) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    }
}

/// A name for the action phrase, `(unknown)` when missing or empty.
pub(crate) fn or_unknown(name: Option<&str>) -> &str {
    name.filter(|n| !n.is_empty()).unwrap_or("(unknown)")
}

/// What makes a request risky, each reason with its own severity. A rule reports them in one
/// hit whose severity is the worst of them.
#[derive(Debug, Default)]
pub(crate) struct Reasons(Vec<(Severity, String)>);

impl Reasons {
    /// Records one reason.
    pub(crate) fn add(&mut self, severity: Severity, why: impl Into<String>) {
        self.0.push((severity, why.into()));
    }

    /// A hit reading "`action`: reason; reason" at the worst severity, or `None` when nothing
    /// was found.
    pub(crate) fn hit(self, action: &str) -> Option<Hit> {
        let worst = self.0.iter().map(|(s, _)| *s).max()?;
        let why: Vec<&str> = self.0.iter().map(|(_, w)| w.as_str()).collect();
        Some(Hit::new(worst, format!("{action}: {}", why.join("; "))))
    }
}

/// What the configuration a put replaced tells, for the rules that compare with it: the
/// weakening changes as one reason (severity, "since the previous configuration: S3
/// destination removed, …"), and a note when it could not be read.
#[derive(Debug, Default)]
pub(crate) struct Previous {
    pub reason: Option<(Severity, String)>,
    /// " (the previous configuration was not checked: …)".
    pub note: String,
}

impl Previous {
    /// Compares `after` with the previous document `request` reads (a [`LookupRequest::Kept`],
    /// when the event is judged with lookups) through `diff`.
    pub(crate) fn compare(
        ev: &Event,
        request: Option<LookupRequest>,
        after: &Value,
        diff: fn(&Value, &Value) -> Vec<Change>,
    ) -> Previous {
        let Some(answer) = request.and_then(|request| ev.look_up(request)) else {
            return Previous::default();
        };
        if let Some(before) = answer.doc() {
            let changes = diff(before, after);
            let weaker: Vec<&Change> = weakenings(&changes).collect();
            let worst = weaker.iter().filter_map(|c| c.severity).max();
            let texts: Vec<&str> = weaker.iter().map(|c| c.text.as_str()).collect();
            return Previous {
                reason: worst.map(|s| (s, format!("since the previous configuration: {}", texts.join(", ")))),
                note: String::new(),
            };
        }
        Previous {
            reason: None,
            note: answer
                .failure()
                .map(|why| format!(" (the previous configuration was not checked: {why})"))
                .unwrap_or_default(),
        }
    }

    /// Adds the reason, if any, to `reasons`.
    pub(crate) fn add_to(&mut self, reasons: &mut Reasons) {
        if let Some((severity, why)) = self.reason.take() {
            reasons.add(severity, why);
        }
    }

    /// `hit` with the note appended.
    pub(crate) fn noted(&self, mut hit: Hit) -> Hit {
        hit.action.push_str(&self.note);
        hit
    }
}

/// Judges the resource or trust policy in request field `field`, principals and conditions
/// together (the table in `policy::exposure`): `None` when it is missing, unreadable or opens
/// to no one outside the organization; otherwise the severity (critical when public, else
/// `cross_account`) and whom it opens to ("anyone (public)", "external account(s) …").
/// With `resource` (the resource the policy is on) and lookups, whom is followed by how
/// that changed since the policy seen put before on the resource ("(newly public; …)"), or
/// by why that was not checked.
pub(crate) fn policy_exposure(
    ev: &Event,
    org: &Organization,
    field: &str,
    cross_account: Severity,
    resource: Option<&str>,
) -> Option<(Severity, String)> {
    let own = |account: &str| org.is_own_account(account, ev);
    let policy = Policy::parse(ev.req(field)?).ok()?;
    let exposure = policy.exposure(own);
    if !exposure.is_exposed() {
        return None;
    }
    let severity = if exposure.public {
        Severity::Critical
    } else {
        cross_account
    };
    let mut whom = exposure.describe();
    let key = match (ev.account(), s(&ev.record.aws_region), resource) {
        (Some(account), Some(region), Some(resource)) => Some(seen_policy_key(account, region, resource)),
        _ => None,
    };
    if let Some(answer) = key.and_then(|key| ev.look_up(LookupRequest::kept(key))) {
        let before = answer.doc().map(|doc| match Policy::parse(doc) {
            Ok(p) => p.exposure(own),
            Err(_) => Exposure::default(),
        });
        match (before, answer.failure()) {
            (Some(before), _) => {
                if let Some(change) = exposure_change(&before, &exposure) {
                    whom.push_str(&format!(" ({})", change.text));
                }
            }
            (None, Some(why)) => whom.push_str(&format!(" (the previous policy was not checked: {why})")),
            (None, None) => {}
        }
    }
    Some((severity, whom))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::record::Record;
    use serde_json::json;

    #[test]
    fn flags_accept_booleans_and_text() {
        assert_eq!(flag(Some(&json!(true))), Some(true));
        assert_eq!(flag(Some(&json!("TRUE"))), Some(true));
        assert_eq!(flag(Some(&json!("false"))), Some(false));
        assert_eq!(flag(Some(&json!(1))), None);
        assert_eq!(flag(None), None);
    }

    #[test]
    fn names_and_settings() {
        let text = r#"{"requestParameters":{"a":"x","blank":" ","empty":"","n":0,"null":null}}"#;
        let record: Record = serde_json::from_str(text).unwrap();
        let ev = Event::new(&record);
        assert_eq!(req_name(&ev, "a"), Some("x"));
        assert_eq!(req_name(&ev, "blank"), Some(" "));
        assert_eq!(req_name(&ev, "empty"), None);
        assert_eq!(req_name(&ev, "n"), None);
        assert!(is_set(&ev, "a") && is_set(&ev, "n"));
        assert!(!is_set(&ev, "blank") && !is_set(&ev, "empty") && !is_set(&ev, "null"));
        assert!(!is_set(&ev, "missing"));
        assert_eq!(or_unknown(Some("x")), "x");
        assert_eq!(or_unknown(Some("")), "(unknown)");
        assert_eq!(or_unknown(None), "(unknown)");
    }

    #[test]
    fn reasons_take_the_highest_severity() {
        assert!(Reasons::default().hit("x").is_none());
        let mut r = Reasons::default();
        r.add(Severity::Medium, "a");
        r.add(Severity::High, "b");
        let hit = r.hit("did x").unwrap();
        assert_eq!(hit.severity, Severity::High);
        assert_eq!(hit.action, "did x: a; b");
    }

    #[test]
    fn policy_exposure_grades_public_and_cross_account() {
        let judge = |policy: Value| {
            let text = json!({"recipientAccountId": "111122223333", "requestParameters": {"p": policy}}).to_string();
            let record: Record = serde_json::from_str(&text).unwrap();
            policy_exposure(
                &Event::new(&record),
                &Organization::default(),
                "p",
                Severity::High,
                None,
            )
        };
        let public = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "x"}});
        assert_eq!(judge(public), Some((Severity::Critical, "anyone (public)".into())));
        let other = json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "x"}});
        assert_eq!(
            judge(other),
            Some((Severity::High, "external account(s) 444455556666".into()))
        );
        let own = json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "x"}});
        assert_eq!(judge(own), None);
        assert_eq!(judge(json!("{not json")), None);
    }
}
