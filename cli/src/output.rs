//! Writing findings as they are found: a table for people, JSON / NDJSON / OCSF / ASFF for
//! machines; or kept for one HTML page written at the end.

use std::borrow::Cow;
use std::io::Write;

use aidr_engine::asff::{product_arn_of, to_asff};
use aidr_engine::ocsf::to_ocsf;
use aidr_engine::time::format_millis;
use aidr_engine::{Finding, Severity};
use clap::ValueEnum;

use crate::report::{Page, Row};

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
    /// One JSON array of AWS Security Finding Format findings, the `--findings` input of
    /// `aws securityhub batch-import-findings` (which takes at most 100 a call), for each
    /// finding's account's default integration in its region. A finding is updated at its
    /// event time (the scan time when it has none); findings naming no account or region are
    /// left out with a warning.
    Asff,
    /// One self-contained HTML page (as `aidr report` writes): counts by severity, area and
    /// account, a timeline of incidents, the findings; filters by severity and account.
    Html,
}

/// How findings are rendered: a [`Format`], a minimum severity, the table's rule column width.
/// Any thread renders with it; [`Output`] writes what it rendered, in order.
#[derive(Clone, Copy)]
pub struct Style {
    format: Format,
    min_severity: Severity,
    rule_width: usize,
}

/// Findings rendered: table rows, JSON array elements joined by `,\n`, or lines; how many,
/// and the highest severity among them.
#[derive(Debug, Default)]
pub struct Rendered {
    text: String,
    /// The findings of an HTML page.
    rows: Vec<Row>,
    count: u64,
    highest: Option<Severity>,
}

/// The width of the table's time column: an RFC 3339 UTC time (`.123` longer with milliseconds).
const TIME_WIDTH: usize = 20;

impl Style {
    /// Findings at or above `min_severity`, in `format`; `rule_ids` are every rule id that may
    /// be rendered (for the table's column width).
    pub fn new<'r>(format: Format, min_severity: Severity, rule_ids: impl Iterator<Item = &'r str>) -> Style {
        Style {
            format,
            min_severity,
            rule_width: rule_ids.map(str::len).max().unwrap_or(0).max("RULE".len()),
        }
    }

    /// Renders the findings at or above the minimum severity.
    pub fn render(&self, findings: &[Finding]) -> Rendered {
        let mut rendered = Rendered::default();
        for f in findings.iter().filter(|f| f.severity >= self.min_severity) {
            let text = &mut rendered.text;
            match self.format {
                Format::Table => {
                    let cells = [
                        f.severity.as_str().into(),
                        printable(f.time().unwrap_or("-")),
                        printable(&f.rule_id),
                        printable(&f.summary),
                    ];
                    text.push_str(&self.row(cells));
                }
                Format::Json => array_element(
                    text,
                    rendered.count,
                    &serde_json::to_string_pretty(f).unwrap_or_default(),
                ),
                Format::Ndjson => {
                    text.push_str(&serde_json::to_string(f).unwrap_or_default());
                    text.push('\n');
                }
                Format::Ocsf => {
                    text.push_str(&to_ocsf(f).to_string());
                    text.push('\n');
                }
                Format::Html => rendered.rows.push(Row::of(f)),
                Format::Asff => {
                    let now = f.time_millis().map_or_else(now, format_millis);
                    let arn = product_arn_of(f).unwrap_or_default();
                    match to_asff(f, &arn, &now) {
                        Ok(finding) => array_element(
                            text,
                            rendered.count,
                            &serde_json::to_string_pretty(&finding).unwrap_or_default(),
                        ),
                        Err(e) => {
                            eprintln!("warning: {e}; left out of the ASFF output");
                            continue;
                        }
                    }
                }
            }
            rendered.count += 1;
            rendered.highest = rendered.highest.max(Some(f.severity));
        }
        rendered
    }

    fn row(&self, [severity, time, rule, summary]: [Cow<'_, str>; 4]) -> String {
        let (w0, w1, w2) = ("SEVERITY".len(), TIME_WIDTH, self.rule_width);
        format!("{severity:<w0$}  {time:<w1$}  {rule:<w2$}  {summary}\n")
    }
}

/// Writes rendered findings as they come, keeping none of them (the table's header and the
/// JSON array's brackets and commas around them).
pub struct Output {
    style: Style,
    out: Box<dyn Write + Send>,
    /// Findings written so far, and the highest severity among them.
    shown: u64,
    highest: Option<Severity>,
    /// The reader went away (`aidr scan … | head`): nothing more is written, and that is no error.
    closed: bool,
    /// The HTML page being filled, written by [`Output::finish`].
    page: Option<Page>,
}

impl Output {
    /// Writes to `out` what `style` renders.
    pub fn new(style: Style, out: Box<dyn Write + Send>) -> Output {
        Output {
            style,
            out,
            shown: 0,
            highest: None,
            closed: false,
            page: matches!(style.format, Format::Html).then(|| Page::new("aidr scan")),
        }
    }

    /// The HTML page, when that is the format: title, sources and more to fill in.
    pub fn page_mut(&mut self) -> Option<&mut Page> {
        self.page.as_mut()
    }

    /// How findings are to be rendered for this output.
    pub fn style(&self) -> Style {
        self.style
    }

    /// The highest severity written so far.
    pub fn highest(&self) -> Option<Severity> {
        self.highest
    }

    /// Writes findings rendered with [`Output::style`].
    ///
    /// # Errors
    /// When the output cannot be written (a closed pipe is not an error: writing stops).
    pub fn write(&mut self, rendered: Rendered) -> std::io::Result<()> {
        if rendered.count == 0 {
            return Ok(());
        }
        let lead = match (self.style.format, self.shown) {
            (Format::Table, 0) => self
                .style
                .row(["SEVERITY", "TIME", "RULE", "SUMMARY"].map(Cow::Borrowed)),
            (Format::Json | Format::Asff, 0) => "[\n".to_owned(),
            (Format::Json | Format::Asff, _) => ",\n".to_owned(),
            _ => String::new(),
        };
        self.shown += rendered.count;
        self.highest = self.highest.max(rendered.highest);
        if let Some(page) = &mut self.page {
            page.findings.extend(rendered.rows);
            return Ok(());
        }
        self.put(lead.as_bytes())?;
        self.put(rendered.text.as_bytes())
    }

    /// Ends the output (the JSON array's closing bracket) and flushes it.
    ///
    /// # Errors
    /// When the output cannot be written.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if let Format::Json | Format::Asff = self.style.format {
            let end = if self.shown == 0 { "[]\n" } else { "\n]\n" };
            self.put(end.as_bytes())?;
        }
        if let Some(page) = self.page.take() {
            self.put(page.render().as_bytes())?;
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
}

/// Appends pretty JSON to `text` as an element of an array (indented, after `,\n` unless it is
/// the first of `count`).
fn array_element(text: &mut String, count: u64, pretty: &str) {
    if count > 0 {
        text.push_str(",\n");
    }
    let indented: Vec<String> = pretty.lines().map(|l| format!("  {l}")).collect();
    text.push_str(&indented.join("\n"));
}

/// The current time, RFC 3339 UTC.
fn now() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    format_millis(millis)
}

/// `text` with control characters escaped (`\u{1b}`), so that a value from a record cannot
/// forge lines or colours on a terminal.
pub fn printable(text: &str) -> Cow<'_, str> {
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
