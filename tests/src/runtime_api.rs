//! A Lambda Runtime API served by the test: the real detector binary connects to it as it
//! would in Lambda (`AWS_LAMBDA_RUNTIME_API`), long-polls for invocations, and posts results,
//! invocation errors and init errors back. Each invocation carries its own deadline
//! (`Lambda-Runtime-Deadline-Ms`): 60 s from when the function takes it, unless the test gives
//! it less time ([`Runtime::invoke_with_time`]); a reply posted after it comes back as
//! Lambda's timeout error ([`TIMED_OUT`]).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What the function posted for one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Response(Value),
    Error(Value),
}

impl Reply {
    /// The response the function posted; panics, showing the error, when it posted an error.
    pub fn ok(self) -> Value {
        match self {
            Reply::Response(v) => v,
            Reply::Error(e) => panic!("the function failed: {e}"),
        }
    }
}

/// Messages from the server threads to the test.
#[derive(Debug)]
enum Event {
    Polled(Instant),
    Reply(String, Reply),
    InitError(Value),
}

/// One invocation waiting for the function: request id, payload, time it is given.
type Queued = (String, String, Duration);

/// The time an invocation is given unless the test says otherwise.
const DEFAULT_TIME: Duration = Duration::from_secs(60);

struct Shared {
    queue: Mutex<Receiver<Queued>>,
    events: Mutex<Sender<Event>>,
    /// Each invocation's deadline, by request id: a reply posted after it is turned into the
    /// timeout error Lambda reports (Lambda would have stopped the function).
    deadlines: Mutex<HashMap<String, std::time::SystemTime>>,
}

/// What Lambda reports for an invocation that ran past its deadline.
pub const TIMED_OUT: &str = "Sandbox.Timedout";

/// `reply`, or Lambda's timeout error when it came after the deadline of `id`.
fn in_time(shared: &Shared, id: &str, reply: Reply) -> Reply {
    let deadline = shared.deadlines.lock().unwrap().remove(id);
    match deadline {
        Some(deadline) if std::time::SystemTime::now() > deadline => Reply::Error(serde_json::json!({
            "errorType": TIMED_OUT,
            "errorMessage": format!("Task timed out; the function replied late: {reply:?}"),
        })),
        _ => reply,
    }
}

/// The Runtime API server plus the function process attached to it.
pub struct Runtime {
    pub addr: String,
    invocations: Sender<Queued>,
    events: Receiver<Event>,
    child: Option<Child>,
    next_id: usize,
    /// When the process was started.
    pub started: Instant,
    /// When the process first asked for an invocation (the end of its init).
    pub first_poll: Option<Instant>,
    /// The function's stderr and stdout (its logs), collected after it exits.
    log_path: PathBuf,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let mut body = Vec::new();
    if let Some(len) = headers.get("content-length").and_then(|l| l.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).ok()?;
    } else if headers.get("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    Some((method, path, body))
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    while let Some((method, path, body)) = read_request(&mut reader) {
        let send = |e: Event| {
            let _ = shared.events.lock().unwrap().send(e);
        };
        let json = || serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
        let parts: Vec<&str> = path.trim_start_matches("/2018-06-01/runtime/").split('/').collect();
        let result = match (method.as_str(), parts.as_slice()) {
            ("GET", ["invocation", "next"]) => {
                send(Event::Polled(Instant::now()));
                let next = shared.queue.lock().unwrap().recv();
                let Ok((id, payload, time)) = next else { return };
                let deadline = std::time::SystemTime::now() + time;
                shared.deadlines.lock().unwrap().insert(id.clone(), deadline);
                let deadline_ms = deadline.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
                let headers = [
                    ("Lambda-Runtime-Aws-Request-Id", id),
                    ("Lambda-Runtime-Deadline-Ms", deadline_ms.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:detector".into(),
                    ),
                    ("Content-Type", "application/json".into()),
                ];
                respond(&mut writer, "200 OK", &headers, payload.as_bytes())
            }
            ("POST", ["invocation", id, "response"]) => {
                send(Event::Reply(
                    (*id).to_owned(),
                    in_time(&shared, id, Reply::Response(json())),
                ));
                respond(&mut writer, "202 Accepted", &[], b"{}")
            }
            ("POST", ["invocation", id, "error"]) => {
                send(Event::Reply(
                    (*id).to_owned(),
                    in_time(&shared, id, Reply::Error(json())),
                ));
                respond(&mut writer, "202 Accepted", &[], b"{}")
            }
            ("POST", ["init", "error"]) => {
                send(Event::InitError(json()));
                respond(&mut writer, "202 Accepted", &[], b"{}")
            }
            _ => respond(&mut writer, "404 Not Found", &[], b"{}"),
        };
        if result.is_err() {
            return;
        }
    }
}

