use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::input::Layout;
use crate::ports::{DefaultVersion, LookupError, MemoryStore, now_or_never};
use crate::{Organization, Pipeline, Registry, Severity};

/// A [`Lookup`] that answers from fixed documents and counts its calls.
#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<String>>,
    /// Policy ARN -> (default version, document).
    policies: Vec<(&'static str, &'static str, Value)>,
    fail: Option<&'static str>,
    /// How long each call takes.
    delay: Duration,
}

impl Fake {
    fn call(&self, what: String) -> Result<(), LookupError> {
        self.calls.lock().unwrap().push(what.clone());
        std::thread::sleep(self.delay);
        match self.fail {
            Some(why) => Err(LookupError::new(what, why)),
            None => Ok(()),
        }
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

impl Lookup for Fake {
    async fn default_policy_version(&self, _: &str, arn: &str) -> Result<Option<DefaultVersion>, LookupError> {
        self.call("iam:GetPolicy".into())?;
        Ok(self.policies.iter().find(|p| p.0 == arn).map(|p| DefaultVersion {
            policy_id: format!("ANPA{}", p.0.len()),
            version: p.1.to_owned(),
        }))
    }
    async fn policy_version(&self, _: &str, arn: &str, version: &str) -> Result<Option<Value>, LookupError> {
        self.call(format!("iam:GetPolicyVersion {version}"))?;
        Ok(self
            .policies
            .iter()
            .find(|p| p.0 == arn && p.1 == version)
            .map(|p| p.2.clone()))
    }
    async fn inline_policy(
        &self,
        _: &str,
        kind: PrincipalKind,
        identity: &str,
        name: &str,
    ) -> Result<Option<Value>, LookupError> {
        self.call(format!("iam:Get{kind:?}Policy {identity} {name}"))?;
        Ok(Some(
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        ))
    }
    async fn guardrail(&self, _: &str, _: &str, id: &str) -> Result<Option<Value>, LookupError> {
        self.call(format!("bedrock:GetGuardrail {id}"))?;
        Ok(Some(json!({"contentPolicyConfig": {"filtersConfig": [
            {"type": "PROMPT_ATTACK", "inputStrength": "NONE", "outputStrength": "NONE"}]}})))
    }
}

const ADMIN_ARN: &str = "arn:aws:iam::111122223333:policy/Ops";

fn admin_doc() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

fn fake() -> Fake {
    Fake {
        policies: vec![(ADMIN_ARN, "v2", admin_doc())],
        ..Fake::default()
    }
}

fn record(name: &str, request: Value) -> String {
    let source = if name.contains("Guardrail") || name.contains("Logging") {
        "bedrock.amazonaws.com"
    } else {
        "iam.amazonaws.com"
    };
    json!({"eventSource": source, "eventName": name, "eventID": format!("id-{name}"),
        "recipientAccountId": "111122223333", "awsRegion": "us-east-1",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/Deploy/s"},
        "requestParameters": request})
    .to_string()
}

/// Reads `text` with a pipeline with lookups, answers what it set aside through `lookup` and
/// `store`, and judges it again: the findings, and the configurations to keep.
fn enriched(text: &str, lookup: &Fake, store: &MemoryStore) -> (Vec<crate::Finding>, Vec<crate::response::Observed>) {
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), None).with_lookups();
    let mut evaluation = pipeline.read(text.as_bytes(), Layout::Stream, "t");
    let resolver = Resolver::new(lookup, Duration::from_secs(5));
    let deferred = std::mem::take(&mut evaluation.deferred);
    let requests: Vec<&LookupRequest> = deferred.iter().flat_map(|d| &d.requests).collect();
    let answers = now_or_never(resolver.resolve(requests, store, 1_800_000_000)).unwrap();
    for d in &deferred {
        pipeline.rejudge(d, &answers, &mut evaluation);
    }
    (evaluation.findings, evaluation.configurations)
}

impl Lookup for &Fake {
    async fn default_policy_version(&self, a: &str, arn: &str) -> Result<Option<DefaultVersion>, LookupError> {
        (*self).default_policy_version(a, arn).await
    }
    async fn policy_version(&self, a: &str, arn: &str, v: &str) -> Result<Option<Value>, LookupError> {
        (*self).policy_version(a, arn, v).await
    }
    async fn inline_policy(&self, a: &str, k: PrincipalKind, i: &str, n: &str) -> Result<Option<Value>, LookupError> {
        (*self).inline_policy(a, k, i, n).await
    }
    async fn guardrail(&self, a: &str, r: &str, id: &str) -> Result<Option<Value>, LookupError> {
        (*self).guardrail(a, r, id).await
    }
}

