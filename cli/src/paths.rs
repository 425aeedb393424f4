//! `aidr paths`: the attack paths of an inventory (collected live or saved), most severe first,
//! as a table, JSON, a Graphviz DOT or Mermaid graph, or the HTML report's page.

use std::process::ExitCode;

use aidr_engine::paths::{self, AttackPath};
use clap::ValueEnum;

use crate::report::Page;

#[derive(Clone, Copy, ValueEnum)]
pub enum PathsFormat {
    /// One block per path: severity, kind, account and region, then each step and its evidence.
    Table,
    /// A JSON array of paths (`kind`, `title`, `severity`, `account`, `region`, `steps`
    /// [{`arn`, `resource_type`, `label`, `evidence`}], `key`).
    Json,
    /// A Graphviz digraph (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// One self-contained HTML page with the paths drawn and the inventory.
    Html,
}

#[derive(clap::Args)]
pub struct PathsArgs {
    #[command(flatten)]
    source: crate::source::Source,
    #[arg(long, value_enum, default_value_t = PathsFormat::Table)]
    format: PathsFormat,
    #[command(flatten)]
    gate: crate::gate::Gate,
}

/// The paths as a table for people.
pub fn table(found: &[AttackPath]) -> String {
    if found.is_empty() {
        return "no attack paths\n".into();
    }
    let mut out = String::new();
    for p in found {
        out.push_str(&format!(
            "{:<8} {}  {} ({} {})\n",
            p.severity.as_str().to_uppercase(),
            p.title,
            p.kind,
            p.account,
            p.region
        ));
        for (i, step) in p.steps.iter().enumerate() {
            out.push_str(&format!("  {}. {}: {}\n", i + 1, step.label, step.evidence));
        }
        out.push('\n');
    }
    out
}

/// Runs `aidr paths`: exit 0, 1 when `--fail-on` is reached, 2 on bad input.
///
/// # Errors
/// When the inventory cannot be read or collected, or stdout fails.
pub fn main(args: PathsArgs) -> std::io::Result<ExitCode> {
    let organization = match args.gate.organization() {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let inventory = args.source.load()?;
    let found: Vec<AttackPath> = paths::find(&inventory, &organization)
        .into_iter()
        .filter(|p| p.severity >= args.gate.min_severity)
        .collect();
    let text = match args.format {
        PathsFormat::Table => table(&found),
        PathsFormat::Json => serde_json::to_string_pretty(&found).map_err(std::io::Error::other)? + "\n",
        PathsFormat::Dot => paths::to_dot(&found),
        PathsFormat::Mermaid => paths::to_mermaid(&found),
        PathsFormat::Html => {
            let mut page = Page::new("aidr paths");
            page.sources.push(args.source.describe(&inventory));
            page.paths = found.iter().filter_map(|p| serde_json::to_value(p).ok()).collect();
            page.inventory = Some(inventory.clone());
            page.render()
        }
    };
    crate::write_stdout(text.as_bytes())?;
    eprintln!(
        "aidr: {} resources; {} attack paths",
        inventory.resources.len(),
        found.len()
    );
    Ok(args.gate.exit(found.iter().map(|p| p.severity).max()))
}
