//! S3 for `aidr scan s3://bucket/prefix/` and `aidr backfill`: the URL, bucket and region
//! checks, the region S3 is reached in (`--bucket-region`, else the standard chain's), log
//! files in archive storage classes left out, and (with the `aws` feature) the scan's S3
//! inputs: a trail's CloudTrail log files listed with
//! `aidr_aws::s3::S3Objects::list_log_files`, then opened in key order a bounded number ahead
//! of the scan's readers, each read as a stream (never held whole) through a runtime that
//! lives as long as any of them.

// Without the `aws` feature only the checks are used.
#![cfg_attr(not(feature = "aws"), allow(dead_code))]

#[cfg(not(feature = "aws"))]
use crate::scan::Remote;

/// Objects opened ahead of the scan's readers by default.
pub const DEFAULT_CONCURRENCY: u16 = 8;

pub use aidr_engine::aws_ids::S3Url;

/// True for an argument that names S3 (`s3://…`) rather than a local path.
pub fn is_s3_url(arg: &str) -> bool {
    arg.starts_with("s3://")
}

/// `--bucket`: a bucket name (see [`aidr_engine::aws_ids::is_bucket_name`]).
///
/// # Errors
/// A message when it is not one.
pub fn bucket_name(name: &str) -> Result<String, String> {
    match aidr_engine::aws_ids::is_bucket_name(name) {
        true => Ok(name.to_owned()),
        false => Err(format!("{name:?} is not an S3 bucket name")),
    }
}

/// `--bucket-region`: a region name (`us-east-1`, `us-gov-west-1`).
///
/// # Errors
/// A message when it is not one.
pub fn region(value: &str) -> Result<String, String> {
    match aidr_engine::aws_ids::is_region_name(value) {
        true => Ok(value.to_owned()),
        false => Err("not a region name (us-east-1)".into()),
    }
}

/// The region S3 is reached in: `--bucket-region` when given, else the standard chain's
/// (`AWS_REGION`, the profile's `region`; empty is none).
///
/// # Errors
/// A message saying what to set when there is neither.
pub fn s3_region<'a>(bucket_region: Option<&'a str>, chain: Option<&'a str>) -> Result<&'a str, String> {
    let chain = chain.filter(|r| !r.trim().is_empty());
    bucket_region.or(chain).ok_or_else(|| {
        "no AWS region for S3: pass --bucket-region with the bucket's region, or set AWS_REGION (or `region` in your AWS profile)".into()
    })
}

