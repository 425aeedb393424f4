//! The evaluation report, in Markdown.

use std::fmt::Write as _;

use crate::scoring::{Evaluation, Severity, TARGET_BENIGN_PER_100, TARGET_LATENCY_MIN};
use crate::volume::{AlertVolume, TARGET_LOW_ALERTS_PER_PRINCIPAL_WEEK};

/// `3 (high 2, medium 1)`, or `0`: alerts per severity, highest first.
fn alert_counts(alerts: &[usize; 5]) -> String {
    let total: usize = alerts.iter().sum();
    let parts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter(|s| alerts[**s as usize] > 0)
        .map(|s| format!("{} {}", s.as_str(), alerts[*s as usize]))
        .collect();
    if parts.is_empty() {
        total.to_string()
    } else {
        format!("{total} ({})", parts.join(", "))
    }
}

impl AlertVolume {
    /// The alert table and the benign low alert rate, in Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| severity | benign findings | benign alerts | benign updates | attack findings | attack alerts | attack updates |\n|---|---|---|---|---|---|---|\n",
        );
        for s in Severity::ALL.iter().rev() {
            let i = *s as usize;
            let (b, a) = (&self.benign, &self.attack);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                s.as_str(),
                b.findings[i],
                b.alerts[i],
                b.updates[i],
                a.findings[i],
                a.alerts[i],
                a.updates[i]
            );
        }
        let sum = |v: &[usize; 5]| v.iter().sum::<usize>();
        let _ = writeln!(
            out,
            "| total | {} | {} | {} | {} | {} | {} |",
            sum(&self.benign.findings),
            sum(&self.benign.alerts),
            sum(&self.benign.updates),
            sum(&self.attack.findings),
            sum(&self.attack.alerts),
            sum(&self.attack.updates)
        );
        let _ = write!(
            out,
            "\nBenign low alerts: {} over {} principals x {:.2} weeks = {:.1} principal-weeks: {:.2} per principal-week",
            self.benign.alerts[Severity::Low as usize],
            self.benign_principals,
            self.weeks(),
            self.principal_weeks(),
            self.low_rate()
        );
        match self.worst_principal() {
            Some((who, n, per_week)) => {
                let _ = writeln!(out, "; most for one principal: {who}, {n} ({per_week:.2} per week).");
            }
            None => out.push_str(".\n"),
        }
        if !self.by_rule.is_empty() {
            out.push_str("\n| rule (benign) | findings | alerts | principals alerted |\n|---|---|---|---|\n");
            let mut rules: Vec<_> = self.by_rule.iter().collect();
            rules.sort_by(|a, b| b.1.alerts.cmp(&a.1.alerts).then_with(|| a.0.cmp(b.0)));
            for (rule, r) in rules {
                let _ = writeln!(
                    out,
                    "| {rule} | {} | {} | {} |",
                    r.findings,
                    r.alerts,
                    r.principals.len()
                );
            }
        }
        out
    }
}

impl Evaluation {
    /// The report, in Markdown.
    pub fn markdown(&self) -> String {
        let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
        let mut out = String::new();
        out.push_str("| scenario | detected | first finding after (min) | rules (max severity) | alerts |\n");
        out.push_str("|---|---|---|---|---|\n");
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
            let alerts = alert_counts(&s.alerts);
            let _ = writeln!(out, "| {} | {detected} | {latency} | {rules} | {alerts} |", s.name);
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
        let window = match self.volume.window_override_secs {
            None => "each detection's own window".to_owned(),
            Some(w) => format!("a window of {w} s for every detection"),
        };
        let _ = write!(
            out,
            "\nAlerts (every finding delivered once, in event-time order, through the alerting protocol \
             on an in-memory store; minimum severity low, {window}):\n\n"
        );
        out.push_str(&self.volume.markdown());
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
        let _ = writeln!(
            out,
            "- at most {TARGET_LOW_ALERTS_PER_PRINCIPAL_WEEK} benign low alert per principal-week: {} ({:.2})",
            verdict(self.volume.low_pass()),
            self.volume.low_rate()
        );
        let _ = writeln!(
            out,
            "- no benign alert at medium or above: {} ({})",
            verdict(self.volume.benign_medium_plus() == 0),
            self.volume.benign_medium_plus()
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
