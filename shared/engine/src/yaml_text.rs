//! Text about to be read as YAML: user rule files, Sigma files and allowlists. A byte order
//! mark at its start is dropped ([`without_bom`]: editors on Windows write one), and nesting
//! deeper than any such file needs is refused before the parser sees it ([`check_nesting`]):
//! the parser's time grows with the square of the depth, so a small file nested a hundred
//! thousand levels deep would hold a scan for minutes.

use std::fmt;

/// Most `[` / `{` open at once (outside quoted strings, comments and block scalars).
pub const MAX_FLOW_DEPTH: usize = 64;

/// Furthest column (from 0, in characters) a line's content may start at: its indentation
/// and the `- ` / `? ` / `: ` indicators before it.
pub const MAX_INDENT: usize = 512;

/// `text` without a UTF-8 byte order mark at its start.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Nesting too deep to read: where (line and column from 1) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl TooDeep {
    /// What to do about it.
    pub const HINT: &'static str =
        "rule files, Sigma files and allowlists never nest this deep: check that the file is the one meant";
}

impl fmt::Display for TooDeep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for TooDeep {}

/// Where the scan is, between lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Within {
    Plain,
    /// A quoted scalar, by its quote, which may go on over lines.
    Quoted(char),
    /// The lines of a block scalar (`|`, `>`): those indented more than `parent`.
    Block {
        parent: usize,
    },
}

/// Refuses nesting deeper than [`MAX_FLOW_DEPTH`] flow collections or content further right
/// than [`MAX_INDENT`]; linear in the text's length.
///
/// # Errors
/// The first place too deep.
pub fn check_nesting(text: &str) -> Result<(), TooDeep> {
    let mut depth = 0usize;
    let mut within = Within::Plain;
    for (number, line) in text.lines().enumerate() {
        let too_deep = |column: usize, message: String| TooDeep {
            line: number + 1,
            column: column + 1,
            message,
        };
        let indent = line.chars().take_while(|c| *c == ' ').count();
        if let Within::Block { parent } = within {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            within = Within::Plain;
        }
        if within == Within::Plain && depth == 0 {
            let content = content_column(line);
            if content > MAX_INDENT {
                return Err(too_deep(
                    content,
                    format!("content starts at column {}, past the {MAX_INDENT} read", content + 1),
                ));
            }
        }
        // The last character that can precede a scalar's start (a quote opens one only there).
        let mut before = None;
        let mut last = None;
        let mut chars = line.chars().enumerate().peekable();
        while let Some((column, c)) = chars.next() {
            match within {
                Within::Quoted('\'') => {
                    if c == '\'' {
                        if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                            chars.next();
                        } else {
                            within = Within::Plain;
                        }
                    }
                    continue;
                }
                Within::Quoted(_) => {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        within = Within::Plain;
                    }
                    continue;
                }
                _ => {}
            }
            match c {
                '#' if last.is_none_or(char::is_whitespace) => break,
                '\'' | '"' if before.is_none_or(|b| matches!(b, ':' | '-' | '?' | '[' | '{' | ',')) => {
                    within = Within::Quoted(c);
                }
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Err(too_deep(
                            column,
                            format!("more than {MAX_FLOW_DEPTH} `[` / `{{` open at once"),
                        ));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if !c.is_whitespace() {
                before = Some(c);
            }
            last = Some(c);
        }
        if within == Within::Plain && depth == 0 && opens_block_scalar(line) {
            within = Within::Block { parent: indent };
        }
    }
    Ok(())
}

/// The column (in characters) where a line's content starts, after its indentation and the
/// block indicators (`- `, `? `, `: `) before it.
fn content_column(line: &str) -> usize {
    let mut column = 0;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        column += rest.len() - trimmed.len();
        match trimmed.as_bytes() {
            [b'-' | b'?' | b':', b' ', ..] => {
                column += 2;
                rest = &trimmed[2..];
            }
            _ => return column,
        }
    }
}

/// Whether the line ends with a block scalar's header (`key: |`, `- >-`, `|2`), comments
/// aside.
fn opens_block_scalar(line: &str) -> bool {
    let code = match line.find(" #") {
        Some(at) => &line[..at],
        None => line,
    };
    let last = code.trim_end().rsplit(' ').next().unwrap_or_default();
    last.starts_with(['|', '>']) && last[1..].chars().all(|c| matches!(c, '-' | '+' | '1'..='9'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_marks_are_dropped() {
        assert_eq!(without_bom("\u{feff}id: x"), "id: x");
        assert_eq!(without_bom("id: x"), "id: x");
        assert_eq!(without_bom("id: \u{feff}"), "id: \u{feff}");
    }

    #[test]
    fn ordinary_files_pass() {
        let text = "\
id: acme.x   # a comment with [ and {
description: |
  Text with [ unbalanced { brackets
    and deeper lines [[[[
summary: 'it''s [ here'
other: \"a \\\" [ quote\"
user's: key with [a] bracket
condition: {all: [{field: a, equals: [1, 2]}, {not: {field: b, exists: true}}]}
- - - x
";
        assert_eq!(check_nesting(text), Ok(()));
        let sixty_four = format!("{}x{}", "[".repeat(64), "]".repeat(64));
        assert_eq!(check_nesting(&sixty_four), Ok(()));
    }

    #[test]
    fn deep_flow_nesting_is_refused_where_it_goes_too_deep() {
        let deep = format!("id: x\ncondition: {}", "{not: ".repeat(100_000));
        let e = check_nesting(&deep).unwrap_err();
        assert_eq!((e.line, e.column), (2, 12 + 6 * 64), "{e}");
        assert!(e.message.contains("more than 64"), "{e}");
        // Brackets in quotes do not count.
        assert_eq!(check_nesting(&format!("a: '{}'", "[".repeat(1000))), Ok(()));
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let mut text = String::new();
        for level in 0..1000 {
            text += &format!("{}not:\n", "  ".repeat(level));
        }
        let e = check_nesting(&text).unwrap_err();
        assert_eq!(e.line, 258, "{e}");
        assert!(e.message.contains("past the 512"), "{e}");
        let dashes = format!("{}x\n", "- ".repeat(300));
        assert_eq!(check_nesting(&dashes).unwrap_err().line, 1);
    }
}
