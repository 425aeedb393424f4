//! Small text objects read whole: the detector's user rule files and allowlist. An object is
//! bounded in size ([`MAX_TEXT_BYTES`]) and a listing in number ([`MAX_TEXT_OBJECTS`]), so a
//! location that names the wrong objects fails with a clear error instead of filling memory.

use aidr_engine::ports::ObjectError;
use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::{S3Objects, list_error};
use crate::failure::{causes, detail, failure_kind};

/// The largest text object read, in bytes (1 MiB).
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// The most text objects one listing reads.
pub const MAX_TEXT_OBJECTS: usize = 1000;

/// Objects read at once.
const READ_CONCURRENCY: usize = 8;

/// A text object: its key and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextObject {
    pub key: String,
    pub text: String,
}

/// Why text objects could not be read; each names the object or prefix as an `s3://` URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A call to S3 failed (the message names the call and the URL).
    #[error("{0}")]
    Call(ObjectError),
    #[error("s3://{bucket}/{key} is larger than {max} bytes, the most a text object may hold")]
    TooLarge { bucket: String, key: String, max: u64 },
    #[error("s3://{bucket}/{key} is not UTF-8 text")]
    NotText { bucket: String, key: String },
    #[error("s3://{bucket}/{prefix} holds more than {max} objects ending in {suffixes}")]
    TooMany {
        bucket: String,
        prefix: String,
        /// The suffixes asked for, `, `-separated.
        suffixes: String,
        max: usize,
    },
}

