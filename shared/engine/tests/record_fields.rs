//! User rule paths beyond the typed fields and the four sections (`resources.ARN`,
//! `tlsDetails.tlsVersion`, `userIdentity.sessionContext.attributes.mfaAuthenticated`, …),
//! read from the whole record: through `Pipeline::read` of JSON lines, a CloudTrail log file
//! and an EventBridge event (whose own `resources` must not be mistaken for the record's), a
//! record set aside for lookups and judged again, and a rule's own samples.

use aidr_engine::enrich::Answers;
use aidr_engine::input::Layout;
use aidr_engine::user_rules::{SourceFile, UserRule, load, run_samples};
use aidr_engine::{Finding, Organization, Pipeline, Registry};
use serde_json::{Value, json};

const ID: &str = "acme.object_read_through_endpoint";

/// A rule testing one path of each new kind; its summary reads several of them.
const RULE: &str = r#"
id: acme.object_read_through_endpoint
title: Object read without MFA through an endpoint
severity: medium
area: data
description: A test of the paths read from the whole record.
events: [{source: s3.amazonaws.com, names: [GetObject]}]
condition:
  all:
    - {field: userIdentity.sessionContext.attributes.mfaAuthenticated, equals: false}
    - {field: userIdentity.sessionContext.sessionIssuer.principalId, starts_with: AROA}
    - {field: userIdentity.sessionContext.webIdFederationData.federatedProvider, equals: accounts.google.com}
    - {field: resources.ARN, ends_with: /secret.txt}
    - {field: tlsDetails.tlsVersion, equals: TLSv1.2}
    - {field: tlsDetails.clientProvidedHostHeader, contains: s3}
    - {field: vpcEndpointId, starts_with: vpce-}
summary: 'read {resources.ARN} over {tlsDetails.tlsVersion} through {vpcEndpointId} ({vpcEndpointAccountId})'
"#;

fn rule() -> UserRule {
    let file = SourceFile {
        origin: "rules/object.yaml".into(),
        text: RULE.into(),
    };
    load(&[file]).unwrap_or_else(|e| panic!("{e}")).remove(0)
}

fn pipeline() -> Pipeline {
    Pipeline::new(
        Registry::with_user_rules(vec![rule()]).unwrap(),
        Organization::default(),
        None,
    )
}

/// A GetObject record; `mfa` is what `mfaAuthenticated` says (CloudTrail writes a string).
fn record(id: &str, mfa: &str) -> Value {
    json!({
        "eventVersion": "1.09", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
        "eventID": id, "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
        "eventTime": "2026-03-02T10:00:00Z",
        "userIdentity": {
            "type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/Web/s",
            "sessionContext": {
                "attributes": {"mfaAuthenticated": mfa, "creationDate": "2026-03-02T09:00:00Z"},
                "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEID", "arn": "arn:aws:iam::111122223333:role/Web"},
                "webIdFederationData": {"federatedProvider": "accounts.google.com", "attributes": {}}
            }
        },
        "requestParameters": {"bucketName": "b", "key": "secret.txt"},
        "resources": [
            {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/secret.txt"},
            {"accountId": "111122223333", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}
        ],
        "tlsDetails": {"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
            "clientProvidedHostHeader": "b.s3.us-east-1.amazonaws.com"},
        "vpcEndpointId": "vpce-0123", "vpcEndpointAccountId": "111122223333",
        "readOnly": true, "managementEvent": false, "eventCategory": "Data"
    })
}

fn eventbridge(detail: &Value) -> Value {
    json!({"version": "0", "id": "e", "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
        "account": "111122223333", "region": "us-east-1", "resources": [{"ARN": "arn:aws:s3:::b/secret.txt"}],
        "detail": detail})
}

fn read(text: &str, layout: Layout) -> Vec<Finding> {
    let evaluation = pipeline().read(text.as_bytes(), layout, "test");
    assert!(evaluation.errors.is_empty(), "{:?}", evaluation.errors);
    evaluation.findings.into_iter().filter(|f| f.rule_id == ID).collect()
}

fn ids(findings: &[Finding]) -> Vec<String> {
    findings.iter().flat_map(Finding::event_ids).cloned().collect()
}

const SUMMARY: &str = "read arn:aws:s3:::b/secret.txt, arn:aws:s3:::b over TLSv1.2 through vpce-0123 \
                       (111122223333) in account 111122223333 (us-east-1)";

#[test]
fn json_lines() {
    let text = format!("{}\n{}\n", record("no-mfa", "false"), record("mfa", "true"));
    let found = read(&text, Layout::Lines);
    assert_eq!(ids(&found), ["no-mfa"]);
    assert_eq!(found[0].summary, SUMMARY);
}

#[test]
fn a_cloudtrail_log_file() {
    let mut other_tls = record("old-tls", "false");
    other_tls["tlsDetails"]["tlsVersion"] = json!("TLSv1.3");
    let mut no_endpoint = record("public", "false");
    no_endpoint.as_object_mut().unwrap().remove("vpcEndpointId");
    let log = json!({"Records": [record("mfa", "true"), record("no-mfa", "false"), other_tls, no_endpoint]});
    let found = read(&log.to_string(), Layout::Stream);
    assert_eq!(ids(&found), ["no-mfa"]);
    assert_eq!(found[0].summary, SUMMARY);
}

