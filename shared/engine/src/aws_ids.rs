//! The shapes of AWS identifiers that settings, flags and documents carry.

/// A 12-digit account id (`111122223333`).
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// A region name: lower-case words joined by `-`, ending in a number (`us-east-1`,
/// `us-gov-west-1`).
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// An S3 bucket name: 3 to 255 letters, digits, `.`, `-` or `_` (the rules of today's buckets
/// are narrower; older buckets in us-east-1 may have capitals and underscores).
pub fn is_bucket_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// An `s3://bucket/key` URL, where the key may be a prefix (`rules/`) or empty (the bucket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    /// An object's key or a key prefix, possibly empty; not percent-decoded.
    pub key: String,
}

impl S3Url {
    /// Parses `s3://bucket[/key]`.
    ///
    /// # Errors
    /// A message naming `text` when it is not such a URL or its bucket is no bucket name.
    pub fn parse(text: &str) -> Result<S3Url, String> {
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{text:?} is not an S3 URL (s3://BUCKET/KEY)"))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if !is_bucket_name(bucket) {
            return Err(format!("{text:?}: {bucket:?} is not an S3 bucket name"));
        }
        Ok(S3Url {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333") && !is_account_id("11112222333a"));
        assert!(is_region_name("us-east-1") && is_region_name("us-gov-west-1"));
        assert!(!is_region_name("US East") && !is_region_name("us-east") && !is_region_name("us--1"));
    }

    #[test]
    fn s3_urls() {
        let url = S3Url::parse("s3://rules-bucket/aidr/rules/").unwrap();
        assert_eq!((url.bucket.as_str(), url.key.as_str()), ("rules-bucket", "aidr/rules/"));
        assert_eq!(url.to_string(), "s3://rules-bucket/aidr/rules/");
        assert_eq!(S3Url::parse("s3://rules-bucket").unwrap().key, "");
        assert_eq!(S3Url::parse("s3://rules-bucket/").unwrap().key, "");
        for bad in [
            "rules-bucket/aidr",
            "s3://",
            "s3:///key",
            "s3://ab/key",
            "https://b.s3.amazonaws.com/k",
        ] {
            assert!(S3Url::parse(bad).is_err(), "{bad}");
        }
        assert!(is_bucket_name("Legacy_Bucket.1") && !is_bucket_name("no/slash"));
    }
}
