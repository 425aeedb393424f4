//! The responder's handler in process: findings the engine makes of the repository's samples,
//! in SNS events as the SNS adapter publishes them, answered on accounts in memory, with the
//! in-memory state store and a recording topic and dead-letter queue.

use aidr_engine::alerting::AlertKind;
use aidr_engine::ports::{FailureKind, MemoryStore, Records};
use aidr_engine::response::{
    ActionRecord, Call, Decision, INACTIVE, Mode, Playbook, PrincipalKind, Responder, Settings, Target,
    logging_config_key,
};
use aidr_engine::{Finding, Severity, Subject};
use aidr_testkit::cloud::{MemoryCloud, inactive};
use aidr_testkit::flaky::{FlakyStore, StoreOp};
use aidr_testkit::recording::{Published, RecordingDeadLetters, RecordingPublisher};
use aidr_testkit::samples::{sample_finding, stateful_finding};
use aidr_testkit::sns::{alert_message, response_message, sns_event};
use responder::handler::{AutoResponder, HandlerError};
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000;
/// The account the samples name.
const ACCOUNT: &str = "111122223333";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const QUARANTINE: &str = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3";

type World<S = MemoryStore> = AutoResponder<MemoryCloud, S, RecordingPublisher, RecordingDeadLetters>;

/// A responder with `settings` on the accounts of [`cloud`].
fn world(settings: Settings) -> World {
    world_on(settings, MemoryStore::default())
}

fn world_on<S>(settings: Settings, store: S) -> World<S> {
    AutoResponder {
        actions: cloud(),
        store,
        publisher: RecordingPublisher::default(),
        dead_letters: RecordingDeadLetters::default(),
        settings,
    }
}

/// The account as the samples find it: the admin policy attached, the new and the stolen
/// access keys active, the notebook in service.
fn cloud() -> MemoryCloud {
    let cloud = MemoryCloud::new();
    cloud.with(ACCOUNT, |a| {
        a.attached
            .insert(("user".into(), "data-scientist-7".into(), ADMIN.into()));
        a.keys
            .insert(key("data-scientist-7", "AKIA3EXAMPLENEWKEY01"), "Active".into());
        a.keys
            .insert(key("batch-legacy", "AKIA3EXAMPLESTOLEN01"), "Active".into());
        a.notebooks.insert("research-nb".into(), "InService".into());
    });
    cloud
}

fn key(user: &str, id: &str) -> (String, String) {
    (user.to_owned(), id.to_owned())
}

fn enforce() -> Settings {
    Settings {
        default_mode: Mode::Enforce,
        ..Settings::default()
    }
}

/// ci-deployer attached AdministratorAccess to user data-scientist-7.
fn admin_attached() -> Finding {
    sample_finding("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json").unwrap()
}

/// ci-deployer created access key AKIA3EXAMPLENEWKEY01 for user data-scientist-7.
fn key_for_other_user() -> Finding {
    sample_finding(
        "iam.credentials_for_other_user",
        "events/iam/CreateAccessKey-other-user.json",
    )
    .unwrap()
}

/// Notebook instance research-nb created with direct internet access and root.
fn notebook() -> Finding {
    sample_finding(
        "sagemaker.notebook_insecure",
        "events/sagemaker/CreateNotebookInstance.json",
    )
    .unwrap()
}

/// The Bedrock invocation logging configuration of us-east-1 deleted.
fn logging_deleted() -> Finding {
    sample_finding(
        "bedrock.invocation_logging_deleted",
        "events/bedrock/DeleteModelInvocationLoggingConfiguration.json",
    )
    .unwrap()
}

/// An LLMjacking incident: IAM user batch-legacy's key AKIA3EXAMPLESTOLEN01 enabled a model
/// and used it.
fn llmjacking() -> Finding {
    stateful_finding(
        "bedrock.llmjacking_enablement_then_use",
        "samples/stateful/enablement_then_use.json",
    )
    .unwrap()
}

/// `f` as reported on another CloudTrail event (same dedupe key, another alert message).
fn on_event(mut f: Finding, event_id: &str) -> Finding {
    if let Subject::Events(evidence) = &mut f.subject {
        evidence.event_ids = vec![event_id.to_owned()];
    }
    f
}

/// The SNS event of `f`'s alert.
fn alert(f: &Finding) -> String {
    sns_event(&[("m-1", &alert_message(f, AlertKind::Alert, 1))])
}

