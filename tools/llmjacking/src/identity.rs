//! Callers as CloudTrail shows them: IAM users with a key and role sessions, each with its
//! `userIdentity` rendered once.

use std::fmt::Write as _;

use crate::time::push_time;

/// One caller as CloudTrail shows it: a user with a key, or a role session.
#[derive(Debug)]
pub struct Ident {
    pub account: &'static str,
    /// `userIdentity.arn` (the session ARN for assumed roles).
    pub arn: String,
    pub key: String,
    /// Index of the logical principal (application role, developer, IAM user).
    pub(crate) owner: usize,
    /// `userIdentity`, rendered once.
    pub(crate) json: String,
}

pub(crate) fn iam_user(account: &'static str, name: &str, principal_id: &str, key: String, owner: usize) -> Ident {
    let arn = format!("arn:aws:iam::{account}:user/{name}");
    let json = format!(
        r#"{{"type":"IAMUser","principalId":"{principal_id}","arn":"{arn}","accountId":"{account}","accessKeyId":"{key}","userName":"{name}"}}"#
    );
    Ident {
        account,
        arn,
        key,
        owner,
        json,
    }
}

/// A role and its path: `("service-role/", "orders-summarizer")`.
pub(crate) struct Role {
    pub(crate) account: &'static str,
    pub(crate) path: String,
    pub(crate) name: String,
    pub(crate) id: String,
}

impl Role {
    pub(crate) fn session(&self, session: &str, key: String, created: i64, mfa: bool, owner: usize) -> Ident {
        let (account, name) = (self.account, &self.name);
        let arn = format!("arn:aws:sts::{account}:assumed-role/{name}/{session}");
        let mut json = String::with_capacity(600);
        let _ = write!(
            json,
            r#"{{"type":"AssumedRole","principalId":"{id}:{session}","arn":"{arn}","accountId":"{account}","accessKeyId":"{key}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{id}","arn":"arn:aws:iam::{account}:role/{path}{name}","accountId":"{account}","userName":"{name}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":""#,
            id = self.id,
            path = self.path,
        );
        push_time(&mut json, created);
        let _ = write!(json, r#"","mfaAuthenticated":"{mfa}"}}}}}}"#);
        Ident {
            account,
            arn,
            key,
            owner,
            json,
        }
    }
}
