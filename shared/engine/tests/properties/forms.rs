//! Property 1: records yield the same findings in every form they arrive in.
//!
//! A few mutated sample records are run, with the stateful detections on, through the CLI's
//! pipeline and the detector's (which sets aside records whose rules ask lookups, judged again
//! here with every lookup unanswered), as:
//! - each alone, one input each (as separate EventBridge invocations);
//! - one CloudTrail log file (`{"Records":[…]}`), read in place and streamed from gzip;
//! - JSON lines, among blank lines, events of other detail-types, records of services no
//!   detection reads and a malformed line, read as lines, in pieces cut at line ends (as the
//!   CLI reads large ones on many threads) and as a `.json` stream;
//! - each in an EventBridge envelope of one of the CloudTrail detail-types, and all those
//!   envelopes in one JSON array;
//! - one SQS batch whose message bodies are those envelopes (or the bare records), split into
//!   inputs as the detector splits a batch (see `functions/detector/src/handler.rs`).

use aidr_engine::Pipeline;
use aidr_engine::input::{CLOUDTRAIL_DETAIL_TYPES, Layout, LineChunks};
use aidr_engine::trail::{self, Message};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::{CLI, DETECTOR, Input, Outcome, config, corpus, run};

/// The EventBridge event CloudTrail sends for `record`, of detail-type `kind`.
pub fn envelope(record: &Value, kind: &str) -> Value {
    let service = record["eventSource"]
        .as_str()
        .and_then(|s| s.strip_suffix(".amazonaws.com"))
        .unwrap_or("unknown");
    json!({
        "version": "0",
        "id": "0b1f5e2a-55d4-4f4e-9c7e-5d2c8f9a1b00",
        "detail-type": kind,
        "source": format!("aws.{service}"),
        "account": record["recipientAccountId"].as_str().unwrap_or("111122223333"),
        "time": record["eventTime"].as_str().unwrap_or("2026-03-02T10:15:30Z"),
        "region": record["awsRegion"].as_str().unwrap_or("us-east-1"),
        "resources": [],
        "detail": record,
    })
}

/// An SQS batch as Lambda delivers it, one message per body.
pub fn sqs_batch(bodies: &[String]) -> String {
    let messages: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({"messageId": format!("m{i}"), "receiptHandle": "AQEB", "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1772446530000"},
                "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:aidr-events", "awsRegion": "us-east-1"})
        })
        .collect();
    json!({ "Records": messages }).to_string()
}

/// The inputs the detector makes of an SQS batch: each message's body, read whole, unless it
/// names objects (which would be read from S3 instead: a record must never look like that).
fn sqs_inputs(payload: &str) -> Result<Vec<Input>, TestCaseError> {
    let batch: Value = serde_json::from_str(payload).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut inputs = Vec::new();
    for message in batch["Records"].as_array().into_iter().flatten() {
        prop_assert_eq!(message["eventSource"].as_str(), Some("aws:sqs"));
        let body = message["body"].as_str().unwrap_or_default();
        prop_assert_eq!(
            trail::message(body),
            Message::Other,
            "a record taken for objects: {}",
            body
        );
        inputs.push(Input::stream(body));
    }
    Ok(inputs)
}

fn gzip(text: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text).expect("in memory");
    gz.finish().expect("in memory")
}

/// Lines that are not records anybody judges: blank, an event of another detail-type, a
/// record of a service no detection reads, a malformed line.
const OTHER_LINES: [&str; 4] = [
    "",
    r#"{"version":"0","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"state":"running"}}"#,
    r#"{"eventVersion":"1.09","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","eventID":"e0"}"#,
    r#"{"eventSource": oops}"#,
];

/// The choices of how records are wrapped, each used in turn (record `i` takes element
/// `i` modulo the length).
#[derive(Debug, Clone)]
struct Wrapping {
    /// Index into [`CLOUDTRAIL_DETAIL_TYPES`] of each envelope.
    kinds: Vec<usize>,
    /// Whether each SQS body is the bare record rather than its envelope.
    bare_bodies: Vec<bool>,
    /// Index into [`OTHER_LINES`] of the line before each record (and after the last).
    noise: Vec<usize>,
    /// Bytes of each piece the JSON lines are cut into, as the CLI cuts large ones.
    chunk: usize,
}

