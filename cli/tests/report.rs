//! The HTML report in a real browser: `aidr report` on the fixture inventory (its posture
//! findings and attack paths), the event samples' findings and a hostile finding, opened in
//! Debian's headless Chromium with a filter in the URL fragment; assertions on the DOM its script
//! rendered. Run twice: normally, and with every host name unresolvable, which must change
//! nothing.

mod common;

use common::{aidr, root, scratch};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const HOSTILE: &str = "</script><img src=x onerror=alert(1)><!--";

/// Chromium (`AIDR_CHROMIUM`, else Debian's `/usr/bin/chromium`), or `None` with a note when it
/// is missing; under CI or the test command (`CI`, `AIDR_TEST_EMULATOR`) that fails the test.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("AIDR_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if path.is_file() {
        return Some(path);
    }
    let required = std::env::var_os("CI").is_some() || std::env::var_os("AIDR_TEST_EMULATOR").is_some();
    assert!(
        !required,
        "Chromium is not installed at {}: run scripts/test",
        path.display()
    );
    eprintln!(
        "skipped: no Chromium at {} (scripts/test installs Debian's chromium)",
        path.display()
    );
    None
}

/// The DOM of `page` at `fragment` once its script ran; `offline` makes every host name
/// unresolvable.
fn dump_dom(chromium: &Path, page: &Path, fragment: &str, offline: bool) -> String {
    let dir = scratch(if offline { "offline" } else { "online" });
    let profile = dir.join("profile");
    let dom = dir.join("dom.html");
    let mut command = Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--virtual-time-budget=5000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    if offline {
        command.arg("--host-resolver-rules=MAP * ~NOTFOUND");
    }
    command
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()));
    let mut child = command
        .stdout(std::fs::File::create(&dom).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("Chromium still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "Chromium failed: {status}");
    std::fs::read_to_string(dom).unwrap()
}

/// The opening tags in `dom` that start with `start` (`<tr class="finding"`).
fn tags<'d>(dom: &'d str, start: &str) -> Vec<&'d str> {
    dom.match_indices(start)
        .map(|(at, _)| &dom[at..at + dom[at..].find('>').unwrap() + 1])
        .collect()
}

/// The text of the element opened by `open` (`<span id="shown">`), up to the next tag.
fn text_of<'d>(dom: &'d str, open: &str) -> &'d str {
    let at = dom.find(open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    &dom[at..at + dom[at..].find('<').unwrap()]
}

