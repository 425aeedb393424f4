//! A fault-injecting HTTP/1.1 proxy between the real AWS SDK clients of a function and the
//! emulator, started and stopped (on drop) by the test.
//!
//! ```text
//! function process --AWS_ENDPOINT_URL=proxy.endpoint()--> FaultProxy --> moto
//! ```
//!
//! Each request is told apart by its service (the SigV4 credential scope of its
//! `Authorization` header: `dynamodb`, `sns`, `sqs`, `iam`, `sagemaker`, `sts`, …) and its
//! operation: the part after the dot of `X-Amz-Target` for JSON protocols
//! (`DynamoDB_20120810.UpdateItem` -> `UpdateItem`, `SageMaker.StopNotebookInstance`), the
//! `Action=` of the form body for query protocols (SNS, IAM, STS: `Publish`, `DeleteAccessKey`),
//! and `METHOD /path` for REST ones (S3, Bedrock: `GET /guardrails/g1`). A [`Rule`] names a call
//! (service, operation, optionally substrings the body must contain, to tell e.g. a claim
//! write from a done-marker write), a [`Fault`] and how many times ([`Times`]); the first rule
//! that matches a request and has turns left answers it, anything else is forwarded as it is.
//!
//! Faults are answered as the service answers them: DynamoDB's
//! `com.amazonaws.dynamodb.v20120810#ThrottlingException` (HTTP 400, JSON), the query
//! protocol's XML `ErrorResponse` with code `Throttling`, and so on (see [`Fault`]). Every
//! request is logged ([`FaultProxy::calls`]) with whether it was faulted.
//!
//! Requests are forwarded on a fresh upstream connection each (`Connection: close`); the
//! client's connection is kept alive. Only plain `http://` upstreams are supported (moto).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the proxy answers instead of (or after) forwarding a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Throttling as the service reports it: HTTP 400 with DynamoDB's `ThrottlingException`
    /// (JSON), other JSON services' `ThrottlingException`, the query protocol's `Throttling`
    /// (XML `ErrorResponse`), or REST's `ThrottlingException` (`x-amzn-ErrorType`).
    Throttling,
    /// DynamoDB's `ProvisionedThroughputExceededException` (HTTP 400, JSON).
    ThroughputExceeded,
    /// HTTP 500 (`InternalServerError` / `InternalFailure`) or 503 (`ServiceUnavailable`), or
    /// any status, with a body shaped as the service's.
    Status(u16),
    /// Waits this long, then forwards.
    Delay(Duration),
    /// Holds the connection without answering until the client gives up (or the proxy stops):
    /// the request never reaches the service.
    Hang,
    /// Closes the connection without answering: the request never reaches the service.
    Drop,
    /// Forwards (the service applies the call), then answers this status instead of the
    /// service's answer: the answer was lost.
    ForwardThenFail(u16),
}

impl Fault {
    /// A short name for logs and assertions: `throttling`, `throughput`, `status-500`,
    /// `delay`, `hang`, `drop`, `forward-then-500`.
    pub fn name(&self) -> String {
        match self {
            Fault::Throttling => "throttling".into(),
            Fault::ThroughputExceeded => "throughput".into(),
            Fault::Status(s) => format!("status-{s}"),
            Fault::Delay(_) => "delay".into(),
            Fault::Hang => "hang".into(),
            Fault::Drop => "drop".into(),
            Fault::ForwardThenFail(s) => format!("forward-then-{s}"),
        }
    }
}

/// How many matching requests a rule answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    Once,
    N(usize),
    Always,
}

/// Which call to fault, how, and how many times.
#[derive(Debug, Clone)]
pub struct Rule {
    pub service: String,
    pub operation: String,
    /// Substrings the request body must all contain (e.g. `event#` for an alert marker write,
    /// and `attribute_not_exists` for the claim among them).
    pub body_contains: Vec<String>,
    pub fault: Fault,
    pub times: Times,
}

impl Rule {
    /// Faults every `service` `operation` call (see the module doc for the names) with
    /// `fault`, [`Times::Always`] unless told otherwise.
    pub fn new(service: &str, operation: &str, fault: Fault) -> Rule {
        Rule {
            service: service.to_owned(),
            operation: operation.to_owned(),
            body_contains: Vec::new(),
            fault,
            times: Times::Always,
        }
    }

    /// Only calls whose body contains `needle` (as sent: JSON for DynamoDB, form-encoded for
    /// query protocols), and any needle given before.
    pub fn body_contains(mut self, needle: &str) -> Rule {
        self.body_contains.push(needle.to_owned());
        self
    }

    /// Only the next `times` matching calls.
    pub fn times(mut self, times: Times) -> Rule {
        self.times = times;
        self
    }