async fn invoke<S: aidr_engine::ports::StateStore + Records>(
    w: &World<S>,
    payload: &str,
) -> Result<Value, HandlerError> {
    w.handle(payload, later(), NOW).await
}

/// A deadline far enough that no call is given up.
fn later() -> tokio::time::Instant {
    tokio::time::Instant::now() + std::time::Duration::from_secs(60)
}

async fn ok<S: aidr_engine::ports::StateStore + Records>(w: &World<S>, payload: &str) -> Value {
    invoke(w, payload).await.unwrap()
}

/// The counts of the summary `out`: decisions by kind, then published, ignored, dead-lettered.
fn counts(out: &Value) -> [u64; 8] {
    let n = |v: &Value| v.as_u64().unwrap();
    let d = &out["decisions"];
    [
        n(&d["skipped"]),
        n(&d["would_do"]),
        n(&d["done"]),
        n(&d["already_in_effect"]),
        n(&d["failed"]),
        n(&out["published"]),
        n(&out["ignored"]),
        n(&out["dead_lettered"]),
    ]
}

/// The follow-ups published so far; every message the responder publishes is a response.
fn responses<S>(w: &World<S>) -> Vec<Published> {
    let sent = w.publisher.messages();
    assert!(sent.iter().all(|m| m.kind == AlertKind::Response), "{sent:?}");
    sent
}

/// The lines of the follow-ups published so far.
fn lines<S>(w: &World<S>) -> Vec<String> {
    responses(w).into_iter().map(|m| m.response.unwrap()).collect()
}

/// The calls made so far, by API.
fn made<S>(w: &World<S>) -> Vec<String> {
    w.actions.made().iter().map(|(_, call)| call.api()).collect()
}

/// The action records kept today, newest first.
async fn records(w: &World) -> Vec<ActionRecord> {
    let responder = Responder {
        actions: &w.actions,
        records: &w.store,
        state: &w.store,
        settings: &w.settings,
    };
    responder.list(1, NOW).await.unwrap()
}

#[tokio::test]
async fn dry_run_changes_nothing_and_records_the_exact_calls_with_the_state_before() {
    let w = world(Settings::default());
    let out = ok(&w, &alert(&admin_attached())).await;
    assert_eq!(counts(&out), [0, 1, 0, 0, 0, 1, 0, 0], "{out}");
    assert!(made(&w).is_empty());
    let account = w.actions.account(ACCOUNT);
    assert!(
        account
            .attached
            .contains(&("user".into(), "data-scientist-7".into(), ADMIN.into()))
    );
    let records = records(&w).await;
    let [record] = records.as_slice() else {
        panic!("{records:?}")
    };
    assert_eq!(
        (record.playbook, record.mode, record.decision),
        (Playbook::DetachAdminPolicy, Mode::DryRun, Decision::WouldDo)
    );
    assert_eq!(record.calls.len(), 1);
    assert_eq!(
        record.calls[0].call,
        Call::DetachUserPolicy {
            user_name: "data-scientist-7".into(),
            policy_arn: ADMIN.into()
        }
    );
    assert_eq!(record.calls[0].before, Some(json!({"Attached": true})));
    assert!(!record.calls[0].made && record.undo.is_empty() && !record.reversible());
    assert_eq!(
        lines(&w),
        [format!(
            "detach-admin-policy (dry-run): would call iam:DetachUserPolicy on {ADMIN} on user data-scientist-7 [action {}]",
            record.action_id
        )]
    );
}

