//! Records as SIEMs and data lakes export them (booleans as strings, numbers for strings, `null`
//! objects, other time spellings, sections held in strings) are read and evaluated like the
//! originals.

use aidr_engine::input::Layout;
use aidr_engine::{Evaluation, Organization, Pipeline, Registry};

/// An admin policy attached to a user, as a Glue/Athena export writes it.
const LINE: &str = r#"{"eventVersion":"1.08","eventTime":"2026-10-01 00:01:45","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy","awsRegion":"us-east-1","readOnly":"False","managementEvent":"True","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Ops/sam","accountId":"111122223333"},"requestParameters":{"userName":"build","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"},"eventID":"lenient-1","recipientAccountId":"111122223333"}"#;

fn read(line: &str) -> Evaluation {
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), None);
    let e = pipeline.read(line.as_bytes(), Layout::Lines, "lenient.jsonl");
    assert!(e.errors.is_empty(), "{line}: {:?}", e.errors);
    assert_eq!(e.records, 1, "{line}");
    e
}

/// `LINE` with `from` replaced by `to` (which must be there once).
fn variant(from: &str, to: &str) -> String {
    assert_eq!(LINE.matches(from).count(), 1, "{from}");
    LINE.replace(from, to)
}

/// Reads `line` and checks it gives the one admin-policy finding, at the normalized time.
fn finds_admin_policy(line: &str) -> Evaluation {
    let e = read(line);
    assert_eq!(e.findings.len(), 1, "{line}: {:?}", e.findings);
    let finding = &e.findings[0];
    assert_eq!(finding.rule_id, "iam.admin_policy_attached");
    assert_eq!(finding.time(), Some("2026-10-01T00:01:45Z"), "{line}");
    assert_eq!(finding.event_ids(), ["lenient-1"]);
    assert_eq!(finding.account.as_deref(), Some("111122223333"));
    e
}

#[test]
fn export_spellings_give_the_finding() {
    let e = finds_admin_policy(LINE);
    let principal = e.findings[0].principal().unwrap();
    assert_eq!(
        principal.arn.as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/Ops/sam")
    );
}

#[test]
fn request_parameters_held_in_a_string() {
    finds_admin_policy(&variant(
        r#""requestParameters":{"userName":"build","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#,
        r#""requestParameters":"{\"userName\":\"build\",\"policyArn\":\"arn:aws:iam::aws:policy/AdministratorAccess\"}""#,
    ));
}

#[test]
fn null_user_identity_leaves_the_principal_unknown() {
    let line = variant(
        r#"{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Ops/sam","accountId":"111122223333"}"#,
        "null",
    );
    let e = finds_admin_policy(&line);
    let principal = e.findings[0].principal().unwrap();
    assert_eq!(
        (principal.arn.as_deref(), principal.name.as_str()),
        (None, "unknown principal")
    );
}

#[test]
fn numbers_for_strings() {
    finds_admin_policy(&variant(
        r#""recipientAccountId":"111122223333""#,
        r#""recipientAccountId":111122223333"#,
    ));
    finds_admin_policy(&variant(r#""eventVersion":"1.08""#, r#""eventVersion":1.08"#));
}

#[test]
fn other_time_spellings() {
    for time in [
        "2026-10-01T00:01:45.000Z",
        "2026-10-01T00:01:45.000000",
        "2026-10-01T00:01:45Z",
        "2026-10-01T02:01:45+02:00",
    ] {
        finds_admin_policy(&variant("2026-10-01 00:01:45", time));
    }
    let e = read(&variant("2026-10-01 00:01:45", "2026-10-01T00:01:45.123456Z"));
    assert_eq!(e.findings[0].time(), Some("2026-10-01T00:01:45.123Z"));
}

#[test]
fn unusable_fields_are_left_out_and_the_record_still_evaluated() {
    finds_admin_policy(&variant(r#""readOnly":"False""#, r#""readOnly":"maybe""#));
    finds_admin_policy(&variant(
        r#""accountId":"111122223333"}"#,
        r#""accountId":"111122223333","sessionContext":"{\"sessionIssuer\":{}}"}"#,
    ));
    let e = read(&variant("2026-10-01 00:01:45", "yesterday"));
    assert_eq!(e.findings.len(), 1);
    assert_eq!(e.findings[0].time(), None);
}