#[test]
fn records_no_rule_asks_about_take_the_fast_path() {
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), None).with_lookups();
    let benign = [
        record(
            "AttachRolePolicy",
            json!({"roleName": "r", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        ),
        record(
            "AttachUserPolicy",
            json!({"userName": "u", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        ),
        record(
            "PutRolePolicy",
            json!({"roleName": "r", "policyName": "p", "policyDocument": "{\"Statement\":[]}"}),
        ),
    ];
    let evaluation = pipeline.read(benign.join("\n").as_bytes(), Layout::Lines, "t");
    assert!(evaluation.deferred.is_empty(), "{:?}", evaluation.deferred);
    let rules: Vec<&str> = evaluation.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(
        rules,
        ["iam.admin_policy_attached"],
        "AdministratorAccess needs no lookup"
    );
}

#[test]
fn a_customer_policy_attached_is_judged_on_its_default_version_and_cached() {
    let lookup = fake();
    let store = MemoryStore::default();
    let text = record("AttachUserPolicy", json!({"userName": "dev", "policyArn": ADMIN_ARN}));
    let (findings, _) = enriched(&text, &lookup, &store);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (findings[0].rule_id.as_str(), findings[0].severity),
        ("iam.admin_policy_attached", Severity::High)
    );
    assert!(
        findings[0].summary.contains("grants all actions on all resources"),
        "{}",
        findings[0].summary
    );
    assert_eq!(lookup.calls(), ["iam:GetPolicy", "iam:GetPolicyVersion v2"]);
    // The same policy again: the default version is asked, its document is not.
    enriched(&text, &lookup, &store);
    assert_eq!(
        lookup.calls()[2..],
        ["iam:GetPolicy".to_string(), "iam:GetPolicyVersion v2".to_string()]
    );
}

#[test]
fn the_cache_holds_default_versions_across_resolutions() {
    let lookup = fake();
    let resolver = Resolver::new(&lookup, Duration::from_secs(5));
    let store = MemoryStore::default();
    let policy = |version: Option<&str>| LookupRequest::ManagedPolicy {
        account: "111122223333".into(),
        arn: ADMIN_ARN.into(),
        version: version.map(str::to_owned),
    };
    let default = policy(None);
    for _ in 0..2 {
        let answers = now_or_never(resolver.resolve([&default], &store, 0)).unwrap();
        assert_eq!(answers.get(&default).doc(), Some(&admin_doc()));
    }
    let calls = lookup.calls();
    let count = |api: &str| calls.iter().filter(|c| c.starts_with(api)).count();
    assert_eq!(
        (count("iam:GetPolicy "), count("iam:GetPolicyVersion")),
        (0, 1),
        "{calls:?}"
    );
    assert_eq!(
        count("iam:GetPolicy"),
        3,
        "the default asked each time, the document read once: {calls:?}"
    );
    // A version the event names is read each time: which incarnation of the policy it is
    // cannot be told without asking.
    let before = lookup.calls().len();
    let named = policy(Some("v2"));
    for _ in 0..2 {
        now_or_never(resolver.resolve([&named], &store, 0)).unwrap();
    }
    let calls = lookup.calls();
    assert_eq!(calls[before..], ["iam:GetPolicyVersion v2", "iam:GetPolicyVersion v2"]);
}

#[test]
fn the_budget_stops_new_lookups_not_the_one_under_way() {
    // Each call takes 60 ms, a policy's default version two calls; the budget is 100 ms. The
    // first lookup starts at once and ends at 120 ms, over the budget; no other starts. What
    // the budget bounds is when the last lookup starts: an invocation may spend up to the
    // budget plus one lookup's calls (four times AIDR_LOOKUP_TIMEOUT_MS, the budget being
    // twice it).
    let lookup = Fake {
        delay: Duration::from_millis(60),
        ..fake()
    };
    let resolver = Resolver::new(&lookup, Duration::from_millis(100));
    let policy = |arn: &str| LookupRequest::ManagedPolicy {
        account: "111122223333".into(),
        arn: arn.into(),
        version: None,
    };
    let (first, second) = (policy(ADMIN_ARN), policy("arn:aws:iam::111122223333:policy/Other"));
    let started = std::time::Instant::now();
    let answers = now_or_never(resolver.resolve([&first, &second], &MemoryStore::default(), 0)).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(120));
    assert_eq!(answers.get(&first).doc(), Some(&admin_doc()));
    assert_eq!(answers.get(&second), &Answer::Skipped);
    assert_eq!(lookup.calls().len(), 2);
}

/// A customer-managed policy the test deletes and creates again under the same name: always at
/// version `v1`, with a new policy id and document each time.
struct Recreated(Mutex<(String, Value)>);

impl Lookup for &Recreated {
    async fn default_policy_version(&self, _: &str, _: &str) -> Result<Option<DefaultVersion>, LookupError> {
        Ok(Some(DefaultVersion {
            policy_id: self.0.lock().unwrap().0.clone(),
            version: "v1".into(),
        }))
    }
    async fn policy_version(&self, _: &str, _: &str, _: &str) -> Result<Option<Value>, LookupError> {
        Ok(Some(self.0.lock().unwrap().1.clone()))
    }
    async fn inline_policy(&self, _: &str, _: PrincipalKind, _: &str, _: &str) -> Result<Option<Value>, LookupError> {
        Ok(None)
    }
    async fn guardrail(&self, _: &str, _: &str, _: &str) -> Result<Option<Value>, LookupError> {
        Ok(None)
    }
}

/// A policy deleted and created again under the same name starts at `v1` again, with another
/// document and another policy id (which GetPolicy returns): the cache keys on the policy id
/// too, so an attacker who attaches a harmless `Ops` once, then deletes it and creates an
/// admin `Ops`, is judged on the admin one.
#[test]
fn a_policy_created_again_under_the_same_name_is_not_judged_on_the_old_document() {
    let harmless = json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
    let lookup = Recreated(Mutex::new(("ANPAFIRST".into(), harmless)));
    let resolver = Resolver::new(&lookup, Duration::from_secs(5));
    let request = LookupRequest::ManagedPolicy {
        account: "111122223333".into(),
        arn: ADMIN_ARN.into(),
        version: None,
    };
    let store = MemoryStore::default();
    now_or_never(resolver.resolve([&request], &store, 0)).unwrap();
    *lookup.0.lock().unwrap() = ("ANPASECOND".into(), admin_doc());
    let answers = now_or_never(resolver.resolve([&request], &store, 0)).unwrap();
    assert_eq!(answers.get(&request).doc(), Some(&admin_doc()));
}

#[test]
fn a_failed_lookup_still_reports_and_says_what_was_not_checked() {
    let lookup = Fake {
        fail: Some("timed out after 2 s"),
        ..fake()
    };
    let text = record("AttachUserPolicy", json!({"userName": "dev", "policyArn": ADMIN_ARN}));
    let (findings, _) = enriched(&text, &lookup, &MemoryStore::default());
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].severity, Severity::Low);
    assert!(
        findings[0]
            .summary
            .contains("its document was not checked (iam:GetPolicy failed: timed out after 2 s)"),
        "{}",
        findings[0].summary
    );
}