#[tokio::test]
async fn enforce_contains_what_each_finding_names() {
    let w = world(enforce());
    let config = json!({"s3Config": {"bucketName": "aidr-bedrock-logs", "keyPrefix": "invocations"}, "textDataDeliveryEnabled": true});
    // What the detector saw put last in the region, before it was deleted.
    w.store
        .put_record(&logging_config_key(ACCOUNT, "us-east-1"), &config, NOW + 86_400)
        .await
        .unwrap();
    let findings = [key_for_other_user(), admin_attached(), notebook(), logging_deleted()];
    let messages: Vec<String> = findings.iter().map(|f| alert_message(f, AlertKind::Alert, 1)).collect();
    let ids = ["m-1", "m-2", "m-3", "m-4"];
    let event: Vec<(&str, &str)> = ids.into_iter().zip(messages.iter().map(String::as_str)).collect();
    let out = ok(&w, &sns_event(&event)).await;
    assert_eq!(counts(&out), [0, 0, 4, 0, 0, 4, 0, 0], "{out}");
    assert_eq!(
        made(&w),
        [
            "iam:UpdateAccessKey",
            "iam:DetachUserPolicy",
            "sagemaker:StopNotebookInstance",
            "bedrock:PutModelInvocationLoggingConfiguration"
        ]
    );
    let account = w.actions.account(ACCOUNT);
    assert!(inactive(
        &account.keys[&key("data-scientist-7", "AKIA3EXAMPLENEWKEY01")]
    ));
    assert_eq!(account.keys[&key("batch-legacy", "AKIA3EXAMPLESTOLEN01")], "Active");
    assert!(account.attached.is_empty());
    assert_eq!(account.notebooks["research-nb"], "Stopped");
    assert_eq!(account.logging["us-east-1"], config);
    for record in records(&w).await {
        assert_eq!((record.mode, record.decision), (Mode::Enforce, Decision::Done));
        assert!(record.reversible(), "{record:?}");
    }
    let sent = responses(&w);
    for (published, f) in sent.iter().zip(&findings) {
        assert_eq!(published.finding.dedupe_key, f.dedupe_key);
        assert!(
            published.response.as_deref().unwrap().contains(": called "),
            "{published:?}"
        );
    }
}

#[tokio::test]
async fn an_llmjacking_incident_deactivates_the_key_and_quarantines_the_user() {
    let w = world(enforce());
    let f = llmjacking();
    let out = ok(&w, &alert(&f)).await;
    assert_eq!(counts(&out), [1, 0, 2, 0, 0, 3, 0, 0], "{out}");
    assert_eq!(made(&w), ["iam:UpdateAccessKey", "iam:AttachUserPolicy"]);
    let account = w.actions.account(ACCOUNT);
    assert!(inactive(&account.keys[&key("batch-legacy", "AKIA3EXAMPLESTOLEN01")]));
    assert!(
        account
            .attached
            .contains(&("user".into(), "batch-legacy".into(), QUARANTINE.into()))
    );
    let lines = lines(&w);
    assert!(lines[0].starts_with("deactivate-access-key (enforce): called iam:UpdateAccessKey on access key AKIA3EXAMPLESTOLEN01 of batch-legacy"), "{lines:?}");
    assert!(
        lines[1].starts_with("revoke-role-sessions (enforce): skipped (no target): the caller is not a role session"),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("quarantine-user (enforce): called iam:AttachUserPolicy on user batch-legacy"),
        "{lines:?}"
    );
    assert!(responses(&w).iter().all(|m| m.finding == f));
}

#[tokio::test]
async fn a_playbook_turned_off_is_not_run() {
    let mut settings = enforce();
    settings.modes.insert(Playbook::QuarantineUser, Mode::Off);
    settings.modes.insert(Playbook::RevokeRoleSessions, Mode::DryRun);
    let w = world(settings);
    let out = ok(&w, &alert(&llmjacking())).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0, 2, 0, 0], "{out}");
    assert_eq!(made(&w), ["iam:UpdateAccessKey"]);
    assert!(lines(&w)[1].starts_with("revoke-role-sessions (dry-run): skipped"));
}

