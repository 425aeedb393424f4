//! The real responder binary in enforce mode, fed the alerts the real detector published,
//! with its AWS calls going through the fault proxy to moto: IAM and SageMaker calls
//! throttled, failing with 5xx, taking effect but losing their answer, hanging past the
//! invocation's deadline; DynamoDB throttled on the claim and on the record written before and
//! after the call. Lambda's retries are played by invoking the failed event again.
//!
//! The promise checked in each case: after recovery the action was taken once (the calls that
//! reached moto), recorded once (one record, `done`, with the state before it and its undo),
//! published once; and at no point was an action taken without a record of it.

use std::time::Duration;

use aidr_e2e::faults::{Fault, FaultProxy, Rule, Times};
use aidr_e2e::notify::sns_event;
use aidr_e2e::respond::{
    OWN, action_records, create_notebook, follow_ups, key_created, key_status, notebook_created, notebook_status,
    responder_env, user_with_key,
};
use aidr_e2e::runtime_api::{Reply as Outcome, Runtime, TIMED_OUT, detector_binary, function_binary};
use aidr_e2e::{Stack, emulator, unique};
use serde_json::{Value, json};

/// The error type of a responder invocation that failed for a retry.
const RETRY_ERROR: &str = "Aidr.ResponseNotFinished";

/// A stack, the real detector on it (straight to moto), the real responder in enforce mode
/// behind the fault proxy, and the clients that make and read the targets.
struct World {
    stack: Stack,
    detector: Runtime,
    responder: Runtime,
    proxy: FaultProxy,
    iam: aws_sdk_iam::Client,
    sagemaker: aws_sdk_sagemaker::Client,
}

/// What a playbook acts on here: an access key (deactivated) or a notebook instance (stopped).
enum Target {
    Key { user: String },
    Notebook { name: String },
}

impl Target {
    /// The service and operation of the call that contains it.
    fn call(&self) -> (&'static str, &'static str) {
        match self {
            Target::Key { .. } => ("iam", "UpdateAccessKey"),
            Target::Notebook { .. } => ("sagemaker", "StopNotebookInstance"),
        }
    }

    /// The name the call's request carries.
    fn name(&self) -> &str {
        match self {
            Target::Key { user } => user,
            Target::Notebook { name } => name,
        }
    }

    /// The state the record keeps from before the call.
    fn before(&self) -> Value {
        match self {
            Target::Key { .. } => json!({"Status": "Active"}),
            Target::Notebook { .. } => json!({"NotebookInstanceStatus": "InService"}),
        }
    }

    fn is_record_of(&self, record: &Value) -> bool {
        match self {
            Target::Key { user } => record["target"]["user_name"] == user.as_str(),
            Target::Notebook { name } => record["target"]["name"] == name.as_str(),
        }
    }
}

impl World {
    async fn new() -> Option<World> {
        let config = emulator().await?;
        let stack = Stack::create(config.clone(), true).await;
        let detector = Runtime::start(&detector_binary("debug"), &stack.detector_env());
        let proxy = FaultProxy::to_emulator();
        let mut env = responder_env(&stack, &[("AIDR_RESPONSE_MODE", "enforce")]);
        env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
        env.push(("AWS_ENDPOINT_URL", proxy.endpoint()));
        let responder = Runtime::start(&function_binary("responder", "debug"), &env);
        Some(World {
            iam: aws_sdk_iam::Client::new(&config),
            sagemaker: aws_sdk_sagemaker::Client::new(&config),
            stack,
            detector,
            responder,
            proxy,
        })
    }

    /// A new target of `kind` (`key` or `notebook`) and the SNS event of the detector's alert
    /// on it.
    async fn target(&mut self, kind: &str) -> (Target, Value) {
        let (target, event) = if kind == "key" {
            // Suffixed so that no name is the start of another.
            let user = format!("{}-u", unique("aidr-fault-key"));
            let key = user_with_key(&self.iam, &user, &[]).await;
            let event = key_created(OWN, &user, &key);
            (Target::Key { user }, event)
        } else {
            let name = format!("{}-n", unique("aidr-fault-nb"));
            create_notebook(&self.sagemaker, &name).await;
            let event = notebook_created(OWN, &name);
            (Target::Notebook { name }, event)
        };
        let note = self.stack.alert_on(&mut self.detector, &event).await;
        (target, sns_event(&note, &self.stack.topic_arn))
    }

