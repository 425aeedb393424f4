//! Verdicts of the sagemaker rules on their samples: severities, summaries, resources.

/// `sagemaker.job_insecure`
mod job_insecure {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "sagemaker.job_insecure";

    #[test]
    fn open_network_is_medium_other_gaps_low() {
        let f = sample_finding(ID, "events/sagemaker/CreateTrainingJob.json").expect("fires");
        assert_eq!(f.severity, Severity::Medium);
        for why in [
            "no network isolation and no VPC",
            "no inter-container traffic encryption",
            "no KMS key",
        ] {
            assert!(f.summary.contains(why), "{why} missing from {}", f.summary);
        }
        assert_eq!(f.resources[0], "churn-xgb-2026-03-02");
        assert_eq!(
            sample_severity(ID, "events/sagemaker/CreateProcessingJob-no-kms.json"),
            Some(Severity::Low)
        );
    }
}

/// `sagemaker.lifecycle_config_suspicious`
mod lifecycle_config_suspicious {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "sagemaker.lifecycle_config_suspicious";

    #[test]
    fn severity_and_evidence_on_samples() {
        let f = sample_finding(
            ID,
            "events/sagemaker/CreateNotebookInstanceLifecycleConfig-reverse-shell.json",
        )
        .expect("fires");
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.summary.contains("reverse shell (/dev/tcp/)"), "{}", f.summary);
        assert_eq!(f.resources[0], "nb-bootstrap");
        assert_eq!(
            sample_severity(ID, "events/sagemaker/UpdateNotebookInstanceLifecycleConfig-miner.json"),
            Some(Severity::High)
        );
        assert_eq!(
            sample_severity(ID, "events/sagemaker/CreateStudioLifecycleConfig-credential-theft.json"),
            Some(Severity::Critical)
        );
    }
}

/// `sagemaker.model_package_group_policy_exposed`
mod model_package_group_policy_exposed {
    use aidr_engine::Organization;
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_findings_with, sample_severity};

    const ID: &str = "sagemaker.model_package_group_policy_exposed";
    const CROSS: &str = "events/sagemaker/PutModelPackageGroupPolicy-cross-account.json";

    #[test]
    fn public_is_critical_cross_account_high() {
        assert_eq!(
            sample_severity(ID, "events/sagemaker/PutModelPackageGroupPolicy-public.json"),
            Some(Severity::Critical)
        );
        assert_eq!(sample_severity(ID, CROSS), Some(Severity::High));
    }

    #[test]
    fn if_exists_condition_does_not_narrow() {
        assert_eq!(
            sample_severity(
                ID,
                "events/sagemaker/PutModelPackageGroupPolicy-if-exists-condition.json"
            ),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn organization_accounts_are_not_outside() {
        let org = Organization {
            accounts: vec!["444455556666".into()],
        };
        assert!(!sample_findings_with(CROSS, org).iter().any(|f| f.rule_id == ID));
    }
}

/// `sagemaker.monitoring_disabled`
mod monitoring_disabled {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_severity;

    #[test]
    fn capture_off_is_low() {
        assert_eq!(
            sample_severity(
                "sagemaker.monitoring_disabled",
                "events/sagemaker/CreateEndpointConfig-capture-disabled.json"
            ),
            Some(Severity::Low)
        );
        assert_eq!(
            sample_severity(
                "sagemaker.monitoring_disabled",
                "events/sagemaker/StopMonitoringSchedule.json"
            ),
            Some(Severity::Medium)
        );
    }
}

/// `sagemaker.notebook_insecure`
mod notebook_insecure {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "sagemaker.notebook_insecure";

    #[test]
    fn defaults_count_as_enabled() {
        let f = sample_finding(ID, "events/sagemaker/CreateNotebookInstance.json").expect("fires");
        assert_eq!(f.severity, Severity::High);
        for why in [
            "direct internet access enabled (default)",
            "root access enabled (default)",
            "no VPC subnet",
            "no KMS key",
        ] {
            assert!(f.summary.contains(why), "{why} missing from {}", f.summary);
        }
        assert_eq!(f.resources[0], "research-nb");
    }

    #[test]
    fn severity_is_the_worst_reason() {
        assert_eq!(
            sample_severity(ID, "events/sagemaker/CreateNotebookInstance-no-kms.json"),
            Some(Severity::Low)
        );
        assert_eq!(
            sample_severity(ID, "events/sagemaker/UpdateNotebookInstance-root-access.json"),
            Some(Severity::Medium)
        );
    }
}

/// `sagemaker.presigned_url_created`
mod presigned_url_created {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "sagemaker.presigned_url_created";

    #[test]
    fn long_term_key_raises_severity() {
        assert_eq!(
            sample_severity(ID, "events/sagemaker/CreatePresignedNotebookInstanceUrl.json"),
            Some(Severity::Low)
        );
        let f = sample_finding(ID, "events/sagemaker/CreatePresignedDomainUrl-access-key.json").expect("fires");
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.resources[0], "d-7xk2q9m4z1ab/data-scientist-1");
        assert!(f.summary.contains("long-term access key"), "{}", f.summary);
    }
}