/// The detector binary built in `profile` (see [`function_binary`]).
pub fn detector_binary(profile: &str) -> PathBuf {
    function_binary("detector", profile)
}

/// The Lambda binary `name` built in `profile`, under `CARGO_TARGET_DIR` or the workspace's
/// `target`.
pub fn function_binary(name: &str, profile: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join(profile).join(name);
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p {name}` (scripts/test does)",
        path.display()
    );
    path
}

impl Runtime {
    /// Serves the Runtime API on a free loopback port and starts `binary` against it with `env`.
    pub fn start(binary: &PathBuf, env: &[(&str, String)]) -> Runtime {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (invocations, queue) = channel();
        let (events_tx, events) = channel();
        let shared = Arc::new(Shared {
            queue: Mutex::new(queue),
            events: Mutex::new(events_tx),
            deadlines: Mutex::new(HashMap::new()),
        });
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, shared));
            }
        });
        let log_path = std::env::temp_dir().join(format!(
            "aidr-detector-{}-{}.log",
            std::process::id(),
            addr.replace(':', "-")
        ));
        let log = std::fs::File::create(&log_path).unwrap();
        let started = Instant::now();
        let child = Command::new(binary)
            .env("AWS_LAMBDA_RUNTIME_API", &addr)
            .env("AWS_LAMBDA_FUNCTION_NAME", "detector")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        Runtime {
            addr,
            invocations,
            events,
            child: Some(child),
            next_id: 0,
            started,
            first_poll: None,
            log_path,
        }
    }

    /// Invokes the function with `payload` and waits for its reply.
    pub fn invoke(&mut self, payload: &Value) -> Reply {
        self.invoke_within(payload, Duration::from_secs(60))
    }

    /// [`Runtime::invoke`], waiting up to `patience` for the reply.
    pub fn invoke_within(&mut self, payload: &Value, patience: Duration) -> Reply {
        self.invoke_timed(payload, DEFAULT_TIME, patience)
    }

    /// Invokes the function with `payload`, giving it `time` (its deadline is `time` after it
    /// takes the invocation), and waits for its reply up to `time` plus 30 s.
    pub fn invoke_with_time(&mut self, payload: &Value, time: Duration) -> Reply {
        self.invoke_timed(payload, time, time + Duration::from_secs(30))
    }

    fn invoke_timed(&mut self, payload: &Value, time: Duration, patience: Duration) -> Reply {
        self.next_id += 1;
        let id = format!("req-{}", self.next_id);
        self.invocations.send((id.clone(), payload.to_string(), time)).unwrap();
        let deadline = Instant::now() + patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Event::Reply(got, reply)) if got == id => return reply,
                Ok(Event::Polled(at)) => {
                    self.first_poll.get_or_insert(at);
                }
                Ok(other) => panic!("unexpected runtime event {other:?}\nfunction log:\n{}", self.log()),
                Err(_) => panic!(
                    "no reply to {id} within {} s\nfunction log:\n{}",
                    patience.as_secs(),
                    self.log()
                ),
            }
        }
    }

    /// Waits for the function's first poll (its init is done); returns the init duration.
    pub fn wait_ready(&mut self) -> Duration {
        while self.first_poll.is_none() {
            match self.events.recv_timeout(Duration::from_secs(30)) {
                Ok(Event::Polled(at)) => self.first_poll = Some(at),
                other => panic!(
                    "function did not become ready: {other:?}\nfunction log:\n{}",
                    self.log()
                ),
            }
        }
        self.first_poll.unwrap() - self.started
    }

    /// Waits for an init error report and the process's exit; returns the report.
    pub fn expect_init_error(&mut self) -> Value {
        let report = match self.events.recv_timeout(Duration::from_secs(30)) {
            Ok(Event::InitError(body)) => body,
            other => panic!("expected an init error, got {other:?}\nfunction log:\n{}", self.log()),
        };
        let status = self.child.as_mut().unwrap().wait().unwrap();
        assert!(!status.success(), "the function should exit after an init error");
        report
    }

    /// The process id of the function.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// What the function logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.log_path);
    }
}
