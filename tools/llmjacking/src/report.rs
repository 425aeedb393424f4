//! The evaluation report, in Markdown.

use std::fmt::Write as _;

use crate::scoring::{Evaluation, Severity, TARGET_BENIGN_PER_100, TARGET_LATENCY_MIN};

impl Evaluation {
    /// The report, in Markdown.
    pub fn markdown(&self) -> String {
        let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
        let mut out = String::new();
        out.push_str("| scenario | detected | first finding after (min) | rules (max severity) |\n");
        out.push_str("|---|---|---|---|\n");
        for s in &self.scenarios {
            let latency = match s.latency_min {
                Some(m) => format!("{m:.1}"),
                None => "-".into(),
            };
            let rules = if s.rules.is_empty() {
                "-".to_owned()
            } else {
                s.rules
                    .iter()
                    .map(|(r, sev, n)| format!("{r} ({sev}, {n})", sev = sev.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let detected = if s.detected { "yes" } else { "no" };
            let _ = writeln!(out, "| {} | {detected} | {latency} | {rules} |", s.name);
        }
        let counts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .map(|s| format!("{} {}", s.as_str(), self.by_severity[*s as usize]))
            .collect();
        let _ = writeln!(out, "\nFindings read: {} ({}).", self.findings, counts.join(", "));
        let _ = writeln!(
            out,
            "Benign medium+ findings: {} over {} principals x {} days = {} principal-days: {:.2} per 100 principal-days.",
            self.benign_total,
            self.benign_principals,
            self.days,
            self.principal_days(),
            self.benign_rate()
        );
        let on_target = self.scenarios.iter().filter(|s| s.on_target()).count();
        let missed: Vec<String> = self
            .scenarios
            .iter()
            .filter(|s| !s.on_target())
            .map(|s| match s.latency_min {
                _ if !s.detected => format!("{} (not detected)", s.name),
                Some(m) => format!("{} ({m:.1} min)", s.name),
                None => format!("{} (no event_time)", s.name),
            })
            .collect();
        let _ = writeln!(out, "\nTargets:");
        let _ = writeln!(
            out,
            "- every scenario detected (medium+) within {TARGET_LATENCY_MIN} min: {} ({on_target} of {}{})",
            verdict(self.scenarios_pass()),
            self.scenarios.len(),
            if missed.is_empty() {
                String::new()
            } else {
                format!("; missed: {}", missed.join(", "))
            }
        );
        let _ = writeln!(
            out,
            "- at most {TARGET_BENIGN_PER_100} benign medium+ finding per 100 principal-days: {} ({:.2})",
            verdict(self.benign_pass()),
            self.benign_rate()
        );
        let _ = writeln!(out, "\nResult: {}", verdict(self.passed()));
        if !self.benign.is_empty() {
            out.push_str("\nBenign medium+ findings by rule:\n\n");
            out.push_str("| rule | findings | max severity | principals | top principals |\n");
            out.push_str("|---|---|---|---|---|\n");
            for g in &self.benign {
                let mut top: Vec<(&String, &usize)> = g.principals.iter().collect();
                top.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
                let top: Vec<String> = top.iter().take(3).map(|(p, n)| format!("{p} ({n})")).collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    g.rule_id,
                    g.count,
                    g.max_severity.as_str(),
                    g.principals.len(),
                    top.join(", ")
                );
            }
        }
        out
    }
}