/// A listing's error `message`, with what to pass when S3 said the bucket is in another
/// region (the SDK does not follow S3's redirects to the bucket's region).
pub fn listing_failed(message: String) -> String {
    let elsewhere = message
        .rsplit_once("(the bucket is in region ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .filter(|r| aidr_engine::aws_ids::is_region_name(r))
        .map(str::to_owned);
    match elsewhere {
        Some(region) => format!("{message}: pass --bucket-region {region}"),
        None => message,
    }
}

/// The objects that can be read, and how many are left out: those `archived` (in an archive
/// storage class, unreadable without a restore).
pub fn readable<T>(objects: Vec<T>, archived: impl Fn(&T) -> bool) -> (Vec<T>, usize) {
    let (left_out, readable): (Vec<T>, Vec<T>) = objects.into_iter().partition(|o| archived(o));
    (readable, left_out.len())
}

/// The line on stderr about `n` log files left out for their archive storage class.
pub fn archived_note(n: usize) -> Option<String> {
    (n > 0).then(|| {
        format!("aidr: {n} log files in archive storage classes (GLACIER, DEEP_ARCHIVE) skipped (restore them to read)")
    })
}

/// The scan's inputs of `urls`: their log files delivered on days `from..=to`, opened
/// `concurrency` ahead of the readers, from S3 in `bucket_region` (default the standard
/// chain's region).
///
/// # Errors
/// Without the `aws` feature: this build cannot read S3.
#[cfg(not(feature = "aws"))]
pub fn scan_inputs(
    urls: &[S3Url],
    _: Option<i64>,
    _: Option<i64>,
    _: usize,
    _: Option<&str>,
) -> std::io::Result<Remote> {
    let first = urls.first().map(|u| u.to_string()).unwrap_or_default();
    Err(std::io::Error::other(format!(
        "{first}: this build has no AWS support to read S3 (scanning local files and standard input needs none): build it with `cargo install --path cli --features aws`"
    )))
}

#[cfg(feature = "aws")]
pub use aws::scan_inputs;

#[cfg(feature = "aws")]
pub mod aws {
    //! S3 with the caller's AWS credentials (the standard chain).

    use std::io::Read;
    use std::sync::Arc;
    use std::time::Duration;

    use aidr_aws::s3::S3Objects;
    use aidr_engine::ports::Objects;
    use aws_config::timeout::TimeoutConfig;
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use futures_util::stream::{self, StreamExt};

    use super::S3Url;
    use crate::scan::Remote;

    /// The SDK configuration of the standard credential chain, with every call bounded in time:
    /// the SDK bounds only the connection by default, so a call that gets no answer would wait
    /// for ever.
    pub async fn config() -> SdkConfig {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(30))
            .operation_timeout(Duration::from_secs(90))
            .build();
        aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeouts)
            .load()
            .await
    }

    /// S3 in `bucket_region`, else in `config`'s region.
    ///
    /// # Errors
    /// A message saying what to set when neither gives a region.
    pub fn s3_objects(config: &SdkConfig, bucket_region: Option<&str>) -> Result<S3Objects, String> {
        let region = super::s3_region(bucket_region, config.region().map(Region::as_ref))?;
        let config = config.to_builder().region(Region::new(region.to_owned())).build();
        Ok(S3Objects::new(&config))
    }

    /// The runtime the objects are read through; shut down without waiting for its threads
    /// when the last reader is done with it.
    struct Shared(Option<tokio::runtime::Runtime>);

    impl Drop for Shared {
        fn drop(&mut self) {
            if let Some(runtime) = self.0.take() {
                runtime.shutdown_background();
            }
        }
    }

    /// An object's body, with the runtime that drives its connection: the runtime lives until
    /// every body is read and dropped, whichever thread is still reading when the scan has no
    /// input left to open.
    struct Body {
        // Dropped before the runtime (fields drop in order).
        reader: Box<dyn Read + Send>,
        _runtime: Arc<Shared>,
    }

    impl Read for Body {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.reader.read(buf)
        }
    }

    /// The scan's inputs of `urls`: their log files delivered on days `from..=to` (those in an
    /// archive storage class left out, counted on stderr), opened `concurrency` ahead of the
    /// readers, from S3 in `bucket_region` (default the standard chain's region).
    ///
    /// # Errors
    /// When no region is known, or a listing fails (no bucket, access denied): the message
    /// names the bucket and prefix.
    pub fn scan_inputs(
        urls: &[S3Url],
        from: Option<i64>,
        to: Option<i64>,
        concurrency: usize,
        bucket_region: Option<&str>,
    ) -> std::io::Result<Remote> {
        // Several threads: the readers' blocking reads (on the scan's threads) need the
        // runtime's own threads to drive the connections.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let runtime = Arc::new(Shared(Some(runtime)));
        let (s3, mut objects, archived) = handle.block_on(async {
            let s3 = s3_objects(&config().await, bucket_region).map_err(std::io::Error::other)?;
            let (mut objects, mut archived) = (Vec::new(), 0);
            for url in urls {
                let listed = s3
                    .list_log_files(&url.bucket, &url.key, from, to)
                    .await
                    .map_err(|e| std::io::Error::other(super::listing_failed(e.message)))?;
                if listed.is_empty() {
                    eprintln!("aidr: {url}: no CloudTrail log files (of the days asked)");
                }
                let (listed, skipped) = super::readable(listed, |o| o.archived);
                archived += skipped;
                objects.extend(listed.into_iter().map(|o| (url.bucket.clone(), o.key, o.size)));
            }
            Ok::<_, std::io::Error>((s3, objects, archived))
        })?;
        if let Some(note) = super::archived_note(archived) {
            eprintln!("{note}");
        }
        objects.sort();
        objects.dedup_by(|a, b| (&a.0, &a.1) == (&b.0, &b.1));
        let names = objects
            .iter()
            .map(|(bucket, key, size)| (format!("s3://{bucket}/{key}"), *size))
            .collect();

        // Opened in order, `concurrency` at once; one more waits to be taken.
        let (sender, mut opened) = tokio::sync::mpsc::channel(1);
        handle.spawn(async move {
            let opens = objects.into_iter().map(|(bucket, key, _)| {
                let s3 = s3.clone();
                async move { s3.open(&bucket, &key).await }
            });
            let mut opens = stream::iter(opens).buffered(concurrency.max(1));
            while let Some(reader) = opens.next().await {
                if sender.send(reader).await.is_err() {
                    break;
                }
            }
        });
        Ok(Remote {
            objects: names,
            open: Box::new(move || match opened.blocking_recv() {
                Some(Ok(reader)) => Ok(Box::new(Body {
                    reader,
                    _runtime: runtime.clone(),
                })),
                Some(Err(e)) => Err(std::io::Error::other(e.message)),
                None => Err(std::io::Error::other("S3: no object left to open")),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_and_bucket_names_are_checked() {
        let url = S3Url::parse("s3://trail-bucket/AWSLogs/o-aa111bb222/").unwrap();
        assert_eq!(
            (url.bucket.as_str(), url.key.as_str()),
            ("trail-bucket", "AWSLogs/o-aa111bb222/")
        );
        assert_eq!(url.to_string(), "s3://trail-bucket/AWSLogs/o-aa111bb222/");
        assert_eq!(S3Url::parse("s3://trail-bucket").unwrap().key, "");
        assert_eq!(S3Url::parse("s3://trail-bucket/").unwrap().key, "");
        for bad in [
            "s3://",
            "s3:///AWSLogs/",
            "s3://ab/x",
            "s3://has space/x",
            "trail-bucket/x",
        ] {
            assert!(S3Url::parse(bad).is_err(), "{bad}");
        }
        assert!(is_s3_url("s3://b/k") && !is_s3_url("events/s3/x.json") && !is_s3_url("./s3://x"));
        assert!(bucket_name("Legacy_Bucket.1").is_ok());
        assert!(bucket_name("no/slash").is_err());
    }

    #[test]
    fn the_bucket_region_is_checked_and_chosen_before_the_chain_s() {
        assert_eq!(region("eu-west-1").unwrap(), "eu-west-1");
        assert!(region("us-gov-west-1").is_ok());
        for bad in ["", "EU-WEST-1", "eu-west", "eu west 1", "eu-west-1a"] {
            assert!(region(bad).is_err(), "{bad:?}");
        }
        assert_eq!(s3_region(Some("eu-west-1"), Some("us-east-1")), Ok("eu-west-1"));
        assert_eq!(s3_region(None, Some("us-east-1")), Ok("us-east-1"));
        assert_eq!(s3_region(Some("eu-west-1"), None), Ok("eu-west-1"));
        assert!(s3_region(None, Some("")).is_err());
        let none = s3_region(None, None).unwrap_err();
        assert!(
            none.contains("--bucket-region") && none.contains("AWS_REGION"),
            "{none}"
        );
    }

    #[test]
    fn a_listing_redirected_to_the_bucket_s_region_says_what_to_pass() {
        let redirected = "S3 ListObjectsV2 of s3://trail/: PermanentRedirect (the bucket is in region eu-west-1)";
        assert_eq!(
            listing_failed(redirected.into()),
            format!("{redirected}: pass --bucket-region eu-west-1")
        );
        let denied = "S3 ListObjectsV2 of s3://trail/: AccessDenied";
        assert_eq!(listing_failed(denied.into()), denied);
    }

    #[test]
    fn archived_objects_are_left_out_and_counted() {
        let objects = vec![("a", false), ("b", true), ("c", false), ("d", true)];
        let (kept, skipped) = readable(objects, |o| o.1);
        assert_eq!((kept, skipped), (vec![("a", false), ("c", false)], 2));
        assert_eq!(archived_note(0), None);
        assert_eq!(
            archived_note(2).unwrap(),
            "aidr: 2 log files in archive storage classes (GLACIER, DEEP_ARCHIVE) skipped (restore them to read)"
        );
    }
}
