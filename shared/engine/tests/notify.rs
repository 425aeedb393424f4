//! The alert formats on sample findings: Slack messages against committed golden files (one a
//! risk area, and a posture finding; `AIDR_BLESS=1` rewrites them), the limits of every format
//! on an oversized finding, and the PagerDuty and Amazon Q chat mappings.

use std::path::PathBuf;

use aidr_engine::notify::{chat, pagerduty, slack};
use aidr_engine::{DetectionKind, Finding, Organization, Severity, Subject, text};
use aidr_testkit::samples::{run_sample, sample_finding};
use serde_json::Value;

/// One finding a risk area, and a posture finding: (golden name, finding).
fn samples() -> Vec<(&'static str, Finding)> {
    let event = |rule: &str, path: &str| sample_finding(rule, path).unwrap_or_else(|| panic!("{rule} on {path}"));
    let posture = run_sample(
        DetectionKind::Posture,
        "samples/posture/sagemaker/NotebookInstance-direct-internet.json",
        Organization::default(),
    )
    .unwrap()
    .into_iter()
    .find(|f| f.rule_id == "sagemaker.notebook_direct_internet_access")
    .unwrap();
    vec![
        (
            "data",
            event(
                "bedrock.model_job_external_storage",
                "events/bedrock/CreateModelCopyJob-external-source.json",
            ),
        ),
        (
            "model",
            event(
                "bedrock.invocation_long_term_key",
                "events/bedrock/InvokeModel-long-term-key.json",
            ),
        ),
        (
            "access",
            event("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json"),
        ),
        (
            "application",
            event(
                "bedrock.bearer_token_destructive",
                "events/bedrock/DeleteGuardrail-bearer-token.json",
            ),
        ),
        ("posture", posture),
    ]
}

fn expected_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/expected/slack")
}

#[test]
fn slack_messages_match_their_golden_files() {
    let ctx = slack::Context {
        account_alias: Some("prod-ml".into()),
        ..slack::Context::default()
    };
    for (name, f) in samples() {
        let message = slack::message(&f, &ctx);
        slack::validate(&message).unwrap_or_else(|e| panic!("{name}: {e}"));
        let path = expected_dir().join(format!("{name}.json"));
        let pretty = serde_json::to_string_pretty(&message).unwrap() + "\n";
        if std::env::var_os("AIDR_BLESS").is_some() {
            std::fs::write(&path, &pretty).unwrap();
        }
        let expected: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            message, expected,
            "{name}: run `AIDR_BLESS=1 cargo test -p aidr-engine --test notify` if the change is wanted"
        );
    }
}

