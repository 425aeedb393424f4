//! `aidr rules`: the detection catalog (with loaded user rules), and the tools for user rules:
//! `lint` (every problem of rule files, with file and line), `test` (each rule's own samples,
//! like a test runner) and `import-sigma` (Sigma CloudTrail rules as user rules).

pub mod catalog;
pub mod import_sigma;
mod lint;
pub mod sources;
mod test;

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

/// `aidr rules [--format F] [--rules PATH]…`, or one of its subcommands.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: Option<RulesCommand>,
    #[arg(long, value_enum, default_value_t = CatalogFormat::Table)]
    format: CatalogFormat,
    #[command(flatten)]
    user: sources::UserRuleArgs,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Check user rule files: every error (YAML, schema, what does not compile, ids taken by
    /// the built-in catalog or defined twice) and warning (fields no known record of the
    /// event has, rules without samples, sources that are not AWS services'), each with its
    /// file, line and a hint. Exit 1 on any error (or warning, with `--deny-warnings`).
    Lint(lint::LintArgs),
    /// Run each user rule's samples (`samples.match` must make a finding, `samples.no_match`
    /// must not) and report like a test runner. Exit 1 when a sample fails, 2 when the rules
    /// do not load.
    Test(test::TestArgs),
    /// Convert Sigma rules whose logsource is AWS CloudTrail into user rule files, saying
    /// which rules or parts cannot be converted and why.
    ImportSigma(import_sigma::ImportArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogFormat {
    Table,
    Json,
    Markdown,
}

/// Runs `aidr rules` or its subcommand.
///
/// # Errors
/// When stdout cannot be written (other failures are reported and give exit status 2).
pub fn main(args: RulesArgs) -> std::io::Result<ExitCode> {
    match args.command {
        Some(RulesCommand::Lint(lint)) => lint::main(lint),
        Some(RulesCommand::Test(test)) => test::main(test),
        Some(RulesCommand::ImportSigma(import)) => import_sigma::main(import),
        None => {
            let loaded = match args.user.load() {
                Ok(loaded) => loaded,
                Err(code) => return Ok(code),
            };
            let text = match args.format {
                CatalogFormat::Table => catalog::table(&loaded),
                CatalogFormat::Json => catalog::json(&loaded),
                CatalogFormat::Markdown => catalog::markdown(&loaded),
            };
            crate::write_stdout(text.as_bytes()).map(|()| ExitCode::SUCCESS)
        }
    }
}