impl S3Objects {
    /// The text of the object at `bucket`/`key`.
    ///
    /// # Errors
    /// [`TextError::Call`] when S3 does not give the object (missing, access denied) or its
    /// body breaks; [`TextError::TooLarge`] past [`MAX_TEXT_BYTES`]; [`TextError::NotText`]
    /// when it is not UTF-8.
    pub async fn read_text(&self, bucket: &str, key: &str) -> Result<String, TextError> {
        let url = || format!("s3://{bucket}/{key}");
        let too_large = || TextError::TooLarge {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            max: MAX_TEXT_BYTES,
        };
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                TextError::Call(ObjectError {
                    kind: failure_kind(&e),
                    message: format!("S3 GetObject {}: {}", url(), detail(&e)),
                })
            })?;
        if object
            .content_length()
            .is_some_and(|n| u64::try_from(n).is_ok_and(|n| n > MAX_TEXT_BYTES))
        {
            return Err(too_large());
        }
        let mut body = object.body;
        let mut bytes = Vec::new();
        // The length announced may be missing or wrong: the bound holds on what arrives.
        while let Some(chunk) = body.try_next().await.map_err(|e| {
            TextError::Call(ObjectError::transient(format!(
                "S3 GetObject {}: the body broke: {}",
                url(),
                causes(&e)
            )))
        })? {
            if (bytes.len() + chunk.len()) as u64 > MAX_TEXT_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map_err(|_| TextError::NotText {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Every object under `prefix` in `bucket` (at any depth) whose key ends in one of
    /// `suffixes` (ignoring case), read as text, sorted by key.
    ///
    /// # Errors
    /// [`TextError::TooMany`] past [`MAX_TEXT_OBJECTS`] objects, [`TextError::TooLarge`] for an
    /// object listed larger than [`MAX_TEXT_BYTES`] (before anything is read), else the first
    /// error of the listing or of [`S3Objects::read_text`].
    pub async fn read_texts(
        &self,
        bucket: &str,
        prefix: &str,
        suffixes: &[&str],
    ) -> Result<Vec<TextObject>, TextError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| TextError::Call(list_error(&e, bucket, prefix)))?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                let lower = key.to_ascii_lowercase();
                if !suffixes.iter().any(|s| lower.ends_with(&s.to_ascii_lowercase())) {
                    continue;
                }
                if object
                    .size()
                    .is_some_and(|n| u64::try_from(n).is_ok_and(|n| n > MAX_TEXT_BYTES))
                {
                    return Err(TextError::TooLarge {
                        bucket: bucket.to_owned(),
                        key: key.to_owned(),
                        max: MAX_TEXT_BYTES,
                    });
                }
                keys.push(key.to_owned());
                if keys.len() > MAX_TEXT_OBJECTS {
                    return Err(TextError::TooMany {
                        bucket: bucket.to_owned(),
                        prefix: prefix.to_owned(),
                        suffixes: suffixes.join(", "),
                        max: MAX_TEXT_OBJECTS,
                    });
                }
            }
        }
        keys.sort();
        stream::iter(keys)
            .map(|key| async move {
                let text = self.read_text(bucket, &key).await?;
                Ok(TextObject { key, text })
            })
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::operation::get_object::GetObjectOutput;
    use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
    use aws_sdk_s3::primitives::ByteStream;
    use aws_sdk_s3::types::Object;
    use aws_smithy_mocks::mock;

    use super::*;

    fn objects(rules: &[&aws_smithy_mocks::Rule]) -> S3Objects {
        S3Objects {
            client: crate::mock::mock_client!(aws_sdk_s3, rules.iter().copied()),
        }
    }

    fn listed(key: &str, size: i64) -> Object {
        Object::builder().key(key).size(size).build()
    }

    #[tokio::test]
    async fn every_page_is_listed_and_only_the_suffixes_asked_are_read_in_key_order() {
        let first = mock!(aws_sdk_s3::Client::list_objects_v2)
            .match_requests(|r| {
                r.continuation_token().is_none() && r.prefix() == Some("rules/") && r.delimiter().is_none()
            })
            .then_output(|| {
                ListObjectsV2Output::builder()
                    .contents(listed("rules/b.yml", 10))
                    .contents(listed("rules/README.md", 10))
                    .contents(listed("rules/team/", 0))
                    .is_truncated(true)
                    .next_continuation_token("page-2")
                    .build()
            });
        let second = mock!(aws_sdk_s3::Client::list_objects_v2)
            .match_requests(|r| r.continuation_token() == Some("page-2"))
            .then_output(|| {
                ListObjectsV2Output::builder()
                    .contents(listed("rules/team/a.YAML", 10))
                    .is_truncated(false)
                    .build()
            });
        let get = mock!(aws_sdk_s3::Client::get_object)
            .match_requests(|r| r.bucket() == Some("config"))
            .then_output(|| {
                GetObjectOutput::builder()
                    .body(ByteStream::from_static(b"id: x\n"))
                    .build()
            });
        let s3 = objects(&[&first, &second, &get]);
        let read = s3.read_texts("config", "rules/", &[".yaml", ".yml"]).await.unwrap();
        let keys: Vec<&str> = read.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["rules/b.yml", "rules/team/a.YAML"]);
        assert!(read.iter().all(|o| o.text == "id: x\n"));
        assert_eq!((first.num_calls(), second.num_calls(), get.num_calls()), (1, 1, 2));
    }

    #[tokio::test]
    async fn too_many_or_too_large_objects_are_refused_before_any_is_read() {
        let many = mock!(aws_sdk_s3::Client::list_objects_v2).then_output(|| {
            let mut out = ListObjectsV2Output::builder();
            for n in 0..=MAX_TEXT_OBJECTS {
                out = out.contents(listed(&format!("rules/{n:04}.yaml"), 10));
            }
            out.build()
        });
        let get = mock!(aws_sdk_s3::Client::get_object)
            .then_output(|| GetObjectOutput::builder().body(ByteStream::from_static(b"")).build());
        let s3 = objects(&[&many, &get]);
        let error = s3.read_texts("config", "rules/", &[".yaml"]).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "s3://config/rules/ holds more than 1000 objects ending in .yaml"
        );
        let large = mock!(aws_sdk_s3::Client::list_objects_v2).then_output(|| {
            ListObjectsV2Output::builder()
                .contents(listed("rules/a.yaml", 10))
                .contents(listed("rules/huge.yaml", 2 * 1024 * 1024))
                .build()
        });
        let s3 = objects(&[&large, &get]);
        let error = s3.read_texts("config", "rules/", &[".yaml"]).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "s3://config/rules/huge.yaml is larger than 1048576 bytes, the most a text object may hold"
        );
        assert_eq!(get.num_calls(), 0);
    }

    #[tokio::test]
    async fn an_object_is_bounded_by_what_arrives_and_must_be_utf8() {
        let big = mock!(aws_sdk_s3::Client::get_object)
            .match_requests(|r| r.key() == Some("big.yaml"))
            .then_output(|| {
                GetObjectOutput::builder()
                    .body(ByteStream::from(vec![b'#'; MAX_TEXT_BYTES as usize + 1]))
                    .build()
            });
        let binary = mock!(aws_sdk_s3::Client::get_object)
            .match_requests(|r| r.key() == Some("allow.yaml"))
            .then_output(|| {
                GetObjectOutput::builder()
                    .body(ByteStream::from_static(&[0xff, 0xfe]))
                    .build()
            });
        let missing = mock!(aws_sdk_s3::Client::get_object)
            .match_requests(|r| r.key() == Some("gone.yaml"))
            .then_http_response(|| {
                let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
                crate::mock::http(404, "application/xml", body.to_owned())
            });
        let s3 = objects(&[&big, &binary, &missing]);
        assert!(matches!(
            s3.read_text("config", "big.yaml").await,
            Err(TextError::TooLarge { .. })
        ));
        assert_eq!(
            s3.read_text("config", "allow.yaml").await.unwrap_err().to_string(),
            "s3://config/allow.yaml is not UTF-8 text"
        );
        let error = s3.read_text("config", "gone.yaml").await.unwrap_err().to_string();
        assert!(
            error.starts_with("S3 GetObject s3://config/gone.yaml: NoSuchKey"),
            "{error}"
        );
    }
}