#[test]
fn slack_messages_show_the_facts_and_link_only_events() {
    let all = samples();
    let (_, model) = &all[1];
    let m = slack::message(model, &slack::Context::default());
    let header = m["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(header.contains(&model.severity.as_str().to_ascii_uppercase()) && header.contains(&model.title));
    let fields = m["blocks"][2]["fields"].to_string();
    assert!(fields.contains("long-term key"), "{fields}");
    let button = &m["blocks"].as_array().unwrap().last().unwrap()["elements"][0];
    let id = &model.event_ids()[0];
    let region = model.region.as_deref().unwrap();
    assert_eq!(
        button["url"],
        format!("https://{region}.console.aws.amazon.com/cloudtrail/home?region={region}#/events/{id}")
    );
    let (_, application) = &all[3];
    let fields = slack::message(application, &slack::Context::default())["blocks"][2]["fields"].to_string();
    assert!(fields.contains("Bedrock API key"), "{fields}");
    let (_, posture) = &all[4];
    let m = slack::message(posture, &slack::Context::default());
    assert!(
        !m.to_string().contains("\"actions\""),
        "a posture finding links no event"
    );
    let none = slack::Context {
        console_domain: None,
        ..slack::Context::default()
    };
    assert!(!slack::message(model, &none).to_string().contains("\"actions\""));
}

#[test]
fn slack_updates_and_responses_say_so() {
    let (_, f) = samples().remove(0);
    let ctx = slack::Context {
        kind: slack::Kind::Update,
        repeat: Some(slack::Repeat {
            count: 7,
            latest_event_ids: (0..8).map(|i| format!("id-{i}")).collect(),
        }),
        ..slack::Context::default()
    };
    let m = slack::message(&f, &ctx);
    slack::validate(&m).unwrap();
    let text = m.to_string();
    assert!(text.contains("Update: ") && text.contains("Seen 7 times") && text.contains("(+3 more)"));
    assert!(!text.contains("id-5"));
    let ctx = slack::Context {
        kind: slack::Kind::Response,
        note: Some("Access key deactivated".into()),
        ..slack::Context::default()
    };
    let text = slack::message(&f, &ctx).to_string();
    assert!(text.contains("Response: ") && text.contains("Access key deactivated"));
}

#[test]
fn user_text_is_escaped_for_mrkdwn() {
    let (_, mut f) = samples().remove(0);
    f.summary = "<!channel> & <https://evil.example|click>".into();
    let m = slack::message(&f, &slack::Context::default());
    let summary = m["blocks"][1]["text"]["text"].as_str().unwrap();
    assert_eq!(summary, "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;");
    assert!(!m["text"].as_str().unwrap().contains('<'));
    // Cutting never splits an escape.
    assert_eq!(slack::mrkdwn("a&b", 3), "a…");
    assert_eq!(slack::mrkdwn("a&", 6), "a&amp;");
    // Bare mentions and URLs (`@here`, `https://…` in a user or resource name) stay text:
    // every mrkdwn text object is verbatim.
    fn mrkdwn_objects(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some("mrkdwn") {
                    out.push(v.clone());
                }
                map.values().for_each(|x| mrkdwn_objects(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| mrkdwn_objects(x, out)),
            _ => {}
        }
    }
    f.summary = "@here see https://evil.example/login".into();
    let mut objects = Vec::new();
    mrkdwn_objects(&slack::message(&f, &slack::Context::default()), &mut objects);
    assert!(objects.len() > 5);
    assert!(objects.iter().all(|o| o["verbatim"] == true), "{objects:?}");
}

/// A finding far over every limit: 50 KB of multi-byte summary and remediation, 200 event
/// ids, 100 resources, long names everywhere.
fn oversized() -> Finding {
    let (_, mut f) = samples().remove(1);
    let big = "Ünïcødé 😀 <b>&amp; ".repeat(2600);
    assert!(big.len() > 50_000);
    f.title = format!("Title {}", "é😀".repeat(200));
    f.summary = big.clone();
    f.remediation = big.clone();
    f.resources = (0..100)
        .map(|i| format!("arn:aws:s3:::bucket-{i}-{}", "x".repeat(300)))
        .collect();
    f.dedupe_key = format!("rule|111122223333|{}|-", "arn:aws:iam::1:user/😀".repeat(100));
    f.techniques = (0..40).map(|i| format!("T{}", 1000 + i)).collect();
    if let Subject::Events(e) = &mut f.subject {
        e.event_ids = (0..200)
            .map(|i| format!("{i:08}-aaaa-bbbb-cccc-{}", "d".repeat(40)))
            .collect();
        e.principal.arn = Some(format!("arn:aws:iam::111122223333:user/{}", "ü".repeat(3000)));
        e.event_name = "N".repeat(5000);
    }
    f
}

#[test]
fn an_oversized_finding_still_validates_everywhere() {
    let f = oversized();
    let ctx = slack::Context {
        kind: slack::Kind::Update,
        account_alias: Some("a".repeat(5000)),
        repeat: Some(slack::Repeat {
            count: 200,
            latest_event_ids: f.event_ids().to_vec(),
        }),
        note: Some("n".repeat(10_000)),
        ..slack::Context::default()
    };
    let m = slack::message(&f, &ctx);
    slack::validate(&m).unwrap();
    assert!(m["blocks"][0]["text"]["text"].as_str().unwrap().ends_with('…'));

    let p = pagerduty::trigger(&f, "R0UTINGKEY", &f.dedupe_key);
    assert!(text::len(p["payload"]["summary"].as_str().unwrap()) <= pagerduty::SUMMARY_MAX);
    assert!(p["dedup_key"].as_str().unwrap().len() <= pagerduty::DEDUP_KEY_MAX);
    assert!(p["payload"]["custom_details"].to_string().len() <= pagerduty::DETAILS_MAX_BYTES);
    assert!(p["links"].as_array().unwrap().len() <= 5);

    let c = chat::notification(&f, &f.dedupe_key);
    assert!(text::len(c["content"]["title"].as_str().unwrap()) <= chat::TITLE_MAX);
    assert!(text::len(c["content"]["description"].as_str().unwrap()) <= chat::DESCRIPTION_MAX);
    assert!(c["content"]["nextSteps"].as_array().unwrap().len() <= chat::MAX_STEPS);
    assert!(c["metadata"]["relatedResources"].as_array().unwrap().len() <= chat::MAX_RESOURCES);
    assert!(c["metadata"]["threadId"].as_str().unwrap().len() <= chat::ID_MAX);
    for value in c["metadata"]["additionalContext"].as_object().unwrap().values() {
        assert!(text::len(value.as_str().unwrap()) <= chat::CONTEXT_VALUE_MAX);
    }
}

#[test]
fn validate_catches_each_limit() {
    let (_, f) = samples().remove(0);
    let good = slack::message(&f, &slack::Context::default());
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut m = good.clone();
        edit(&mut m);
        slack::validate(&m).unwrap_err()
    };
    assert!(matches!(
        broken(&|m| m["blocks"][0]["text"]["text"] = "h".repeat(151).into()),
        slack::LimitError::TooLong { max: 150, .. }
    ));
    assert!(matches!(
        broken(&|m| m["blocks"][1]["text"]["text"] = "s".repeat(3001).into()),
        slack::LimitError::TooLong { max: 3000, .. }
    ));
    assert!(matches!(
        broken(&|m| {
            let fields = m["blocks"][2]["fields"].as_array_mut().unwrap();
            let first = fields[0].clone();
            fields.resize(11, first);
        }),
        slack::LimitError::TooMany { max: 10, .. }
    ));
    assert!(matches!(
        broken(&|m| m["blocks"] = Value::Array(vec![m["blocks"][1].clone(); 51])),
        slack::LimitError::TooMany { max: 50, .. }
    ));
    assert!(matches!(
        broken(&|m| m["text"] = "".into()),
        slack::LimitError::Missing { .. }
    ));
    assert!(matches!(
        broken(&|m| m["blocks"][1]["type"] = "image".into()),
        slack::LimitError::Unchecked { .. }
    ));
    assert!(matches!(
        broken(&|m| m["blocks"] = Value::Array(
            vec![m["blocks"][1].clone(); 5]
                .into_iter()
                .map(|mut b| {
                    b["text"]["text"] = "t".repeat(2900).into();
                    b
                })
                .collect()
        )),
        slack::LimitError::TotalTooLong { .. }
    ));
}