    fn matches(&self, call: &Request) -> bool {
        self.service.eq_ignore_ascii_case(&call.service)
            && self.operation == call.operation
            && self
                .body_contains
                .iter()
                .all(|needle| call.body.windows(needle.len()).any(|w| w == needle.as_bytes()))
    }
}

/// One request the proxy saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub service: String,
    pub operation: String,
    /// The [`Fault::name`] it was answered with, if any.
    pub fault: Option<String>,
    /// The request body as text (lossy UTF-8).
    pub body: String,
}

struct State {
    rules: Mutex<Vec<(Rule, usize)>>,
    calls: Mutex<Vec<Call>>,
    stop: AtomicBool,
    upstream: String,
}

/// The proxy; stops (and drops every held connection) when dropped.
pub struct FaultProxy {
    addr: String,
    state: Arc<State>,
}

impl FaultProxy {
    /// Serves on a free loopback port, forwarding to `upstream` (`http://host:port`, as in
    /// `AWS_ENDPOINT_URL`).
    ///
    /// # Panics
    /// When `upstream` is not `http://host:port` or no port can be bound (test harness).
    pub fn start(upstream: &str) -> FaultProxy {
        let host = upstream
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("the fault proxy forwards to http:// only, not {upstream}"))
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let addr = listener.local_addr().expect("a bound address").to_string();
        let state = Arc::new(State {
            rules: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            upstream: host,
        });
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        FaultProxy { addr, state }
    }

    /// [`FaultProxy::start`] forwarding to the emulator of `AWS_ENDPOINT_URL`.
    ///
    /// # Panics
    /// When `AWS_ENDPOINT_URL` is unset.
    pub fn to_emulator() -> FaultProxy {
        let upstream = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL (scripts/with-moto sets it)");
        FaultProxy::start(&upstream)
    }

    /// `http://127.0.0.1:PORT`: what a function's `AWS_ENDPOINT_URL` is set to.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds a rule after those already set.
    pub fn inject(&self, rule: Rule) {
        let turns = match rule.times {
            Times::Once => 1,
            Times::N(n) => n,
            Times::Always => usize::MAX,
        };
        self.state.rules.lock().unwrap().push((rule, turns));
    }

    /// Removes every rule: from now on everything is forwarded.
    pub fn clear(&self) {
        self.state.rules.lock().unwrap().clear();
    }

    /// Every request seen so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.state.calls.lock().unwrap().clone()
    }

    /// The requests seen so far to `service` `operation`.
    pub fn calls_to(&self, service: &str, operation: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.service.eq_ignore_ascii_case(service) && c.operation == operation)
            .collect()
    }

    /// How many requests were answered with a fault so far.
    pub fn faulted(&self) -> usize {
        self.state
            .calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.fault.is_some())
            .count()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the stop flag.
        let _ = TcpStream::connect(&self.addr);
    }
}

/// A request as read from the client.
struct Request {
    method: String,
    target: String,
    /// Header lines as sent (name, value).
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    service: String,
    operation: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn protocol(&self) -> Protocol {
        if self.header("x-amz-target").is_some() {
            Protocol::Json
        } else if self
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
        {
            Protocol::Query
        } else {
            Protocol::Rest
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Json,
    Query,
    Rest,
}

/// The service of a SigV4-signed request: `Credential=AKID/DATE/REGION/SERVICE/aws4_request`.
fn service_of(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.split("Credential=").nth(1))
        .and_then(|scope| scope.split(['/', ',']).nth(3))
        .unwrap_or("-")
        .to_owned()
}

fn operation_of(method: &str, target: &str, headers: &[(String, String)], body: &[u8]) -> String {
    if let Some((_, t)) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target")) {
        return t.rsplit('.').next().unwrap_or(t).to_owned();
    }
    let form = String::from_utf8_lossy(body);
    let query = target.split_once('?').map_or("", |(_, q)| q);
    for pair in form.split('&').chain(query.split('&')) {
        if let Some(action) = pair.strip_prefix("Action=") {
            return action.to_owned();
        }
    }
    let path = target.split('?').next().unwrap_or(target);
    format!("{method} {path}")
}

