//! `aidr report`: one HTML page of an inventory, collected live or saved (its resources, gaps,
//! posture findings and attack paths), and findings from `aidr scan`.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aidr_engine::{Pipeline, Registry};

use super::inputs;
use super::{Page, Row};

#[derive(clap::Args)]
pub struct ReportArgs {
    // The inventory (live, or `--from`): its resources and gaps are listed, its snapshots go
    // through the posture checks, and its attack paths are drawn.
    #[command(flatten)]
    source: crate::source::Source,
    /// Findings to add: JSON lines (`aidr scan --format ndjson`) or a JSON array (`--format
    /// json`); several files may follow.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    findings: Vec<PathBuf>,
    /// Write the page here instead of to standard output.
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// An account id of your organization (repeatable, or comma-separated), for the posture
    /// checks and paths.
    #[arg(long = "org-account", value_name = "ACCOUNT_ID", value_delimiter = ',')]
    org_accounts: Vec<String>,
}

/// Runs `aidr report`.
///
/// # Errors
/// When an input cannot be read or has the wrong shape (the message names the file), the
/// inventory cannot be collected, or the page cannot be written.
pub fn main(args: ReportArgs) -> std::io::Result<ExitCode> {
    let organization = match crate::organization(&args.org_accounts) {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let inventory = args.source.load()?;
    let pipeline = Pipeline::new(Registry::builtin(), organization, None);
    let mut page = Page::new("aidr report");
    page.sources.push(args.source.describe(&inventory));
    let mut seen = HashSet::new();
    let mut add = |page: &mut Page, row: Row| {
        if seen.insert(serde_json::to_string(&row).unwrap_or_default()) {
            page.findings.push(row);
        }
    };
    for r in &inventory.resources {
        for f in pipeline.assess(r) {
            add(&mut page, Row::of(&f));
        }
    }
    for path in &args.findings {
        let findings = inputs::findings(path).map_err(std::io::Error::other)?;
        page.sources.push(path.display().to_string());
        for f in &findings {
            add(&mut page, Row::of(f));
        }
    }
    page.paths = super::paths_of(&inventory, pipeline.organization());
    page.inventory = Some(inventory);
    let html = page.render();
    match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut f| f.write_all(html.as_bytes()))
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?,
        None => crate::write_stdout(html.as_bytes())?,
    }
    eprintln!(
        "aidr: report of {} resources, {} findings, {} attack paths{}",
        page.inventory.as_ref().map_or(0, |i| i.resources.len()),
        page.findings.len(),
        page.paths.len(),
        args.output
            .as_ref()
            .map(|p| format!(" written to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
