//! User rules end to end: rule files loaded and compiled (or refused with file, line and
//! hint), joined to the built-in catalog in one registry (wildcard events too), run by the
//! pipeline into findings, and their own samples run; the issue's example rule under
//! `samples/user-rules/` passes its samples.

use aidr_engine::input::Layout;
use aidr_engine::patterns::patterns;
use aidr_engine::rules::EventRule;
use aidr_engine::user_rules::{SourceFile, UserRule, load, read_dir, run_samples};
use aidr_engine::{DedupeScope, Finding, Organization, Pipeline, Registry, Severity};
use aidr_testkit::samples::repo_root;
use serde_json::{Value, json};

fn file(origin: &str, text: &str) -> SourceFile {
    SourceFile {
        origin: origin.into(),
        text: text.into(),
    }
}

/// A rule file: the header of rule `id` consuming `events` (YAML flow), then `body`.
fn rule_text(id: &str, events: &str, body: &str) -> String {
    format!(
        "id: {id}\ntitle: Test rule\nseverity: medium\narea: model\ndescription: A test.\n\
         events: {events}\n{body}"
    )
}

fn rules(id: &str, events: &str, body: &str) -> Vec<UserRule> {
    load(&[file("test.yaml", &rule_text(id, events, body))]).unwrap_or_else(|e| panic!("{e}"))
}

fn pipeline(rules: Vec<UserRule>) -> Pipeline {
    let registry = Registry::with_user_rules(rules).unwrap();
    Pipeline::new(registry, Organization::default(), None)
}

fn findings(pipeline: &Pipeline, record: &Value) -> Vec<Finding> {
    let text = record.to_string();
    let evaluation = pipeline.read(text.as_bytes(), Layout::Stream, "test");
    assert!(evaluation.errors.is_empty(), "{:?}", evaluation.errors);
    evaluation.findings
}

fn of<'f>(findings: &'f [Finding], id: &str) -> Vec<&'f Finding> {
    findings.iter().filter(|f| f.rule_id == id).collect()
}

fn example() -> Vec<UserRule> {
    let files = read_dir(&repo_root().join("samples/user-rules")).unwrap();
    assert!(!files.is_empty());
    load(&files).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_issue_example_passes_its_samples() {
    let rules = example();
    let rule = rules
        .iter()
        .find(|r| r.id() == "acme.sagemaker_endpoint_outside_ml_platform")
        .expect("the example rule");
    let outcomes = run_samples(rule);
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let (must, must_not) = outcomes.iter().partition::<Vec<_>, _>(|o| o.expected);
    assert_eq!((must.len(), must_not.len()), (2, 3));
    assert_eq!(
        outcomes[0].summary.as_deref(),
        Some(
            "arn:aws:sts::111122223333:assumed-role/DataScientist/alice created endpoint churn-xgb \
             outside the ML platform in account 111122223333 (us-east-1)"
        )
    );
    // Through the catalog's registry: the long-term key raises it to critical.
    let pipeline = pipeline(rules.clone());
    let sample = &rule.samples().must_match[1];
    let found = findings(&pipeline, sample);
    let mine = of(&found, rule.id());
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].severity, Severity::Critical);
    assert_eq!(mine[0].resources, ["fraud-llm"], "no endpointArn in the response");
    assert_eq!(
        mine[0].dedupe_key,
        "acme.sagemaker_endpoint_outside_ml_platform|111122223333|arn:aws:iam::111122223333:user/bob|fraud-llm"
    );
    let bridge = findings(&pipeline, &rule.samples().must_match[0]);
    let mine = of(&bridge, rule.id());
    assert_eq!(mine[0].severity, Severity::High);
    assert_eq!(
        mine[0].resources[0],
        "arn:aws:sagemaker:us-east-1:111122223333:endpoint/churn-xgb"
    );
}

