//! Throughput of the engine on one core: a CloudTrail log of at least 200 MB is generated from
//! the sample events (varied principals, names, ids, times) mixed with everyday events no rule
//! consumes, then read (a) parse-only (the same record type, no rules) and (b) parsed and
//! evaluated against the whole catalog, alternating, in the same run.
//!
//! `cargo bench -p aidr-engine --bench throughput` (size in MB: `AIDR_BENCH_MB`, default 200).
//! The log is left at `target/bench/cloudtrail.json` for timing the CLI on it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use aidr_engine::input::{self, InputError, Layout, Sink};
use aidr_engine::resource::ResourceSnapshot;
use aidr_engine::stateful::Interner;
use aidr_engine::{Evaluation, Organization, Pipeline, Record, Registry};
use aidr_testkit::samples::events_dir;
use serde_json::Value;

/// Everyday management events (no rule consumes them); most of a real trail looks like this.
const BENIGN: &[&str] = &[
    r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:web","arn":"arn:aws:sts::111122223333:assumed-role/WebApp/i-0abc","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEWEB00001","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/WebApp","accountId":"111122223333","userName":"WebApp"}}},"eventTime":"T","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","sourceIPAddress":"10.0.1.12","userAgent":"aws-sdk-java/2.25.0","requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/Reader","roleSessionName":"USER"},"responseElements":{"credentials":{"accessKeyId":"ASIAEXAMPLE","expiration":"Mar 2, 2026, 11:15:30 AM"}},"requestID":"R","eventID":"E","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#,
    r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/USER","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEUSER0001","userName":"USER"},"eventTime":"T","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.17.20","requestParameters":{"instancesSet":{},"filterSet":{"items":[{"name":"tag:team","valueSet":{"items":[{"value":"ml"}]}}]}},"responseElements":null,"requestID":"R","eventID":"E","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#,
    r#"{"eventVersion":"1.08","userIdentity":{"type":"AWSService","invokedBy":"sagemaker.amazonaws.com"},"eventTime":"T","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","sourceIPAddress":"sagemaker.amazonaws.com","userAgent":"sagemaker.amazonaws.com","requestParameters":{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:sagemaker:notebook":"USER-nb"}},"responseElements":null,"requestID":"R","eventID":"E","readOnly":true,"resources":[{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#,
    r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:USER","arn":"arn:aws:sts::111122223333:assumed-role/DataScientist/USER","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEDS000001","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/DataScientist","accountId":"111122223333","userName":"DataScientist"}}},"eventTime":"T","eventSource":"sagemaker.amazonaws.com","eventName":"DescribeNotebookInstance","awsRegion":"us-west-2","sourceIPAddress":"192.0.2.44","userAgent":"Boto3/1.35.40","requestParameters":{"notebookInstanceName":"USER-nb"},"responseElements":null,"requestID":"R","eventID":"E","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#,
    r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:app","arn":"arn:aws:sts::111122223333:assumed-role/ChatApp/USER","accountId":"111122223333","accessKeyId":"ASIAEXAMPLECHAT0001","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/ChatApp","accountId":"111122223333","userName":"ChatApp"}}},"eventTime":"T","eventSource":"bedrock.amazonaws.com","eventName":"ListFoundationModels","awsRegion":"us-east-1","sourceIPAddress":"10.0.3.9","userAgent":"Boto3/1.35.40","requestParameters":{"byOutputModality":"TEXT"},"responseElements":null,"requestID":"R","eventID":"E","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#,
    r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:lambda","arn":"arn:aws:sts::111122223333:assumed-role/Ingest/USER","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEING0001","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/Ingest","accountId":"111122223333","userName":"Ingest"}}},"eventTime":"T","eventSource":"logs.amazonaws.com","eventName":"CreateLogStream","awsRegion":"us-east-1","sourceIPAddress":"10.0.5.1","userAgent":"aws-lambda-go","requestParameters":{"logGroupName":"/aws/lambda/ingest","logStreamName":"2026/03/02/[$LATEST]USER"},"responseElements":null,"requestID":"R","eventID":"E","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#,
];

/// Share of generated records drawn from the rule samples (the rest are benign).
const SAMPLE_SHARE: usize = 30;