#[test]
fn an_inline_policy_left_out_is_read_and_judged() {
    let lookup = fake();
    let text = record("PutUserPolicy", json!({"userName": "dev", "policyName": "big"}));
    let (findings, _) = enriched(&text, &lookup, &MemoryStore::default());
    assert_eq!(lookup.calls(), ["iam:GetUserPolicy dev big"]);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (findings[0].rule_id.as_str(), findings[0].severity),
        ("iam.permissive_policy", Severity::Critical)
    );
    assert!(
        findings[0]
            .summary
            .contains("(document read from IAM: the record does not hold it)"),
        "{}",
        findings[0].summary
    );
    // Without lookups (the CLI) the same record gives nothing, as before.
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), None);
    let e = pipeline.read(text.as_bytes(), Layout::Stream, "t");
    assert!(e.findings.is_empty() && e.deferred.is_empty());
}

#[test]
fn an_omitted_create_policy_is_read_from_its_response() {
    let lookup = Fake {
        policies: vec![(ADMIN_ARN, "v1", admin_doc())],
        ..Fake::default()
    };
    let text = json!({"eventSource": "iam.amazonaws.com", "eventName": "CreatePolicy", "eventID": "c",
        "recipientAccountId": "111122223333", "awsRegion": "us-east-1",
        "requestParameters": {"omitted": true, "reason": "requestParameters too large"},
        "responseElements": {"policy": {"policyName": "Ops", "arn": ADMIN_ARN, "defaultVersionId": "v1"}}})
    .to_string();
    let (findings, _) = enriched(&text, &lookup, &MemoryStore::default());
    let mut rules: Vec<(&str, String)> = findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.summary.clone()))
        .collect();
    rules.sort();
    assert_eq!(lookup.calls(), ["iam:GetPolicyVersion v1"], "asked once for both rules");
    assert_eq!(rules[0].0, "iam.permissive_policy");
    assert!(
        rules[0].1.contains("created managed policy Ops granting all actions"),
        "{}",
        rules[0].1
    );
    assert_eq!(rules[1].0, "iam.policy_hidden");
    assert!(
        rules[1].1.contains("was read from IAM instead and judged"),
        "{}",
        rules[1].1
    );
}

