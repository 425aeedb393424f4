//! Converts every Sigma file of a directory and prints what converted and why the rest was
//! refused: `cargo run -p aidr-engine --example sigma_measure -- DIR`.

use std::collections::BTreeMap;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: sigma_measure DIR");
        std::process::exit(2);
    };
    let mut paths: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(1);
        }
    };
    paths.sort();
    let (mut files, mut converted, mut refused) = (0, 0, 0);
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
    {
        files += 1;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: {e}");
                continue;
            }
        };
        for result in aidr_engine::sigma::convert(&text, &name) {
            match result {
                Ok(doc) => {
                    converted += 1;
                    if std::env::var_os("SIGMA_SHOW").is_some() {
                        println!("--- {name}\n{}", aidr_engine::sigma::to_yaml(&doc));
                    }
                }
                Err(r) => {
                    refused += 1;
                    let key = format!(
                        "{}: {}",
                        r.part.split('.').next().unwrap_or_default(),
                        first_clause(&r.reason)
                    );
                    reasons.entry(key).or_default().push(format!("{r}"));
                }
            }
        }
    }
    println!("files {files}, rules converted {converted}, refused {refused}");
    for (reason, rules) in &reasons {
        println!("\n{} x {reason}", rules.len());
        for r in rules {
            println!("    {r}");
        }
    }
}

/// The kind of refusal: the reason up to its first colon or semicolon, without the condition
/// text it quotes.
fn first_clause(reason: &str) -> String {
    let reason = reason
        .strip_prefix('`')
        .and_then(|r| r.split_once("`: ").map(|(_, rest)| rest))
        .unwrap_or(reason);
    let head = reason.split([':', ';']).next().unwrap_or(reason);
    match head.split_once("`|") {
        Some((before, after)) => format!("{before}{}", after.split_once('`').map(|(_, rest)| rest).unwrap_or("")),
        None => head.to_string(),
    }
}
