//! Sigma conversion: each sample of `samples/sigma/supported` becomes exactly the user rule
//! expected here, each sample of `samples/sigma/refused` is refused with its part and reason.

use aidr_engine::sigma::{KEYWORD_FIELDS, Refusal, convert, to_yaml};
use aidr_engine::user_rules::{ConditionDoc, EventsDoc, RuleDoc};
use aidr_engine::{Area, Severity};
use aidr_testkit::samples::repo_root;

fn read(path: &str) -> String {
    let path = repo_root().join("samples/sigma").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rules of a supported sample, every document converted.
fn rules(name: &str) -> Vec<RuleDoc> {
    convert(&read(&format!("supported/{name}")), name)
        .into_iter()
        .map(|r| r.unwrap_or_else(|refusal| panic!("{refusal}")))
        .collect()
}

fn rule(name: &str) -> RuleDoc {
    let mut all = rules(name);
    assert_eq!(all.len(), 1, "{name}: one rule");
    all.remove(0)
}

fn refusal(name: &str) -> Refusal {
    let mut all = convert(&read(&format!("refused/{name}")), name);
    assert_eq!(all.len(), 1, "{name}: one document");
    match all.remove(0) {
        Ok(doc) => panic!("{name} converted:\n{}", to_yaml(&doc)),
        Err(r) => r,
    }
}

/// Compared as JSON: a YAML list under `equals` reads back as one array value
/// (`OneOrMany<Value>` is untagged), which means the same list of alternatives.
fn assert_condition(actual: &Option<ConditionDoc>, expected: ConditionDoc) {
    let json = |c: &ConditionDoc| serde_json::to_value(c).expect("a condition serializes");
    let actual = actual.as_ref().expect("a condition");
    assert_eq!(
        json(actual),
        json(&expected),
        "converted:\n{}",
        yaml_serde::to_string(actual).unwrap_or_default()
    );
}

fn condition(yaml: &str) -> ConditionDoc {
    yaml_serde::from_str(yaml).expect("expected condition is valid YAML")
}

fn events(pairs: &[(&str, &[&str])]) -> Vec<EventsDoc> {
    pairs
        .iter()
        .map(|(source, names)| EventsDoc {
            source: source.to_string(),
            names: names.iter().map(|n| n.to_string()).collect(),
        })
        .collect()
}

/// `eventSource` and `eventName` equal to the values, as every sample starts.
const SOURCE_AND_NAME: &str = "
- field: eventSource
  equals: {source}
  ignore_case: true
- field: eventName
  equals: {name}
  ignore_case: true
";

/// `all` of the source and name tests and the further tests (YAML list items).
fn all_with(source: &str, name: &str, more: &str) -> ConditionDoc {
    let head = SOURCE_AND_NAME.replace("{source}", source).replace("{name}", name);
    condition(&format!("all:\n{}{}", indent(&head), indent(more)))
}

fn indent(list: &str) -> String {
    list.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("  {l}\n"))
        .collect()
}

#[test]
fn metadata_comes_from_the_sigma_rule() {
    let doc = rule("modifier_contains.yml");
    assert_eq!(doc.id, "sigma.sagemaker_notebook_created_with_root_access");
    assert_eq!(doc.title, "SageMaker Notebook Created With Root Access");
    assert_eq!(doc.severity, Severity::High);
    assert_eq!(doc.area, Area::Model);
    assert_eq!(doc.techniques, vec!["T1078.004"]);
    assert_eq!(
        doc.description,
        "A notebook instance is created whose lifecycle configuration name mentions root."
    );
    assert_eq!(
        doc.remediation,
        "Known false positives: Data scientists who need system packages."
    );
    assert_eq!(doc.controls, vec!["sigma:1b7c3f0e-2a44-4d8e-9c1a-5f6e7d8c9b01"]);
    assert_eq!(
        doc.events,
        events(&[("sagemaker.amazonaws.com", &["CreateNotebookInstance"])])
    );
    // A Sigma rule matches failed calls too.
    assert!(doc.failed_calls);
    assert_eq!((doc.summary, doc.resources, doc.dedupe), (None, vec![], None));
    let expected = all_with(
        "sagemaker.amazonaws.com",
        "CreateNotebookInstance",
        "- {field: requestParameters.lifecycleConfigName, contains: root, ignore_case: true}",
    );
    assert_condition(&doc.condition, expected);
}

