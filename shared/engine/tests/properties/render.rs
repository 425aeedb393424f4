//! Writes a JSON value as any of the texts that mean it: object keys in any order, any
//! whitespace between tokens, characters of strings (keys too) written as `\u` escapes.

use proptest::prelude::*;
use serde_json::Value;

/// How to write a value.
#[derive(Debug, Clone)]
pub struct Style {
    /// Object keys shuffled with this seed, at every level; `None`: in the map's order.
    pub order: Option<u64>,
    pub space: Space,
    /// Characters of strings escaped as `\uXXXX` (or `\/`), chosen with this seed; `None`:
    /// only those JSON requires.
    pub escapes: Option<u64>,
}

/// Whitespace between tokens.
#[derive(Debug, Clone, Copy)]
pub enum Space {
    Compact,
    /// Two-space indentation, one member a line.
    Pretty,
    /// Any JSON whitespace (or none) between any two tokens and around the value, chosen with
    /// this seed; line feeds only when `lines`.
    Loose {
        seed: u64,
        lines: bool,
    },
}

/// A style; `one_line` keeps the text on one line (JSON lines).
pub fn style(one_line: bool) -> impl Strategy<Value = Style> {
    let space = if one_line {
        prop_oneof![
            Just(Space::Compact),
            any::<u64>().prop_map(|seed| Space::Loose { seed, lines: false }),
        ]
        .boxed()
    } else {
        prop_oneof![
            Just(Space::Compact),
            Just(Space::Pretty),
            (any::<u64>(), any::<bool>()).prop_map(|(seed, lines)| Space::Loose { seed, lines }),
        ]
        .boxed()
    };
    (
        prop::option::of(any::<u64>()),
        space,
        prop::option::weighted(0.3, any::<u64>()),
    )
        .prop_map(|(order, space, escapes)| Style { order, space, escapes })
}

/// splitmix64: a small deterministic generator for the choices a seed stands for.
pub struct Mix(pub u64);

impl Mix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `value` written in `style`.
pub fn render(value: &Value, style: &Style) -> String {
    let mut writer = Writer {
        out: String::new(),
        order: style.order.map(Mix),
        escapes: style.escapes.map(Mix),
        space: style.space,
        spaces: match style.space {
            Space::Loose { seed, .. } => Some(Mix(seed)),
            _ => None,
        },
    };
    writer.gap(0, false);
    writer.value(value, 0);
    writer.gap(0, false);
    writer.out
}

struct Writer {
    out: String,
    order: Option<Mix>,
    escapes: Option<Mix>,
    space: Space,
    spaces: Option<Mix>,
}

impl Writer {
    /// Whitespace between two tokens; `depth` and `line` for pretty printing (a line break
    /// where pretty printing puts one).
    fn gap(&mut self, depth: usize, line: bool) {
        match (self.space, &mut self.spaces) {
            (Space::Compact, _) => {}
            (Space::Pretty, _) => {
                if line {
                    self.out.push('\n');
                    self.out.push_str(&"  ".repeat(depth));
                }
            }
            (Space::Loose { lines, .. }, Some(mix)) => {
                const ANY: [&str; 8] = ["", "", " ", "\t", "   ", "\r", "\n", "\r\n"];
                let choices = if lines { ANY.len() } else { 6 };
                let gap = ANY[mix.below(choices)];
                self.out.push_str(gap);
            }
            (Space::Loose { .. }, None) => {}
        }
    }

    fn value(&mut self, v: &Value, depth: usize) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                if let Some(mix) = &mut self.order {
                    for i in (1..keys.len()).rev() {
                        keys.swap(i, mix.below(i + 1));
                    }
                }
                self.out.push('{');
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 {
                        self.gap(depth + 1, false);
                        self.out.push(',');
                    }
                    self.gap(depth + 1, true);
                    self.string(key);
                    self.gap(depth + 1, false);
                    self.out.push(':');
                    self.gap(depth + 1, false);
                    self.value(&map[key.as_str()], depth + 1);
                }
                if !keys.is_empty() {
                    self.gap(depth, true);
                }
                self.out.push('}');
            }
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.gap(depth + 1, false);
                        self.out.push(',');
                    }
                    self.gap(depth + 1, true);
                    self.value(item, depth + 1);
                }
                if !items.is_empty() {
                    self.gap(depth, true);
                }
                self.out.push(']');
            }
            Value::String(s) => self.string(s),
            other => self.out.push_str(&other.to_string()),
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let escape = self.escapes.as_mut().is_some_and(|mix| mix.below(4) == 0);
            match c {
                '/' if escape => self.out.push_str("\\/"),
                _ if escape || u32::from(c) < 0x20 => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        self.out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                _ => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

#[test]
fn every_style_writes_the_same_value() {
    use proptest::test_runner::TestRunner;
    let value = serde_json::json!({"a": [1, {"b/c": "d\"e\\f\u{1F600}\n"}], "g": null, "h": {}, "i": []});
    let mut runner = TestRunner::new(crate::config(64));
    runner
        .run(&style(false), |style| {
            let text = render(&value, &style);
            let back: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(&back, &value, "{}", text);
            Ok(())
        })
        .unwrap();
}
