//! Amazon SageMaker: notebooks, lifecycle scripts, endpoints, jobs, domains, monitoring.

use crate::rule::Rule;

/// The SageMaker rules.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![]
}