    /// Whether the playbook's change is in effect on `target`.
    async fn contained(&self, target: &Target) -> bool {
        match target {
            Target::Key { user } => key_status(&self.iam, user).await == "Inactive",
            Target::Notebook { name } => notebook_status(&self.sagemaker, name).await == "Stopped",
        }
    }

    /// How many of the calls that contain `target` reached moto (forwarded, whatever was
    /// answered), told apart by the target's name in the request.
    fn reached(&self, target: &Target) -> usize {
        let (service, operation) = target.call();
        let calls = self.proxy.calls_to(service, operation);
        let forwarded = |fault: &Option<String>| fault.as_deref().is_none_or(|f| f.starts_with("forward-then-"));
        let on_target = |body: &str| body.contains(target.name());
        calls
            .iter()
            .filter(|c| forwarded(&c.fault) && on_target(&c.body))
            .count()
    }

    /// The records of the action on `target`.
    async fn records(&self, target: &Target) -> Vec<Value> {
        let records = action_records(&self.stack).await;
        records.into_iter().filter(|r| target.is_record_of(r)).collect()
    }

    /// Delivers `alert` with `rule` in force, given `time`: the invocation must fail for a
    /// retry (not time out); returns its message. The rule is then cleared.
    fn fails(&mut self, alert: &Value, rule: Rule, time: Duration) -> String {
        self.proxy.inject(rule);
        let outcome = self.responder.invoke_with_time(alert, time);
        self.proxy.clear();
        match outcome {
            Outcome::Error(e) => {
                assert_eq!(e["errorType"], RETRY_ERROR, "{e}\n{}", self.responder.log());
                assert_ne!(e["errorType"], TIMED_OUT);
                e["errorMessage"].as_str().unwrap_or("").to_owned()
            }
            Outcome::Response(out) => panic!("expected a failure for a retry, got {out}"),
        }
    }

    /// Lambda's retry after the fault cleared: one action taken, recorded `done` with the state
    /// before it and its undo, and published; a redelivery after that does nothing more.
    async fn recovers(&mut self, target: &Target, alert: &Value) {
        let out = self.responder.invoke(alert).ok();
        assert_eq!(
            (out["decisions"]["done"].as_u64(), out["decisions"]["failed"].as_u64()),
            (Some(1), Some(0)),
            "{out}\n{}",
            self.responder.log()
        );
        assert!(self.contained(target).await);
        assert_eq!(self.reached(target), 1, "the call reached the service once");
        let records = self.records(target).await;
        assert_eq!(records.len(), 1, "{records:#?}");
        let record = &records[0];
        assert_eq!(record["decision"], "done", "{record:#}");
        assert_eq!(record["calls"][0]["made"], true, "{record:#}");
        assert_eq!(record["calls"][0]["before"], target.before(), "{record:#}");
        assert!(record["calls"][0].get("attempted").is_none(), "{record:#}");
        assert_eq!(record["undo"].as_array().map(Vec::len), Some(1), "{record:#}");
        let (_, operation) = target.call();
        let published = follow_ups(&self.stack, 1).await;
        let line = published[0]["response"].as_str().unwrap_or("");
        assert!(
            line.contains(&format!("called {}:{operation} on ", target.call().0)),
            "{line}"
        );
        let out = self.responder.invoke(alert).ok();
        assert_eq!(out["decisions"]["done"], 0, "{out}");
        assert_eq!(out["published"], 0, "{out}");
        assert_eq!(self.reached(target), 1);
    }