#[test]
fn startswith_and_endswith_lists() {
    let doc = rule("modifier_startswith.yml");
    let more = "- {field: userIdentity.accessKeyId, starts_with: AKIA, ignore_case: true}";
    assert_condition(&doc.condition, all_with("bedrock.amazonaws.com", "InvokeModel", more));
    let doc = rule("modifier_endswith.yml");
    let more = "- {field: requestParameters.key, ends_with: [.safetensors, .pt], ignore_case: true}";
    assert_condition(&doc.condition, all_with("s3.amazonaws.com", "GetObject", more));
    assert_eq!(doc.area, Area::Data);
}

#[test]
fn regular_expressions_keep_case_unless_i() {
    let doc = rule("modifier_re.yml");
    let more = r"
- {field: requestParameters.trainingJobName, regex: '^tmp-[0-9a-f]{8}$'}
- {field: userAgent, regex: '(?i)boto3/1\.'}";
    assert_condition(
        &doc.condition,
        all_with("sagemaker.amazonaws.com", "CreateTrainingJob", more),
    );
}

#[test]
fn all_makes_one_test_per_value() {
    let doc = rule("modifier_all.yml");
    let more = "
- {field: requestParameters.policyDocument, contains: Allow, ignore_case: true}
- {field: requestParameters.policyDocument, contains: 'sagemaker:', ignore_case: true}";
    assert_condition(&doc.condition, all_with("iam.amazonaws.com", "PutRolePolicy", more));
    assert_eq!(doc.area, Area::Access);
}

#[test]
fn cidr_under_not() {
    let doc = rule("modifier_cidr.yml");
    let more = "- not: {field: sourceIPAddress, cidr: [10.0.0.0/8, '2001:db8::/32']}";
    assert_condition(
        &doc.condition,
        all_with("sagemaker.amazonaws.com", "DeleteEndpoint", more),
    );
}

#[test]
fn wildcards_escapes_and_literal_stars() {
    let doc = rule("wildcards.yml");
    assert_eq!(doc.events, events(&[("bedrock.amazonaws.com", &["Update*"])]));
    let expected = condition(
        r"
all:
- {field: eventSource, equals: bedrock.amazonaws.com, ignore_case: true}
- {field: eventName, wildcard: Update*, ignore_case: true}
- {field: userIdentity.arn, wildcard: 'arn:aws:sts::*:assumed-role/break-glass-?/*', ignore_case: true}
- {field: requestParameters.name, equals: 'guard*rail', ignore_case: true}
- {field: requestParameters.description, regex: '(?is)^keep\*this.*$'}",
    );
    assert_condition(&doc.condition, expected);
}

#[test]
fn null_is_absent() {
    let doc = rule("null_value.yml");
    let more = "- {field: errorCode, exists: false}";
    assert_condition(
        &doc.condition,
        all_with("sagemaker.amazonaws.com", "DeleteModelPackage", more),
    );
    let doc = rule("failed_calls.yml");
    assert!(doc.failed_calls);
}

#[test]
fn booleans_and_integers_match_as_text_and_as_json() {
    let doc = rule("typed_values.yml");
    let more = "
- {field: requestParameters.rootAccess, equals: Enabled, ignore_case: true}
- {field: requestParameters.directInternetAccess, equals: ['true', true], ignore_case: true}
- {field: requestParameters.volumeSizeInGB, equals: [5, '5'], ignore_case: true}";
    assert_condition(
        &doc.condition,
        all_with("sagemaker.amazonaws.com", "UpdateNotebookInstance", more),
    );
}