#[tokio::test]
async fn the_guards_skip_with_the_reason_and_call_nothing() {
    let skip_tag = Target::AttachedPolicy {
        principal: PrincipalKind::User,
        name: "data-scientist-7".into(),
        policy_arn: ADMIN.into(),
    };
    let cases: [(&str, Settings, bool, &str); 5] = [
        (
            "allowlisted caller",
            Settings {
                allow_principals: vec!["arn:aws:iam::111122223333:user/ci-*".into()],
                ..enforce()
            },
            false,
            "principal allowlisted (arn:aws:iam::111122223333:user/ci-*)",
        ),
        (
            "allowlisted account",
            Settings {
                allow_accounts: vec!["1111*".into()],
                ..enforce()
            },
            false,
            "account 111122223333 is allowlisted",
        ),
        (
            "tagged target",
            enforce(),
            true,
            "the target is tagged aidr:response=skip",
        ),
        (
            "protected target",
            Settings {
                protected_principals: vec!["arn:aws:iam::*:user/data-scientist-*".into()],
                ..enforce()
            },
            false,
            "principal protected (aidr's own or its deployer) (arn:aws:iam::*:user/data-scientist-*)",
        ),
        (
            "below the minimum severity",
            Settings {
                min_severity: Severity::Critical,
                ..enforce()
            },
            false,
            "severity high is below the minimum critical",
        ),
    ];
    for (case, settings, tagged, reason) in cases {
        let w = world(settings);
        if tagged {
            w.actions.with(ACCOUNT, |a| {
                a.tags
                    .insert(skip_tag.describe(), vec![("aidr:response".into(), "skip".into())]);
            });
        }
        let out = ok(&w, &alert(&admin_attached())).await;
        assert_eq!(counts(&out), [1, 0, 0, 0, 0, 1, 0, 0], "{case}: {out}");
        assert!(made(&w).is_empty(), "{case}");
        let record = records(&w).await.remove(0);
        assert_eq!(record.decision, Decision::Skipped, "{case}");
        assert_eq!(record.reason.as_deref(), Some(reason), "{case}");
        assert!(record.calls.is_empty(), "{case}: nothing read or called");
        let line = &lines(&w)[0];
        assert!(
            line.contains(&format!("skipped {}: {reason}", skip_tag.describe())),
            "{case}: {line}"
        );
    }
}

#[tokio::test]
async fn the_same_alert_twice_acts_once_and_publishes_once() {
    let w = world(enforce());
    let f = key_for_other_user();
    let out = ok(&w, &alert(&f)).await;
    assert_eq!(counts(&out), [0, 0, 1, 0, 0, 1, 0, 0], "{out}");
    let again = ok(&w, &alert(&f)).await;
    assert_eq!(counts(&again), [0; 8], "{again}");
    // A later update of the incident (a repeat on another event) is a new occurrence: the key
    // is still inactive, so it is recorded as already in effect and nothing is called.
    let update = alert_message(&on_event(f.clone(), "ev-later"), AlertKind::Update, 2);
    let out = ok(&w, &sns_event(&[("m-2", &update)])).await;
    assert_eq!(counts(&out), [0, 0, 0, 1, 0, 1, 0, 0], "{out}");
    assert_eq!(made(&w), ["iam:UpdateAccessKey"]);
    assert_eq!(responses(&w).len(), 2);
}

#[tokio::test]
async fn a_repeat_after_the_containment_was_reversed_is_contained_again() {
    let w = world(enforce());
    let f = key_for_other_user();
    w.actions.with(ACCOUNT, |a| {
        a.keys
            .insert(key("data-scientist-7", "AKIA3EXAMPLENEWKEY01"), "Active".into());
    });
    ok(&w, &alert(&f)).await;
    // The attacker turns the key back on and uses it again: the detector's update on that
    // event deactivates it again.
    w.actions.with(ACCOUNT, |a| {
        a.keys
            .insert(key("data-scientist-7", "AKIA3EXAMPLENEWKEY01"), "Active".into());
    });
    let update = alert_message(&on_event(f, "ev-again"), AlertKind::Update, 2);
    ok(&w, &sns_event(&[("m-2", &update)])).await;
    assert_eq!(made(&w), ["iam:UpdateAccessKey", "iam:UpdateAccessKey"]);
    assert_eq!(
        w.actions.account(ACCOUNT).keys[&key("data-scientist-7", "AKIA3EXAMPLENEWKEY01")],
        INACTIVE
    );
}

#[tokio::test]
async fn a_key_already_inactive_is_already_in_effect() {
    let w = world(enforce());
    w.actions.with(ACCOUNT, |a| {
        a.keys
            .insert(key("data-scientist-7", "AKIA3EXAMPLENEWKEY01"), INACTIVE.into());
    });
    let out = ok(&w, &alert(&key_for_other_user())).await;
    assert_eq!(counts(&out), [0, 0, 0, 1, 0, 1, 0, 0], "{out}");
    assert!(made(&w).is_empty());
    let record = records(&w).await.remove(0);
    assert_eq!(record.calls[0].before, Some(json!({"Status": "Inactive"})));
    assert!(!record.calls[0].made && record.undo.is_empty());
    assert!(
        lines(&w)[0]
            .contains("nothing to do on access key AKIA3EXAMPLENEWKEY01 of data-scientist-7: already in effect")
    );
}

