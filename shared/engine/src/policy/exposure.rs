//! Whom a resource or trust policy opens to, beyond the organization.
//!
//! Each Allow statement is judged from its principals and its conditions together. IAM
//! accepts no wildcard inside a `Principal` value other than a plain `*` (IAM User Guide,
//! "AWS JSON policy elements: Principal"), so a policy meant for "any account's role named
//! deploy" carries `*` and puts the pattern in a condition; the condition's values decide.
//!
//! | principal / condition form | verdict |
//! |---|---|
//! | `"*"`, `{"AWS":"*"}` or `NotPrincipal`, no condition on the caller | public |
//! | an account id or ARN of an account outside the organization | external (that account) |
//! | an account id or ARN of an own account; a service principal | not exposed |
//! | `*` + `aws:PrincipalOrgID` / `aws:SourceOrgID` with a concrete org id, or `…OrgPaths` whose org id is concrete | narrowed to the organization: not exposed (named outside principals too) |
//! | `*` + `aws:PrincipalAccount` / `aws:SourceAccount` / `aws:SourceOwner` naming account ids | external for each outside id; own ids only: not exposed |
//! | `*` + `aws:PrincipalArn` / `aws:SourceArn` ARNs whose account field is concrete | as above, with each ARN's account |
//! | `*` + `aws:SourceArn` naming one resource whose ARN has no account field and no wildcard (`arn:aws:s3:::bucket`; `arn:aws:s3:::*` stays public) | narrowed to that resource: not exposed |
//! | `*` + `aws:SourceVpc` / `aws:SourceVpce` with a concrete id | narrowed to that network: not exposed |
//! | any of those with `*` or `?` in the id or in the ARN's account field (`arn:aws:iam::*:role/deploy`, `o-*`, `*`) | public |
//! | any of those under an `…IfExists`, `ForAllValues:`, negated (`StringNot…`, `ArnNot…`) or `Null` operator | public: the test passes for callers without the key, or for every other account |
//! | other keys only (`sts:ExternalId`, `aws:SourceIp`, `aws:UserAgent`…) | public |
//!
//! Under `StringEquals` a `*` is matched literally and would admit no caller; such a value is
//! still judged as a wildcard rather than trusted to lock everyone out. When several account
//! conditions are combined, every account they name is counted.

use super::{Condition, Policy};
use crate::aws_ids::is_account_id;

/// Whom the Allow statements of a resource or trust policy open to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exposure {
    /// Anyone: a public principal with no condition limiting the caller's organization,
    /// account, ARN or network.
    pub public: bool,
    /// Outside account ids, named as principals or in conditions on a public principal.
    pub external_accounts: Vec<String>,
    /// Condition keys on a public principal that did not limit the caller (wildcard values,
    /// `…IfExists`, negated or `Null` operators), as written; shown in [`Exposure::describe`].
    pub open_conditions: Vec<String>,
}

impl Exposure {
    /// True when the policy opens to anyone outside.
    pub fn is_exposed(&self) -> bool {
        self.public || !self.external_accounts.is_empty()
    }

    /// "anyone (public)", "anyone (public; its aws:PrincipalArn condition does not limit the
    /// caller's account)" or "external account(s) 1, 2".
    pub fn describe(&self) -> String {
        if !self.public {
            format!("external account(s) {}", self.external_accounts.join(", "))
        } else if self.open_conditions.is_empty() {
            "anyone (public)".into()
        } else {
            format!(
                "anyone (public; its {} condition does not limit the caller's account)",
                self.open_conditions.join(", ")
            )
        }
    }
}

/// The account id in a principal value: `123456789012`, `arn:aws:iam::123456789012:root`,
/// `arn:aws:iam::123456789012:role/x`, `arn:aws:sts::123456789012:assumed-role/…`.
pub fn principal_account(value: &str) -> Option<&str> {
    let id = if value.starts_with("arn:") {
        value.split(':').nth(4)?
    } else {
        value
    };
    is_account_id(id).then_some(id)
}

/// Keys that can limit who uses a public principal.
const CALLER_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:sourceorgid",
    "aws:principalorgpaths",
    "aws:sourceorgpaths",
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalarn",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
];

