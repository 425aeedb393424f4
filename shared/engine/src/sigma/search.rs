//! A Sigma `detection` section as one condition tree: the search identifiers (field maps
//! with modifiers, lists of maps, keyword lists) combined by the `condition`.

use std::collections::HashMap;

use serde_json::Value as Json;
use yaml_serde::{Mapping, Value};

use super::Problem;
use super::condition::{self, Expr, Pattern};
use super::tree::{self, Node, Op};

/// The record fields a keyword (a search that is a plain list of values) is looked for in.
/// CloudTrail records have no message field; these are the top-level texts that name the call,
/// its caller and its outcome. `requestParameters` and `responseElements` are objects of
/// varying shape and are not searched.
pub const KEYWORD_FIELDS: [&str; 7] = [
    "eventSource",
    "eventName",
    "errorCode",
    "errorMessage",
    "userAgent",
    "sourceIPAddress",
    "userIdentity.arn",
];

/// The detection's condition as a tree over the record's fields.
pub(super) fn detection_condition(detection: &Mapping) -> Result<Node, Problem> {
    let mut searches: Vec<(String, &Value)> = Vec::new();
    let mut conditions = None;
    for (key, value) in detection {
        let Some(key) = key.as_str() else {
            return Err(Problem::new("detection", "a search identifier must be a string"));
        };
        match key {
            "condition" => conditions = Some(value),
            "timeframe" => {
                return Err(Problem::new(
                    "detection.timeframe",
                    "a time window over several events is not converted: aidr's stateful \
                     detections cover thresholds over time",
                ));
            }
            _ => searches.push((key.to_string(), value)),
        }
    }
    let texts: Vec<&str> = match conditions {
        None => return Err(Problem::new("detection.condition", "the detection has no condition")),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Sequence(items)) if !items.is_empty() => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| Problem::new("detection.condition", "a condition must be text"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(Problem::new(
                "detection.condition",
                "a condition must be text or a list of texts",
            ));
        }
    };
    let mut resolver = Resolver {
        searches,
        converted: HashMap::new(),
    };
    let mut parts = Vec::new();
    for text in texts {
        let expr = condition::parse(text)?;
        parts.push(resolver.expand(&expr)?);
    }
    Ok(tree::any(parts))
}

/// Turns identifiers of a parsed condition into their converted searches, each converted once.
struct Resolver<'a> {
    searches: Vec<(String, &'a Value)>,
    converted: HashMap<String, Node>,
}

impl Resolver<'_> {
    fn expand(&mut self, expr: &Expr) -> Result<Node, Problem> {
        Ok(match expr {
            Expr::And(parts) => tree::all(self.expand_all(parts)?),
            Expr::Or(parts) => tree::any(self.expand_all(parts)?),
            Expr::Not(inner) => tree::not(self.expand(inner)?),
            Expr::Ident(name) => self.search(name)?,
            Expr::OneOf(p) => tree::any(self.matching(p)?),
            Expr::AllOf(p) => tree::all(self.matching(p)?),
        })
    }

    fn expand_all(&mut self, parts: &[Expr]) -> Result<Vec<Node>, Problem> {
        parts.iter().map(|p| self.expand(p)).collect()
    }

    fn matching(&mut self, pattern: &Pattern) -> Result<Vec<Node>, Problem> {
        let names: Vec<String> = self
            .searches
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| pattern.matches(n))
            .collect();
        if names.is_empty() {
            let shown = match pattern {
                Pattern::Them => "them".to_string(),
                Pattern::Glob(g) => g.clone(),
            };
            return Err(Problem::new(
                "detection.condition",
                format!("`of {shown}` names no search identifier of the detection"),
            ));
        }
        names.iter().map(|n| self.search(n)).collect()
    }

    fn search(&mut self, name: &str) -> Result<Node, Problem> {
        if let Some(node) = self.converted.get(name) {
            return Ok(node.clone());
        }
        let value = self
            .searches
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                Problem::new(
                    "detection.condition",
                    format!("the condition names `{name}`, which the detection does not define"),
                )
            })?;
        let node = search(&format!("detection.{name}"), value)?;
        self.converted.insert(name.to_string(), node.clone());
        Ok(node)
    }
}

