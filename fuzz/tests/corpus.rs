//! Every committed corpus and regression file through its fuzz target (what CI runs; the
//! fuzzing itself is `scripts/fuzz`).

use std::fs;
use std::path::Path;

/// Runs every file under `fuzz/<folder>/<target>/` through the target; returns how many.
fn run(folder: &str, name: &str, target: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder).join(name);
    let Ok(entries) = fs::read_dir(&dir) else {
        return 0;
    };
    let mut files: Vec<_> = entries.map(|e| e.expect("a readable folder").path()).collect();
    files.sort();
    for file in &files {
        let data = fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let outcome = std::panic::catch_unwind(|| target(&data));
        assert!(outcome.is_ok(), "{name} fails on {}", file.display());
    }
    files.len()
}

#[test]
fn every_corpus_file_passes() {
    for (name, target) in aidr_fuzz::TARGETS {
        let ran = run("corpus", name, target);
        assert!(ran > 0, "no corpus for {name}");
    }
}

#[test]
fn every_regression_passes() {
    let ran: usize = aidr_fuzz::TARGETS
        .into_iter()
        .map(|(name, target)| run("regressions", name, target))
        .sum();
    assert!(ran > 0, "no regression files");
}
