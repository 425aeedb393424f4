//! Reporting a cold-start failure to the Lambda Runtime API (`/runtime/init/error`), so the
//! invocation fails with the reason instead of a bare process exit.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The function's settings as `read` gives them; its error is logged and reported as an init
/// error (`Runtime.ConfigError`) before it is returned, for the function to stop with it.
///
/// # Errors
/// `read`'s.
pub fn config<T, E: std::fmt::Display>(read: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    read().inspect_err(|e| {
        tracing::error!(error = %e, "invalid configuration");
        report("Runtime.ConfigError", &e.to_string());
    })
}

/// Posts `message` as an init error of `error_type`. Best effort: failures to report are
/// printed to stderr (which Lambda logs) and otherwise ignored.
pub fn report(error_type: &str, message: &str) {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        eprintln!("init error (no AWS_LAMBDA_RUNTIME_API to report to): {message}");
        return;
    };
    if let Err(e) = post(&api, error_type, message) {
        eprintln!("could not report the init error to the runtime API at {api}: {e}");
    }
}

fn post(api: &str, error_type: &str, message: &str) -> std::io::Result<()> {
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message, "stackTrace": [] }).to_string();
    let mut stream = TcpStream::connect(api)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\n\
         Lambda-Runtime-Function-Error-Type: {error_type}\r\n\
         Content-Type: application/vnd.aws.lambda.error+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = [0u8; 64];
    let read = stream.read(&mut reply)?;
    match std::str::from_utf8(&reply[..read])
        .ok()
        .and_then(|r| r.split(' ').nth(1))
    {
        Some(status) if status.starts_with('2') => Ok(()),
        other => Err(std::io::Error::other(format!("runtime API answered {other:?}"))),
    }
}
