//! The responder's infrastructure in step with the engine's playbooks: the IAM permissions of
//! the responder's role (`infra/template.yaml`) and of the member role (`infra/member.yaml`),
//! split into reads, writes and undo-only calls; the rule ids of its subscription's filter
//! policy; and the permissions table of `infra/README.md`, generated from both. The inventory's
//! infrastructure in step with its function: the collector's reads in both templates, its
//! schedule, and its environment. And what holds for all of aidr's roles: only they publish
//! alerts, the responder never acts on them, and the alert key encrypts their log groups. The
//! organization: the bus only the organization may put events on, the member accounts' rules
//! and the role that forwards their events, the member roles created in one region; the trail
//! and back-test detectors, their environment, queues and reads of the trail's log files. The
//! user's rules and allowlist: every detector reads them from the same place, and may read
//! nothing else of that bucket; the events their pattern names reach the detector from every bus.
//!
//! The templates use CloudFormation's short tags (`!If`, `!Sub`), so they are read as text, in
//! the layout they are written in: a statement per `Sid`, under `!If [<condition>, …]`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use aidr_engine::Registry;
use aidr_engine::ports::Scope;
use aidr_engine::response::{Call, LLMJACKING, Plan, Playbook, PrincipalKind, Target};
use common::root;
use common::unscoped::is_unscoped;
use serde_json::json;

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
    /// Its `Resource`, item by item as written (`"*"`, `!GetAtt Queue.Arn`, `!Sub arn:…`).
    resources: Vec<String>,
}

/// The statements of a role's policies, in order.
fn statements(role: &[&str]) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    let mut in_actions = false;
    // The indentation of the `Resource:` key whose list is being read.
    let mut in_resources: Option<usize> = None;
    let indent = |l: &str| l.len() - l.trim_start().len();
    for (i, line) in role.iter().enumerate() {
        let t = line.trim();
        if t.starts_with('#') {
            continue;
        }
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
                resources: Vec::new(),
            });
            in_actions = false;
            in_resources = None;
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
        if let Some(key) = in_resources {
            match t.strip_prefix("- ") {
                Some(resource) if indent(line) > key => {
                    current.resources.push(uncommented(resource));
                    continue;
                }
                _ => in_resources = None,
            }
        }
        if let Some(rest) = t.strip_prefix("Action:") {
            if rest.trim().is_empty() {
                in_actions = true;
            } else {
                current.actions.extend(inline_list(rest));
            }
        } else if let Some(rest) = t.strip_prefix("Resource:") {
            if rest.trim().is_empty() {
                in_resources = Some(indent(line));
            } else {
                current.resources.push(uncommented(rest));
            }
        } else if t == "Effect: Deny" {
            current.deny = true;
        }
    }
    out
}

/// A YAML value without its trailing ` # comment`.
fn uncommented(value: &str) -> String {
    value.split(" # ").next().unwrap().trim().to_owned()
}

