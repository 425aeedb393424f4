//! Scoring findings against the injected scenarios: which scenario each finding is about,
//! detection and latency per scenario, benign medium+ findings per 100 principal-days, and the
//! alerts the findings make at the default alerting settings.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use aidr_engine::alerting::AlertPolicy;

use crate::alerts::{Sent, replay};
use crate::inputs::{parse_alerting_findings, parse_findings, parse_scenarios};
use crate::volume::AlertVolume;

pub use aidr_engine::Severity;

/// Findings at or above this severity count as detections (and as false positives when they
/// match no scenario).
pub const ALERT: Severity = Severity::Medium;
/// Target: every scenario detected within this many minutes of its first attacker event.
pub const TARGET_LATENCY_MIN: f64 = 15.0;
/// Target: at most this many benign medium+ findings per 100 principal-days.
pub const TARGET_BENIGN_PER_100: f64 = 1.0;
/// A finding matched only by the attacker's key or principal ARN (not by an event id) counts
/// for a scenario when its `event_time` lies within this many seconds of the attack (from
/// first event minus slack to last event plus slack). Some scenarios share an identity with
/// benign traffic (the volume spike uses an application's own session, the stolen developer
/// session keeps the developer's ARN); findings on that identity days away are not about the
/// attack.
pub const IDENTITY_SLACK_SECS: i64 = 3600;

/// One scenario from `scenarios.json`.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    pub name: String,
    pub access_key_id: Option<String>,
    pub principal_arn: Option<String>,
    pub first: i64,
    pub last: i64,
    pub event_ids: HashSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Scenarios {
    pub days: f64,
    pub benign_principals: u64,
    pub scenarios: Vec<Scenario>,
}

/// The parts of a finding the evaluation reads.
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub rule_id: String,
    pub severity: Severity,
    pub event_time: Option<i64>,
    pub event_ids: Vec<String>,
    pub access_key_id: Option<String>,
    pub arn: Option<String>,
    /// A short name for listings (principal name, else ARN, else key).
    pub who: String,
    /// Whether the finding opened an alert when the findings were replayed through alerting.
    pub alerted: bool,
    /// Whether it sent an update on repeats of an open alert instead.
    pub updated: bool,
}

/// Whether `finding` is about scenario `s`: it names one of the attacker's events, or it is on
/// the attacker's key or principal ARN within [`IDENTITY_SLACK_SECS`] of the attack.
pub fn matches(s: &Scenario, finding: &FindingRow) -> bool {
    if finding.event_ids.iter().any(|id| s.event_ids.contains(id)) {
        return true;
    }
    let same_key = s.access_key_id.is_some() && finding.access_key_id == s.access_key_id;
    let same_arn = s.principal_arn.is_some() && finding.arn == s.principal_arn;
    (same_key || same_arn)
        && finding
            .event_time
            .is_some_and(|t| t >= s.first - IDENTITY_SLACK_SECS && t <= s.last + IDENTITY_SLACK_SECS)
}

/// How one scenario fared.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioResult {
    pub name: String,
    /// A matching finding at or above [`ALERT`].
    pub detected: bool,
    /// Minutes from the first attacker event to the earliest matching medium+ finding's
    /// `event_time` (0 when that finding is on the same identity slightly before the attack).
    pub latency_min: Option<f64>,
    /// Matching findings by rule: (rule id, max severity, count), highest severity first.
    pub rules: Vec<(String, Severity, usize)>,
    /// Alerts opened by matching findings, per severity (indexed like [`Severity::ALL`]).
    pub alerts: [usize; 5],
}

impl ScenarioResult {
    pub fn on_target(&self) -> bool {
        self.detected && self.latency_min.is_some_and(|m| m <= TARGET_LATENCY_MIN)
    }
}

/// Benign medium+ findings of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct BenignGroup {
    pub rule_id: String,
    pub count: usize,
    pub max_severity: Severity,
    /// Findings per principal.
    pub principals: BTreeMap<String, usize>,
}

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub scenarios: Vec<ScenarioResult>,
    pub findings: usize,
    /// Findings per severity, indexed like [`Severity::ALL`].
    pub by_severity: [usize; 5],
    pub benign: Vec<BenignGroup>,
    pub benign_total: usize,
    pub benign_principals: u64,
    pub days: f64,
    pub volume: AlertVolume,
}

