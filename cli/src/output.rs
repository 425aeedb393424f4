//! Writing findings as they are found: a table for people, JSON / NDJSON / OCSF for machines.

use std::borrow::Cow;
use std::io::Write;

use aidr_engine::ocsf::to_ocsf;
use aidr_engine::{Finding, Severity};
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

/// Writes findings as they come, in one of the [`Format`]s, keeping none of them: a table
/// row, a JSON array element or a line each.
pub struct Output {
    format: Format,
    min_severity: Severity,
    out: Box<dyn Write + Send>,
    /// Findings shown so far, and the highest severity among them.
    shown: u64,
    highest: Option<Severity>,
    /// The width of the table's rule column.
    rule_width: usize,
    /// The reader went away (`aidr scan … | head`): nothing more is written, and that is no error.
    closed: bool,
}

/// The width of the table's time column: an RFC 3339 UTC time (`.123` longer with milliseconds).
const TIME_WIDTH: usize = 20;

impl Output {
    /// Findings at or above `min_severity`, in `format`, to `out`; `rule_ids` are every rule id
    /// that may be written (for the table's column width).
    pub fn new<'r>(
        format: Format,
        min_severity: Severity,
        rule_ids: impl Iterator<Item = &'r str>,
        out: Box<dyn Write + Send>,
    ) -> Output {
        Output {
            format,
            min_severity,
            out,
            shown: 0,
            highest: None,
            rule_width: rule_ids.map(str::len).max().unwrap_or(0).max("RULE".len()),
            closed: false,
        }
    }

    /// The highest severity written so far.
    pub fn highest(&self) -> Option<Severity> {
        self.highest
    }

    /// Writes the findings at or above the minimum severity.
    ///
    /// # Errors
    /// When the output cannot be written (a closed pipe is not an error: writing stops).
    pub fn write(&mut self, findings: &[Finding]) -> std::io::Result<()> {
        let mut text = String::new();
        for f in findings.iter().filter(|f| f.severity >= self.min_severity) {
            self.highest = self.highest.max(Some(f.severity));
            self.render(f, &mut text);
            self.shown += 1;
        }
        self.put(text.as_bytes())
    }

    /// Ends the output (the JSON array's closing bracket) and flushes it.
    ///
    /// # Errors
    /// When the output cannot be written.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if let Format::Json = self.format {
            let end = if self.shown == 0 { "[]\n" } else { "\n]\n" };
            self.put(end.as_bytes())?;
        }
        match self.out.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.closed || bytes.is_empty() {
            return Ok(());
        }
        match self.out.write_all(bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }

    fn render(&self, f: &Finding, text: &mut String) {
        let first = self.shown == 0;
        match self.format {
            Format::Table => {
                if first {
                    text.push_str(&self.row(["SEVERITY", "TIME", "RULE", "SUMMARY"].map(Cow::Borrowed)));
                }
                let time = f.time().unwrap_or("-");
                let cells = [
                    f.severity.as_str().into(),
                    printable(time),
                    printable(&f.rule_id),
                    printable(&f.summary),
                ];
                text.push_str(&self.row(cells));
            }
            Format::Json => {
                text.push_str(if first { "[\n" } else { ",\n" });
                let pretty = serde_json::to_string_pretty(f).unwrap_or_default();
                let indented: Vec<String> = pretty.lines().map(|l| format!("  {l}")).collect();
                text.push_str(&indented.join("\n"));
            }
            Format::Ndjson => {
                text.push_str(&serde_json::to_string(f).unwrap_or_default());
                text.push('\n');
            }
            Format::Ocsf => {
                text.push_str(&to_ocsf(f).to_string());
                text.push('\n');
            }
        }
    }

    fn row(&self, [severity, time, rule, summary]: [Cow<'_, str>; 4]) -> String {
        let (w0, w1, w2) = ("SEVERITY".len(), TIME_WIDTH, self.rule_width);
        format!("{severity:<w0$}  {time:<w1$}  {rule:<w2$}  {summary}\n")
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

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(super::printable("plain"), "plain");
        assert_eq!(super::printable("a\nb\u{1b}[31m"), "a\\u{a}b\\u{1b}[31m");
    }
}
