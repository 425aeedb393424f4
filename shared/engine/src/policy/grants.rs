//! What an identity policy grants: the dangerous grants of its Allow statements.
//!
//! An action pattern of a statement (`iam:Attach*`, `iam:*Policy`, `IAM:attachrolepolicy`)
//! grants a named action when it matches it ([`wildcard_match`], case-insensitive); a
//! `NotAction` statement grants every action none of its patterns match. `Resource: "*"` and
//! a `NotResource` (anything but the listed resources, unless it lists `*`) both count as
//! every resource. Deny statements and conditions are not weighed.

use super::escalation::{ESCALATION_ACTIONS, Escalation, PASS_ROLE_PARTNERS};
use super::{Policy, Statement, wildcard_match};

/// A dangerous grant found in an identity policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Every action on every resource (`*`, `*:*`, or `NotAction` allowing the rest).
    Admin,
    /// A privilege-escalation path of the table in [`super::escalation`].
    Escalation(Escalation),
    /// `iam:PassRole` on any role, with no action in the document that starts compute under
    /// the passed role: lets the holder hand any role to a service.
    PassRoleAny,
    /// `bedrock:*` or `sagemaker:*` (or similar AI service wildcard) on every resource.
    AiServiceWildcard(String),
    /// Another `service:*` on every resource.
    ServiceWildcard(String),
}

impl Grant {
    /// Human description of the grant.
    pub fn describe(&self) -> String {
        match self {
            Grant::Admin => "all actions on all resources".into(),
            Grant::Escalation(e) => format!("privilege escalation through {}", e.describe()),
            Grant::PassRoleAny => "iam:PassRole on any role".into(),
            Grant::AiServiceWildcard(s) | Grant::ServiceWildcard(s) => {
                format!("{s}:* on all resources")
            }
        }
    }

    /// Order of severity: lower is worse.
    fn rank(&self) -> u8 {
        match self {
            Grant::Admin => 0,
            Grant::Escalation(_) => 1,
            Grant::PassRoleAny => 2,
            Grant::AiServiceWildcard(_) => 3,
            Grant::ServiceWildcard(_) => 4,
        }
    }
}

/// AI services whose full wildcard on `*` is called out on its own.
pub const AI_SERVICES: &[&str] = &[
    "bedrock",
    "sagemaker",
    "bedrock-agentcore",
    "q",
    "comprehend",
    "rekognition",
];

impl Statement {
    /// True when this statement's action element covers `action` (a full `service:Name`).
    fn grants_action(&self, action: &str) -> bool {
        self.actions.iter().any(|p| wildcard_match(p, action)) != self.not_action
    }

    /// True when the statement applies to every resource: `*`, a pattern that matches any ARN
    /// (`arn:*`, `arn:aws:*:*:*:*`), or a `NotResource` that does not exclude `*`.
    fn on_all_resources(&self) -> bool {
        if self.not_resource {
            return !self.resources.iter().any(|r| r == "*");
        }
        self.resources.iter().any(|r| wildcard_match(r, ANY_ARN))
    }

    /// True when the statement applies to every IAM resource of `kind` (`role`, `user`…) in an
    /// account: every resource, or a pattern matching any ARN of that kind (`arn:aws:iam::*:*`,
    /// `arn:aws:iam::111122223333:role/*`, `arn:*:iam::*:role/*`).
    fn on_all_of_kind(&self, kind: &str) -> bool {
        self.on_all_resources()
            || (!self.not_resource
                && self.resources.iter().any(|r| {
                    let account = r
                        .split(':')
                        .nth(4)
                        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()));
                    let probe = format!(
                        "arn:aws:iam::{}:{kind}/aidr-probe/any",
                        account.unwrap_or("000000000000")
                    );
                    wildcard_match(r, &probe)
                }))
    }

    /// True when this statement is a Deny, without conditions, of `action` on every resource
    /// of `kind` (every resource when `None`): it takes that grant back whatever allows it.
    fn denies(&self, action: &str, kind: Option<&str>) -> bool {
        !self.allow
            && self.conditions.is_empty()
            && self.grants_action(action)
            && kind.map_or_else(|| self.on_all_resources(), |k| self.on_all_of_kind(k))
    }
}

