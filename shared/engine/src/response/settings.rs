//! How the responder is allowed to act: a mode per playbook and the guards checked before any
//! call. Parsed from the forms the Lambda's environment variables take.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::playbook::Playbook;
use crate::policy::wildcard_match;
use crate::severity::Severity;

/// How a playbook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Not at all.
    Off,
    /// Checks the guards and reads the state, records what it would do, changes nothing.
    #[default]
    DryRun,
    /// Acts.
    Enforce,
}

impl Mode {
    /// `off`, `dry-run` or `enforce`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::DryRun => "dry-run",
            Mode::Enforce => "enforce",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Mode, String> {
        match s.trim() {
            "off" => Ok(Mode::Off),
            "dry-run" => Ok(Mode::DryRun),
            "enforce" => Ok(Mode::Enforce),
            other => Err(format!("unknown mode {other:?} (off, dry-run or enforce)")),
        }
    }
}

/// The tag that exempts a target from every playbook: `aidr:response=skip`.
pub const SKIP_TAG: (&str, &str) = ("aidr:response", "skip");

/// The default of [`Settings::max_actions_per_hour`].
pub const DEFAULT_MAX_ACTIONS_PER_HOUR: i64 = 10;

/// The responder's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The mode of playbooks not in `modes` (`AIDR_RESPONSE_MODE`, default dry-run).
    pub default_mode: Mode,
    /// Per-playbook modes (`AIDR_RESPONSE_PLAYBOOKS`).
    pub modes: BTreeMap<Playbook, Mode>,
    /// Principal ARN patterns (`*`, `?`) never acted on or for (`AIDR_RESPONSE_ALLOW_PRINCIPALS`).
    pub allow_principals: Vec<String>,
    /// Account id patterns left alone (`AIDR_RESPONSE_ALLOW_ACCOUNTS`).
    pub allow_accounts: Vec<String>,
    /// aidr's own roles and the principals that deployed it: never acted on
    /// (`AIDR_RESPONSE_PROTECTED_PRINCIPALS`).
    pub protected_principals: Vec<String>,
    /// Findings below this severity are not acted on (`AIDR_RESPONSE_MIN_SEVERITY`, default
    /// high).
    pub min_severity: Severity,
    /// Enforced actions per account per clock hour; the next one stops and alerts
    /// (`AIDR_RESPONSE_MAX_ACTIONS_PER_HOUR`, default [`DEFAULT_MAX_ACTIONS_PER_HOUR`]).
    pub max_actions_per_hour: i64,
    /// The Bedrock logging configuration to restore, when set; else the last one seen
    /// (`AIDR_RESPONSE_LOGGING_CONFIG`, the API's `loggingConfig` JSON).
    pub logging_config: Option<Value>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            default_mode: Mode::DryRun,
            modes: BTreeMap::new(),
            allow_principals: Vec::new(),
            allow_accounts: Vec::new(),
            protected_principals: Vec::new(),
            min_severity: Severity::High,
            max_actions_per_hour: DEFAULT_MAX_ACTIONS_PER_HOUR,
            logging_config: None,
        }
    }
}

impl Settings {
    /// The mode `playbook` runs in.
    pub fn mode(&self, playbook: Playbook) -> Mode {
        self.modes.get(&playbook).copied().unwrap_or(self.default_mode)
    }

    /// The playbooks that are not off.
    pub fn enabled(&self) -> Vec<Playbook> {
        Playbook::ALL
            .into_iter()
            .filter(|p| self.mode(*p) != Mode::Off)
            .collect()
    }

    /// Whether `account` is allowlisted.
    pub fn account_allowed(&self, account: &str) -> bool {
        self.allow_accounts.iter().any(|p| wildcard_match(p, account))
    }

    /// The first allowlist or protection pattern among `arns`, and which list it is in.
    pub fn exempt_principal<'a>(&'a self, arns: &[String]) -> Option<(&'static str, &'a str)> {
        let find = |list: &'a [String]| {
            list.iter()
                .find(|p| arns.iter().any(|arn| wildcard_match(p, arn)))
                .map(String::as_str)
        };
        find(&self.protected_principals)
            .map(|p| ("protected (aidr's own or its deployer)", p))
            .or_else(|| find(&self.allow_principals).map(|p| ("allowlisted", p)))
    }
}

/// Parses `playbook=mode,…` (spaces allowed, empty for none).
///
/// # Errors
/// The first unknown playbook or mode, an entry without `=`, or a playbook given twice.
pub fn parse_modes(text: &str) -> Result<BTreeMap<Playbook, Mode>, String> {
    let mut modes = BTreeMap::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (playbook, mode) = entry
            .split_once('=')
            .ok_or_else(|| format!("{entry:?} is not playbook=mode"))?;
        let playbook: Playbook = playbook.trim().parse()?;
        if modes.insert(playbook, mode.parse()?).is_some() {
            return Err(format!("{playbook} is given twice"));
        }
    }
    Ok(modes)
}

/// Splits a comma-separated list of patterns, dropping empty entries.
pub fn parse_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_unknown_names_are_refused() {
        let modes = parse_modes(" deactivate-access-key=enforce, stop-notebook-instance = off ").unwrap();
        assert_eq!(modes[&Playbook::DeactivateAccessKey], Mode::Enforce);
        assert_eq!(modes[&Playbook::StopNotebookInstance], Mode::Off);
        assert!(parse_modes("").unwrap().is_empty());
        assert!(
            parse_modes("delete-everything=enforce")
                .unwrap_err()
                .contains("unknown playbook")
        );
        assert!(parse_modes("quarantine-user=yes").unwrap_err().contains("unknown mode"));
        assert!(parse_modes("quarantine-user").unwrap_err().contains("playbook=mode"));
        assert!(
            parse_modes("quarantine-user=off,quarantine-user=enforce")
                .unwrap_err()
                .contains("given twice")
        );
    }

    #[test]
    fn every_playbook_defaults_to_dry_run() {
        let settings = Settings::default();
        assert!(Playbook::ALL.iter().all(|p| settings.mode(*p) == Mode::DryRun));
        assert_eq!(settings.enabled().len(), Playbook::ALL.len());
    }

    #[test]
    fn protection_comes_before_the_allowlist() {
        let settings = Settings {
            allow_principals: vec!["arn:aws:iam::*:role/breakglass".into()],
            protected_principals: vec!["arn:aws:iam::*:role/aidr-*".into()],
            ..Settings::default()
        };
        let arns = ["arn:aws:iam::111122223333:role/aidr-responder".to_owned()];
        assert_eq!(
            settings.exempt_principal(&arns).unwrap().0,
            "protected (aidr's own or its deployer)"
        );
        let arns = ["arn:aws:iam::111122223333:role/breakglass".to_owned()];
        assert_eq!(settings.exempt_principal(&arns).unwrap().0, "allowlisted");
        assert!(
            settings
                .exempt_principal(&["arn:aws:iam::1:user/bob".to_owned()])
                .is_none()
        );
    }
}
