//! Verdicts of the Identity Center rules, and of the records Identity Center makes in member
//! accounts on the customer's behalf.

/// `identity_center.permission_set_admin`
mod permission_set_admin {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "identity_center.permission_set_admin";

    #[test]
    fn admin_grants_are_high() {
        let f = sample_finding(ID, "events/sso/AttachManagedPolicyToPermissionSet-admin.json").unwrap();
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.summary
                .contains("attached AdministratorAccess to permission set arn:aws:sso:::permissionSet/"),
            "{}",
            f.summary
        );
        assert_eq!(
            sample_severity(ID, "events/sso/PutInlinePolicyToPermissionSet-admin.json"),
            Some(Severity::High)
        );
    }

    #[test]
    fn provisioning_in_a_member_account_stays_low() {
        let f = sample_finding(
            "iam.admin_policy_attached",
            "events/iam/AttachRolePolicy-identity-center-provisioning.json",
        )
        .unwrap();
        assert_eq!(f.severity, Severity::Low);
        assert!(
            f.summary
                .contains("(made by sso.amazonaws.com on the customer's behalf)"),
            "{}",
            f.summary
        );
    }
}
