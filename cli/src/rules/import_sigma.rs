//! `aidr rules import-sigma FILE|DIR [--out DIR] [--force]`: Sigma rules whose logsource is
//! AWS CloudTrail, converted into user rule files. With `--out`, one file per rule named by
//! its id (`<id>.yaml`); without, every rule to stdout, YAML documents separated by `---`.
//! Each rule or part that cannot be converted is said on stderr, then a summary line.
//!
//! Exit 0 when at least one rule converted (refusals are reported, not failures: a folder of
//! Sigma rules for every log source converts what it can); 1 when none did; 2 when the input
//! cannot be read, or an output file exists (without `--force`) or cannot be written, in which
//! case no file is written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aidr_engine::sigma::{self, Refusal};
use aidr_engine::user_rules::{RuleDoc, SourceFile};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// A Sigma rule file, or a folder of them (`*.yml`, `*.yaml`, recursively).
    path: PathBuf,
    /// Write one user rule file per converted rule into this folder (made if missing), named
    /// `<rule id>.yaml`; without it, every rule goes to stdout.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Overwrite rule files that exist in `--out`.
    #[arg(long, requires = "out")]
    force: bool,
}

/// A converted rule and the Sigma file it came from.
pub struct Converted {
    pub origin: String,
    pub doc: RuleDoc,
}

/// The Sigma rules of `files` converted, in order, and why the others were not: each refusal
/// as [`describe`] says it, and a rule whose id a rule converted before it has already taken
/// (two Sigma rules with the same title), which is refused rather than stopping everything.
pub struct Conversion {
    pub converted: Vec<Converted>,
    pub refusals: Vec<String>,
}

/// Converts every Sigma rule of `files` (see [`Conversion`]).
pub fn convert_files(files: &[SourceFile]) -> Conversion {
    let mut conversion = Conversion {
        converted: Vec::new(),
        refusals: Vec::new(),
    };
    let mut ids: HashMap<String, String> = HashMap::new();
    for file in files {
        for result in sigma::convert(&file.text, &file.origin) {
            match result {
                Ok(doc) => match ids.get(&doc.id) {
                    Some(first) => conversion.refusals.push(format!(
                        "{}: rule \"{}\": cannot convert id: {} is also the id of a rule of {first}",
                        file.origin, doc.title, doc.id
                    )),
                    None => {
                        ids.insert(doc.id.clone(), file.origin.clone());
                        conversion.converted.push(Converted {
                            origin: file.origin.clone(),
                            doc,
                        });
                    }
                },
                Err(refusal) => conversion.refusals.push(describe(&refusal)),
            }
        }
    }
    conversion
}

/// Runs `aidr rules import-sigma`.
///
/// # Errors
/// When stdout cannot be written.
pub fn main(args: ImportArgs) -> std::io::Result<ExitCode> {
    let files = match super::sources::read(&args.path) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("aidr: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let Conversion { converted, refusals } = convert_files(&files);
    for refusal in &refusals {
        eprintln!("{refusal}");
    }
    let refused = refusals.len();
    let written = match &args.out {
        Some(dir) => write_files(dir, &converted, args.force),
        None => {
            let text: Vec<String> = converted.iter().map(|c| sigma::to_yaml(&c.doc)).collect();
            crate::write_stdout(text.join("---\n").as_bytes()).map_err(|e| format!("stdout: {e}"))
        }
    };
    eprintln!(
        "aidr: converted {} of {} rules ({refused} refused)",
        converted.len(),
        converted.len() + refused
    );
    Ok(match written {
        Err(e) => {
            eprintln!("aidr: {e}");
            ExitCode::from(2)
        }
        Ok(()) if converted.is_empty() => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
    })
}

/// `file: rule "title": cannot convert <part>: <reason>`.
pub fn describe(refusal: &Refusal) -> String {
    let title = match &refusal.rule_title {
        Some(title) => format!(" rule \"{title}\":"),
        None => String::new(),
    };
    format!(
        "{}:{title} cannot convert {}: {}",
        refusal.origin, refusal.part, refusal.reason
    )
}

/// Writes `<id>.yaml` for each rule into `dir`, after checking that none exists (unless
/// `force`): either every file is written or, on a clash, none.
///
/// # Errors
/// A message naming the files that exist, or the file that cannot be written.
fn write_files(dir: &Path, converted: &[Converted], force: bool) -> Result<(), String> {
    let target = |c: &Converted| dir.join(format!("{}.yaml", c.doc.id));
    if !force {
        let existing: Vec<String> = converted
            .iter()
            .map(target)
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(format!(
                "not overwriting {} (nothing written; --force overwrites)",
                existing.join(", ")
            ));
        }
    }
    if !converted.is_empty() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    for c in converted {
        let path = target(c);
        let text = format!(
            "# Converted from the Sigma rule in {}\n{}",
            c.origin,
            sigma::to_yaml(&c.doc)
        );
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
