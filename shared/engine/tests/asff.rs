//! Findings in ASFF: the required fields, a stable id, the types, the limits on an oversized
//! finding, and the resource of a posture finding.

use aidr_engine::asff::{self, AsffError, default_product_arn, product_arn_of, to_asff};
use aidr_engine::{DetectionKind, Organization, Subject, text};
use aidr_testkit::samples::{run_sample, sample_finding};

const NOW: &str = "2026-10-01T00:00:00Z";

#[test]
fn an_event_finding_maps_to_every_required_field() {
    let f = sample_finding("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json").unwrap();
    let arn = product_arn_of(&f).unwrap();
    assert_eq!(
        arn,
        "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default"
    );
    let a = to_asff(&f, &arn, NOW).unwrap();
    assert_eq!(a["SchemaVersion"], "2018-10-08");
    assert_eq!(a["Id"], format!("aidr/{}", f.dedupe_key));
    assert_eq!(a["ProductArn"], arn);
    assert_eq!(a["GeneratorId"], "iam.admin_policy_attached");
    assert_eq!(a["AwsAccountId"], "111122223333");
    assert_eq!(a["Region"], "us-east-1");
    assert_eq!(a["CreatedAt"], f.time().unwrap());
    assert_eq!(a["FirstObservedAt"], f.time().unwrap());
    assert_eq!(a["UpdatedAt"], NOW);
    assert_eq!(a["Severity"]["Label"], f.severity.as_str().to_ascii_uppercase());
    assert_eq!(a["Severity"]["Original"], f.severity.as_str());
    assert_eq!(a["FindingProviderFields"]["Severity"], a["Severity"]);
    assert_eq!(a["FindingProviderFields"]["Types"], a["Types"]);
    assert_eq!(a["Title"], f.title.as_str());
    assert_eq!(a["Description"], f.summary.as_str());
    assert_eq!(a["Workflow"]["Status"], "NEW");
    assert_eq!(a["RecordState"], "ACTIVE");
    assert_eq!(a["ProductFields"]["aidr/EventIds"], f.event_ids().join(","));
    assert_eq!(a["ProductFields"]["aidr/DedupeKey"], f.dedupe_key.as_str());
    for value in a["ProductFields"].as_object().unwrap().values() {
        assert!(value.is_string());
    }
    let types: Vec<&str> = a["Types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(!types.is_empty());
    for t in &types {
        assert_eq!(t.split('/').count(), 3, "{t}");
    }
    assert!(a["SourceUrl"].as_str().unwrap().ends_with(&f.event_ids()[0]));
    let resource = &a["Resources"][0];
    assert_eq!(resource["Partition"], "aws");
    assert!(resource["Id"].is_string() && resource["Type"].is_string());
    // A repeat (same dedupe key, later event) updates the same finding.
    let mut later = f.clone();
    if let Subject::Events(e) = &mut later.subject {
        e.event_ids = vec!["another-event".into()];
        e.event_time = Some("2026-10-02T00:00:00Z".into());
    }
    assert_eq!(to_asff(&later, &arn, NOW).unwrap()["Id"], a["Id"]);
}

#[test]
fn techniques_map_to_asff_types() {
    assert_eq!(asff::finding_type("T1098.001").unwrap(), "TTPs/Persistence/T1098.001");
    assert_eq!(
        asff::finding_type("T1078.004").unwrap(),
        "TTPs/Initial Access/T1078.004"
    );
    assert_eq!(
        asff::finding_type("T1496").unwrap(),
        "Effects/Resource Consumption/T1496"
    );
    assert_eq!(
        asff::finding_type("AML.T0034").unwrap(),
        "Effects/Resource Consumption/AML.T0034"
    );
    assert_eq!(
        asff::finding_type("T1562.008").unwrap(),
        "TTPs/Defense Evasion/T1562.008"
    );
    assert_eq!(asff::finding_type("T9999"), None);
    assert_eq!(asff::label(aidr_engine::Severity::Info), "INFORMATIONAL");
    assert_eq!(
        default_product_arn("cn-north-1", "111122223333"),
        "arn:aws-cn:securityhub:cn-north-1:111122223333:product/111122223333/default"
    );
}

#[test]
fn a_posture_finding_is_a_configuration_check_on_its_resource() {
    let f = run_sample(
        DetectionKind::Posture,
        "samples/posture/sagemaker/NotebookInstance-direct-internet.json",
        Organization::default(),
    )
    .unwrap()
    .remove(0);
    let a = to_asff(&f, &product_arn_of(&f).unwrap(), NOW).unwrap();
    assert_eq!(
        a["Types"][0],
        format!(
            "Software and Configuration Checks/AWS Security Best Practices/{}",
            f.rule_id
        )
    );
    assert_eq!(a["Resources"][0]["Type"], "AwsSageMakerNotebookInstance");
    assert_eq!(a["Resources"][0]["Id"], f.resource().unwrap().arn.as_str());
    assert!(a.get("SourceUrl").is_none());
}

#[test]
fn a_global_resource_is_reported_in_the_home_region_of_iam() {
    let f = run_sample(
        DetectionKind::Posture,
        "samples/posture/iam/Role-external-trust.json",
        Organization::default(),
    )
    .unwrap()
    .remove(0);
    assert_eq!(f.region.as_deref(), Some("global"));
    let product = product_arn_of(&f).unwrap();
    assert!(product.starts_with("arn:aws:securityhub:us-east-1:"), "{product}");
    let a = to_asff(&f, &product, NOW).unwrap();
    assert_eq!(a["Region"], "us-east-1");
}

#[test]
fn an_oversized_finding_keeps_to_asff_limits() {
    let mut f = sample_finding("iam.admin_policy_attached", "events/iam/AttachUserPolicy.json").unwrap();
    let big = "Ünïcødé 😀 ".repeat(5000);
    f.title = big.clone();
    f.summary = big.clone();
    f.remediation = big.clone();
    f.dedupe_key = big.clone();
    f.resources = (0..100)
        .map(|i| format!("arn:aws:iam::111122223333:role/r{i}"))
        .collect();
    if let Subject::Events(e) = &mut f.subject {
        e.event_ids = (0..200).map(|i| format!("{i:036}")).collect();
    }
    let a = to_asff(&f, "arn", NOW).unwrap();
    assert!(text::len(a["Title"].as_str().unwrap()) <= asff::TITLE_MAX);
    assert!(text::len(a["Description"].as_str().unwrap()) <= asff::DESCRIPTION_MAX);
    assert!(text::len(a["Remediation"]["Recommendation"]["Text"].as_str().unwrap()) <= asff::RECOMMENDATION_MAX);
    assert!(a["Id"].as_str().unwrap().len() <= asff::ID_MAX);
    assert_eq!(a["Resources"].as_array().unwrap().len(), asff::MAX_RESOURCES);
    assert_eq!(a["Resources"][0]["Type"], "AwsIamRole");
    let fields = a["ProductFields"].as_object().unwrap();
    assert!(fields.len() <= asff::MAX_PRODUCT_FIELDS);
    for (k, v) in fields {
        assert!(text::len(k) <= asff::PRODUCT_FIELD_KEY_MAX);
        assert!(text::len(v.as_str().unwrap()) <= asff::PRODUCT_FIELD_VALUE_MAX);
    }
    f.account = None;
    assert!(matches!(
        to_asff(&f, "arn", NOW),
        Err(AsffError::Missing { missing: "account", .. })
    ));
}
