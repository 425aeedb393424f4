//! Least privilege of every IAM role in the stack templates (`infra/template.yaml`,
//! `infra/member.yaml`): in the roles' inline policies and in every policy the templates
//! create (managed policies, role policies), with both branches of every `!If` weighed, an
//! Allow statement may not grant
//!
//! - `*` or a whole service (`svc:*`) as an action;
//! - `*` as a resource (or an ARN pattern any ARN matches), except for the actions that take
//!   no resource, listed with their public source in [`common::unscoped`];
//! - `iam:PassRole` on any role, or without an `iam:PassedToService` condition;
//! - `NotAction` or `NotResource`, which allow everything they do not name.
//!
//! A role's grants must all be readable here: its managed policies are the templates' own, and
//! every SAM function names its role (SAM would otherwise create one). A trust policy may not
//! open the role to every principal. Key policies are not roles' grants: in them `*` means the
//! key itself. Deny statements only take permissions away and are not weighed.

mod common;

use std::collections::BTreeSet;

use aidr_engine::policy::{Policy, Statement, wildcard_match};
use common::cfn::{Template, alternatives, intrinsic, items, render, to_json};
use common::unscoped::{UNSCOPED, is_unscoped};
use serde_json::{Value as Json, json};
use yaml_serde::Value;

const TEMPLATES: &[&str] = &["infra/template.yaml", "infra/member.yaml"];

/// A rule of least privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    /// `*` (or `*:*`) as an action.
    AllActions,
    /// `svc:*`: every action of a service.
    ServiceWide,
    /// Every resource, for an action that can be scoped to one.
    AnyResource,
    /// An Allow statement with neither `Resource` nor `NotResource`.
    NoResource,
    /// `iam:PassRole` on any role, or without an `iam:PassedToService` condition.
    OpenPassRole,
    /// `NotAction` in an Allow statement.
    NotActionAllow,
    /// `NotResource` in an Allow statement.
    NotResourceAllow,
    /// Grants this test cannot read: a managed policy that is not the template's, a SAM
    /// function without a role of the template, an unreadable document or statement.
    Unchecked,
    /// A trust policy that lets every principal assume the role.
    OpenTrust,
}

/// One breach of a rule.
#[derive(Debug)]
struct Finding {
    rule: Rule,
    /// `<template>: <resource> [policy <name>] <sid>`.
    at: String,
    detail: String,
}

/// What [`check`] read and found.
#[derive(Debug, Default)]
struct Report {
    /// The roles checked.
    roles: Vec<String>,
    /// The actions granted on every resource, statement by statement.
    unscoped: BTreeSet<String>,
    findings: Vec<Finding>,
}

impl Report {
    fn find(&mut self, rule: Rule, at: &str, detail: impl Into<String>) {
        self.findings.push(Finding {
            rule,
            at: at.to_owned(),
            detail: detail.into(),
        });
    }

    fn rules(&self) -> BTreeSet<Rule> {
        self.findings.iter().map(|f| f.rule).collect()
    }
}

/// Checks every role of `template`, and every policy it creates.
fn check(template: &Template) -> Report {
    let mut report = Report::default();
    let path = &template.path;
    for role in template.of_type("AWS::IAM::Role") {
        report.roles.push(role.id.to_owned());
        let at = format!("{path}: {}", role.id);
        match role.property("AssumeRolePolicyDocument") {
            Some(trust) => check_trust(&at, trust, &mut report),
            None => report.find(Rule::Unchecked, &at, "no AssumeRolePolicyDocument"),
        }
        for policy in role.property("Policies").map(items).unwrap_or_default() {
            let name = policy.get("PolicyName").map(render).unwrap_or_default();
            check_document(
                &format!("{at} policy {name}"),
                policy.get("PolicyDocument"),
                &mut report,
            );
        }
        for arn in role.property("ManagedPolicyArns").map(items).unwrap_or_default() {
            let ours = match intrinsic(arn) {
                Some(("Ref", Value::String(id))) => template
                    .resource(id)
                    .is_some_and(|r| r.kind == "AWS::IAM::ManagedPolicy"),
                _ => false,
            };
            if !ours {
                let detail = format!("managed policy {} is not one of the template's", render(arn));
                report.find(Rule::Unchecked, &at, detail);
            }
        }
    }
    for kind in ["AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::RolePolicy"] {
        for policy in template.of_type(kind) {
            let at = format!("{path}: {}", policy.id);
            check_document(&at, policy.property("PolicyDocument"), &mut report);
        }
    }
    for function in template.of_type("AWS::Serverless::Function") {
        let at = format!("{path}: {}", function.id);
        if function.property("Role").is_none() {
            report.find(Rule::Unchecked, &at, "no Role: SAM would create one");
        }
        if function.property("Policies").is_some() {
            report.find(Rule::Unchecked, &at, "Policies: SAM grants them to a role of its own");
        }
    }
    report
}

