//! The responder's infrastructure in step with the engine's playbooks: the IAM permissions of
//! the responder's role (`infra/template.yaml`) and of the member role (`infra/member-role.yaml`),
//! split into reads, writes and undo-only calls; the rule ids of its subscription's filter
//! policy; and the permissions table of `infra/README.md`, generated from both.
//!
//! The templates use CloudFormation's short tags (`!If`, `!Sub`), so they are read as text, in
//! the layout they are written in: a statement per `Sid`, under `!If [<condition>, …]`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use aidr_engine::Registry;
use aidr_engine::ports::Scope;
use aidr_engine::response::{Call, LLMJACKING, Plan, Playbook, PrincipalKind, Target};
use serde_json::json;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

/// `deactivate-access-key` -> `DeactivateAccessKey`: how the templates name a playbook's
/// parameter (`…Mode`), conditions (`…On`, `…Enforce`) and statements (`…Read`, `…Write`).
fn camel(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
                .collect::<String>()
        })
        .collect()
}

/// The lines of resource `name` (its header line and everything indented under it).
fn resource<'t>(template: &'t str, name: &str) -> Vec<&'t str> {
    let header = format!("  {name}:");
    let mut lines = template.lines().skip_while(|l| *l != header);
    let first = lines.next().unwrap_or_else(|| panic!("no resource {name}"));
    std::iter::once(first)
        .chain(lines.take_while(|l| l.is_empty() || l.starts_with("    ")))
        .collect()
}

/// `a` or `[a, b]` or `"a"` -> the items.
fn inline_list(text: &str) -> Vec<String> {
    let text = text.trim().trim_start_matches('[').trim_end_matches(']');
    text.split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One statement of a policy, as written.
#[derive(Debug)]
struct Statement {
    sid: String,
    /// The condition of the `!If` it sits under, if any.
    condition: Option<String>,
    deny: bool,
    actions: BTreeSet<String>,
}

/// The statements of a role's policies, in order.
fn statements(role: &[&str]) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    let mut in_actions = false;
    for (i, line) in role.iter().enumerate() {
        let t = line.trim();
        let item = t.strip_prefix("- ").unwrap_or(t);
        if let Some(sid) = item.strip_prefix("Sid: ") {
            let sid = sid.split(" #").next().unwrap().trim().to_owned();
            let previous = role[i - 1].trim();
            let condition = role[i - 2]
                .trim()
                .eq("- !If")
                .then(|| previous.trim_start_matches("- ").to_owned());
            out.push(Statement {
                sid,
                condition,
                deny: false,
                actions: BTreeSet::new(),
            });
            in_actions = false;
            continue;
        }
        let Some(current) = out.last_mut() else { continue };
        if in_actions {
            match t.strip_prefix("- ") {
                Some(action) if action.contains(':') && !action.contains(' ') => {
                    current.actions.insert(action.to_owned());
                    continue;
                }
                _ => in_actions = false,
            }
        }
        if let Some(rest) = t.strip_prefix("Action:") {
            if rest.trim().is_empty() {
                in_actions = true;
            } else {
                current.actions.extend(inline_list(rest));
            }
        } else if t == "Effect: Deny" {
            current.deny = true;
        }
    }
    out
}

/// The `UndoOnlyPermissions` of a role's metadata: playbook id -> the permissions not granted.
fn undo_only(role: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mut lines = role.iter().skip_while(|l| l.trim() != "UndoOnlyPermissions:");
    let header = lines.next().expect("the role's metadata lists its UndoOnlyPermissions");
    let indent = header.len() - header.trim_start().len();
    lines
        .take_while(|l| l.len() - l.trim_start().len() > indent)
        .map(|l| {
            let (id, list) = l.trim().split_once(':').unwrap();
            (id.to_owned(), inline_list(list).into_iter().collect())
        })
        .collect()
}

