//! Verdicts of the bedrock rules on their samples: severities, summaries, resources.

/// `bedrock.api_key_created`
mod api_key_created {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "bedrock.api_key_created";

    #[test]
    fn severity_follows_expiry() {
        assert_eq!(
            sample_severity(ID, "events/iam/CreateServiceSpecificCredential-bedrock.json"),
            Some(Severity::Medium)
        );
        assert_eq!(
            sample_severity(ID, "events/iam/CreateServiceSpecificCredential-bedrock-no-expiry.json"),
            Some(Severity::High)
        );
    }

    #[test]
    fn summary_and_resources() {
        let f = sample_finding(ID, "events/iam/CreateServiceSpecificCredential-bedrock-no-expiry.json").unwrap();
        assert!(
            f.summary.contains("that never expires for IAM user BedrockAPIKey-"),
            "{}",
            f.summary
        );
        assert!(f.resources[0].starts_with("BedrockAPIKey-"));
        assert_eq!(f.resources.len(), 2);
    }
}

/// `bedrock.guardrail_weakened`
mod guardrail_weakened {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "bedrock.guardrail_weakened";

    fn summary(sample: &str) -> String {
        sample_finding(ID, sample).unwrap().summary
    }

    #[test]
    fn severity_per_weakening() {
        for (sample, severity) in [
            ("UpdateGuardrail-content-filters-emptied", Severity::High),
            ("UpdateGuardrail-filters-not-shown", Severity::Low),
            ("UpdateGuardrail-omitted", Severity::Low),
            ("UpdateGuardrail-low-strength", Severity::Medium),
            ("UpdateGuardrail-filter-disabled", Severity::High),
            ("UpdateGuardrail-grounding-threshold", Severity::Medium),
            ("DeleteEnforcedGuardrailConfiguration", Severity::High),
        ] {
            assert_eq!(
                sample_severity(ID, &format!("events/bedrock/{sample}.json")),
                Some(severity),
                "{sample}"
            );
        }
    }

    #[test]
    fn summary_lists_each_weakening() {
        let s = summary("events/bedrock/UpdateGuardrail-low-strength.json");
        assert!(s.contains("HATE input strength LOW; HATE output strength LOW"), "{s}");
        assert!(s.contains("no filter for MISCONDUCT"), "{s}");
        let s = summary("events/bedrock/UpdateGuardrail-filter-disabled.json");
        assert!(s.contains("PROMPT_ATTACK input filter disabled"), "{s}");
        assert!(s.contains("VIOLENCE output filter detects only"), "{s}");
        let s = summary("events/bedrock/UpdateGuardrail-grounding-threshold.json");
        assert!(s.contains("GROUNDING check threshold 0.2 below 0.5"), "{s}");
        let s = summary("events/bedrock/UpdateGuardrail-filters-not-shown.json");
        assert!(
            s.contains("its content filters are not in the record")
                && s.contains("GetGuardrail")
                && !s.contains("weakened"),
            "{s}"
        );
    }
}

/// `bedrock.invocation_logging_deleted`
mod invocation_logging_deleted {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_severity;

    #[test]
    fn long_term_key_is_critical() {
        let id = "bedrock.invocation_logging_deleted";
        assert_eq!(
            sample_severity(id, "events/bedrock/DeleteModelInvocationLoggingConfiguration.json"),
            Some(Severity::High)
        );
        assert_eq!(
            sample_severity(
                id,
                "events/bedrock/DeleteModelInvocationLoggingConfiguration-long-term-key.json"
            ),
            Some(Severity::Critical)
        );
    }
}

/// `bedrock.invocation_logging_weakened`
mod invocation_logging_weakened {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "bedrock.invocation_logging_weakened";

    #[test]
    fn severity_per_weakening() {
        for (sample, severity) in [
            ("no-destination", Severity::High),
            ("delivery-off", Severity::High),
            ("text-off", Severity::Medium),
            ("external-role", Severity::High),
        ] {
            let path = format!("events/bedrock/PutModelInvocationLoggingConfiguration-{sample}.json");
            assert_eq!(sample_severity(ID, &path), Some(severity), "{sample}");
        }
    }

    #[test]
    fn summary_names_the_reason() {
        let f = sample_finding(
            ID,
            "events/bedrock/PutModelInvocationLoggingConfiguration-external-role.json",
        )
        .unwrap();
        assert!(f.summary.contains("external account 444455556666"), "{}", f.summary);
        assert_eq!(f.resources[0], "bedrock-invocation-logs-111122223333");
    }
}

/// `bedrock.model_access_enabled`
mod model_access_enabled {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_severity;

    #[test]
    fn severity_follows_context() {
        assert_eq!(
            sample_severity(
                "bedrock.model_access_enabled",
                "events/bedrock/PutFoundationModelEntitlement-denied.json"
            ),
            Some(Severity::Low)
        );
        assert_eq!(
            sample_severity(
                "bedrock.model_access_enabled",
                "events/bedrock/CreateFoundationModelAgreement.json"
            ),
            Some(Severity::High)
        );
        assert_eq!(
            sample_severity(
                "bedrock.model_access_enabled",
                "events/bedrock/PutUseCaseForModelAccess.json"
            ),
            Some(Severity::Medium)
        );
    }

    #[test]
    fn a_background_marketplace_subscription_is_low() {
        let f = aidr_testkit::samples::sample_finding(
            "bedrock.model_access_enabled",
            "events/aws-marketplace/Subscribe-bedrock-model.json",
        )
        .unwrap();
        assert_eq!(f.severity, Severity::Low);
        assert!(
            f.summary
                .contains("subscribed to an AWS Marketplace product for prod-4dlfvry4v5hbi")
                && f.summary
                    .contains("(made by bedrock.amazonaws.com on the customer's behalf)"),
            "{}",
            f.summary
        );
    }
}

