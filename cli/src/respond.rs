//! `aidr respond`: the responder's audit, read and reversed from an operator's machine.
//! `list` shows recent decisions, `show` one record whole (its calls and the state before
//! them), `undo` reverses a reversible action and keeps an undo record. The commands run on
//! any state store and cloud behind the engine's ports; with the `aws` feature they reach the
//! deployed state table (DynamoDB) and the accounts (IAM, Bedrock, SageMaker, through the
//! member role in other accounts) with the caller's AWS credentials.

// Without the `aws` feature only the tests run the commands on the ports.
#![cfg_attr(not(feature = "aws"), allow(dead_code))]

use std::fmt::Write as _;

use aidr_engine::ports::{CloudActions, Records, StateStore};
use aidr_engine::response::{ActionRecord, Responder, Settings};
use aidr_engine::text::truncate;

/// The `respond` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum RespondCommand {
    /// Recent decisions of the responder, newest first.
    List {
        /// How many days back, today included.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(i64).range(1..=400))]
        days: i64,
        /// JSON lines (one record each) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One record, whole: the finding, the calls, the state before them, the undo calls.
    Show { action_id: String },
    /// Reverse a reversible action (reactivate the key, re-attach the policy, put back the
    /// resource policy or logging configuration, start the notebook); the undo is recorded.
    Undo {
        action_id: String,
        /// Print the calls that would be made, and make none.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Where the responder keeps its state, and how to reach other accounts.
#[derive(clap::Args, Debug)]
pub struct RespondArgs {
    #[command(subcommand)]
    pub command: RespondCommand,
    /// The state table (default: `AIDR_STATE_TABLE`).
    #[arg(long, global = true)]
    pub table: Option<String>,
    /// The role assumed in other accounts (default: `AIDR_RESPONDER_ROLE_NAME`, else
    /// `aidr-responder`).
    #[arg(long, global = true)]
    pub role_name: Option<String>,
}

/// The table of `records`: id, time, playbook, mode, decision, account, target, whether it
/// can be undone.
pub fn table(records: &[ActionRecord]) -> String {
    let mut out = format!(
        "{:<26} {:<20} {:<27} {:<8} {:<17} {:<12} {:<4} {}\n",
        "ACTION", "AT", "PLAYBOOK", "MODE", "DECISION", "ACCOUNT", "UNDO", "TARGET"
    );
    for r in records {
        let target = r.target.as_ref().map(|t| t.describe()).unwrap_or_else(|| "-".into());
        let undo = if r.reversible() {
            "yes"
        } else if r.undone_by.is_some() {
            "done"
        } else {
            "-"
        };
        let _ = writeln!(
            out,
            "{:<26} {:<20} {:<27} {:<8} {:<17} {:<12} {:<4} {}",
            r.action_id,
            r.at,
            r.playbook.id(),
            r.mode.as_str(),
            r.decision.as_str(),
            r.account.as_deref().unwrap_or("-"),
            undo,
            truncate(&target, 80),
        );
    }
    out
}

/// Runs `command` on the ports; returns what to print.
///
/// # Errors
/// A message when the table cannot be read, the action is unknown or cannot be undone.
pub async fn run<A: CloudActions, S: StateStore + Records>(
    command: &RespondCommand,
    actions: &A,
    store: &S,
    now: i64,
) -> Result<String, String> {
    let settings = Settings::default();
    let responder = Responder {
        actions,
        records: store,
        state: store,
        settings: &settings,
    };
    let json = |r: &ActionRecord| serde_json::to_string(r).map_err(|e| e.to_string());
    match command {
        RespondCommand::List { days, json: as_json } => {
            let (records, unreadable) = responder.listing(*days, now).await.map_err(|e| e.to_string())?;
            if *as_json {
                let lines: Result<Vec<String>, String> = records.iter().map(json).collect();
                let mut text: String = lines?.iter().map(|l| format!("{l}\n")).collect();
                for (id, why) in &unreadable {
                    let line = serde_json::json!({"action_id": id, "unreadable": why});
                    let _ = writeln!(text, "{line}");
                }
                Ok(text)
            } else {
                let mut text = table(&records);
                for (id, why) in &unreadable {
                    let _ = writeln!(text, "{id:<26} unreadable: {why}");
                }
                Ok(text)
            }
        }
        RespondCommand::Show { action_id } => {
            let record = responder.record(action_id, now).await.map_err(|e| e.to_string())?;
            serde_json::to_string_pretty(&record)
                .map(|s| s + "\n")
                .map_err(|e| e.to_string())
        }
        RespondCommand::Undo {
            action_id,
            dry_run: true,
        } => {
            let record = responder.record(action_id, now).await.map_err(|e| e.to_string())?;
            if let Some(why) = record.irreversible() {
                return Err(format!("action {action_id} cannot be undone: {why}"));
            }
            let calls: Result<Vec<String>, String> = record
                .undo
                .iter()
                .map(|c| serde_json::to_string(c).map_err(|e| e.to_string()))
                .collect();
            Ok(format!(
                "would call, in {}:\n{}\n",
                record.account.as_deref().unwrap_or("-"),
                calls?.join("\n")
            ))
        }
        RespondCommand::Undo {
            action_id,
            dry_run: false,
        } => {
            let record = responder.undo(action_id, now).await.map_err(|e| e.to_string())?;
            let line = record.line();
            match record.decision {
                aidr_engine::response::Decision::Done => Ok(format!("{line}\n")),
                _ => Err(line),
            }
        }
    }
}

#[cfg(feature = "aws")]
mod aws {
    //! The commands on the deployed stack: DynamoDB and the accounts' APIs.

    use std::process::ExitCode;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use aidr_aws::DynamoStore;
    use aidr_aws::respond::AwsActions;
    use aws_config::BehaviorVersion;
    use aws_config::timeout::TimeoutConfig;

    use super::{RespondArgs, run};

    /// Runs `aidr respond` with the caller's AWS credentials.
    pub fn main(args: RespondArgs) -> ExitCode {
        let env = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
        let Some(table) = args.table.clone().or_else(|| env("AIDR_STATE_TABLE")) else {
            eprintln!("aidr: no state table: pass --table or set AIDR_STATE_TABLE");
            return ExitCode::from(2);
        };
        let role = args
            .role_name
            .clone()
            .or_else(|| env("AIDR_RESPONDER_ROLE_NAME"))
            .unwrap_or_else(|| "aidr-responder".into());
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("aidr: {e}");
                return ExitCode::from(2);
            }
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let result = runtime.block_on(async {
            // The SDK bounds only the connection by default: a call that gets no answer would
            // wait for ever.
            let timeouts = TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(10))
                .operation_timeout(Duration::from_secs(30))
                .build();
            let config = aws_config::defaults(BehaviorVersion::latest())
                .timeout_config(timeouts)
                .load()
                .await;
            let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table);
            let actions = AwsActions::new(&config, role);
            run(&args.command, &actions, &store, now).await
        });
        match result {
            Ok(text) => match crate::write_stdout(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("aidr: {e}");
                    ExitCode::from(2)
                }
            },
            Err(e) => {
                eprintln!("aidr: {e}");
                ExitCode::from(1)
            }
        }
    }
}