/// One search identifier's value: a map (every field test holds), a list of maps (any map
/// holds) or a list of keywords (any keyword is found).
fn search(part: &str, value: &Value) -> Result<Node, Problem> {
    match value {
        Value::Mapping(map) => field_map(part, map),
        Value::Sequence(items) if !items.is_empty() => {
            if items.iter().all(|i| matches!(i, Value::Mapping(_))) {
                let maps = items.iter().filter_map(|i| match i {
                    Value::Mapping(m) => Some(field_map(part, m)),
                    _ => None,
                });
                Ok(tree::any(maps.collect::<Result<_, _>>()?))
            } else if items.iter().all(|i| matches!(i, Value::String(_) | Value::Number(_))) {
                keywords(part, items)
            } else {
                Err(Problem::new(part, "a list must hold only field maps or only keywords"))
            }
        }
        Value::String(_) | Value::Number(_) => keywords(part, std::slice::from_ref(value)),
        _ => Err(Problem::new(
            part,
            "a search is a field map, a list of field maps or a list of keywords",
        )),
    }
}

fn field_map(part: &str, map: &Mapping) -> Result<Node, Problem> {
    if map.is_empty() {
        return Err(Problem::new(part, "an empty field map"));
    }
    let mut tests = Vec::new();
    for (key, value) in map {
        let key = key
            .as_str()
            .ok_or_else(|| Problem::new(part, "a field name must be text"))?;
        tests.push(field(&format!("{part}.{key}"), key, value)?);
    }
    Ok(tree::all(tests))
}

/// What a field's modifiers ask.
struct Modifiers {
    kind: Kind,
    all: bool,
    cased: bool,
    /// Regular expression flags (`i`, `m`, `s`).
    flags: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
    Regex,
    Cidr,
    Exists,
    Gt,
    Gte,
    Lt,
    Lte,
}

fn modifiers(part: &str, names: &[&str]) -> Result<Modifiers, Problem> {
    let mut m = Modifiers {
        kind: Kind::Equals,
        all: false,
        cased: false,
        flags: String::new(),
    };
    for &name in names {
        let kind = match name {
            "contains" => Kind::Contains,
            "startswith" => Kind::StartsWith,
            "endswith" => Kind::EndsWith,
            "re" => Kind::Regex,
            "cidr" => Kind::Cidr,
            "exists" => Kind::Exists,
            "gt" => Kind::Gt,
            "gte" => Kind::Gte,
            "lt" => Kind::Lt,
            "lte" => Kind::Lte,
            "all" => {
                m.all = true;
                continue;
            }
            "cased" => {
                m.cased = true;
                continue;
            }
            "i" | "m" | "s" if m.kind == Kind::Regex => {
                m.flags.push_str(name);
                continue;
            }
            _ => return Err(Problem::new(part, unsupported_modifier(name))),
        };
        if m.kind != Kind::Equals {
            return Err(Problem::new(
                part,
                format!("modifier `{name}` after another matching modifier"),
            ));
        }
        m.kind = kind;
    }
    Ok(m)
}

fn unsupported_modifier(name: &str) -> String {
    let why = match name {
        "base64" | "base64offset" | "utf16" | "utf16le" | "utf16be" | "wide" => {
            "it searches an encoded form of the value inside encoded text; CloudTrail fields are \
             plain JSON text"
        }
        "windash" => "it varies Windows command-line dashes; CloudTrail has no command lines",
        "expand" => "its placeholders need values from a Sigma processing pipeline",
        "fieldref" => "it compares two fields of one event; aidr conditions compare a field with values",
        "i" | "m" | "s" => "regular expression flags go after `re`",
        _ => return format!("unknown modifier `{name}`"),
    };
    format!("modifier `{name}` is not supported: {why}")
}

