//! The trail benchmark: the release detector reading CloudTrail log files of the organization
//! trail from S3 (moto on loopback stands in for S3, DynamoDB, SNS and SQS), invoked through
//! the test Runtime API with SQS batches of S3 event notifications, one message per file, as
//! the trail queue's event source mapping delivers them; next to `aidr scan` of the same files
//! from local disk (the same reader, no S3, no DynamoDB or SNS) and `gzip -dc`, in the same
//! run.
//!
//! Per invocation it reports the records read, the wall time and records/s, the read stage
//! (from the invocation to the detector's first call to a service other than S3: every file
//! of a batch is read before lookups, state and alerts), the AWS calls made (counted by a
//! small HTTP proxy between the detector and moto, by service and operation), the bytes the
//! detector logged, the CPU time it used, and its peak RSS (`VmHWM`). Run through
//! `scripts/bench-trail`, which generates the files with `tools/scanbench`, builds the
//! release binaries and starts moto.
//!
//! Arguments: `--logs DIR` (gzip log files, any depth, as `scan-traffic --only logs-gz`
//! writes them), `--quiet DIR` (optional: the same with fewer rule samples), `--big FILE`
//! (one large gzip log file), `--summary FILE` (the generator's JSON summary lines, layouts
//! `logs-gz`, `quiet-logs-gz` and `big-gz`), `--aidr PATH` (the release `aidr`), `--out FILE`
//! (the Markdown tables, also printed), `--runs N` (baseline repetitions, median; default 3),
//! `--batch N` (messages per invocation; default 10, the trail queue's batch size). Each set
//! of files is in a bucket of its own and read by a detector of its own, on a state table of
//! its own.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aidr_e2e::runtime_api::{Reply, Runtime, detector_binary};
use aidr_e2e::{Stack, emulator, unique};
use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value, json};

/// The organization id in the keys, as an organization trail writes them.
const ORG: &str = "o-aa111bb222";
/// How long one invocation may take here (the trail detector's Lambda timeout is 300 s;
/// moto is slower than the services it stands in for).
const PATIENCE: Duration = Duration::from_secs(1800);
const MB: f64 = 1_048_576.0;

struct Args {
    logs: PathBuf,
    quiet: Option<PathBuf>,
    big: PathBuf,
    summary: PathBuf,
    aidr: PathBuf,
    out: PathBuf,
    runs: usize,
    batch: usize,
}

impl Args {
    fn parse() -> Args {
        let mut given: BTreeMap<String, String> = BTreeMap::new();
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let name = flag.strip_prefix("--").unwrap_or_else(|| usage(&flag)).to_owned();
            let value = it.next().unwrap_or_else(|| usage(&flag));
            given.insert(name, value);
        }
        let path = |name: &str| PathBuf::from(given.get(name).unwrap_or_else(|| usage(&format!("--{name}"))));
        let number = |name: &str, default: usize| {
            given
                .get(name)
                .map_or(default, |v| v.parse().unwrap_or_else(|_| usage(v)))
        };
        Args {
            logs: path("logs"),
            quiet: given.get("quiet").map(PathBuf::from),
            big: path("big"),
            summary: path("summary"),
            aidr: path("aidr"),
            out: path("out"),
            runs: number("runs", 3).max(1),
            batch: number("batch", 10).max(1),
        }
    }
}

fn usage(at: &str) -> ! {
    eprintln!(
        "trail_bench: unexpected {at:?}; usage: trail_bench --logs DIR [--quiet DIR] --big FILE --summary FILE --aidr PATH --out FILE [--runs N] [--batch N]"
    );
    std::process::exit(2)
}

/// A log file put in the trail bucket.
struct Object {
    path: PathBuf,
    key: String,
    size: u64,
}

/// What the generator wrote for one layout.
#[derive(Default)]
struct Generated {
    records: u64,
    bytes: u64,
}

fn generated(summary: &Path, layout: &str) -> Generated {
    let text = std::fs::read_to_string(summary).unwrap_or_else(|e| panic!("{}: {e}", summary.display()));
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["layout"] == layout)
        .map(|v| Generated {
            records: v["records"].as_u64().unwrap_or(0),
            bytes: v["bytes"].as_u64().unwrap_or(0),
        })
        .unwrap_or_default()
}

