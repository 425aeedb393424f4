//! Who made a call, distilled from `userIdentity` for findings and rules.

use serde::{Deserialize, Serialize};

use crate::cloudtrail::record::{Record, s};

/// Kind of credential behind a call, judged from the access key id prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// `AKIA…`: an IAM user's or root's access key, valid until rotated.
    LongTerm,
    /// `ASIA…`: STS session credentials.
    Temporary,
    /// No access key id in the record (console, service, bearer token…).
    Unknown,
}

impl Credential {
    /// Classifies an access key id.
    pub fn of_key(key: Option<&str>) -> Credential {
        match key {
            Some(k) if k.starts_with("AKIA") => Credential::LongTerm,
            Some(k) if k.starts_with("ASIA") => Credential::Temporary,
            _ => Credential::Unknown,
        }
    }
}

/// The caller of one CloudTrail event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// `userIdentity.arn`, or for assumed roles the session ARN.
    pub arn: Option<String>,
    /// `userIdentity.type`: IAMUser, AssumedRole, Root, AWSService, …
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// A short human name: the user name, the role and session, or the ARN.
    pub name: String,
    /// The caller's account.
    pub account: Option<String>,
    pub access_key_id: Option<String>,
    pub credential: Credential,
    /// For assumed roles, the role behind the session.
    pub role_arn: Option<String>,
    /// `userIdentity.invokedBy`: the AWS service that made the call for the caller
    /// (`cloudformation.amazonaws.com`), or the console's sign-in service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
}

impl Principal {
    /// Reads the principal of a record; every part may be missing.
    pub fn of(record: &Record<'_>) -> Principal {
        let Some(u) = record.user_identity.as_ref() else {
            return Principal {
                arn: None,
                kind: None,
                name: "unknown principal".into(),
                account: None,
                access_key_id: None,
                credential: Credential::Unknown,
                role_arn: None,
                invoked_by: None,
            };
        };
        let issuer = u.session_context.as_ref().and_then(|c| c.session_issuer.as_ref());
        let arn = s(&u.arn).map(str::to_owned);
        let kind = s(&u.kind).map(str::to_owned);
        let name = match (s(&u.kind), s(&u.user_name), arn.as_deref()) {
            (Some("Root"), _, _) => "root".to_owned(),
            (_, Some(user), _) => user.to_owned(),
            (_, _, Some(arn)) => short_arn(arn).to_owned(),
            _ => s(&u.invoked_by)
                .or(s(&u.principal_id))
                .unwrap_or("unknown principal")
                .to_owned(),
        };
        Principal {
            arn,
            kind,
            name,
            account: s(&u.account_id).map(str::to_owned),
            access_key_id: s(&u.access_key_id).map(str::to_owned),
            credential: Credential::of_key(s(&u.access_key_id)),
            role_arn: issuer.and_then(|i| s(&i.arn)).map(str::to_owned),
            invoked_by: s(&u.invoked_by).map(str::to_owned),
        }
    }

    /// The AWS service that made the call on the customer's behalf, if one did: an
    /// `AWSService` identity, a call `invokedBy` a service (not the console's sign-in, which
    /// is a person), or a session of a service-linked role (`role/aws-service-role/<service>/…`,
    /// such as IAM Identity Center provisioning its `/aws-reserved/` roles in member accounts).
    /// Source: CloudTrail userIdentity element reference (`invokedBy`, `AWSService`) and IAM's
    /// service-linked role documentation.
    pub fn aws_service(&self) -> Option<&str> {
        const PEOPLE: &[&str] = &["signin.amazonaws.com", "console.amazonaws.com", "AWS Internal"];
        let invoked_by = self.invoked_by.as_deref().filter(|s| !PEOPLE.contains(s));
        if self.kind.as_deref() == Some("AWSService") {
            return Some(invoked_by.unwrap_or("an AWS service"));
        }
        if let Some(service) = invoked_by.filter(|s| s.ends_with(".amazonaws.com")) {
            return Some(service);
        }
        let linked = self.role_arn.as_deref()?.split_once(":role/aws-service-role/")?.1;
        Some(
            linked
                .split('/')
                .next()
                .filter(|s| !s.is_empty())
                .unwrap_or("an AWS service"),
        )
    }

    /// True for the account root user.
    pub fn is_root(&self) -> bool {
        self.kind.as_deref() == Some("Root")
    }

    /// True when the call was made with a long-term (`AKIA`) key.
    pub fn long_term_key(&self) -> bool {
        self.credential == Credential::LongTerm
    }

    /// The IAM user name when the caller is an IAM user.
    pub fn user_name(&self) -> Option<&str> {
        (self.kind.as_deref() == Some("IAMUser")).then_some(self.name.as_str())
    }
}

/// The part of an ARN after the resource type: `user/alice`, `assumed-role/R/session`.
fn short_arn(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(identity: &str) -> Principal {
        let text = format!(r#"{{"userIdentity":{identity}}}"#);
        Principal::of(&serde_json::from_str::<Record>(&text).unwrap())
    }

    #[test]
    fn iam_user_with_long_term_key() {
        let p = principal(
            r#"{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","userName":"alice","accessKeyId":"AKIAEXAMPLE","accountId":"111122223333"}"#,
        );
        assert_eq!(p.name, "alice");
        assert!(p.long_term_key());
        assert_eq!(p.user_name(), Some("alice"));
    }

    #[test]
    fn assumed_role_session() {
        let p = principal(
            r#"{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/App/i-1","accessKeyId":"ASIAEXAMPLE",
            "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/App"}}}"#,
        );
        assert_eq!(p.name, "assumed-role/App/i-1");
        assert_eq!(p.credential, Credential::Temporary);
        assert_eq!(p.role_arn.as_deref(), Some("arn:aws:iam::111122223333:role/App"));
        assert_eq!(p.user_name(), None);
    }

    #[test]
    fn services_acting_for_the_customer() {
        let service = principal(r#"{"type":"AWSService","invokedBy":"sso.amazonaws.com"}"#);
        assert_eq!(service.aws_service(), Some("sso.amazonaws.com"));
        let stack = principal(
            r#"{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/Deploy/s","invokedBy":"cloudformation.amazonaws.com"}"#,
        );
        assert_eq!(stack.aws_service(), Some("cloudformation.amazonaws.com"));
        let linked = principal(
            r#"{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/AWSServiceRoleForSSO/s",
            "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO"}}}"#,
        );
        assert_eq!(linked.aws_service(), Some("sso.amazonaws.com"));
        let console = principal(r#"{"type":"IAMUser","userName":"ann","invokedBy":"signin.amazonaws.com"}"#);
        assert_eq!(console.aws_service(), None);
        let sso_person = principal(
            r#"{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_1/ann",
            "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1"}}}"#,
        );
        assert_eq!(sso_person.aws_service(), None, "a person's Identity Center session");
    }

    #[test]
    fn root_and_missing() {
        assert!(principal(r#"{"type":"Root","arn":"arn:aws:iam::111122223333:root"}"#).is_root());
        let none = Principal::of(&Record::default());
        assert_eq!(none.name, "unknown principal");
        assert_eq!(none.credential, Credential::Unknown);
    }
}
