//! `aidr`: scan CloudTrail files with the detection catalog, list the catalog, show an inventory
//! (collected live, or saved) and judge its posture, write an HTML report, and read and undo
//! the responder's actions.

mod catalog;
mod gate;
mod inventory;
mod output;
mod paths;
mod posture;
mod read_ahead;
mod report;
mod respond;
mod scan;
mod source;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aidr_engine::stateful::StatefulSettings;
use aidr_engine::{Organization, Pipeline, Registry};
use clap::{Parser, Subcommand, ValueEnum};

/// AI detection & response for AWS: finds risky changes to Bedrock, SageMaker and IAM in
/// CloudTrail.
#[derive(Parser)]
#[command(name = "aidr", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay CloudTrail files (EventBridge events, CloudTrail log files .json/.json.gz, JSON
    /// lines; folders recursively; `-` for stdin) through the detections; AWS Config
    /// configuration items in the same files go through the posture checks.
    Scan(ScanArgs),
    /// Print the detection catalog: event rules, stateful detections, posture checks.
    Rules {
        #[arg(long, value_enum, default_value_t = CatalogFormat::Table)]
        format: CatalogFormat,
    },
    /// Show the inventory of AI resources, collected live from AWS (a build with `--features
    /// aws`) or saved (`--from`): a table, JSON, or a CycloneDX 1.6 ML-BOM.
    Inventory(inventory::InventoryArgs),
    /// Run the posture checks on an inventory's resources (live, or `--from`); findings as
    /// `scan` writes them.
    Posture(posture::PostureArgs),
    /// List the attack paths of an inventory (live, or `--from`; posture and identities
    /// joined), most severe first: a table, JSON, Graphviz DOT, Mermaid or HTML.
    Paths(paths::PathsArgs),
    /// Write one self-contained HTML report of an inventory (live, or `--from`), its posture
    /// findings, findings of `scan`, and attack paths.
    Report(report::ReportArgs),
    /// Print the EventBridge event patterns the deployed stack uses, generated from the
    /// catalog: `write` events go to the detector directly, high-volume `read` events via SQS.
    Patterns,
    /// The responder's audit: list recent decisions, show one, undo a reversible action
    /// (needs a build with `--features aws`, AWS credentials and the state table).
    Respond(respond::RespondArgs),
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files, folders, or `-` for standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = output::Format::Table)]
    format: output::Format,
    #[command(flatten)]
    gate: crate::gate::Gate,
    /// Worker threads for parsing files, 1 to 1024 (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Only the single-event rules: skip the stateful LLMjacking detections.
    #[arg(long)]
    no_stateful: bool,
    /// A window or threshold of the stateful detections, e.g. `probe_threshold=20`
    /// (repeatable; names and defaults in the README).
    #[arg(long = "stateful-setting", value_name = "NAME=VALUE")]
    stateful_settings: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogFormat {
    Table,
    Json,
    Markdown,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Rules { format } => {
            let registry = Registry::builtin();
            let text = match format {
                CatalogFormat::Table => catalog::table(&registry),
                CatalogFormat::Json => catalog::json(&registry),
                CatalogFormat::Markdown => catalog::markdown(&registry),
            };
            write_stdout(text.as_bytes()).map(|()| ExitCode::SUCCESS)
        }
        Command::Patterns => {
            let patterns = aidr_engine::patterns::patterns(&Registry::builtin());
            let text = serde_json::to_string_pretty(&patterns).unwrap_or_default() + "\n";
            write_stdout(text.as_bytes()).map(|()| ExitCode::SUCCESS)
        }
        Command::Inventory(args) => inventory::main(args),
        Command::Posture(args) => posture::main(args),
        Command::Paths(args) => paths::main(args),
        Command::Report(args) => report::main(args),
        Command::Respond(args) => return respond::main(args),
    };
    result.unwrap_or_else(|e| {
        eprintln!("aidr: {e}");
        ExitCode::from(2)
    })
}

fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        // A closed pipe (`aidr scan … | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The organization of `--org-account` ids, or the exit status after saying which is no
/// account id.
fn organization(accounts: &[String]) -> Result<Organization, ExitCode> {
    for account in accounts {
        if !aidr_engine::aws_ids::is_account_id(account) {
            eprintln!("aidr: --org-account {account:?} is not a 12-digit AWS account id");
            return Err(ExitCode::from(2));
        }
    }
    Ok(Organization {
        accounts: accounts.to_vec(),
    })
}

fn run_scan(args: ScanArgs) -> std::io::Result<ExitCode> {
    let organization = match args.gate.organization() {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let mut settings = StatefulSettings::default();
    for setting in &args.stateful_settings {
        if let Err(e) = settings.apply(setting) {
            eprintln!("aidr: --stateful-setting {e}");
            return Ok(ExitCode::from(2));
        }
    }
    let stateful = (!args.no_stateful).then_some(settings);
    let pipeline = Pipeline::new(Registry::builtin(), organization, stateful);
    let rule_ids = pipeline.registry().detections().iter().map(|d| d.metadata().id);
    let stdout = Box::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()));
    let style = output::Style::new(args.format, args.gate.min_severity, rule_ids);
    let mut out = output::Output::new(style, stdout);
    if let Some(page) = out.page_mut() {
        page.sources = args.paths.iter().map(|p| p.display().to_string()).collect();
    }
    let report = scan::run(&pipeline, &args.paths, args.threads.map(usize::from), &mut out)?;
    report.print_summary(&mut std::io::stderr());
    let failed = args.gate.fails(out.highest());
    Ok(if report.io_errors > 0 {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
