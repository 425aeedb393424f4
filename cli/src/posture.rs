//! `aidr posture`: the posture checks on an inventory's snapshots (collected live or saved),
//! findings written as `aidr scan` writes them.

use std::process::ExitCode;

use aidr_engine::{Finding, Pipeline, Registry, Severity};

use crate::output::{Format, Output, Style};

#[derive(clap::Args)]
pub struct PostureArgs {
    #[command(flatten)]
    source: crate::source::Source,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    gate: crate::gate::Gate,
}

/// Runs `aidr posture`; exit status as `aidr scan`'s.
///
/// # Errors
/// When the inventory cannot be read or collected, or stdout fails.
pub fn main(args: PostureArgs) -> std::io::Result<ExitCode> {
    let organization = match args.gate.organization() {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let inventory = args.source.load()?;
    let pipeline = Pipeline::new(Registry::builtin(), organization, None);
    let findings: Vec<Finding> = inventory.resources.iter().flat_map(|r| pipeline.assess(r)).collect();
    let rule_ids = pipeline.registry().detections().iter().map(|d| d.metadata().id);
    let style = Style::new(args.format, args.gate.min_severity, rule_ids);
    let stdout = Box::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()));
    let mut out = Output::new(style, stdout);
    let resources = inventory.resources.len();
    if let Some(page) = out.page_mut() {
        page.title = "aidr posture".into();
        page.sources.push(args.source.describe(&inventory));
        page.paths = crate::report::paths_of(&inventory, pipeline.organization());
        page.inventory = Some(inventory);
    }
    out.write(style.render(&findings))?;
    out.finish()?;
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| format!("{s} {}", findings.iter().filter(|f| f.severity == *s).count()))
        .collect();
    eprintln!(
        "aidr: {resources} resources; {} findings ({})",
        findings.len(),
        by_severity.join(", ")
    );
    Ok(args.gate.exit(out.highest()))
}