/// Runs `aidr respond`.
#[cfg(feature = "aws")]
pub fn main(args: RespondArgs) -> std::process::ExitCode {
    aws::main(args)
}

/// Without the `aws` feature the commands cannot reach AWS: says how to build them.
#[cfg(not(feature = "aws"))]
pub fn main(_: RespondArgs) -> std::process::ExitCode {
    crate::without_aws("the respond commands")
}

#[cfg(test)]
mod tests {
    use aidr_engine::ports::{MemoryStore, Records, StateStore, now_or_never};
    use aidr_engine::response::{Mode, Playbook, Responder, Settings, Target, plan};
    use aidr_testkit::cloud::MemoryCloud;
    use aidr_testkit::samples::sample_finding;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    /// A stopped notebook, stopped by an enforced playbook on the sample finding.
    fn stopped() -> (MemoryCloud, MemoryStore, String, String) {
        let f = sample_finding(
            "sagemaker.notebook_insecure",
            "events/sagemaker/CreateNotebookInstance.json",
        )
        .unwrap();
        let p = plan(Playbook::StopNotebookInstance, &f).unwrap();
        let Target::NotebookInstance { name } = p.target.clone() else {
            panic!()
        };
        let cloud = MemoryCloud::new();
        cloud.with(&p.scope.account, |a| {
            a.notebooks.insert(name.clone(), "InService".into());
        });
        let store = MemoryStore::default();
        let settings = Settings {
            default_mode: Mode::Enforce,
            ..Settings::default()
        };
        let responder = Responder {
            actions: &cloud,
            records: &store,
            state: &store,
            settings: &settings,
        };
        let records = now_or_never(responder.respond(&f, NOW)).unwrap().unwrap();
        let id = records[0].action_id.clone();
        (cloud, store, p.scope.account, id)
    }