/// How a role grants a playbook's permissions.
#[derive(Debug, Default)]
struct Grants {
    /// When the playbook is not off.
    reads: BTreeSet<String>,
    /// When it is enforce.
    writes: BTreeSet<String>,
    /// Not granted.
    undo_only: BTreeSet<String>,
}

/// The grants of every playbook in role `name` of `template`, checking each statement's
/// condition on the way and that no other statement allows a playbook permission.
fn grants(path: &str, template: &str, name: &str) -> BTreeMap<Playbook, Grants> {
    let role = resource(template, name);
    let statements = statements(&role);
    let mut undo = undo_only(&role);
    let every_permission: BTreeSet<&str> = Playbook::ALL
        .iter()
        .flat_map(|p| p.info().permissions.iter().copied())
        .collect();
    let mut out = BTreeMap::new();
    for playbook in Playbook::ALL {
        let c = camel(playbook.id());
        let mut g = Grants {
            undo_only: undo
                .remove(playbook.id())
                .unwrap_or_else(|| panic!("{path}: {name} lists no UndoOnlyPermissions for {playbook}")),
            ..Grants::default()
        };
        for s in statements.iter().filter(|s| s.sid.starts_with(&c)) {
            let suffix = &s.sid[c.len()..];
            let (set, condition) = if suffix.starts_with("Read") {
                (&mut g.reads, format!("{c}On"))
            } else if suffix.starts_with("Write") {
                (&mut g.writes, format!("{c}Enforce"))
            } else {
                panic!(
                    "{path}: statement {} is neither a Read nor a Write of {playbook}",
                    s.sid
                )
            };
            assert_eq!(
                s.condition.as_deref(),
                Some(condition.as_str()),
                "{path}: statement {} must sit under !If [{condition}, …]",
                s.sid
            );
            assert!(!s.deny, "{path}: statement {} denies", s.sid);
            set.extend(s.actions.iter().cloned());
        }
        out.insert(playbook, g);
    }
    assert!(
        undo.is_empty(),
        "{path}: UndoOnlyPermissions of unknown playbooks: {undo:?}"
    );
    let camels: Vec<String> = Playbook::ALL.iter().map(|p| camel(p.id())).collect();
    for s in statements
        .iter()
        .filter(|s| !camels.iter().any(|c| s.sid.starts_with(c)))
    {
        let granted: Vec<&String> = s
            .actions
            .iter()
            .filter(|a| every_permission.contains(a.as_str()))
            .collect();
        assert!(
            s.deny || granted.is_empty(),
            "{path}: statement {} grants playbook permissions outside the playbooks' conditions: {granted:?}",
            s.sid
        );
    }
    out
}

/// What each playbook's calls are: the APIs it makes when enforcing, and those that undo them.
fn calls(playbook: Playbook) -> (BTreeSet<String>, BTreeSet<String>) {
    let user = || "alice".to_owned();
    let policy = || "arn:aws:iam::aws:policy/AdministratorAccess".to_owned();
    let targets = match playbook {
        Playbook::DeactivateAccessKey => vec![Target::AccessKey {
            user_name: user(),
            access_key_id: "AKIAEXAMPLEEXAMPLE12".into(),
        }],
        Playbook::DeactivateBedrockApiKey => vec![Target::ApiKeys {
            user_name: user(),
            credential_id: Some("ACCAEXAMPLE".into()),
        }],
        Playbook::RevokeRoleSessions => vec![Target::Role {
            role_name: "app".into(),
        }],
        Playbook::QuarantineUser => vec![Target::User { user_name: user() }],
        Playbook::DetachAdminPolicy => [PrincipalKind::User, PrincipalKind::Role, PrincipalKind::Group]
            .into_iter()
            .map(|principal| Target::AttachedPolicy {
                principal,
                name: "x".into(),
                policy_arn: policy(),
            })
            .collect(),
        Playbook::RestoreInvocationLogging => vec![Target::InvocationLogging],
        Playbook::RemoveResourcePolicy => vec![
            Target::BedrockResourcePolicy {
                resource_arn: "arn:aws:bedrock:us-east-1:111122223333:custom-model/m".into(),
            },
            Target::ModelPackageGroupPolicy { group_name: "g".into() },
        ],
        Playbook::StopNotebookInstance => vec![Target::NotebookInstance { name: "nb".into() }],
    };
    let logging = json!({"s3Config": {"bucketName": "logs"}});
    let before = json!({
        "Status": "Active",
        "PolicyDocument": "{}",
        "resourcePolicy": "{}",
        "ResourcePolicy": "{}",
        "s3Config": {"bucketName": "logs"}
    });
    let (mut forward, mut undo) = (BTreeSet::new(), BTreeSet::new());
    for target in targets {
        let plan = Plan {
            playbook,
            scope: Scope {
                account: "111122223333".into(),
                region: "us-east-1".into(),
            },
            target,
        };
        let made: Vec<Call> = plan.calls("2026-01-01T00:00:00Z", &[], Some(&logging)).unwrap();
        for call in made {
            forward.insert(call.api());
            for b in [None, Some(&before)] {
                undo.extend(call.undo(b).map(|u| u.api()));
            }
        }
    }
    (forward, undo)
}

