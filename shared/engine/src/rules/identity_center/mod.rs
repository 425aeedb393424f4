//! AWS IAM Identity Center: the permission sets that become roles in member accounts. The
//! decision to grant is logged here, in the management (or delegated administrator) account;
//! the roles and policies Identity Center then provisions in each member account are made by
//! AWS on the customer's behalf (`AWSReservedSSO_*` roles under `/aws-reserved/`) and are held
//! low by the pipeline.

mod permission_set_admin;

use crate::rules::EventRule;

/// The Identity Center rules.
pub fn all() -> Vec<Box<dyn EventRule>> {
    vec![Box::new(permission_set_admin::RULE)]
}