fn templates() -> (Vec<String>, Vec<String>) {
    let mut samples = Vec::new();
    collect(&events_dir(), &mut samples);
    samples.sort();
    let to_template = |detail: Value| -> String {
        let mut d = detail;
        d["eventID"] = "E".into();
        d["requestID"] = "R".into();
        d["eventTime"] = "T".into();
        d.to_string().replace("alice", "USER").replace("ci-deployer", "USER")
    };
    let samples = samples
        .iter()
        .map(|p| {
            to_template(serde_json::from_str::<Value>(&std::fs::read_to_string(p).unwrap()).unwrap()["detail"].clone())
        })
        .collect();
    let benign = BENIGN
        .iter()
        .map(|t| to_template(serde_json::from_str(t).unwrap()))
        .collect();
    (samples, benign)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Writes a `{"Records":[...]}` log of at least `mb` megabytes; returns its record count.
fn generate(path: &Path, mb: usize) -> usize {
    let (samples, benign) = templates();
    let mut text = String::with_capacity((mb + 1) << 20);
    text.push_str("{\"Records\":[");
    let mut n = 0usize;
    // A cheap deterministic mix (xorshift), so every run measures the same log.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    while text.len() < mb << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let pick = state as usize;
        let template = if pick % 100 < SAMPLE_SHARE {
            &samples[pick / 100 % samples.len()]
        } else {
            &benign[pick / 100 % benign.len()]
        };
        if n > 0 {
            text.push(',');
        }
        let secs = n as u64;
        let time = format!(
            "2026-03-{:02}T{:02}:{:02}:{:02}Z",
            1 + secs / 86_400 % 28,
            secs / 3600 % 24,
            secs / 60 % 60,
            secs % 60
        );
        let record = template
            .replace(
                "\"E\"",
                &format!("\"{:08x}-0000-4000-8000-{:012x}\"", n, state & 0xffff_ffff_ffff),
            )
            .replace("\"R\"", &format!("\"req-{n:x}\""))
            .replace("\"T\"", &format!("\"{time}\""))
            .replace("USER", &format!("user{}", pick % 997));
        text.push_str(&record);
        n += 1;
    }
    text.push_str("]}\n");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    n
}

/// Evaluates each record through the pipeline's event rules and counts the findings, dropping
/// them as it goes (the engine's cost, not that of keeping 40,000 findings per pass).
struct Evaluate<'p> {
    pipeline: &'p Pipeline,
    interner: Interner,
    out: Evaluation,
    records: u64,
    findings: usize,
}

impl Sink for Evaluate<'_> {
    fn record(&mut self, r: &Record<'_>) {
        self.records += 1;
        self.pipeline.evaluate(r, &mut self.interner, &mut self.out);
        self.findings += self.out.findings.len();
        self.out.findings.clear();
    }
    fn resource(&mut self, _: ResourceSnapshot) {}
    fn skipped(&mut self) {}
    fn error(&mut self, e: InputError) {
        panic!("generated log unreadable: {e}");
    }
}

struct Count(u64, usize);
impl Sink for Count {
    fn record(&mut self, r: &Record<'_>) {
        self.0 += 1;
        self.1 += r.name().len();
    }
    fn resource(&mut self, _: ResourceSnapshot) {}
    fn skipped(&mut self) {}
    fn error(&mut self, e: InputError) {
        panic!("generated log unreadable: {e}");
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; there are no tests here
    }
    let mb: usize = std::env::var("AIDR_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench/cloudtrail.json");
    let started = Instant::now();
    let records = generate(&path, mb);
    let text = std::fs::read(&path).unwrap();
    println!(
        "generated {} ({} MB, {records} records, {}% from rule samples) in {:.1} s",
        path.display(),
        text.len() >> 20,
        SAMPLE_SHARE,
        started.elapsed().as_secs_f64()
    );
    // The event rules only (the stateful detections are measured with `aidr scan`).
    let pipeline = Pipeline::new(Registry::builtin(), Organization::default(), None);
    let (mut parse, mut scan, mut findings) = (Vec::new(), Vec::new(), 0);
    for _ in 0..5 {
        let t = Instant::now();
        let mut c = Count(0, 0);
        input::read(&text, Layout::Stream, "bench", &mut c);
        parse.push(c.0 as f64 / t.elapsed().as_secs_f64());
        assert_eq!(c.0 as usize, records);

        let t = Instant::now();
        let mut e = Evaluate {
            pipeline: &pipeline,
            interner: Interner::default(),
            out: Evaluation::default(),
            records: 0,
            findings: 0,
        };
        input::read(&text, Layout::Stream, "bench", &mut e);
        scan.push(e.records as f64 / t.elapsed().as_secs_f64());
        findings = e.findings;
    }
    let (p, s) = (median(parse), median(scan));
    println!(
        "parse-only:       {p:>10.0} records/s ({:.0} MB/s)",
        p * text.len() as f64 / records as f64 / 1e6
    );
    println!(
        "parse + {} rules: {s:>10.0} records/s ({findings} findings per pass)",
        pipeline.registry().event_rules().count()
    );
    println!("ratio scan / parse-only: {:.2}", s / p);
}
