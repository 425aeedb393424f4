//! Where user rules come from: `--rules PATH` (rule files, or folders of them) and `--sigma
//! PATH` (Sigma rules, converted as they are read), shared by `scan`, `patterns` and `rules`.
//! The rules join the built-in catalog in one registry; a rule that does not load stops the
//! command before anything runs (never half a catalog).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aidr_engine::Registry;
use aidr_engine::detection::EventKey;
use aidr_engine::user_rules::{self, SourceFile, UserRule};

use super::import_sigma::Converted;

/// The user rules of a command.
#[derive(clap::Args, Default)]
pub struct UserRuleArgs {
    /// A user rule file (YAML) or a folder of them, run next to the catalog (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// A Sigma rule file (AWS CloudTrail logsource) or a folder of them, converted to user
    /// rules as they are read; what cannot be converted is a warning (repeatable).
    #[arg(long = "sigma", value_name = "PATH")]
    pub sigma: Vec<PathBuf>,
}

/// A user rule of the registry: its id and the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRuleOrigin {
    pub id: String,
    pub origin: String,
}

/// The registry with the user rules, and which of its detections they are.
pub struct Loaded {
    pub registry: Registry,
    pub user: Vec<UserRuleOrigin>,
}

impl Loaded {
    /// The file the user rule `id` came from; `None` for a built-in detection.
    pub fn origin(&self, id: &str) -> Option<&str> {
        self.user.iter().find(|u| u.id == id).map(|u| u.origin.as_str())
    }

    /// The events the user rules consume, each once.
    pub fn user_event_keys(&self) -> Vec<EventKey> {
        let mut keys: Vec<EventKey> = self
            .registry
            .detections()
            .iter()
            .filter(|d| self.origin(d.metadata().id).is_some())
            .flat_map(|d| d.metadata().events.iter().copied())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

impl UserRuleArgs {
    /// The built-in catalog and the user rules in one registry; the built-in catalog alone
    /// when none is given. Errors and Sigma's refusals are printed to stderr.
    ///
    /// # Errors
    /// Exit status 2, after saying why, when a file cannot be read or a rule does not load.
    pub fn load(&self) -> Result<Loaded, ExitCode> {
        let fail = |message: String| {
            eprintln!("aidr: {message}");
            ExitCode::from(2)
        };
        if self.rules.is_empty() && self.sigma.is_empty() {
            return Ok(Loaded {
                registry: Registry::builtin(),
                user: Vec::new(),
            });
        }
        let mut rules: Vec<UserRule> = Vec::new();
        let mut user: Vec<UserRuleOrigin> = Vec::new();
        let mut add = |origin: &str, loaded: Vec<UserRule>| -> Result<(), String> {
            for rule in loaded {
                if let Some(first) = user.iter().find(|u| u.id == rule.id()) {
                    return Err(format!(
                        "{origin}: rule {}: the id is defined twice: in {} and here (hint: rule ids are unique across every file loaded)",
                        rule.id(),
                        first.origin
                    ));
                }
                user.push(UserRuleOrigin {
                    id: rule.id().to_owned(),
                    origin: origin.to_owned(),
                });
                rules.push(rule);
            }
            Ok(())
        };
        for file in read_all(&self.rules).map_err(fail)? {
            let loaded = user_rules::load(std::slice::from_ref(&file)).map_err(|e| fail(e.to_string()))?;
            add(&file.origin, loaded).map_err(fail)?;
        }
        let sigma_files = read_all(&self.sigma).map_err(fail)?;
        let converted = super::import_sigma::convert_files(&sigma_files);
        for refusal in &converted.refusals {
            eprintln!("aidr: warning: {refusal}");
        }
        for file in &sigma_files {
            let rules = sigma_rules(&file.origin, &converted.converted).map_err(fail)?;
            add(&file.origin, rules).map_err(fail)?;
        }
        let registry = Registry::with_user_rules(rules).map_err(|e| fail(format!("user rules: {e}")))?;
        Ok(Loaded { registry, user })
    }
}

/// The rules converted from the Sigma file `origin`, compiled; a file that converts to
/// nothing is warned of.
///
/// # Errors
/// A message naming the file and the rule when a converted rule does not compile (the
/// converter checks that each does).
fn sigma_rules(origin: &str, converted: &[Converted]) -> Result<Vec<UserRule>, String> {
    let rules = converted
        .iter()
        .filter(|c| c.origin == origin)
        .map(|c| {
            user_rules::compile(&c.doc).map_err(|e| format!("{origin}: rule {} (converted from Sigma): {e}", c.doc.id))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if rules.is_empty() {
        eprintln!("aidr: warning: {origin}: no rule converted from Sigma");
    }
    Ok(rules)
}

/// The rule files of `paths`: a file as it is, a folder's YAML files.
///
/// # Errors
/// The first error of [`read`].
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<SourceFile>, String> {
    let mut files = Vec::new();
    for path in paths {
        files.extend(read(path)?);
    }
    Ok(files)
}

/// The rule files of one path: a file as it is, a folder's YAML files (recursively).
///
/// # Errors
/// A message naming the path that cannot be read, or the folder that holds no `*.yaml` or
/// `*.yml` file (rules given that are not there would be a silent gap in the catalog).
pub fn read(path: &Path) -> Result<Vec<SourceFile>, String> {
    match user_rules::read_dir(path) {
        Err(e) => Err(format!("{}: {e}", path.display())),
        Ok(files) if files.is_empty() => Err(format!("no rule files under {} (*.yaml, *.yml)", path.display())),
        Ok(files) => Ok(files),
    }
}
