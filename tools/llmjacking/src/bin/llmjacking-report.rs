//! Scores `aidr scan --format ndjson` findings against the scenarios of the LLMjacking data
//! set: per scenario detected (medium+), latency, the rules that matched and the alerts they
//! make; the benign medium+ rate per 100 principal-days, grouped by rule; and the alerts of
//! the month at the default alerting settings, by severity, benign and attack, with the benign
//! low alerts per principal-week. Prints Markdown.
//!
//! Usage: `llmjacking-report SCENARIOS.json FINDINGS.ndjson`
//! Exit status: 0 all targets met, 1 a target missed, 2 bad input.

use std::path::Path;
use std::process::ExitCode;

use aidr_llmjacking::evaluate_files;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [scenarios, findings] = args.as_slice() else {
        eprintln!("usage: llmjacking-report SCENARIOS.json FINDINGS.ndjson");
        return ExitCode::from(2);
    };
    match evaluate_files(Path::new(scenarios), Path::new(findings)) {
        Ok(evaluation) => {
            print!("{}", evaluation.markdown());
            if evaluation.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("llmjacking-report: {e}");
            ExitCode::from(2)
        }
    }
}
