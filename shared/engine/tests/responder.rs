//! The Responder on accounts in memory: the ids of an incident's actions, which of them are
//! finished, the rate-limit skip, and undoing what was done.

use aidr_engine::Finding;
use aidr_engine::ports::{FailureKind, MemoryStore, Records, now_or_never};
use aidr_engine::response::{
    ActionRecord, Decision, INACTIVE, Mode, Playbook, RespondError, Responder, Settings, UndoError, action_key,
    logging_config_delivers,
};
use aidr_testkit::cloud::MemoryCloud;
use aidr_testkit::samples::sample_finding;
use serde_json::json;

const NOW: i64 = 1_800_000_000;
const ACCOUNT: &str = "111122223333";
const USER: &str = "data-scientist-7";
const KEY: &str = "AKIA3EXAMPLENEWKEY01";

/// ci-deployer created access key [`KEY`] for [`USER`].
fn key_for_other_user() -> Finding {
    sample_finding(
        "iam.credentials_for_other_user",
        "events/iam/CreateAccessKey-other-user.json",
    )
    .unwrap()
}

fn cloud() -> MemoryCloud {
    let cloud = MemoryCloud::new();
    cloud.with(ACCOUNT, |a| {
        a.keys.insert((USER.into(), KEY.into()), "Active".into());
    });
    cloud
}

fn enforce() -> Settings {
    Settings {
        default_mode: Mode::Enforce,
        ..Settings::default()
    }
}

/// The account, the state table and the settings a responder works with.
struct World {
    cloud: MemoryCloud,
    store: MemoryStore,
    settings: Settings,
}

impl World {
    fn new(settings: Settings) -> World {
        World {
            cloud: cloud(),
            store: MemoryStore::default(),
            settings,
        }
    }

    fn responder(&self) -> Responder<'_, MemoryCloud, MemoryStore, MemoryStore> {
        Responder {
            actions: &self.cloud,
            records: &self.store,
            state: &self.store,
            settings: &self.settings,
        }
    }
}

fn status(cloud: &MemoryCloud) -> String {
    cloud.account(ACCOUNT).keys[&(USER.to_owned(), KEY.to_owned())].clone()
}

/// Runs `future`, which the in-memory ports never make wait.
fn run<F: Future>(future: F) -> F::Output {
    now_or_never(future).expect("the in-memory ports never wait")
}

#[test]
fn an_incidents_action_ids_are_stable_and_only_finished_runs_count() {
    let w = World::new(enforce());
    let (cloud, responder) = (&w.cloud, w.responder());
    let f = key_for_other_user();
    let ids = responder.action_ids(&f);
    assert_eq!(ids.len(), 1, "deactivate-access-key alone answers {}", f.rule_id);
    let mut later = f.clone();
    later.summary = "seen again".into();
    assert_eq!(
        responder.action_ids(&later),
        ids,
        "the same for every alert of the incident"
    );
    assert!(run(responder.finished(&ids, NOW)).unwrap().is_empty(), "not run yet");
    // A failure that may pass keeps a record, but the run is not finished: it is retried.
    cloud.fail("iam:UpdateAccessKey", FailureKind::Transient, 1);
    let error = run(responder.respond(&f, NOW)).unwrap_err();
    assert!(matches!(error, RespondError::Retry(_)), "{error}");
    assert!(run(responder.finished(&ids, NOW)).unwrap().is_empty());
    let records = run(responder.respond(&f, NOW)).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(run(responder.finished(&ids, NOW)).unwrap(), records);
    // A playbook turned off has no action.
    let mut off = enforce();
    off.modes.insert(Playbook::DeactivateAccessKey, Mode::Off);
    let responder = Responder {
        settings: &off,
        ..responder
    };
    assert!(responder.action_ids(&f).is_empty());
}

#[test]
fn a_call_whose_answer_was_lost_counts_as_made_on_the_retry_with_the_state_before_it() {
    // What the first delivery kept before its call (which then lost its answer): the call
    // attempted, the key active before it.
    let first = World::new(enforce());
    let f = key_for_other_user();
    let mut kept = run(first.responder().respond(&f, NOW)).unwrap().remove(0);
    kept.decision = Decision::Failed;
    kept.calls[0].made = false;
    kept.calls[0].attempted = true;
    kept.undo.clear();
    let w = World::new(enforce());
    let doc = serde_json::to_value(&kept).unwrap();
    run(w.store.put_record(&action_key(&kept.action_id), &doc, NOW + 86_400)).unwrap();
    // The call took effect.
    w.cloud.with(ACCOUNT, |a| {
        a.keys.insert((USER.into(), KEY.into()), INACTIVE.into());
    });
    let record = run(w.responder().respond(&f, NOW)).unwrap().remove(0);
    assert_eq!(record.decision, Decision::Done, "not already in effect");
    assert!(record.calls[0].made && !record.calls[0].attempted);
    assert_eq!(record.calls[0].before, Some(json!({"Status": "Active"})));
    assert_eq!(record.undo.len(), 1, "it can be undone");
    assert!(w.cloud.made().is_empty(), "not called again");
    // Without an attempt on record, a change found in effect is someone else's.
    let other = World::new(enforce());
    other.cloud.with(ACCOUNT, |a| {
        a.keys.insert((USER.into(), KEY.into()), INACTIVE.into());
    });
    let record = run(other.responder().respond(&f, NOW)).unwrap().remove(0);
    assert_eq!(record.decision, Decision::AlreadyInEffect);
}