fn wrapping() -> impl Strategy<Value = Wrapping> {
    (
        prop::collection::vec(0..CLOUDTRAIL_DETAIL_TYPES.len(), 1..8),
        prop::collection::vec(any::<bool>(), 1..8),
        prop::collection::vec(0..OTHER_LINES.len(), 1..8),
        1..2000usize,
    )
        .prop_map(|(kinds, bare_bodies, noise, chunk)| Wrapping {
            kinds,
            bare_bodies,
            noise,
            chunk,
        })
}

/// Every form of `records`, named.
fn forms(records: &[Value], wrapping: &Wrapping) -> Result<Vec<(String, Vec<Input>)>, TestCaseError> {
    let Wrapping {
        kinds,
        bare_bodies,
        noise,
        chunk,
    } = wrapping;
    let compact: Vec<String> = records.iter().map(Value::to_string).collect();
    let envelopes: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, r)| envelope(r, CLOUDTRAIL_DETAIL_TYPES[kinds[i % kinds.len()]]))
        .collect();
    let log_file = json!({ "Records": records }).to_string();
    let mut lines = Vec::new();
    for (i, record) in compact.iter().enumerate() {
        lines.push(OTHER_LINES[noise[i % noise.len()]].to_owned());
        lines.push(record.clone());
    }
    lines.push(OTHER_LINES[noise[records.len() % noise.len()]].to_owned());
    let lines = lines.join("\n");
    let bodies: Vec<String> = envelopes
        .iter()
        .zip(&compact)
        .enumerate()
        .map(|(i, (envelope, record))| {
            if bare_bodies[i % bare_bodies.len()] {
                record.clone()
            } else {
                envelope.to_string()
            }
        })
        .collect();
    Ok(vec![
        ("log file".into(), vec![Input::stream(log_file.clone())]),
        (
            "gzip log file, streamed".into(),
            vec![Input {
                text: gzip(log_file.as_bytes()),
                layout: Layout::Stream,
                streamed: true,
            }],
        ),
        (
            "JSON lines".into(),
            vec![Input {
                text: lines.clone().into_bytes(),
                layout: Layout::Lines,
                streamed: false,
            }],
        ),
        (
            format!("JSON lines in pieces of {chunk} bytes"),
            LineChunks::new(lines.as_bytes(), *chunk)
                .map(|piece| Input {
                    text: piece.expect("in memory"),
                    layout: Layout::Lines,
                    streamed: false,
                })
                .collect(),
        ),
        ("JSON lines in a .json file".into(), vec![Input::stream(lines)]),
        (
            "EventBridge envelopes".into(),
            envelopes.iter().map(|e| Input::stream(e.to_string())).collect(),
        ),
        (
            "an array of EventBridge envelopes".into(),
            vec![Input::stream(Value::Array(envelopes.clone()).to_string())],
        ),
        ("SQS batch".into(), sqs_inputs(&sqs_batch(&bodies))?),
    ])
}

fn check(pipeline: &Pipeline, name: &str, records: &[Value], wrapping: &Wrapping) -> Result<(), TestCaseError> {
    let alone: Vec<Input> = records.iter().map(|r| Input::stream(r.to_string())).collect();
    let expected: Outcome = run(pipeline, &alone);
    for (form, inputs) in forms(records, wrapping)? {
        let got = run(pipeline, &inputs);
        if !form.starts_with("JSON lines") {
            prop_assert_eq!(
                (got.records, got.errors),
                (expected.records, expected.errors),
                "{}",
                form
            );
        }
        prop_assert_eq!(
            &got.findings,
            &expected.findings,
            "{} pipeline, {}: records {:?}",
            name,
            form,
            records.iter().map(Value::to_string).collect::<Vec<_>>()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn records_yield_the_same_findings_in_every_form(
        records in prop::collection::vec(corpus::record(), 1..4),
        wrapping in wrapping(),
    ) {
        check(&CLI, "CLI", &records, &wrapping)?;
        check(&DETECTOR, "detector", &records, &wrapping)?;
    }
}

proptest! {
    #![proptest_config(config(12))]

    /// Whole sequences that make the stateful detections fire, lightly edited.
    #[test]
    fn sequences_yield_the_same_findings_in_every_form(
        records in corpus::sequence(),
        wrapping in wrapping(),
    ) {
        check(&CLI, "CLI", &records, &wrapping)?;
        check(&DETECTOR, "detector", &records, &wrapping)?;
    }
}
