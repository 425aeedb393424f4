//! The organization trail in S3: which objects are CloudTrail log files, what a queued message
//! says about new ones (an S3 event notification, directly, through SNS or through EventBridge;
//! CloudTrail's own SNS notification; an `aidr backfill` message), and the keys of a backfill
//! run's progress and back-test results.
//!
//! CloudTrail writes log files at
//! `[prefix/]AWSLogs/[o-orgid/]account/CloudTrail/region/YYYY/MM/DD/file.json.gz`, digest files
//! under `CloudTrail-Digest/` and Insights events under `CloudTrail-Insight/` in the same shape
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html>).

use std::borrow::Cow;

use serde_json::Value;

use crate::aws_ids::{is_account_id, is_region_name};
use crate::time::{days_from_civil, days_in_month};

/// An object a message points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogObject {
    pub bucket: String,
    /// The object key, decoded (S3 event notifications URL-encode it).
    pub key: String,
    /// Bytes, when the message says.
    pub size: Option<u64>,
    /// The backfill run that queued it, if one did.
    pub run: Option<String>,
}

/// What an object key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectKind {
    /// A CloudTrail log file of `account` and `region`, delivered on `day`.
    LogFile(LogFileKey),
    /// A digest file (`CloudTrail-Digest/`): hashes, no records.
    Digest,
    /// An Insights events file (`CloudTrail-Insight/`): not API calls.
    Insight,
    /// Anything else: another service's logs, another prefix, a folder marker.
    Other,
}

/// Where a log file's key says it is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFileKey {
    pub account: String,
    pub region: String,
    /// Days since 1970-01-01 of its `YYYY/MM/DD` (UTC).
    pub day: i64,
}

impl ObjectKind {
    /// True for a CloudTrail log file, the only kind the detector reads.
    pub fn is_log_file(&self) -> bool {
        matches!(self, ObjectKind::LogFile(_))
    }

    /// Why an object of this kind is skipped (`None` for a log file).
    pub fn skip_reason(&self) -> Option<&'static str> {
        match self {
            ObjectKind::LogFile(_) => None,
            ObjectKind::Digest => Some("a CloudTrail digest file"),
            ObjectKind::Insight => Some("a CloudTrail Insights file"),
            ObjectKind::Other => Some("not a CloudTrail log file"),
        }
    }
}

/// Classifies an object key by CloudTrail's layout (see the module documentation).
pub fn classify(key: &str) -> ObjectKind {
    let Some(at) = key
        .find("AWSLogs/")
        .filter(|&i| i == 0 || key.as_bytes()[i - 1] == b'/')
    else {
        return ObjectKind::Other;
    };
    let mut parts = key[at + "AWSLogs/".len()..].split('/').peekable();
    if parts.peek().is_some_and(|p| is_organization_id(p)) {
        parts.next();
    }
    let (Some(account), Some(kind)) = (parts.next(), parts.next()) else {
        return ObjectKind::Other;
    };
    if !is_account_id(account) {
        return ObjectKind::Other;
    }
    let rest: Vec<&str> = parts.collect();
    let [region, y, m, d, file] = rest[..] else {
        return ObjectKind::Other;
    };
    let Some(day) = day_of(y, m, d) else {
        return ObjectKind::Other;
    };
    if !is_region_name(region) || file.is_empty() {
        return ObjectKind::Other;
    }
    match kind {
        "CloudTrail" if file.ends_with(".json.gz") => ObjectKind::LogFile(LogFileKey {
            account: account.to_owned(),
            region: region.to_owned(),
            day,
        }),
        "CloudTrail-Digest" => ObjectKind::Digest,
        "CloudTrail-Insight" => ObjectKind::Insight,
        _ => ObjectKind::Other,
    }
}

