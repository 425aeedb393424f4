//! Why a rule does not compile.

use std::fmt;

/// A rule that does not compile: where in it, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// Where in the rule, as a path of its keys: `id`, `condition.all[1].regex`, `summary`.
    pub at: String,
    pub message: String,
    pub hint: Option<String>,
    /// The offending text as written (a path, a pattern), which [`super::load`] looks for to
    /// name the line.
    pub text: Option<String>,
}

impl CompileError {
    /// An error at `at` (a key path of the rule).
    pub fn new(at: impl Into<String>, message: impl Into<String>) -> CompileError {
        CompileError {
            at: at.into(),
            message: message.into(),
            hint: None,
            text: None,
        }
    }

    /// The same error with a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> CompileError {
        self.hint = Some(hint.into());
        self
    }

    /// The same error, naming the offending text as written.
    pub fn text(mut self, text: impl Into<String>) -> CompileError {
        self.text = Some(text.into());
        self
    }

    /// The same error under the key path `outer` (`condition.all[0]` + `regex`).
    pub(crate) fn within(mut self, outer: &str) -> CompileError {
        self.at = if self.at.is_empty() {
            outer.to_owned()
        } else if self.at.starts_with('[') {
            format!("{outer}{}", self.at)
        } else {
            format!("{outer}.{}", self.at)
        };
        self
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}
