//! `aidr rules lint PATHS`: every problem of user rule files, as text for people
//! (`file:line:column: error: message`, a hint under it, a summary line) or JSON for tools.
//! Exit 0 without errors, 1 with errors (or warnings, with `--deny-warnings`), 2 when a path
//! cannot be read or holds no rule file.

use std::path::PathBuf;
use std::process::ExitCode;

use aidr_engine::Registry;
use aidr_engine::user_rules::lint::{Diagnostic, Level, lint};
use clap::ValueEnum;
use serde_json::json;

#[derive(clap::Args)]
pub struct LintArgs {
    /// Rule files (YAML), or folders of them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    format: LintFormat,
    /// Warnings fail the lint too (exit 1).
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LintFormat {
    /// `file:line:column: level: message`, `  hint: …`, then a summary line.
    Text,
    /// `{"files", "errors", "warnings", "diagnostics": [{origin, line, column, rule, level,
    /// message, hint}]}`.
    Json,
}

/// Runs `aidr rules lint`.
///
/// # Errors
/// When stdout cannot be written.
pub fn main(args: LintArgs) -> std::io::Result<ExitCode> {
    let mut unreadable = false;
    let mut files = Vec::new();
    for path in &args.paths {
        match super::sources::read(path) {
            Ok(read) => files.extend(read),
            Err(e) => {
                eprintln!("aidr: {e}");
                unreadable = true;
            }
        }
    }
    let diagnostics = lint(&files, &Registry::builtin());
    let count = |level| diagnostics.iter().filter(|d| d.level == level).count();
    let (errors, warnings) = (count(Level::Error), count(Level::Warning));
    let text = match args.format {
        LintFormat::Text => text(&diagnostics, files.len(), errors, warnings),
        LintFormat::Json => {
            let report = json!({
                "files": files.len(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": diagnostics,
            });
            serde_json::to_string_pretty(&report).map_err(std::io::Error::other)? + "\n"
        }
    };
    crate::write_stdout(text.as_bytes())?;
    Ok(if unreadable {
        ExitCode::from(2)
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The diagnostics, then `N files: E errors, W warnings`.
fn text(diagnostics: &[Diagnostic], files: usize, errors: usize, warnings: usize) -> String {
    let mut out: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    out += &format!(
        "{} linted: {}, {}\n",
        plural(files, "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    out
}