/// The statements of a policy document, both branches of every `!If`, as the engine's policy
/// analyzer reads them, with their `Sid` (or their position).
fn statements(at: &str, document: Option<&Value>, report: &mut Report) -> Vec<(String, Statement)> {
    let Some(list) = document.and_then(|d| d.get("Statement")) else {
        report.find(Rule::Unchecked, at, "no policy document with a Statement");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, statement) in items(list).into_iter().enumerate() {
        let json = to_json(statement);
        let sid = json
            .get("Sid")
            .and_then(Json::as_str)
            .map_or_else(|| format!("#{i}"), str::to_owned);
        let parsed = Policy::parse(&json!({ "Statement": [json] }));
        match (json.is_object(), parsed) {
            (true, Ok(mut policy)) if policy.statements.len() == 1 => {
                out.push((sid, policy.statements.remove(0)));
            }
            (_, parsed) => report.find(Rule::Unchecked, at, format!("{sid}: unreadable statement {parsed:?}")),
        }
    }
    out
}

/// Checks the Allow statements of an identity policy document.
fn check_document(at: &str, document: Option<&Value>, report: &mut Report) {
    for (sid, st) in statements(at, document, report) {
        if !st.allow {
            continue;
        }
        let at = format!("{at} {sid}");
        if st.not_action {
            report.find(Rule::NotActionAllow, &at, format!("allows all but {:?}", st.actions));
        }
        if st.not_resource {
            report.find(Rule::NotResourceAllow, &at, format!("on all but {:?}", st.resources));
        }
        // A NotAction statement's actions are the ones it leaves out.
        let granted: &[String] = if st.not_action { &[] } else { &st.actions };
        for action in granted {
            match action.split_once(':') {
                _ if action == "*" => report.find(Rule::AllActions, &at, action.as_str()),
                Some(("*", _)) => report.find(Rule::AllActions, &at, action.as_str()),
                Some((_, "*")) => report.find(Rule::ServiceWide, &at, action.as_str()),
                _ => {}
            }
        }
        if st.resources.is_empty() {
            report.find(Rule::NoResource, &at, "no Resource");
        }
        let on_any = !st.not_resource && st.resources.iter().any(|r| any_resource(r));
        if on_any && !st.not_action {
            report.unscoped.extend(st.actions.iter().cloned());
            let scopable: Vec<&String> = granted.iter().filter(|a| !is_unscoped(a)).collect();
            if !scopable.is_empty() {
                report.find(Rule::AnyResource, &at, format!("{scopable:?} on {:?}", st.resources));
            }
        }
        if st.actions.iter().any(|a| wildcard_match(a, "iam:PassRole")) != st.not_action {
            let to_service = st
                .conditions
                .iter()
                .any(|c| c.key.eq_ignore_ascii_case("iam:PassedToService"));
            if on_any || st.not_resource || !to_service {
                report.find(
                    Rule::OpenPassRole,
                    &at,
                    "iam:PassRole needs a role ARN and iam:PassedToService",
                );
            }
        }
    }
}

/// Checks that no Allow of a trust policy names every principal.
fn check_trust(at: &str, trust: &Value, report: &mut Report) {
    for (sid, st) in statements(&format!("{at} trust"), Some(trust), report) {
        if st.allow && (st.not_principal || st.principals.iter().any(|(_, p)| p == "*")) {
            report.find(
                Rule::OpenTrust,
                &format!("{at} trust {sid}"),
                format!("{:?}", st.principals),
            );
        }
    }
}

