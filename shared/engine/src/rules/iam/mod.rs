//! AWS IAM around AI workloads: admin grants, permissive policies, opened trust, new keys.

mod admin_policy_attached;

use crate::rule::Rule;

/// The IAM rules.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![Box::new(admin_policy_attached::RULE)]
}
