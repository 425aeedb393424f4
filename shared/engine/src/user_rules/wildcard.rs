//! Wildcard patterns (`*` any run of characters, `?` one character), compiled to anchored
//! regular expressions: the `wildcard` operator of conditions and the wildcard event keys of
//! the registry share them.

use regex::{Regex, RegexBuilder};

/// True when `text` holds a wildcard character (`*` or `?`).
pub fn is_pattern(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// One anchored regular expression matching any of `patterns` whole: `*` any run of
/// characters (newlines too), `?` one character, everything else literally.
///
/// # Errors
/// The `regex` crate's error when the expression exceeds its size limit.
pub fn compile<S: AsRef<str>>(patterns: &[S], ignore_case: bool) -> Result<Regex, regex::Error> {
    let alternatives: Vec<String> = patterns.iter().map(|p| translate(p.as_ref())).collect();
    RegexBuilder::new(&format!("^(?:{})$", alternatives.join("|")))
        .case_insensitive(ignore_case)
        .dot_matches_new_line(true)
        .build()
}

/// The regular expression of one wildcard pattern (unanchored).
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut literal = String::new();
    for c in pattern.chars() {
        match c {
            '*' | '?' => {
                out.push_str(&regex::escape(&literal));
                literal.clear();
                out.push_str(if c == '*' { ".*" } else { "." });
            }
            c => literal.push(c),
        }
    }
    out.push_str(&regex::escape(&literal));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_whole_text() {
        let re = compile(&["Delete*", "Put?Policy"], false).unwrap();
        assert!(re.is_match("DeleteEndpoint"));
        assert!(re.is_match("PutXPolicy"));
        assert!(!re.is_match("PutPolicy"), "? is exactly one character");
        assert!(!re.is_match("xDeleteEndpoint"), "anchored at the start");
        assert!(!re.is_match("deleteEndpoint"), "case matters by default");
        assert!(compile(&["delete*"], true).unwrap().is_match("DeleteEndpoint"));
        let literal = compile(&["a.b(c)+"], false).unwrap();
        assert!(literal.is_match("a.b(c)+") && !literal.is_match("axb(c)"));
        assert!(compile(&["*"], false).unwrap().is_match("multi\nline"));
        assert!(is_pattern("Get*") && is_pattern("Get?") && !is_pattern("GetObject"));
    }
}
