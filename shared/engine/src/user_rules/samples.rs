//! Running a rule's own samples through the real path: a registry holding just the rule, a
//! pipeline without the stateful detections, [`Pipeline::read`] of each sample's JSON text
//! (a bare CloudTrail record or an EventBridge event with the record in `detail`).

use serde_json::Value;

use super::rule::UserRule;
use super::wildcard;
use crate::detection::Organization;
use crate::input::Layout;
use crate::pipeline::Pipeline;
use crate::registry::{Detection, Registry};
use crate::rules::EventRule;

/// What one sample gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOutcome {
    /// Its position in its list (`match` or `no_match`), from 0.
    pub index: usize,
    /// True for a `match` sample (the rule must fire), false for a `no_match` one.
    pub expected: bool,
    /// Whether the rule fired.
    pub got: bool,
    /// The first finding's summary, when it fired.
    pub summary: Option<String>,
    /// Why the sample could not be read as a record, if it could not (the sample fails).
    pub error: Option<String>,
    /// Why a `match` sample that was read made no finding, when the reason lies outside the
    /// condition: the record is not one of the rule's events, is a failed call the rule is not
    /// given, or is no CloudTrail record (no `eventSource` / `eventName`).
    pub why_not: Option<String>,
}

impl SampleOutcome {
    /// True when the rule did what the sample expects, on a sample that was read.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.got == self.expected
    }
}

/// Runs every `match` sample, then every `no_match` sample, of `rule`. The organization is
/// unknown: only a record's own account counts as own (for `policy: external_principal`).
pub fn run_samples(rule: &UserRule) -> Vec<SampleOutcome> {
    let registry = Registry::new(vec![Detection::Event(Box::new(rule.clone()))])
        .expect("a compiled rule forms a registry on its own");
    let pipeline = Pipeline::new(registry, Organization::default(), None);
    let samples = rule.samples();
    let expected = samples.must_match.iter().map(|s| (true, s));
    let unexpected = samples.must_not_match.iter().map(|s| (false, s));
    let mut counts = [0, 0];
    expected
        .chain(unexpected)
        .map(|(expected, sample)| {
            let index = counts[usize::from(expected)];
            counts[usize::from(expected)] += 1;
            let text = sample.to_string();
            let evaluation = pipeline.read(text.as_bytes(), Layout::Stream, rule.id());
            let error = if let Some(e) = evaluation.errors.first() {
                Some(e.message.clone())
            } else if evaluation.records == 0 {
                Some("not a CloudTrail record, nor an EventBridge event of an API call holding one".into())
            } else {
                None
            };
            let got = !evaluation.findings.is_empty();
            let why_not = (expected && !got && error.is_none())
                .then(|| why_not(rule, sample_record(sample)))
                .flatten();
            SampleOutcome {
                index,
                expected,
                got,
                summary: evaluation.findings.first().map(|f| f.summary.clone()),
                error,
                why_not,
            }
        })
        .collect()
}

/// A sample's record: an EventBridge event's `detail`, or the sample itself.
pub(crate) fn sample_record(sample: &Value) -> &Value {
    sample.get("detail").filter(|d| d.is_object()).unwrap_or(sample)
}

/// Whether `text` is `part` of an event key: equal, or matching its wildcards.
fn key_part_matches(part: &str, text: &str) -> bool {
    if wildcard::is_pattern(part) {
        wildcard::compile(&[part], false).is_ok_and(|r| r.is_match(text))
    } else {
        part == text
    }
}

/// The record's (eventSource, eventName), when both are strings.
pub(crate) fn event_of(record: &Value) -> Option<(&str, &str)> {
    let text = |key: &str| record.get(key).and_then(Value::as_str);
    text("eventSource").zip(text("eventName"))
}

/// Whether one of the (eventSource, eventName) `keys` (wildcards allowed) is the event.
pub(crate) fn consumes<'k>(mut keys: impl Iterator<Item = (&'k str, &'k str)>, (source, name): (&str, &str)) -> bool {
    keys.any(|(s, n)| key_part_matches(s, source) && key_part_matches(n, name))
}