fn gzip_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            gzip_files(&path, out);
        } else if path.to_string_lossy().ends_with(".json.gz") {
            out.push(path);
        }
    }
}

/// Counts the AWS calls going through it, by service and operation, and when the first call
/// to a service other than S3 was made.
#[derive(Default)]
struct Tally {
    calls: BTreeMap<String, u64>,
    first_other: Option<Instant>,
}

/// An HTTP/1.1 proxy in front of moto: one request per connection (it answers
/// `Connection: close`), relayed as it is.
struct Proxy {
    url: String,
    tally: Arc<Mutex<Tally>>,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let tally = Arc::new(Mutex::new(Tally::default()));
        let shared = Arc::clone(&tally);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (tally, upstream) = (Arc::clone(&shared), upstream.clone());
                std::thread::spawn(move || {
                    if let Err(e) = relay(client, &upstream, &tally) {
                        eprintln!("trail_bench: proxy: {e}");
                    }
                });
            }
        });
        Proxy { url, tally }
    }

    /// The calls counted since the last time, and a fresh count.
    fn take(&self) -> Tally {
        std::mem::take(&mut *self.tally.lock().unwrap())
    }
}

/// The request line and headers up to the blank line (`None` at the end of the stream).
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Vec<String>>> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return match lines.is_empty() {
                true => Ok(None),
                false => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "head cut short")),
            };
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            return Ok(Some(lines));
        }
        lines.push(line);
    }
}

fn header<'h>(headers: &'h [String], name: &str) -> Option<&'h str> {
    headers.iter().find_map(|h| {
        let (k, v) = h.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// `service operation` of a signed AWS request: the service from the credential scope, the
/// operation from `X-Amz-Target` (JSON protocols), `Action=` (query protocols) or, for S3,
/// the method.
fn label(method: &str, path: &str, headers: &[String], body: &[u8]) -> String {
    let service = header(headers, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("?")
        .to_owned();
    let operation = if let Some(target) = header(headers, "x-amz-target") {
        target.rsplit('.').next().unwrap_or(target).to_owned()
    } else if let Some(action) = std::str::from_utf8(body)
        .ok()
        .and_then(|b| b.split('&').find_map(|p| p.strip_prefix("Action=")))
    {
        action.to_owned()
    } else if service == "s3" && method == "GET" && path.trim_start_matches('/').contains('/') {
        "GetObject".to_owned()
    } else {
        method.to_owned()
    };
    format!("{service} {operation}")
}

fn relay(client: TcpStream, upstream: &str, tally: &Mutex<Tally>) -> io::Result<()> {
    let mut from_client = BufReader::new(client.try_clone()?);
    let mut to_client = client;
    let Some(head) = read_head(&mut from_client)? else {
        return Ok(());
    };
    let (request_line, headers) = head.split_first().ok_or(io::ErrorKind::InvalidData)?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if header(headers, "expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        to_client.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let mut body = Vec::new();
    if let Some(len) = header(headers, "content-length").and_then(|l| l.parse::<usize>().ok()) {
        body.resize(len, 0);
        from_client.read_exact(&mut body)?;
    } else if header(headers, "transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        loop {
            let mut size = String::new();
            from_client.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            let mut chunk = vec![0; size + 2];
            from_client.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    {
        let mut tally = tally.lock().unwrap();
        let label = label(method, path, headers, &body);
        if !label.starts_with("s3 ") && tally.first_other.is_none() {
            tally.first_other = Some(Instant::now());
        }
        *tally.calls.entry(label).or_default() += 1;
    }
    let dropped = ["connection", "expect", "transfer-encoding", "content-length"];
    let mut request = format!("{request_line}\r\n");
    for h in headers {
        let name = h.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
        if !dropped.contains(&name.as_str()) {
            request.push_str(h);
            request.push_str("\r\n");
        }
    }
    if !body.is_empty() || header(headers, "content-length").is_some() {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("Connection: close\r\n\r\n");
    let mut to_upstream = TcpStream::connect(upstream)?;
    to_upstream.write_all(request.as_bytes())?;
    to_upstream.write_all(&body)?;
    let mut from_upstream = BufReader::with_capacity(256 * 1024, to_upstream);
    let head = read_head(&mut from_upstream)?.ok_or(io::ErrorKind::UnexpectedEof)?;
    let mut response = String::new();
    for h in &head {
        if !h.to_ascii_lowercase().starts_with("connection:") {
            response.push_str(h);
            response.push_str("\r\n");
        }
    }
    response.push_str("Connection: close\r\n\r\n");
    to_client.write_all(response.as_bytes())?;
    io::copy(&mut from_upstream, &mut to_client)?;
    to_client.flush()?;
    to_client.shutdown(std::net::Shutdown::Write)
}

/// Peak resident memory of a process, in MB (`VmHWM`).
fn peak_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kb / 1024.0
}

/// CPU time a process has used so far (user and system), in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let ticks = *TICKS.get_or_init(|| {
        let out = Command::new("getconf").arg("CLK_TCK").output().ok();
        out.and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    });
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name in parentheses: state, then utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(") ").map_or("", |(_, rest)| rest).split(' ').collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (tick(11) + tick(12)) / ticks
}

/// The detector's summary of one invocation (its `done` log line).
#[derive(Debug, Default)]
struct Summary {
    records: u64,
    findings: u64,
    alerted: u64,
    merged: u64,
    log_files: u64,
    dead_lettered: u64,
    retried: u64,
}

fn summary(log: &str) -> Summary {
    let line = log
        .lines()
        .rfind(|l| l.contains("Summary {") && l.contains("done"))
        .unwrap_or_default();
    let field = |name: &str| {
        line.split(&format!(" {name}: "))
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Summary {
        records: field("records"),
        findings: field("findings"),
        alerted: field("alerted"),
        merged: field("merged") + field("updated"),
        log_files: field("log_files"),
        dead_lettered: field("dead_lettered"),
        retried: field("retried"),
    }
}

/// One invocation of the detector, measured.
struct Invocation {
    label: String,
    gzip_bytes: u64,
    summary: Summary,
    wall: f64,
    read: f64,
    /// CPU seconds the detector used.
    cpu: f64,
    calls: BTreeMap<String, u64>,
    log_bytes: u64,
    peak_mb: f64,
}

/// Puts the log file at `path` in `bucket` at `key`.
async fn put(s3: &aws_sdk_s3::Client, bucket: &str, path: &Path, key: String) -> Object {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let size = bytes.len() as u64;
    s3.put_object()
        .bucket(bucket)
        .key(&key)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .unwrap_or_else(|e| panic!("putting {key}: {e:?}"));
    Object {
        path: path.to_owned(),
        key,
        size,
    }
}

fn s3_notification(bucket: &str, object: &Object, i: usize) -> String {
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-10-01T05:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AROAEXAMPLE:cloudtrail"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "aidr-trail",
               "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": object.key, "size": object.size, "sequencer": format!("{i:016X}")}}
    }]})
    .to_string()
}