fn logging(config: Value) -> String {
    record(
        "PutModelInvocationLoggingConfiguration",
        json!({"loggingConfig": config}),
    )
}

#[test]
fn a_logging_put_is_compared_with_the_one_before() {
    let lookup = fake();
    let store = MemoryStore::default();
    let keep = |observed: Vec<crate::response::Observed>| {
        for o in observed {
            now_or_never(store.put_record(&o.key, &o.doc, 1_900_000_000))
                .unwrap()
                .unwrap();
        }
    };
    let both = json!({"s3Config": {"bucketName": "logs"}, "cloudWatchConfig": {"logGroupName": "/b",
        "roleArn": "arn:aws:iam::111122223333:role/L"}, "textDataDeliveryEnabled": true, "imageDataDeliveryEnabled": true});
    let (findings, observed) = enriched(&logging(both.clone()), &lookup, &store);
    assert!(findings.is_empty(), "nothing before it: {findings:?}");
    let keys: Vec<&str> = observed.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "seen#bedrock-logging#111122223333#us-east-1",
            "config#bedrock-logging#111122223333#us-east-1"
        ]
    );
    keep(observed);
    let mut cloudwatch = both.clone();
    cloudwatch.as_object_mut().unwrap().remove("s3Config");
    cloudwatch["imageDataDeliveryEnabled"] = json!(false);
    let (findings, observed) = enriched(&logging(cloudwatch), &lookup, &store);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (findings[0].rule_id.as_str(), findings[0].severity),
        ("bedrock.invocation_logging_weakened", Severity::Medium)
    );
    assert!(
        findings[0].summary.contains(
            "since the previous configuration: S3 destination removed (was bucket logs), image delivery turned off"
        ),
        "{}",
        findings[0].summary
    );
    let keys: Vec<&str> = observed.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        ["seen#bedrock-logging#111122223333#us-east-1"],
        "a weakened configuration is not one to restore"
    );
    assert!(lookup.calls().is_empty(), "the previous one comes from the state table");
}

#[test]
fn a_logging_put_after_a_delete_is_compared_with_nothing() {
    // Put (S3 and CloudWatch), delete, put (CloudWatch only): the second put turns logging
    // back on; it removes no destination, since there was none.
    let lookup = fake();
    let store = MemoryStore::default();
    let keep = |observed: Vec<crate::response::Observed>| {
        for o in observed {
            now_or_never(store.put_record(&o.key, &o.doc, 1_900_000_000))
                .unwrap()
                .unwrap();
        }
    };
    let both = json!({"s3Config": {"bucketName": "logs"}, "cloudWatchConfig": {"logGroupName": "/b",
        "roleArn": "arn:aws:iam::111122223333:role/L"}, "textDataDeliveryEnabled": true});
    let (_, observed) = enriched(&logging(both.clone()), &lookup, &store);
    keep(observed);
    let delete = record("DeleteModelInvocationLoggingConfiguration", json!({}));
    let (findings, observed) = enriched(&delete, &lookup, &store);
    assert_eq!(findings[0].rule_id, "bedrock.invocation_logging_deleted");
    keep(observed);
    let restore_key = crate::response::logging_config_key("111122223333", "us-east-1");
    assert_eq!(
        now_or_never(store.get_record(&restore_key, 1_800_000_000))
            .unwrap()
            .unwrap(),
        Some(both.clone()),
        "the configuration a playbook restores stays"
    );
    let mut cloudwatch = both;
    cloudwatch.as_object_mut().unwrap().remove("s3Config");
    let (findings, _) = enriched(&logging(cloudwatch), &lookup, &store);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn without_a_put_seen_the_inventory_tells_the_logging_configuration_before() {
    let lookup = fake();
    let store = MemoryStore::default();
    let before = json!({"s3Config": {"bucketName": "org-logs"}, "textDataDeliveryEnabled": true});
    let settings = json!({
        "arn": "arn:aws:bedrock:us-east-1:111122223333:settings", "type": "AIDR::Bedrock::Settings",
        "account": "111122223333", "region": "us-east-1",
        "configuration": {"loggingConfig": before, "guardrailCount": 1}
    });
    let key = crate::inventory::saved_key("arn:aws:bedrock:us-east-1:111122223333:settings");
    assert_eq!(key, "inventory#arn:aws:bedrock:us-east-1:111122223333:settings");
    // Nothing saved yet: nothing to compare with, nothing reported.
    let no_s3 = json!({"cloudWatchConfig": {"logGroupName": "/b", "roleArn": "arn:aws:iam::111122223333:role/L"},
        "textDataDeliveryEnabled": true});
    let (findings, _) = enriched(&logging(no_s3.clone()), &lookup, &store);
    assert!(findings.is_empty(), "{findings:?}");
    now_or_never(store.put_record(&key, &settings, 1_900_000_000))
        .unwrap()
        .unwrap();
    let (findings, _) = enriched(&logging(no_s3), &lookup, &store);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0]
            .summary
            .contains("since the previous configuration: S3 destination removed (was bucket org-logs)"),
        "{}",
        findings[0].summary
    );
    assert!(lookup.calls().is_empty(), "read from the state table, not from Bedrock");
}