/// Whether objects under `prefix` (a key prefix ending in `/`, as S3 lists common prefixes)
/// may include CloudTrail log files of days `from..=to` (days since 1970-01-01; `None` is
/// open): what a listing of a trail walks into. Prefixes above `AWSLogs/` may; under it, the
/// parts must follow CloudTrail's layout (organization, account, `CloudTrail`, region, year,
/// month, day) and the dates overlap the range.
pub fn may_hold_log_files(prefix: &str, from: Option<i64>, to: Option<i64>) -> bool {
    let Some(at) = prefix
        .find("AWSLogs/")
        .filter(|&i| i == 0 || prefix.as_bytes()[i - 1] == b'/')
    else {
        return true;
    };
    let mut parts: Vec<&str> = prefix[at + "AWSLogs/".len()..].split('/').collect();
    parts.pop_if(|last| last.is_empty());
    if parts.first().is_some_and(|p| is_organization_id(p)) {
        parts.remove(0);
    }
    let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
    let overlaps = |first: Option<i64>, last: Option<i64>| match (first, last) {
        (Some(first), Some(last)) => first <= to && last >= from,
        _ => false,
    };
    let num = |s: &str| s.parse::<i64>().ok().filter(|_| s.bytes().all(|b| b.is_ascii_digit()));
    match parts[..] {
        [] => true,
        [account, ..] if !is_account_id(account) => false,
        [_, kind, ..] if kind != "CloudTrail" => false,
        [_, _, region, ..] if !is_region_name(region) => false,
        [_, _, _, y] => {
            num(y).is_some_and(|y| overlaps(Some(days_from_civil(y, 1, 1)), Some(days_from_civil(y, 12, 31))))
        }
        [_, _, _, y, m] => match (num(y), num(m)) {
            (Some(y), Some(m)) if (1..=12).contains(&m) => {
                let next = if m == 12 {
                    days_from_civil(y + 1, 1, 1)
                } else {
                    days_from_civil(y, m + 1, 1)
                };
                overlaps(Some(days_from_civil(y, m, 1)), Some(next - 1))
            }
            _ => false,
        },
        [_, _, _, y, m, d] => day_of(y, m, d).is_some_and(|day| overlaps(Some(day), Some(day))),
        [_, _, _, _, _, _, _, ..] => false,
        _ => true,
    }
}

/// An AWS Organizations id: `o-` and 10 to 32 lowercase letters or digits.
pub fn is_organization_id(s: &str) -> bool {
    s.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

fn day_of(y: &str, m: &str, d: &str) -> Option<i64> {
    let num =
        |s: &str, len: usize| (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?;
    let (y, m, d): (i64, i64, i64) = (num(y, 4)?, num(m, 2)?, num(d, 2)?);
    ((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d)).then(|| days_from_civil(y, m, d))
}

/// Parses a `YYYY-MM-DD` date into days since 1970-01-01.
///
/// # Errors
/// A message naming the text when it is not such a date.
pub fn parse_day(text: &str) -> Result<i64, String> {
    let mut parts = text.split('-');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d), None) => day_of(y, m, d),
        _ => None,
    }
    .ok_or_else(|| format!("{text:?} is not a date (YYYY-MM-DD)"))
}

/// What a queued message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Objects were created (or queued by a backfill): read those that are log files.
    Objects(Vec<LogObject>),
    /// S3's test event, sent when a notification is configured: nothing to do.
    Test,
    /// Not about objects: a CloudTrail event, or anything else the reader judges.
    Other,
}

/// The body of an `aidr backfill` message for one object.
pub fn backfill_message(run: &str, bucket: &str, key: &str) -> String {
    serde_json::json!({ "aidr": "backfill", "run": run, "bucket": bucket, "key": key }).to_string()
}

/// Reads what a queued message body says (see the module documentation for the forms).
pub fn message(body: &str) -> Message {
    // Every form is a JSON object with one of these keys at the top: skip the parse for the
    // rest (CloudTrail events, the detector's hot path, have none of them but `Records`).
    const MARKERS: [&str; 6] = [
        "\"Records\"",
        "\"Event\"",
        "\"aws.s3\"",
        "\"Notification\"",
        "\"s3Bucket\"",
        "\"aidr\"",
    ];
    if !MARKERS.iter().any(|m| body.contains(m)) {
        return Message::Other;
    }
    match serde_json::from_str::<Value>(body) {
        Ok(value) => message_of(&value, true),
        Err(_) => Message::Other,
    }
}