fn sqs_batch(bucket: &str, objects: &[&Object]) -> Value {
    let records: Vec<Value> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            json!({"messageId": format!("m{i}"), "receiptHandle": "r", "body": s3_notification(bucket, o, i),
                   "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:aidr-trail",
                   "awsRegion": "us-east-1", "attributes": {}, "messageAttributes": {}, "md5OfBody": ""})
        })
        .collect();
    json!({ "Records": records })
}

/// Starts a detector on a fresh stack (its own state table, so nothing is a duplicate of an
/// earlier scenario) and invokes it with each batch; returns its peak RSS after init and the
/// invocations.
async fn scenario(
    config: &aws_config::SdkConfig,
    proxy: &Proxy,
    bucket: &str,
    name: &str,
    batches: &[Vec<&Object>],
) -> (f64, Vec<Invocation>) {
    let stack = Stack::create(config.clone(), true).await;
    let mut env = stack.detector_env();
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
    env.extend([
        ("AWS_ENDPOINT_URL", proxy.url.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024".into()),
        ("AIDR_TRAIL_BUCKETS", bucket.to_owned()),
    ]);
    let mut detector = Runtime::start(&detector_binary("release"), &env);
    detector.wait_ready();
    let init_peak = peak_mb(detector.pid());
    let mut invocations = Vec::new();
    for (n, batch) in batches.iter().enumerate() {
        let payload = sqs_batch(bucket, batch);
        let logged = detector.log().len();
        proxy.take();
        eprintln!("== {name}, invocation {}: {} log file(s)", n + 1, batch.len());
        let cpu = cpu_seconds(detector.pid());
        let start = Instant::now();
        let reply = detector.invoke_within(&payload, PATIENCE);
        let wall = start.elapsed().as_secs_f64();
        let tally = proxy.take();
        let cpu = cpu_seconds(detector.pid()) - cpu;
        let log = detector.log();
        match reply {
            Reply::Response(out) if out["batchItemFailures"] == json!([]) => {}
            other => panic!("the batch failed: {other:?}\n{}", &log[logged..]),
        }
        let summary = summary(&log[logged..]);
        if summary.dead_lettered + summary.retried > 0 || summary.log_files != batch.len() as u64 {
            panic!("not every file was read: {summary:?}\n{}", &log[logged..]);
        }
        let invocation = Invocation {
            label: format!("{name}, invocation {}", n + 1),
            gzip_bytes: batch.iter().map(|o| o.size).sum(),
            read: tally.first_other.map_or(wall, |t| (t - start).as_secs_f64()),
            wall,
            cpu,
            calls: tally.calls,
            log_bytes: (log.len() - logged) as u64,
            peak_mb: peak_mb(detector.pid()),
            summary,
        };
        eprintln!(
            "   {} records, {} findings, {:.2} s ({:.2} s reading, {:.2} s CPU), peak RSS {:.1} MB",
            invocation.summary.records, invocation.summary.findings, wall, invocation.read, cpu, invocation.peak_mb
        );
        invocations.push(invocation);
    }
    (init_peak, invocations)
}

/// Runs `program args` with its output discarded: wall seconds, peak RSS in MB (GNU time),
/// standard error.
fn timed(program: &Path, args: &[&Path]) -> (f64, f64, String) {
    let rss = std::env::temp_dir().join(format!("trail-bench-rss-{}", std::process::id()));
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("/usr/bin/time {}: {e}", program.display()));
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // `aidr scan` exits 1 when it found something.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{} failed: {stderr}",
        program.display()
    );
    let kb: f64 = std::fs::read_to_string(&rss)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .next_back()
        .unwrap_or(f64::NAN);
    (seconds, kb / 1024.0, stderr)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The baselines on one input: `gzip -dc` seconds, `aidr scan --threads 1` seconds, its
