//! Severity levels and risk areas that every rule and finding carries.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How urgent a finding is, from `Info` to `Critical` (ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All levels, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// Lower-case name, as printed and parsed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// OCSF `severity_id` (1 informational .. 5 critical).
    pub fn ocsf_id(self) -> u8 {
        self as u8 + 1
    }

    /// One level lower (Info stays Info).
    pub fn lower(self) -> Severity {
        Severity::ALL[(self as usize).saturating_sub(1)]
    }

    /// One level higher (Critical stays Critical).
    pub fn raise(self) -> Severity {
        Severity::ALL[(self as usize + 1).min(4)]
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity {s:?} (expected info, low, medium, high or critical)"))
    }
}

/// The four risk pillars of AI workloads a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// Training and inference data: poisoning, encryption, privacy.
    Data,
    /// Models: theft, tampering, misuse of model access, monitoring.
    Model,
    /// Identities and permissions: weak IAM, escalation, exposed credentials.
    Access,
    /// Applications and pipelines: guardrails, logging, network exposure.
    Application,
}

impl Area {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Data => "data",
            Area::Model => "model",
            Area::Access => "access",
            Area::Application => "application",
        }
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_parse_and_steps() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(Severity::Info.lower(), Severity::Info);
        assert_eq!(Severity::Critical.raise(), Severity::Critical);
        assert_eq!(Severity::Medium.raise(), Severity::High);
        assert_eq!(Severity::Critical.ocsf_id(), 5);
        assert_eq!(serde_json::to_string(&Severity::Medium).unwrap(), "\"medium\"");
    }
}