#[test]
fn a_guardrail_update_is_compared_and_read_live_when_hidden() {
    let lookup = fake();
    let store = MemoryStore::default();
    let key = seen_guardrail_key("111122223333", "us-east-1", "g1");
    let before = json!({"contentPolicyConfig": {"filtersConfig": [
        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]}});
    now_or_never(store.put_record(&key, &before, 1_900_000_000))
        .unwrap()
        .unwrap();
    let hidden = record(
        "UpdateGuardrail",
        json!({"guardrailIdentifier": "arn:aws:bedrock:us-east-1:111122223333:guardrail/g1",
            "contentPolicyConfig": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
    );
    let (findings, observed) = enriched(&hidden, &lookup, &store);
    assert_eq!(lookup.calls(), ["bedrock:GetGuardrail g1"]);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].severity, Severity::High);
    let summary = &findings[0].summary;
    assert!(summary.contains("PROMPT_ATTACK input strength NONE"), "{summary}");
    assert!(
        summary.contains("since the previous configuration: PROMPT_ATTACK input strength HIGH -> NONE"),
        "{summary}"
    );
    assert!(summary.contains("(configuration read from Bedrock"), "{summary}");
    assert_eq!(observed.len(), 1);
    assert_eq!(observed[0].key, key);
    assert_eq!(
        observed[0].doc["contentPolicyConfig"]["filtersConfig"][0]["inputStrength"],
        "NONE"
    );
}

#[test]
fn a_resource_policy_says_whether_it_was_open_before() {
    let lookup = fake();
    let store = MemoryStore::default();
    let arn = "arn:aws:bedrock:us-east-1:111122223333:guardrail/g1";
    let policy = |principal: &str| {
        json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "bedrock:ApplyGuardrail",
            "Resource": arn}]})
        .to_string()
    };
    let put = |p: String| {
        json!({"eventSource": "bedrock.amazonaws.com", "eventName": "PutResourcePolicy", "eventID": "p",
            "recipientAccountId": "111122223333", "awsRegion": "us-east-1",
            "requestParameters": {"resourceArn": arn, "resourcePolicy": p}})
        .to_string()
    };
    let (findings, observed) = enriched(&put(policy("111122223333")), &lookup, &store);
    assert!(findings.is_empty());
    for o in observed {
        now_or_never(store.put_record(&o.key, &o.doc, 1_900_000_000))
            .unwrap()
            .unwrap();
    }
    let (findings, _) = enriched(&put(policy("*")), &lookup, &store);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0]
            .summary
            .contains("to anyone (public) (newly public; it was not open outside the organization before)"),
        "{}",
        findings[0].summary
    );
}

#[test]
fn requests_beyond_the_limits_are_skipped() {
    let lookup = fake();
    let requests: Vec<LookupRequest> = (0..MAX_PER_BATCH + 2)
        .map(|i| LookupRequest::Guardrail {
            account: "111122223333".into(),
            region: "us-east-1".into(),
            id: format!("g{i}"),
        })
        .collect();
    let resolver = Resolver::new(&lookup, Duration::from_secs(5));
    let answers = now_or_never(resolver.resolve(&requests, &MemoryStore::default(), 0)).unwrap();
    assert_eq!(answers.len(), MAX_PER_BATCH);
    assert_eq!(answers.get(&requests[MAX_PER_BATCH]), &Answer::Skipped);
    let spent = Resolver::new(&lookup, Duration::ZERO);
    let answers = now_or_never(spent.resolve(&requests, &MemoryStore::default(), 0)).unwrap();
    assert!(answers.is_empty(), "no time left: nothing looked up");
    assert_eq!(
        Answer::Skipped.failure().as_deref(),
        Some("not looked up: over the limit of lookups per event or invocation")
    );
}
