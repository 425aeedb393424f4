//! Text within a destination's length limits: cutting on character boundaries with an
//! ellipsis, and keys shortened stably.
//!
//! Lengths are counted in UTF-16 code units ([`len`]), never fewer than the characters: a text
//! within a limit stays within it whether a service counts characters or UTF-16 units (as
//! services written in Java or JavaScript do).

use std::borrow::Cow;

/// The ellipsis that ends a cut text.
pub const ELLIPSIS: char = '…';

/// The length of `text` in UTF-16 code units.
pub fn len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// `text` cut to at most `max` UTF-16 units, ending in [`ELLIPSIS`] when cut (on a character
/// boundary; nothing but the ellipsis for `max` 1, empty for 0).
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if len(text) <= max {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + c.len_utf16() + 1 > max {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    if max > 0 {
        out.push(ELLIPSIS);
    }
    Cow::Owned(out)
}

/// `text` on one line: runs of whitespace (line breaks included) made one space, trimmed.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The 64-bit FNV-1a hash of `bytes`, in 16 lower-case hex digits: the same on every machine
/// and in every version (the algorithm is public and fixed).
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `key` when it has at most `max` bytes; else its longest prefix that leaves room for `#` and
/// the [`fnv1a_hex`] of the whole key, followed by them: distinct keys stay distinct (barring a
/// hash collision) and the same key always gives the same result. `max` should be at least 17.
pub fn bounded_key(key: &str, max: usize) -> Cow<'_, str> {
    if key.len() <= max {
        return Cow::Borrowed(key);
    }
    let room = max.saturating_sub(17);
    let mut end = room.min(key.len());
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}#{}", &key[..end], fnv1a_hex(key.as_bytes())))
}

/// `id` with every character outside `[A-Za-z0-9_-]` made `-`, at most `max` bytes; when that
/// changed anything, it ends in `-` and the [`fnv1a_hex`] of `id` instead, so that distinct ids
/// stay distinct. `max` should be at least 17.
pub fn safe_id(id: &str, max: usize) -> String {
    let clean: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean == id && id.len() <= max && !id.is_empty() {
        return clean;
    }
    let room = max.saturating_sub(17).min(clean.len());
    format!("{}-{}", &clean[..room], fnv1a_hex(id.as_bytes()))
        .trim_start_matches('-')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_counts_utf16_and_cuts_on_boundaries() {
        assert_eq!(truncate("short", 5), "short");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(len("é😀"), 3);
        // The emoji takes two units: it does not fit beside the ellipsis in 3.
        assert_eq!(truncate("a😀bc", 3), "a…");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(truncate("abc", 0), "");
        for max in 0..12 {
            assert!(len(&truncate("ünïcødé 😀 text", max)) <= max);
        }
    }

    #[test]
    fn keys_are_bounded_stably() {
        assert_eq!(bounded_key("a|b", 255), "a|b");
        let long = "k".repeat(300);
        let cut = bounded_key(&long, 255);
        assert_eq!(cut.len(), 255);
        assert_eq!(cut, bounded_key(&long, 255));
        assert_ne!(cut, bounded_key(&format!("{long}x"), 255));
        let wide = "é".repeat(200);
        assert!(bounded_key(&wide, 255).len() <= 255);
        assert_eq!(fnv1a_hex(b""), "cbf29ce484222325");
    }

    #[test]
    fn safe_ids_keep_to_the_pattern() {
        assert_eq!(safe_id("abc-1_2", 64), "abc-1_2");
        let id = safe_id("rule.x|111122223333|arn:aws:iam::1:user/a|-", 64);
        assert!(id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)));
        assert_ne!(id, safe_id("rule.x|111122223333|arn:aws:iam::1:user/b|-", 64));
        assert!(!safe_id("|", 64).is_empty());
    }
}
