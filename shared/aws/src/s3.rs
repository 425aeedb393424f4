//! The engine's [`Objects`] port on S3 (feature `s3`): CloudTrail log files read as a stream
//! (`GetObject`'s body bridged to a blocking reader, never held whole in memory), back-test
//! findings written (`PutObject`), and a trail's log files listed (`ListObjectsV2`, walking
//! the key hierarchy with `/` as delimiter and only into prefixes that may hold log files of
//! the days asked: see [`aidr_engine::trail::may_hold_log_files`]).

use std::io::Read;

use aidr_engine::ports::{ObjectError, Objects};
use aidr_engine::trail::{self, ObjectKind};
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_types::SdkConfig;
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio_util::io::SyncIoBridge;

use crate::failure::failure_kind;

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
            let page = page.map_err(|e| ObjectError {
                kind: failure_kind(&e),
                message: format!("S3 ListObjectsV2 of s3://{bucket}/{prefix}: {}", DisplayErrorContext(e)),
            })?;
            objects.extend(page.contents().iter().filter_map(|o| {
                Some(Listed {
                    key: o.key()?.to_owned(),
                    size: o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
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
                message: format!("S3 GetObject s3://{bucket}/{key}: {}", DisplayErrorContext(e)),
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
                message: format!("S3 PutObject s3://{bucket}/{key}: {}", DisplayErrorContext(e)),
            })
    }
}