/// Scores `findings` against `scenarios`.
pub fn evaluate(scenarios: &Scenarios, findings: &[FindingRow]) -> Evaluation {
    let mut by_severity = [0; 5];
    for f in findings {
        by_severity[f.severity as usize] += 1;
    }
    let mut matched = vec![false; findings.len()];
    let results = scenarios
        .scenarios
        .iter()
        .map(|s| {
            let mut rules: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
            let mut earliest: Option<i64> = None;
            let mut detected = false;
            let mut alerts = [0; 5];
            for (i, f) in findings.iter().enumerate() {
                if !matches(s, f) {
                    continue;
                }
                matched[i] = true;
                alerts[f.severity as usize] += usize::from(f.alerted);
                let entry = rules.entry(f.rule_id.as_str()).or_insert((f.severity, 0));
                entry.0 = entry.0.max(f.severity);
                entry.1 += 1;
                if f.severity >= ALERT {
                    detected = true;
                    if let Some(t) = f.event_time {
                        earliest = Some(earliest.map_or(t, |e| e.min(t)));
                    }
                }
            }
            let mut rules: Vec<(String, Severity, usize)> =
                rules.into_iter().map(|(r, (sev, n))| (r.to_owned(), sev, n)).collect();
            rules.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            ScenarioResult {
                name: s.name.clone(),
                detected,
                latency_min: earliest.map(|t| (t - s.first).max(0) as f64 / 60.0),
                rules,
                alerts,
            }
        })
        .collect();

    let mut groups: BTreeMap<&str, BenignGroup> = BTreeMap::new();
    let mut benign_total = 0;
    for (f, _) in findings
        .iter()
        .zip(&matched)
        .filter(|(f, m)| !**m && f.severity >= ALERT)
    {
        benign_total += 1;
        let g = groups.entry(f.rule_id.as_str()).or_insert_with(|| BenignGroup {
            rule_id: f.rule_id.clone(),
            count: 0,
            max_severity: f.severity,
            principals: BTreeMap::new(),
        });
        g.count += 1;
        g.max_severity = g.max_severity.max(f.severity);
        *g.principals.entry(f.who.clone()).or_default() += 1;
    }
    let mut benign: Vec<BenignGroup> = groups.into_values().collect();
    benign.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule_id.cmp(&b.rule_id)));

    Evaluation {
        volume: AlertVolume::tally(findings, &matched, scenarios.benign_principals, scenarios.days),
        scenarios: results,
        findings: findings.len(),
        by_severity,
        benign,
        benign_total,
        benign_principals: scenarios.benign_principals,
        days: scenarios.days,
    }
}

impl Evaluation {
    pub fn principal_days(&self) -> f64 {
        self.benign_principals as f64 * self.days
    }

    /// Benign medium+ findings per 100 principal-days.
    pub fn benign_rate(&self) -> f64 {
        self.benign_total as f64 * 100.0 / self.principal_days()
    }

    pub fn scenarios_pass(&self) -> bool {
        self.scenarios.iter().all(ScenarioResult::on_target)
    }

    pub fn benign_pass(&self) -> bool {
        self.benign_rate() <= TARGET_BENIGN_PER_100
    }

    pub fn passed(&self) -> bool {
        self.scenarios_pass() && self.benign_pass() && self.volume.pass()
    }
}

