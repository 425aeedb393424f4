//! Where nested JSON closes, found 64 bytes at a time: most of a CloudTrail record is passed
//! over this way (everything after its `eventSource` and `eventName`), so this is the scan's
//! inner loop.
//!
//! Each block is turned into bit masks of its quotes, backslashes and brackets with vector
//! compares (`wide`: SSE2 on x86_64, NEON on aarch64, plain code elsewhere); which bytes are
//! inside strings follows from the unescaped quotes by a prefix XOR, and only brackets
//! outside strings are counted, without a branch per string. The technique is simdjson's
//! first stage (Langdale and Lemire, "Parsing Gigabytes of JSON per Second", 2019). The
//! bytes after the last whole block are scanned one at a time, with the same meaning: a
//! backslash, in a string or not, takes the byte after it as it is.

use wide::u8x64;

use super::json::{Stop, string_rest};

const BLOCK: usize = 64;

/// From `i`, inside `depth` open containers, to just after the bracket that closes them all,
/// counting brackets only (strings still skipped whole); also the deepest level reached.
///
/// # Errors
/// [`Stop::Incomplete`] when the bytes end first.
pub(crate) fn skip_loose(b: &[u8], mut i: usize, mut depth: usize) -> Result<(usize, usize), Stop> {
    let mut deepest = depth;
    // Whether the next block starts inside a string, and with a byte escaped by the last one.
    let mut in_string = false;
    let mut escaped_first = false;
    while let Some(block) = b.get(i..i + BLOCK) {
        let bytes = u8x64::new(block.try_into().unwrap_or([0; BLOCK]));
        let quotes = bytes.simd_eq(u8x64::splat(b'"')).to_bitmask();
        let backslashes = bytes.simd_eq(u8x64::splat(b'\\')).to_bitmask();
        // `{` and `[` differ in one bit only, as do `}` and `]`.
        let folded = bytes | u8x64::splat(0x20);
        let opens = folded.simd_eq(u8x64::splat(b'{')).to_bitmask();
        let closes = folded.simd_eq(u8x64::splat(b'}')).to_bitmask();

        let escaped = escaped_by(backslashes, &mut escaped_first);
        let strings = prefix_xor(quotes & !escaped) ^ if in_string { u64::MAX } else { 0 };
        in_string = strings >> 63 == 1;
        let counted = !strings & !escaped;
        let (opens, closes) = (opens & counted, closes & counted);

        let (opened, closed) = (opens.count_ones() as usize, closes.count_ones() as usize);
        if closed < depth && depth + opened <= deepest {
            // Neither closes everything nor goes deeper than before: only the count matters.
            depth = depth + opened - closed;
        } else {
            let mut brackets = opens | closes;
            while brackets != 0 {
                let at = brackets.trailing_zeros();
                if opens >> at & 1 == 1 {
                    depth += 1;
                    deepest = deepest.max(depth);
                } else {
                    depth -= 1;
                    if depth == 0 {
                        return Ok((i + at as usize + 1, deepest));
                    }
                }
                brackets &= brackets - 1;
            }
        }
        i += BLOCK;
    }
    if escaped_first {
        i += 1;
    }
    if in_string {
        i = string_rest(b, i)?.0;
    }
    loop {
        while let Some(&c) = b.get(i)
            && !matches!(c, b'"' | b'\\' | b'{' | b'[' | b'}' | b']')
        {
            i += 1;
        }
        match b.get(i) {
            None => return Err(Stop::Incomplete),
            Some(b'"') => i = string_rest(b, i + 1)?.0,
            Some(b'\\') => i += 2,
            Some(b'{' | b'[') => {
                depth += 1;
                deepest = deepest.max(depth);
                i += 1;
            }
            Some(_) => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Ok((i, deepest));
                }
            }
        }
    }
}