/// Reads a header block (after the start line); `None` at a closed connection.
fn read_headers(reader: &mut impl BufRead) -> Option<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Some(headers);
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Reads a message body framed by `Content-Length` or chunked encoding; with neither, reads
/// to the end when `to_eof` (a response on a closing connection), else nothing.
fn read_body(reader: &mut impl BufRead, headers: &[(String, String)], to_eof: bool) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if header(headers, "transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = size.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size, 16).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if size == 0 {
                // Trailers, up to the blank line.
                read_headers(reader);
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = header(headers, "content-length").and_then(|l| l.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if to_eof {
        reader.read_to_end(&mut body)?;
    }
    Ok(body)
}

fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let headers = read_headers(reader)?;
    if header(&headers, "expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let body = read_body(reader, &headers, false).ok()?;
    let service = service_of(&headers);
    let operation = operation_of(&method, &target, &headers, &body);
    Some(Request {
        method,
        target,
        headers,
        body,
        service,
        operation,
    })
}

/// A response to send to the client.
struct Response {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The `Content-Length` of an answer to `HEAD` (the object's, sent with no body).
    head_length: Option<String>,
}

impl Response {
    fn write(&self, to: &mut TcpStream) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        for (k, v) in &self.headers {
            let framing = ["content-length", "transfer-encoding", "connection", "keep-alive"];
            if !framing.iter().any(|f| k.eq_ignore_ascii_case(f)) {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        let length = self.head_length.clone().unwrap_or_else(|| self.body.len().to_string());
        head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
        to.write_all(head.as_bytes())?;
        to.write_all(&self.body)?;
        to.flush()
    }
}

fn serve(stream: TcpStream, state: &State) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader, &mut writer) {
        if state.stop.load(Ordering::SeqCst) {
            return;
        }
        let fault = take_fault(state, &request);
        state.calls.lock().unwrap().push(Call {
            service: request.service.clone(),
            operation: request.operation.clone(),
            fault: fault.as_ref().map(Fault::name),
            body: String::from_utf8_lossy(&request.body).into_owned(),
        });
        let response = match fault {
            None => forward(state, &request),
            Some(Fault::Delay(wait)) => {
                std::thread::sleep(wait);
                forward(state, &request)
            }
            Some(Fault::Hang) => {
                hold(&mut reader, state);
                return;
            }
            Some(Fault::Drop) => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Some(Fault::ForwardThenFail(status)) => {
                let _ = forward(state, &request);
                Ok(error_response(&request, &Fault::Status(status)))
            }
            Some(fault) => Ok(error_response(&request, &fault)),
        };
        let sent = match response {
            Ok(response) => response.write(&mut writer),
            Err(_) => writer.shutdown(Shutdown::Both),
        };
        if sent.is_err() {
            return;
        }
    }
}

/// The fault of the first rule matching `request` that has turns left (using one).
fn take_fault(state: &State, request: &Request) -> Option<Fault> {
    let mut rules = state.rules.lock().unwrap();
    let (rule, turns) = rules.iter_mut().find(|(r, left)| *left > 0 && r.matches(request))?;
    *turns = turns.saturating_sub(1);
    Some(rule.fault.clone())
}

/// Keeps a connection open, answering nothing, until the client closes it or the proxy stops.
fn hold(reader: &mut BufReader<TcpStream>, state: &State) {
    let _ = reader.get_ref().set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 1024];
    let since = Instant::now();
    // A held connection gives up after ten minutes at most, whatever the client does.
    while !state.stop.load(Ordering::SeqCst) && since.elapsed() < Duration::from_secs(600) {
        match reader.get_mut().read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// Sends `request` upstream on a connection of its own and reads the answer.
fn forward(state: &State, request: &Request) -> io::Result<Response> {
    let mut upstream = TcpStream::connect(&state.upstream)?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (k, v) in &request.headers {
        let framing = [
            "content-length",
            "transfer-encoding",
            "connection",
            "expect",
            "keep-alive",
        ];
        if !framing.iter().any(|f| k.eq_ignore_ascii_case(f)) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        request.body.len()
    ));
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(&request.body)?;
    upstream.flush()?;
    let mut reader = BufReader::new(upstream);
    let (status, reason, headers) = loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let mut parts = line.trim_end().splitn(3, ' ');
        let _version = parts.next();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("bad status line {line:?}")))?;
        let reason = parts.next().unwrap_or("").to_owned();
        let headers = read_headers(&mut reader)
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no response headers"))?;
        // Interim answers (100 Continue) are not relayed.
        if status >= 200 {
            break (status, reason, headers);
        }
    };
    let bodiless = request.method == "HEAD" || status == 204 || status == 304;
    let body = if bodiless {
        Vec::new()
    } else {
        read_body(&mut reader, &headers, true)?
    };
    let head_length = match request.method.as_str() {
        "HEAD" => header(&headers, "content-length").map(str::to_owned),
        _ => None,
    };
    Ok(Response {
        status,
        reason,
        headers,
        body,
        head_length,
    })
}