/// Reads both files, replays the findings through alerting at `policy` (the detector's default:
/// [`AlertPolicy::default`]) and evaluates.
///
/// # Errors
/// A message naming the file that is unreadable or malformed, or the alerting failure.
pub fn evaluate_files(scenarios: &Path, findings: &Path, policy: &AlertPolicy) -> Result<Evaluation, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let scenarios = parse_scenarios(&read(scenarios)?)?;
    let text = read(findings)?;
    let mut rows = parse_findings(&text)?;
    let sent = replay(&parse_alerting_findings(&text)?, policy)?;
    for (row, sent) in rows.iter_mut().zip(sent) {
        row.alerted = sent == Sent::Alert;
        row.updated = sent == Sent::Update;
    }
    let mut evaluation = evaluate(&scenarios, &rows);
    evaluation.volume.window_override_secs = policy.dedupe_window_override_secs;
    Ok(evaluation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_time;

    fn t(s: &str) -> i64 {
        parse_time(s).unwrap()
    }

    fn scenario(name: &str, key: &str, arn: &str, first: &str, last: &str, ids: &[&str]) -> Scenario {
        Scenario {
            name: name.into(),
            access_key_id: Some(key.into()),
            principal_arn: Some(arn.into()),
            first: t(first),
            last: t(last),
            event_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn finding(
        rule: &str,
        sev: Severity,
        time: Option<&str>,
        ids: &[&str],
        key: Option<&str>,
        arn: Option<&str>,
    ) -> FindingRow {
        FindingRow {
            rule_id: rule.into(),
            severity: sev,
            event_time: time.map(t),
            event_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            access_key_id: key.map(Into::into),
            arn: arn.map(Into::into),
            who: arn.or(key).unwrap_or("someone").into(),
            alerted: false,
            updated: false,
        }
    }

    #[test]
    fn matching_by_event_id_key_or_arn_within_the_window() {
        let s = scenario(
            "x",
            "AKIAATTACK",
            "arn:aws:iam::1:user/a",
            "2026-03-10T14:00:00Z",
            "2026-03-10T14:20:00Z",
            &["e1", "e2"],
        );
        let m = |f: FindingRow| matches(&s, &f);
        use Severity::*;
        // Event ids match at any time, even without a time or a principal.
        assert!(m(finding("r", High, None, &["zz", "e2"], None, None)));
        assert!(m(finding(
            "r",
            High,
            Some("2026-03-20T00:00:00Z"),
            &["e1"],
            Some("ASIAOTHER"),
            None
        )));
        // Key or ARN: within an hour of the attack only.
        assert!(m(finding(
            "r",
            High,
            Some("2026-03-10T14:05:00Z"),
            &[],
            Some("AKIAATTACK"),
            None
        )));
        assert!(m(finding(
            "r",
            High,
            Some("2026-03-10T13:00:00Z"),
            &[],
            None,
            Some("arn:aws:iam::1:user/a")
        )));
        assert!(m(finding(
            "r",
            High,
            Some("2026-03-10T15:20:00Z"),
            &[],
            Some("AKIAATTACK"),
            None
        )));
        assert!(!m(finding(
            "r",
            High,
            Some("2026-03-10T15:20:01Z"),
            &[],
            Some("AKIAATTACK"),
            None
        )));
        assert!(!m(finding(
            "r",
            High,
            Some("2026-03-10T12:59:59Z"),
            &[],
            Some("AKIAATTACK"),
            None
        )));
        assert!(!m(finding("r", High, None, &[], Some("AKIAATTACK"), None)));
        // Nothing in common.
        assert!(!m(finding(
            "r",
            High,
            Some("2026-03-10T14:05:00Z"),
            &["e3"],
            Some("AKIAOTHER"),
            Some("arn:aws:iam::1:user/b")
        )));
        // A scenario without key or ARN matches by event id only.
        let bare = Scenario {
            access_key_id: None,
            principal_arn: None,
            ..s.clone()
        };
        assert!(!matches(
            &bare,
            &finding("r", High, Some("2026-03-10T14:05:00Z"), &[], None, None)
        ));
    }

    #[test]
    fn detection_latency_rules_and_benign_rate() {
        use Severity::*;
        let scenarios = Scenarios {
            days: 30.0,
            benign_principals: 10,
            scenarios: vec![
                scenario(
                    "caught",
                    "AKIA1",
                    "arn:a",
                    "2026-03-10T14:00:00Z",
                    "2026-03-10T14:20:00Z",
                    &["a1", "a2"],
                ),
                scenario(
                    "slow",
                    "AKIA2",
                    "arn:b",
                    "2026-03-12T03:00:00Z",
                    "2026-03-12T03:30:00Z",
                    &["b1"],
                ),
                scenario(
                    "low_only",
                    "AKIA3",
                    "arn:c",
                    "2026-03-15T21:00:00Z",
                    "2026-03-15T21:05:00Z",
                    &["c1"],
                ),
                scenario(
                    "before",
                    "ASIA4",
                    "arn:d",
                    "2026-03-19T10:00:00Z",
                    "2026-03-19T11:00:00Z",
                    &["d1"],
                ),
            ],
        };
        let findings = vec![
            finding("seq", High, Some("2026-03-10T14:09:30Z"), &["a2"], Some("AKIA1"), None),
            finding(
                "single",
                Medium,
                Some("2026-03-10T14:03:00Z"),
                &["a1"],
                Some("AKIA1"),
                None,
            ),
            finding("noise", Low, Some("2026-03-10T14:01:00Z"), &[], Some("AKIA1"), None),
            finding("late", Critical, Some("2026-03-12T03:20:00Z"), &["b1"], None, None),
            finding("noise", Low, Some("2026-03-15T21:01:00Z"), &["c1"], None, None),
            // On the shared identity shortly before the attack: counts, latency 0.
            finding("volume", Medium, Some("2026-03-19T09:50:00Z"), &[], Some("ASIA4"), None),
            // Benign: medium+ matching nothing (3), and low ones (not counted).
            finding(
                "fp",
                Medium,
                Some("2026-03-05T10:00:00Z"),
                &["x"],
                Some("ASIAX"),
                Some("arn:app"),
            ),
            finding(
                "fp",
                High,
                Some("2026-03-06T10:00:00Z"),
                &["y"],
                Some("ASIAY"),
                Some("arn:app"),
            ),
            finding("fp2", Medium, None, &[], None, Some("arn:dev")),
            finding("noise", Low, Some("2026-03-06T10:00:00Z"), &["z"], Some("ASIAZ"), None),
            // The attacker key a day later: benign as far as the scenario goes.
            finding("fp2", Medium, Some("2026-03-11T14:30:00Z"), &[], Some("AKIA1"), None),
        ];
        let mut findings = findings;
        for i in [0, 1, 6] {
            findings[i].alerted = true;
        }
        let ev = evaluate(&scenarios, &findings);
        let by_name = |n: &str| ev.scenarios.iter().find(|s| s.name == n).unwrap();

        let caught = by_name("caught");
        assert!(caught.detected && caught.on_target());
        assert_eq!(caught.latency_min, Some(3.0));
        assert_eq!(
            caught.rules,
            vec![
                ("seq".into(), High, 1),
                ("single".into(), Medium, 1),
                ("noise".into(), Low, 1)
            ]
        );
        let slow = by_name("slow");
        assert!(slow.detected && !slow.on_target());
        assert_eq!(slow.latency_min, Some(20.0));
        let low = by_name("low_only");
        assert!(!low.detected && low.latency_min.is_none());
        assert_eq!(low.rules, vec![("noise".into(), Low, 1)]);
        assert_eq!(by_name("before").latency_min, Some(0.0));

        assert_eq!(ev.findings, 11);
        assert_eq!(ev.by_severity, [0, 3, 5, 2, 1]);
        assert_eq!(ev.benign_total, 4);
        assert_eq!(ev.principal_days(), 300.0);
        assert!((ev.benign_rate() - 4.0 * 100.0 / 300.0).abs() < 1e-12);
        assert!(!ev.benign_pass() && !ev.scenarios_pass() && !ev.passed());
        assert_eq!(ev.benign[0].rule_id, "fp");
        assert_eq!(ev.benign[0].count, 2);
        assert_eq!(ev.benign[0].max_severity, High);
        assert_eq!(ev.benign[0].principals.get("arn:app"), Some(&2));
        assert_eq!((ev.benign[1].rule_id.as_str(), ev.benign[1].count), ("fp2", 2));

        let md = ev.markdown();
        assert!(md.contains("| scenario | detected | first finding after (min) | rules (max severity) | alerts |\n"));
        assert!(md.contains(
            "| caught | yes | 3.0 | seq (high, 1), single (medium, 1), noise (low, 1) | 2 (high 1, medium 1) |\n"
        ));
        assert!(md.contains("| low_only | no | - | noise (low, 1) | 0 |\n"));
        assert_eq!(caught.alerts, [0, 0, 1, 1, 0]);
        assert!(md.contains("| medium | 3 | 1 | 0 | 2 | 1 | 0 |\n"), "{md}");
        assert!(md.contains("- no benign alert at medium or above: FAIL (1)"));
        assert!(md.contains("4 over 10 principals x 30 days = 300 principal-days: 1.33 per 100"));
        assert!(md.contains("FAIL (2 of 4; missed: slow (20.0 min), low_only (not detected))"));
        assert!(md.contains("Result: FAIL"));
    }

    #[test]
    fn exactly_on_target_passes() {
        use Severity::*;
        let scenarios = Scenarios {
            days: 10.0,
            benign_principals: 10,
            scenarios: vec![scenario(
                "s",
                "AKIA1",
                "arn:a",
                "2026-03-10T14:00:00Z",
                "2026-03-10T14:20:00Z",
                &["a1"],
            )],
        };
        let findings = vec![
            finding("r", Medium, Some("2026-03-10T14:15:00Z"), &["a1"], None, None),
            finding("fp", Medium, Some("2026-03-01T00:00:00Z"), &[], None, None),
        ];
        let ev = evaluate(&scenarios, &findings);
        assert_eq!(ev.scenarios[0].latency_min, Some(15.0));
        assert_eq!(ev.benign_rate(), 1.0);
        assert!(ev.passed());
        assert!(ev.markdown().contains("Result: PASS"));
    }
}
