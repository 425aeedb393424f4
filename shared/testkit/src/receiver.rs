//! Local HTTP receivers that answer like Slack and PagerDuty and record every request, for the
//! notifier's tests. Each listens on a port of 127.0.0.1 chosen by the system and serves on its
//! own thread (one request a connection), so it works under any async runtime; it stops when
//! dropped. A reply can come late ([`Reply::after`]) or not at all ([`Reply::hang_up`]: the
//! connection is closed once the request is read), as a slow or failing service answers.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// A request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// An answer: status, headers and body, sent after `delay`; or none (`hang_up`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// How long the receiver waits before answering (the request is taken at once).
    pub delay: Duration,
    /// Closes the connection without answering: the request is lost, not taken.
    pub hang_up: bool,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    }

    /// `status` with a plain-text body.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.to_owned(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    }

    /// 429 with `Retry-After: seconds`.
    pub fn too_many(seconds: u64) -> Reply {
        let mut reply = Reply::text(429, "rate limited");
        reply.headers.push(("Retry-After".into(), seconds.to_string()));
        reply
    }

    /// No answer: the connection is closed once the request is read (a dropped connection;
    /// the request counts as not taken).
    pub fn hang_up() -> Reply {
        Reply {
            hang_up: true,
            ..Reply::text(502, "")
        }
    }

    /// This reply, sent `delay` after the request was read (the request is taken at once, as
    /// a service that is slow to answer has it).
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Answer = Box<dyn Fn(&Request) -> Reply + Send>;

struct State {
    requests: Vec<Request>,
    /// The status each request was answered with (`None`: hung up), in the same order.
    statuses: Vec<Option<u16>>,
    /// Answers for the next requests, in order; then `default`.
    queued: VecDeque<Reply>,
    default: Answer,
}

/// A running receiver.
pub struct Receiver {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    /// A receiver that answers every request with `answer` unless a reply is queued.
    ///
    /// # Panics
    /// When no local port can be bound (a broken test machine).
    pub fn start(answer: impl Fn(&Request) -> Reply + Send + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State {
            requests: Vec::new(),
            statuses: Vec::new(),
            queued: VecDeque::new(),
            default: Box::new(answer),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopped) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || serve(stream, &shared));
                }
            }
        });
        Receiver { addr, state, stop }
    }

    /// An incoming webhook: `200 ok`.
    pub fn slack_webhook() -> Receiver {
        Receiver::start(|_| Reply::text(200, "ok"))
    }

    /// The Slack Web API: `chat.postMessage` answers `{"ok":true,"channel":…,"ts":…}` with a new
    /// `ts` each time (`1700000000.000001`, `…002`, …).
    pub fn slack_api() -> Receiver {
        let next = AtomicU64::new(1);
        Receiver::start(move |request| {
            let n = next.fetch_add(1, Ordering::SeqCst);
            let channel = request.json()["channel"].clone();
            let ts = format!("1700000000.{n:06}");
            Reply::json(200, &json!({ "ok": true, "channel": channel, "ts": ts }))
        })
    }

    /// PagerDuty's Events API: 202 with the event's `dedup_key`.
    pub fn pagerduty() -> Receiver {
        Receiver::start(|request| {
            let key = request.json()["dedup_key"].clone();
            let body = json!({ "status": "success", "message": "Event processed", "dedup_key": key });
            Reply::json(202, &body)
        })
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers the next request with `reply` (after the replies queued before it).
    pub fn queue(&self, reply: Reply) {
        if let Ok(mut state) = self.state.lock() {
            state.queued.push_back(reply);
        }
    }

    /// Answers every request from now on with `answer` (queued replies still go first).
    pub fn answer_with(&self, answer: impl Fn(&Request) -> Reply + Send + 'static) {
        if let Ok(mut state) = self.state.lock() {
            state.default = Box::new(answer);
        }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().map(|s| s.requests.clone()).unwrap_or_default()
    }

    /// The requests the receiver took: answered (or, for a late answer, to be answered) with
    /// a 2xx status. What a real service would have delivered.
    pub fn accepted(&self) -> Vec<Request> {
        let Ok(state) = self.state.lock() else {
            return Vec::new();
        };
        let taken = state
            .statuses
            .iter()
            .map(|s| s.is_some_and(|s| (200..300).contains(&s)));
        state
            .requests
            .iter()
            .zip(taken)
            .filter(|(_, t)| *t)
            .map(|(r, _)| r.clone())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// Reads one request from `stream`, records it and answers it.
fn serve(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(request) = read_request(&stream) else {
        return;
    };
    let reply = match state.lock() {
        Ok(mut state) => {
            state.requests.push(request.clone());
            let reply = match state.queued.pop_front() {
                Some(reply) => reply,
                None => (state.default)(&request),
            };
            state.statuses.push((!reply.hang_up).then_some(reply.status));
            reply
        }
        Err(_) => Reply::text(500, "receiver state poisoned"),
    };
    if reply.hang_up {
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    std::thread::sleep(reply.delay);
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let mut stream = stream;
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(reply.body.as_bytes());
    let _ = stream.flush();
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
