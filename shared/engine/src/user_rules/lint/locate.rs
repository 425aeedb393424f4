//! Where in a rule file's text something is written: the lines the linter names for problems
//! found on the parsed rule, which carries no positions of its own.

/// A place in a file: line and column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    pub column: usize,
}

/// The byte offset where the rule with this id starts: the start of the line of its `id:` key
/// (or the file's start when it is not found).
pub fn rule_start(text: &str, id: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let key = line.trim_start().trim_start_matches("- ").trim_start();
        if let Some(value) = key.strip_prefix("id:") {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            if value == id {
                return offset;
            }
        }
        offset += line.len();
    }
    0
}

/// The place of the first `needle` at or after byte `from`, or else anywhere in the text.
pub fn find(text: &str, needle: &str, from: usize) -> Option<Place> {
    if needle.is_empty() {
        return None;
    }
    let at = text
        .get(from..)
        .and_then(|rest| rest.find(needle))
        .map(|i| i + from)
        .or_else(|| text.find(needle))?;
    Some(place(text, at))
}

/// The place of a byte offset.
pub fn place(text: &str, at: usize) -> Place {
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Place {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_found_from_the_rule_with_the_id() {
        let text = "- id: acme.one\n  summary: x\n- id: \"acme.two\"\n  summary: x\n";
        let two = rule_start(text, "acme.two");
        assert_eq!(place(text, two), Place { line: 3, column: 1 });
        assert_eq!(find(text, "summary", two), Some(Place { line: 4, column: 3 }));
        assert_eq!(find(text, "acme.one", two), Some(Place { line: 1, column: 7 }));
        assert_eq!(find(text, "absent", 0), None);
        assert_eq!(rule_start(text, "acme.three"), 0);
    }
}