/// peak RSS, and its records and findings (medians of `runs`).
struct Baseline {
    gzip: f64,
    scan: f64,
    scan_peak_mb: f64,
    records: u64,
    findings: u64,
}

fn baseline(aidr: &Path, input: &Path, files: &[PathBuf], runs: usize) -> Baseline {
    let (mut gzip, mut scan, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    let mut counts = (0, 0);
    let mut gzip_args: Vec<&Path> = vec![Path::new("-dc")];
    gzip_args.extend(files.iter().map(PathBuf::as_path));
    for _ in 0..runs {
        gzip.push(timed(Path::new("gzip"), &gzip_args).0);
        let args = [
            Path::new("scan"),
            Path::new("--format"),
            Path::new("ndjson"),
            Path::new("--threads"),
            Path::new("1"),
            input,
        ];
        let (seconds, peak, stderr) = timed(aidr, &args);
        scan.push(seconds);
        rss.push(peak);
        let line = stderr.lines().rfind(|l| l.contains("records/s")).unwrap_or_default();
        let number_before = |what: &str| -> u64 {
            line.split(what)
                .next()
                .and_then(|s| s.rsplit([' ', ',', ';']).find(|w| !w.is_empty()))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        counts = (number_before(" records"), number_before(" findings"));
    }
    Baseline {
        gzip: median(gzip),
        scan: median(scan),
        scan_peak_mb: median(rss),
        records: counts.0,
        findings: counts.1,
    }
}

/// Thousands separators.
fn group(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A ratio, with the digits that show it.
fn ratio(r: f64) -> String {
    if r < 0.1 { format!("{r:.4}") } else { format!("{r:.2}") }
}

/// One set of log files, read by a detector of its own.
struct Set {
    name: &'static str,
    /// What `aidr scan` reads: the folder, or the file.
    path: PathBuf,
    bucket: String,
    objects: Vec<Object>,
    generated: Generated,
    /// Files per invocation.
    batch: usize,
}

impl Set {
    /// Puts the log files under `path` (a folder of `AWSLogs/…` keys, or one file put at
    /// `key`) in a bucket of their own.
    async fn put(
        s3: &aws_sdk_s3::Client,
        name: &'static str,
        path: &Path,
        key: Option<&str>,
        generated: Generated,
        batch: usize,
    ) -> Set {
        let bucket = unique("aidr-trail");
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        eprintln!("== putting the {name} in s3://{bucket}/AWSLogs/{ORG}/");
        let mut objects = Vec::new();
        if let Some(key) = key {
            objects.push(put(s3, &bucket, path, key.to_owned()).await);
        } else {
            let mut files = Vec::new();
            gzip_files(path, &mut files);
            files.sort();
            assert!(!files.is_empty(), "no .json.gz under {}", path.display());
            for file in &files {
                let relative = file.strip_prefix(path).unwrap().to_string_lossy().into_owned();
                let key = match relative.strip_prefix("AWSLogs/") {
                    Some(rest) => format!("AWSLogs/{ORG}/{rest}"),
                    None => panic!("{relative} is not under AWSLogs/"),
                };
                objects.push(put(s3, &bucket, file, key).await);
            }
        }
        Set {
            name,
            path: path.to_owned(),
            bucket,
            objects,
            generated,
            batch,
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let config = emulator()
        .await
        .expect("run through scripts/bench-trail (it starts moto)");
    let upstream = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let proxy = Proxy::start(upstream.trim_start_matches("http://").trim_end_matches('/').to_owned());
    let s3 = aws_sdk_s3::Client::new(&config);
    let big_key = format!(
        "AWSLogs/{ORG}/111122223333/CloudTrail/us-east-1/2026/10/01/111122223333_CloudTrail_us-east-1_20261001T0500Z_BigLogFile000001.json.gz"
    );
    let typical = generated(&args.summary, "logs-gz");
    let mut sets = vec![Set::put(&s3, "typical files", &args.logs, None, typical, args.batch).await];
    if let Some(quiet) = &args.quiet {
        let generated = generated(&args.summary, "quiet-logs-gz");
        sets.push(Set::put(&s3, "quiet typical files", quiet, None, generated, args.batch).await);
    }
    let large = generated(&args.summary, "big-gz");
    sets.push(Set::put(&s3, "one large file", &args.big, Some(&big_key), large, 1).await);

    let mut runs = Vec::new();
    for set in &sets {
        let batches: Vec<Vec<&Object>> = set.objects.chunks(set.batch).map(|c| c.iter().collect()).collect();
        runs.push(scenario(&config, &proxy, &set.bucket, set.name, &batches).await);
    }
    eprintln!(
        "== baselines: gzip -dc and aidr scan --threads 1, {} run(s) each",
        args.runs
    );
    let baselines: Vec<Baseline> = sets
        .iter()
        .map(|set| {
            let files: Vec<PathBuf> = set.objects.iter().map(|o| o.path.clone()).collect();
            baseline(&args.aidr, &set.path, &files, args.runs)
        })
        .collect();

    let mut md = String::new();
    let mut line = |s: String| {
        md.push_str(&s);
        md.push('\n');
    };
    line("Inputs, generated by `tools/scanbench`:".into());
    line(String::new());
    for set in &sets {
        let sizes: Vec<u64> = set.objects.iter().map(|o| o.size).collect();
        let each = match (sizes.iter().min(), sizes.iter().max()) {
            (Some(a), Some(b)) if sizes.len() > 1 => format!(" ({:.1}-{:.1} MB each)", *a as f64 / MB, *b as f64 / MB),
            _ => String::new(),
        };
        line(format!(
            "- {}: {} log file(s), {} records, {:.1} MB gzip{each}, {:.0} MB uncompressed, {} per invocation",
            set.name,
            set.objects.len(),
            group(set.generated.records as f64),
            sizes.iter().sum::<u64>() as f64 / MB,
            set.generated.bytes as f64 / MB,
            set.batch,
        ));
    }
    line(String::new());
    line(
        "| invocation | log files | gzip MB | records | findings (alerted, merged) | wall s | records/s | read stage s | read stage records/s | detector CPU s | peak RSS MB |"
            .into(),
    );
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|".into());
    for i in runs.iter().flat_map(|(_, invocations)| invocations) {
        line(format!(
            "| {} | {} | {:.1} | {} | {} ({}, {}) | {:.2} | {} | {:.2} | {} | {:.2} | {:.1} |",
            i.label,
            i.summary.log_files,
            i.gzip_bytes as f64 / MB,
            group(i.summary.records as f64),
            group(i.summary.findings as f64),
            group(i.summary.alerted as f64),
            group(i.summary.merged as f64),
            i.wall,
            group(i.summary.records as f64 / i.wall),
            i.read,
            group(i.summary.records as f64 / i.read.max(1e-9)),
            i.cpu,
            i.peak_mb,
        ));
    }
    line(String::new());
    let inits: Vec<String> = sets
        .iter()
        .zip(&runs)
        .map(|(set, (init, _))| format!("{init:.1} MB ({})", set.name))
        .collect();
    line(format!(
        "Detector peak RSS after init, before any invocation: {}.",
        inits.join(", ")
    ));
    line(String::new());
    line(format!(
        "| same input, same run (median of {}) | `gzip -dc` s | `aidr scan --threads 1` s | scan records/s | scan peak RSS MB | detector read stage / scan | detector end to end / scan |",
        args.runs
    ));
    line("|---|---:|---:|---:|---:|---:|---:|".into());
    for ((set, base), (_, invocations)) in sets.iter().zip(&baselines).zip(&runs) {
        let records: u64 = invocations.iter().map(|i| i.summary.records).sum();
        let read: f64 = invocations.iter().map(|i| i.read).sum();
        let wall: f64 = invocations.iter().map(|i| i.wall).sum();
        let scan_rate = base.records as f64 / base.scan;
        if base.records != records {
            eprintln!(
                "warning: {}: aidr scan read {} records, the detector {records}",
                set.name, base.records
            );
        }
        line(format!(
            "| {} | {:.2} | {:.2} | {} | {:.1} | {} | {} |",
            set.name,
            base.gzip,
            base.scan,
            group(scan_rate),
            base.scan_peak_mb,
            ratio(records as f64 / read / scan_rate),
            ratio(records as f64 / wall / scan_rate),
        ));
    }
    line(String::new());
    line("AWS calls per invocation, counted between the detector and moto:".into());
    line(String::new());
    line("| invocation | calls | bytes logged |".into());
    line("|---|---|---:|".into());
    for i in runs.iter().flat_map(|(_, invocations)| invocations) {
        let calls: Vec<String> = i
            .calls
            .iter()
            .map(|(k, n)| format!("{k} {}", group(*n as f64)))
            .collect();
        line(format!(
            "| {} | {} | {} |",
            i.label,
            calls.join(", "),
            group(i.log_bytes as f64)
        ));
    }
    line(String::new());
    line(
        "| per million records | findings (`aidr scan`) | DynamoDB writes | DynamoDB reads | SNS publishes | S3 GETs | MB logged |"
            .into(),
    );
    line("|---|---:|---:|---:|---:|---:|---:|".into());
    for ((set, base), (_, invocations)) in sets.iter().zip(&baselines).zip(&runs) {
        let records: u64 = invocations.iter().map(|i| i.summary.records).sum();
        let scale = 1e6 / records.max(1) as f64;
        let count = |ops: &[&str]| -> f64 {
            let n: u64 = invocations
                .iter()
                .flat_map(|i| &i.calls)
                .filter(|(k, _)| ops.contains(&k.as_str()))
                .map(|(_, n)| n)
                .sum();
            n as f64 * scale
        };
        let findings: u64 = invocations.iter().map(|i| i.summary.findings).sum();
        line(format!(
            "| {} | {} ({}) | {} | {} | {} | {} | {:.2} |",
            set.name,
            group(findings as f64 * scale),
            group(base.findings as f64 * 1e6 / base.records.max(1) as f64),
            group(count(&[
                "dynamodb PutItem",
                "dynamodb UpdateItem",
                "dynamodb DeleteItem",
                "dynamodb BatchWriteItem",
                "dynamodb TransactWriteItems"
            ])),
            group(count(&["dynamodb GetItem", "dynamodb BatchGetItem", "dynamodb Query"])),
            group(count(&["sns Publish"])),
            group(count(&["s3 GetObject"])),
            invocations.iter().map(|i| i.log_bytes).sum::<u64>() as f64 * scale / MB,
        ));
    }
    print!("{md}");
    std::fs::write(&args.out, &md).unwrap_or_else(|e| panic!("{}: {e}", args.out.display()));
    eprintln!("saved {}", args.out.display());
}