/// True when a resource, as written, stands for every resource: `*`, or an ARN pattern that any
/// ARN matches (`arn:*`, `arn:${AWS::Partition}:*:*:*:*`).
fn any_resource(resource: &str) -> bool {
    let arn = resource
        .strip_prefix("!Sub ")
        .unwrap_or(resource)
        .replace("${AWS::Partition}", "aws")
        .replace("${AWS::Region}", "us-east-1")
        .replace("${AWS::AccountId}", "000000000000");
    wildcard_match(&arn, "arn:aws:aidr-probe:us-east-1:000000000000:probe/any")
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("\n  {:?} at {}: {}", f.rule, f.at, f.detail))
        .collect()
}

// ---------------------------------------------------------------- the templates

#[test]
fn every_role_of_both_templates_keeps_least_privilege() {
    for path in TEMPLATES {
        let template = Template::load(path);
        let report = check(&template);
        // Every role was read: as many as the text declares.
        let text = std::fs::read_to_string(common::root().join(path)).unwrap();
        let declared = text.lines().filter(|l| l.trim() == "Type: AWS::IAM::Role").count();
        assert!(declared > 0, "{path} declares no role");
        assert_eq!(report.roles.len(), declared, "{path}: roles read {:?}", report.roles);
        assert!(report.findings.is_empty(), "{path}:{}", describe(&report.findings));
    }
}

#[test]
fn the_unscoped_list_holds_exactly_the_actions_granted_on_any_resource() {
    let mut granted = BTreeSet::new();
    for path in TEMPLATES {
        granted.extend(check(&Template::load(path)).unscoped);
    }
    let listed: BTreeSet<String> = UNSCOPED.iter().map(|u| u.action.to_owned()).collect();
    assert_eq!(listed.len(), UNSCOPED.len(), "an action is listed twice");
    assert_eq!(granted, listed, "actions granted on \"*\" vs the documented list");
    for u in UNSCOPED {
        assert!(
            u.source
                .starts_with("https://docs.aws.amazon.com/service-authorization/latest/reference/list_"),
            "{}: the source is a page of the Service Authorization Reference",
            u.action
        );
        assert!(u.despite.is_none_or(|why| !why.is_empty()), "{}", u.action);
    }
}

// ---------------------------------------------------------------- the checker itself

/// The rules a one-role template breaks; `grants` is the role's policy's `Statement` list.
fn rules_of_role(grants: &str) -> BTreeSet<Rule> {
    let text = format!(
        "Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
{grants}"
    );
    let template = Template::parse("inline", &text).unwrap();
    let report = check(&template);
    assert_eq!(report.roles, ["Role"]);
    report.rules()
}

fn rules(list: &[Rule]) -> BTreeSet<Rule> {
    list.iter().copied().collect()
}

#[test]
fn a_scoped_role_passes() {
    let found = rules_of_role(
        r#"              - Sid: Logs
                Effect: Allow
                Action: [logs:CreateLogStream, logs:PutLogEvents]
                Resource: !GetAtt LogGroup.Arn
              - Effect: Allow
                Action: bedrock:ListCustomModels # takes no resource
                Resource: "*"
              - Effect: Allow
                Action: iam:PassRole
                Resource: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/delivery
                Condition:
                  StringEquals:
                    iam:PassedToService: bedrock.amazonaws.com
              - Effect: Deny # denies only take away
                NotAction: s3:GetObject
                Resource: "*"
"#,
    );
    assert_eq!(found, rules(&[]));
}

#[test]
fn wildcard_actions_are_found() {
    let all =
        "              - Effect: Allow\n                Action: \"*\"\n                Resource: !GetAtt Queue.Arn\n";
    // `*` grants iam:PassRole too, to any service.
    assert_eq!(rules_of_role(all), rules(&[Rule::AllActions, Rule::OpenPassRole]));
    let service = "              - Effect: Allow\n                Action: [sqs:SendMessage, SQS:*]\n                Resource: !GetAtt Queue.Arn\n";
    assert_eq!(rules_of_role(service), rules(&[Rule::ServiceWide]));
}