/// An ARN of no real service: a resource pattern that matches it matches any ARN.
const ANY_ARN: &str = "arn:aws:aidr-probe:us-east-1:000000000000:probe/any";

fn push(found: &mut Vec<Grant>, grant: Grant) {
    if !found.contains(&grant) {
        found.push(grant);
    }
}

impl Policy {
    /// The dangerous grants of Allow statements, most severe first, without duplicates.
    /// `PassRole` on any role is reported as one escalation per partner action the document
    /// also allows (on any resource, in any statement), else as [`Grant::PassRoleAny`].
    pub fn broad_grants(&self) -> Vec<Grant> {
        let mut found = Vec::new();
        let mut pass_any_role = false;
        let allows = || self.statements.iter().filter(|s| s.allow);
        for st in allows() {
            let on_all = st.on_all_resources();
            if st.not_action {
                // Allow everything except a list: as good as admin on all resources.
                if on_all && !st.actions.iter().any(|a| a == "*") {
                    push(&mut found, Grant::Admin);
                }
            } else if on_all {
                for action in &st.actions {
                    let (service, verb) = action.split_once(':').unwrap_or((action.as_str(), "*"));
                    if action == "*" || (service == "*" && verb == "*") {
                        push(&mut found, Grant::Admin);
                    } else if verb == "*" && !service.contains('*') {
                        let service = service.to_ascii_lowercase();
                        if AI_SERVICES.contains(&service.as_str()) {
                            push(&mut found, Grant::AiServiceWildcard(service));
                        } else {
                            push(&mut found, Grant::ServiceWildcard(service));
                        }
                    }
                }
            }
            for &(action, kind) in ESCALATION_ACTIONS {
                if st.grants_action(action) && st.on_all_of_kind(kind) {
                    push(&mut found, Grant::Escalation(Escalation::Action(action)));
                }
            }
            pass_any_role |= st.grants_action("iam:PassRole") && st.on_all_of_kind("role");
        }
        if pass_any_role {
            let partners: Vec<&str> = PASS_ROLE_PARTNERS
                .iter()
                .copied()
                .filter(|p| {
                    allows().any(|st| st.grants_action(p)) && !self.statements.iter().any(|st| st.denies(p, None))
                })
                .collect();
            if partners.is_empty() {
                push(&mut found, Grant::PassRoleAny);
            }
            for partner in partners {
                push(&mut found, Grant::Escalation(Escalation::PassRoleWith(partner)));
            }
        }
        found.retain(|g| !self.taken_back(g));
        found.sort_by_key(Grant::rank);
        found
    }

    /// True when an unconditioned Deny statement of the document takes `grant` back.
    fn taken_back(&self, grant: &Grant) -> bool {
        let denied = |action: &str, kind: Option<&str>| self.statements.iter().any(|st| st.denies(action, kind));
        match grant {
            Grant::Admin => denied("*", None),
            Grant::PassRoleAny => denied("iam:PassRole", Some("role")),
            Grant::AiServiceWildcard(service) | Grant::ServiceWildcard(service) => {
                denied(&format!("{service}:*"), None)
            }
            Grant::Escalation(Escalation::Action(action)) => {
                let kind = ESCALATION_ACTIONS.iter().find(|(a, _)| a == action).map(|(_, k)| *k);
                denied(action, kind)
            }
            // Partners denied outright are left out when the pairs are made.
            Grant::Escalation(Escalation::PassRoleWith(_)) => denied("iam:PassRole", Some("role")),
        }
    }
}

