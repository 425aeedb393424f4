//! How the operands of a field test are read from YAML (or JSON), for [`super::schema`]:
//!
//! - the string operators take a text or a list of texts, where a number or boolean written
//!   unquoted is read as its text (`contains: 111122223333`);
//! - `equals` takes a string, number, boolean or `null`, or a list of them; `equals: null` is
//!   a value (the field is `null`), not the absence of the key;
//! - the numeric comparisons take a number.
//!
//! Anything else (a mapping, a list within the list, `null` for a string operator, `.nan` or
//! `.inf` for `equals`) is an error at its own line, saying in words what the key takes (never
//! a Rust type's name).

use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Unexpected, Visitor};
use serde_json::{Number, Value};

use super::schema::OneOrMany;

/// A scalar operand, or (with `list`) a list of them; `null` is one when `null` is set.
struct Operand {
    list: bool,
    null: bool,
}

/// One scalar of an operand's list; `NULL`: whether `null` is one.
struct Item<const NULL: bool>(Value);

impl<'de, const NULL: bool> Deserialize<'de> for Item<NULL> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(Operand {
            list: false,
            null: NULL,
        })? {
            OneOrMany::One(value) => Ok(Item(value)),
            OneOrMany::Many(_) => unreachable!("the visitor refuses a list within the list"),
        }
    }
}

impl Operand {
    fn one<E>(value: Value) -> Result<OneOrMany<Value>, E> {
        Ok(OneOrMany::One(value))
    }
}

impl<'de> Visitor<'de> for Operand {
    type Value = OneOrMany<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.null, self.list) {
            (false, true) => "a string (numbers and booleans are read as their text), or a list of them",
            (false, false) => "a string, number or boolean",
            (true, true) => "a string, number, boolean or null, or a list of them",
            (true, false) => "a string, number, boolean or null",
        })
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
        Operand::one(Value::String(v.to_owned()))
    }

    fn visit_bool<E: Error>(self, v: bool) -> Result<Self::Value, E> {
        Operand::one(Value::Bool(v))
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
        Operand::one(Value::Number(v.into()))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
        Operand::one(Value::Number(v.into()))
    }

    /// Beyond 64 bits, as the nearest double (as JSON readers do).
    fn visit_i128<E: Error>(self, v: i128) -> Result<Self::Value, E> {
        self.visit_f64(v as f64)
    }

    fn visit_u128<E: Error>(self, v: u128) -> Result<Self::Value, E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<Self::Value, E> {
        match Number::from_f64(v) {
            Some(n) => Operand::one(Value::Number(n)),
            None => Err(E::invalid_value(
                Unexpected::Float(v),
                &"a finite number (not .nan or .inf)",
            )),
        }
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        if self.null {
            Operand::one(Value::Null)
        } else {
            Err(E::invalid_type(Unexpected::Unit, &self))
        }
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if !self.list {
            return Err(A::Error::invalid_type(Unexpected::Seq, &self));
        }
        let mut values = Vec::new();
        if self.null {
            while let Some(Item::<true>(value)) = seq.next_element()? {
                values.push(value);
            }
        } else {
            while let Some(Item::<false>(value)) = seq.next_element()? {
                values.push(value);
            }
        }
        Ok(OneOrMany::Many(values))
    }
}

/// A scalar as the text a string operator compares.
fn text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// A string operator's operand (the key was written).
///
/// # Errors
/// A mapping, `null`, a list within the list, or a number that is not finite.
pub(super) fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OneOrMany<String>>, D::Error> {
    Ok(Some(
        match d.deserialize_any(Operand {
            list: true,
            null: false,
        })? {
            OneOrMany::One(v) => OneOrMany::One(text(v)),
            OneOrMany::Many(vs) => OneOrMany::Many(vs.into_iter().map(text).collect()),
        },
    ))
}

/// `equals`'s operand, `null` included (the key was written).
///
/// # Errors
/// A mapping, a list within the list, or a number that is not finite.
pub(super) fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OneOrMany<Value>>, D::Error> {
    d.deserialize_any(Operand { list: true, null: true }).map(Some)
}

/// A numeric comparison's operand (the key was written). Not-a-number and infinities are
/// read, and refused when the condition compiles.
///
/// # Errors
/// Anything but a number.
pub(super) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    struct NumberVisitor;
    impl Visitor<'_> for NumberVisitor {
        type Value = f64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number")
        }

        fn visit_i64<E: Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_i128<E: Error>(self, v: i128) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_u128<E: Error>(self, v: u128) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_f64<E: Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
    }
    d.deserialize_any(NumberVisitor).map(Some)
}