fn attribute<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// Findings by severity in the report's inputs.
fn expected_counts(findings: &[Value], account: Option<&str>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for f in findings.iter().filter(|f| account.is_none_or(|a| f["account"] == a)) {
        *counts.entry(f["severity"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    counts
}

/// What the page must show with `#severity=high`, and with the account filter too.
fn check(dom: &str, findings: &[Value], paths: &[Value], account: Option<&str>) {
    assert!(dom.contains("data-rendered=\"true\""), "the script did not run");
    let counts = expected_counts(findings, account);
    for severity in ["critical", "high", "medium", "low", "info"] {
        let shown = text_of(dom, &format!("<span class=\"count\" id=\"count-{severity}\">"));
        let expected = counts.get(severity).copied().unwrap_or(0);
        assert_eq!(shown, expected.to_string(), "count of {severity}");
    }
    let high = counts.get("high").copied().unwrap_or(0);
    assert_eq!(
        text_of(dom, "<span id=\"shown\">"),
        format!("{high} of {} findings shown", findings.len())
    );

    let rows = tags(dom, "<tr class=\"finding\"");
    assert_eq!(rows.len(), findings.len(), "one row a finding");
    let visible: Vec<&&str> = rows.iter().filter(|t| !t.contains(" hidden=")).collect();
    assert_eq!(visible.len(), high);
    for row in &rows {
        let wanted = attribute(row, "data-severity") == Some("high")
            && account.is_none_or(|a| attribute(row, "data-account") == Some(a));
        assert_eq!(!row.contains(" hidden="), wanted, "{row}");
    }
    for incident in tags(dom, "<tr class=\"incident\"") {
        assert_eq!(attribute(incident, "data-severity"), Some("high"), "{incident}");
    }
    assert!(
        !tags(dom, "<svg class=\"timeline\"").is_empty(),
        "the timeline is drawn"
    );

    let figures = tags(dom, "<figure class=\"path\"");
    assert_eq!(figures.len(), paths.len());
    for (figure, path) in figures.iter().zip(paths) {
        assert_eq!(attribute(figure, "data-severity"), path["severity"].as_str());
        let wanted = path["severity"] == "high" && account.is_none_or(|a| path["account"] == a);
        assert_eq!(!figure.contains(" hidden="), wanted, "{figure}");
    }
    let diagrams = tags(dom, "<svg class=\"path-diagram\"");
    assert_eq!(diagrams.len(), paths.len(), "every path drawn");
    let mut arrows = 0;
    let mut expected_labels = Vec::new();
    for (diagram, path) in diagrams.iter().zip(paths) {
        let labels: Vec<&str> = path["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["label"].as_str().unwrap())
            .collect();
        assert_eq!(attribute(diagram, "aria-label"), Some(labels.join(" → ").as_str()));
        arrows += labels.len() - 1;
        // A box shows a label whole up to 28 characters, else its first 27 and an ellipsis.
        expected_labels.extend(labels.iter().map(|l| match l.chars().count() {
            0..=28 => (*l).to_owned(),
            _ => l.chars().take(27).collect::<String>() + "…",
        }));
    }
    let labels: Vec<&str> = dom
        .match_indices("<text class=\"step-label\"")
        .map(|(at, _)| text_of(&dom[at..], ">"))
        .collect();
    assert_eq!(labels, expected_labels);
    for label in ["gateway tools-gw", "notebook research-scratch", "user etl-batch"] {
        assert!(labels.contains(&label), "{label} not drawn: {labels:?}");
    }
    assert_eq!(dom.matches("<polygon").count(), arrows, "an arrow between steps");

    let resources = tags(dom, "<tr class=\"resource\"");
    assert_eq!(resources.len(), 22);
    let shown_resources = resources.iter().filter(|t| !t.contains(" hidden=")).count();
    assert_eq!(shown_resources, if account.is_some() { 2 } else { 22 });
    assert_eq!(tags(dom, "<tr class=\"gap\"").len(), 1);

    // Data is text: the hostile summary is shown escaped and made no element.
    assert!(dom.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;!--"));
    for element in ["<img", "<iframe", "<link", "<object", "<embed"] {
        assert!(!dom.contains(element), "{element} in the DOM");
    }
    for attr in ["src=\"http", "href=\"http", "src='http", "href='http"] {
        assert!(!dom.contains(attr), "a remote {attr}");
    }
}

#[test]
fn the_report_renders_in_chromium_with_the_fragment_filter_and_nothing_remote() {
    let dir = scratch("page");
    let events = std::fs::read_to_string(root().join("cli/tests/expected/events.ndjson")).unwrap();
    let mut hostile: Value = serde_json::from_str(events.lines().next().unwrap()).unwrap();
    hostile["summary"] = HOSTILE.into();
    hostile["severity"] = "high".into();
    let extra = dir.join("hostile.jsonl");
    std::fs::write(&extra, format!("{hostile}\n")).unwrap();
    let page = dir.join("report.html");
    let out = aidr(&[
        "report",
        "--from",
        "samples/inventory/two-accounts.json",
        "--findings",
        "cli/tests/expected/events.ndjson",
        extra.to_str().unwrap(),
        "--output",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));

    let posture = aidr(&[
        "posture",
        "--from",
        "samples/inventory/two-accounts.json",
        "--format",
        "ndjson",
    ]);
    let mut findings: Vec<Value> = String::from_utf8(posture.stdout)
        .unwrap()
        .lines()
        .chain(events.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    findings.push(hostile);
    assert!(
        findings.iter().any(|f| f["severity"] == "high") && findings.iter().any(|f| f["severity"] != "high"),
        "the filter has rows to show and to hide"
    );

    let paths: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(root().join("cli/tests/expected/inventory.paths.json")).unwrap())
            .unwrap();
    assert!(
        paths.iter().any(|p| p["severity"] == "high") && paths.iter().any(|p| p["severity"] != "high"),
        "the filter has paths to show and to hide"
    );

    let Some(chromium) = chromium() else { return };
    let page = page.canonicalize().unwrap();
    for offline in [false, true] {
        let dom = dump_dom(&chromium, &page, "#severity=high", offline);
        check(&dom, &findings, &paths, None);
        let dom = dump_dom(&chromium, &page, "#severity=high&account=444455556666", offline);
        check(&dom, &findings, &paths, Some("444455556666"));
    }
}
