//! Objects in memory behind the engine's `Objects` port: buckets on a map, with objects that
//! fail to open (missing, access denied, throttled) and downloads that break part way.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::Mutex;

use aidr_engine::ports::{ObjectError, Objects};

/// What opening or reading one object does.
#[derive(Debug, Clone)]
enum Stored {
    /// Its bytes.
    Bytes(Vec<u8>),
    /// Opening it fails with this error.
    Refused(ObjectError),
    /// The download gives these bytes, then breaks.
    Breaks(Vec<u8>),
}

/// Buckets in memory; `(bucket, key)` to object.
#[derive(Debug, Default)]
pub struct MemoryObjects {
    objects: Mutex<BTreeMap<(String, String), Stored>>,
}

impl MemoryObjects {
    /// Stores `body` at `bucket`/`key`.
    pub fn insert(&self, bucket: &str, key: &str, body: Vec<u8>) {
        self.store(bucket, key, Stored::Bytes(body));
    }

    /// Makes opening `bucket`/`key` fail with `error`.
    pub fn refuse(&self, bucket: &str, key: &str, error: ObjectError) {
        self.store(bucket, key, Stored::Refused(error));
    }

    /// Makes the download of `bucket`/`key` give `head` and then break.
    pub fn break_after(&self, bucket: &str, key: &str, head: Vec<u8>) {
        self.store(bucket, key, Stored::Breaks(head));
    }

    /// The bytes at `bucket`/`key`, if written or inserted.
    pub fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        match self.objects.lock().ok()?.get(&(bucket.into(), key.into()))? {
            Stored::Bytes(b) => Some(b.clone()),
            _ => None,
        }
    }

    /// Every key in `bucket`, sorted.
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let objects = self.objects.lock().map(|o| o.clone()).unwrap_or_default();
        objects
            .into_keys()
            .filter(|(b, _)| b == bucket)
            .map(|(_, k)| k)
            .collect()
    }

    fn store(&self, bucket: &str, key: &str, stored: Stored) {
        if let Ok(mut objects) = self.objects.lock() {
            objects.insert((bucket.into(), key.into()), stored);
        }
    }
}

/// A download that gives its bytes, then fails like a connection reset.
struct Breaking(io::Cursor<Vec<u8>>);

impl Read for Breaking {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0.read(buf)? {
            0 => Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection reset by peer",
            )),
            n => Ok(n),
        }
    }
}

impl Objects for MemoryObjects {
    async fn open(&self, bucket: &str, key: &str) -> Result<Box<dyn Read + Send>, ObjectError> {
        let stored = self
            .objects
            .lock()
            .ok()
            .and_then(|o| o.get(&(bucket.into(), key.into())).cloned());
        match stored {
            Some(Stored::Bytes(b)) => Ok(Box::new(io::Cursor::new(b))),
            Some(Stored::Breaks(b)) => Ok(Box::new(Breaking(io::Cursor::new(b)))),
            Some(Stored::Refused(e)) => Err(e),
            None => Err(ObjectError::permanent(format!("NoSuchKey: s3://{bucket}/{key}"))),
        }
    }

    async fn put(&self, bucket: &str, key: &str, body: Vec<u8>, _content_type: &str) -> Result<(), ObjectError> {
        self.insert(bucket, key, body);
        Ok(())
    }
}
