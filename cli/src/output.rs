//! Rendering findings: a table for people, JSON / NDJSON / OCSF for machines.

use std::borrow::Cow;

use aidr_engine::Finding;
use aidr_engine::ocsf::to_ocsf;
use clap::ValueEnum;

/// Output formats of `aidr scan`.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Aligned columns, one finding a line.
    Table,
    /// One JSON array of findings.
    Json,
    /// One finding a line, as JSON.
    Ndjson,
    /// One OCSF event a line: a Detection Finding (class 2004), or a Compliance Finding (class
    /// 2003) for a posture finding.
    Ocsf,
}

/// Renders the findings in `format`.
pub fn render(format: Format, findings: &[&Finding]) -> String {
    let line = |v: String| v + "\n";
    match format {
        Format::Table => table(findings),
        Format::Json => line(serde_json::to_string_pretty(findings).unwrap_or_default()),
        Format::Ndjson => findings
            .iter()
            .map(|f| line(serde_json::to_string(f).unwrap_or_default()))
            .collect(),
        Format::Ocsf => findings.iter().map(|f| line(to_ocsf(f).to_string())).collect(),
    }
}

/// `text` with control characters escaped (`\u{1b}`), so that a value from a record cannot
/// forge lines or colours on a terminal.
fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let escape = |c: char| match c.is_control() {
        true => c.escape_unicode().to_string(),
        false => c.to_string(),
    };
    Cow::Owned(text.chars().map(escape).collect())
}

fn table(findings: &[&Finding]) -> String {
    if findings.is_empty() {
        return String::new();
    }
    let rows: Vec<[Cow<str>; 4]> = findings
        .iter()
        .map(|f| {
            let time = f.time().unwrap_or("-");
            [
                f.severity.as_str().into(),
                printable(time),
                printable(&f.rule_id),
                printable(&f.summary),
            ]
        })
        .collect();
    let header = ["SEVERITY", "TIME", "RULE", "SUMMARY"].map(Cow::Borrowed);
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].len())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    std::iter::once(header)
        .chain(rows)
        .map(|[sev, time, rule, summary]| format!("{sev:<w0$}  {time:<w1$}  {rule:<w2$}  {summary}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(super::printable("plain"), "plain");
        assert_eq!(super::printable("a\nb\u{1b}[31m"), "a\\u{a}b\\u{1b}[31m");
    }
}
