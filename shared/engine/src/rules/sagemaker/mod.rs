//! Amazon SageMaker: notebooks, lifecycle scripts, endpoints, jobs, domains, monitoring.

mod domain_public_internet;
mod endpoint_config_unencrypted;
mod job_insecure;
mod lifecycle_config_suspicious;
mod model_package_group_policy_exposed;
mod monitoring_disabled;
mod notebook_insecure;
mod presigned_url_created;

use crate::rules::EventRule;

/// The SageMaker rules.
pub fn all() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(notebook_insecure::RULE),
        Box::new(lifecycle_config_suspicious::RULE),
        Box::new(presigned_url_created::RULE),
        Box::new(endpoint_config_unencrypted::RULE),
        Box::new(job_insecure::RULE),
        Box::new(domain_public_internet::RULE),
        Box::new(model_package_group_policy_exposed::RULE),
        Box::new(monitoring_disabled::RULE),
    ]
}
