//! The real responder binary, driven through the Lambda Runtime API, fed the alerts the real
//! detector published in the same test on CloudTrail events about targets made in moto (IAM
//! users, their access keys and policies, SageMaker notebook instances, the Bedrock logging
//! configuration). moto's state is read back with the SDK clients, the audit from the state
//! table, the follow-ups from the queue subscribed to the alert topic; the real `aidr respond`
//! reads the audit and undoes the actions.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aidr_e2e::notify::sns_event;
use aidr_e2e::respond::{
    ADMIN, MEMBER, OWN, TRUST, action_id, action_record, action_records, admin_attached, aidr, aidr_ok, attached,
    create_notebook, follow_ups, in_region, key_created, key_status, logging_deleted, logging_now, logging_put,
    member_config, notebook_created, notebook_status, responder_env, tag, user_with_key,
};
use aidr_e2e::runtime_api::{Runtime, detector_binary, function_binary};
use aidr_e2e::{Stack, emulator, unique};
use aidr_engine::response::PrincipalKind;
use aws_config::SdkConfig;
use aws_sdk_bedrock::types::{LoggingConfig, S3Config};
use aws_sdk_iam::types::StatusType;
use serde_json::{Value, json};

const ENFORCE: (&str, &str) = ("AIDR_RESPONSE_MODE", "enforce");

/// A stack, the real detector on it, and the clients that make and read the targets.
struct World {
    config: SdkConfig,
    stack: Stack,
    detector: Runtime,
    iam: aws_sdk_iam::Client,
    sagemaker: aws_sdk_sagemaker::Client,
}

impl World {
    async fn new(config: SdkConfig) -> World {
        let stack = Stack::create(config.clone(), true).await;
        let detector = Runtime::start(&detector_binary("debug"), &stack.detector_env());
        World {
            iam: aws_sdk_iam::Client::new(&config),
            sagemaker: aws_sdk_sagemaker::Client::new(&config),
            config,
            stack,
            detector,
        }
    }

    /// The SNS event Lambda delivers for the alert the detector published on `event`.
    async fn alert(&mut self, event: &Value) -> Value {
        let note = self.stack.alert_on(&mut self.detector, event).await;
        sns_event(&note, &self.stack.topic_arn)
    }

