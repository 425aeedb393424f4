//! The flags `scan`, `posture` and `paths` share: what is reported, what fails the run, and
//! which accounts are the organization's.

use std::process::ExitCode;

use aidr_engine::{Organization, Severity};

#[derive(clap::Args)]
pub struct Gate {
    /// Report only findings (or paths) at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    pub min_severity: Severity,
    /// Exit with status 1 when a reported finding (or path) is at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// An account id of your organization (repeatable, or comma-separated): principals and
    /// destinations in other accounts count as external.
    #[arg(long = "org-account", value_name = "ACCOUNT_ID", value_delimiter = ',')]
    pub org_accounts: Vec<String>,
}

impl Gate {
    /// The organization of `--org-account`, or exit status 2 after saying which is no account
    /// id.
    pub fn organization(&self) -> Result<Organization, ExitCode> {
        crate::organization(&self.org_accounts)
    }

    /// Whether `highest` (the most severe reported) reaches `--fail-on`.
    pub fn fails(&self, highest: Option<Severity>) -> bool {
        self.fail_on.is_some_and(|level| highest >= Some(level))
    }

    /// Exit status 1 when `highest` reaches `--fail-on`, else 0.
    pub fn exit(&self, highest: Option<Severity>) -> ExitCode {
        if self.fails(highest) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}
