//! The Sigma `condition` expression: `and`, `or`, `not` (precedence not > and > or),
//! parentheses, `1 of pattern`, `all of pattern`, `1 of them`, `all of them` and search
//! identifiers. Aggregations (`| count() > 5`) and `near` are refused.

use super::Problem;

/// A parsed condition. Patterns may hold `*` wildcards; `them` is [`Pattern::Them`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Ident(String),
    /// `1 of` the identifiers the pattern names.
    OneOf(Pattern),
    /// `all of` them.
    AllOf(Pattern),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Pattern {
    /// Every search identifier not starting with `_`.
    Them,
    /// An identifier, `*` matching any run of characters.
    Glob(String),
}

impl Pattern {
    /// Whether the pattern names the identifier.
    pub fn matches(&self, ident: &str) -> bool {
        match self {
            Pattern::Them => !ident.starts_with('_'),
            Pattern::Glob(g) => glob_matches(g.as_bytes(), ident.as_bytes()),
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob_matches(rest, &text[i..])),
        Some((c, rest)) => text
            .split_first()
            .is_some_and(|(t, tail)| t == c && glob_matches(rest, tail)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Word(String),
}

/// Parses one condition string.
///
/// # Errors
/// An aggregation, `near`, an unbalanced parenthesis, a misplaced keyword or an empty
/// condition, as a [`Problem`] on part `condition`.
pub(super) fn parse(text: &str) -> Result<Expr, Problem> {
    let problem = |reason: String| Problem::new("condition", format!("`{text}`: {reason}"));
    if let Some((_, aggregation)) = text.split_once('|') {
        return Err(problem(format!(
            "the aggregation `|{aggregation}` is not converted: aidr's stateful detections cover \
             thresholds and counts over time"
        )));
    }
    let tokens = tokenize(text);
    if tokens
        .iter()
        .any(|t| matches!(t, Token::Word(w) if w.eq_ignore_ascii_case("near")))
    {
        return Err(problem(
            "`near` (events close in time) is not converted: aidr's stateful detections cover \
             sequences"
                .to_string(),
        ));
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let expr = parser.or().map_err(problem)?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some(t) => Err(problem(format!("unexpected {} after a complete condition", show(t)))),
    }
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            tokens.push(Token::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        match c {
            '(' | ')' => {
                flush(&mut word, &mut tokens);
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            c if c.is_whitespace() => flush(&mut word, &mut tokens),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

fn show(t: &Token) -> String {
    match t {
        Token::Open => "`(`".to_string(),
        Token::Close => "`)`".to_string(),
        Token::Word(w) => format!("`{w}`"),
    }
}

/// Deeper nesting of parentheses and `not` is refused rather than parsed on the stack.
const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Parentheses and `not`s open around the current token.
    depth: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.and()?];
        while self.peek_word("or") {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.not()?];
        while self.peek_word("and") {
            self.at += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.peek_word("not") {
            self.at += 1;
            let inner = self.nested(Self::not)?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    /// Parses with one more level of nesting, refusing more than [`MAX_DEPTH`].
    fn nested(&mut self, parse: fn(&mut Self) -> Result<Expr, String>) -> Result<Expr, String> {
        if self.depth == MAX_DEPTH {
            return Err(format!("parentheses and `not` nest deeper than {MAX_DEPTH}"));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        match token {
            None => Err("the condition ends where a search identifier was expected".to_string()),
            Some(Token::Open) => {
                let inner = self.nested(Self::or)?;
                match self.tokens.get(self.at) {
                    Some(Token::Close) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err("a `(` is not closed".to_string()),
                }
            }
            Some(Token::Close) => Err("unexpected `)`".to_string()),
            Some(Token::Word(w)) => {
                let lower = w.to_ascii_lowercase();
                if matches!(lower.as_str(), "and" | "or" | "of") {
                    return Err(format!("unexpected `{w}` where a search identifier was expected"));
                }
                if !self.peek_word("of") {
                    return Ok(Expr::Ident(w));
                }
                self.at += 1;
                let pattern = match self.tokens.get(self.at) {
                    Some(Token::Word(p)) if p.eq_ignore_ascii_case("them") => Pattern::Them,
                    Some(Token::Word(p)) if !matches!(p.to_ascii_lowercase().as_str(), "and" | "or" | "not") => {
                        Pattern::Glob(p.clone())
                    }
                    _ => return Err(format!("`{w} of` needs an identifier pattern or `them`")),
                };
                self.at += 1;
                match lower.as_str() {
                    "1" | "any" => Ok(Expr::OneOf(pattern)),
                    "all" => Ok(Expr::AllOf(pattern)),
                    _ => Err(format!("`{w} of` is not supported (only `1 of` and `all of`)")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Expr {
        Expr::Ident(s.to_string())
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let e = parse("a or not b and c").unwrap();
        assert_eq!(
            e,
            Expr::Or(vec![id("a"), Expr::And(vec![Expr::Not(Box::new(id("b"))), id("c")])])
        );
        let e = parse("(a or b) and not (c or d)").unwrap();
        assert_eq!(
            e,
            Expr::And(vec![
                Expr::Or(vec![id("a"), id("b")]),
                Expr::Not(Box::new(Expr::Or(vec![id("c"), id("d")])))
            ])
        );
    }

    #[test]
    fn of_forms() {
        assert_eq!(
            parse("1 of sel* and not all of them").unwrap(),
            Expr::And(vec![
                Expr::OneOf(Pattern::Glob("sel*".into())),
                Expr::Not(Box::new(Expr::AllOf(Pattern::Them)))
            ])
        );
        assert!(Pattern::Glob("sel*".into()).matches("selection_a"));
        assert!(!Pattern::Glob("sel*".into()).matches("filter"));
        assert!(!Pattern::Them.matches("_private"));
    }

    #[test]
    fn malformed_conditions_are_refused_with_the_reason() {
        for (text, reason) in [
            ("a and", "ends where a search identifier"),
            ("(a or b", "not closed"),
            ("a b", "unexpected `b`"),
            ("2 of sel*", "only `1 of` and `all of`"),
            ("sel | count() > 5", "aggregation"),
            ("a near b", "`near`"),
            ("", "ends where"),
            (&"(".repeat(10_000), "nest deeper than 64"),
            (&"not ".repeat(100), "nest deeper than 64"),
        ] {
            let p = parse(text).unwrap_err();
            assert_eq!(p.part, "condition");
            assert!(p.reason.contains(reason), "{text}: {}", p.reason);
        }
    }
}
