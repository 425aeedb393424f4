//! What the path finders share: the inventory's IAM principals with their identity policies
//! parsed once (and named, for evidence), lookups by ARN, and the organization's accounts.

use crate::detection::Organization;
use crate::inventory::Inventory;
use crate::inventory::iam::{NamedPolicy, named_identity_policies, trust_policy};
use crate::inventory::types::{IAM_ROLE, IAM_USER};
use crate::policy::{Grant, Policy};
use crate::resource::ResourceSnapshot;

/// A role or user snapshot, its identity policies, and their broad grants.
pub(super) struct Principal<'a> {
    pub snapshot: &'a ResourceSnapshot,
    pub policies: Vec<NamedPolicy>,
    /// Each policy's [`Policy::broad_grants`], with the policy's index in `policies`.
    grants: Vec<(Grant, usize)>,
}

impl<'a> Principal<'a> {
    fn new(snapshot: &'a ResourceSnapshot) -> Principal<'a> {
        let policies = named_identity_policies(snapshot);
        let grants = (policies.iter().enumerate())
            .flat_map(|(i, p)| p.policy.broad_grants().into_iter().map(move |g| (g, i)))
            .collect();
        Principal {
            snapshot,
            policies,
            grants,
        }
    }

    /// The broad grants of every policy, each with the policy's name.
    pub fn grants(&self) -> impl Iterator<Item = (&Grant, &str)> {
        self.grants.iter().map(|(g, i)| (g, self.policies[*i].name.as_str()))
    }

    /// `RoleName` / `UserName`, else the snapshot's name.
    pub fn name(&self) -> &'a str {
        ["RoleName", "UserName"]
            .iter()
            .find_map(|k| self.snapshot.config_str(k))
            .unwrap_or_else(|| self.snapshot.display_name())
    }

    /// The account: the snapshot's, else the ARN's.
    pub fn account(&self) -> &'a str {
        if self.snapshot.account.is_empty() {
            arn_account(&self.snapshot.arn).unwrap_or_default()
        } else {
            &self.snapshot.account
        }
    }

    /// The first policy that grants every action on every resource.
    pub fn admin(&self) -> Option<&NamedPolicy> {
        (self.grants.iter())
            .find(|(g, _)| *g == Grant::Admin)
            .map(|(_, i)| &self.policies[*i])
    }

    /// The first policy that allows `action` on `resource` ([`Policy::allows`]), unless an
    /// unconditional Deny of any of the principal's policies takes it back (as an explicit
    /// deny does in IAM: a quarantine policy attached next to the grants).
    pub fn allowing(&self, action: &str, resource: &str) -> Option<&NamedPolicy> {
        if self.denies(action, resource) {
            return None;
        }
        self.policies.iter().find(|p| p.policy.allows(action, resource))
    }

    /// True when an unconditional Deny of some policy of the principal covers `action` on
    /// `resource` ([`Policy::denies`]).
    pub fn denies(&self, action: &str, resource: &str) -> bool {
        self.policies.iter().any(|p| p.policy.denies(action, resource))
    }

    /// The trust policy, for a role.
    pub fn trust(&self) -> Option<Policy> {
        trust_policy(self.snapshot)
    }
}

/// The inventory as the path finders read it.
pub(super) struct Index<'a> {
    pub inventory: &'a Inventory,
    org: &'a Organization,
    pub roles: Vec<Principal<'a>>,
    pub users: Vec<Principal<'a>>,
}

impl<'a> Index<'a> {
    pub fn new(inventory: &'a Inventory, org: &'a Organization) -> Index<'a> {
        Index {
            inventory,
            org,
            roles: inventory.of_type(IAM_ROLE).map(Principal::new).collect(),
            users: inventory.of_type(IAM_USER).map(Principal::new).collect(),
        }
    }

    /// The role snapshot with this ARN (exact, else ignoring case: IAM names are
    /// case-insensitive).
    pub fn role(&self, arn: &str) -> Option<&Principal<'a>> {
        self.roles
            .iter()
            .find(|r| r.snapshot.arn == arn)
            .or_else(|| self.roles.iter().find(|r| r.snapshot.arn.eq_ignore_ascii_case(arn)))
    }

    /// True when `account` is the organization's, or is `home` (the resource's own account).
    pub fn is_own(&self, account: &str, home: &str) -> bool {
        account == home || self.org.accounts.iter().any(|a| a == account)
    }
}

/// The account field of an ARN (`arn:aws:iam::111122223333:role/x`), when it is one.
pub(super) fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| crate::aws_ids::is_account_id(a))
}
