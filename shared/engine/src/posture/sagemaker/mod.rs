//! Amazon SageMaker AI: notebook instances, domains, endpoint configurations, models and
//! training jobs exposed to the internet, left unencrypted or unrecorded.

mod domain_public_internet_only;
mod domain_without_kms_key;
mod endpoint_config_without_data_capture;
mod endpoint_config_without_kms_key;
mod model_network_isolation_disabled;
mod notebook_direct_internet_access;
mod notebook_outside_vpc;
mod notebook_root_access;
mod notebook_without_kms_key;
mod training_job_intercontainer_encryption_disabled;
mod training_job_outside_vpc;

use super::PostureCheck;

/// The SageMaker posture checks.
pub fn all() -> Vec<Box<dyn PostureCheck>> {
    vec![
        Box::new(notebook_direct_internet_access::CHECK),
        Box::new(notebook_root_access::CHECK),
        Box::new(notebook_outside_vpc::CHECK),
        Box::new(notebook_without_kms_key::CHECK),
        Box::new(domain_public_internet_only::CHECK),
        Box::new(domain_without_kms_key::CHECK),
        Box::new(endpoint_config_without_kms_key::CHECK),
        Box::new(endpoint_config_without_data_capture::CHECK),
        Box::new(model_network_isolation_disabled::CHECK),
        Box::new(training_job_intercontainer_encryption_disabled::CHECK),
        Box::new(training_job_outside_vpc::CHECK),
    ]
}
