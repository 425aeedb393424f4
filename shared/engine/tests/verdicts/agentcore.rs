//! Verdicts of the agentcore rules on their samples: severities, summaries, resources.

/// `agentcore.runtime_public_network`
mod runtime_public_network {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_finding;

    const ID: &str = "agentcore.runtime_public_network";

    #[test]
    fn public_runtime_is_high_and_keeps_secrets_out_of_the_summary() {
        let f = sample_finding(ID, "events/bedrock-agentcore/CreateAgentRuntime-public.json").expect("fires");
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.summary
                .contains("created agent runtime support_agent with PUBLIC network mode"),
            "{}",
            f.summary
        );
        // The sample's environment variables hold a token: neither name nor value is shown.
        assert!(!f.summary.contains("tkn-example") && !f.summary.contains("TICKETS_API_TOKEN"));
        assert_eq!(
            f.resources[0],
            "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/support_agent-k3Xq9ZpL2m"
        );
    }

    #[test]
    fn an_update_to_public_is_high_even_with_a_jwt_authorizer() {
        let f = sample_finding(ID, "events/bedrock-agentcore/UpdateAgentRuntime-public.json").expect("fires");
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.summary.contains("updated agent runtime billing_agent-T7wNc4Rb8v"),
            "{}",
            f.summary
        );
    }
}

/// `agentcore.gateway_no_authorizer`
mod gateway_no_authorizer {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_finding;

    const ID: &str = "agentcore.gateway_no_authorizer";

    #[test]
    fn authorizer_type_none_is_high_on_create_and_update() {
        let f = sample_finding(ID, "events/bedrock-agentcore/CreateGateway-no-auth.json").expect("fires");
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.summary
                .contains("created gateway crm-tools with no inbound authorization"),
            "{}",
            f.summary
        );
        assert_eq!(
            f.resources[0],
            "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/crm-tools-8hq2vd0xkp"
        );
        let f = sample_finding(ID, "events/bedrock-agentcore/UpdateGateway-no-auth.json").expect("fires");
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.summary.contains("updated gateway hr-tools-3mz7rt5wby"),
            "{}",
            f.summary
        );
    }
}

/// `agentcore.tool_public_network`
mod tool_public_network {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_finding;

    const ID: &str = "agentcore.tool_public_network";

    #[test]
    fn public_code_interpreter_is_medium_public_browser_low() {
        let f = sample_finding(ID, "events/bedrock-agentcore/CreateCodeInterpreter-public.json").expect("fires");
        assert_eq!(f.severity, Severity::Medium);
        assert!(
            f.summary
                .contains("created code interpreter analytics_interpreter with PUBLIC"),
            "{}",
            f.summary
        );
        let f = sample_finding(ID, "events/bedrock-agentcore/CreateBrowser-public.json").expect("fires");
        assert_eq!(f.severity, Severity::Low);
        assert!(f.summary.contains("created browser research_browser"), "{}", f.summary);
        assert!(f.resources[0].ends_with(":browser-custom/research_browser-Pq6Rt1Yz0C"));
    }
}

/// `agentcore.no_customer_key`
mod no_customer_key {
    use aidr_engine::Severity;
    use aidr_testkit::samples::sample_finding;

    const ID: &str = "agentcore.no_customer_key";

    #[test]
    fn memory_and_gateway_without_a_key_are_low() {
        let f = sample_finding(ID, "events/bedrock-agentcore/CreateMemory.json").expect("fires");
        assert_eq!(f.severity, Severity::Low);
        assert!(
            f.summary
                .contains("created memory support_memory without a customer-managed KMS key (no encryptionKeyArn)"),
            "{}",
            f.summary
        );
        assert_eq!(
            f.resources[0],
            "arn:aws:bedrock-agentcore:us-east-1:111122223333:memory/support_memory-Zr4Tq8Wm1X"
        );
        let f = sample_finding(ID, "events/bedrock-agentcore/CreateGateway-no-auth.json").expect("fires");
        assert_eq!(f.severity, Severity::Low);
        assert!(f.summary.contains("(no kmsKeyArn)"), "{}", f.summary);
    }
}

/// `agentcore.resource_policy_exposed`
mod resource_policy_exposed {
    use aidr_engine::{Organization, Severity};
    use aidr_testkit::samples::{sample_finding, sample_findings_with, sample_severity};

    const ID: &str = "agentcore.resource_policy_exposed";
    const CROSS: &str = "events/bedrock-agentcore/PutResourcePolicy-cross-account.json";

    #[test]
    fn public_is_critical_cross_account_high() {
        let f = sample_finding(ID, "events/bedrock-agentcore/PutResourcePolicy-public.json").expect("fires");
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.summary.contains("to anyone (public)"), "{}", f.summary);
        assert!(f.resources[0].ends_with(":runtime/support_agent-k3Xq9ZpL2m"));
        let f = sample_finding(ID, CROSS).expect("fires");
        assert_eq!(f.severity, Severity::High);
        assert!(f.summary.contains("444455556666"), "{}", f.summary);
        assert_eq!(
            sample_severity(ID, "events/bedrock-agentcore/PutResourcePolicy-org.json"),
            None
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