/// One `field|modifiers: value(s)` entry.
fn field(part: &str, key: &str, value: &Value) -> Result<Node, Problem> {
    let mut names = key.split('|');
    let field = names.next().unwrap_or_default();
    if field.is_empty() {
        return Err(Problem::new(
            part,
            "a modifier without a field name (a keyword with modifiers) is not supported",
        ));
    }
    let mods = modifiers(part, &names.collect::<Vec<_>>())?;
    let values: Vec<&Value> = match value {
        Value::Sequence(items) if items.is_empty() => {
            return Err(Problem::new(part, "an empty list of values"));
        }
        Value::Sequence(items) => items.iter().collect(),
        v => vec![v],
    };
    let tests = values
        .into_iter()
        .map(|v| value_test(part, field, &mods, v))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if mods.all { tree::all(tests) } else { tree::any(tests) })
}

/// The test of one value under the modifiers.
fn value_test(part: &str, field: &str, mods: &Modifiers, value: &Value) -> Result<Node, Problem> {
    let ignore_case = !mods.cased;
    let text = match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let wrong = |what: &str| Err(Problem::new(part, format!("{what} cannot be a value here")));
    match mods.kind {
        Kind::Equals => match value {
            Value::Null => Ok(tree::test(field, Op::Exists(false), false)),
            Value::Bool(b) => Ok(tree::test(
                field,
                Op::Equals(vec![Json::Bool(*b), Json::String(b.to_string())]),
                true,
            )),
            Value::Number(n) => match number(n) {
                Some(j) => Ok(tree::test(
                    field,
                    Op::Equals(vec![j, Json::String(n.to_string())]),
                    true,
                )),
                None => wrong("a non-finite number"),
            },
            Value::String(s) => {
                let sigma = Sigma::parse(s);
                match typed_twin(&sigma) {
                    Some(typed) => Ok(tree::test(
                        field,
                        Op::Equals(vec![Json::String(sigma.literal()), typed]),
                        ignore_case,
                    )),
                    None => Ok(string_test(field, &sigma, Anchor::Whole, ignore_case)),
                }
            }
            _ => wrong("a map or list"),
        },
        Kind::Contains | Kind::StartsWith | Kind::EndsWith => {
            let Some(text) = text else {
                return wrong("null or a map");
            };
            let anchor = match mods.kind {
                Kind::Contains => Anchor::Inside,
                Kind::StartsWith => Anchor::Start,
                _ => Anchor::End,
            };
            Ok(string_test(field, &Sigma::parse(&text), anchor, ignore_case))
        }
        Kind::Regex => {
            let Value::String(re) = value else {
                return wrong("anything but a regular expression text");
            };
            let pattern = if mods.flags.is_empty() {
                re.clone()
            } else {
                format!("(?{}){re}", mods.flags)
            };
            regex::Regex::new(&pattern).map_err(|e| {
                Problem::new(
                    part,
                    format!(
                        "the regular expression does not compile in Rust's regex syntax (no \
                         look-around or back-references): {e}"
                    ),
                )
            })?;
            Ok(tree::test(field, Op::Regex(vec![pattern]), false))
        }
        Kind::Cidr => {
            let Value::String(net) = value else {
                return wrong("anything but a network text");
            };
            net.parse::<ipnet::IpNet>()
                .map_err(|e| Problem::new(part, format!("`{net}` is not a network (`10.0.0.0/8`): {e}")))?;
            Ok(tree::test(field, Op::Cidr(vec![net.clone()]), false))
        }
        Kind::Exists => match value {
            Value::Bool(b) => Ok(tree::test(field, Op::Exists(*b), false)),
            _ => wrong("anything but true or false"),
        },
        Kind::Gt | Kind::Gte | Kind::Lt | Kind::Lte => {
            let Some(n) = value.as_f64().filter(|n| n.is_finite()) else {
                return wrong("anything but a number");
            };
            let op = match mods.kind {
                Kind::Gt => Op::Gt(n),
                Kind::Gte => Op::Gte(n),
                Kind::Lt => Op::Lt(n),
                _ => Op::Lte(n),
            };
            Ok(tree::test(field, op, false))
        }
    }
}

/// The JSON boolean or integer a Sigma string value spells (`'false'`, `'0'`): Sigma compares
/// values as text, while CloudTrail records hold typed JSON, so equality takes both.
fn typed_twin(value: &Sigma) -> Option<Json> {
    if value.has_wildcards() {
        return None;
    }
    let text = value.literal();
    if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
        return Some(Json::Bool(text.eq_ignore_ascii_case("true")));
    }
    text.parse::<i64>().ok().map(Json::from)
}