#[test]
fn and_or_not_with_parentheses() {
    let doc = rule("condition_and_or_not.yml");
    let expected = condition(
        "
all:
- any:
  - all:
    - {field: eventSource, equals: bedrock.amazonaws.com, ignore_case: true}
    - {field: eventName, equals: DeleteModelInvocationLoggingConfiguration, ignore_case: true}
  - all:
    - {field: eventSource, equals: bedrock.amazonaws.com, ignore_case: true}
    - {field: eventName, equals: PutModelInvocationLoggingConfiguration, ignore_case: true}
    - {field: requestParameters.loggingConfig.textDataDeliveryEnabled, equals: ['false', false], ignore_case: true}
- not:
    any:
    - {field: userAgent, contains: terraform, ignore_case: true}
    - {field: userIdentity.type, equals: AWSService, ignore_case: true}",
    );
    assert_condition(&doc.condition, expected);
    assert_eq!(
        doc.events,
        events(&[(
            "bedrock.amazonaws.com",
            &[
                "DeleteModelInvocationLoggingConfiguration",
                "PutModelInvocationLoggingConfiguration"
            ]
        )])
    );
}

#[test]
fn one_of_all_of_and_them() {
    let doc = rule("condition_one_of.yml");
    let expected = condition(
        "
all:
- any:
  - all:
    - {field: eventSource, equals: sagemaker.amazonaws.com, ignore_case: true}
    - {field: eventName, equals: CreateEndpointConfig, ignore_case: true}
  - all:
    - {field: eventSource, equals: sagemaker.amazonaws.com, ignore_case: true}
    - {field: eventName, equals: UpdateEndpoint, ignore_case: true}
- not: {field: requestParameters.endpointName, starts_with: test-, ignore_case: true}",
    );
    assert_condition(&doc.condition, expected);
    assert_eq!(
        doc.events,
        events(&[("sagemaker.amazonaws.com", &["CreateEndpointConfig", "UpdateEndpoint"])])
    );

    let doc = rule("condition_all_of.yml");
    let more = "- {field: userIdentity.accessKeyId, starts_with: AKIA, ignore_case: true}";
    assert_condition(
        &doc.condition,
        all_with("bedrock.amazonaws.com", "PutUseCaseForModelAccess", more),
    );

    // `them` leaves out `_unused_helper`.
    let doc = rule("condition_them.yml");
    let expected = condition(
        "
any:
- all:
  - {field: eventSource, equals: sagemaker.amazonaws.com, ignore_case: true}
  - {field: eventName, equals: DeleteFeatureGroup, ignore_case: true}
- all:
  - {field: eventSource, equals: sagemaker.amazonaws.com, ignore_case: true}
  - {field: eventName, equals: DeleteRecord, ignore_case: true}",
    );
    assert_condition(&doc.condition, expected);
}

#[test]
fn a_list_of_maps_is_any_of_them() {
    let doc = rule("list_of_maps.yml");
    let expected = condition(
        "
any:
- all:
  - {field: eventSource, equals: sagemaker.amazonaws.com, ignore_case: true}
  - {field: eventName, equals: DeleteModelPackageGroup, ignore_case: true}
- all:
  - {field: eventSource, equals: sagemaker.amazonaws.com, ignore_case: true}
  - {field: eventName, equals: DeletePipeline, ignore_case: true}",
    );
    assert_condition(&doc.condition, expected);
}

#[test]
fn keywords_are_looked_for_in_the_textual_fields() {
    let doc = rule("keywords.yml");
    let Some(ConditionDoc { all: Some(parts), .. }) = doc.condition else {
        panic!("an all")
    };
    assert_eq!(parts.len(), 3);
    assert_condition(
        &Some(parts[1].clone()),
        condition("{field: eventName, equals: [ListRoles, ListUsers], ignore_case: true}"),
    );
    let Some(keyword_tests) = &parts[2].any else {
        panic!("keywords are an any")
    };
    let contains: Vec<ConditionDoc> = KEYWORD_FIELDS
        .iter()
        .map(|f| condition(&format!("{{field: {f}, contains: pacu, ignore_case: true}}")))
        .collect();
    let wildcard: Vec<ConditionDoc> = KEYWORD_FIELDS
        .iter()
        .map(|f| condition(&format!("{{field: {f}, wildcard: '*cloud*fox*', ignore_case: true}}")))
        .collect();
    assert_eq!(*keyword_tests, [contains, wildcard].concat());
    assert!(doc.failed_calls);
}