#[test]
fn a_call_an_earlier_failed_run_made_stays_made_on_the_retry_with_its_undo() {
    // What a first delivery kept when it failed after its call was made (at a later call, or
    // out of time): the call made, not attempted.
    let first = World::new(enforce());
    let f = key_for_other_user();
    let mut kept = run(first.responder().respond(&f, NOW)).unwrap().remove(0);
    kept.decision = Decision::Failed;
    assert!(kept.calls[0].made && !kept.calls[0].attempted);
    let w = World::new(enforce());
    let doc = serde_json::to_value(&kept).unwrap();
    run(w.store.put_record(&action_key(&kept.action_id), &doc, NOW + 86_400)).unwrap();
    w.cloud.with(ACCOUNT, |a| {
        a.keys.insert((USER.into(), KEY.into()), INACTIVE.into());
    });
    let record = run(w.responder().respond(&f, NOW)).unwrap().remove(0);
    assert_eq!(record.decision, Decision::Done, "not already in effect");
    assert!(record.calls[0].made);
    assert_eq!(record.calls[0].before, Some(json!({"Status": "Active"})));
    assert_eq!(record.undo.len(), 1, "aidr's change can still be undone");
    assert!(w.cloud.made().is_empty(), "not called again");
}

#[test]
fn the_rate_limit_skip_says_so() {
    let w = World::new(Settings {
        max_actions_per_hour: 1,
        ..enforce()
    });
    let responder = w.responder();
    let first = key_for_other_user();
    let mut second = first.clone();
    if let aidr_engine::Subject::Events(evidence) = &mut second.subject {
        evidence.event_ids = vec!["ev-again".into()];
    }
    let done = run(responder.respond(&first, NOW)).unwrap().remove(0);
    let stopped = run(responder.respond(&second, NOW)).unwrap().remove(0);
    assert!(!done.rate_limited());
    assert_eq!(stopped.decision, Decision::Skipped);
    assert!(stopped.rate_limited(), "{stopped:?}");
    let skipped_otherwise = ActionRecord {
        reason: Some("rate limited by a person".into()),
        ..stopped.clone()
    };
    assert!(!skipped_otherwise.rate_limited());
}

#[test]
fn undo_puts_back_what_was_done_once() {
    let w = World::new(enforce());
    let (cloud, responder) = (&w.cloud, w.responder());
    let done = run(responder.respond(&key_for_other_user(), NOW)).unwrap().remove(0);
    assert_eq!(status(cloud), INACTIVE);
    assert!(done.reversible());
    let undo = run(responder.undo(&done.action_id, NOW + 60)).unwrap();
    assert_eq!(
        (undo.decision, undo.undoes.as_deref()),
        (Decision::Done, Some(done.action_id.as_str()))
    );
    assert_eq!(status(cloud), "Active");
    assert!(
        undo.line()
            .starts_with(&format!("deactivate-access-key (enforce): undid {}", done.action_id))
    );
    let action = run(responder.record(&done.action_id, NOW + 60)).unwrap();
    assert_eq!(action.undone_by.as_deref(), Some(undo.action_id.as_str()));
    let again = run(responder.undo(&done.action_id, NOW + 120)).unwrap_err();
    assert!(
        matches!(&again, UndoError::NotReversible { why, .. } if why.starts_with("already undone")),
        "{again}"
    );
    assert!(matches!(run(responder.undo("act-0", NOW)), Err(UndoError::NotFound(_))));
    let listed: Vec<String> = run(responder.list(1, NOW + 60))
        .unwrap()
        .into_iter()
        .map(|r| r.action_id)
        .collect();
    assert_eq!(listed, [undo.action_id, done.action_id], "newest first");
}

#[test]
fn a_logging_configuration_delivers_to_s3_or_cloudwatch() {
    assert!(logging_config_delivers(&json!({"s3Config": {"bucketName": "logs"}})));
    assert!(logging_config_delivers(
        &json!({"cloudWatchConfig": {"logGroupName": "g", "roleArn": "arn:aws:iam::1:role/r"}})
    ));
    assert!(!logging_config_delivers(&json!({"textDataDeliveryEnabled": true})));
    assert!(!logging_config_delivers(&json!({"s3Config": "logs"})));
}

#[test]
fn the_skip_tag_is_read_as_people_write_it() {
    for value in ["skip", "Skip", "SKIP", " skip "] {
        let w = World::new(enforce());
        let f = key_for_other_user();
        let target = aidr_engine::response::plan(Playbook::DeactivateAccessKey, &f)
            .unwrap()
            .target;
        w.cloud.with(ACCOUNT, |a| {
            a.tags
                .insert(target.describe(), vec![("aidr:response".into(), value.into())]);
        });
        let records = run(w.responder().respond(&f, NOW)).unwrap();
        assert_eq!(
            records[0].decision,
            Decision::Skipped,
            "{value:?}: {}",
            records[0].line()
        );
        assert_eq!(status(&w.cloud), "Active");
    }
}