    fn cli(command: RespondCommand, cloud: &MemoryCloud, store: &MemoryStore) -> Result<String, String> {
        now_or_never(run(&command, cloud, store, NOW + 60)).unwrap()
    }

    fn undo(id: &str, dry_run: bool, cloud: &MemoryCloud, store: &MemoryStore) -> Result<String, String> {
        let action_id = id.to_owned();
        cli(RespondCommand::Undo { action_id, dry_run }, cloud, store)
    }

    #[test]
    fn list_show_and_undo_an_action() {
        let (cloud, store, account, id) = stopped();
        let name = cloud.account(&account).notebooks.keys().next().cloned().unwrap();
        assert_eq!(cloud.account(&account).notebooks[&name], "Stopped");

        let listed = cli(RespondCommand::List { days: 1, json: false }, &cloud, &store).unwrap();
        let row = listed.lines().find(|l| l.starts_with(&id)).expect(&listed);
        assert!(
            row.contains("stop-notebook-instance") && row.contains("enforce") && row.contains(" done "),
            "{row}"
        );
        assert!(row.contains(" yes "), "{row}");

        let shown: serde_json::Value =
            serde_json::from_str(&cli(RespondCommand::Show { action_id: id.clone() }, &cloud, &store).unwrap())
                .unwrap();
        assert_eq!(shown["calls"][0]["call"]["api"], "sagemaker:StopNotebookInstance");
        assert_eq!(shown["calls"][0]["before"]["NotebookInstanceStatus"], "InService");

        let plan = undo(&id, true, &cloud, &store).unwrap();
        assert!(plan.contains("sagemaker:StartNotebookInstance"), "{plan}");
        assert_eq!(
            cloud.account(&account).notebooks[&name],
            "Stopped",
            "a dry-run undo changes nothing"
        );

        let done = undo(&id, false, &cloud, &store).unwrap();
        assert!(done.contains(&format!("undid {id}")), "{done}");
        assert_eq!(cloud.account(&account).notebooks[&name], "InService");

        let again = undo(&id, false, &cloud, &store).unwrap_err();
        assert!(again.contains("already undone"), "{again}");
        let again = undo(&id, true, &cloud, &store).unwrap_err();
        assert!(again.contains("already undone"), "a dry-run undo says why too: {again}");
        let lines = cli(RespondCommand::List { days: 1, json: true }, &cloud, &store).unwrap();
        let records: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records.len(), 2);
        assert!(records.iter().any(|r| r["undoes"] == id.as_str()));
    }

    #[test]
    fn a_record_that_does_not_parse_does_not_hide_the_others() {
        let (cloud, store, _, id) = stopped();
        let day = aidr_engine::response::day_index_key(NOW);
        let bad = ["act-bad".to_owned()];
        now_or_never(store.append(&day, &bad, NOW + 1000, NOW))
            .unwrap()
            .unwrap();
        let doc = serde_json::json!({"action_id": "act-bad", "decision": "maybe"});
        now_or_never(store.put_record("action#act-bad", &doc, NOW + 1000))
            .unwrap()
            .unwrap();
        let text = cli(RespondCommand::List { days: 1, json: false }, &cloud, &store).unwrap();
        assert!(text.lines().any(|l| l.starts_with(&id)), "{text}");
        let row = text.lines().find(|l| l.starts_with("act-bad")).expect(&text);
        assert!(
            row.contains("unreadable") && row.contains("unknown variant `maybe`"),
            "{row}"
        );
        let lines = cli(RespondCommand::List { days: 1, json: true }, &cloud, &store).unwrap();
        let lines: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        let bad = lines.iter().find(|l| l["action_id"] == "act-bad").unwrap();
        assert!(bad["unreadable"].as_str().unwrap().contains("maybe"), "{bad}");
    }

    #[test]
    fn unknown_actions_and_failed_undos_are_errors() {
        let (cloud, store, _, id) = stopped();
        let missing = undo("act-0", false, &cloud, &store).unwrap_err();
        assert!(missing.contains("no action act-0"), "{missing}");
        cloud.fail(
            "sagemaker:StartNotebookInstance",
            aidr_engine::ports::FailureKind::Permanent,
            1,
        );
        let failed = undo(&id, false, &cloud, &store).unwrap_err();
        assert!(failed.contains("failed"), "{failed}");
        // A failed undo leaves the action reversible: it can be tried again.
        let retried = undo(&id, false, &cloud, &store).unwrap();
        assert!(retried.contains("undid"), "{retried}");
    }
}
