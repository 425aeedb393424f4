//! Scores `aidr scan --format ndjson` findings against the scenarios of the LLMjacking data
//! set: per scenario detected (medium+), latency, the rules that matched and the alerts they
//! make; the benign medium+ rate per 100 principal-days, grouped by rule; and the alerts of
//! the month at the default alerting settings, by severity, benign and attack, with the benign
//! low alerts per principal-week. Prints Markdown.
//!
//! Usage: `llmjacking-report SCENARIOS.json FINDINGS.ndjson [--dedupe-window-seconds N]`
//! (`N`: replay alerting with one window for every detection, as `AIDR_DEDUPE_WINDOW_SECONDS`
//! does; by default each detection's own window).
//! Exit status: 0 all targets met, 1 a target missed, 2 bad input.

use std::path::Path;
use std::process::ExitCode;

use aidr_engine::alerting::AlertPolicy;
use aidr_llmjacking::evaluate_files;

const USAGE: &str = "usage: llmjacking-report SCENARIOS.json FINDINGS.ndjson [--dedupe-window-seconds N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (scenarios, findings, window) = match args.as_slice() {
        [s, f] => (s, f, None),
        [s, f, flag, n] if flag == "--dedupe-window-seconds" => match n.parse::<i64>() {
            Ok(n) if n > 0 => (s, f, Some(n)),
            _ => {
                eprintln!("llmjacking-report: {n:?} is not a positive number of seconds");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let policy = AlertPolicy {
        dedupe_window_override_secs: window,
        ..AlertPolicy::default()
    };
    match evaluate_files(Path::new(scenarios), Path::new(findings), &policy) {
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