/// What one condition leaves of a public principal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reach {
    /// Callers in one organization.
    Organization,
    /// Callers (or source resources) in these accounts.
    Accounts(Vec<String>),
    /// Callers on one network, or for one resource whose ARN names no account.
    Narrowed,
}

fn wild(value: &str) -> bool {
    value.contains(['*', '?'])
}

/// True for an operator under which the condition admits only the listed values.
fn admits_only_listed(operator: &str) -> bool {
    let op = operator.to_ascii_lowercase();
    if op.ends_with("ifexists") || op.starts_with("forallvalues:") {
        return false;
    }
    let op = op.strip_prefix("foranyvalue:").unwrap_or(&op);
    matches!(
        op,
        "stringequals" | "stringequalsignorecase" | "stringlike" | "arnequals" | "arnlike"
    )
}

/// How far one condition limits the caller: `None` when it does not (a key about something
/// else, a wildcard value, an operator that lets other callers through).
fn reach(c: &Condition) -> Option<Reach> {
    if !admits_only_listed(&c.operator) || c.values.is_empty() {
        return None;
    }
    let all_concrete = |part: fn(&str) -> &str| c.values.iter().all(|v| !wild(part(v)));
    match c.key.to_ascii_lowercase().as_str() {
        "aws:principalorgid" | "aws:sourceorgid" => all_concrete(|v| v).then_some(Reach::Organization),
        "aws:principalorgpaths" | "aws:sourceorgpaths" => {
            all_concrete(|v| v.split('/').next().unwrap_or(v)).then_some(Reach::Organization)
        }
        "aws:principalaccount" | "aws:sourceaccount" | "aws:sourceowner" => {
            all_concrete(|v| v).then(|| accounts(c.values.iter().map(String::as_str)))
        }
        "aws:principalarn" | "aws:sourcearn" => {
            fn account(arn: &str) -> &str {
                arn.split(':').nth(4).unwrap_or_default()
            }
            let concrete = c.values.iter().all(|v| {
                let acct = account(v);
                if acct.is_empty() { !wild(v) } else { !wild(acct) }
            });
            concrete.then(|| accounts(c.values.iter().map(|v| account(v))))
        }
        "aws:sourcevpc" | "aws:sourcevpce" => all_concrete(|v| v).then_some(Reach::Narrowed),
        _ => None,
    }
}

fn accounts<'v>(values: impl Iterator<Item = &'v str>) -> Reach {
    let mut ids: Vec<String> = Vec::new();
    for id in values.filter(|v| is_account_id(v)) {
        if !ids.iter().any(|a| a == id) {
            ids.push(id.to_owned());
        }
    }
    if ids.is_empty() {
        Reach::Narrowed
    } else {
        Reach::Accounts(ids)
    }
}