#[test]
fn events_pinned_by_only_a_source_or_only_a_name() {
    let doc = rule("events_source_only.yml");
    assert_eq!(doc.events, events(&[("bedrock-agent.amazonaws.com", &["*"])]));
    let doc = rule("events_name_only.yml");
    assert_eq!(doc.events, events(&[("*", &["CreateFoundationModelAgreement"])]));
    assert_eq!(
        doc.condition,
        Some(condition(
            "{field: eventName, equals: CreateFoundationModelAgreement, ignore_case: true}"
        ))
    );
}

#[test]
fn a_rule_that_names_no_event_consumes_every_event() {
    let doc = rule("every_event.yml");
    assert_eq!(doc.events, events(&[("*", &["*"])]));
}

/// The `title:` of a Sigma file.
fn rules_title(path: &str) -> String {
    let text = read(path);
    let line = text.lines().find(|l| l.starts_with("title:")).expect("a title");
    line["title:".len()..].trim().to_owned()
}

#[test]
fn several_documents_and_rule_collections() {
    let ids: Vec<String> = rules("multi_document.yml").into_iter().map(|d| d.id).collect();
    assert_eq!(
        ids,
        [
            "sigma.notebook_presigned_url_created",
            "sigma.studio_presigned_url_created"
        ]
    );

    // The global document gives logsource, eventSource, the condition and a level the
    // second rule overrides.
    let docs = rules("collection_global.yml");
    assert_eq!(docs.len(), 2);
    let summary: Vec<(&str, Severity, &EventsDoc)> =
        docs.iter().map(|d| (d.id.as_str(), d.severity, &d.events[0])).collect();
    let stop_training = &events(&[("sagemaker.amazonaws.com", &["StopTrainingJob"])])[0];
    let stop_processing = &events(&[("sagemaker.amazonaws.com", &["StopProcessingJob"])])[0];
    assert_eq!(
        summary,
        [
            ("sigma.training_job_stopped", Severity::Medium, stop_training),
            ("sigma.processing_job_stopped", Severity::Low, stop_processing)
        ]
    );
    assert_condition(
        &docs[0].condition,
        all_with("sagemaker.amazonaws.com", "StopTrainingJob", ""),
    );
}

#[test]
fn converted_rules_are_valid_rule_files() {
    let dir = repo_root().join("samples/sigma/supported");
    for entry in std::fs::read_dir(&dir).expect("supported samples") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        for doc in rules(&name) {
            let text = to_yaml(&doc);
            let back: RuleDoc = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
            assert_eq!(to_yaml(&back), text, "{name}");
        }
    }
}

#[test]
fn a_converted_rule_matches_failed_calls_too() {
    // The notebook rule does not name errorCode; Sigma still means it for failed calls.
    let mut doc = rule("modifier_contains.yml");
    assert!(doc.failed_calls);
    let record = |error: Option<&str>| {
        let mut r = serde_json::json!({
            "eventSource": "sagemaker.amazonaws.com", "eventName": "CreateNotebookInstance",
            "recipientAccountId": "111122223333", "awsRegion": "us-east-1",
            "requestParameters": {"lifecycleConfigName": "run-as-root"}
        });
        if let Some(code) = error {
            r["errorCode"] = serde_json::json!(code);
        }
        r
    };
    doc.samples.must_match = vec![record(Some("AccessDenied")), record(None)];
    let compiled = aidr_engine::user_rules::compile(&doc).expect("compiles");
    let outcomes = aidr_engine::user_rules::run_samples(&compiled);
    assert!(outcomes.iter().all(|o| o.passed()), "{outcomes:?}");
}