/// The answer a service gives for `fault` (an error status or throttling), in the protocol
/// of `request`.
fn error_response(request: &Request, fault: &Fault) -> Response {
    let dynamodb = request.service.eq_ignore_ascii_case("dynamodb");
    let (status, code, message) = match fault {
        Fault::Throttling if dynamodb => (
            400,
            "ThrottlingException",
            "Rate of requests exceeds the allowed throughput.",
        ),
        Fault::Throttling => (
            400,
            match request.protocol() {
                Protocol::Query => "Throttling",
                _ => "ThrottlingException",
            },
            "Rate exceeded",
        ),
        Fault::ThroughputExceeded => (
            400,
            "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
        ),
        Fault::Status(503) | Fault::ForwardThenFail(503) => (503, "ServiceUnavailable", "Service Unavailable"),
        Fault::Status(s) | Fault::ForwardThenFail(s) => (
            *s,
            if dynamodb {
                "InternalServerError"
            } else {
                "InternalFailure"
            },
            "We encountered an internal error. Please try again.",
        ),
        Fault::Delay(_) | Fault::Hang | Fault::Drop => (500, "InternalFailure", "internal error"),
    };
    let request_id = format!("FAULT{:020}", request.body.len());
    let reason = match status {
        400 => "Bad Request",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
    .to_owned();
    let (content_type, body) = match request.protocol() {
        Protocol::Json => {
            let kind = if dynamodb {
                format!("com.amazonaws.dynamodb.v20120810#{code}")
            } else {
                code.to_owned()
            };
            let body = serde_json::json!({ "__type": kind, "message": message });
            ("application/x-amz-json-1.0", body.to_string())
        }
        Protocol::Query => (
            "text/xml",
            format!(
                "<ErrorResponse xmlns=\"https://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>{}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
                if status >= 500 { "Receiver" } else { "Sender" }
            ),
        ),
        Protocol::Rest => (
            "application/json",
            serde_json::json!({ "message": message }).to_string(),
        ),
    };
    let mut headers = vec![
        ("Content-Type".to_owned(), content_type.to_owned()),
        ("x-amzn-RequestId".to_owned(), request_id),
    ];
    if request.protocol() == Protocol::Rest {
        headers.push(("x-amzn-ErrorType".to_owned(), code.to_owned()));
    }
    Response {
        status,
        reason,
        headers,
        body: body.into_bytes(),
        head_length: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that answers every request with its body echoed, once per connection.
    fn echo_upstream() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let headers = read_headers(&mut reader).unwrap();
                let body = read_body(&mut reader, &headers, false).unwrap();
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                writer.write_all(head.as_bytes()).unwrap();
                writer.write_all(&body).unwrap();
            }
        });
        format!("http://{addr}")
    }

    fn send(proxy: &FaultProxy, target: &str, body: &str) -> io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(&proxy.addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        let request = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {target}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes())?;
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        if reader.read_line(&mut status)? == 0 {
            return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "closed"));
        }
        let headers = read_headers(&mut reader).unwrap();
        let body = read_body(&mut reader, &headers, false)?;
        let code = status.split_whitespace().nth(1).unwrap().parse().unwrap();
        Ok((code, String::from_utf8(body).unwrap()))
    }

    #[test]
    fn faults_the_matching_calls_as_many_times_as_told_and_forwards_the_rest() {
        let proxy = FaultProxy::start(&echo_upstream());
        proxy.inject(
            Rule::new("dynamodb", "PutItem", Fault::Throttling)
                .body_contains("event#")
                .times(Times::Once),
        );
        proxy.inject(Rule::new("dynamodb", "GetItem", Fault::Drop).times(Times::N(2)));
        let put = "DynamoDB_20120810.PutItem";
        let (status, body) = send(&proxy, put, r#"{"pk":"dedupe#x"}"#).unwrap();
        assert_eq!((status, body.as_str()), (200, r#"{"pk":"dedupe#x"}"#));
        let (status, body) = send(&proxy, put, r#"{"pk":"event#x"}"#).unwrap();
        assert_eq!(status, 400);
        assert!(
            body.contains(r#""__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException""#),
            "{body}"
        );
        assert_eq!(send(&proxy, put, r#"{"pk":"event#x"}"#).unwrap().0, 200);
        for _ in 0..2 {
            assert!(send(&proxy, "DynamoDB_20120810.GetItem", "{}").is_err());
        }
        assert_eq!(send(&proxy, "DynamoDB_20120810.GetItem", "{}").unwrap().0, 200);
        let calls = proxy.calls();
        let faults: Vec<Option<&str>> = calls.iter().map(|c| c.fault.as_deref()).collect();
        assert_eq!(
            faults,
            [None, Some("throttling"), None, Some("drop"), Some("drop"), None]
        );
        assert_eq!(calls[0].operation, "PutItem");
        assert_eq!(calls[0].service, "dynamodb");
        let gets = proxy.calls_to("dynamodb", "GetItem");
        assert_eq!(gets.iter().filter(|c| c.fault.is_some()).count(), 2);
        proxy.inject(Rule::new("dynamodb", "PutItem", Fault::Status(503)));
        let (status, body) = send(&proxy, put, "{}").unwrap();
        assert_eq!(status, 503);
        assert!(body.contains("ServiceUnavailable"), "{body}");
        proxy.clear();
        assert_eq!(send(&proxy, put, "{}").unwrap().0, 200);
    }
}