#[test]
fn any_resource_is_found_unless_the_action_takes_none() {
    for resource in ["\"*\"", "arn:*", "!Sub arn:${AWS::Partition}:*:*:*:*"] {
        let grants = format!(
            "              - Effect: Allow\n                Action: [bedrock:ListAgents, s3:GetObject]\n                Resource: {resource}\n"
        );
        assert_eq!(rules_of_role(&grants), rules(&[Rule::AnyResource]), "{resource}");
    }
    // Every resource of a kind in the account is not every resource.
    let kind = "              - Effect: Allow\n                Action: s3:GetObject\n                Resource: !Sub arn:${AWS::Partition}:s3:::bucket/*\n";
    assert_eq!(rules_of_role(kind), rules(&[]));
    let none = "              - Effect: Allow\n                Action: s3:GetObject\n";
    assert_eq!(rules_of_role(none), rules(&[Rule::NoResource]));
}

#[test]
fn an_open_pass_role_is_found() {
    let unconditioned = "              - Effect: Allow
                Action: iam:PassRole
                Resource: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*
";
    assert_eq!(rules_of_role(unconditioned), rules(&[Rule::OpenPassRole]));
    let any_role = r#"              - Effect: Allow
                Action: iam:Pass*
                Resource: "*"
                Condition: {StringEquals: {iam:PassedToService: bedrock.amazonaws.com}}
"#;
    assert_eq!(rules_of_role(any_role), rules(&[Rule::AnyResource, Rule::OpenPassRole]));
}

#[test]
fn not_action_and_not_resource_allows_are_found() {
    let not_action = "              - Effect: Allow\n                NotAction: iam:*\n                Resource: !GetAtt Queue.Arn\n";
    assert_eq!(rules_of_role(not_action), rules(&[Rule::NotActionAllow]));
    let not_resource = "              - Effect: Allow\n                Action: s3:GetObject\n                NotResource: !Sub arn:${AWS::Partition}:s3:::secret/*\n";
    assert_eq!(rules_of_role(not_resource), rules(&[Rule::NotResourceAllow]));
}

#[test]
fn a_grant_in_either_branch_of_a_condition_is_found() {
    let short = "              - !If
                - Enforce
                - Effect: Allow
                  Action: s3:*
                  Resource: !GetAtt Bucket.Arn
                - !Ref AWS::NoValue
";
    assert_eq!(rules_of_role(short), rules(&[Rule::ServiceWide]));
    let long = r#"              - Effect: Allow
                Action: s3:GetObject
                Resource:
                  - !GetAtt Bucket.Arn
                  - Fn::If: [Open, "*", !Ref AWS::NoValue]
"#;
    assert_eq!(rules_of_role(long), rules(&[Rule::AnyResource]));
}

#[test]
fn grants_outside_the_roles_policies_are_read_or_refused() {
    let text = r#"Resources:
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: "*"
            Resource: "*"
  Extra:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref Role
      PolicyName: extra
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: dynamodb:*
            Resource: !GetAtt Table.Arn
  Role:
    Type: AWS::IAM::Role
    Properties:
      # Anyone may assume it.
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {AWS: "*"}, Action: sts:AssumeRole}]}
      ManagedPolicyArns:
        - !Ref Shared
        - !Sub arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess
  Function:
    Type: AWS::Serverless::Function
    Properties:
      Policies: [AmazonS3ReadOnlyAccess]
"#;
    let report = check(&Template::parse("inline", text).unwrap());
    let found: Vec<(Rule, &str)> = report.findings.iter().map(|f| (f.rule, f.at.as_str())).collect();
    assert_eq!(
        found,
        [
            (Rule::OpenTrust, "inline: Role trust #0"),
            (Rule::Unchecked, "inline: Role"),
            (Rule::AllActions, "inline: Shared #0"),
            (Rule::AnyResource, "inline: Shared #0"),
            (Rule::OpenPassRole, "inline: Shared #0"),
            (Rule::ServiceWide, "inline: Extra #0"),
            (Rule::Unchecked, "inline: Function"),
            (Rule::Unchecked, "inline: Function"),
        ],
        "{}",
        describe(&report.findings)
    );
}

#[test]
fn conditions_leave_both_branches_and_drop_no_value() {
    let v: Value = yaml_serde::from_str("!If [c, a, !If [d, b, !Ref AWS::NoValue]]").unwrap();
    let left: Vec<String> = alternatives(&v).into_iter().map(render).collect();
    assert_eq!(left, ["a", "b"]);
}