fn message_of(v: &Value, unwrap_sns: bool) -> Message {
    let text = |p: &str| v.pointer(p).and_then(Value::as_str);
    if let Some(records) = v.get("Records").and_then(Value::as_array) {
        if records
            .first()
            .and_then(|r| r.get("eventSource"))
            .and_then(Value::as_str)
            != Some("aws:s3")
        {
            return Message::Other;
        }
        return Message::Objects(records.iter().filter_map(s3_record).collect());
    }
    if text("/Event") == Some("s3:TestEvent") {
        return Message::Test;
    }
    let detail_type = text("/detail-type").unwrap_or_default();
    if text("/source") == Some("aws.s3") && detail_type.starts_with("Object ") {
        if detail_type != "Object Created" {
            return Message::Objects(Vec::new());
        }
        let object = (text("/detail/bucket/name"), text("/detail/object/key"));
        return match object {
            (Some(bucket), Some(key)) => Message::Objects(vec![LogObject {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                size: v.pointer("/detail/object/size").and_then(Value::as_u64),
                run: None,
            }]),
            _ => Message::Other,
        };
    }
    if text("/aidr") == Some("backfill") {
        return match (text("/bucket"), text("/key")) {
            (Some(bucket), Some(key)) => Message::Objects(vec![LogObject {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                size: None,
                run: text("/run").map(str::to_owned),
            }]),
            _ => Message::Other,
        };
    }
    if let (Some(bucket), Some(keys)) = (text("/s3Bucket"), v.get("s3ObjectKey").and_then(Value::as_array)) {
        let objects = keys.iter().filter_map(Value::as_str).map(|key| LogObject {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            size: None,
            run: None,
        });
        return Message::Objects(objects.collect());
    }
    if unwrap_sns
        && text("/Type") == Some("Notification")
        && let Some(Ok(inner)) = text("/Message").map(serde_json::from_str::<Value>)
    {
        return message_of(&inner, false);
    }
    Message::Other
}

/// The created object of one S3 event notification record (`None` for other events).
fn s3_record(r: &Value) -> Option<LogObject> {
    let name = r.get("eventName")?.as_str()?;
    if !name.starts_with("ObjectCreated:") {
        return None;
    }
    Some(LogObject {
        bucket: r.pointer("/s3/bucket/name")?.as_str()?.to_owned(),
        key: url_decoded(r.pointer("/s3/object/key")?.as_str()?).into_owned(),
        size: r.pointer("/s3/object/size").and_then(Value::as_u64),
        run: None,
    })
}

/// An S3 event notification's key decoded: `+` is a space, `%XX` a byte
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html>).
fn url_decoded(key: &str) -> Cow<'_, str> {
    if !key.contains(['+', '%']) {
        return Cow::Borrowed(key);
    }
    let spaced = key.replace('+', " ");
    Cow::Owned(
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// A backfill run's counters in the state table: `backfill#<run>#<counter>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Objects sent to the queue.
    Queued,
    /// Objects read to the end and their findings delivered.
    Done,
    /// Objects that can never be read, sent to the dead-letter queue.
    Failed,
    /// Findings of the objects done.
    Findings,
}

impl Progress {
    pub const ALL: [Progress; 4] = [Progress::Queued, Progress::Done, Progress::Failed, Progress::Findings];

    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Queued => "queued",
            Progress::Done => "done",
            Progress::Failed => "failed",
            Progress::Findings => "findings",
        }
    }

    /// The counter's key for `run`.
    pub fn key(self, run: &str) -> String {
        format!("backfill#{run}#{}", self.as_str())
    }
}