/// What all of a statement's conditions leave of a public principal: `None` for anyone.
fn statement_reach(conditions: &[Condition]) -> Option<Reach> {
    let reaches: Vec<Reach> = conditions.iter().filter_map(reach).collect();
    if reaches.contains(&Reach::Organization) {
        return Some(Reach::Organization);
    }
    let mut ids: Vec<String> = Vec::new();
    for r in &reaches {
        if let Reach::Accounts(list) = r {
            for id in list {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
        }
    }
    if !ids.is_empty() {
        Some(Reach::Accounts(ids))
    } else {
        reaches.first().cloned()
    }
}

impl Exposure {
    fn add_account(&mut self, account: &str, own: &impl Fn(&str) -> bool) {
        if !own(account) && !self.external_accounts.iter().any(|a| a == account) {
            self.external_accounts.push(account.to_owned());
        }
    }
}

impl Policy {
    /// Judges whom the Allow statements open to (see the module's table); `own` says which
    /// accounts are the organization's. Service principals are not exposure.
    pub fn exposure(&self, own: impl Fn(&str) -> bool) -> Exposure {
        let mut out = Exposure::default();
        for st in self.statements.iter().filter(|s| s.allow) {
            let reach = statement_reach(&st.conditions);
            if reach == Some(Reach::Organization) {
                continue;
            }
            let public_principal = st.not_principal
                || st
                    .principals
                    .iter()
                    .any(|(kind, value)| value == "*" && (kind == "AWS" || kind == "*"));
            if public_principal {
                match &reach {
                    None => {
                        out.public = true;
                        for c in &st.conditions {
                            let key = c.key.to_ascii_lowercase();
                            // Keys are one whatever their case (IAM reads them so).
                            let listed = out.open_conditions.iter().any(|k| k.eq_ignore_ascii_case(&c.key));
                            if CALLER_KEYS.contains(&key.as_str()) && !listed {
                                out.open_conditions.push(c.key.clone());
                            }
                        }
                    }
                    Some(Reach::Accounts(ids)) => ids.iter().for_each(|a| out.add_account(a, &own)),
                    Some(_) => {}
                }
            }
            if st.not_principal {
                continue;
            }
            for (kind, value) in &st.principals {
                if let Some(acct) = principal_account(value).filter(|_| kind == "AWS") {
                    out.add_account(acct, &own);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const OUTSIDE: &str = "444455556666";

    fn exp(doc: Value) -> Exposure {
        Policy::parse(&doc).unwrap().exposure(|a| a == "111122223333")
    }

    /// A statement with `Principal: {"AWS": "*"}` and one condition.
    fn public_with(operator: &str, key: &str, value: Value) -> Exposure {
        exp(
            json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",
            "Condition":{operator:{key:value}}}]}),
        )
    }

    fn is_public(e: &Exposure) -> bool {
        e.public && e.external_accounts.is_empty()
    }

    fn external(e: &Exposure) -> bool {
        !e.public && e.external_accounts == [OUTSIDE]
    }

    #[test]
    fn public_principals_without_conditions() {
        assert!(is_public(&exp(
            json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]})
        )));
        assert!(is_public(&exp(
            json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"x"}]})
        )));
        assert!(
            exp(json!({"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"x"}]}))
                .public
        );
        assert!(!exp(json!({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*"}]})).is_exposed());
    }

    #[test]
    fn named_principals() {
        let ext = exp(
            json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333","arn:aws:iam::444455556666:role/x"]},"Action":"x"}]}),
        );
        assert!(external(&ext));
        let own = exp(json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"x"}]}));
        assert!(!own.is_exposed());
        let svc = exp(
            json!({"Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}),
        );
        assert!(!svc.is_exposed());
    }

    #[test]
    fn organization_conditions_narrow() {
        for (op, key, value) in [
            ("StringEquals", "aws:PrincipalOrgID", json!("o-a1b2c3d4e5")),
            ("StringEquals", "aws:SourceOrgID", json!(["o-a1b2c3d4e5"])),
            (
                "ForAnyValue:StringLike",
                "aws:PrincipalOrgPaths",
                json!("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"),
            ),
        ] {
            assert!(!public_with(op, key, value).is_exposed(), "{key}");
        }
        // The organization condition also covers named outside principals.
        let named = exp(
            json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"x",
                "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}),
        );
        assert!(!named.is_exposed());
    }

    #[test]
    fn account_conditions_name_the_accounts() {
        for (op, key, value) in [
            ("StringEquals", "aws:PrincipalAccount", json!(OUTSIDE)),
            ("StringEquals", "aws:SourceAccount", json!([OUTSIDE])),
            ("StringEquals", "aws:SourceOwner", json!(OUTSIDE)),
            (
                "StringLike",
                "aws:PrincipalArn",
                json!("arn:aws:iam::444455556666:role/*"),
            ),
            (
                "ArnLike",
                "aws:SourceArn",
                json!("arn:aws:bedrock:us-east-1:444455556666:agent/*"),
            ),
        ] {
            assert!(external(&public_with(op, key, value)), "{key}");
        }
        let own = public_with("StringEquals", "aws:PrincipalAccount", json!("111122223333"));
        assert!(!own.is_exposed());
        let both = public_with(
            "ArnEquals",
            "aws:PrincipalArn",
            json!(["arn:aws:iam::111122223333:role/a", "arn:aws:iam::444455556666:role/b"]),
        );
        assert!(external(&both));
    }

    #[test]
    fn resource_and_network_conditions_narrow() {
        assert!(!public_with("ArnEquals", "aws:SourceArn", json!("arn:aws:s3:::model-artifacts")).is_exposed());
        assert!(!public_with("StringEquals", "aws:SourceVpce", json!("vpce-0a1b2c3d")).is_exposed());
        assert!(!public_with("StringEquals", "aws:SourceVpc", json!("vpc-0a1b2c3d")).is_exposed());
    }

    #[test]
    fn wildcard_values_stay_public() {
        for (op, key, value) in [
            ("StringLike", "aws:PrincipalArn", json!("arn:aws:iam::*:role/deploy")),
            (
                "ArnLike",
                "aws:SourceArn",
                json!("arn:aws:sagemaker:us-east-1:*:endpoint/x"),
            ),
            ("StringLike", "aws:PrincipalAccount", json!("*")),
            ("StringEquals", "aws:SourceAccount", json!("*")),
            ("StringLike", "aws:PrincipalOrgID", json!("o-*")),
            ("StringLike", "aws:PrincipalOrgPaths", json!("*/r-ab12/*")),
            ("ArnLike", "aws:SourceArn", json!("arn:aws:s3:::*")),
            ("StringLike", "aws:SourceVpce", json!("vpce-*")),
            ("StringLike", "aws:PrincipalAccount", json!([OUTSIDE, "1111?2223333"])),
        ] {
            let e = public_with(op, key, value);
            assert!(is_public(&e), "{op} {key}");
            assert_eq!(e.open_conditions, [key]);
        }
        assert!(
            public_with("StringLike", "aws:PrincipalArn", json!("arn:aws:iam::*:role/deploy"))
                .describe()
                .contains("aws:PrincipalArn condition does not limit")
        );
    }

    #[test]
    fn operators_that_let_others_through_stay_public() {
        for op in [
            "StringEqualsIfExists",
            "ArnLikeIfExists",
            "ForAllValues:StringEquals",
            "StringNotEquals",
            "ArnNotLike",
            "Null",
        ] {
            let e = public_with(op, "aws:PrincipalAccount", json!(OUTSIDE));
            assert!(is_public(&e), "{op}");
        }
        let e = public_with("Null", "aws:PrincipalOrgID", json!("false"));
        assert!(is_public(&e));
    }

    #[test]
    fn unrelated_keys_stay_public() {
        for (op, key) in [
            ("StringEquals", "sts:ExternalId"),
            ("IpAddress", "aws:SourceIp"),
            ("StringLike", "aws:UserAgent"),
        ] {
            let e = public_with(op, key, json!("x"));
            assert!(is_public(&e), "{key}");
            assert!(e.open_conditions.is_empty());
            assert_eq!(e.describe(), "anyone (public)");
        }
    }

    #[test]
    fn an_open_condition_key_is_named_once_whatever_its_case() {
        // Found by the property tests: "its aws:SourceArn, AWS:SOURCEARN condition…".
        let e = exp(json!({"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"x","Condition":{"StringLike":{"aws:SourceArn":"*"}}},
            {"Effect":"Allow","Principal":"*","Action":"y","Condition":{"StringLike":{"AWS:SOURCEARN":"*"}}}]}));
        assert!(is_public(&e));
        assert_eq!(e.open_conditions, ["aws:SourceArn"]);
    }

    #[test]
    fn combined_conditions() {
        // An organization condition wins over a wildcard ARN condition beside it.
        let org = exp(
            json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"x","Condition":{
            "StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},
            "StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deploy"}}}]}),
        );
        assert!(!org.is_exposed());
        // A network condition beside an outside account: the account is counted.
        let acct = exp(
            json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"x","Condition":{
            "StringEquals":{"aws:SourceVpce":"vpce-1","aws:PrincipalAccount":OUTSIDE}}}]}),
        );
        assert!(external(&acct));
    }

    #[test]
    fn account_ids() {
        assert_eq!(principal_account("arn:aws:iam::444455556666:root"), Some(OUTSIDE));
        assert_eq!(principal_account(OUTSIDE), Some(OUTSIDE));
        assert_eq!(principal_account("arn:aws:iam::*:root"), None);
        assert_eq!(principal_account("sagemaker.amazonaws.com"), None);
    }
}