impl Policy {
    /// True when an Allow statement covers `action` (a full `service:Name`) on `resource` (an
    /// ARN, or `*` for "some resource": any resource pattern then counts) and no unconditional
    /// Deny statement takes it back. Conditions of Allow statements are not weighed (the
    /// answer is "may allow"), as for [`Policy::broad_grants`].
    pub fn allows(&self, action: &str, resource: &str) -> bool {
        let some = resource == "*";
        let covers = |st: &Statement| st.resources.iter().any(|r| wildcard_match(r, resource)) != st.not_resource;
        let on = |st: &Statement| {
            if some {
                !st.resources.is_empty() || st.not_resource
            } else {
                covers(st)
            }
        };
        let allowed = self
            .statements
            .iter()
            .any(|st| st.allow && st.grants_action(action) && on(st));
        allowed && !self.denies(action, resource)
    }

    /// True when an unconditional Deny statement covers `action` on `resource`; for `*`
    /// ("some resource") only a Deny that covers every resource counts. A Deny takes back what
    /// any policy of the same principal allows.
    pub fn denies(&self, action: &str, resource: &str) -> bool {
        let some = resource == "*";
        let covers = |st: &Statement| st.resources.iter().any(|r| wildcard_match(r, resource)) != st.not_resource;
        self.statements.iter().any(|st| {
            !st.allow
                && st.conditions.is_empty()
                && st.grants_action(action)
                && (st.on_all_resources() || (!some && covers(st)))
        })
    }