fn number(n: &yaml_serde::Number) -> Option<Json> {
    if let Some(i) = n.as_i64() {
        Some(Json::from(i))
    } else if let Some(u) = n.as_u64() {
        Some(Json::from(u))
    } else {
        n.as_f64().and_then(serde_json::Number::from_f64).map(Json::Number)
    }
}

/// Keywords: each is looked for (as a substring) in each of [`KEYWORD_FIELDS`].
fn keywords(part: &str, items: &[Value]) -> Result<Node, Problem> {
    let mut tests = Vec::new();
    for item in items {
        let text = match item {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(Problem::new(part, "a keyword must be text")),
        };
        let sigma = Sigma::parse(&text);
        tests.extend(
            KEYWORD_FIELDS
                .iter()
                .map(|f| string_test(f, &sigma, Anchor::Inside, true)),
        );
    }
    Ok(tree::any(tests))
}

/// Where a Sigma value must be found in the field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Whole,
    Start,
    End,
    Inside,
}

/// A Sigma string value: literal characters and the wildcards `*` and `?`.
struct Sigma(Vec<Piece>);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Piece {
    Char(char),
    /// `*`: any run of characters.
    Many,
    /// `?`: one character.
    One,
}

impl Sigma {
    /// `\*`, `\?` and `\\` are the literal characters; any other backslash is itself.
    fn parse(text: &str) -> Sigma {
        let mut pieces = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            pieces.push(match c {
                '\\' => match chars.peek() {
                    Some(&e @ ('*' | '?' | '\\')) => {
                        chars.next();
                        Piece::Char(e)
                    }
                    _ => Piece::Char('\\'),
                },
                '*' => Piece::Many,
                '?' => Piece::One,
                c => Piece::Char(c),
            });
        }
        Sigma(pieces)
    }

    fn has_wildcards(&self) -> bool {
        self.0.iter().any(|p| !matches!(p, Piece::Char(_)))
    }

    fn literal(&self) -> String {
        self.0
            .iter()
            .filter_map(|p| if let Piece::Char(c) = p { Some(*c) } else { None })
            .collect()
    }
}

/// The test of a Sigma string value: a plain string operator without wildcards, `wildcard`
/// with them, or an anchored regular expression when a wildcard and a literal `*` or `?` meet
/// (aidr's wildcard patterns have no escape).
fn string_test(field: &str, value: &Sigma, anchor: Anchor, ignore_case: bool) -> Node {
    if !value.has_wildcards() {
        let text = value.literal();
        let op = match anchor {
            Anchor::Whole => Op::Equals(vec![Json::String(text)]),
            Anchor::Start => Op::StartsWith(vec![text]),
            Anchor::End => Op::EndsWith(vec![text]),
            Anchor::Inside => Op::Contains(vec![text]),
        };
        return tree::test(field, op, ignore_case);
    }
    let lead = matches!(anchor, Anchor::End | Anchor::Inside);
    let trail = matches!(anchor, Anchor::Start | Anchor::Inside);
    let literal_wildcard = value.0.iter().any(|p| matches!(p, Piece::Char('*' | '?')));
    if !literal_wildcard {
        let mut pattern = String::new();
        if lead {
            pattern.push('*');
        }
        for p in &value.0 {
            pattern.push(match p {
                Piece::Char(c) => *c,
                Piece::Many => '*',
                Piece::One => '?',
            });
        }
        if trail {
            pattern.push('*');
        }
        // `**` matches what `*` matches.
        while pattern.contains("**") {
            pattern = pattern.replace("**", "*");
        }
        return tree::test(field, Op::Wildcard(vec![pattern]), ignore_case);
    }
    let mut re = String::from(if ignore_case { "(?is)" } else { "(?s)" });
    if !lead {
        re.push('^');
    }
    for p in &value.0 {
        match p {
            Piece::Char(c) => re.push_str(&regex::escape(&c.to_string())),
            Piece::Many => re.push_str(".*"),
            Piece::One => re.push('.'),
        }
    }
    if !trail {
        re.push('$');
    }
    tree::test(field, Op::Regex(vec![re]), false)
}