#[test]
fn an_eventbridge_event_reads_its_detail() {
    let found = read(&eventbridge(&record("no-mfa", "false")).to_string(), Layout::Stream);
    assert_eq!(ids(&found), ["no-mfa"]);
    assert_eq!(found[0].summary, SUMMARY);
    // The envelope's own `resources` is not the record's.
    let mut elsewhere = record("elsewhere", "false");
    elsewhere["resources"] = json!([{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/public.txt"}]);
    assert!(read(&eventbridge(&elsewhere).to_string(), Layout::Stream).is_empty());
}

#[test]
fn a_record_set_aside_for_lookups_is_judged_again_with_its_text() {
    // A customer-managed policy attached: the built-in rule asks for its document, so the
    // record is set aside; the user rule runs again on the deferred record's text.
    let rule = r#"
id: acme.attach_over_old_tls
title: Policy attached over old TLS
severity: low
area: access
description: A test.
events: [{source: iam.amazonaws.com, names: [AttachUserPolicy]}]
condition: {field: tlsDetails.tlsVersion, equals: TLSv1.2}
summary: 'attached over {tlsDetails.tlsVersion}'
"#;
    let file = SourceFile {
        origin: "rules/attach.yaml".into(),
        text: rule.into(),
    };
    let rules = load(&[file]).unwrap_or_else(|e| panic!("{e}"));
    let registry = Registry::with_user_rules(rules).unwrap();
    let pipeline = Pipeline::new(registry, Organization::default(), None).with_lookups();
    let text = json!({"eventSource": "iam.amazonaws.com", "eventName": "AttachUserPolicy", "eventID": "a",
        "recipientAccountId": "111122223333", "awsRegion": "us-east-1",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/Deploy/s"},
        "requestParameters": {"userName": "dev", "policyArn": "arn:aws:iam::111122223333:policy/Ops"},
        "tlsDetails": {"tlsVersion": "TLSv1.2"}})
    .to_string();
    let mut evaluation = pipeline.read(text.as_bytes(), Layout::Lines, "test");
    assert_eq!(evaluation.deferred.len(), 1, "set aside");
    assert!(evaluation.findings.is_empty());
    let deferred = std::mem::take(&mut evaluation.deferred);
    pipeline.rejudge(&deferred[0], &Answers::default(), &mut evaluation);
    let mine: Vec<&str> = evaluation
        .findings
        .iter()
        .filter(|f| f.rule_id == "acme.attach_over_old_tls")
        .map(|f| f.summary.as_str())
        .collect();
    assert_eq!(mine, ["attached over TLSv1.2 in account 111122223333 (us-east-1)"]);
}

#[test]
fn samples_are_read_with_their_text() {
    let with_mfa = record("mfa", "true");
    let samples = format!(
        "samples:\n  match: [{}, {}]\n  no_match: [{}, {}]\n",
        record("no-mfa", "false"),
        eventbridge(&record("no-mfa", "false")),
        with_mfa,
        eventbridge(&with_mfa),
    );
    let file = SourceFile {
        origin: "rules/object.yaml".into(),
        text: format!("{RULE}{samples}"),
    };
    let rules = load(&[file]).unwrap_or_else(|e| panic!("{e}"));
    let outcomes = run_samples(&rules[0]);
    assert_eq!(outcomes.len(), 4);
    assert!(outcomes.iter().all(|o| o.passed()), "{outcomes:#?}");
    assert_eq!(outcomes[0].summary.as_deref(), Some(SUMMARY));
}

#[test]
fn a_console_login_without_mfa() {
    // What SigmaHQ's console login rules test: the session's MFA flag, a string.
    let rule = r#"
id: acme.console_login_without_mfa
title: Console login without MFA
severity: medium
area: access
description: A test.
events: [{source: signin.amazonaws.com, names: [ConsoleLogin]}]
condition:
  all:
    - {field: userIdentity.sessionContext.attributes.mfaAuthenticated, equals: 'false'}
    - {field: responseElements.ConsoleLogin, equals: Success}
"#;
    let file = SourceFile {
        origin: "rules/login.yaml".into(),
        text: rule.into(),
    };
    let registry = Registry::with_user_rules(load(&[file]).unwrap_or_else(|e| panic!("{e}"))).unwrap();
    let pipeline = Pipeline::new(registry, Organization::default(), None);
    let login = |id: &str, mfa: &str| {
        json!({"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "eventID": id,
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/Admin/bob",
                "sessionContext": {"attributes": {"mfaAuthenticated": mfa}}},
            "responseElements": {"ConsoleLogin": "Success"}})
        .to_string()
    };
    let text = [login("without", "false"), login("with", "true")].join("\n");
    let evaluation = pipeline.read(text.as_bytes(), Layout::Lines, "test");
    let found: Vec<String> = evaluation
        .findings
        .iter()
        .filter(|f| f.rule_id == "acme.console_login_without_mfa")
        .flat_map(Finding::event_ids)
        .cloned()
        .collect();
    assert_eq!(found, ["without"]);
}

#[test]
fn an_unknown_root_is_still_refused() {
    let text = RULE.replace("field: vpcEndpointId", "field: status.vpcEndpointId");
    let file = SourceFile {
        origin: "rules/object.yaml".into(),
        text,
    };
    let shown = load(&[file]).unwrap_err().to_string();
    assert!(shown.starts_with("rules/object.yaml:"), "{shown}");
    assert!(
        shown.contains(r#"field path "status.vpcEndpointId" names no field aidr reads"#),
        "{shown}"
    );
    assert!(
        shown.contains("hint: a path starts with a record field: eventTime,"),
        "{shown}"
    );
}