/// The finding of ci-deployer of `account` creating access key `key_id` for user `user` there.
fn key_created(account: &str, user: &str, key_id: &str) -> Finding {
    let mut f = on_event(key_for_other_user(), &format!("ev-{key_id}"));
    if let Subject::Events(evidence) = &mut f.subject {
        let caller = &mut evidence.principal;
        caller.account = Some(account.to_owned());
        caller.arn = caller.arn.as_ref().map(|arn| arn.replace(ACCOUNT, account));
        caller.role_arn = caller.role_arn.as_ref().map(|arn| arn.replace(ACCOUNT, account));
    }
    f.account = Some(account.to_owned());
    f.resources = vec![user.to_owned(), key_id.to_owned()];
    f.dedupe_key = f.dedupe_key.replace("data-scientist-7", user);
    f
}

#[tokio::test]
async fn the_rate_limit_stops_the_tenth_action_in_an_hour_in_one_account_only() {
    let w = world(Settings {
        max_actions_per_hour: 9,
        ..enforce()
    });
    let other = "444455556666";
    let mut findings = Vec::new();
    for i in 0..10 {
        let (user, id) = (format!("user-{i}"), format!("AKIA3EXAMPLEKEY{i:05}"));
        w.actions.with(ACCOUNT, |a| {
            a.keys.insert(key(&user, &id), "Active".into());
        });
        findings.push(key_created(ACCOUNT, &user, &id));
    }
    w.actions.with(other, |a| {
        a.keys.insert(key("user-x", "AKIA3EXAMPLEKEYOTHER"), "Active".into());
    });
    findings.push(key_created(other, "user-x", "AKIA3EXAMPLEKEYOTHER"));
    let mut outs = Vec::new();
    for f in &findings {
        outs.push(counts(&ok(&w, &alert(f)).await));
    }
    let done = [0, 0, 1, 0, 0, 1, 0, 0];
    assert_eq!(outs[..9], [done; 9]);
    assert_eq!(outs[9], [1, 0, 0, 0, 0, 1, 0, 0], "the tenth is skipped");
    assert_eq!(outs[10], done, "another account is not limited");
    let account = w.actions.account(ACCOUNT);
    assert_eq!(account.keys[&key("user-9", "AKIA3EXAMPLEKEY00009")], "Active");
    assert!(inactive(
        &w.actions.account(other).keys[&key("user-x", "AKIA3EXAMPLEKEYOTHER")]
    ));
    assert_eq!(made(&w).len(), 10);
    let lines = lines(&w);
    assert!(
        lines[9].starts_with(
            "AUTO-RESPONSE PAUSED in account 111122223333 until the hour ends (rate limit): deactivate-access-key (enforce): skipped access key AKIA3EXAMPLEKEY00009 of user-9: rate limit: 9 actions"
        ),
        "{}",
        lines[9]
    );
    assert!(!lines[10].contains("PAUSED"));
    // The next hour acts again.
    let f = key_created(ACCOUNT, "user-9", "AKIA3EXAMPLEKEY00010");
    w.actions.with(ACCOUNT, |a| {
        a.keys.insert(key("user-9", "AKIA3EXAMPLEKEY00010"), "Active".into());
    });
    let out = w.handle(&alert(&f), later(), NOW + 3_600).await.unwrap();
    assert_eq!(counts(&out), done, "{out}");
}

#[tokio::test]
async fn a_transient_failure_is_retried_on_redelivery_and_then_succeeds() {
    let w = world(enforce());
    w.actions.fail("iam:UpdateAccessKey", FailureKind::Transient, 1);
    let event = alert(&key_for_other_user());
    let err = invoke(&w, &event).await.unwrap_err();
    assert!(
        matches!(&err, HandlerError::Retry { why, .. } if why.contains("injected Transient")),
        "{err}"
    );
    let diagnostic: lambda_runtime::Diagnostic = err.into();
    assert_eq!(diagnostic.error_type, "Aidr.ResponseNotFinished");
    // Nothing decided for good yet: nothing to say.
    assert!(made(&w).is_empty() && responses(&w).is_empty());
    assert!(w.dead_letters.kept().is_empty());
    let out = ok(&w, &event).await;
    assert_eq!(counts(&out), [0, 0, 1, 0, 0, 1, 0, 0], "{out}");
    assert_eq!(made(&w), ["iam:UpdateAccessKey"]);
    assert!(lines(&w)[0].contains("called iam:UpdateAccessKey"));
}

