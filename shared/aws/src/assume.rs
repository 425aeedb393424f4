//! Credentials in another account: the configuration whose calls act as a role assumed there.

use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_smithy_runtime_api::client::identity::SharedIdentityCache;
use aws_types::sdk_config::SharedCredentialsProvider;

/// `base` with its credentials replaced by the role `role_arn`, assumed with session name
/// `session` and refreshed before they expire (kept in `cache`). `base` must have a time
/// source (configurations loaded by `aws-config` have one). Failing to assume the role shows
/// in the first call made with the result.
pub(crate) async fn assumed(
    base: &SdkConfig,
    role_arn: String,
    session: &str,
    cache: &SharedIdentityCache,
) -> SdkConfig {
    let provider = AssumeRoleProvider::builder(role_arn)
        .session_name(session)
        .configure(base)
        .build()
        .await;
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .identity_cache(cache.clone())
        .build()
}
