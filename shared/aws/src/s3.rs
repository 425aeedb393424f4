//! The engine's [`Objects`] port on S3 (feature `s3`): CloudTrail log files read as a stream
//! (`GetObject`'s body bridged to a blocking reader, never held whole in memory), back-test
//! findings written (`PutObject`), and a trail's log files listed (`ListObjectsV2`, walking
//! the key hierarchy with `/` as delimiter and only into prefixes that may hold log files of
//! the days asked: see [`aidr_engine::trail::may_hold_log_files`]); and small text objects read
//! whole, one or every one under a prefix (the detector's user rules and allowlist).

use std::io::Read;

use aidr_engine::ports::{ObjectError, Objects};
use aidr_engine::trail::{self, ObjectKind};
use aws_sdk_s3::Client;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ObjectStorageClass;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_types::SdkConfig;
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio_util::io::SyncIoBridge;

use crate::failure::{detail, failure_kind};

mod text;
pub use text::{MAX_TEXT_BYTES, MAX_TEXT_OBJECTS, TextError, TextObject};

/// IAM actions of the calls made here, for the templates' test.
pub const PERMISSIONS: &[&str] = &["s3:GetObject", "s3:PutObject", "s3:ListBucket"];

/// List calls in flight at once while walking a trail.
pub const LIST_CONCURRENCY: usize = 16;

/// S3 through one client.
#[derive(Debug, Clone)]
pub struct S3Objects {
    client: Client,
}

/// A log file a listing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    /// Bytes.
    pub size: u64,
    /// In an archive storage class (S3 Glacier Flexible Retrieval, `GLACIER`, or Deep
    /// Archive, `DEEP_ARCHIVE`): unreadable without a restore. (Glacier Instant Retrieval,
    /// `GLACIER_IR`, reads as any object.)
    pub archived: bool,
}

impl S3Objects {
    /// S3 reached with `config`.
    pub fn new(config: &SdkConfig) -> S3Objects {
        S3Objects {
            client: Client::new(config),
        }
    }

    /// The CloudTrail log files under `prefix` in `bucket` delivered on days `from..=to`
    /// (days since 1970-01-01; `None` is open), sorted by key. Digest, Insights and other
    /// objects are left out.
    ///
    /// # Errors
    /// An [`ObjectError`] naming the bucket and prefix of the first list call that failed.
    pub async fn list_log_files(
        &self,
        bucket: &str,
        prefix: &str,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<Listed>, ObjectError> {
        let mut found = Vec::new();
        let mut waiting = vec![prefix.to_owned()];
        let mut listing = FuturesUnordered::new();
        while !waiting.is_empty() || !listing.is_empty() {
            while listing.len() < LIST_CONCURRENCY {
                let Some(prefix) = waiting.pop() else { break };
                listing.push(self.list_level(bucket, prefix));
            }
            let Some(level) = listing.next().await else { break };
            let (objects, prefixes) = level?;
            found.extend(objects.into_iter().filter(|o| match trail::classify(&o.key) {
                ObjectKind::LogFile(k) => from.is_none_or(|f| k.day >= f) && to.is_none_or(|t| k.day <= t),
                _ => false,
            }));
            waiting.extend(prefixes.into_iter().filter(|p| trail::may_hold_log_files(p, from, to)));
        }
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(found)
    }

    /// The objects and common prefixes right under `prefix` (every page).
    async fn list_level(&self, bucket: &str, prefix: String) -> Result<(Vec<Listed>, Vec<String>), ObjectError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(&prefix)
            .delimiter("/")
            .into_paginator()
            .send();
        let (mut objects, mut prefixes) = (Vec::new(), Vec::new());
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| list_error(&e, bucket, &prefix))?;
            objects.extend(page.contents().iter().filter_map(|o| {
                Some(Listed {
                    key: o.key()?.to_owned(),
                    size: o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    archived: matches!(
                        o.storage_class(),
                        Some(ObjectStorageClass::Glacier | ObjectStorageClass::DeepArchive)
                    ),
                })
            }));
            prefixes.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_owned)),
            );
        }
        Ok((objects, prefixes))
    }
}

