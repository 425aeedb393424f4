//! The input reader in every layout (a stream of values, JSON lines, line chunks, gzip) and
//! the bodies of queued messages.

use std::io::{Cursor, Write};

use aidr_engine::cloudtrail::record::IgnoredField;
use aidr_engine::input::{self, InputError, Layout, LineChunks, Sink};
use aidr_engine::trail::{self, Message};
use aidr_engine::{Record, ResourceSnapshot};

use crate::pipeline;

/// What one reading gave.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    /// `eventName` of each record parsed, in order.
    names: Vec<String>,
    passed_over: usize,
    resources: usize,
    skipped: usize,
    ignored: usize,
    errors: Vec<InputError>,
}

/// A sink that wants every record parsed, or none.
struct Tallying {
    wants: bool,
    tally: Tally,
}

impl Sink for Tallying {
    fn wants(&self, _: &str, _: &str, _: &[u8]) -> bool {
        self.wants
    }
    fn passed_over(&mut self) {
        self.tally.passed_over += 1;
    }
    fn record(&mut self, record: &Record<'_>) {
        self.tally.names.push(record.name().to_owned());
    }
    fn ignored(&mut self, _: &IgnoredField, _: InputError) {
        self.tally.ignored += 1;
    }
    fn resource(&mut self, _: ResourceSnapshot) {
        self.tally.resources += 1;
    }
    fn skipped(&mut self) {
        self.tally.skipped += 1;
    }
    fn error(&mut self, error: InputError) {
        self.tally.errors.push(error);
    }
}

impl Tally {
    /// Records (parsed or passed over) and errors: each record has one of these outcomes.
    fn outcomes(&self) -> usize {
        self.names.len() + self.passed_over + self.errors.len()
    }

    /// Every error names a line of the input (`newlines` + 1 lines) or none.
    fn check_lines(&self, newlines: u64) {
        for e in &self.errors {
            if let Some(line) = e.line {
                assert!((1..=newlines + 1).contains(&line), "{e} of {} lines", newlines + 1);
            }
            assert!(!e.message.is_empty());
        }
    }

    fn absorb(&mut self, other: Tally) {
        self.names.extend(other.names);
        self.passed_over += other.passed_over;
        self.resources += other.resources;
        self.skipped += other.skipped;
        self.ignored += other.ignored;
        self.errors.extend(other.errors);
    }
}

fn read(data: &[u8], layout: Layout, wants: bool) -> Tally {
    let mut sink = Tallying {
        wants,
        tally: Tally::default(),
    };
    input::read(data, layout, "fuzz", &mut sink);
    sink.tally
}

/// Reads `bytes` as a stream, gunzipped when they open with the gzip magic number.
fn read_stream(bytes: &[u8], layout: Layout) -> Tally {
    let mut sink = Tallying {
        wants: true,
        tally: Tally::default(),
    };
    let mut opened = input::open(bytes).expect("memory reads");
    input::read_from(&mut opened, layout, "fuzz", &mut sink);
    sink.tally
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).expect("memory writes");
    gz.finish().expect("memory writes")
}

/// Reads `data` as JSON lines cut into chunks of about `size` bytes, each read on its own, as
/// the command line does on many threads: errors shifted by the lines before their chunk.
fn read_chunks(data: &[u8], size: usize) -> Tally {
    let (mut tally, mut lines) = (Tally::default(), 0);
    for chunk in LineChunks::new(Cursor::new(data), size) {
        let chunk = chunk.expect("memory reads");
        let mut part = read(&chunk, Layout::Lines, true);
        part.errors.iter_mut().for_each(|e| e.shift(lines));
        lines += input::count_lines(&chunk);
        tally.absorb(part);
    }
    tally
}

/// Reads `data` in both layouts, in memory, streamed through gzip, with no record wanted,
/// and (JSON lines) in chunks: each record keeps one outcome, and the readings agree.
pub fn reader(data: &[u8]) {
    let newlines = input::count_lines(data);
    let _ = Layout::sniff(data);
    for layout in [Layout::Stream, Layout::Lines] {
        let whole = read(data, layout, true);
        whole.check_lines(newlines);
        let picky = read(data, layout, false);
        // Only records whose kind cannot be read unparsed (escapes in it) are parsed.
        assert!(
            picky.names.len() <= whole.names.len(),
            "{layout:?}: records parsed twice"
        );
        assert_eq!(picky.outcomes(), whole.outcomes(), "{layout:?}: records or errors lost");
        assert_eq!(
            (picky.resources, picky.skipped),
            (whole.resources, whole.skipped),
            "{layout:?}"
        );
        assert_eq!(read_stream(&gzip(data), layout), whole, "{layout:?}: gzip stream");
    }
    let size = 1 + usize::from(data.first().copied().unwrap_or(0) % 64);
    assert_eq!(
        read_chunks(data, size),
        read(data, Layout::Lines, true),
        "chunks of {size}"
    );
    if input::is_gzip(data) {
        read_stream(data, Layout::Stream).check_lines(u64::MAX - 1);
    }
}

/// Reads `data` as the body of a queued message: what it says about log files (an S3
/// notification, directly, through SNS or EventBridge; an `aidr backfill` message), else the
/// records it holds, as the detector does. A message about objects says the same through SNS.
pub fn sqs_body(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    match trail::message(body) {
        Message::Other => {
            let evaluation = pipeline().read(data, Layout::Stream, "fuzz");
            for finding in &evaluation.findings {
                assert!(
                    pipeline().registry().get(&finding.rule_id).is_some(),
                    "{}",
                    finding.rule_id
                );
            }
        }
        message => {
            if let Message::Objects(objects) = &message {
                for object in objects {
                    let kind = trail::classify(&object.key);
                    assert_eq!(kind.is_log_file(), kind.skip_reason().is_none(), "{}", object.key);
                }
            }
            if !body.contains("\"Notification\"") {
                let sns = serde_json::json!({"Type": "Notification", "Message": body}).to_string();
                assert_eq!(trail::message(&sns), message, "through SNS");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_file_in_chunks_reads_as_a_whole() {
        let rec = r#"{"eventSource":"s3.amazonaws.com","eventName":"A"}"#;
        let text = format!("{rec}\n{{oops\n{rec}\n");
        let chunked = read_chunks(text.as_bytes(), 3);
        assert_eq!(chunked.names, ["A", "A"]);
        assert_eq!(chunked.errors.len(), 1);
        assert_eq!(chunked.errors[0].line, Some(2));
        assert_eq!(read_stream(&gzip(text.as_bytes()), Layout::Lines), chunked);
    }
}
