//! The response core on findings the detections really produce from their samples: each
//! playbook finds its target in every finding it answers (or says why not), and the
//! responder's dry-run, enforce, undo and listing on accounts held in memory.

use aidr_engine::ports::{FailureKind, MemoryStore, Records, StateStore, now_or_never};
use aidr_engine::registry::Registry;
use aidr_engine::response::{Call, Decision, Mode, Playbook, Responder, Settings, Target, logging_config_key, plan};
use aidr_engine::{Finding, Organization};
use aidr_testkit::cloud::{MemoryCloud, active_key};
use aidr_testkit::samples::{run_sample, sample_finding};
use serde_json::json;

const NOW: i64 = 1_800_000_000;

/// The findings of `rule_id` on each of its must-fire samples.
fn findings_of(rule_id: &str) -> Vec<(String, Finding)> {
    let registry = Registry::builtin();
    let detection = registry
        .detections()
        .iter()
        .find(|d| d.metadata().id == rule_id)
        .unwrap();
    let kind = detection.kind();
    detection
        .metadata()
        .samples
        .must_fire
        .iter()
        .flat_map(|path| {
            let findings = run_sample(kind, path, Organization::default()).unwrap();
            findings
                .into_iter()
                .filter(|f| f.rule_id == rule_id)
                .map(|f| (path.to_string(), f))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_playbook_finds_its_target_in_the_findings_it_answers() {
    // Findings that name no target of the playbook, and why: a console password is not a
    // key; an incident on temporary credentials has no key to deactivate and no user to
    // quarantine; an incident on an IAM user has no role sessions.
    let refused = |playbook: Playbook, path: &str| -> Option<&'static str> {
        let stateful = path.starts_with("samples/stateful/");
        let temporary = stateful && (path.contains("first_seen") || path.contains("volume_spike"));
        match playbook {
            Playbook::DeactivateAccessKey if path.contains("LoginProfile") => Some("no access key"),
            Playbook::DeactivateAccessKey if temporary => Some("not a long-term access key"),
            Playbook::QuarantineUser if temporary => Some("not an IAM user"),
            Playbook::RevokeRoleSessions if stateful && !temporary => Some("not a role session"),
            _ => None,
        }
    };
    let mut planned = 0;
    for playbook in Playbook::ALL {
        for rule_id in playbook.rule_ids() {
            for (path, finding) in findings_of(rule_id) {
                match (plan(playbook, &finding), refused(playbook, &path)) {
                    (Ok(plan), None) => {
                        planned += 1;
                        assert_eq!(plan.scope.account.len(), 12, "{path}");
                        let calls = plan
                            .calls(
                                "2026-11-30T00:00:00Z",
                                &[active_key("ACCAEXAMPLE")],
                                Some(&json!({"s3Config": {}})),
                            )
                            .unwrap();
                        assert!(!calls.is_empty(), "{playbook} on {path}");
                    }
                    (Err(why), Some(expected)) => assert!(why.contains(expected), "{playbook} on {path}: {why}"),
                    (Ok(plan), Some(_)) => panic!("{playbook} planned {:?} on {path}", plan.target),
                    (Err(why), None) => panic!("{playbook} refused {path}: {why}"),
                }
            }
        }
    }
    assert!(planned >= 20, "only {planned} plans");
}

#[test]
fn targets_are_read_as_the_rules_report_them() {
    let f = sample_finding("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json").unwrap();
    let p = plan(Playbook::DetachAdminPolicy, &f).unwrap();
    let Target::AttachedPolicy { name, policy_arn, .. } = &p.target else {
        panic!("{:?}", p.target)
    };
    assert!(policy_arn.ends_with(":policy/AdministratorAccess"), "{policy_arn}");
    assert!(!name.is_empty() && !name.contains('/'));

    let f = sample_finding(
        "iam.credentials_for_other_user",
        "events/iam/CreateAccessKey-other-user.json",
    )
    .unwrap();
    let Target::AccessKey { access_key_id, .. } = plan(Playbook::DeactivateAccessKey, &f).unwrap().target else {
        panic!()
    };
    assert!(access_key_id.starts_with("AKIA"));

    let f = sample_finding(
        "bedrock.api_key_created",
        "events/iam/CreateServiceSpecificCredential-bedrock.json",
    )
    .unwrap();
    let Target::ApiKeys {
        credential_id,
        user_name,
    } = plan(Playbook::DeactivateBedrockApiKey, &f).unwrap().target
    else {
        panic!()
    };
    assert!(credential_id.is_some_and(|c| c.starts_with("ACCA")));
    assert!(user_name.starts_with("BedrockAPIKey-") || !user_name.is_empty());
}

#[test]
fn llmjacking_incidents_choose_the_key_or_the_role() {
    let mut seen = (false, false);
    for rule in aidr_engine::response::LLMJACKING {
        for (path, f) in findings_of(rule) {
            let principal = f.principal().unwrap();
            match principal.access_key_id.as_deref() {
                Some(k) if k.starts_with("AKIA") && principal.kind.as_deref() == Some("IAMUser") => {
                    assert!(plan(Playbook::DeactivateAccessKey, &f).is_ok(), "{path}");
                    assert!(plan(Playbook::RevokeRoleSessions, &f).is_err(), "{path}");
                    seen.0 = true;
                }
                Some(k) if k.starts_with("ASIA") && principal.kind.as_deref() == Some("AssumedRole") => {
                    assert!(plan(Playbook::RevokeRoleSessions, &f).is_ok(), "{path}");
                    assert!(plan(Playbook::DeactivateAccessKey, &f).is_err(), "{path}");
                    seen.1 = true;
                }
                _ => {}
            }
        }
    }
    assert!(seen.0, "no LLMjacking sample on a long-term key");
}

#[test]
fn service_linked_and_identity_center_roles_are_refused() {
    let mut f = sample_finding("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json").unwrap();
    let aidr_engine::Subject::Events(e) = &mut f.subject else {
        panic!()
    };
    e.principal.kind = Some("AssumedRole".into());
    e.principal.role_arn =
        Some("arn:aws:iam::111122223333:role/aws-service-role/bedrock.amazonaws.com/AWSServiceRoleForBedrock".into());
    assert!(
        plan(Playbook::RevokeRoleSessions, &f)
            .unwrap_err()
            .contains("service-linked")
    );
    let aidr_engine::Subject::Events(e) = &mut f.subject else {
        panic!()
    };
    e.principal.role_arn =
        Some("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123".into());
    assert!(
        plan(Playbook::RevokeRoleSessions, &f)
            .unwrap_err()
            .contains("Identity Center")
    );
}

fn enforce(playbook: Playbook) -> Settings {
    Settings {
        modes: [(playbook, Mode::Enforce)].into_iter().collect(),
        default_mode: Mode::Off,
        min_severity: aidr_engine::Severity::Low,
        ..Settings::default()
    }
}

#[test]
fn logging_is_restored_to_the_last_configuration_seen_and_the_undo_puts_back_what_was_there() {
    let f = sample_finding(
        "bedrock.invocation_logging_deleted",
        "events/bedrock/DeleteModelInvocationLoggingConfiguration.json",
    )
    .unwrap();
    let (account, region) = (f.account.clone().unwrap(), f.region.clone().unwrap());
    let cloud = MemoryCloud::new();
    let store = MemoryStore::default();
    let seen = json!({"s3Config": {"bucketName": "model-logs"}, "textDataDeliveryEnabled": true});
    now_or_never(store.put_record(&logging_config_key(&account, &region), &seen, NOW + 100))
        .unwrap()
        .unwrap();
    let settings = enforce(Playbook::RestoreInvocationLogging);
    let responder = Responder {
        actions: &cloud,
        records: &store,
        state: &store,
        settings: &settings,
    };

    let records = now_or_never(responder.respond(&f, NOW)).unwrap().unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.decision, Decision::Done, "{}", record.line());
    assert_eq!(cloud.account(&account).logging.get(&region), Some(&seen));
    assert_eq!(record.undo, vec![Call::DeleteModelInvocationLoggingConfiguration {}]);

    // The same finding again does nothing.
    assert!(
        now_or_never(responder.respond(&f, NOW + 5))
            .unwrap()
            .unwrap()
            .is_empty()
    );
    assert_eq!(cloud.made().len(), 1);

    let listed = now_or_never(responder.list(1, NOW + 10)).unwrap().unwrap();
    assert_eq!(
        listed.iter().map(|r| r.action_id.as_str()).collect::<Vec<_>>(),
        [record.action_id.as_str()]
    );

    let undo = now_or_never(responder.undo(&record.action_id, NOW + 20))
        .unwrap()
        .unwrap();
    assert_eq!(undo.decision, Decision::Done, "{}", undo.line());
    assert_eq!(undo.undoes.as_deref(), Some(record.action_id.as_str()));
    assert!(!cloud.account(&account).logging.contains_key(&region));
    let again = now_or_never(responder.undo(&record.action_id, NOW + 30))
        .unwrap()
        .unwrap_err();
    assert!(again.to_string().contains("already undone"), "{again}");
    assert_eq!(now_or_never(responder.list(1, NOW + 40)).unwrap().unwrap().len(), 2);
}

#[test]
fn without_a_known_configuration_the_restore_is_skipped_and_says_why() {
    let f = sample_finding(
        "bedrock.invocation_logging_deleted",
        "events/bedrock/DeleteModelInvocationLoggingConfiguration.json",
    )
    .unwrap();
    let (cloud, store) = (MemoryCloud::new(), MemoryStore::default());
    let settings = enforce(Playbook::RestoreInvocationLogging);
    let responder = Responder {
        actions: &cloud,
        records: &store,
        state: &store,
        settings: &settings,
    };
    let records = now_or_never(responder.respond(&f, NOW)).unwrap().unwrap();
    assert_eq!(records[0].decision, Decision::Skipped);
    assert!(
        records[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("AIDR_RESPONSE_LOGGING_CONFIG")
    );
    let undo = now_or_never(responder.undo(&records[0].action_id, NOW))
        .unwrap()
        .unwrap_err();
    assert!(undo.to_string().contains("changed nothing"), "{undo}");
}

#[test]
fn a_transient_failure_releases_the_claim_and_the_retry_acts() {
    let f = sample_finding("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json").unwrap();
    let p = plan(Playbook::DetachAdminPolicy, &f).unwrap();
    let Target::AttachedPolicy { name, policy_arn, .. } = p.target.clone() else {
        panic!()
    };
    let cloud = MemoryCloud::new();
    cloud.with(&p.scope.account, |a| {
        a.attached.insert(("user".into(), name.clone(), policy_arn.clone()));
    });
    cloud.fail("iam:DetachUserPolicy", FailureKind::Transient, 1);
    let store = MemoryStore::default();
    let settings = enforce(Playbook::DetachAdminPolicy);
    let responder = Responder {
        actions: &cloud,
        records: &store,
        state: &store,
        settings: &settings,
    };
    let error = now_or_never(responder.respond(&f, NOW)).unwrap().unwrap_err();
    assert_eq!(error.kind(), FailureKind::Transient);
    let records = now_or_never(responder.respond(&f, NOW + 60)).unwrap().unwrap();
    assert_eq!(records[0].decision, Decision::Done, "{}", records[0].line());
    assert!(cloud.account(&p.scope.account).attached.is_empty());
    // The failed attempt's record is replaced by the retry's under the same id.
    assert_eq!(now_or_never(responder.list(1, NOW + 60)).unwrap().unwrap().len(), 1);
    let claim = now_or_never(store.get(&format!("respond#{}", records[0].action_id), NOW + 60))
        .unwrap()
        .unwrap();
    assert_eq!(claim.map(|c| c.value), Some(1));
}

#[test]
fn the_hour_counts_only_actions_taken_and_a_rate_limited_incident_acts_once_there_is_room() {
    // Two keys of two users; the limit is one action an hour.
    let f1 = sample_finding(
        "iam.credentials_for_other_user",
        "events/iam/CreateAccessKey-other-user.json",
    )
    .unwrap();
    let Target::AccessKey {
        user_name,
        access_key_id,
    } = plan(Playbook::DeactivateAccessKey, &f1).unwrap().target
    else {
        panic!()
    };
    let account = f1.account.clone().unwrap();
    let mut f2 = f1.clone();
    f2.resources = vec!["bob".into(), "AKIAEXAMPLEBOBKEY001".into()];
    f2.dedupe_key.push_str("-bob");
    let cloud = MemoryCloud::new();
    cloud.with(&account, |a| {
        a.keys
            .insert((user_name.clone(), access_key_id.clone()), "Inactive".into());
        a.keys
            .insert(("bob".into(), "AKIAEXAMPLEBOBKEY001".into()), "Active".into());
    });
    let store = MemoryStore::default();
    let settings = Settings {
        max_actions_per_hour: 1,
        ..enforce(Playbook::DeactivateAccessKey)
    };
    let responder = Responder {
        actions: &cloud,
        records: &store,
        state: &store,
        settings: &settings,
    };
    // The first key is already inactive: nothing taken, no place used.
    let first = now_or_never(responder.respond(&f1, NOW)).unwrap().unwrap();
    assert_eq!(first[0].decision, Decision::AlreadyInEffect);
    let second = now_or_never(responder.respond(&f2, NOW + 1)).unwrap().unwrap();
    assert_eq!(second[0].decision, Decision::Done, "{}", second[0].line());

    // A third key in the same hour is stopped by the limit, and acts on a later alert of the
    // same incident once the next hour has room.
    let mut f3 = f2.clone();
    f3.resources = vec!["carol".into(), "AKIAEXAMPLECAROL0001".into()];
    f3.dedupe_key.push_str("-carol");
    cloud.with(&account, |a| {
        a.keys
            .insert(("carol".into(), "AKIAEXAMPLECAROL0001".into()), "Active".into());
    });
    let stopped = now_or_never(responder.respond(&f3, NOW + 2)).unwrap().unwrap();
    assert!(stopped[0].rate_limited(), "{}", stopped[0].line());
    let next_hour = NOW - NOW % 3600 + 3600;
    let later = now_or_never(responder.respond(&f3, next_hour)).unwrap().unwrap();
    assert_eq!(later[0].decision, Decision::Done, "{}", later[0].line());
    assert_eq!(later[0].action_id, stopped[0].action_id);
    assert_eq!(
        cloud.account(&account).keys[&("carol".to_owned(), "AKIAEXAMPLECAROL0001".to_owned())],
        "Inactive"
    );
}

/// `f` with its caller moved to `account` (its ARNs and `accountId`), the event still
/// recorded where it was.
fn called_from(mut f: Finding, account: &str) -> Finding {
    let aidr_engine::Subject::Events(e) = &mut f.subject else {
        panic!()
    };
    let p = &mut e.principal;
    let moved = |arn: &str| {
        let mut parts: Vec<&str> = arn.split(':').collect();
        parts[4] = account;
        parts.join(":")
    };
    p.account = Some(account.to_owned());
    p.arn = p.arn.as_deref().map(moved);
    p.role_arn = p.role_arn.as_deref().map(moved);
    f
}

#[test]
fn a_caller_of_another_account_is_not_looked_for_in_the_account_of_the_event() {
    // A user, key or role of account 444455556666 calling into 111122223333: acting on the
    // same name in 111122223333 would hit another identity (or nothing).
    let incident = aidr_testkit::samples::stateful_finding(
        "bedrock.llmjacking_enablement_then_use",
        "samples/stateful/enablement_then_use.json",
    )
    .unwrap();
    let foreign = called_from(incident.clone(), "444455556666");
    for playbook in [Playbook::DeactivateAccessKey, Playbook::QuarantineUser] {
        assert!(plan(playbook, &incident).is_ok(), "{playbook}");
        let why = plan(playbook, &foreign).unwrap_err();
        assert!(why.contains("444455556666"), "{playbook}: {why}");
    }
    let mut session = incident.clone();
    let aidr_engine::Subject::Events(e) = &mut session.subject else {
        panic!()
    };
    e.principal.kind = Some("AssumedRole".into());
    e.principal.access_key_id = Some("ASIA3EXAMPLESESSION1".into());
    e.principal.arn = Some("arn:aws:sts::111122223333:assumed-role/App/i-1".into());
    e.principal.role_arn = Some("arn:aws:iam::111122223333:role/App".into());
    assert!(plan(Playbook::RevokeRoleSessions, &session).is_ok());
    let why = plan(Playbook::RevokeRoleSessions, &called_from(session, "444455556666")).unwrap_err();
    assert!(why.contains("444455556666"), "{why}");
}

#[test]
fn in_china_and_govcloud_targets_and_the_quarantine_policy_are_in_their_partition() {
    let mut f = sample_finding("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json").unwrap();
    f.region = Some("us-gov-west-1".into());
    let p = plan(Playbook::DetachAdminPolicy, &f).unwrap();
    let Target::AttachedPolicy { name, policy_arn, .. } = p.target.clone() else {
        panic!()
    };
    let cloud = MemoryCloud::new();
    cloud.with(&p.scope.account, |a| {
        a.attached.insert(("user".into(), name.clone(), policy_arn.clone()));
    });
    let store = MemoryStore::default();
    // The target is one of aidr's deployers, listed by its ARN in GovCloud.
    let settings = Settings {
        protected_principals: vec![format!("arn:aws-us-gov:iam::*:user/{name}")],
        ..enforce(Playbook::DetachAdminPolicy)
    };
    let responder = Responder {
        actions: &cloud,
        records: &store,
        state: &store,
        settings: &settings,
    };
    let records = now_or_never(responder.respond(&f, NOW)).unwrap().unwrap();
    assert_eq!(records[0].decision, Decision::Skipped, "{}", records[0].line());
    assert!(cloud.made().is_empty());

    let mut f = sample_finding(
        "bedrock.api_key_user_activity",
        "events/iam/CreateUser-bedrock-api-key-user.json",
    )
    .unwrap();
    for (region, partition) in [
        ("cn-north-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
        ("eu-west-1", "aws"),
    ] {
        f.region = Some(region.into());
        let calls = plan(Playbook::QuarantineUser, &f)
            .unwrap()
            .calls(NOW_TEXT, &[], None)
            .unwrap();
        let [Call::AttachUserPolicy { policy_arn, .. }] = calls.as_slice() else {
            panic!("{calls:?}")
        };
        assert_eq!(
            *policy_arn,
            format!("arn:{partition}:iam::aws:policy/AWSCompromisedKeyQuarantineV3")
        );
    }
}

const NOW_TEXT: &str = "2027-01-15T08:00:00Z";

#[test]
fn a_user_named_like_a_key_is_still_the_user() {
    // IAM user names may look like access key or credential ids: the rules report the user
    // first, then the key.
    let mut f = sample_finding(
        "iam.credentials_for_other_user",
        "events/iam/CreateAccessKey-other-user.json",
    )
    .unwrap();
    f.resources = vec!["AKIAUSERNAMEALIKE001".into(), "AKIA3EXAMPLENEWKEY01".into()];
    let target = plan(Playbook::DeactivateAccessKey, &f).map(|p| p.target);
    assert_eq!(
        target,
        Ok(Target::AccessKey {
            user_name: "AKIAUSERNAMEALIKE001".into(),
            access_key_id: "AKIA3EXAMPLENEWKEY01".into()
        })
    );
    let mut f = sample_finding(
        "bedrock.api_key_created",
        "events/iam/CreateServiceSpecificCredential-bedrock.json",
    )
    .unwrap();
    f.resources = vec!["ACCAUSERNAMEALIKE".into(), "ACCAEXAMPLECREDENTIAL1".into()];
    let target = plan(Playbook::DeactivateBedrockApiKey, &f).map(|p| p.target);
    assert_eq!(
        target,
        Ok(Target::ApiKeys {
            user_name: "ACCAUSERNAMEALIKE".into(),
            credential_id: Some("ACCAEXAMPLECREDENTIAL1".into())
        })
    );
}

#[test]
fn a_regional_target_without_a_region_is_not_looked_for_in_us_east_1() {
    let mut f = sample_finding(
        "sagemaker.notebook_insecure",
        "events/sagemaker/CreateNotebookInstance.json",
    )
    .unwrap();
    assert!(plan(Playbook::StopNotebookInstance, &f).is_ok());
    f.region = None;
    let why = plan(Playbook::StopNotebookInstance, &f).unwrap_err();
    assert!(why.contains("no region"), "{why}");
    let mut f = sample_finding(
        "sagemaker.model_package_group_policy_exposed",
        "events/sagemaker/PutModelPackageGroupPolicy-public.json",
    )
    .unwrap();
    assert!(plan(Playbook::RemoveResourcePolicy, &f).is_ok());
    f.region = None;
    let why = plan(Playbook::RemoveResourcePolicy, &f).unwrap_err();
    assert!(why.contains("no region"), "{why}");
}

#[test]
fn an_empty_name_or_an_account_that_is_no_account_id_is_no_target() {
    let admin = sample_finding("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json").unwrap();
    let mut f = admin.clone();
    f.resources[0] = String::new();
    assert!(
        plan(Playbook::DetachAdminPolicy, &f).is_err(),
        "{:?}",
        plan(Playbook::DetachAdminPolicy, &f)
    );
    let mut f = admin.clone();
    f.account = Some("prod".into());
    let why = plan(Playbook::DetachAdminPolicy, &f).unwrap_err();
    assert!(why.contains("account"), "{why}");

    let incident = aidr_testkit::samples::stateful_finding(
        "bedrock.llmjacking_enablement_then_use",
        "samples/stateful/enablement_then_use.json",
    )
    .unwrap();
    let mut f = incident.clone();
    let aidr_engine::Subject::Events(e) = &mut f.subject else {
        panic!()
    };
    e.principal.arn = Some(String::new());
    for playbook in [Playbook::DeactivateAccessKey, Playbook::QuarantineUser] {
        assert!(plan(playbook, &f).is_err(), "{playbook}: {:?}", plan(playbook, &f));
    }

    let mut f = sample_finding(
        "sagemaker.notebook_insecure",
        "events/sagemaker/CreateNotebookInstance.json",
    )
    .unwrap();
    f.resources = vec!["arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/".into()];
    assert!(
        plan(Playbook::StopNotebookInstance, &f).is_err(),
        "{:?}",
        plan(Playbook::StopNotebookInstance, &f)
    );
}
