//! Every detection of the built-in registry, of every kind, against its own samples: those that
//! must make it fire do, those that must not do not; and every sample file is used and
//! well-formed.

use aidr_engine::Registry;
use aidr_testkit::samples::check_samples;

#[test]
fn every_detection_gives_its_verdict_on_its_samples() {
    let problems = check_samples(&Registry::builtin());
    assert!(problems.is_empty(), "sample problems:\n{}", problems.join("\n"));
}