/// Why `rule` is never given `record`, if it is not: not a CloudTrail record, not one of its
/// events, or a failed call without `failed_calls`.
pub(crate) fn why_not(rule: &UserRule, record: &Value) -> Option<String> {
    let Some((source, name)) = event_of(record) else {
        return Some("the sample is not a CloudTrail record: it has no eventSource and eventName strings".into());
    };
    let events = rule.metadata().events;
    if !consumes(events.iter().copied(), (source, name)) {
        let listed: Vec<String> = events.iter().map(|(s, n)| format!("{s} {n}")).collect();
        return Some(format!(
            "{source} {name} is not among the rule's events ({}): the rule never sees it",
            listed.join(", ")
        ));
    }
    let error = record
        .get("errorCode")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty());
    if let Some(code) = error.filter(|_| !rule.metadata().failed_calls) {
        return Some(format!(
            "the record is a failed call (errorCode {code}) and the rule has no `failed_calls: true`"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user_rules::{RuleDoc, compile};

    fn rule(samples: &str) -> UserRule {
        let yaml = format!(
            "id: acme.user_created\ntitle: User created\nseverity: low\narea: access\ndescription: d\n\
             events: [{{source: iam.amazonaws.com, names: [CreateUser]}}]\n\
             condition: {{field: requestParameters.userName, starts_with: svc-}}\n\
             summary: 'created {{requestParameters.userName}}'\nsamples:\n{samples}"
        );
        compile(&yaml_serde::from_str::<RuleDoc>(&yaml).unwrap()).unwrap()
    }

    const SVC: &str = r#"{eventSource: iam.amazonaws.com, eventName: CreateUser, recipientAccountId: "111122223333", awsRegion: us-east-1, requestParameters: {userName: svc-a}}"#;
    const BOB: &str = r#"{eventSource: iam.amazonaws.com, eventName: CreateUser, requestParameters: {userName: bob}}"#;

    #[test]
    fn passing_and_failing_samples() {
        let bridge = format!(r#"{{source: aws.iam, detail-type: AWS API Call via CloudTrail, detail: {SVC}}}"#);
        let r = rule(&format!(
            "  match: [{SVC}, {bridge}, {BOB}]\n  no_match: [{BOB}, {SVC}]\n"
        ));
        let outcomes = run_samples(&r);
        let passed: Vec<(bool, usize, bool)> = outcomes.iter().map(|o| (o.expected, o.index, o.passed())).collect();
        assert_eq!(
            passed,
            [
                (true, 0, true),
                (true, 1, true),
                (true, 2, false),
                (false, 0, true),
                (false, 1, false)
            ]
        );
        assert_eq!(
            outcomes[0].summary.as_deref(),
            Some("created svc-a in account 111122223333 (us-east-1)")
        );
        assert!(outcomes[2].error.is_none() && !outcomes[2].got);
    }

    #[test]
    fn a_match_sample_the_rule_never_sees_says_why() {
        let other = SVC.replace("CreateUser", "DeleteUser");
        let failed = SVC.replace(
            "eventName: CreateUser",
            "eventName: CreateUser, errorCode: AccessDenied",
        );
        let bare = "{requestParameters: {userName: svc-a}}";
        let r = rule(&format!(
            "  match: [{other}, {failed}, {bare}, {BOB}]\n  no_match: [{other}]\n"
        ));
        let outcomes = run_samples(&r);
        // A sample the pipeline does not read as a record fails with that as its error.
        assert!(
            outcomes[2]
                .error
                .as_deref()
                .unwrap_or_default()
                .starts_with("not a CloudTrail record")
        );
        let why: Vec<Option<String>> = outcomes.into_iter().map(|o| o.why_not).collect();
        assert_eq!(
            why,
            [
                Some(
                    "iam.amazonaws.com DeleteUser is not among the rule's events (iam.amazonaws.com CreateUser): the rule never sees it"
                        .into()
                ),
                Some("the record is a failed call (errorCode AccessDenied) and the rule has no `failed_calls: true`".into()),
                None,
                None,
                None,
            ]
        );
    }

    #[test]
    fn unreadable_samples_fail_with_a_reason() {
        let r = rule("  match: ['not json', 7, {source: aws.iam, detail-type: Other, detail: {}}]\n");
        for outcome in run_samples(&r) {
            assert!(!outcome.passed(), "{outcome:?}");
            assert!(outcome.error.is_some(), "{outcome:?}");
        }
    }
}