/// The marker that an object of `run` was counted (done or failed), so a redelivery is not
/// counted twice: `backfill#<run>#object#<key>`.
pub fn counted_key(run: &str, key: &str) -> String {
    format!("backfill#{run}#object#{key}")
}

/// How long a backfill run's counters and markers live: 90 days, in seconds.
pub const PROGRESS_TTL_SECS: i64 = 90 * 86_400;

/// Where back-test mode writes the event rules' findings of one log file: under `prefix`, the
/// run (`-` for objects no run queued), then the log file's key with `.json.gz` replaced by
/// `.ocsf.ndjson` (one OCSF finding per line; the same key on every redelivery, so a retry
/// replaces it).
pub fn results_key(prefix: &str, run: Option<&str>, key: &str) -> String {
    let stem = key.strip_suffix(".json.gz").unwrap_or(key);
    format!("{prefix}{}/{stem}.ocsf.ndjson", run.unwrap_or("-"))
}

/// Where back-test mode writes one stateful detection's finding: under `prefix`, the run,
/// `stateful/`, the rule id and the event that raised it.
pub fn stateful_results_key(prefix: &str, run: Option<&str>, rule_id: &str, event_key: &str) -> String {
    format!(
        "{prefix}{}/stateful/{rule_id}/{event_key}.ocsf.ndjson",
        run.unwrap_or("-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2026/10/01/111122223333_CloudTrail_us-east-1_20261001T0005Z_a1.json.gz";

    #[test]
    fn log_files_digests_insights_and_others_are_told_apart() {
        assert_eq!(
            classify(LOG),
            ObjectKind::LogFile(LogFileKey {
                account: "111122223333".into(),
                region: "us-east-1".into(),
                day: days_from_civil(2026, 10, 1),
            })
        );
        let no_org = "trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/01/31/f.json.gz";
        assert!(classify(no_org).is_log_file());
        let digest = "AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/us-east-1/2026/10/01/d.json.gz";
        assert_eq!(classify(digest), ObjectKind::Digest);
        let insight = "AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/10/01/i.json.gz";
        assert_eq!(classify(insight), ObjectKind::Insight);
        for other in [
            "AWSLogs/111122223333/Config/us-east-1/2026/10/01/c.json.gz",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/13/01/f.json.gz",
            "AWSLogs/1111/CloudTrail/us-east-1/2026/10/01/f.json.gz",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/f.json",
            "myAWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/f.json.gz",
            "elsewhere/file.json.gz",
            "",
        ] {
            assert_eq!(classify(other), ObjectKind::Other, "{other}");
        }
    }

    #[test]
    fn listing_walks_only_into_prefixes_that_may_hold_log_files_of_the_range() {
        let (from, to) = (Some(days_from_civil(2026, 9, 30)), Some(days_from_civil(2026, 10, 2)));
        let may = |p: &str| may_hold_log_files(p, from, to);
        for yes in [
            "",
            "trails/",
            "AWSLogs/",
            "AWSLogs/o-aa111bb222/",
            "AWSLogs/o-aa111bb222/111122223333/",
            "AWSLogs/111122223333/CloudTrail/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/09/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/02/",
        ] {
            assert!(may(yes), "{yes}");
        }
        for no in [
            "AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/",
            "AWSLogs/111122223333/CloudTrail-Insight/",
            "AWSLogs/111122223333/Config/",
            "AWSLogs/not-an-account/",
            "AWSLogs/111122223333/CloudTrail/not-a-region/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2025/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/09/29/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/03/",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/deeper/",
        ] {
            assert!(!may(no), "{no}");
        }
        assert!(may_hold_log_files(
            "AWSLogs/111122223333/CloudTrail/us-east-1/2019/",
            None,
            None
        ));
    }

    #[test]
    fn dates_parse_or_say_why_not() {
        assert_eq!(parse_day("2026-10-01"), Ok(days_from_civil(2026, 10, 1)));
        assert!(parse_day("2026-1-01").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_day("yesterday").is_err());
        assert!(parse_day("2026-10-01-02").is_err());
        assert!(parse_day("2026-02-29").is_err() && parse_day("2026-04-31").is_err());
        assert!(parse_day("2028-02-29").is_ok());
    }

    fn object(bucket: &str, key: &str) -> LogObject {
        LogObject {
            bucket: bucket.into(),
            key: key.into(),
            size: None,
            run: None,
        }
    }

    #[test]
    fn s3_event_notifications_name_created_objects_with_keys_decoded() {
        let body = serde_json::json!({"Records": [
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "trail"}, "object": {"key": "a+b%3Dc.json.gz", "size": 12}}},
            {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
             "s3": {"bucket": {"name": "trail"}, "object": {"key": "gone"}}}
        ]})
        .to_string();
        let mut expected = object("trail", "a b=c.json.gz");
        expected.size = Some(12);
        assert_eq!(message(&body), Message::Objects(vec![expected]));
        let test = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"trail"}"#;
        assert_eq!(message(test), Message::Test);
    }

    #[test]
    fn eventbridge_sns_cloudtrail_and_backfill_forms_are_read() {
        let eventbridge = serde_json::json!({"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": "trail"}, "object": {"key": LOG, "size": 5}}})
        .to_string();
        let Message::Objects(objects) = message(&eventbridge) else {
            panic!()
        };
        assert_eq!((objects[0].key.as_str(), objects[0].size), (LOG, Some(5)));
        let cloudtrail = serde_json::json!({"s3Bucket": "trail", "s3ObjectKey": [LOG, "b"]}).to_string();
        assert_eq!(
            message(&cloudtrail),
            Message::Objects(vec![object("trail", LOG), object("trail", "b")])
        );
        let sns = serde_json::json!({"Type": "Notification", "Message": cloudtrail}).to_string();
        assert_eq!(message(&sns), message(&cloudtrail));
        let mut queued = object("trail", LOG);
        queued.run = Some("r1".into());
        assert_eq!(
            message(&backfill_message("r1", "trail", LOG)),
            Message::Objects(vec![queued])
        );
    }

    #[test]
    fn cloudtrail_events_and_garbage_are_not_about_objects() {
        let log_file = r#"{"Records":[{"eventSource":"iam.amazonaws.com","eventName":"CreateUser"}]}"#;
        assert_eq!(message(log_file), Message::Other);
        for event in [
            r#"{"source":"aws.iam","detail-type":"AWS API Call via CloudTrail","detail":{}}"#,
            r#"{"source":"aws.s3","detail-type":"AWS API Call via CloudTrail","detail":{}}"#,
        ] {
            assert_eq!(message(event), Message::Other);
        }
        for junk in [
            "",
            "{",
            "[1,2]",
            r#"{"Records": 3}"#,
            r#"{"aidr":"backfill"}"#,
            r#"{"Type":"Notification","Message":"{"}"#,
        ] {
            assert_eq!(message(junk), Message::Other, "{junk}");
        }
        let other_s3 = r#"{"source":"aws.s3","detail-type":"Object Deleted","detail":{}}"#;
        assert_eq!(message(other_s3), Message::Objects(Vec::new()));
    }

    #[test]
    fn results_and_progress_keys() {
        assert_eq!(
            results_key("aidr-backtest/", Some("r1"), "AWSLogs/1/CloudTrail/x.json.gz"),
            "aidr-backtest/r1/AWSLogs/1/CloudTrail/x.ocsf.ndjson"
        );
        assert_eq!(
            stateful_results_key("findings/", None, "bedrock.llmjacking_probing", "ev-1"),
            "findings/-/stateful/bedrock.llmjacking_probing/ev-1.ocsf.ndjson"
        );
        assert_eq!(Progress::Done.key("r1"), "backfill#r1#done");
        assert_eq!(counted_key("r1", "k"), "backfill#r1#object#k");
    }
}
