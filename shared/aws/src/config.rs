//! What the Lambdas' settings share: the error that stops a function at cold start when a
//! setting read from its environment is missing or invalid, naming the variable.

/// A variable that is missing or invalid, or settings that do not make a working function.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set (it names the {1})")]
    Missing(&'static str, &'static str),
    #[error("environment variable {var} is invalid: {why}")]
    Invalid { var: &'static str, why: String },
    /// Each variable is valid, but together they leave the function nothing to do (a notifier
    /// without a destination).
    #[error("{0}")]
    Incomplete(&'static str),
}
