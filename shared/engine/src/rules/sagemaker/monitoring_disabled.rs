//! Model monitoring was stopped or deleted, or an endpoint configuration turned data
//! capture off.

use crate::rules::prelude::*;
use crate::rules::support::{flag, or_unknown};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "sagemaker.monitoring_disabled",
        title: "SageMaker model monitoring disabled",
        severity: Severity::Medium,
        area: Area::Model,
        techniques: &["T1562.001"],
        description: "A Model Monitor schedule was deleted or stopped (medium), or an endpoint \
            configuration was created with data capture explicitly turned off (low). Monitoring \
            schedules compare live inference data with a baseline and raise drift, bias and \
            data-quality violations; data capture records the requests and responses they \
            judge. Turning either off hides model misuse, poisoning effects and evasion \
            attempts from the people who watch the model.",
        remediation: "Confirm the change was planned. If not, restart the schedule \
            (StartMonitoringSchedule) or recreate it from its definition, and switch the \
            endpoint back to a configuration with data capture enabled. Limit \
            sagemaker:DeleteMonitoringSchedule and sagemaker:StopMonitoringSchedule to the \
            model owners.",
        controls: &[],
        events: &[
            ("sagemaker.amazonaws.com", "DeleteMonitoringSchedule"),
            ("sagemaker.amazonaws.com", "StopMonitoringSchedule"),
            ("sagemaker.amazonaws.com", "CreateEndpointConfig"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/sagemaker/DeleteMonitoringSchedule.json",
                "events/sagemaker/StopMonitoringSchedule.json",
                "events/sagemaker/CreateEndpointConfig-capture-disabled.json",
            ],
            must_not_fire: &[
                "events/sagemaker/CreateEndpointConfig.json",
                "events/sagemaker/StopMonitoringSchedule-denied.json",
            ],
        },
    },
    check,
};

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if ev.name() == "CreateEndpointConfig" {
        if flag(ev.req("dataCaptureConfig.enableCapture")) != Some(false) {
            return None;
        }
        let name = ev.req_str("endpointConfigName");
        let action = format!(
            "created endpoint configuration {} with data capture disabled",
            or_unknown(name)
        );
        return Some(Hit::new(Severity::Low, action).resource(name));
    }
    let name = ev.req_str("monitoringScheduleName");
    let verb = if ev.name() == "DeleteMonitoringSchedule" {
        "deleted"
    } else {
        "stopped"
    };
    let action = format!("{verb} monitoring schedule {}", or_unknown(name));
    Some(Hit::new(RULE.metadata.severity, action).resource(name))
}
