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

/// A function's environment as its settings read it: values trimmed, an empty one counts as
/// unset, and every error names its variable.
pub struct Env<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// The trimmed value of `var`, `None` when unset or blank.
    pub fn value(&self, var: &str) -> Option<String> {
        (self.0)(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// The value of `var`, which names the `what`.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] when it is unset or blank.
    pub fn required(&self, var: &'static str, what: &'static str) -> Result<String, ConfigError> {
        self.value(var).ok_or(ConfigError::Missing(var, what))
    }

    /// The value of `var` parsed, `default` when unset or blank.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] with the parser's reason.
    pub fn parsed<T: std::str::FromStr<Err = String>>(&self, var: &'static str, default: T) -> Result<T, ConfigError> {
        match self.value(var) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|why| ConfigError::Invalid { var, why }),
        }
    }
}

/// Why `name` is not an IAM role name, if it is not: 1 to 64 letters, digits and `+=,.@_-`
/// (the member role the responder and the detector's lookups assume).
///
/// # Errors
/// A message saying what a role name is.
pub fn check_role_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if !name.is_empty() && name.len() <= 64 && name.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an IAM role name (at most 64 letters, digits and +=,.@_-; no path)"
        ))
    }
}

/// A comma-separated list: items trimmed, empty items left out; unset is empty.
pub fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A comma-separated list of 12-digit account ids, read from `var`.
///
/// # Errors
/// [`ConfigError::Invalid`] naming `var` and the first item that is no account id.
pub fn account_ids(var: &'static str, value: Option<String>) -> Result<Vec<String>, ConfigError> {
    let ids = list(value);
    match ids.iter().find(|id| !aidr_engine::aws_ids::is_account_id(id)) {
        Some(bad) => Err(ConfigError::Invalid {
            var,
            why: format!("{bad:?} is not a 12-digit AWS account id"),
        }),
        None => Ok(ids),
    }
}
