//! Test clients of any SDK crate answered by `aws-smithy-mocks` rules, for the APIs moto lacks
//! and the failures it cannot produce.

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
