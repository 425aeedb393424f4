//! `aidr rules test PATHS`: runs each user rule's own samples through the real pipeline and
//! reports like a test runner, for users' CI. Exit 0 when every sample passes (a rule without
//! samples is reported, not failed), 1 when one fails, 2 when the rules do not load.

use std::path::PathBuf;
use std::process::ExitCode;

use aidr_engine::user_rules::{self, SampleOutcome, UserRule};
use clap::ValueEnum;
use serde_json::json;

#[derive(clap::Args)]
pub struct TestArgs {
    /// Rule files (YAML), or folders of them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum TestFormat {
    /// `test <rule> sample match[0] ... ok`, the reason under a failure, a summary line.
    Text,
    /// `{"passed", "failed", "without_samples": [ids], "results": [{rule, sample, passed,
    /// expected, got, summary, error}]}`.
    Json,
}

/// One sample's result.
struct Result<'r> {
    rule: &'r str,
    outcome: SampleOutcome,
}

impl Result<'_> {
    /// `match[0]` or `no_match[1]`.
    fn sample(&self) -> String {
        let list = if self.outcome.expected { "match" } else { "no_match" };
        format!("{list}[{}]", self.outcome.index)
    }

    /// Why it failed: the record could not be read, or the rule did the opposite (with why the
    /// rule never saw a `match` sample, when that is the reason).
    fn reason(&self) -> String {
        let o = &self.outcome;
        match (&o.error, o.expected, &o.summary) {
            (Some(e), _, _) => format!("the sample is not a record: {e}"),
            (None, true, _) => match &o.why_not {
                Some(why) => format!("expected a finding, got none: {why}"),
                None => "expected a finding, got none".to_owned(),
            },
            (None, false, Some(summary)) => format!("expected no finding, got {summary:?}"),
            (None, false, None) => "expected no finding, got one".to_owned(),
        }
    }
}

/// Runs `aidr rules test`.
///
/// # Errors
/// When stdout cannot be written.
pub fn main(args: TestArgs) -> std::io::Result<ExitCode> {
    let rules = match super::sources::read_all(&args.paths)
        .and_then(|files| user_rules::load(&files).map_err(|e| e.to_string()))
    {
        Ok(rules) => rules,
        Err(e) => {
            eprintln!("aidr: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let results: Vec<Result> = rules
        .iter()
        .flat_map(|rule| {
            user_rules::run_samples(rule).into_iter().map(|outcome| Result {
                rule: rule.id(),
                outcome,
            })
        })
        .collect();
    let without: Vec<&str> = rules
        .iter()
        .filter(|r| r.samples().must_match.is_empty() && r.samples().must_not_match.is_empty())
        .map(UserRule::id)
        .collect();
    let failed = results.iter().filter(|r| !r.outcome.passed()).count();
    let passed = results.len() - failed;
    let text = match args.format {
        TestFormat::Text => text(&results, &without, rules.len()),
        TestFormat::Json => {
            let results: Vec<_> = results
                .iter()
                .map(|r| {
                    json!({
                        "rule": r.rule,
                        "sample": r.sample(),
                        "passed": r.outcome.passed(),
                        "expected": r.outcome.expected,
                        "got": r.outcome.got,
                        "summary": r.outcome.summary,
                        "error": r.outcome.error,
                        "reason": (!r.outcome.passed()).then(|| r.reason()),
                    })
                })
                .collect();
            let report = json!({
                "passed": passed,
                "failed": failed,
                "without_samples": without,
                "results": results,
            });
            serde_json::to_string_pretty(&report).map_err(std::io::Error::other)? + "\n"
        }
    };
    crate::write_stdout(text.as_bytes())?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The report for people: a line per sample (the reason under a failure), the rules without
/// samples, the summary line.
fn text(results: &[Result], without: &[&str], rules: usize) -> String {
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut out = format!(
        "running {} of {}\n",
        plural(results.len(), "sample"),
        plural(rules, "rule")
    );
    for r in results {
        let verdict = if r.outcome.passed() { "ok" } else { "FAILED" };
        out += &format!("test {} sample {} ... {verdict}\n", r.rule, r.sample());
        if !r.outcome.passed() {
            out += &format!("    {}\n", r.reason());
        }
    }
    for id in without {
        out += &format!("test {id} ... no samples\n");
    }
    let failed = results.iter().filter(|r| !r.outcome.passed()).count();
    out += &format!(
        "\ntest result: {}. {} passed; {failed} failed",
        if failed == 0 { "ok" } else { "FAILED" },
        results.len() - failed
    );
    if !without.is_empty() {
        out += &format!("; {} without samples", without.len());
    }
    out + "\n"
}
