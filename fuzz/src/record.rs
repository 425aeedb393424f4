//! The CloudTrail record parser, and the detections over a record: a record that reads alone
//! reads the same, with the same findings, in every form the reader takes.

use aidr_engine::input::Layout;
use aidr_engine::{Evaluation, Event, Principal, Record};
use serde_json::Value;

use crate::pipeline;

/// What must agree between the forms a record comes in.
fn outcome(evaluation: &Evaluation) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        evaluation.records,
        evaluation.errors.len(),
        &evaluation.findings,
        &evaluation.observations,
        evaluation.ignored.total(),
    )
}

/// Parses `data` as a record, reads what the typed views give, then judges it alone and in a
/// log file, an array, an EventBridge envelope and JSON lines: the findings, observations and
/// fields left out are the same (twice over for two lines).
pub fn record(data: &[u8]) {
    let Ok(record) = serde_json::from_slice::<Record>(data) else {
        return;
    };
    let principal = Principal::of(&record);
    let _ = (principal.aws_service(), principal.user_name(), principal.is_root());
    let event = Event::new(&record).with_raw(data);
    let _ = (
        event.whole(),
        event.account(),
        event.access_denied(),
        event.error_code(),
    );
    let _ = (
        event.request(),
        event.response(),
        event.additional(),
        event.service_details(),
    );

    let alone = pipeline().read(data, Layout::Stream, "fuzz");
    // Only a bare record: a log file or an envelope that also parses as a record is not one.
    let Ok(Value::Object(keys)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let wrapper = [
        "Records",
        "detail-type",
        "configurationItems",
        "resourceType",
        "collected_at",
    ];
    if alone.records != 1 || !alone.errors.is_empty() || wrapper.iter().any(|k| keys.contains_key(*k)) {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let text = text.trim_start_matches('\u{feff}').trim();
    let forms = [
        format!(r#"{{"Records":[{text}]}}"#),
        format!("[{text}]"),
        format!(r#"{{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.fuzz","detail":{text}}}"#),
    ];
    for form in &forms {
        let wrapped = pipeline().read(form.as_bytes(), Layout::Stream, "fuzz");
        assert_eq!(outcome(&wrapped), outcome(&alone), "{form}");
    }
    if !text.contains('\n') {
        let lines = format!("{text}\n{text}\n");
        let twice = pipeline().read(lines.as_bytes(), Layout::Lines, "fuzz");
        let findings: Vec<_> = alone.findings.iter().chain(&alone.findings).cloned().collect();
        assert_eq!((twice.records, twice.errors.len()), (2, 0), "{lines}");
        assert_eq!(twice.findings, findings, "{lines}");
    }
}