/// The error of a `ListObjectsV2` call of `prefix` in `bucket`.
fn list_error(error: &SdkError<ListObjectsV2Error, HttpResponse>, bucket: &str, prefix: &str) -> ObjectError {
    // S3 answers a client of another region than the bucket's with a redirect naming the
    // bucket's region, which the SDK does not follow.
    let elsewhere = error
        .raw_response()
        .and_then(|r| r.headers().get("x-amz-bucket-region"))
        .map(|region| format!(" (the bucket is in region {region})"))
        .unwrap_or_default();
    ObjectError {
        kind: failure_kind(error),
        message: format!(
            "S3 ListObjectsV2 of s3://{bucket}/{prefix}: {}{elsewhere}",
            detail(error)
        ),
    }
}

impl Objects for S3Objects {
    async fn open(&self, bucket: &str, key: &str) -> Result<Box<dyn Read + Send>, ObjectError> {
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| ObjectError {
                kind: failure_kind(&e),
                message: format!("S3 GetObject s3://{bucket}/{key}: {}", detail(&e)),
            })?;
        Ok(Box::new(SyncIoBridge::new(object.body.into_async_read())))
    }

    async fn put(&self, bucket: &str, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), ObjectError> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ObjectError {
                kind: failure_kind(&e),
                message: format!("S3 PutObject s3://{bucket}/{key}: {}", detail(&e)),
            })
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
    use aws_sdk_s3::types::Object;
    use aws_smithy_mocks::mock;

    use super::*;

    fn object(n: u8, class: ObjectStorageClass) -> Object {
        let key = format!(
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/111122223333_CloudTrail_us-east-1_20261001T0005Z_{n}.json.gz"
        );
        Object::builder().key(key).size(100).storage_class(class).build()
    }

    #[tokio::test]
    async fn objects_in_archive_storage_classes_are_marked() {
        let page = mock!(aws_sdk_s3::Client::list_objects_v2)
            .match_requests(|r| r.bucket() == Some("trail") && r.delimiter() == Some("/"))
            .then_output(|| {
                ListObjectsV2Output::builder()
                    .contents(object(1, ObjectStorageClass::Standard))
                    .contents(object(2, ObjectStorageClass::Glacier))
                    .contents(object(3, ObjectStorageClass::DeepArchive))
                    .contents(object(4, ObjectStorageClass::GlacierIr))
                    .contents(object(5, ObjectStorageClass::StandardIa))
                    .contents(
                        Object::builder()
                            .key(object(6, ObjectStorageClass::Standard).key().unwrap())
                            .build(),
                    )
                    .build()
            });
        let s3 = S3Objects {
            client: crate::mock::mock_client!(aws_sdk_s3, [&page]),
        };
        let listed = s3.list_log_files("trail", "", None, None).await.unwrap();
        let archived: Vec<bool> = listed.iter().map(|o| o.archived).collect();
        // No storage class (as some S3-compatible stores list): read as any object.
        assert_eq!(archived, [false, true, true, false, false, false]);
        assert_eq!(listed[0].size, 100);
        assert_eq!(page.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_bucket_of_another_region_is_named_in_the_error() {
        let redirect = mock!(aws_sdk_s3::Client::list_objects_v2).then_http_response(|| {
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Bucket>trail</Bucket></Error>";
            let mut response = crate::mock::http(301, "application/xml", body.to_owned());
            response.headers_mut().insert("x-amz-bucket-region", "eu-west-1");
            response
        });
        let s3 = S3Objects {
            client: crate::mock::mock_client!(aws_sdk_s3, [&redirect]),
        };
        let error = s3.list_log_files("trail", "AWSLogs/", None, None).await.unwrap_err();
        assert!(
            error.message.starts_with("S3 ListObjectsV2 of s3://trail/AWSLogs/: ")
                && error.message.contains("PermanentRedirect")
                && error.message.ends_with(" (the bucket is in region eu-west-1)"),
            "{}",
            error.message
        );
    }
}