    /// The one record of `target` after a failed invocation: `failed`, its call sent with the
    /// state before it kept (`attempted`).
    async fn attempted(&self, target: &Target) -> Value {
        let records = self.records(target).await;
        assert_eq!(records.len(), 1, "{records:#?}");
        let record = records[0].clone();
        assert_eq!(record["decision"], "failed", "{record:#}");
        assert_eq!(record["calls"][0]["attempted"], true, "{record:#}");
        assert_eq!(record["calls"][0]["before"], target.before(), "{record:#}");
        record
    }
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn iam_and_sagemaker_calls_throttled_or_failing_are_retried_and_taken_once() {
    let Some(mut w) = World::new().await else { return };
    let faults = [
        ("key", Fault::Throttling, "Throttling"),
        ("key", Fault::Status(500), "InternalFailure"),
        ("notebook", Fault::Throttling, "Throttling"),
        ("notebook", Fault::Status(503), "ServiceUnavailable"),
    ];
    for (kind, fault, said) in faults {
        let (target, alert) = w.target(kind).await;
        let (service, operation) = target.call();
        let why = w.fails(&alert, Rule::new(service, operation, fault), MINUTE);
        assert!(why.contains(said), "{kind} {said}: {why}");
        assert!(!w.contained(&target).await);
        assert_eq!(w.reached(&target), 0);
        w.attempted(&target).await;
        follow_ups(&w.stack, 0).await;
        w.recovers(&target, &alert).await;
    }
}

#[tokio::test]
async fn a_call_that_took_effect_but_lost_its_answer_is_recorded_once_as_made() {
    let Some(mut w) = World::new().await else { return };
    for kind in ["key", "notebook"] {
        let (target, alert) = w.target(kind).await;
        let (service, operation) = target.call();
        let rule = Rule::new(service, operation, Fault::ForwardThenFail(500)).times(Times::Once);
        w.fails(&alert, rule, MINUTE);
        // Taken, and recorded before it was: never an action without a record.
        assert!(w.contained(&target).await, "{kind}");
        assert_eq!(w.reached(&target), 1);
        w.attempted(&target).await;
        // The retry finds the change in effect and records it as made by the lost call, with
        // the state before it (so it can be undone), without calling again.
        w.recovers(&target, &alert).await;
    }
}

#[tokio::test]
async fn a_call_that_hangs_past_the_deadline_fails_the_invocation_before_it() {
    let Some(mut w) = World::new().await else { return };
    for kind in ["key", "notebook"] {
        let (target, alert) = w.target(kind).await;
        let (service, operation) = target.call();
        // 8 s: the calls' time (less the 5 s record reserve) runs out before the SDK's 4 s
        // attempt timeout, so the deadline, not the SDK, gives the call up.
        let why = w.fails(
            &alert,
            Rule::new(service, operation, Fault::Hang),
            Duration::from_secs(8),
        );
        assert!(
            why.contains("no answer before the invocation's time for calls ran out"),
            "{why}"
        );
        assert_eq!(w.reached(&target), 0);
        w.attempted(&target).await;
        w.recovers(&target, &alert).await;
    }
}

#[tokio::test]
async fn dynamodb_throttled_on_the_claim_and_the_record_writes_takes_the_action_once() {
    let Some(mut w) = World::new().await else { return };
    // The claim, the record kept before the call, the record kept after it.
    let writes = [("respond#act-", 0), ("action#act-", 0), (r#"\"decision\":\"done\""#, 1)];
    for (needle, reached) in writes {
        let (target, alert) = w.target("key").await;
        let rule = Rule::new("dynamodb", "PutItem", Fault::Throttling)
            .body_contains(needle)
            .times(Times::Once);
        let why = w.fails(&alert, rule, MINUTE);
        assert!(why.contains("Throttling"), "{needle}: {why}");
        assert_eq!(w.reached(&target), reached, "{needle}");
        assert_eq!(w.contained(&target).await, reached == 1, "{needle}");
        if reached == 1 {
            // The record kept before the call stands for it.
            w.attempted(&target).await;
        }
        w.recovers(&target, &alert).await;
    }
}
