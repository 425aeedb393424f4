//! Notebook to admin (model theft, account takeover): a SageMaker notebook instance with
//! direct internet access runs as a role that is admin-equivalent, or that may pass an
//! admin-equivalent role of its account (`iam:PassRole`). Whoever gets code onto the notebook
//! (a leaked presigned URL, a malicious package or notebook, a compromised lifecycle script)
//! reads its role's credentials from the instance and becomes admin, directly or by starting
//! compute under the admin role.
//!
//! Steps: internet → notebook → its role → the admin role (the last is left out when the
//! notebook's own role is admin). Critical when the role is admin itself, or when it may also
//! start compute (an action of [`PASS_ROLE_PARTNERS`]) for a service the admin role trusts;
//! high when only the PassRole half is granted.

use crate::inventory::types::SAGEMAKER_NOTEBOOK;
use crate::policy::{PASS_ROLE_PARTNERS, Policy};
use crate::resource::ResourceSnapshot;
use crate::severity::Severity;

use super::index::{Index, Principal};
use super::{AttackPath, PathKind, Step};

pub const KIND: PathKind = PathKind {
    kind: "path.notebook_to_admin",
    title: "Internet-reachable SageMaker notebook to an admin role",
    severity: Severity::Critical,
    techniques: &["T1133", "T1078.004", "T1548", "AML.T0044", "AML.T0025"],
    description: "A SageMaker notebook instance with DirectInternetAccess Enabled runs as a role that grants all \
        actions on all resources, or that may pass such a role (iam:PassRole) to a service it may start compute \
        with. Code on the notebook reads the role's credentials from the instance metadata, so anyone who reaches \
        the notebook can take over the account and the models and data in it.",
    remediation: "Move the notebook into a VPC subnet with DirectInternetAccess Disabled, give its execution role only \
        the data and model access the work needs, and scope iam:PassRole to the roles the notebook must hand to \
        SageMaker jobs (with an iam:PassedToService condition).",
};

/// The notebooks that reach the internet and an admin role.
pub(super) fn find(index: &Index) -> Vec<AttackPath> {
    let mut out = Vec::new();
    for notebook in index.inventory.of_type(SAGEMAKER_NOTEBOOK) {
        if !enabled(notebook, "DirectInternetAccess") {
            continue;
        }
        let Some(role) = notebook.config_str("RoleArn").and_then(|arn| index.role(arn)) else {
            continue;
        };
        let name = notebook
            .config_str("NotebookInstanceName")
            .unwrap_or_else(|| notebook.display_name());
        let internet = Step::internet(format!("notebook {name} has DirectInternetAccess Enabled"));
        let root = if enabled(notebook, "RootAccess") {
            "; RootAccess Enabled"
        } else {
            ""
        };
        let notebook_step = Step::on(
            notebook,
            format!("notebook {name}"),
            format!(
                "runs as role {} (RoleArn){root}; status {}",
                role.name(),
                notebook.config_str("NotebookInstanceStatus").unwrap_or("unknown")
            ),
        );
        let path = |title: String, severity, steps| {
            AttackPath::new(&KIND, title, severity, &notebook.account, &notebook.region, steps)
        };
        if let Some(admin) = role.admin() {
            let role_step = Step::on(
                role.snapshot,
                format!("role {}", role.name()),
                format!("admin-equivalent: {} grants all actions on all resources", admin.name),
            );
            out.push(path(
                format!("Internet-reachable notebook {name} runs as admin role {}", role.name()),
                Severity::Critical,
                vec![internet, notebook_step, role_step],
            ));
            continue;
        }
        for target in &index.roles {
            if target.snapshot.arn == role.snapshot.arn || target.account() != role.account() {
                continue;
            }
            let Some(admin) = target.admin() else { continue };
            let Some(pass) = role.allowing("iam:PassRole", &target.snapshot.arn) else {
                continue;
            };
            let starter = compute_starter(role, target);
            let how = match &starter {
                Some((action, policy, service)) => {
                    format!("; {policy} allows {action}, which runs code as a passed role trusting {service}")
                }
                None => "; no action it is allowed starts compute as a service the target role trusts".into(),
            };
            let role_step = Step::on(
                role.snapshot,
                format!("role {}", role.name()),
                format!("{} allows iam:PassRole on {}{how}", pass.name, target.snapshot.arn),
            );
            let target_step = Step::on(
                target.snapshot,
                format!("role {}", target.name()),
                format!("admin-equivalent: {} grants all actions on all resources", admin.name),
            );
            let severity = if starter.is_some() {
                Severity::Critical
            } else {
                Severity::High
            };
            out.push(path(
                format!(
                    "Internet-reachable notebook {name} can pass admin role {}",
                    target.name()
                ),
                severity,
                vec![internet.clone(), notebook_step.clone(), role_step, target_step],
            ));
        }
    }
    out
}

fn enabled(resource: &ResourceSnapshot, field: &str) -> bool {
    resource
        .config_str(field)
        .is_some_and(|v| v.eq_ignore_ascii_case("Enabled"))
}

/// The first action of [`PASS_ROLE_PARTNERS`] that `role` may call and whose service
/// `target`'s trust policy lets assume it: (action, granting policy, service principal).
fn compute_starter(role: &Principal, target: &Principal) -> Option<(&'static str, String, String)> {
    let trust = target.trust()?;
    PASS_ROLE_PARTNERS.iter().find_map(|&action| {
        let service = service_principal(action);
        let policy = role.allowing(action, "*")?;
        trusts_service(&trust, &service).then(|| (action, policy.name.clone(), service))
    })
}

/// The service principal that runs compute started by `action`: `ecs:RunTask` runs tasks as
/// `ecs-tasks.amazonaws.com`, others as `<prefix>.amazonaws.com`.
fn service_principal(action: &str) -> String {
    match action.split_once(':').map_or(action, |(s, _)| s) {
        "ecs" => "ecs-tasks.amazonaws.com".into(),
        prefix => format!("{prefix}.amazonaws.com"),
    }
}

/// True when an Allow statement of the trust policy names `service` as a principal.
fn trusts_service(trust: &Policy, service: &str) -> bool {
    trust.statements.iter().any(|st| {
        st.allow
            && !st.not_principal
            && st
                .principals
                .iter()
                .any(|(kind, value)| kind == "Service" && value.eq_ignore_ascii_case(service))
    })
}
