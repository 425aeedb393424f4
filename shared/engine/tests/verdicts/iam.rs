//! Verdicts of the iam rules on their samples: severities, summaries, resources.

/// `iam.admin_policy_attached`
mod admin_policy_attached {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_severity;

    #[test]
    fn severity_follows_target_and_policy() {
        let sev = |sample| sample_severity("iam.admin_policy_attached", sample);
        assert_eq!(sev("events/iam/AttachUserPolicy.json"), Some(Severity::High));
        assert_eq!(sev("events/iam/AttachGroupPolicy.json"), Some(Severity::High));
        assert_eq!(sev("events/iam/AttachRolePolicy.json"), Some(Severity::Medium));
        assert_eq!(
            sev("events/iam/AttachGroupPolicy-bedrock-full-access.json"),
            Some(Severity::Medium)
        );
    }
}

/// `iam.credentials_for_other_user`
mod credentials_for_other_user {
    use aidr_testkit::samples::sample_finding;

    #[test]
    fn summary_names_target_user_and_key() {
        let f = sample_finding(
            "iam.credentials_for_other_user",
            "events/iam/CreateAccessKey-other-user.json",
        )
        .unwrap();
        assert_eq!(
            f.summary,
            "ci-deployer created an access key for IAM user data-scientist-7 in account 111122223333 (us-east-1)"
        );
        assert_eq!(f.resources, ["data-scientist-7", "AKIA3EXAMPLENEWKEY01"]);
    }
}

/// `iam.permissive_policy`
mod permissive_policy {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    fn sev(sample: &str) -> Option<Severity> {
        sample_severity("iam.permissive_policy", sample)
    }

    #[test]
    fn severity_follows_grant_target_and_default() {
        assert_eq!(sev("events/iam/PutUserPolicy-admin.json"), Some(Severity::Critical));
        assert_eq!(sev("events/iam/PutRolePolicy-not-action.json"), Some(Severity::High));
        assert_eq!(sev("events/iam/CreatePolicy-passrole-any.json"), Some(Severity::High));
        assert_eq!(
            sev("events/iam/PutRolePolicy-bedrock-wildcard.json"),
            Some(Severity::Medium)
        );
        assert_eq!(sev("events/iam/PutGroupPolicy-s3-wildcard.json"), Some(Severity::Low));
        assert_eq!(
            sev("events/iam/CreatePolicyVersion-admin-default.json"),
            Some(Severity::High)
        );
        assert_eq!(
            sev("events/iam/CreatePolicyVersion-admin-not-default.json"),
            Some(Severity::Medium)
        );
    }

    #[test]
    fn escalation_grants_are_high() {
        assert_eq!(sev("events/iam/PutRolePolicy-escalation.json"), Some(Severity::High));
        assert_eq!(sev("events/iam/PutGroupPolicy-not-resource.json"), Some(Severity::High));
        let f = sample_finding("iam.permissive_policy", "events/iam/PutRolePolicy-escalation.json").unwrap();
        assert!(
            f.summary.contains(
                "wrote inline policy ops-helper on role FeatureStoreIngestRole granting privilege \
                 escalation through iam:AttachRolePolicy on any role"
            ),
            "{}",
            f.summary
        );
        let f = sample_finding("iam.permissive_policy", "events/iam/CreatePolicy-passrole-any.json").unwrap();
        assert!(
            f.summary.contains(
                "granting privilege escalation through iam:PassRole on any role with sagemaker:CreateTrainingJob"
            ),
            "{}",
            f.summary
        );
    }

    #[test]
    fn summary_names_target_and_grants() {
        let f = sample_finding("iam.permissive_policy", "events/iam/PutUserPolicy-admin.json").unwrap();
        assert_eq!(
            f.summary,
            "ci-deployer wrote inline policy break-glass on user data-scientist-7 granting all \
             actions on all resources in account 111122223333 (us-east-1)"
        );
        assert_eq!(f.resources, ["data-scientist-7"]);

        let f = sample_finding(
            "iam.permissive_policy",
            "events/iam/CreatePolicyVersion-admin-not-default.json",
        )
        .unwrap();
        assert_eq!(
            f.resources,
            [
                "arn:aws:iam::111122223333:policy/BedrockInvokeOnly",
                "arn:aws:iam::111122223333:policy/BedrockInvokeOnly:v3"
            ]
        );
    }
}

/// `iam.policy_hidden`
mod policy_hidden {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_finding;

    const ID: &str = "iam.policy_hidden";

    #[test]
    fn omitted_document_is_medium_and_says_what_to_fetch() {
        let f = sample_finding(ID, "events/iam/PutRolePolicy-omitted.json").unwrap();
        assert_eq!(f.severity, Severity::Medium);
        assert!(
            f.summary.contains(
                "called PutRolePolicy but CloudTrail omitted the request as too large, so the inline \
                 role policy could not be judged; fetch it with GetRolePolicy"
            ),
            "{}",
            f.summary
        );
        let f = sample_finding(ID, "events/iam/CreatePolicy-omitted.json").unwrap();
        assert!(
            f.summary.contains(
                "fetch it with `aws iam get-policy-version --policy-arn \
                 arn:aws:iam::111122223333:policy/MLPipelineAccess --version-id v1`"
            ),
            "{}",
            f.summary
        );
        assert_eq!(f.resources, ["arn:aws:iam::111122223333:policy/MLPipelineAccess"]);
    }
}

/// `iam.trust_policy_exposed`
mod trust_policy_exposed {
    use aidr_engine::Organization;
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_findings_with, sample_severity};

    const ID: &str = "iam.trust_policy_exposed";

    #[test]
    fn public_is_critical_outside_account_high() {
        assert_eq!(
            sample_severity(ID, "events/iam/UpdateAssumeRolePolicy-public.json"),
            Some(Severity::Critical)
        );
        assert_eq!(
            sample_severity(ID, "events/iam/CreateRole-external-account.json"),
            Some(Severity::High)
        );
    }

    #[test]
    fn conditions_on_a_public_principal_are_read() {
        let f = sample_finding(ID, "events/iam/UpdateAssumeRolePolicy-wildcard-arn.json").unwrap();
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.summary.contains(
                "ModelDeployRole so that anyone (public; its aws:PrincipalArn condition does not \
                 limit the caller's account) can assume it"
            ),
            "{}",
            f.summary
        );
        let f = sample_finding(ID, "events/iam/UpdateAssumeRolePolicy-outside-account-condition.json").unwrap();
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.summary
                .contains("ModelDeployRole so that external account(s) 444455556666 can assume it"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn summary_names_role_and_account() {
        let f = sample_finding(ID, "events/iam/CreateRole-external-account.json").unwrap();
        assert!(
            f.summary
                .contains("created role BedrockPartnerAccess so that external account(s) 444455556666 can assume it"),
            "{}",
            f.summary
        );
        assert_eq!(
            f.resources,
            [
                "BedrockPartnerAccess",
                "arn:aws:iam::111122223333:role/BedrockPartnerAccess"
            ]
        );
    }

    #[test]
    fn listed_partner_account_is_own() {
        let org = Organization {
            accounts: vec!["111122223333".into(), "444455556666".into()],
        };
        let findings = sample_findings_with("events/iam/CreateRole-external-account.json", org);
        assert!(!findings.iter().any(|f| f.rule_id == ID));
    }
}