#[test]
fn wildcard_events_join_the_catalogs_index() {
    // The catalog consumes sagemaker CreateEndpointConfig; CreateEndpoint and DeleteEndpoint
    // are the user rule's alone.
    let catalog = Registry::builtin();
    let consumed = catalog.event_keys();
    assert!(consumed.contains(&("sagemaker.amazonaws.com", "CreateEndpointConfig")));
    for alone in ["CreateEndpoint", "DeleteEndpoint"] {
        assert!(!consumed.contains(&("sagemaker.amazonaws.com", alone)), "{alone}");
    }
    let pipeline = pipeline(rules(
        "acme.endpoint_changes",
        "[{source: sagemaker.amazonaws.com, names: ['CreateEndpoint*', 'Delete?ndpoint']}]",
        "summary: '{eventName} of {requestParameters.endpointConfigName}{requestParameters.endpointName}'",
    ));
    let event = |name: &str| -> Value {
        let text =
            std::fs::read_to_string(repo_root().join("events/sagemaker/CreateEndpointConfig-capture-disabled.json"))
                .unwrap();
        let mut event: Value = serde_json::from_str(&text).unwrap();
        event["detail"]["eventName"] = json!(name);
        event
    };
    // Exact key of the catalog, also matched by the pattern: both fire.
    let merged = findings(&pipeline, &event("CreateEndpointConfig"));
    assert_eq!(of(&merged, "acme.endpoint_changes").len(), 1);
    assert!(
        merged.iter().any(|f| f.rule_id.starts_with("sagemaker.")),
        "the catalog's rule still fires: {merged:#?}"
    );
    // Keys only the pattern consumes.
    for name in ["CreateEndpoint", "DeleteEndpoint"] {
        let found = findings(&pipeline, &event(name));
        assert_eq!(found.len(), 1, "{name}: {found:#?}");
        assert!(
            found[0].summary.starts_with(&format!("{name} of ")),
            "{}",
            found[0].summary
        );
    }
    for name in ["DeleteEndpointConfig", "UpdateEndpoint"] {
        assert!(findings(&pipeline, &event(name)).is_empty(), "{name}");
    }
    // `aidr patterns` routes them with EventBridge wildcards.
    let p = patterns(pipeline.registry());
    let names = &p["write"]["detail"]["eventName"];
    let names = names.as_array().unwrap();
    assert!(names.contains(&json!({"wildcard": "CreateEndpoint*"})), "{p}");
    assert!(names.contains(&json!({"wildcard": "Delete*ndpoint"})), "{p}");
    assert!(names.contains(&json!("CreateEndpointConfig")), "{p}");
}

#[test]
fn dedupe_fields_and_scope_shape_the_key() {
    let body = "summary: '{userIdentity.userName} created {requestParameters.endpointName}'\n\
                resources: [requestParameters.endpointName]\n\
                dedupe: {fields: [requestParameters.endpointConfigName], window: 30m}";
    let pipeline = pipeline(rules(
        "acme.endpoint_created",
        "[{source: sagemaker.amazonaws.com, names: [CreateEndpoint]}]",
        body,
    ));
    let record = |endpoint: &str, config: &str| {
        json!({"eventSource": "sagemaker.amazonaws.com", "eventName": "CreateEndpoint",
            "recipientAccountId": "111122223333", "awsRegion": "eu-west-1",
            "userIdentity": {"type": "IAMUser", "userName": "bob", "arn": "arn:aws:iam::111122223333:user/bob"},
            "requestParameters": {"endpointName": endpoint, "endpointConfigName": config}})
    };
    let key = |endpoint: &str, config: &str| findings(&pipeline, &record(endpoint, config))[0].dedupe_key.clone();
    assert_eq!(
        key("a", "cfg-1"),
        "acme.endpoint_created|111122223333|arn:aws:iam::111122223333:user/bob|cfg-1"
    );
    assert_ne!(key("a", "cfg-1"), key("a", "cfg-2"));
    assert_eq!(
        key("a", "cfg-1"),
        key("b", "cfg-1"),
        "the resource does not key it: the field does"
    );
    let finding = &findings(&pipeline, &record("ep", "cfg"))[0];
    assert_eq!(finding.summary, "bob created ep in account 111122223333 (eu-west-1)");
    assert_eq!(finding.dedupe_window_secs, 1800);
    assert_eq!(finding.resources, ["ep"]);

    let per_call = pipeline_of(
        "acme.per_call",
        "dedupe: {per: call}\nresources: [requestParameters.endpointName]",
    );
    let mut r = record("ep", "cfg");
    r["eventID"] = json!("ev-1");
    assert_eq!(
        findings(&per_call, &r)[0].dedupe_key,
        "acme.per_call|111122223333|arn:aws:iam::111122223333:user/bob|ev-1"
    );
    let per_principal = pipeline_of("acme.per_principal", "dedupe: {per: principal, window: 1d}");
    let f = &findings(&per_principal, &r)[0];
    assert!(f.dedupe_key.ends_with("|medium"), "{}", f.dedupe_key);
    assert_eq!(
        f.summary,
        "bob called CreateEndpoint in account 111122223333 (eu-west-1)"
    );
    // A call a service made on the caller's behalf: held low, and the summary says so.
    let mut by_service = record("ep", "cfg");
    by_service["userIdentity"] = json!({"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"});
    let f = &findings(&pipeline, &by_service)[0];
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(
        f.summary,
        "unknown created ep (made by cloudformation.amazonaws.com on the customer's behalf) \
         in account 111122223333 (eu-west-1)"
    );
    let rule = &rules(
        "acme.x",
        "[{source: s.amazonaws.com, names: [X]}]",
        "dedupe: {per: principal}",
    )[0];
    assert_eq!(rule.metadata().alert.per, DedupeScope::Principal);
}

fn pipeline_of(id: &str, body: &str) -> Pipeline {
    pipeline(rules(
        id,
        "[{source: sagemaker.amazonaws.com, names: [CreateEndpoint]}]",
        body,
    ))
}

