//! Reading ahead on a thread of its own: a large gzip input is decompressed on one core while
//! another reads what came out.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, sync_channel};

/// Buffers decompressed ahead of the reader, and their size.
const AHEAD: usize = 4;
const BUFFER: usize = 1 << 20;

/// The bytes of a reader, read by a thread of its own up to [`AHEAD`] buffers ahead. The
/// thread ends at the end of the input, at a read error (given to the reader after the bytes
/// before it), or when this is dropped.
pub struct ReadAhead {
    buffers: Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
}

impl ReadAhead {
    pub fn new(mut inner: Box<dyn Read + Send>) -> ReadAhead {
        let (sender, buffers) = sync_channel(AHEAD);
        std::thread::spawn(move || {
            loop {
                let mut buffer = Vec::with_capacity(BUFFER);
                let read = (&mut inner).take(BUFFER as u64).read_to_end(&mut buffer);
                let last = !matches!(read, Ok(n) if n > 0);
                let message = match read {
                    Err(e) if buffer.is_empty() => Err(e),
                    Err(e) => {
                        // The bytes before the error first, then the error.
                        if sender.send(Ok(buffer)).is_err() {
                            return;
                        }
                        Err(e)
                    }
                    Ok(0) => return,
                    Ok(_) => Ok(buffer),
                };
                if sender.send(message).is_err() || last {
                    return;
                }
            }
        });
        ReadAhead {
            buffers,
            current: Vec::new(),
            at: 0,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.current.len() {
            match self.buffers.recv() {
                Ok(buffer) => self.current = buffer?,
                Err(_) => return Ok(0),
            }
            self.at = 0;
        }
        let n = out.len().min(self.current.len() - self.at);
        out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_same_bytes_then_the_error() {
        let text: Vec<u8> = (0..3 * BUFFER + 17).map(|i| (i % 251) as u8).collect();
        let mut got = Vec::new();
        ReadAhead::new(Box::new(io::Cursor::new(text.clone())))
            .read_to_end(&mut got)
            .unwrap();
        assert_eq!(got, text);

        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("corrupt"));
                }
                self.0 -= 1;
                buf[0] = b'x';
                Ok(1)
            }
        }
        let mut reader = ReadAhead::new(Box::new(Failing(5)));
        let mut got = Vec::new();
        let err = reader.read_to_end(&mut got).unwrap_err();
        assert_eq!((got.as_slice(), err.to_string().as_str()), (&b"xxxxx"[..], "corrupt"));
    }
}
