//! Amazon SageMaker: notebook instances exposed to the internet.

mod notebook_direct_internet_access;

use super::PostureCheck;

/// The SageMaker posture checks.
pub fn all() -> Vec<Box<dyn PostureCheck>> {
    vec![Box::new(notebook_direct_internet_access::CHECK)]
}