/// `bedrock.model_job_external_storage`
mod model_job_external_storage {
    use aidr_testkit::samples::sample_finding;

    const ID: &str = "bedrock.model_job_external_storage";

    #[test]
    fn summary_names_the_external_part() {
        for (sample, part) in [
            (
                "CreateModelInvocationJob-external-output",
                "output bucket owner in external account 444455556666",
            ),
            (
                "CreateModelCopyJob-external-source",
                "source model in external account 444455556666",
            ),
            (
                "CreateModelCustomizationJob-external-kms-key",
                "model KMS key in external account 444455556666",
            ),
        ] {
            let f = sample_finding(ID, &format!("events/bedrock/{sample}.json")).unwrap();
            assert!(f.summary.contains(part), "{}", f.summary);
        }
    }
}

/// `bedrock.resource_policy_exposed`
mod resource_policy_exposed {
    use aidr_engine::Organization;
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_findings_with, sample_severity};

    const ID: &str = "bedrock.resource_policy_exposed";

    #[test]
    fn public_is_critical_cross_account_high() {
        assert_eq!(
            sample_severity(ID, "events/bedrock/PutResourcePolicy-public.json"),
            Some(Severity::Critical)
        );
        assert_eq!(
            sample_severity(ID, "events/bedrock/PutResourcePolicy-cross-account.json"),
            Some(Severity::High)
        );
    }

    #[test]
    fn wildcard_account_in_a_condition_is_public() {
        assert_eq!(
            sample_severity(ID, "events/bedrock/PutResourcePolicy-wildcard-condition.json"),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn organization_accounts_are_not_external() {
        let org = Organization {
            accounts: vec!["444455556666".into()],
        };
        let findings = sample_findings_with("events/bedrock/PutResourcePolicy-cross-account.json", org);
        assert!(!findings.iter().any(|f| f.rule_id == ID));
    }
}

/// `bedrock.invocation_long_term_key`
mod invocation_long_term_key {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "bedrock.invocation_long_term_key";

    #[test]
    fn a_failed_key_test_is_low_and_says_what_it_proves() {
        let f = sample_finding(
            ID,
            "events/bedrock/InvokeModelWithResponseStream-invalid-long-term-key.json",
        )
        .unwrap();
        assert_eq!(f.severity, Severity::Low);
        assert!(
            f.summary
                .contains("tried to invoke model anthropic.claude-3-haiku-20240307-v1:0 with a long-term access key")
                && f.summary
                    .contains("ValidationException proves the credential reaches the model")
                && f.summary.ends_with("[failed: ValidationException]"),
            "{}",
            f.summary
        );
        assert_eq!(f.resources, ["anthropic.claude-3-haiku-20240307-v1:0"]);
    }

    #[test]
    fn bedrock_mantle_inference_is_covered() {
        let f = sample_finding(ID, "events/bedrock-mantle/CreateInference-long-term-key.json").unwrap();
        assert_eq!(f.severity, Severity::Low);
        assert!(
            f.summary
                .contains("invoked model openai.gpt-oss-120b with a long-term access key"),
            "{}",
            f.summary
        );
        let denied = sample_finding(
            ID,
            "events/bedrock-mantle/CreateInference-short-term-api-key-denied.json",
        )
        .unwrap();
        assert_eq!(denied.severity, Severity::Low);
        assert!(
            denied.summary.contains("with a short-term Bedrock API key"),
            "{}",
            denied.summary
        );
    }

    #[test]
    fn root_is_medium_and_roles_are_quiet() {
        assert_eq!(
            sample_severity(ID, "events/bedrock/InvokeModel-long-term-key.json"),
            Some(Severity::Low)
        );
        assert_eq!(
            sample_severity(ID, "events/bedrock/Converse-root.json"),
            Some(Severity::Medium)
        );
        assert_eq!(
            sample_severity(ID, "events/bedrock/InvokeModel-role-session-invalid.json"),
            None
        );
    }
}

/// `bedrock.api_key_user_activity`
mod api_key_user_activity {
    use aidr_engine::Severity;
    use aidr_testkit::samples::{sample_finding, sample_severity};

    const ID: &str = "bedrock.api_key_user_activity";

    #[test]
    fn reads_are_medium_and_writes_high() {
        let f = sample_finding(ID, "events/sts/GetCallerIdentity-bedrock-api-key-user.json").unwrap();
        assert_eq!(f.severity, Severity::Medium);
        assert!(
            f.summary.starts_with(
                "BedrockAPIKey-x7q2 (the identity of a Bedrock API key) called sts:GetCallerIdentity outside Bedrock"
            ),
            "{}",
            f.summary
        );
        assert_eq!(
            sample_severity(ID, "events/iam/CreateUser-bedrock-api-key-user.json"),
            Some(Severity::High)
        );
    }
}

/// `bedrock.recon_long_term_key`
mod recon_long_term_key {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_finding;

    const ID: &str = "bedrock.recon_long_term_key";

    #[test]
    fn one_discovery_call_is_low() {
        let f = sample_finding(ID, "events/bedrock/GetFoundationModelAvailability-long-term-key.json").unwrap();
        assert_eq!(f.severity, Severity::Low);
        assert!(
            f.summary.contains(
                "called Bedrock GetFoundationModelAvailability for anthropic.claude-3-5-sonnet-20240620-v1:0 with a long-term access key"
            ),
            "{}",
            f.summary
        );
        let root = sample_finding(ID, "events/bedrock-mantle/ListModels-root.json").unwrap();
        assert!(
            root.summary.starts_with("root called Bedrock ListModels"),
            "{}",
            root.summary
        );
    }
}
