//! S3 for `aidr scan s3://bucket/prefix/` and `aidr backfill`: the URL and bucket checks, and
//! (with the `aws` feature) the scan's S3 inputs: a trail's CloudTrail log files listed with
//! `aidr_aws::s3::S3Objects::list_log_files`, then opened in key order a bounded number ahead
//! of the scan's readers, each read as a stream (never held whole).

// Without the `aws` feature only the checks are used.
#![cfg_attr(not(feature = "aws"), allow(dead_code))]

use crate::scan::Remote;

/// Objects opened ahead of the scan's readers by default.
pub const DEFAULT_CONCURRENCY: u16 = 8;

/// An `s3://bucket/prefix` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    /// The key prefix, possibly empty (the whole bucket).
    pub prefix: String,
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// True for an argument that names S3 (`s3://…`) rather than a local path.
pub fn is_s3_url(arg: &str) -> bool {
    arg.starts_with("s3://")
}

/// Parses `s3://bucket[/prefix]`.
///
/// # Errors
/// A message naming the argument when it is not such a URL or the bucket is no bucket name.
pub fn parse_url(arg: &str) -> Result<S3Url, String> {
    let rest = arg
        .strip_prefix("s3://")
        .ok_or_else(|| format!("{arg:?} is not an S3 URL (s3://BUCKET/PREFIX)"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket = bucket_name(bucket).map_err(|e| format!("{arg:?}: {e}"))?;
    Ok(S3Url {
        bucket,
        prefix: prefix.to_owned(),
    })
}

/// A bucket name: 3 to 255 letters, digits, `.`, `-` or `_` (the rules of today's buckets are
/// narrower; older buckets in us-east-1 may have capitals and underscores).
///
/// # Errors
/// A message when it is not one.
pub fn bucket_name(name: &str) -> Result<String, String> {
    let fits = (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    match fits {
        true => Ok(name.to_owned()),
        false => Err(format!("{name:?} is not an S3 bucket name")),
    }
}

/// The scan's inputs of `urls`: their log files delivered on days `from..=to`, opened
/// `concurrency` ahead of the readers.
///
/// # Errors
/// Without the `aws` feature: this build cannot read S3.
#[cfg(not(feature = "aws"))]
pub fn scan_inputs(urls: &[S3Url], _: Option<i64>, _: Option<i64>, _: usize) -> std::io::Result<Remote> {
    let first = urls.first().map(|u| u.to_string()).unwrap_or_default();
    Err(std::io::Error::other(format!(
        "{first}: this build has no AWS support to read S3 (scanning local files and standard input needs none): build it with `cargo install --path cli --features aws`"
    )))
}

/// The scan's inputs of `urls`: their log files delivered on days `from..=to`, opened
/// `concurrency` ahead of the readers.
///
/// # Errors
/// When a listing fails (no bucket, access denied): the message names the bucket and prefix.
#[cfg(feature = "aws")]
pub fn scan_inputs(urls: &[S3Url], from: Option<i64>, to: Option<i64>, concurrency: usize) -> std::io::Result<Remote> {
    aws::scan_inputs(urls, from, to, concurrency)
}

#[cfg(feature = "aws")]
pub mod aws {
    //! S3 with the caller's AWS credentials (the standard chain).

    use std::time::Duration;

    use aidr_aws::s3::S3Objects;
    use aidr_engine::ports::Objects;
    use aws_config::timeout::TimeoutConfig;
    use aws_config::{BehaviorVersion, SdkConfig};
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

    /// See [`super::scan_inputs`].
    pub fn scan_inputs(
        urls: &[S3Url],
        from: Option<i64>,
        to: Option<i64>,
        concurrency: usize,
    ) -> std::io::Result<Remote> {
        // Several threads: the readers' blocking reads (on the scan's threads) need the
        // runtime's own threads to drive the connections.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (s3, mut objects) = runtime.block_on(async {
            let s3 = S3Objects::new(&config().await);
            let mut objects = Vec::new();
            for url in urls {
                let listed = s3
                    .list_log_files(&url.bucket, &url.prefix, from, to)
                    .await
                    .map_err(|e| std::io::Error::other(e.message))?;
                if listed.is_empty() {
                    eprintln!("aidr: {url}: no CloudTrail log files (of the days asked)");
                }
                objects.extend(listed.into_iter().map(|o| (url.bucket.clone(), o.key, o.size)));
            }
            Ok::<_, std::io::Error>((s3, objects))
        })?;
        objects.sort();
        objects.dedup_by(|a, b| (&a.0, &a.1) == (&b.0, &b.1));
        let names = objects
            .iter()
            .map(|(bucket, key, size)| (format!("s3://{bucket}/{key}"), *size))
            .collect();

        // Opened in order, `concurrency` at once; one more waits to be taken.
        let (sender, mut opened) = tokio::sync::mpsc::channel(1);
        runtime.spawn(async move {
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
            open: Box::new(move || {
                // The runtime lives as long as the objects are read.
                let _ = &runtime;
                match opened.blocking_recv() {
                    Some(reader) => reader.map_err(|e| std::io::Error::other(e.message)),
                    None => Err(std::io::Error::other("S3: no object left to open")),
                }
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_and_bucket_names_are_checked() {
        let url = parse_url("s3://trail-bucket/AWSLogs/o-aa111bb222/").unwrap();
        assert_eq!(
            (url.bucket.as_str(), url.prefix.as_str()),
            ("trail-bucket", "AWSLogs/o-aa111bb222/")
        );
        assert_eq!(url.to_string(), "s3://trail-bucket/AWSLogs/o-aa111bb222/");
        assert_eq!(parse_url("s3://trail-bucket").unwrap().prefix, "");
        assert_eq!(parse_url("s3://trail-bucket/").unwrap().prefix, "");
        for bad in [
            "s3://",
            "s3:///AWSLogs/",
            "s3://ab/x",
            "s3://has space/x",
            "trail-bucket/x",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert!(is_s3_url("s3://b/k") && !is_s3_url("events/s3/x.json") && !is_s3_url("./s3://x"));
        assert!(bucket_name("Legacy_Bucket.1").is_ok());
        assert!(bucket_name("no/slash").is_err());
    }
}