    /// The services among `services` (`bedrock`, `sagemaker`…) some of whose actions an Allow
    /// statement covers, on any resource, in the order given.
    pub fn allowed_services<'s>(&self, services: &[&'s str]) -> Vec<&'s str> {
        services
            .iter()
            .copied()
            .filter(|service| {
                self.statements.iter().any(|st| {
                    st.allow
                        && (if st.not_action {
                            !st.actions
                                .iter()
                                .any(|p| p == "*" || p.eq_ignore_ascii_case(&format!("{service}:*")))
                        } else {
                            st.actions.iter().any(|p| {
                                let (s, _) = p.split_once(':').unwrap_or((p.as_str(), "*"));
                                wildcard_match(s, service)
                            })
                        })
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn grants(doc: Value) -> Vec<Grant> {
        Policy::parse(&doc).unwrap().broad_grants()
    }

    fn allow(action: Value, resource: Value) -> Vec<Grant> {
        grants(json!({"Statement":{"Effect":"Allow","Action":action,"Resource":resource}}))
    }

    fn esc(action: &'static str) -> Grant {
        Grant::Escalation(Escalation::Action(action))
    }

    fn pair(action: &'static str) -> Grant {
        Grant::Escalation(Escalation::PassRoleWith(action))
    }

    #[test]
    fn admin_in_every_spelling() {
        assert_eq!(allow(json!("*"), json!("*"))[0], Grant::Admin);
        assert_eq!(allow(json!(["*:*"]), json!(["*"]))[0], Grant::Admin);
        assert_eq!(
            grants(json!({"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]})),
            vec![Grant::Admin]
        );
        assert!(grants(json!({"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})).is_empty());
        assert!(allow(json!("*"), json!("arn:aws:s3:::b/*")).is_empty());
    }

    #[test]
    fn every_single_escalation_action_on_all_resources() {
        for &(action, kind) in ESCALATION_ACTIONS {
            assert_eq!(allow(json!(action), json!("*")), vec![esc(action)], "{action}");
            let of_kind = format!("arn:aws:iam::111122223333:{kind}/*");
            assert_eq!(allow(json!(action), json!(of_kind)), vec![esc(action)], "{action}");
            let one = format!("arn:aws:iam::111122223333:{kind}/app");
            assert!(allow(json!(action), json!(one)).is_empty(), "{action}");
        }
    }

    #[test]
    fn escalation_actions_match_case_and_wildcards() {
        let g = allow(json!(["iam:attachrolepolicy", "sts:GetCallerIdentity"]), json!("*"));
        assert_eq!(g, vec![esc("iam:AttachRolePolicy")]);
        let attach = allow(json!("iam:Attach*"), json!("*"));
        assert_eq!(
            attach,
            vec![
                esc("iam:AttachUserPolicy"),
                esc("iam:AttachGroupPolicy"),
                esc("iam:AttachRolePolicy")
            ]
        );
        assert!(allow(json!("iam:*Policy"), json!("*")).contains(&esc("iam:PutRolePolicy")));
        let all_iam = allow(json!("iam:*"), json!("*"));
        assert_eq!(all_iam.len(), ESCALATION_ACTIONS.len() + 2, "{all_iam:?}");
        assert_eq!(all_iam.last(), Some(&Grant::ServiceWildcard("iam".into())));
        assert!(all_iam.contains(&Grant::PassRoleAny));
        assert!(allow(json!("iam:ListAttachedRolePolicies"), json!("*")).is_empty());
        assert!(allow(json!(["iam:List*", "iam:Get*"]), json!("*")).is_empty());
        // The kind must match: a user-only resource does not open role actions.
        assert_eq!(
            allow(json!("iam:Put*Policy"), json!("arn:aws:iam::111122223333:user/*")),
            vec![esc("iam:PutUserPolicy")]
        );
    }

    #[test]
    fn pass_role_pairs_across_statements() {
        for &partner in PASS_ROLE_PARTNERS {
            let g = grants(json!({"Statement":[
                {"Effect":"Allow","Action":"iam:PassRole","Resource":"*"},
                {"Effect":"Allow","Action":partner,"Resource":"arn:aws:x:us-east-1:111122223333:thing/*"}]}));
            assert_eq!(g, vec![pair(partner)], "{partner}");
        }
        let sagemaker = grants(json!({"Statement":[
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/*"},
            {"Effect":"Allow","Action":"sagemaker:Create*Job","Resource":"*"}]}));
        assert_eq!(
            sagemaker,
            vec![
                pair("sagemaker:CreateTrainingJob"),
                pair("sagemaker:CreateProcessingJob")
            ]
        );
        // PassRole on one role is no escalation, with or without a partner.
        let one_role = grants(json!({"Statement":[
            {"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":"arn:aws:iam::111122223333:role/App"}]}));
        assert!(one_role.is_empty());
        // A partner only in a Deny statement is no pair.
        let denied = grants(json!({"Statement":[
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"*"},
            {"Effect":"Deny","Action":"lambda:CreateFunction","Resource":"*"}]}));
        assert_eq!(denied, vec![Grant::PassRoleAny]);
    }

    #[test]
    fn resource_patterns_matching_any_arn_cover_everything() {
        assert_eq!(
            allow(json!("iam:AttachRolePolicy"), json!("arn:*")),
            [esc("iam:AttachRolePolicy")]
        );
        assert_eq!(
            allow(json!("s3:*"), json!("arn:*")),
            [Grant::ServiceWildcard("s3".into())]
        );
        assert_eq!(
            allow(json!("iam:AttachRolePolicy"), json!("arn:*:iam::*:role/*")),
            [esc("iam:AttachRolePolicy")]
        );
        assert!(
            allow(
                json!("iam:AttachRolePolicy"),
                json!("arn:aws:iam::111122223333:role/app-*")
            )
            .is_empty()
        );
        assert!(allow(json!("s3:*"), json!("arn:aws:s3:::*")).is_empty());
    }

    #[test]
    fn an_unconditioned_deny_takes_a_grant_back() {
        let denied = grants(json!({"Statement":[
            {"Effect":"Allow","Action":["iam:AttachRolePolicy","bedrock:*"],"Resource":"*"},
            {"Effect":"Deny","Action":"iam:*","Resource":"*"}]}));
        assert_eq!(denied, [Grant::AiServiceWildcard("bedrock".into())]);
        let conditional = grants(json!({"Statement":[
            {"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"},
            {"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}));
        assert_eq!(
            conditional,
            [esc("iam:AttachRolePolicy")],
            "a conditional deny may not apply"
        );
        let narrow = grants(json!({"Statement":[
            {"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"},
            {"Effect":"Deny","Action":"iam:AttachRolePolicy","Resource":"arn:aws:iam::111122223333:role/admin"}]}));
        assert_eq!(narrow, [esc("iam:AttachRolePolicy")], "other roles stay open");
        let pass = grants(json!({"Statement":[
            {"Effect":"Allow","Action":["iam:PassRole","lambda:CreateFunction"],"Resource":"*"},
            {"Effect":"Deny","Action":"lambda:*","Resource":"*"}]}));
        assert_eq!(pass, [Grant::PassRoleAny]);
        let everything = grants(json!({"Statement":[
            {"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*"}]}));
        assert!(everything.is_empty());
    }

    #[test]
    fn not_resource_and_not_action_widen() {
        let not_res = grants(
            json!({"Statement":{"Effect":"Allow","Action":["iam:PutUserPolicy","s3:*"],
            "NotResource":"arn:aws:iam::111122223333:user/admin"}}),
        );
        assert_eq!(
            not_res,
            vec![esc("iam:PutUserPolicy"), Grant::ServiceWildcard("s3".into())]
        );
        let nothing = grants(json!({"Statement":{"Effect":"Allow","Action":"iam:*","NotResource":"*"}}));
        assert!(nothing.is_empty());
        // NotAction on all roles grants PassRole and AttachRolePolicy there.
        let not_action = grants(json!({"Statement":{"Effect":"Allow","NotAction":"s3:*",
            "Resource":"arn:aws:iam::111122223333:role/*"}}));
        assert_eq!(
            not_action[..3],
            [
                esc("iam:AttachRolePolicy"),
                esc("iam:PutRolePolicy"),
                esc("iam:UpdateAssumeRolePolicy")
            ]
        );
        assert_eq!(not_action.len(), 3 + PASS_ROLE_PARTNERS.len());
        assert!(not_action.contains(&esc("iam:AttachRolePolicy")));
        assert!(!not_action.contains(&esc("iam:AttachUserPolicy")));
    }

    #[test]
    fn service_and_passrole_grants() {
        let g = grants(json!({"Statement":[
            {"Effect":"Allow","Action":["bedrock:*","s3:*","sagemaker:List*"],"Resource":"*"},
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/*"}]}));
        assert_eq!(
            g,
            vec![
                Grant::PassRoleAny,
                Grant::AiServiceWildcard("bedrock".into()),
                Grant::ServiceWildcard("s3".into())
            ]
        );
        let narrow = allow(
            json!(["iam:PassRole", "bedrock:InvokeModel"]),
            json!("arn:aws:iam::111122223333:role/App"),
        );
        assert!(narrow.is_empty());
    }

    fn policy(statements: Value) -> Policy {
        Policy::parse(&json!({ "Statement": statements })).unwrap()
    }

    const CLAUDE: &str = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
    const LLAMA: &str = "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-70b-instruct-v1:0";

    #[test]
    fn allows_matches_action_and_resource_patterns() {
        let scoped = policy(json!([{"Effect":"Allow","Action":"bedrock:Invoke*",
            "Resource":"arn:aws:bedrock:*::foundation-model/anthropic.*"}]));
        assert!(scoped.allows("bedrock:InvokeModel", CLAUDE));
        assert!(scoped.allows("BEDROCK:invokemodelwithresponsestream", CLAUDE));
        assert!(!scoped.allows("bedrock:InvokeModel", LLAMA));
        assert!(!scoped.allows("bedrock:CreateGuardrail", CLAUDE));
        // `*` asks about some resource: any resource pattern answers it.
        assert!(scoped.allows("bedrock:InvokeModel", "*"));
        let no_resource = policy(json!([{"Effect":"Allow","Action":"bedrock:*"}]));
        assert!(!no_resource.allows("bedrock:InvokeModel", "*"));
        let deny_only = policy(json!([{"Effect":"Deny","Action":"*","Resource":"*"}]));
        assert!(!deny_only.allows("bedrock:InvokeModel", "*"));
    }

    #[test]
    fn allows_reads_not_action_and_not_resource() {
        let not_action = policy(json!([{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]));
        assert!(not_action.allows("bedrock:InvokeModel", CLAUDE));
        assert!(!not_action.allows("iam:PassRole", "*"));
        let not_resource = policy(json!([{"Effect":"Allow","Action":"bedrock:InvokeModel","NotResource":LLAMA}]));
        assert!(not_resource.allows("bedrock:InvokeModel", CLAUDE));
        assert!(not_resource.allows("bedrock:InvokeModel", "*"));
        assert!(!not_resource.allows("bedrock:InvokeModel", LLAMA));
    }

    #[test]
    fn allows_weighs_unconditioned_denies() {
        let allow_all = json!({"Effect":"Allow","Action":"bedrock:*","Resource":"*"});
        let everywhere = policy(json!([allow_all, {"Effect":"Deny","Action":"bedrock:Invoke*","Resource":"*"}]));
        assert!(!everywhere.allows("bedrock:InvokeModel", "*"));
        assert!(!everywhere.allows("bedrock:InvokeModel", CLAUDE));
        assert!(everywhere.allows("bedrock:ListFoundationModels", "*"));
        let one_model = policy(json!([allow_all, {"Effect":"Deny","Action":"bedrock:InvokeModel","Resource":LLAMA}]));
        assert!(!one_model.allows("bedrock:InvokeModel", LLAMA));
        assert!(one_model.allows("bedrock:InvokeModel", CLAUDE));
        assert!(
            one_model.allows("bedrock:InvokeModel", "*"),
            "other models stay allowed"
        );
        let conditional = policy(json!([allow_all, {"Effect":"Deny","Action":"bedrock:*","Resource":"*",
            "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]));
        assert!(
            conditional.allows("bedrock:InvokeModel", CLAUDE),
            "a conditional deny may not apply"
        );
    }

    #[test]
    fn allowed_services_in_the_order_given() {
        let services = ["bedrock", "sagemaker", "bedrock-agentcore"];
        let of = |statements: Value| policy(statements).allowed_services(&services);
        let mixed = of(json!([{"Effect":"Allow","Action":["sagemaker:List*","bedrock:InvokeModel"],"Resource":"*"}]));
        assert_eq!(mixed, ["bedrock", "sagemaker"]);
        assert_eq!(of(json!([{"Effect":"Allow","Action":"*","Resource":"*"}])), services);
        assert_eq!(
            of(json!([{"Effect":"Allow","Action":"bedrock*:Get*","Resource":"*"}])),
            ["bedrock", "bedrock-agentcore"]
        );
        assert_eq!(
            of(json!([{"Effect":"Allow","Action":"bedrock-agentcore:*","Resource":"*"}])),
            ["bedrock-agentcore"]
        );
        assert!(of(json!([{"Effect":"Allow","Action":"s3:*","Resource":"*"}])).is_empty());
        assert!(of(json!([{"Effect":"Deny","Action":"bedrock:*","Resource":"*"}])).is_empty());
    }

    #[test]
    fn allowed_services_through_not_action() {
        let services = ["bedrock", "sagemaker"];
        let of =
            |not: Value| policy(json!([{"Effect":"Allow","NotAction":not,"Resource":"*"}])).allowed_services(&services);
        assert_eq!(of(json!("BEDROCK:*")), ["sagemaker"]);
        assert_eq!(
            of(json!("bedrock:InvokeModel")),
            services,
            "other bedrock actions stay allowed"
        );
        assert!(of(json!("*")).is_empty());
    }
}