#[test]
fn failed_calls_reach_only_rules_that_ask_and_adjust_severity() {
    let record = json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "errorCode": "AccessDenied",
        "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accessKeyId": "AKIAROOT"}});
    let skip = pipeline(rules(
        "acme.users",
        "[{source: iam.amazonaws.com, names: [CreateUser]}]",
        "",
    ));
    assert!(of(&findings(&skip, &record), "acme.users").is_empty());
    let body = "failed_calls: true\nadjustments: {long_term_key: '+1', root: critical, failed_call: '-1'}";
    let take = pipeline(rules(
        "acme.users",
        "[{source: iam.amazonaws.com, names: [CreateUser]}]",
        body,
    ));
    let found = findings(&take, &record);
    let mine = of(&found, "acme.users");
    assert_eq!(mine[0].severity, Severity::High, "+1, then critical, then -1");
    assert!(
        mine[0].summary.ends_with("[failed: AccessDenied]"),
        "{}",
        mine[0].summary
    );
}

#[test]
fn one_rule_or_a_list_per_file_and_ids_unique_across_files() {
    let one = rule_text("acme.one", "[{source: s.amazonaws.com, names: [A]}]", "");
    let list = format!(
        "- {}\n- {}\n",
        rule_text("acme.two", "[{source: s.amazonaws.com, names: [B]}]", "")
            .replace('\n', "\n  ")
            .trim_end(),
        rule_text("acme.three", "[{source: s.amazonaws.com, names: [C]}]", "")
            .replace('\n', "\n  ")
            .trim_end()
    );
    let loaded = load(&[file("one.yaml", &one), file("list.yaml", &list)]).unwrap();
    let ids: Vec<&str> = loaded.iter().map(UserRule::id).collect();
    assert_eq!(ids, ["acme.one", "acme.two", "acme.three"]);
    let registry = Registry::with_user_rules(loaded).unwrap();
    assert!(registry.get("acme.three").is_some() && registry.get("bedrock.guardrail_deleted").is_some());

    let again = rule_text("acme.two", "[{source: s.amazonaws.com, names: [Z]}]", "");
    let e = load(&[file("list.yaml", &list), file("again.yaml", &again)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "again.yaml:1: rule acme.two: the id is defined twice: in list.yaml and here \
         (hint: rule ids are unique across every file loaded)"
    );
    // The registry refuses a second rule of one id too.
    let twice = [
        load(&[file("a.yaml", &one)]).unwrap(),
        load(&[file("b.yaml", &one)]).unwrap(),
    ]
    .concat();
    assert_eq!(
        Registry::with_user_rules(twice).err(),
        Some(aidr_engine::registry::RegistryError::DuplicateId("acme.one".into()))
    );
}

#[test]
fn compile_errors_name_file_line_rule_and_hint() {
    let events = "[{source: s.amazonaws.com, names: [A]}]";
    // (rule id, body, the error's line, what its text holds)
    let cases: &[(&str, &str, Option<usize>, &str)] = &[
        (
            "Acme.Bad-Id",
            "",
            Some(1),
            "is not of the form namespace.snake_case_name",
        ),
        (
            "sagemaker.mine",
            "",
            Some(1),
            "(hint: use your own namespace, e.g. acme.mine)",
        ),
        (
            "acme.x",
            "condition:\n  field: eventName\n  equal: A\n",
            Some(9),
            "unknown field `equal`, expected one of",
        ),
        (
            "acme.x",
            "condition: {field: eventName, equals: A, contains: B}\n",
            Some(7),
            "has 2 operators",
        ),
        ("acme.x", "condition: {field: eventName}\n", Some(7), "has no operator"),
        (
            "acme.x",
            "condition:\n  field: eventName\n  regex: 'a(b'\n",
            Some(9),
            "condition.regex: invalid regular expression",
        ),
        (
            "acme.x",
            "condition:\n  field: sourceIPAddress\n  cidr: 10.0.0.0/99\n",
            Some(9),
            "condition.cidr: \"10.0.0.0/99\" is not a network",
        ),
        (
            "acme.x",
            "condition:\n  field: sourceIpAddress\n  exists: true\n",
            Some(8),
            "(hint: did you mean `sourceIPAddress`?)",
        ),
        (
            "acme.x",
            "condition:\n  field: useridentity.sessionContext.attributes.mfaAuthenticated\n  equals: 'true'\n",
            Some(8),
            "hint: did you mean `userIdentity.sessionContext.attributes.mfaAuthenticated`?",
        ),
        (
            "acme.x",
            "summary: '{eventName did it'\n",
            Some(7),
            "summary: a `{` without its `}`",
        ),
        (
            "acme.x",
            "dedupe:\n  window: soon\n",
            Some(8),
            "dedupe.window: \"soon\" is not a window",
        ),
    ];
    for (id, body, line, expected) in cases {
        let text = rule_text(id, events, body);
        let e = load(&[file("rules/x.yaml", &text)]).expect_err(body);
        let shown = e.to_string();
        assert!(shown.contains(expected), "{id} {body:?}: {shown}");
        assert_eq!(e.line, *line, "{id} {body:?}: {shown}");
        assert!(shown.starts_with(&format!("rules/x.yaml:{}", line.unwrap())), "{shown}");
    }
}
