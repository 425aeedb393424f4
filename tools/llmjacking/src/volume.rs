//! How many alerts the findings make: per severity for the benign traffic and for the attacks,
//! and the benign low alerts per principal-week.

use std::collections::{BTreeMap, BTreeSet};

use crate::scoring::{FindingRow, Severity};

/// Target: at most this many benign low alerts per principal-week.
pub const TARGET_LOW_ALERTS_PER_PRINCIPAL_WEEK: f64 = 1.0;

/// Findings and the alerts they opened, per severity (indexed like [`Severity::ALL`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub findings: [usize; 5],
    pub alerts: [usize; 5],
    /// Updates on repeats of open alerts (messages, not alerts).
    pub updates: [usize; 5],
}

impl Tally {
    fn add(&mut self, f: &FindingRow) {
        self.findings[f.severity as usize] += 1;
        self.alerts[f.severity as usize] += usize::from(f.alerted);
        self.updates[f.severity as usize] += usize::from(f.updated);
    }
}

/// Benign findings of one rule and the alerts they opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleAlerts {
    pub findings: usize,
    pub alerts: usize,
    /// Principals with at least one alert.
    pub principals: BTreeSet<String>,
}

/// Alerts of the month at the settings the findings were replayed with.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertVolume {
    /// Findings that match no scenario.
    pub benign: Tally,
    /// Findings that match a scenario.
    pub attack: Tally,
    /// Benign low alerts per principal (as the report names it).
    pub low_by_principal: BTreeMap<String, usize>,
    /// Benign findings and alerts per rule id.
    pub by_rule: BTreeMap<String, RuleAlerts>,
    pub benign_principals: u64,
    pub days: f64,
    /// The policy's window override the findings were replayed with (`None`: each
    /// detection's own window).
    pub window_override_secs: Option<i64>,
}

impl AlertVolume {
    /// Tallies `findings`; `matched[i]` says whether finding `i` matches a scenario.
    pub fn tally(findings: &[FindingRow], matched: &[bool], benign_principals: u64, days: f64) -> AlertVolume {
        let mut volume = AlertVolume {
            benign: Tally::default(),
            attack: Tally::default(),
            low_by_principal: BTreeMap::new(),
            by_rule: BTreeMap::new(),
            benign_principals,
            days,
            window_override_secs: None,
        };
        for (f, attack) in findings.iter().zip(matched) {
            if *attack {
                volume.attack.add(f);
                continue;
            }
            volume.benign.add(f);
            let rule = volume.by_rule.entry(f.rule_id.clone()).or_default();
            rule.findings += 1;
            if f.alerted {
                rule.alerts += 1;
                rule.principals.insert(f.who.clone());
            }
            if f.alerted && f.severity == Severity::Low {
                *volume.low_by_principal.entry(f.who.clone()).or_default() += 1;
            }
        }
        volume
    }

    pub fn weeks(&self) -> f64 {
        self.days / 7.0
    }

    pub fn principal_weeks(&self) -> f64 {
        self.benign_principals as f64 * self.weeks()
    }

    /// Benign low alerts per principal-week.
    pub fn low_rate(&self) -> f64 {
        self.benign.alerts[Severity::Low as usize] as f64 / self.principal_weeks()
    }

    /// The principal with the most benign low alerts, and its alerts per week.
    pub fn worst_principal(&self) -> Option<(&str, usize, f64)> {
        let (who, n) = self
            .low_by_principal
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
        Some((who.as_str(), *n, *n as f64 / self.weeks()))
    }

    /// Benign alerts at medium or above.
    pub fn benign_medium_plus(&self) -> usize {
        self.benign.alerts[Severity::Medium as usize..].iter().sum()
    }

    pub fn low_pass(&self) -> bool {
        self.low_rate() <= TARGET_LOW_ALERTS_PER_PRINCIPAL_WEEK
    }

    pub fn pass(&self) -> bool {
        self.low_pass() && self.benign_medium_plus() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(who: &str, severity: Severity, alerted: bool) -> FindingRow {
        FindingRow {
            rule_id: "r".into(),
            severity,
            event_time: None,
            event_ids: Vec::new(),
            access_key_id: None,
            arn: None,
            who: who.into(),
            alerted,
            updated: false,
        }
    }

    #[test]
    fn tallies_rates_and_the_worst_principal() {
        use Severity::*;
        let rows = [
            row("legacy", Low, true),
            row("legacy", Low, false),
            row("legacy", Low, true),
            row("dev", Low, true),
            row("dev", Info, false),
            row("attacker", High, true),
            row("attacker", Low, false),
        ];
        let matched = [false, false, false, false, false, true, true];
        let v = AlertVolume::tally(&rows, &matched, 3, 14.0);
        assert_eq!(v.benign.findings, [1, 4, 0, 0, 0]);
        assert_eq!(v.benign.alerts, [0, 3, 0, 0, 0]);
        assert_eq!(v.attack.findings, [0, 1, 0, 1, 0]);
        assert_eq!(v.attack.alerts, [0, 0, 0, 1, 0]);
        assert_eq!(v.principal_weeks(), 6.0);
        assert_eq!(v.low_rate(), 0.5);
        assert_eq!(v.worst_principal(), Some(("legacy", 2, 1.0)));
        assert_eq!(v.benign_medium_plus(), 0);
        let rule = &v.by_rule["r"];
        assert_eq!((rule.findings, rule.alerts), (5, 3));
        assert_eq!(rule.principals.iter().collect::<Vec<_>>(), ["dev", "legacy"]);
        assert!(v.pass());
        let noisy = AlertVolume::tally(&[row("dev", Medium, true)], &[false], 1, 7.0);
        assert_eq!(noisy.benign_medium_plus(), 1);
        assert!(noisy.low_pass() && !noisy.pass());
        let loud: Vec<FindingRow> = (0..3).map(|_| row("legacy", Low, true)).collect();
        assert!(!AlertVolume::tally(&loud, &[false; 3], 2, 7.0).low_pass());
    }
}