#[test]
fn refused_constructs_name_the_part_and_the_reason() {
    let cases: [(&str, &str, &str); 17] = [
        (
            "logsource_windows.yml",
            "logsource",
            "product windows / service (none) is not AWS CloudTrail",
        ),
        (
            "modifier_base64offset.yml",
            "detection.selection.requestParameters.bucketName|base64offset|contains",
            "modifier `base64offset` is not supported",
        ),
        (
            "modifier_fieldref.yml",
            "detection.filter_self.userIdentity.userName|fieldref",
            "modifier `fieldref`",
        ),
        (
            "modifier_expand.yml",
            "detection.filter_country.sourceIPAddress|expand",
            "modifier `expand`",
        ),
        (
            "modifier_unknown.yml",
            "detection.selection.requestParameters.endpointName|contians",
            "unknown modifier `contians`",
        ),
        (
            "aggregation_count.yml",
            "condition",
            "the aggregation `| count() by userIdentity.arn > 100`",
        ),
        (
            "near.yml",
            "condition",
            "`near` (events close in time) is not converted",
        ),
        (
            "timeframe.yml",
            "detection.timeframe",
            "a time window over several events",
        ),
        (
            "regex_lookaround.yml",
            "detection.selection.requestParameters.roleName|re",
            "does not compile",
        ),
        ("correlation.yml", "correlation", "correlation rules"),
        (
            "field_unknown.yml",
            "detection (condition.all[2].field)",
            "field path \"status\" names no field aidr reads",
        ),
        (
            "event_name_space.yml",
            "detection (events[0].names[0])",
            "\"Create User\" is not an eventName",
        ),
        (
            "undefined_identifier.yml",
            "detection.condition",
            "names `filter`, which the detection does not define",
        ),
        ("contradictory_events.yml", "detection.condition", "no event can match"),
        (
            "cidr_invalid.yml",
            "detection.selection.sourceIPAddress|cidr",
            "`10.0.0.0/33` is not a network",
        ),
        ("level_unknown.yml", "level", "unknown level `severe`"),
        ("yaml_invalid.yml", "yaml", "line 4 column 1"),
    ];
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("samples/sigma/refused"))
        .expect("refused samples")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<&str> = cases.iter().map(|c| c.0).collect();
    expected.sort();
    assert_eq!(names, expected, "every refused sample has a case");
    for (name, part, reason) in cases {
        let r = refusal(name);
        assert_eq!(r.origin, name);
        assert_eq!(r.part, part, "{r}");
        assert!(r.reason.contains(reason), "{name}: {}", r.reason);
        assert!(r.to_string().starts_with(name) && r.to_string().contains(reason), "{r}");
    }
    assert_eq!(
        refusal("near.yml").rule_title.as_deref(),
        Some("Key Created Near A Login")
    );
}

#[test]
fn a_byte_order_mark_is_ignored_and_deep_nesting_refused() {
    let text = format!("\u{feff}{}", read("supported/failed_calls.yml"));
    let [Ok(doc)] = &convert(&text, "bom.yml")[..] else {
        panic!("one rule converted")
    };
    assert_eq!(doc.title, "Access Denied On Model Invocation");
    let deep = format!("title: Deep\ndetection:\n  selection: {}", "{a: ".repeat(100_000));
    let [Err(r)] = &convert(&deep, "deep.yml")[..] else {
        panic!("one refusal")
    };
    assert_eq!(r.part, "yaml");
    assert!(r.reason.starts_with("line 3 column 270: more than 64"), "{r}");
}

#[test]
fn a_refused_document_of_several_is_named_by_its_number() {
    let text = format!(
        "{}---\n{}",
        read("supported/events_name_only.yml"),
        read("refused/near.yml")
    );
    let results = convert(&text, "two.yml");
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    let r = results[1].clone().unwrap_err();
    assert_eq!(r.origin, "two.yml (document 2)");
    assert_eq!(r.rule_title.as_deref(), Some(rules_title("refused/near.yml").as_str()));
}

#[test]
fn sigmahq_check_files_hold_expectations_and_records() {
    let dir = repo_root().join("samples/sigma/sigmahq-checks");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("sigmahq-checks") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        let checks: Vec<serde_json::Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expects: Vec<&str> = checks.iter().filter_map(|c| c["expect"].as_str()).collect();
        assert_eq!(expects.len(), checks.len(), "{}", path.display());
        assert!(
            expects.contains(&"match") && expects.contains(&"no_match"),
            "{}",
            path.display()
        );
        for check in &checks {
            assert!(check["record"]["eventSource"].is_string() && check["record"]["eventName"].is_string());
        }
        files += 1;
    }
    assert_eq!(files, 5);
}