    /// The real responder on the stack, with the `AIDR_RESPONSE_*` settings `settings`.
    fn responder(&self, settings: &[(&'static str, &str)]) -> Runtime {
        let env = responder_env(&self.stack, settings);
        Runtime::start(&function_binary("responder", "debug"), &env)
    }
}

/// Delivers `alert` to `responder`, checks that it made one decision, `decision`, and
/// published it; returns the follow-up read from the queue.
async fn respond(stack: &Stack, responder: &mut Runtime, alert: &Value, decision: &str) -> Value {
    let out = responder.invoke(alert).ok();
    let mut decisions = json!({"skipped": 0, "would_do": 0, "done": 0, "already_in_effect": 0, "failed": 0});
    decisions[decision] = json!(1);
    assert_eq!(
        out["decisions"],
        decisions,
        "{out}\nresponder log:\n{}",
        responder.log()
    );
    assert_eq!(
        (out["published"].as_u64(), out["dead_lettered"].as_u64()),
        (Some(1), Some(0)),
        "{out}"
    );
    let follow_up = follow_ups(stack, 1).await.remove(0);
    let alerted: Value = serde_json::from_str(alert["Records"][0]["Sns"]["Message"].as_str().unwrap()).unwrap();
    assert_eq!(follow_up["kind"], "response");
    assert_eq!(
        follow_up["dedupe_key"], alerted["dedupe_key"],
        "threaded under the alert"
    );
    follow_up
}

fn line(follow_up: &Value) -> &str {
    follow_up["response"].as_str().unwrap()
}

/// Targets made in moto: a user with an access key, a notebook instance in service, a user
/// with AdministratorAccess attached.
struct Targets {
    user: String,
    key: String,
    notebook: String,
    admin: String,
}

impl World {
    async fn targets(&self) -> Targets {
        let user = unique("aidr-key");
        let key = user_with_key(&self.iam, &user, &[]).await;
        let notebook = unique("aidr-nb");
        create_notebook(&self.sagemaker, &notebook).await;
        let admin = unique("aidr-admin");
        self.iam.create_user().user_name(&admin).send().await.unwrap();
        self.iam
            .attach_user_policy()
            .user_name(&admin)
            .policy_arn(ADMIN)
            .send()
            .await
            .unwrap();
        Targets {
            user,
            key,
            notebook,
            admin,
        }
    }
}

#[tokio::test]
async fn dry_run_changes_nothing_and_records_each_call_with_the_state_before() {
    let Some(config) = emulator().await else { return };
    let mut w = World::new(config).await;
    let Targets {
        user,
        key,
        notebook,
        admin,
    } = w.targets().await;
    let cases = [
        (
            w.alert(&key_created(OWN, &user, &key)).await,
            "deactivate-access-key",
            json!({"api": "iam:UpdateAccessKey", "UserName": user, "AccessKeyId": key, "Status": "Inactive"}),
            json!({"Status": "Active"}),
        ),
        (
            w.alert(&notebook_created(OWN, &notebook)).await,
            "stop-notebook-instance",
            json!({"api": "sagemaker:StopNotebookInstance", "NotebookInstanceName": notebook}),
            json!({"NotebookInstanceStatus": "InService"}),
        ),
        (
            w.alert(&admin_attached(OWN, PrincipalKind::User, &admin)).await,
            "detach-admin-policy",
            json!({"api": "iam:DetachUserPolicy", "UserName": admin, "PolicyArn": ADMIN}),
            json!({"Attached": true}),
        ),
    ];
    // No mode set: every playbook runs in dry-run.
    let mut responder = w.responder(&[]);
    for (alert, playbook, call, before) in &cases {
        let follow_up = respond(&w.stack, &mut responder, alert, "would_do").await;
        let api = call["api"].as_str().unwrap();
        assert!(
            line(&follow_up).starts_with(&format!("{playbook} (dry-run): would call {api} on ")),
            "{follow_up}"
        );
        let record = action_record(&w.stack, &action_id(&follow_up)).await;
        assert_eq!(record["playbook"], *playbook);
        assert_eq!(
            (&record["mode"], &record["decision"]),
            (&json!("dry-run"), &json!("would_do"))
        );
        assert_eq!(record["account"], OWN);
        assert_eq!(
            record["calls"],
            json!([{"call": call, "before": before, "made": false}]),
            "{record:#}"
        );
        assert_eq!(record["undo"], json!([]), "nothing to undo");
    }
    assert_eq!(key_status(&w.iam, &user).await, "Active");
    assert_eq!(notebook_status(&w.sagemaker, &notebook).await, "InService");
    assert_eq!(attached(&w.iam, PrincipalKind::User, &admin).await, [ADMIN]);
    assert_eq!(action_records(&w.stack).await.len(), 3);
}

/// A Bedrock logging configuration that delivers to a bucket of its own.
fn logging_config() -> Value {
    json!({
        "s3Config": {"bucketName": unique("aidr-logs"), "keyPrefix": "bedrock/"},
        "textDataDeliveryEnabled": true,
        "imageDataDeliveryEnabled": false
    })
}

/// `config` (as [`logging_config`] makes it) in the SDK's shape.
fn sdk_logging_config(config: &Value) -> LoggingConfig {
    let s3 = &config["s3Config"];
    LoggingConfig::builder()
        .s3_config(
            S3Config::builder()
                .bucket_name(s3["bucketName"].as_str().unwrap())
                .key_prefix(s3["keyPrefix"].as_str().unwrap())
                .build()
                .unwrap(),
        )
        .text_data_delivery_enabled(config["textDataDeliveryEnabled"].as_bool().unwrap())
        .image_data_delivery_enabled(config["imageDataDeliveryEnabled"].as_bool().unwrap())
        .build()
}

/// What [`enforced`] contained, and how.
struct Enforced {
    w: World,
    t: Targets,
    bedrock: aws_sdk_bedrock::Client,
    logging: Value,
    /// The action ids: the key, the notebook, the logging configuration, the policy.
    ids: [String; 4],
}

/// A stack whose responder, in enforce mode, deactivated a new access key, stopped an exposed
/// notebook, restored the Bedrock logging configuration of `region` (seen put by the detector,
/// then deleted) and detached AdministratorAccess from a user.
async fn enforced(config: SdkConfig, region: &str) -> Enforced {
    let mut w = World::new(config).await;
    let t = w.targets().await;
    // The region is the test's own: moto keeps one logging configuration per account and
    // region.
    let bedrock = aws_sdk_bedrock::Client::new(&in_region(&w.config, region));
    let logging = logging_config();
    bedrock
        .put_model_invocation_logging_configuration()
        .logging_config(sdk_logging_config(&logging))
        .send()
        .await
        .unwrap();
    let out = w.detector.invoke(&logging_put(OWN, region, &logging)).ok();
    assert_eq!(out["alerted"], 0, "{out}");
    let kept = w.stack.items().await;
    let kept = kept
        .iter()
        .find(|i| i["pk"].as_s().unwrap() == &format!("config#bedrock-logging#{OWN}#{region}"))
        .expect("the detector keeps the configuration it saw put");
    assert_eq!(
        serde_json::from_str::<Value>(kept["doc"].as_s().unwrap()).unwrap(),
        logging
    );
    // The attacker's delete.
    bedrock
        .delete_model_invocation_logging_configuration()
        .send()
        .await
        .unwrap();
    assert!(logging_now(&bedrock).await.is_none());

    let alerts = [
        w.alert(&key_created(OWN, &t.user, &t.key)).await,
        w.alert(&notebook_created(OWN, &t.notebook)).await,
        w.alert(&logging_deleted(OWN, region)).await,
        w.alert(&admin_attached(OWN, PrincipalKind::User, &t.admin)).await,
    ];
    let mut responder = w.responder(&[ENFORCE]);
    let mut ids = Vec::new();
    let apis = [
        "iam:UpdateAccessKey",
        "sagemaker:StopNotebookInstance",
        "bedrock:PutModelInvocationLoggingConfiguration",
        "iam:DetachUserPolicy",
    ];
    for (alert, api) in alerts.iter().zip(apis) {
        let follow_up = respond(&w.stack, &mut responder, alert, "done").await;
        assert!(
            line(&follow_up).contains(&format!("(enforce): called {api} on ")),
            "{follow_up}"
        );
        ids.push(action_id(&follow_up));
    }
    Enforced {
        w,
        t,
        bedrock,
        logging,
        ids: ids.try_into().unwrap(),
    }
}

#[tokio::test]
async fn enforce_deactivates_the_key_stops_the_notebook_restores_logging_and_detaches_the_policy() {
    let Some(config) = emulator().await else { return };
    let e = enforced(config, "eu-west-3").await;
    let w = &e.w;
    assert_eq!(key_status(&w.iam, &e.t.user).await, "Inactive");
    assert_eq!(notebook_status(&w.sagemaker, &e.t.notebook).await, "Stopped");
    let restored = logging_now(&e.bedrock)
        .await
        .expect("the logging configuration is restored");
    assert_eq!(restored, sdk_logging_config(&e.logging));
    assert!(attached(&w.iam, PrincipalKind::User, &e.t.admin).await.is_empty());

    // Each record keeps the call made, the state before it and the call that reverses it.
    let expected = [
        (
            json!({"api": "iam:UpdateAccessKey", "UserName": e.t.user, "AccessKeyId": e.t.key, "Status": "Inactive"}),
            json!({"Status": "Active"}),
            json!({"api": "iam:UpdateAccessKey", "UserName": e.t.user, "AccessKeyId": e.t.key, "Status": "Active"}),
        ),
        (
            json!({"api": "sagemaker:StopNotebookInstance", "NotebookInstanceName": e.t.notebook}),
            json!({"NotebookInstanceStatus": "InService"}),
            json!({"api": "sagemaker:StartNotebookInstance", "NotebookInstanceName": e.t.notebook}),
        ),
        (
            json!({"api": "bedrock:PutModelInvocationLoggingConfiguration", "LoggingConfig": e.logging}),
            Value::Null,
            json!({"api": "bedrock:DeleteModelInvocationLoggingConfiguration"}),
        ),
        (
            json!({"api": "iam:DetachUserPolicy", "UserName": e.t.admin, "PolicyArn": ADMIN}),
            json!({"Attached": true}),
            json!({"api": "iam:AttachUserPolicy", "UserName": e.t.admin, "PolicyArn": ADMIN}),
        ),
    ];
    for (id, (call, before, undo)) in e.ids.iter().zip(expected) {
        let record = action_record(&w.stack, id).await;
        assert_eq!(
            (&record["mode"], &record["decision"]),
            (&json!("enforce"), &json!("done"))
        );
        assert_eq!(
            record["calls"],
            json!([{"call": call, "before": before, "made": true}]),
            "{record:#}"
        );
        assert_eq!(record["undo"], json!([undo]), "{record:#}");
    }
    assert_eq!(action_records(&w.stack).await.len(), 4);
}

#[tokio::test]
async fn aidr_respond_undo_puts_each_change_back_once_and_list_shows_it() {
    let Some(config) = emulator().await else { return };
    let e = enforced(config, "eu-north-1").await;
    let (w, [key_action, ..]) = (&e.w, &e.ids);

    // A dry-run undo prints the calls and makes none.
    let plan = aidr_ok(&w.stack, &["respond", "undo", key_action, "--dry-run"]);
    assert!(
        plan.contains(r#""api":"iam:UpdateAccessKey""#) && plan.contains(r#""Status":"Active""#),
        "{plan}"
    );
    assert_eq!(key_status(&w.iam, &e.t.user).await, "Inactive");

    for id in &e.ids {
        let out = aidr_ok(&w.stack, &["respond", "undo", id]);
        assert!(out.contains(&format!("undid {id}: called ")), "{out}");
    }
    assert_eq!(key_status(&w.iam, &e.t.user).await, "Active");
    let started = notebook_status(&w.sagemaker, &e.t.notebook).await;
    assert!(["InService", "Pending"].contains(&started.as_str()), "{started}");
    // Before the restore there was none: the undo deletes it again.
    assert!(logging_now(&e.bedrock).await.is_none());
    assert_eq!(attached(&w.iam, PrincipalKind::User, &e.t.admin).await, [ADMIN]);
    let undo = action_record(&w.stack, &format!("undo-{}", e.ids[2])).await;
    assert_eq!(
        undo["calls"],
        json!([{"call": {"api": "bedrock:DeleteModelInvocationLoggingConfiguration"}, "before": e.logging, "made": true}])
    );

    // The list shows each action undone, and its undo.
    let table = aidr_ok(&w.stack, &["respond", "list"]);
    for id in &e.ids {
        let row = |id: &str| -> Vec<String> {
            let row = table.lines().find(|l| l.starts_with(&format!("{id} ")));
            let row = row.unwrap_or_else(|| panic!("no row {id} in\n{table}"));
            row.split_whitespace().map(str::to_owned).collect()
        };
        // ACTION AT PLAYBOOK MODE DECISION ACCOUNT UNDO TARGET…
        let action = row(id);
        assert_eq!(action[3..7], ["enforce", "done", OWN, "done"], "{table}");
        let undo = row(&format!("undo-{id}"));
        assert_eq!(undo[3..7], ["enforce", "done", OWN, "-"], "{table}");
    }
    let lines = aidr_ok(&w.stack, &["respond", "list", "--json"]);
    let records: Vec<Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 8, "{lines}");
    let undone = records.iter().find(|r| r["action_id"] == key_action.as_str()).unwrap();
    assert_eq!(undone["undone_by"], format!("undo-{key_action}"));

    // Undone once: a second undo is refused and changes nothing.
    let again = aidr(&w.stack, &["respond", "undo", key_action]);
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already undone"), "{stderr}");
    assert_eq!(action_records(&w.stack).await.len(), 8);
}

#[tokio::test]
async fn allowlisted_tagged_and_protected_targets_are_left_alone() {
    let Some(config) = emulator().await else { return };
    let mut w = World::new(config).await;
    let allowed = unique("aidr-allowed");
    let allowed_key = user_with_key(&w.iam, &allowed, &[]).await;
    let tagged = unique("aidr-tagged");
    let tagged_key = user_with_key(&w.iam, &tagged, &[("aidr:response", "skip")]).await;
    // aidr's own role, given AdministratorAccess.
    let own_role = unique("aidr-responder");
    w.iam
        .create_role()
        .role_name(&own_role)
        .assume_role_policy_document(TRUST)
        .tags(tag("team", "security"))
        .send()
        .await
        .unwrap();
    w.iam
        .attach_role_policy()
        .role_name(&own_role)
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    // A target no guard covers, acted on by the same responder.
    let other = unique("aidr-other");
    let other_key = user_with_key(&w.iam, &other, &[]).await;
    let allow = format!("arn:aws:iam::*:user/{allowed}");
    let protect = format!("arn:aws:iam::{OWN}:role/{own_role}");
    let cases = [
        (
            w.alert(&key_created(OWN, &allowed, &allowed_key)).await,
            format!("principal allowlisted ({allow})"),
        ),
        (
            w.alert(&key_created(OWN, &tagged, &tagged_key)).await,
            "the target is tagged aidr:response=skip".to_owned(),
        ),
        (
            w.alert(&admin_attached(OWN, PrincipalKind::Role, &own_role)).await,
            format!("principal protected (aidr's own or its deployer) ({protect})"),
        ),
    ];
    let other_alert = w.alert(&key_created(OWN, &other, &other_key)).await;
    let mut responder = w.responder(&[
        ENFORCE,
        ("AIDR_RESPONSE_ALLOW_PRINCIPALS", &allow),
        ("AIDR_RESPONSE_PROTECTED_PRINCIPALS", &protect),
        // An admin policy attached to a role is a medium finding.
        ("AIDR_RESPONSE_MIN_SEVERITY", "medium"),
    ]);
    for (alert, reason) in &cases {
        let follow_up = respond(&w.stack, &mut responder, alert, "skipped").await;
        assert!(line(&follow_up).contains(": skipped "), "{follow_up}");
        assert!(line(&follow_up).contains(reason.as_str()), "{follow_up}");
        let record = action_record(&w.stack, &action_id(&follow_up)).await;
        assert_eq!(record["decision"], "skipped");
        assert_eq!(record["reason"], reason.as_str());
        assert_eq!(record["calls"], json!([]), "no call, not even a read");
    }
    assert_eq!(key_status(&w.iam, &allowed).await, "Active");
    assert_eq!(key_status(&w.iam, &tagged).await, "Active");
    assert_eq!(attached(&w.iam, PrincipalKind::Role, &own_role).await, [ADMIN]);
    respond(&w.stack, &mut responder, &other_alert, "done").await;
    assert_eq!(key_status(&w.iam, &other).await, "Inactive");
}

#[tokio::test]
async fn the_same_alert_delivered_twice_acts_once() {
    let Some(config) = emulator().await else { return };
    let mut w = World::new(config).await;
    let user = unique("aidr-twice");
    let key = user_with_key(&w.iam, &user, &[]).await;
    let alert = w.alert(&key_created(OWN, &user, &key)).await;
    let mut responder = w.responder(&[ENFORCE]);
    respond(&w.stack, &mut responder, &alert, "done").await;
    assert_eq!(key_status(&w.iam, &user).await, "Inactive");
    // The key is made active again behind the responder's back: a second call would show.
    w.iam
        .update_access_key()
        .user_name(&user)
        .access_key_id(&key)
        .status(StatusType::Active)
        .send()
        .await
        .unwrap();

    let out = responder.invoke(&alert).ok();
    assert_eq!(
        out["decisions"],
        json!({"skipped": 0, "would_do": 0, "done": 0, "already_in_effect": 0, "failed": 0}),
        "{out}"
    );
    assert_eq!(
        (out["messages"].as_u64(), out["published"].as_u64()),
        (Some(1), Some(0)),
        "{out}"
    );
    assert_eq!(key_status(&w.iam, &user).await, "Active", "no second call");
    follow_ups(&w.stack, 0).await;
    assert_eq!(action_records(&w.stack).await.len(), 1);
}

/// Waits for the next clock hour when this one ends within `secs` (the rate limit counts per
/// clock hour).
async fn within_one_hour(secs: u64) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let left = 3600 - now % 3600;
    if left < secs {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

#[tokio::test]
async fn the_rate_limit_stops_the_tenth_action_in_an_hour_and_says_auto_response_is_paused() {
    let Some(config) = emulator().await else { return };
    let mut w = World::new(config).await;
    let mut users = Vec::new();
    let mut alerts = Vec::new();
    for _ in 0..10 {
        let user = unique("aidr-rate");
        let key = user_with_key(&w.iam, &user, &[]).await;
        alerts.push(w.alert(&key_created(OWN, &user, &key)).await);
        users.push(user);
    }
    within_one_hour(120).await;
    let mut responder = w.responder(&[ENFORCE, ("AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR", "9")]);
    for alert in &alerts[..9] {
        respond(&w.stack, &mut responder, alert, "done").await;
    }
    let follow_up = respond(&w.stack, &mut responder, &alerts[9], "skipped").await;
    assert!(
        line(&follow_up).starts_with(&format!(
            "AUTO-RESPONSE PAUSED in account {OWN} until the hour ends (rate limit): "
        )),
        "{follow_up}"
    );
    let record = action_record(&w.stack, &action_id(&follow_up)).await;
    let reason = record["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "rate limit: 9 actions already taken in account {OWN} this hour"
        )),
        "{reason}"
    );
    for user in &users[..9] {
        assert_eq!(key_status(&w.iam, user).await, "Inactive", "{user}");
    }
    assert_eq!(key_status(&w.iam, &users[9]).await, "Active");
}

#[tokio::test]
async fn a_finding_in_another_account_is_contained_there_through_the_member_role() {
    let Some(config) = emulator().await else { return };
    let mut w = World::new(config).await;
    let role = "aidr-member";
    let member = member_config(&w.config, MEMBER, role).await;
    let member_iam = aws_sdk_iam::Client::new(&member);
    let user = unique("aidr-member-key");
    let key = user_with_key(&member_iam, &user, &[]).await;
    let alert = w.alert(&key_created(MEMBER, &user, &key)).await;
    let mut responder = w.responder(&[ENFORCE, ("AIDR_RESPONDER_ROLE_NAME", role)]);
    let follow_up = respond(&w.stack, &mut responder, &alert, "done").await;
    assert_eq!(follow_up["account"], MEMBER);
    assert_eq!(key_status(&member_iam, &user).await, "Inactive");
    // moto keeps state per account: the user is not in the responder's own.
    assert!(w.iam.get_user().user_name(&user).send().await.is_err());
    let id = action_id(&follow_up);
    assert_eq!(action_record(&w.stack, &id).await["account"], MEMBER);

    // The undo goes through the member role too.
    let out = aidr_ok(&w.stack, &["respond", "undo", &id, "--role-name", role]);
    assert!(out.contains(&format!("undid {id}")), "{out}");
    assert_eq!(key_status(&member_iam, &user).await, "Active");
}