/// Each playbook's permissions are granted by `role` of `path` exactly: reads when not off,
/// writes when enforce, and the calls only an undo makes listed as not granted.
fn check_role(path: &str, role: &str) -> BTreeMap<Playbook, Grants> {
    let template = read(path);
    let grants = grants(path, &template, role);
    for (playbook, g) in &grants {
        let permissions: BTreeSet<String> = playbook.info().permissions.iter().map(|p| p.to_string()).collect();
        let listed: BTreeSet<String> = g.reads.iter().chain(&g.writes).chain(&g.undo_only).cloned().collect();
        assert_eq!(
            listed, permissions,
            "{path}: {role} must grant (or list as undo-only) exactly the permissions of {playbook}"
        );
        let granted: BTreeSet<&String> = g.reads.iter().chain(&g.writes).collect();
        assert!(
            g.undo_only.iter().all(|p| !granted.contains(p)),
            "{path}: {playbook}: an undo-only permission is granted"
        );
        let (forward, undo) = calls(*playbook);
        for api in &forward {
            assert!(
                g.writes.contains(api),
                "{path}: {playbook} calls {api}: it must be a write"
            );
        }
        for api in &g.undo_only {
            assert!(
                undo.contains(api) && !forward.contains(api),
                "{path}: {playbook}: {api} is listed as undo-only, but only undo calls are"
            );
        }
        for api in &g.writes {
            assert!(
                forward.contains(api) || !undo.contains(api),
                "{path}: {playbook}: {api} is only an undo call: it must be listed as undo-only, not granted"
            );
        }
        for api in &g.reads {
            assert!(
                !forward.contains(api) && !undo.contains(api),
                "{path}: {playbook}: {api} changes something: it cannot be a read (granted in dry-run)"
            );
        }
    }
    grants
}

#[test]
fn the_responder_role_grants_each_playbook_its_permissions_by_mode() {
    check_role("infra/template.yaml", "ResponderFunctionRole");
}

#[test]
fn the_member_role_grants_each_playbook_its_permissions_by_mode() {
    let central = check_role("infra/template.yaml", "ResponderFunctionRole");
    let member = check_role("infra/member-role.yaml", "ResponderRole");
    for (playbook, g) in &central {
        let m = &member[playbook];
        assert!(
            (&g.reads, &g.writes, &g.undo_only) == (&m.reads, &m.writes, &m.undo_only),
            "{playbook}: the member role splits its permissions as the responder's role does"
        );
    }
}

#[test]
fn both_templates_take_a_mode_per_playbook() {
    let template = read("infra/template.yaml");
    let member = read("infra/member-role.yaml");
    for playbook in Playbook::ALL {
        let c = camel(playbook.id());
        for (path, text) in [("infra/template.yaml", &template), ("infra/member-role.yaml", &member)] {
            assert!(
                text.contains(&format!("\n  {c}Mode:\n")),
                "{path}: no {c}Mode parameter"
            );
        }
        let entry = format!("!Sub \"{}=${{{c}Mode}}\"", playbook.id());
        assert!(
            template.contains(&entry),
            "infra/template.yaml: AIDR_RESPONSE_PLAYBOOKS lacks {entry}"
        );
    }
}

