//! Test clients of any SDK crate answered by `aws-smithy-mocks` rules, for the APIs moto lacks
//! and the failures it cannot produce.

// Each feature's tests use some of these: with only one feature on, the rest are unused.
#![cfg_attr(
    not(all(feature = "respond", feature = "lookup", feature = "inventory")),
    allow(dead_code)
)]

/// A client of SDK crate `$sdk` in us-east-1 answered by the mock `$rules` (any order, each
/// a `&Rule`), with test credentials; without retries, or with `$retry` (a `RetryConfig`).
macro_rules! mock_client {
    ($sdk:ident, $rules:expr) => {
        $crate::mock::mock_client!($sdk, $rules, $sdk::config::retry::RetryConfig::disabled())
    };
    ($sdk:ident, $rules:expr, $retry:expr) => {{
        let mut interceptor =
            ::aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(::aws_smithy_mocks::RuleMode::MatchAny);
        for rule in $rules {
            interceptor = interceptor.with_rule(rule);
        }
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version($sdk::config::BehaviorVersion::latest())
                .region($sdk::config::Region::new("us-east-1"))
                .credentials_provider($sdk::config::Credentials::new("AKIDTEST", "secret", None, None, "test"))
                .http_client(::aws_smithy_mocks::create_mock_http_client())
                .interceptor(interceptor)
                .retry_config($retry)
                .build(),
        )
    }};
}

pub(crate) use mock_client;

use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};

/// An HTTP answer with `status`, `content_type` and `body`.
pub(crate) fn http(status: u16, content_type: &str, body: String) -> Response {
    let mut response = Response::new(
        StatusCode::try_from(status).expect("an HTTP status"),
        SdkBody::from(body),
    );
    response.headers_mut().insert("content-type", content_type.to_owned());
    response
}

/// A REST JSON answer (Bedrock, AgentCore).
pub(crate) fn json_ok(body: Value) -> Response {
    http(200, "application/json", body.to_string())
}

/// A REST JSON error: the code in `x-amzn-ErrorType`.
pub(crate) fn json_error(status: u16, code: &str, message: &str) -> Response {
    let mut response = http(status, "application/json", json!({ "message": message }).to_string());
    response.headers_mut().insert("x-amzn-ErrorType", code.to_owned());
    response
}

/// An IAM (query protocol) answer to `action` with `result` inside its `<…Result>`.
pub(crate) fn iam_ok(action: &str, result: &str) -> Response {
    let body = format!(
        r#"<{action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></{action}Response>"#
    );
    http(200, "text/xml", body)
}

/// An IAM (query protocol) error.
pub(crate) fn iam_error(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>"#
    );
    http(status, "text/xml", body)
}
