//! Measures the release detector next to a hello-world `lambda_runtime` function (the baseline,
//! same runtime crate and profile) in the same run: cold-start init time (process start to
//! first Runtime API request), peak memory after a 1,000-record SQS batch, and binary size.
//! Run through `scripts/measure-detector` (it builds both and starts moto).

use std::path::PathBuf;
use std::time::Duration;

use aidr_e2e::runtime_api::{Reply, Runtime};
use aidr_e2e::{Stack, emulator, sample};
use serde_json::{Value, json};

const COLD_STARTS: usize = 15;
const BATCH: usize = 1000;

fn release(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("release").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/measure-detector",
        path.display()
    );
    path
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A batch of `BATCH` Bedrock invocation events: 90 % by application roles (no finding),
/// 10 % by a long-term key (a finding each, merged into one alert per key and model).
fn batch() -> Value {
    let quiet = sample("bedrock/InvokeModel.json");
    let loud = sample("bedrock/InvokeModel-long-term-key.json");
    let records: Vec<Value> = (0..BATCH)
        .map(|i| {
            let mut event = if i % 10 == 0 { loud.clone() } else { quiet.clone() };
            event["detail"]["eventID"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
            json!({"messageId": format!("m{i}"), "receiptHandle": "r", "body": event.to_string(),
                   "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:batch",
                   "awsRegion": "us-east-1", "attributes": {}, "messageAttributes": {}, "md5OfBody": ""})
        })
        .collect();
    json!({ "Records": records })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = emulator()
        .await
        .expect("run through scripts/measure-detector (it starts moto)");
    let stack = Stack::create(config, true).await;
    let env = stack.detector_env();
    let (detector, hello) = (release("detector"), release("examples/hello"));

    let (mut init_detector, mut init_hello) = (Vec::new(), Vec::new());
    for _ in 0..COLD_STARTS {
        init_detector.push(Runtime::start(&detector, &env).wait_ready().as_secs_f64() * 1000.0);
        init_hello.push(Runtime::start(&hello, &env).wait_ready().as_secs_f64() * 1000.0);
    }

    let payload = batch();
    let mut memory = Vec::new();
    for binary in [&detector, &hello] {
        let mut rt = Runtime::start(binary, &env);
        rt.wait_ready();
        match rt.invoke(&payload) {
            Reply::Response(out) if binary == &detector => {
                assert_eq!(out["batchItemFailures"], json!([]), "the batch should succeed: {out}");
            }
            Reply::Response(_) => {}
            Reply::Error(e) => panic!("{} failed the batch: {e}\n{}", binary.display(), rt.log()),
        }
        memory.push(peak_mb(rt.pid()));
    }
    let alerts = stack.alerts(1, Duration::from_secs(5)).await.len();
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).unwrap_or(f64::NAN);

    let (d, h) = (median(init_detector), median(init_hello));
    println!("| measurement | detector | hello-world baseline | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| cold-start init, median of {COLD_STARTS} (ms) | {d:.1} | {h:.1} | {:.1}x |",
        d / h
    );
    println!(
        "| peak memory after a {BATCH}-record SQS batch (MB) | {:.1} | {:.1} | {:.1}x |",
        memory[0],
        memory[1],
        memory[0] / memory[1]
    );
    println!(
        "| binary size (MB) | {:.1} | {:.1} | {:.1}x |",
        size(&detector),
        size(&hello),
        size(&detector) / size(&hello)
    );
    println!("({alerts} alert(s) published for the batch's long-term-key invocations)");
}