#[tokio::test]
async fn a_permanent_failure_is_recorded_as_failed_and_not_retried() {
    let w = world(enforce());
    w.actions.fail("iam:UpdateAccessKey", FailureKind::Permanent, 1);
    let event = alert(&key_for_other_user());
    let out = ok(&w, &event).await;
    assert_eq!(counts(&out), [0, 0, 0, 0, 1, 1, 0, 0], "{out}");
    let record = records(&w).await.remove(0);
    assert_eq!(record.decision, Decision::Failed);
    assert!(lines(&w)[0].contains(
        "failed on access key AKIA3EXAMPLENEWKEY01 of data-scientist-7: iam:UpdateAccessKey: injected Permanent failure"
    ));
    let again = ok(&w, &event).await;
    assert_eq!(counts(&again), [0; 8], "not tried again: {again}");
    assert!(made(&w).is_empty());
    assert_eq!(
        w.actions.account(ACCOUNT).keys[&key("data-scientist-7", "AKIA3EXAMPLENEWKEY01")],
        "Active"
    );
}

#[tokio::test]
async fn what_was_decided_before_a_failure_is_published_and_the_rest_retried() {
    let w = world(enforce());
    w.actions.fail("iam:AttachUserPolicy", FailureKind::Transient, 1);
    let event = alert(&llmjacking());
    assert!(invoke(&w, &event).await.is_err());
    assert_eq!(made(&w), ["iam:UpdateAccessKey"]);
    let first = lines(&w);
    assert_eq!(
        first.len(),
        2,
        "the key and the role, not the quarantine yet: {first:?}"
    );
    let out = ok(&w, &event).await;
    assert_eq!(counts(&out), [0, 0, 1, 0, 0, 1, 0, 0], "{out}");
    assert_eq!(made(&w), ["iam:UpdateAccessKey", "iam:AttachUserPolicy"]);
    assert!(lines(&w)[2].starts_with("quarantine-user (enforce): called iam:AttachUserPolicy"));
}

#[tokio::test]
async fn a_follow_up_not_published_is_published_on_redelivery_without_acting_again() {
    let w = world(enforce());
    let event = alert(&llmjacking());
    w.publisher.set_outage(Some(FailureKind::Transient));
    let err = invoke(&w, &event).await.unwrap_err();
    assert!(err.to_string().contains("topic unavailable"), "{err}");
    assert_eq!(made(&w), ["iam:UpdateAccessKey", "iam:AttachUserPolicy"]);
    w.publisher.set_outage(None);
    let out = ok(&w, &event).await;
    assert_eq!(counts(&out), [0, 0, 0, 0, 0, 3, 0, 0], "nothing decided anew: {out}");
    assert_eq!(made(&w).len(), 2);
    let lines = lines(&w);
    assert!(
        lines[0].starts_with("deactivate-access-key (enforce): called"),
        "{lines:?}"
    );
    assert!(lines[2].starts_with("quarantine-user (enforce): called"), "{lines:?}");
    let again = ok(&w, &event).await;
    assert_eq!(counts(&again), [0; 8], "{again}");
}

#[tokio::test]
async fn a_topic_refusing_for_good_dead_letters_the_alert_and_a_replay_publishes() {
    let w = world(enforce());
    let event = alert(&key_for_other_user());
    w.publisher.set_outage(Some(FailureKind::Permanent));
    let out = ok(&w, &event).await;
    assert_eq!(counts(&out), [0, 0, 1, 0, 0, 0, 0, 1], "{out}");
    let kept = w.dead_letters.kept();
    assert_eq!(kept[0].origin, "m-1");
    assert!(kept[0].reason.starts_with("publishing act-"), "{}", kept[0].reason);
    assert!(kept[0].body.contains("\"kind\":\"alert\""), "the alert as received");
    // Once the topic takes messages, replaying the dead letter publishes without acting again.
    w.publisher.set_outage(None);
    let out = ok(&w, &event).await;
    assert_eq!(counts(&out), [0, 0, 0, 0, 0, 1, 0, 0], "{out}");
    assert_eq!(made(&w), ["iam:UpdateAccessKey"]);
}

