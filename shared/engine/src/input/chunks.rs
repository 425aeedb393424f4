//! JSON lines cut into pieces at line ends, so one large input is read on many threads.

use std::io::{self, Read};

use super::MAX_VALUE;

/// A piece of a JSON-lines input: whole lines.
pub type Chunk = Vec<u8>;

/// Cuts a stream of JSON lines into [`Chunk`]s of about `size` bytes, each ending at a line
/// end (a line longer than `size` makes a larger chunk; one longer than [`MAX_VALUE`] is cut
/// to its first `MAX_VALUE + 1` bytes, and the rest of it skipped). Chunks can be read on many threads
/// ([`super::read`] with [`super::Layout::Lines`]); the lines of a chunk's errors then count
/// from its start: [`super::InputError::shift`] them by the lines of the chunks before it
/// ([`super::count_lines`]).
pub struct LineChunks<R> {
    input: R,
    size: usize,
    /// The start of the next chunk's first line, read already.
    carry: Vec<u8>,
    done: bool,
    /// A read error met after some lines: given after them.
    pending: Option<io::Error>,
}

impl<R: Read> LineChunks<R> {
    /// Chunks of about `size` bytes (at least 1) of `input`.
    pub fn new(input: R, size: usize) -> Self {
        LineChunks {
            input,
            size: size.max(1),
            carry: Vec::new(),
            done: false,
            pending: None,
        }
    }
}

impl<R: Read> Iterator for LineChunks<R> {
    type Item = io::Result<Chunk>;

    /// The next chunk; a read error comes after the lines read before it, and ends the chunks.
    fn next(&mut self) -> Option<io::Result<Chunk>> {
        if let Some(e) = self.pending.take() {
            self.done = true;
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let mut text = std::mem::take(&mut self.carry);
        let mut searched = 0;
        loop {
            text.reserve(self.size);
            let read = (&mut self.input).take(self.size as u64).read_to_end(&mut text);
            let end = match read {
                Ok(n) => n < self.size,
                Err(e) if text.is_empty() => {
                    self.done = true;
                    return Some(Err(e));
                }
                Err(e) => {
                    self.pending = Some(e);
                    true
                }
            };
            if end {
                self.done = self.pending.is_none();
                return (!text.is_empty()).then_some(Ok(text));
            }
            if let Some(k) = memchr::memrchr(b'\n', &text[searched..]) {
                self.carry = text.split_off(searched + k + 1);
                return Some(Ok(text));
            }
            searched = text.len();
            if text.len() > MAX_VALUE {
                // One line longer than any value: the reader reports it from its first bytes;
                // the rest of it is never held.
                text.truncate(MAX_VALUE + 1);
                text.push(b'\n');
                return Some(self.skip_line().map(|()| text));
            }
        }
    }
}

impl<R: Read> LineChunks<R> {
    /// Reads past the end of the current line, keeping what follows it.
    fn skip_line(&mut self) -> io::Result<()> {
        let mut block = Vec::with_capacity(self.size);
        loop {
            block.clear();
            if (&mut self.input).take(self.size as u64).read_to_end(&mut block)? == 0 {
                return Ok(());
            }
            if let Some(k) = memchr::memchr(b'\n', &block) {
                self.carry = block.split_off(k + 1);
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_line_ends_and_numbers_lines() {
        let text: String = (1..=100).map(|i| format!("{}\n", "x".repeat(i % 13))).collect();
        for size in [1, 5, 16, 100, 10_000] {
            let chunks: Vec<Chunk> = LineChunks::new(text.as_bytes(), size).map(Result::unwrap).collect();
            assert_eq!(chunks.concat(), text.as_bytes(), "{size}");
            assert!(chunks.iter().all(|c| c.ends_with(b"\n")));
        }
        let unterminated: Vec<Chunk> = LineChunks::new(&b"a\nbb"[..], 1).map(Result::unwrap).collect();
        assert_eq!(unterminated.last().unwrap(), b"bb");
    }

    #[test]
    fn a_line_longer_than_any_value_is_cut_and_skipped() {
        let long = vec![b' '; MAX_VALUE + 5_000_000];
        let text = [b"a\n".as_slice(), &long, b"\nb\n"].concat();
        let chunks: Vec<Chunk> = LineChunks::new(text.as_slice(), 1 << 20).map(Result::unwrap).collect();
        let joined = chunks.concat();
        assert_eq!(joined.len(), 2 + MAX_VALUE + 2 + 2);
        assert!(joined.starts_with(b"a\n") && joined.ends_with(b" \nb\n"));
        assert!(chunks.iter().all(|c| c.len() <= MAX_VALUE + 2 + (1 << 20)));
    }

    #[test]
    fn a_read_error_comes_after_the_lines_before_it() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk gone"));
                }
                self.0 -= 1;
                buf[..2].copy_from_slice(b"a\n");
                Ok(2)
            }
        }
        let got: Vec<io::Result<Chunk>> = LineChunks::new(Failing(3), 1 << 20).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].as_ref().unwrap(), b"a\na\na\n");
        assert_eq!(got[1].as_ref().unwrap_err().to_string(), "disk gone");
    }
}