/// The single-line `Name: !Or [!Condition A, …]` conditions of `template`.
fn or_conditions(template: &str) -> BTreeMap<String, Vec<String>> {
    template
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("  ")?.split_once(": !Or [")?;
            let members = rest
                .trim_end_matches(']')
                .split(',')
                .map(|m| m.trim().trim_start_matches("!Condition ").to_owned())
                .collect();
            Some((name.to_owned(), members))
        })
        .collect()
}

#[test]
fn the_subscription_takes_the_rule_ids_of_the_enabled_playbooks() {
    let template = read("infra/template.yaml");
    let subscription = resource(&template, "ResponderSubscription");
    let ors = or_conditions(&template);
    let playbook_of = |condition: &str| {
        Playbook::ALL
            .into_iter()
            .find(|p| format!("{}On", camel(p.id())) == condition)
    };
    let kind = subscription
        .iter()
        .find_map(|l| l.trim().strip_prefix("kind: "))
        .expect("the filter policy has a kind");
    assert_eq!(
        inline_list(kind),
        ["alert", "update"],
        "the responder takes alerts and updates, never its own responses"
    );
    let entries: Vec<(String, String)> = subscription
        .iter()
        .skip_while(|l| l.trim() != "rule_id:")
        .skip(1)
        .map_while(|l| l.trim().strip_prefix("- !If ["))
        .map(|l| {
            let parts = inline_list(l.trim_end_matches(']'));
            assert_eq!(parts[2], "!Ref AWS::NoValue", "{l}");
            (parts[0].clone(), parts[1].clone())
        })
        .collect();
    let registry = Registry::builtin();
    let mut seen = BTreeSet::new();
    for (condition, rule) in &entries {
        assert!(seen.insert(rule.as_str()), "{rule} is listed twice");
        assert!(registry.get(rule).is_some(), "{rule} is not in the catalog");
        let under: BTreeSet<Playbook> = match playbook_of(condition) {
            Some(p) => BTreeSet::from([p]),
            None => ors
                .get(condition)
                .unwrap_or_else(|| panic!("{rule}: unknown condition {condition}"))
                .iter()
                .map(|c| playbook_of(c).unwrap_or_else(|| panic!("{condition}: {c} is not a playbook's")))
                .collect(),
        };
        let answering: BTreeSet<Playbook> = Playbook::ALL.into_iter().filter(|p| p.answers(rule)).collect();
        assert_eq!(
            under, answering,
            "{rule} must be taken exactly when a playbook that answers it is on"
        );
    }
    let every: BTreeSet<&str> = Playbook::ALL.iter().flat_map(|p| p.rule_ids()).collect();
    assert_eq!(seen, every, "the subscription lists every rule id a playbook answers");
    assert!(LLMJACKING.iter().all(|r| seen.contains(r)));
    // SNS: at most 150 combinations of values across the keys of a filter policy. kind x rule
    // ids x severities, the severity key being left out below medium (at most 3 values).
    let combinations = 2 * entries.len() * 3;
    assert!(
        combinations <= 150,
        "{combinations} filter policy combinations: SNS allows 150"
    );
}

/// The permissions table of `infra/README.md`, from the engine (what each playbook answers and
/// does) and the responder's role (how it grants them).
fn permissions_table(grants: &BTreeMap<Playbook, Grants>) -> String {
    let code = |set: &BTreeSet<String>| {
        if set.is_empty() {
            "–".to_owned()
        } else {
            set.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        }
    };
    let mut out = String::from(
        "| Playbook | Does | Answers | Reads (dry-run and enforce) | Writes (enforce) | Undo only (not granted) |\n|---|---|---|---|---|---|\n",
    );
    for playbook in Playbook::ALL {
        let info = playbook.info();
        let mut answers: Vec<String> = info.rules.iter().map(|r| format!("`{r}`")).collect();
        if info.llmjacking {
            answers.push("the LLMjacking incidents".into());
        }
        let g = &grants[&playbook];
        out += &format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            info.id,
            info.action,
            answers.join(", "),
            code(&g.reads),
            code(&g.writes),
            code(&g.undo_only)
        );
    }
    out
}