#[test]
fn pagerduty_trigger_maps_the_finding() {
    let all = samples();
    let (_, f) = &all[3];
    let e = pagerduty::trigger(f, "KEY", &f.dedupe_key);
    assert_eq!(e["routing_key"], "KEY");
    assert_eq!(e["event_action"], "trigger");
    assert_eq!(e["dedup_key"], f.dedupe_key.as_str());
    let p = &e["payload"];
    assert_eq!(
        p["source"],
        format!("{}/{}", f.account.as_deref().unwrap(), f.region.as_deref().unwrap())
    );
    assert_eq!(p["severity"], "error");
    assert_eq!(p["component"], "bedrock");
    assert_eq!(p["class"], "bedrock.bearer_token_destructive");
    assert_eq!(p["group"], "application");
    assert_eq!(p["timestamp"], f.time().unwrap());
    assert_eq!(p["custom_details"], serde_json::to_value(f).unwrap());
    assert!(p["summary"].as_str().unwrap().starts_with(&f.title));
    assert!(e["links"][0]["href"].as_str().unwrap().ends_with(&f.event_ids()[0]));
    let mapped: Vec<&str> = Severity::ALL.iter().map(|s| pagerduty::severity(*s)).collect();
    assert_eq!(mapped, ["info", "info", "warning", "error", "critical"]);
    // A long key is bounded, stably, and distinct keys stay distinct.
    let long = "k".repeat(400);
    assert_eq!(pagerduty::dedup_key(&long), pagerduty::dedup_key(&long));
    assert_eq!(pagerduty::dedup_key(&long).len(), 255);
    assert_ne!(pagerduty::dedup_key(&long), pagerduty::dedup_key(&format!("{long}!")));
    // A posture finding's component is its resource's service, with no event links.
    let (_, posture) = &all[4];
    let e = pagerduty::trigger(posture, "KEY", &posture.dedupe_key);
    assert_eq!(e["payload"]["component"], "sagemaker");
    assert_eq!(e["links"], Value::Array(vec![]));
}

#[test]
fn chat_notification_follows_the_custom_notification_schema() {
    let (_, f) = samples().remove(2);
    let n = chat::notification(&f, &f.dedupe_key);
    assert_eq!(n["version"], "1.0");
    assert_eq!(n["source"], "custom");
    assert_eq!(n["content"]["textType"], "client-markdown");
    assert!(n["content"]["title"].as_str().unwrap().contains(&f.title));
    assert!(n["content"]["description"].as_str().unwrap().starts_with(&f.summary));
    let steps: Vec<&str> = n["content"]["nextSteps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(!steps.is_empty() && f.remediation.starts_with(steps[0]));
    let thread = n["metadata"]["threadId"].as_str().unwrap();
    let allowed = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    assert!(allowed(thread) && thread.len() <= chat::ID_MAX, "{thread}");
    assert_eq!(thread, chat::thread_id(&f.dedupe_key), "stable");
    assert_ne!(thread, chat::thread_id(&format!("{}x", f.dedupe_key)));
    assert_eq!(n["metadata"]["eventType"], "aidr-iam-admin_policy_attached");
    assert!(allowed(n["id"].as_str().unwrap()));
    assert_eq!(n["metadata"]["summary"], f.summary.as_str());
    assert_eq!(
        n["metadata"]["relatedResources"],
        serde_json::to_value(&f.resources).unwrap()
    );
    assert_eq!(n["metadata"]["additionalContext"]["dedupeKey"], f.dedupe_key.as_str());
}