/// The bytes of a block escaped by a backslash before them (a backslash escaped itself escapes
/// nothing). `first` says whether the block's first byte is escaped by the block before; it
/// becomes whether the next block's is.
#[inline]
fn escaped_by(backslashes: u64, first: &mut bool) -> u64 {
    let mut escaped = u64::from(std::mem::take(first));
    let mut escapers = backslashes & !escaped;
    while escapers != 0 {
        let at = escapers.trailing_zeros();
        if at == 63 {
            *first = true;
            break;
        }
        escaped |= 1 << (at + 1);
        // The byte escaped is taken as it is, a backslash too.
        escapers &= !(1 << (at + 1));
        escapers &= escapers - 1;
    }
    escaped
}

/// Bit `k` of the result is the XOR of bits `0..=k` of `x`: with quotes for `x`, the bytes
/// from an opening quote up to (not including) its closing quote.
#[inline]
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same scan, one byte at a time: what the blocks must agree with.
    fn one_at_a_time(b: &[u8], mut i: usize, mut depth: usize) -> Result<(usize, usize), Stop> {
        let mut deepest = depth;
        let mut in_string = false;
        while let Some(&c) = b.get(i) {
            match (in_string, c) {
                (_, b'\\') => i += 1,
                (_, b'"') => in_string = !in_string,
                (false, b'{' | b'[') => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                (false, b'}' | b']') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok((i + 1, deepest));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Err(Stop::Incomplete)
    }

    #[test]
    fn prefix_xor_marks_the_insides_of_strings() {
        assert_eq!(prefix_xor(0b1000_0010), 0b0111_1110);
        assert_eq!(prefix_xor(0b1001_0010), u64::MAX << 7 | 0b1110, "a string left open");
        assert_eq!(prefix_xor(0), 0);
    }

    #[test]
    fn escapes_carry_over_block_edges() {
        let mut first = false;
        assert_eq!(escaped_by(0b0110, &mut first), 0b0100, "\\\\ escapes one backslash");
        assert_eq!(escaped_by(1 << 63, &mut first), 0);
        assert!(first, "the next block's first byte is escaped");
        assert_eq!(escaped_by(0b11, &mut first), 0b101);
        assert!(!first);
    }

    #[test]
    fn every_start_and_length_agrees_with_a_byte_at_a_time() {
        // Strings with escapes and brackets, nested containers, stray backslashes and quotes
        // cut anywhere: each start (so each block alignment) and each cut of the text.
        let text = br#"{"a":"x\"}]\\","b":[{"c":"\\\""},[[["}"]]],"\\\\\\"],"d":"q\u0022{"}, "e":{"f":[1,2,{"g":"]]]"}]}} \"{[ "]"} ]"#;
        for start in 0..text.len() {
            for end in start..=text.len() {
                let b = &text[..end];
                for depth in [0, 1, 3] {
                    if depth == 0 && !matches!(b.get(start), Some(b'{' | b'[')) {
                        continue;
                    }
                    assert_eq!(
                        skip_loose(b, start, depth),
                        one_at_a_time(b, start, depth),
                        "start {start}, end {end}, depth {depth}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        /// Any bytes of the kinds that matter, in blocks and not, at any start.
        #[test]
        fn random_text_agrees_with_a_byte_at_a_time(
            text in proptest::collection::vec(proptest::sample::select(b"\"\\{}[]ax ".to_vec()), 0..400),
            start in 0usize..400,
            depth in 1usize..4,
        ) {
            let start = start.min(text.len());
            proptest::prop_assert_eq!(skip_loose(&text, start, depth), one_at_a_time(&text, start, depth));
        }
    }

    #[test]
    fn long_records_and_deep_nesting_in_blocks() {
        let long = format!(r#"{{"a":"{}","b":[{}]}}"#, "x\\\"".repeat(500), "{}".repeat(300));
        assert_eq!(skip_loose(long.as_bytes(), 0, 0), Ok((long.len(), 3)));
        let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
        assert_eq!(skip_loose(deep.as_bytes(), 0, 0), Ok((deep.len(), 5_000)));
        assert_eq!(skip_loose(&deep.as_bytes()[..9_999], 0, 0), Err(Stop::Incomplete));
    }
}