#[test]
fn readme_permissions_table_matches_the_playbooks() {
    let grants = check_role("infra/template.yaml", "ResponderFunctionRole");
    let path = root().join("infra/README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- playbooks:start -->\n", "<!-- playbooks:end -->");
    let (head, rest) = readme
        .split_once(start)
        .expect("infra/README.md has the playbooks:start marker");
    let (_, tail) = rest
        .split_once(end)
        .expect("infra/README.md has the playbooks:end marker");
    let expected = format!("{head}{start}{}{end}{tail}", permissions_table(&grants));
    if std::env::var_os("AIDR_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    } else {
        assert!(
            readme == expected,
            "infra/README.md permissions table is stale: run `AIDR_BLESS=1 cargo test -p aidr --test infra readme`"
        );
    }
}

#[test]
fn the_responder_role_may_make_the_state_tables_calls_its_store_makes() {
    // DynamoStore: get, members and records GetItem; insert_if_absent, set and records
    // PutItem; add and append UpdateItem; remove DeleteItem; get_many (the claims and
    // follow-up marks of an incident's earlier actions) BatchGetItem.
    let template = read("infra/template.yaml");
    let role = resource(&template, "ResponderFunctionRole");
    let state = statements(&role)
        .into_iter()
        .find(|s| s.sid == "ResponseState")
        .expect("a ResponseState statement");
    for api in ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchGetItem"] {
        assert!(
            state.actions.contains(&format!("dynamodb:{api}")),
            "the responder role may not call dynamodb:{api}: {:?}",
            state.actions
        );
    }
}

#[test]
fn a_claim_outlives_the_responders_run_and_not_lambdas_first_retry() {
    // A run lasts at most the function's timeout; when it dies there (the claim left held),
    // Lambda tries the event again a minute later, then two minutes after that. The claim must
    // hold longer than a run, and be gone by the first retry, or both retries find it held and
    // the alert ends in the dead-letter queue with nothing done.
    let template = read("infra/template.yaml");
    let function = resource(&template, "ResponderFunction");
    let timeout: i64 = function
        .iter()
        .find_map(|l| l.trim().strip_prefix("Timeout:"))
        .expect("the responder's Timeout")
        .trim()
        .parse()
        .unwrap();
    let claim = aidr_engine::response::CLAIM_SECS;
    assert!(
        timeout < claim && claim < timeout + 60,
        "a claim of {claim} s with a function timeout of {timeout} s"
    );
}

#[test]
fn only_the_detector_and_the_responder_publish_to_the_alert_topic() {
    let template = read("infra/template.yaml");
    let policy = resource(&template, "AlertTopicPolicy").join("\n");
    let deny = policy
        .split("- Sid: ")
        .find(|s| s.starts_with("OnlyAidrPublishes"))
        .expect("no OnlyAidrPublishes statement");
    assert!(
        deny.contains("Effect: Deny") && deny.contains("Action: sns:Publish"),
        "{deny}"
    );
    assert!(
        deny.contains("StringNotEquals") && deny.contains("aws:PrincipalArn"),
        "{deny}"
    );
    for role in ["DetectorRole.Arn", "ResponderFunctionRole.Arn"] {
        assert!(deny.contains(role), "{role} may not publish: {deny}");
    }
    assert!(
        deny.contains("aws:PrincipalIsAWSService: \"false\""),
        "alarms must still publish: {deny}"
    );
    assert!(policy.contains("Service: cloudwatch.amazonaws.com"), "{policy}");
}