#[tokio::test]
async fn a_state_table_refusing_for_good_dead_letters_the_alert() {
    let w = world_on(enforce(), FlakyStore::default());
    w.store.fail_next(StoreOp::InsertIfAbsent, FailureKind::Permanent);
    let out = ok(&w, &alert(&key_for_other_user())).await;
    assert_eq!(counts(&out), [0, 0, 0, 0, 0, 0, 0, 1], "{out}");
    assert!(made(&w).is_empty());
    let reason = &w.dead_letters.kept()[0].reason;
    assert!(
        reason.starts_with("respond: state store: InsertIfAbsent failed"),
        "{reason}"
    );
    // A transient one is retried.
    w.store.fail_next(StoreOp::InsertIfAbsent, FailureKind::Transient);
    assert!(invoke(&w, &alert(&notebook())).await.is_err());
    assert_eq!(w.dead_letters.kept().len(), 1);
}

#[tokio::test]
async fn responses_are_not_acted_on() {
    let w = world(enforce());
    let f = key_for_other_user();
    let response = response_message(&f, 1, "deactivate-access-key (enforce): called iam:UpdateAccessKey");
    let out = ok(&w, &sns_event(&[("m-r", &response)])).await;
    assert_eq!(counts(&out), [0, 0, 0, 0, 0, 0, 1, 0], "{out}");
    assert!(made(&w).is_empty());
    // Its own follow-ups come back on the topic: ignored as well.
    ok(&w, &alert(&f)).await;
    let published = responses(&w).remove(0);
    let own = response_message(&published.finding, published.count, &published.response.unwrap());
    let out = ok(&w, &sns_event(&[("m-own", &own)])).await;
    assert_eq!(counts(&out), [0, 0, 0, 0, 0, 0, 1, 0], "{out}");
    assert_eq!(responses(&w).len(), 1);
}

#[tokio::test]
async fn a_malformed_record_is_dead_lettered_without_costing_the_good_ones_beside_it() {
    let w = world(Settings::default());
    let good = alert_message(&admin_attached(), AlertKind::Alert, 1);
    let event = sns_event(&[
        ("m-bad", "{not json"),
        ("m-good", &good),
        ("m-shape", r#"{"kind":"alert","count":1,"rule_id":7}"#),
    ]);
    let mut event: Value = serde_json::from_str(&event).unwrap();
    event["Records"]
        .as_array_mut()
        .unwrap()
        .push(json!({"Sns": {"MessageId": "m-none"}}));
    let out = ok(&w, &event.to_string()).await;
    assert_eq!(out["messages"], 4);
    assert_eq!(counts(&out), [0, 1, 0, 0, 0, 1, 0, 3], "{out}");
    ok(&w, r#"{"detail-type":"something else"}"#).await;
    let kept = w.dead_letters.kept();
    let origins: Vec<&str> = kept.iter().map(|k| k.origin.as_str()).collect();
    assert_eq!(origins, ["m-bad", "m-shape", "record 3", "event"]);
    assert_eq!(kept[0].body, "{not json");
    assert!(kept[1].reason.starts_with("not an aidr alert"), "{}", kept[1].reason);
    // When the dead-letter queue is down, the invocation fails so nothing is lost.
    w.dead_letters.set_outage(Some(FailureKind::Transient));
    assert!(invoke(&w, &sns_event(&[("m-bad-2", "[]")])).await.is_err());
}

#[tokio::test]
async fn a_follow_up_is_a_response_with_the_alerts_dedupe_key_and_one_line() {
    let w = world(Settings::default());
    let f = notebook();
    ok(&w, &sns_event(&[("m-1", &alert_message(&f, AlertKind::Alert, 3))])).await;
    let published = responses(&w).remove(0);
    assert_eq!((published.kind, published.count), (AlertKind::Response, 3));
    assert_eq!(published.finding, f);
    let line = published.response.unwrap();
    assert!(!line.contains('\n'), "{line}");
    assert!(
        line.starts_with("stop-notebook-instance (dry-run): would call sagemaker:StopNotebookInstance on notebook instance research-nb [action act-"),
        "{line}"
    );
    // As the SNS adapter publishes it.
    let message: Value = serde_json::from_str(&response_message(&published.finding, 3, &line)).unwrap();
    assert_eq!(message["kind"], "response");
    assert_eq!(message["dedupe_key"], f.dedupe_key.as_str());
    assert_eq!(message["response"], line.as_str());
}