/// The statements of a role's own policies (after `Policies:`, not its trust policy).
fn policy_statements(role: &[&str]) -> Vec<Statement> {
    let start = role
        .iter()
        .position(|l| l.trim() == "Policies:")
        .expect("the role has policies");
    statements(&role[start..])
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
    let member = check_role("infra/member.yaml", "ResponderRole");
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
    let member = read("infra/member.yaml");
    for playbook in Playbook::ALL {
        let c = camel(playbook.id());
        for (path, text) in [("infra/template.yaml", &template), ("infra/member.yaml", &member)] {
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

/// Checks that the text between `<!-- {marker}:start -->` and `<!-- {marker}:end -->` of
/// `infra/README.md` is `content`, or, with `AIDR_BLESS` set, writes it there.
fn check_readme_section(marker: &str, content: &str) {
    // The tests that bless run in parallel: one read-modify-write of the file at a time.
    static README: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _lock = README.lock().unwrap_or_else(|e| e.into_inner());
    let path = root().join("infra/README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = (format!("<!-- {marker}:start -->\n"), format!("<!-- {marker}:end -->"));
    let (head, rest) = readme
        .split_once(&start)
        .unwrap_or_else(|| panic!("infra/README.md has the {marker}:start marker"));
    let (_, tail) = rest
        .split_once(&end)
        .unwrap_or_else(|| panic!("infra/README.md has the {marker}:end marker"));
    let expected = format!("{head}{start}{content}{end}{tail}");
    if std::env::var_os("AIDR_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    } else {
        assert!(
            readme == expected,
            "infra/README.md {marker} table is stale: run `AIDR_BLESS=1 cargo test -p aidr --test infra readme`"
        );
    }
}

#[test]
fn readme_permissions_table_matches_the_playbooks() {
    let grants = check_role("infra/template.yaml", "ResponderFunctionRole");
    check_readme_section("playbooks", &permissions_table(&grants));
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
fn only_aidrs_alerting_functions_publish_to_the_alert_topic() {
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
    let publishers: Vec<String> = roles(&template)
        .into_iter()
        .filter(|role| {
            granted_statements(&template, role).iter().any(|s| {
                !s.deny && s.actions.contains("sns:Publish") && s.resources.iter().any(|r| r == "!Ref AlertTopic")
            })
        })
        .collect();
    assert_eq!(
        publishers,
        [
            "DetectorRole",
            "ResponderFunctionRole",
            "InventoryFunctionRole",
            "TrailDetectorRole"
        ],
        "the roles allowed to publish alerts"
    );
    for role in &publishers {
        assert!(
            deny.contains(&format!("!GetAtt {role}.Arn")),
            "{role} may not publish: {deny}"
        );
    }
    assert!(
        deny.contains("aws:PrincipalIsAWSService: \"false\""),
        "alarms must still publish: {deny}"
    );
    assert!(policy.contains("Service: cloudwatch.amazonaws.com"), "{policy}");
}

/// The managed policies of this template that a role attaches (`ManagedPolicyArns`, each
/// `!Ref <policy>`, or under `!If`).
fn managed_policies(role: &[&str]) -> Vec<String> {
    role.iter()
        .skip_while(|l| l.trim() != "ManagedPolicyArns:")
        .skip(1)
        .take_while(|l| l.trim().starts_with("- "))
        .filter_map(|l| l.split("!Ref ").nth(1))
        .map(|r| r.split([',', ']']).next().unwrap().trim().to_owned())
        .filter(|r| !r.starts_with("AWS::"))
        .collect()
}

/// The statements a role of `template` is granted: those of the managed policies it attaches,
/// then its own policies'.
fn granted_statements(template: &str, role: &str) -> Vec<Statement> {
    let lines = resource(template, role);
    let mut out: Vec<Statement> = managed_policies(&lines)
        .iter()
        .flat_map(|policy| statements(&resource(template, policy)))
        .collect();
    out.extend(policy_statements(&lines));
    out
}

/// The logical ids of the IAM roles of `template`, in order.
fn roles(template: &str) -> Vec<String> {
    let lines: Vec<&str> = template.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[1] == "    Type: AWS::IAM::Role")
        .filter_map(|w| w[0].strip_prefix("  ")?.strip_suffix(':'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_responder_never_acts_on_aidrs_own_roles() {
    let template = read("infra/template.yaml");
    let guard = resource(&template, "ResponderFunctionRoleGuard").join("\n");
    let function = resource(&template, "ResponderFunction");
    let protected = function
        .iter()
        .skip_while(|l| !l.trim().starts_with("AIDR_RESPONSE_PROTECTED_PRINCIPALS:"))
        .skip(1)
        .take_while(|l| !l.trim().starts_with("AIDR_"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let roles = roles(&template);
    assert!(roles.len() >= 8, "{roles:?}");
    for role in &roles {
        let arn = format!("!GetAtt {role}.Arn");
        assert!(
            guard.contains(&arn),
            "ResponderFunctionRoleGuard must deny changes to {role}"
        );
        assert!(
            protected.contains(&arn),
            "AIDR_RESPONSE_PROTECTED_PRINCIPALS must list {role}"
        );
    }
    // The member roles, named by the same parameters in both templates.
    let member = read("infra/member.yaml");
    let names: Vec<&str> = member
        .lines()
        .filter_map(|l| l.trim().strip_prefix("RoleName: !Ref "))
        .collect();
    assert_eq!(names, ["ResponderRoleName", "InventoryRoleName"]);
    for name in names {
        assert!(
            template.contains(&format!("\n  {name}:\n")),
            "infra/template.yaml has no {name} parameter"
        );
        assert!(
            guard.contains(&format!(
                "!Sub arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/${{{name}}}"
            )),
            "ResponderFunctionRoleGuard must deny changes to the role {name} in this account"
        );
        assert!(
            protected.contains(&format!("!Sub arn:${{AWS::Partition}}:iam::*:role/${{{name}}}")),
            "AIDR_RESPONSE_PROTECTED_PRINCIPALS must list the role {name} in every account"
        );
    }
}

#[test]
fn the_alert_key_encrypts_every_log_group() {
    let template = read("infra/template.yaml");
    let key = resource(&template, "AlertKey").join("\n");
    let lines: Vec<&str> = template.lines().collect();
    let groups: Vec<&str> = lines
        .windows(2)
        .filter(|w| w[1] == "    Type: AWS::Logs::LogGroup")
        .filter_map(|w| w[0].strip_prefix("  ")?.strip_suffix(':'))
        .collect();
    assert!(groups.len() >= 7, "{groups:?}");
    for group in groups {
        let lines = resource(&template, group);
        let name = lines
            .iter()
            .find_map(|l| l.trim().strip_prefix("LogGroupName: !Sub "))
            .unwrap_or_else(|| panic!("{group} has no LogGroupName"));
        assert!(
            lines.iter().any(|l| l.trim() == "KmsKeyId: !GetAtt AlertKey.Arn"),
            "{group} is not encrypted with the alert key"
        );
        assert!(
            key.contains(&format!("log-group:{name}\n")),
            "the alert key's policy does not let CloudWatch Logs encrypt {name}"
        );
    }
}

// ---------------------------------------------------------------- inventory

/// The calls the inventory's collector makes, as IAM actions: its `PERMISSIONS` list
/// (`shared/aws/src/inventory/permissions.rs`, checked there against the collector's SDK calls),
/// read from the source as the CLI's default build has no AWS crates.
fn inventory_calls() -> Vec<String> {
    let text = read("shared/aws/src/inventory/permissions.rs");
    let list = text
        .split("pub const PERMISSIONS: &[&str] = &[")
        .nth(1)
        .and_then(|rest| rest.split("];").next())
        .expect("PERMISSIONS in permissions.rs");
    list.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

/// Calls that need no IAM permission (an explicit deny does not stop them either).
const INVENTORY_FREE_CALLS: &[&str] = &["sts:GetCallerIdentity"];

/// Calls that switch accounts rather than read one: granted to the function's role only.
const INVENTORY_ASSUME_CALLS: &[&str] = &["sts:AssumeRole"];

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The collector's reads: every call but the free and the assume ones.
fn inventory_reads() -> BTreeSet<String> {
    let listed = inventory_calls();
    let calls: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(calls.len(), listed.len(), "PERMISSIONS lists a call twice");
    &(&calls - &set(INVENTORY_FREE_CALLS)) - &set(INVENTORY_ASSUME_CALLS)
}

/// The `Collect…` statements of a role: (sid, actions, resources).
fn collect_statements(statements: &[Statement]) -> Vec<(&str, &BTreeSet<String>, &[String])> {
    statements
        .iter()
        .filter(|s| s.sid.starts_with("Collect"))
        .map(|s| (s.sid.as_str(), &s.actions, s.resources.as_slice()))
        .collect()
}

/// Checks that `statements` grant the collector's reads exactly, read-only, on `"*"` exactly
/// those of them that take no resource ([`common::unscoped`]) and otherwise on this account's
/// resources.
fn check_collect_statements(path: &str, role: &str, statements: &[Statement]) {
    let reads = inventory_reads();
    let collect = collect_statements(statements);
    let mut granted = BTreeSet::new();
    let mut unscoped = BTreeSet::new();
    for (sid, actions, resources) in &collect {
        for action in *actions {
            assert!(granted.insert(action.clone()), "{path}: {role} grants {action} twice");
            let name = action.split_once(':').unwrap().1;
            assert!(
                ["List", "Get", "Describe"].iter().any(|p| name.starts_with(p)),
                "{path}: {role}: {action} is not a read"
            );
        }
        assert!(!resources.is_empty(), "{path}: {role}: {sid} names no resource");
        if resources.iter().any(|r| r == "\"*\"") {
            assert_eq!(resources.len(), 1, "{path}: {role}: {sid}");
            unscoped.extend(actions.iter().cloned());
        } else {
            for r in *resources {
                // This account's resources, or AWS managed policies (readable by every account).
                let own = r.contains(":${AWS::AccountId}:") || r.ends_with(":iam::aws:policy/*");
                assert!(
                    r.starts_with("!Sub arn:${AWS::Partition}:") && own,
                    "{path}: {role}: {sid}: {r} is not a resource of this account"
                );
            }
        }
    }
    assert_eq!(
        granted, reads,
        "{path}: {role} must grant exactly the collector's reads"
    );
    let cannot_scope: BTreeSet<String> = reads.iter().filter(|a| is_unscoped(a)).cloned().collect();
    assert_eq!(
        unscoped, cannot_scope,
        "{path}: {role} grants on \"*\" exactly the reads IAM cannot scope"
    );
    for s in statements {
        assert!(!s.deny, "{path}: {role}: {} denies", s.sid);
        for call in INVENTORY_FREE_CALLS {
            assert!(!s.actions.contains(*call), "{path}: {role}: {call} needs no permission");
        }
    }
}

#[test]
fn the_inventory_role_grants_exactly_the_collectors_calls() {
    let template = read("infra/template.yaml");
    let statements = policy_statements(&resource(&template, "InventoryFunctionRole"));
    check_collect_statements("infra/template.yaml", "InventoryFunctionRole", &statements);
    // Besides the reads: its logs; the state table as the detector's role (its run keeps the
    // inventory documents and the open markers, and runs the alerting protocol: DynamoStore's
    // get GetItem, set, insert_if_absent and compare_and_set PutItem, count_in_window
    // UpdateItem; no get_many, no remove); the alerts; its dead letters; the member role.
    let others: BTreeMap<&str, (BTreeSet<String>, Vec<String>)> = statements
        .iter()
        .filter(|s| !s.sid.starts_with("Collect"))
        .map(|s| (s.sid.as_str(), (s.actions.clone(), s.resources.clone())))
        .collect();
    let expected: BTreeMap<&str, (BTreeSet<String>, Vec<String>)> = [
        (
            "OwnLogs",
            &["logs:CreateLogStream", "logs:PutLogEvents"][..],
            "!GetAtt InventoryLogGroup.Arn",
        ),
        (
            "State",
            &["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            "!GetAtt StateTable.Arn",
        ),
        ("PublishAlerts", &["sns:Publish"], "!Ref AlertTopic"),
        (
            "PublishToEncryptedTopic",
            &["kms:GenerateDataKey*", "kms:Decrypt"],
            "!GetAtt AlertKey.Arn",
        ),
        (
            "DeadLetters",
            &["sqs:SendMessage"],
            "!GetAtt InventoryDeadLetterQueue.Arn",
        ),
        (
            "AssumeMemberRoles",
            INVENTORY_ASSUME_CALLS,
            "!Sub arn:${AWS::Partition}:iam::*:role/${InventoryRoleName}",
        ),
    ]
    .into_iter()
    .map(|(sid, actions, resource)| (sid, (set(actions), vec![resource.to_owned()])))
    .collect();
    assert_eq!(others, expected, "InventoryFunctionRole's other statements");
}

#[test]
fn the_member_inventory_role_grants_the_same_reads() {
    let template = read("infra/template.yaml");
    let member = read("infra/member.yaml");
    let central = policy_statements(&resource(&template, "InventoryFunctionRole"));
    let role = resource(&member, "InventoryRole");
    let statements = policy_statements(&role);
    check_collect_statements("infra/member.yaml", "InventoryRole", &statements);
    assert_eq!(
        statements.len(),
        collect_statements(&statements).len(),
        "infra/member.yaml: InventoryRole grants the collector's reads and nothing else"
    );
    assert_eq!(
        collect_statements(&central),
        collect_statements(&statements),
        "both inventory roles grant the same reads, statement by statement"
    );
    let text = role.join("\n");
    for expected in [
        "Condition: InventoryRoleOn",
        "RoleName: !Ref InventoryRoleName",
        "AWS: !Sub arn:${AWS::Partition}:iam::${CentralAccountId}:root",
        "aws:PrincipalArn: !Sub arn:${AWS::Partition}:iam::${CentralAccountId}:role/${InventoryFunctionRoleName}",
        "- Key: aidr:response\n          Value: skip",
    ] {
        assert!(
            text.contains(expected),
            "infra/member.yaml: InventoryRole lacks {expected:?}"
        );
    }
    let trust = statements_of_trust(&role);
    assert_eq!(trust, ["sts:AssumeRole"], "infra/member.yaml: InventoryRole's trust");
}

/// The actions of a role's trust policy.
fn statements_of_trust(role: &[&str]) -> Vec<String> {
    let start = role
        .iter()
        .position(|l| l.trim() == "AssumeRolePolicyDocument:")
        .unwrap();
    let end = role.iter().position(|l| l.trim() == "Policies:").unwrap();
    role[start..end]
        .iter()
        .filter_map(|l| l.trim().strip_prefix("Action: "))
        .map(str::to_owned)
        .collect()
}

/// The `Default:` of parameter `name` of `template`.
fn default(template: &str, name: &str) -> String {
    resource(template, name)
        .iter()
        .find_map(|l| l.trim().strip_prefix("Default: "))
        .unwrap_or_else(|| panic!("parameter {name} has no default"))
        .trim_matches('"')
        .to_owned()
}

#[test]
fn the_inventory_defaults_are_the_functions() {
    let template = read("infra/template.yaml");
    let member = read("infra/member.yaml");
    let config = read("functions/inventory/src/config.rs");
    let role = default(&template, "InventoryRoleName");
    assert_eq!(
        role,
        default(&member, "InventoryRoleName"),
        "both templates name the same role"
    );
    let collector = read("shared/aws/src/inventory/mod.rs");
    assert!(
        config.contains("pub use aidr_aws::inventory::DEFAULT_ROLE_NAME;")
            && collector.contains(&format!("pub const DEFAULT_ROLE_NAME: &str = \"{role}\";")),
        "InventoryRoleName's default is the function's DEFAULT_ROLE_NAME (the collector's)"
    );
    let days = default(&template, "InventoryRecentDays");
    assert!(
        config.contains(&format!("pub const DEFAULT_RECENT_DAYS: i64 = {days};")),
        "InventoryRecentDays's default is the function's DEFAULT_RECENT_DAYS"
    );
    let parameter = resource(&template, "InventoryRecentDays").join("\n");
    assert!(
        parameter.contains("MinValue: 1") && parameter.contains("MaxValue: 365") && config.contains("(1..=365)"),
        "InventoryRecentDays takes what the function accepts: {parameter}"
    );
    assert_eq!(default(&template, "EnableInventory"), "true");
    assert_eq!(default(&template, "InventorySchedule"), "rate(1 day)");
    assert_eq!(
        default(&member, "InventoryFunctionRoleName"),
        "",
        "the member inventory role is opt-in"
    );
}

#[test]
fn the_inventory_functions_environment_is_what_it_reads() {
    let template = read("infra/template.yaml");
    let config = read("functions/inventory/src/config.rs");
    let code = config.split("#[cfg(test)]").next().unwrap();
    let read_vars: BTreeSet<String> = code
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with("AIDR_") && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .map(str::to_owned)
        .collect();
    assert!(read_vars.contains("AIDR_STATE_TABLE"), "{read_vars:?}");
    let function = resource(&template, "InventoryFunction");
    let set_vars: BTreeSet<String> = function
        .iter()
        .skip_while(|l| l.trim() != "Variables:")
        .skip(1)
        .filter_map(|l| l.trim().split_once(':').map(|(k, _)| k.to_owned()))
        .filter(|k| k.starts_with("AIDR_"))
        .collect();
    assert_eq!(
        set_vars, read_vars,
        "InventoryFunction sets exactly the variables functions/inventory/src/config.rs reads"
    );
    let text = function.join("\n");
    for expected in [
        "Binary: inventory",
        "Runtime: provided.al2023",
        "Architectures: [arm64]",
        "Timeout: 900",
        "Role: !GetAtt InventoryFunctionRole.Arn",
        "LogGroup: !Ref InventoryLogGroup",
        "AIDR_MIN_SEVERITY: !Ref MinSeverity",
        "AIDR_ORG_ACCOUNTS: !Ref OrgAccounts",
        "AWS_LAMBDA_LOG_FORMAT: JSON",
    ] {
        assert!(text.contains(expected), "InventoryFunction lacks {expected:?}");
    }
    assert!(
        read("functions/inventory/Cargo.toml").contains("\nname = \"inventory\"\n"),
        "the Binary is the inventory crate's"
    );
}

#[test]
fn the_schedule_starts_the_inventory_function_and_only_it() {
    let template = read("infra/template.yaml");
    let schedule = resource(&template, "InventoryScheduledRun").join("\n");
    for expected in [
        "Type: AWS::Scheduler::Schedule",
        "Condition: InventoryOn",
        "GroupName: !Ref InventoryScheduleGroup",
        "ScheduleExpression: !Ref InventorySchedule",
        "FlexibleTimeWindow:\n        Mode: \"OFF\"",
        "State: ENABLED",
        "Arn: !GetAtt InventoryFunction.Arn",
        "RoleArn: !GetAtt InventorySchedulerRole.Arn",
        "RetryPolicy:\n          MaximumRetryAttempts:",
        "DeadLetterConfig:\n          Arn: !GetAtt InventoryDeadLetterQueue.Arn",
    ] {
        assert!(
            schedule.contains(expected),
            "InventoryScheduledRun lacks {expected:?}:\n{schedule}"
        );
    }
    let role = resource(&template, "InventorySchedulerRole");
    let trust = role.join("\n");
    assert!(
        trust.contains("Service: scheduler.amazonaws.com")
            && trust.contains("aws:SourceAccount: !Ref AWS::AccountId")
            && trust.contains("aws:SourceArn: !GetAtt InventoryScheduleGroup.Arn"),
        "InventorySchedulerRole must trust only this stack's schedules:\n{trust}"
    );
    let granted: Vec<(String, BTreeSet<String>, Vec<String>)> = policy_statements(&role)
        .into_iter()
        .map(|s| (s.sid, s.actions, s.resources))
        .collect();
    assert_eq!(
        granted,
        [
            (
                "StartInventory".to_owned(),
                set(&["lambda:InvokeFunction"]),
                vec!["!GetAtt InventoryFunction.Arn".to_owned()]
            ),
            (
                "DeadLetters".to_owned(),
                set(&["sqs:SendMessage"]),
                vec!["!GetAtt InventoryDeadLetterQueue.Arn".to_owned()]
            ),
        ],
        "InventorySchedulerRole may start the inventory function and dead-letter, nothing else"
    );
    // The schedule retries; a failed run is not retried by Lambda, and is dead-lettered.
    let invoke = resource(&template, "InventoryInvokeConfig").join("\n");
    assert!(
        invoke.contains("FunctionName: !Ref InventoryFunction")
            && invoke.contains("MaximumRetryAttempts: 0")
            && invoke.contains("Destination: !GetAtt InventoryDeadLetterQueue.Arn"),
        "{invoke}"
    );
    let alarm = resource(&template, "InventoryDeadLetterQueueAlarm").join("\n");
    assert!(
        alarm.contains("Value: !GetAtt InventoryDeadLetterQueue.QueueName"),
        "{alarm}"
    );
}

/// The inventory permissions table of `infra/README.md`, from the inventory function's role and
/// the member inventory role.
fn inventory_permissions_table() -> String {
    let template = read("infra/template.yaml");
    let member = read("infra/member.yaml");
    let member_sids: BTreeSet<String> = policy_statements(&resource(&member, "InventoryRole"))
        .into_iter()
        .map(|s| s.sid)
        .collect();
    let arn = |r: &str| {
        let r = r.trim_start_matches("!Sub ").trim_matches('"');
        let r = r
            .replace("${AWS::Partition}", "<partition>")
            .replace("${AWS::AccountId}", "<account>")
            .replace("${InventoryRoleName}", "<InventoryRoleName>");
        match r.strip_prefix("!GetAtt ").or_else(|| r.strip_prefix("!Ref ")) {
            Some(name) => format!("the stack's `{}`", name.trim_end_matches(".Arn")),
            None => format!("`{r}`"),
        }
    };
    let mut out = String::from("| Statement | Actions | Resources | Member role |\n|---|---|---|---|\n");
    for s in policy_statements(&resource(&template, "InventoryFunctionRole")) {
        let actions: Vec<String> = s.actions.iter().map(|a| format!("`{a}`")).collect();
        let resources: Vec<String> = s.resources.iter().map(|r| arn(r)).collect();
        let in_member = if member_sids.contains(&s.sid) { "yes" } else { "–" };
        out += &format!(
            "| `{}` | {} | {} | {in_member} |\n",
            s.sid,
            actions.join(", "),
            resources.join(", ")
        );
    }
    out
}

#[test]
fn readme_inventory_permissions_table_matches_the_roles() {
    check_readme_section("inventory-permissions", &inventory_permissions_table());
}

// ---------------------------------------------------------------- organization

/// The resource-level `Condition:` of resource `name` (not a policy statement's).
fn resource_condition(template: &str, name: &str) -> Option<String> {
    resource(template, name)
        .iter()
        .find_map(|l| l.strip_prefix("    Condition: "))
        .map(|c| c.trim().to_owned())
}

/// The single-line definitions of the conditions of `template`: name -> definition.
fn conditions(template: &str) -> BTreeMap<String, String> {
    template
        .lines()
        .skip_while(|l| *l != "Conditions:")
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter_map(|l| l.strip_prefix("  ")?.split_once(": "))
        .filter(|(name, _)| !name.starts_with(' ') && !name.starts_with('#'))
        .map(|(name, definition)| (name.to_owned(), definition.trim().to_owned()))
        .collect()
}

#[test]
fn the_organization_bus_admits_the_organization_only() {
    let template = read("infra/template.yaml");
    let parameter = resource(&template, "OrganizationId").join("\n");
    assert!(
        parameter.contains("Default: \"\"") && parameter.contains("AllowedPattern: \"^(o-[a-z0-9]{10,32})?$\""),
        "{parameter}"
    );
    assert!(template.contains("\n  OrgOn: !Not [!Equals [!Ref OrganizationId, \"\"]]\n"));
    let bus = resource(&template, "OrgEventBus");
    let text = bus.join("\n");
    assert_eq!(resource_condition(&template, "OrgEventBus").as_deref(), Some("OrgOn"));
    assert!(text.contains("Type: AWS::Events::EventBus"), "{text}");
    assert!(text.contains("Name: !Sub ${AWS::StackName}-org"), "{text}");
    let granted: Vec<(String, bool, BTreeSet<String>, Vec<String>)> = statements(&bus)
        .into_iter()
        .map(|s| (s.sid, s.deny, s.actions, s.resources))
        .collect();
    assert_eq!(
        granted,
        [(
            "OrganizationPutsEvents".to_owned(),
            false,
            set(&["events:PutEvents"]),
            vec![
                "!Sub arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${AWS::StackName}-org"
                    .to_owned()
            ]
        )],
        "the bus policy: PutEvents on the bus, nothing else"
    );
    // Anyone, on the condition that they are of the organization: the only condition.
    let policy = text.split("- Sid: OrganizationPutsEvents").nth(1).unwrap();
    assert!(policy.contains("Principal: \"*\""), "{policy}");
    let condition: Vec<&str> = policy
        .lines()
        .skip_while(|l| l.trim() != "Condition:")
        .skip(1)
        .map(str::trim)
        .collect();
    assert_eq!(
        condition,
        ["StringEquals:", "aws:PrincipalOrgID: !Ref OrganizationId"],
        "the bus admits the organization only"
    );
    assert!(
        template.contains("  OrgEventBusArn:\n    Condition: OrgOn\n")
            && resource(&template, "OrgEventBusArn")
                .join("\n")
                .contains("Value: !GetAtt OrgEventBus.Arn"),
        "the bus ARN is an output"
    );
}

#[test]
fn every_copy_of_the_patterns_sits_in_a_rule_that_sends_it_on() {
    let template = read("infra/template.yaml");
    let member = read("infra/member.yaml");
    // (file, text, rule, which patterns, its bus, its target)
    let rules = [
        (
            "infra/template.yaml",
            &template,
            "WriteEventsRule",
            "write",
            None,
            "Arn: !GetAtt DetectorFunction.Arn",
        ),
        (
            "infra/template.yaml",
            &template,
            "ReadEventsRule",
            "read",
            None,
            "Arn: !GetAtt BatchQueue.Arn",
        ),
        (
            "infra/template.yaml",
            &template,
            "OrgWriteEventsRule",
            "write",
            Some("!Ref OrgEventBus"),
            "Arn: !GetAtt DetectorFunction.Arn",
        ),
        (
            "infra/template.yaml",
            &template,
            "OrgReadEventsRule",
            "read",
            Some("!Ref OrgEventBus"),
            "Arn: !GetAtt BatchQueue.Arn",
        ),
        (
            "infra/member.yaml",
            &member,
            "ForwardWriteEventsRule",
            "write",
            None,
            "Arn: !Ref CentralEventBusArn",
        ),
        (
            "infra/member.yaml",
            &member,
            "ForwardReadEventsRule",
            "read",
            None,
            "Arn: !Ref CentralEventBusArn",
        ),
    ];
    for (file, text, rule, which, bus, target) in rules {
        let lines = resource(text, rule).join("\n");
        assert!(
            lines.contains(&format!("      # aidr patterns: {which}\n      EventPattern: ")),
            "{file}: {rule} has no `# aidr patterns: {which}` marker (checked by cli.rs)"
        );
        assert!(
            lines.contains("State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"),
            "{file}: {rule} must take read-only management events"
        );
        match bus {
            Some(bus) => assert!(lines.contains(&format!("EventBusName: {bus}")), "{file}: {rule}"),
            None => assert!(!lines.contains("EventBusName:"), "{file}: {rule} is on the default bus"),
        }
        assert!(lines.contains(target), "{file}: {rule} must target {target}");
    }
    for (file, text) in [("infra/template.yaml", &template), ("infra/member.yaml", &member)] {
        let markers = text.matches("# aidr patterns: ").count();
        let expected = rules.iter().filter(|r| r.0 == file).count();
        assert_eq!(markers, expected, "{file}: a pattern marker outside the rules above");
    }
    // The organization's rules may deliver: the function, the batch queue, the DLQ.
    let permission = resource(&template, "OrgWriteEventsRulePermission").join("\n");
    assert!(
        permission.contains("SourceArn: !GetAtt OrgWriteEventsRule.Arn")
            && permission.contains("FunctionName: !GetAtt DetectorFunction.Arn"),
        "{permission}"
    );
    let batch = resource(&template, "BatchQueuePolicy").join("\n");
    assert!(batch.contains("!GetAtt OrgReadEventsRule.Arn"), "{batch}");
    let dlq = resource(&template, "EventsDeadLetterQueuePolicy").join("\n");
    for rule in ["OrgWriteEventsRule", "OrgReadEventsRule"] {
        assert!(dlq.contains(&format!("!GetAtt {rule}.Arn")), "{dlq}");
    }
}

#[test]
fn the_member_forwarding_role_may_only_put_events_on_the_central_bus() {
    let member = read("infra/member.yaml");
    let role = resource(&member, "EventForwardingRole");
    let text = role.join("\n");
    assert_eq!(
        resource_condition(&member, "EventForwardingRole").as_deref(),
        Some("ForwardingOn")
    );
    assert!(
        !text.contains("RoleName:"),
        "the forwarding role is created in every region: it cannot have a fixed name"
    );
    let granted: Vec<(String, bool, BTreeSet<String>, Vec<String>)> = policy_statements(&role)
        .into_iter()
        .map(|s| (s.sid, s.deny, s.actions, s.resources))
        .collect();
    assert_eq!(
        granted,
        [(
            "PutEventsOnCentralBus".to_owned(),
            false,
            set(&["events:PutEvents"]),
            vec!["!Ref CentralEventBusArn".to_owned()]
        )],
        "EventForwardingRole may put events on the central bus and do nothing else"
    );
    assert!(managed_policies(&role).is_empty() && !text.contains("ManagedPolicyArns"));
    assert_eq!(statements_of_trust(&role), ["sts:AssumeRole"]);
    for expected in [
        "Service: events.amazonaws.com",
        "aws:SourceAccount: !Ref AWS::AccountId",
        "aws:SourceArn: !Sub arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*",
        "- Key: aidr:response\n          Value: skip",
    ] {
        assert!(
            text.contains(expected),
            "EventForwardingRole lacks {expected:?}:\n{text}"
        );
    }
    for rule in ["ForwardWriteEventsRule", "ForwardReadEventsRule"] {
        let lines = resource(&member, rule).join("\n");
        assert!(
            lines.contains("RoleArn: !GetAtt EventForwardingRole.Arn"),
            "{rule} puts events with the forwarding role"
        );
        assert_eq!(resource_condition(&member, rule).as_deref(), Some("ForwardingOn"));
    }
    let parameter = resource(&member, "CentralEventBusArn").join("\n");
    assert!(parameter.contains("event-bus/"), "{parameter}");
    assert!(member.contains("\n  ForwardingOn: !Not [!Equals [!Ref CentralEventBusArn, \"\"]]\n"));
}

#[test]
fn the_member_roles_are_created_in_the_roles_region_only() {
    let member = read("infra/member.yaml");
    assert_eq!(default(&member, "RolesRegion"), "us-east-1");
    let conditions = conditions(&member);
    assert_eq!(
        conditions.get("InRolesRegion").map(String::as_str),
        Some("!Equals [!Ref AWS::Region, !Ref RolesRegion]")
    );
    let in_roles_region = |condition: &str| {
        condition == "InRolesRegion"
            || conditions.get(condition).is_some_and(|d| {
                d.starts_with("!And [")
                    && d.trim_start_matches("!And [")
                        .trim_end_matches(']')
                        .split(',')
                        .any(|c| c.trim() == "!Condition InRolesRegion")
            })
    };
    let roles = roles(&member);
    assert_eq!(roles, ["ResponderRole", "InventoryRole", "EventForwardingRole"]);
    for role in &roles {
        let named = resource(&member, role)
            .iter()
            .any(|l| l.trim().starts_with("RoleName:"));
        let condition = resource_condition(&member, role).unwrap_or_default();
        assert_eq!(
            named,
            in_roles_region(&condition),
            "infra/member.yaml: {role}: a named role must be created in RolesRegion only, and only a named one (condition {condition:?})"
        );
    }
    // The outputs of those roles go with them.
    for output in ["ResponderRoleArn", "InventoryRoleArn"] {
        let condition = resource_condition(&member, output).unwrap_or_default();
        assert!(in_roles_region(&condition), "{output}: {condition:?}");
    }
}

/// The `Environment: Variables:` of function `name`: variable -> value as written.
fn environment(template: &str, name: &str) -> BTreeMap<String, String> {
    let lines = resource(template, name);
    let mut rest = lines.iter().skip_while(|l| l.trim() != "Variables:");
    let header = rest.next().unwrap_or_else(|| panic!("{name} has no environment"));
    let depth = header.len() - header.trim_start().len() + 2;
    rest.take_while(|l| l.len() - l.trim_start().len() >= depth)
        .filter(|l| l.len() - l.trim_start().len() == depth)
        .filter_map(|l| l.trim().split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

/// The value of property `key` (at the function's property depth) of function `name`.
fn property(template: &str, name: &str, key: &str) -> Option<String> {
    resource(template, name)
        .iter()
        .find_map(|l| l.strip_prefix(&format!("      {key}: ")))
        .map(|v| v.trim().to_owned())
}

#[test]
fn the_trail_and_backtest_functions_are_the_detector_with_their_own_variables() {
    let template = read("infra/template.yaml");
    let detector = environment(&template, "DetectorFunction");
    let trail = environment(&template, "TrailDetectorFunction");
    let backtest = environment(&template, "BacktestDetectorFunction");
    // The trail detector: the detector's environment and the buckets it may read.
    let mut expected = detector.clone();
    expected.insert("AIDR_TRAIL_BUCKETS".into(), "!Ref TrailBucketName".into());
    assert_eq!(trail, expected, "TrailDetectorFunction's environment");
    // The back-test detector: the detector's, without the alert topic, in back-test mode,
    // with its results bucket and prefix and its own dead-letter queue.
    let mut expected = detector.clone();
    expected.remove("AIDR_ALERT_TOPIC_ARN");
    for (k, v) in [
        ("AIDR_MODE", "backtest"),
        ("AIDR_BACKTEST_BUCKET", "!Ref BacktestBucket"),
        ("AIDR_BACKTEST_PREFIX", "findings/"),
        ("AIDR_TRAIL_BUCKETS", "!Ref TrailBucketName"),
        ("AIDR_DEAD_LETTER_QUEUE_URL", "!Ref BackfillDeadLetterQueue"),
    ] {
        expected.insert(k.into(), v.into());
    }
    assert_eq!(backtest, expected, "BacktestDetectorFunction's environment");
    assert_eq!(
        detector.get("AIDR_DEAD_LETTER_QUEUE_URL").map(String::as_str),
        Some("!Ref EventsDeadLetterQueue"),
        "the trail detector dead-letters to the events DLQ, as the detector"
    );
    // The same binary and runtime; their own size, role and log group.
    for (function, role, group) in [
        ("TrailDetectorFunction", "TrailDetectorRole", "TrailDetectorLogGroup"),
        (
            "BacktestDetectorFunction",
            "BacktestDetectorRole",
            "BacktestDetectorLogGroup",
        ),
    ] {
        for key in ["CodeUri", "Handler", "Runtime", "Architectures", "Layers"] {
            assert_eq!(
                property(&template, function, key),
                property(&template, "DetectorFunction", key),
                "{function}: {key}"
            );
        }
        let text = resource(&template, function).join("\n");
        assert!(
            text.contains("BuildProperties:\n        Binary: detector"),
            "{function}"
        );
        assert_eq!(property(&template, function, "MemorySize").as_deref(), Some("1024"));
        assert_eq!(property(&template, function, "Timeout").as_deref(), Some("300"));
        assert_eq!(
            property(&template, function, "Role"),
            Some(format!("!GetAtt {role}.Arn")),
            "{function}"
        );
        assert!(text.contains(&format!("LogGroup: !Ref {group}")), "{function}");
    }
    assert_eq!(
        resource_condition(&template, "TrailDetectorFunction").as_deref(),
        Some("TrailOn")
    );
    assert_eq!(
        resource_condition(&template, "BacktestDetectorFunction").as_deref(),
        Some("BackfillOn")
    );
    assert!(
        template.contains("\n  BackfillOn: !And [!Equals [!Ref EnableBackfill, \"true\"], !Condition TrailOn]\n"),
        "a backfill reads the trail bucket: it needs TrailBucketName"
    );
}

#[test]
fn the_trail_and_backfill_queues_report_batch_item_failures() {
    let template = read("infra/template.yaml");
    for (function, queue, dlq, concurrency) in [
        (
            "TrailDetectorFunction",
            "TrailQueue",
            "TrailDeadLetterQueue",
            "TrailMaximumConcurrency",
        ),
        (
            "BacktestDetectorFunction",
            "BackfillQueue",
            "BackfillDeadLetterQueue",
            "BackfillMaximumConcurrency",
        ),
    ] {
        let lines = resource(&template, function);
        let events: Vec<&str> = lines
            .iter()
            .skip_while(|l| l.trim() != "Events:")
            .skip(1)
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            events,
            [
                &format!("{queue}:")[..],
                "Type: SQS",
                "Properties:",
                &format!("Queue: !GetAtt {queue}.Arn"),
                "BatchSize: 10",
                "FunctionResponseTypes: [ReportBatchItemFailures]",
                "ScalingConfig:",
                &format!("MaximumConcurrency: !Ref {concurrency}"),
            ],
            "{function}'s event source mapping"
        );
        let parameter = resource(&template, concurrency).join("\n");
        assert!(
            parameter.contains("Type: Number")
                && parameter.contains("MinValue: 2")
                && parameter.contains("MaxValue: 1000"),
            "{parameter}"
        );
        // SQS: a visibility timeout of at least six times the function's timeout; five
        // receives, then the dead-letter queue.
        let timeout: u32 = property(&template, function, "Timeout").unwrap().parse().unwrap();
        let q = resource(&template, queue).join("\n");
        let visibility: u32 = q
            .lines()
            .find_map(|l| l.trim().strip_prefix("VisibilityTimeout: "))
            .and_then(|v| v.split(" #").next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(visibility >= 6 * timeout, "{queue}: {visibility} s");
        assert!(
            q.contains(&format!("deadLetterTargetArn: !GetAtt {dlq}.Arn")) && q.contains("maxReceiveCount: 5"),
            "{q}"
        );
        assert!(
            q.contains("SqsManagedSseEnabled: true"),
            "{queue} is encrypted as the other queues"
        );
        // The function's role may consume its queue.
        let role = property(&template, function, "Role").unwrap();
        let role = role.trim_start_matches("!GetAtt ").trim_end_matches(".Arn");
        assert!(
            policy_statements(&resource(&template, role)).iter().any(|s| {
                s.actions.contains("sqs:ReceiveMessage") && s.resources == [format!("!GetAtt {queue}.Arn")]
            }),
            "{role} may not consume {queue}"
        );
    }
    // The trail queue takes the trail bucket's notifications (from another account: no
    // aws:SourceAccount), this stack's Object Created rules, and the trail's topic when given.
    let policy = resource(&template, "TrailQueuePolicy").join("\n");
    let s3 = policy.split("- Sid: TrailBucketNotifies").nth(1).unwrap();
    let s3 = s3.split("- Sid: ").next().unwrap();
    assert!(
        s3.contains("Service: s3.amazonaws.com")
            && s3.contains("aws:SourceArn: !Sub arn:${AWS::Partition}:s3:::${TrailBucketName}")
            && !s3.contains("aws:SourceAccount"),
        "{s3}"
    );
    assert!(
        policy.contains("- HasTrailTopic\n            - Sid: TrailTopicNotifies"),
        "{policy}"
    );
    assert!(policy.contains("aws:SourceArn: !Ref TrailTopicArn"), "{policy}");
    assert!(
        policy.contains("- !GetAtt TrailObjectsRule.Arn")
            && policy.contains("- !If [OrgOn, !GetAtt OrgTrailObjectsRule.Arn, !Ref AWS::NoValue]"),
        "{policy}"
    );
    assert!(
        !template.contains("BackfillQueuePolicy"),
        "only this account's principals send to the backfill queue"
    );
}

/// The statements of `role` that grant `service:` actions: (sid, actions, resources).
fn grants_of(statements: &[Statement], service: &str) -> Vec<(String, BTreeSet<String>, Vec<String>)> {
    statements
        .iter()
        .filter(|s| s.actions.iter().any(|a| a.starts_with(service)))
        .map(|s| (s.sid.clone(), s.actions.clone(), s.resources.clone()))
        .collect()
}

#[test]
fn the_trail_and_backtest_functions_may_read_only_the_trails_log_files() {
    let template = read("infra/template.yaml");
    let logs = "!Sub arn:${AWS::Partition}:s3:::${TrailBucketName}/${TrailKeyPrefix}AWSLogs/*";
    for role in ["TrailDetectorRole", "BacktestDetectorRole"] {
        let granted = granted_statements(&template, role);
        // The user's rules and allowlist (DetectorUserFilesPolicy, checked on its own), then
        // the trail's log files.
        let mut expected = user_files_grants();
        expected.push((
            "ReadTrailLogs".to_owned(),
            set(&["s3:GetObject"]),
            vec![logs.to_owned()],
        ));
        if role == "BacktestDetectorRole" {
            expected.push((
                "WriteFindings".to_owned(),
                set(&["s3:PutObject"]),
                vec!["!Sub ${BacktestBucket.Arn}/findings/*".to_owned()],
            ));
        }
        assert_eq!(grants_of(&granted, "s3:"), expected, "{role}'s S3 grants");
        let kms: Vec<&Statement> = granted
            .iter()
            .filter(|s| s.actions.iter().any(|a| a.starts_with("kms:")))
            .collect();
        let decrypt = kms
            .iter()
            .find(|s| s.sid == "DecryptTrailLogs")
            .expect("DecryptTrailLogs");
        assert_eq!(decrypt.condition.as_deref(), Some("HasTrailKmsKey"));
        assert_eq!(decrypt.actions, set(&["kms:Decrypt"]));
        assert_eq!(decrypt.resources, ["!Ref TrailKmsKeyArn"]);
        let text = resource(&template, role).join("\n");
        let decrypt = text.split("Sid: DecryptTrailLogs").nth(1).unwrap();
        assert!(
            decrypt.contains("kms:ViaService: !Sub\n                        - s3.${KeyRegion}.amazonaws.com"),
            "{role}: the trail's key through S3 only:\n{decrypt}"
        );
    }
    // The trail detector holds the detector's grants, with its own log group and queue and
    // the log files instead of the batch queue.
    let key = |s: &Statement| {
        (
            s.sid.clone(),
            s.condition.clone(),
            s.deny,
            s.actions.clone(),
            s.resources.clone(),
        )
    };
    let detector: Vec<_> = granted_statements(&template, "DetectorRole")
        .iter()
        .filter(|s| !["OwnLogs", "ConsumeBatchQueue"].contains(&s.sid.as_str()))
        .map(key)
        .collect();
    let trail: Vec<_> = granted_statements(&template, "TrailDetectorRole")
        .iter()
        .filter(|s| !["OwnLogs", "ConsumeTrailQueue", "ReadTrailLogs", "DecryptTrailLogs"].contains(&s.sid.as_str()))
        .map(key)
        .collect();
    assert_eq!(trail, detector, "the trail detector's other grants are the detector's");
    assert_eq!(
        managed_policies(&resource(&template, "TrailDetectorRole")),
        managed_policies(&resource(&template, "DetectorRole"))
    );
    let own = |role: &str| -> Vec<(String, Vec<String>)> {
        policy_statements(&resource(&template, role))
            .into_iter()
            .filter(|s| s.sid == "OwnLogs")
            .map(|s| (s.sid, s.resources))
            .collect()
    };
    assert_eq!(
        own("TrailDetectorRole"),
        [(
            "OwnLogs".to_owned(),
            vec!["!GetAtt TrailDetectorLogGroup.Arn".to_owned()]
        )]
    );
    assert_eq!(
        own("BacktestDetectorRole"),
        [(
            "OwnLogs".to_owned(),
            vec!["!GetAtt BacktestDetectorLogGroup.Arn".to_owned()]
        )]
    );
}

#[test]
fn the_backtest_function_never_alerts_and_keeps_to_its_own_state() {
    let template = read("infra/template.yaml");
    let granted = granted_statements(&template, "BacktestDetectorRole");
    for s in &granted {
        assert!(
            !s.actions.iter().any(|a| a.starts_with("sns:")),
            "BacktestDetectorRole: {} grants {:?}",
            s.sid,
            s.actions
        );
        assert!(
            !s.resources
                .iter()
                .any(|r| r.contains("AlertTopic") || r.contains("AlertKey")),
            "BacktestDetectorRole: {} names the alert topic or its key",
            s.sid
        );
    }
    assert!(!environment(&template, "BacktestDetectorFunction").contains_key("AIDR_ALERT_TOPIC_ARN"));
    // Nothing of the detectors' but the user's rules and allowlist: no lookups either
    // (back-test mode turns them off).
    assert_eq!(
        managed_policies(&resource(&template, "BacktestDetectorRole")),
        ["DetectorUserFilesPolicy"]
    );
    let role = resource(&template, "BacktestDetectorRole").join("\n");
    let state = role
        .split("- Sid: BacktestState")
        .nth(1)
        .unwrap()
        .split("- Sid: ")
        .next()
        .unwrap();
    assert!(
        state.contains("ForAllValues:StringLike:\n                    dynamodb:LeadingKeys:\n                      - \"backtest#*\"\n                      - \"backfill#*\"\n"),
        "the back-test may only touch its own items:\n{state}"
    );
    let dynamo: Vec<&Statement> = granted
        .iter()
        .filter(|s| s.actions.iter().any(|a| a.starts_with("dynamodb:")))
        .collect();
    assert_eq!(
        dynamo.len(),
        1,
        "BacktestDetectorRole: one DynamoDB statement, BacktestState"
    );
    // The bucket of results: private, TLS only, expiring.
    let bucket = resource(&template, "BacktestBucket").join("\n");
    for expected in [
        "BlockPublicAcls: true",
        "BlockPublicPolicy: true",
        "IgnorePublicAcls: true",
        "RestrictPublicBuckets: true",
        "ExpirationInDays: 90",
        "ServerSideEncryptionByDefault:",
    ] {
        assert!(bucket.contains(expected), "BacktestBucket lacks {expected:?}");
    }
    let policy = resource(&template, "BacktestBucketPolicy").join("\n");
    assert!(
        policy.contains("Effect: Deny") && policy.contains("aws:SecureTransport: \"false\""),
        "{policy}"
    );
    // Not a publisher: the alert topic's policy does not list it.
    let topic = resource(&template, "AlertTopicPolicy").join("\n");
    assert!(!topic.contains("BacktestDetectorRole"), "{topic}");
}

// ---------------------------------------------------------------- user rules and allowlist

/// The S3 grants of `DetectorUserFilesPolicy`, as [`grants_of`] lists them.
fn user_files_grants() -> Vec<(String, BTreeSet<String>, Vec<String>)> {
    vec![
        (
            "ReadUserRules".to_owned(),
            set(&["s3:GetObject"]),
            vec!["!Sub arn:${AWS::Partition}:s3:::${UserRulesBucket}/${UserRulesPrefix}*".to_owned()],
        ),
        (
            "ListUserRules".to_owned(),
            set(&["s3:ListBucket"]),
            vec!["!Sub arn:${AWS::Partition}:s3:::${UserRulesBucket}".to_owned()],
        ),
        // The object's ARN, from the URL (on the lines under `!Sub`).
        (
            "ReadAllowlist".to_owned(),
            set(&["s3:GetObject"]),
            vec!["!Sub".to_owned()],
        ),
    ]
}

#[test]
fn every_detector_reads_the_users_rules_and_allowlist_and_only_them() {
    let template = read("infra/template.yaml");
    for parameter in [
        "UserRulesBucket",
        "UserRulesPrefix",
        "UserRulesLayerArn",
        "AllowlistLocation",
        "UserRulesEventPattern",
    ] {
        assert_eq!(default(&template, parameter), "", "{parameter}: off by default");
    }
    // The same locations in every detector's environment, and the same layer.
    for function in ["DetectorFunction", "TrailDetectorFunction", "BacktestDetectorFunction"] {
        let env = environment(&template, function);
        assert_eq!(
            env.get("AIDR_RULES").map(String::as_str),
            Some(
                "!If [UserRulesInS3, !Sub \"s3://${UserRulesBucket}/${UserRulesPrefix}\", !If [UserRulesInLayer, /opt/rules, \"\"]]"
            ),
            "{function}"
        );
        assert_eq!(
            env.get("AIDR_ALLOWLIST").map(String::as_str),
            Some("!Ref AllowlistLocation"),
            "{function}"
        );
        assert_eq!(
            property(&template, function, "Layers").as_deref(),
            Some("!If [UserRulesInLayer, [!Ref UserRulesLayerArn], !Ref AWS::NoValue]"),
            "{function}"
        );
    }
    let conditions = conditions(&template);
    for (name, definition) in [
        ("UserRulesInS3", "!Not [!Equals [!Ref UserRulesBucket, \"\"]]"),
        ("UserRulesInLayer", "!Not [!Equals [!Ref UserRulesLayerArn, \"\"]]"),
        (
            "AllowlistInS3",
            "!Equals [!Select [0, !Split [\"://\", !Ref AllowlistLocation]], s3]",
        ),
        (
            "UserFilesInS3",
            "!Or [!Condition UserRulesInS3, !Condition AllowlistInS3]",
        ),
    ] {
        assert_eq!(conditions.get(name).map(String::as_str), Some(definition), "{name}");
    }
    // The policy: the rules' folder listed and read, the allowlist object read, each only when
    // given; attached to every detector's role.
    assert_eq!(
        resource_condition(&template, "DetectorUserFilesPolicy").as_deref(),
        Some("UserFilesInS3")
    );
    let policy = resource(&template, "DetectorUserFilesPolicy");
    let statements = statements(&policy);
    assert_eq!(grants_of(&statements, "s3:"), user_files_grants());
    assert!(statements.iter().all(|s| !s.deny));
    let when: Vec<Option<&str>> = statements.iter().map(|s| s.condition.as_deref()).collect();
    assert_eq!(
        when,
        [Some("UserRulesInS3"), Some("UserRulesInS3"), Some("AllowlistInS3")]
    );
    let text = policy.join("\n");
    assert!(
        text.contains("StringLike:\n                  s3:prefix: !Sub ${UserRulesPrefix}*"),
        "the rules' folder only:\n{text}"
    );
    assert!(
        text.contains(
            "- arn:${AWS::Partition}:s3:::${Object}\n                - Object: !Select [1, !Split [\"s3://\", !Ref AllowlistLocation]]"
        ),
        "the allowlist object only:\n{text}"
    );
    for role in ["DetectorRole", "TrailDetectorRole", "BacktestDetectorRole"] {
        let lines = resource(&template, role).join("\n");
        assert!(
            lines.contains("- !If [UserFilesInS3, !Ref DetectorUserFilesPolicy, !Ref AWS::NoValue]"),
            "{role}"
        );
    }
    // A bucket needs its folder; one place for the rules.
    for (rule, assertion) in [
        ("UserRulesInTheirFolder", "!Not [!Equals [!Ref UserRulesPrefix, \"\"]]"),
        ("UserRulesFromOnePlace", "!Equals [!Ref UserRulesBucket, \"\"]"),
    ] {
        let text = resource(&template, rule).join("\n");
        assert!(text.contains(&format!("- Assert: {assertion}")), "{text}");
    }
}

#[test]
fn the_user_rules_pattern_sends_its_events_to_the_detector_from_every_bus() {
    let template = read("infra/template.yaml");
    let member = read("infra/member.yaml");
    assert_eq!(default(&member, "UserRulesEventPattern"), "");
    // (file, text, rule, condition, bus, target)
    for (file, text, rule, condition, bus, target) in [
        (
            "infra/template.yaml",
            &template,
            "UserRulesEventsRule",
            "UserRulesEventsOn",
            None,
            "Arn: !GetAtt DetectorFunction.Arn",
        ),
        (
            "infra/template.yaml",
            &template,
            "OrgUserRulesEventsRule",
            "OrgUserRulesEventsOn",
            Some("!Ref OrgEventBus"),
            "Arn: !GetAtt DetectorFunction.Arn",
        ),
        (
            "infra/member.yaml",
            &member,
            "ForwardUserRulesEventsRule",
            "ForwardUserRulesEventsOn",
            None,
            "Arn: !Ref CentralEventBusArn",
        ),
    ] {
        assert_eq!(
            resource_condition(text, rule).as_deref(),
            Some(condition),
            "{file}: {rule}"
        );
        let lines = resource(text, rule).join("\n");
        for expected in [
            "EventPattern: !Ref UserRulesEventPattern",
            "State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
            target,
        ] {
            assert!(lines.contains(expected), "{file}: {rule} lacks {expected:?}");
        }
        match bus {
            Some(bus) => assert!(lines.contains(&format!("EventBusName: {bus}")), "{file}: {rule}"),
            None => assert!(!lines.contains("EventBusName:"), "{file}: {rule} is on the default bus"),
        }
    }
    let conditions = conditions(&template);
    assert_eq!(
        conditions.get("UserRulesEventsOn").map(String::as_str),
        Some("!Not [!Equals [!Ref UserRulesEventPattern, \"\"]]")
    );
    assert_eq!(
        conditions.get("OrgUserRulesEventsOn").map(String::as_str),
        Some("!And [!Condition OrgOn, !Condition UserRulesEventsOn]")
    );
    assert!(
        member.contains(
            "\n  ForwardUserRulesEventsOn: !And [!Condition ForwardingOn, !Not [!Equals [!Ref UserRulesEventPattern, \"\"]]]\n"
        ),
        "the member stack forwards them only to a central bus"
    );
    assert!(
        resource(&member, "ForwardUserRulesEventsRule")
            .join("\n")
            .contains("RoleArn: !GetAtt EventForwardingRole.Arn")
    );
    // The rules may invoke the detector and dead-letter to the events DLQ.
    for (rule, condition) in [
        ("UserRulesEventsRule", "UserRulesEventsOn"),
        ("OrgUserRulesEventsRule", "OrgUserRulesEventsOn"),
    ] {
        let permission = format!("{rule}Permission");
        assert_eq!(resource_condition(&template, &permission).as_deref(), Some(condition));
        let text = resource(&template, &permission).join("\n");
        assert!(
            text.contains(&format!("SourceArn: !GetAtt {rule}.Arn"))
                && text.contains("FunctionName: !GetAtt DetectorFunction.Arn"),
            "{text}"
        );
        let dlq = resource(&template, "EventsDeadLetterQueuePolicy").join("\n");
        assert!(
            dlq.contains(&format!("- !If [{condition}, !GetAtt {rule}.Arn, !Ref AWS::NoValue]")),
            "{dlq}"
        );
        let target = resource(&template, rule).join("\n");
        assert!(target.contains("Arn: !GetAtt EventsDeadLetterQueue.Arn"), "{rule}");
    }
}
