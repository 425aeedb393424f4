//! The converted condition before it becomes a [`ConditionDoc`]: a tree of field tests, kept
//! typed so that tests of one field and operator are merged (`any` of `eventName: A` and
//! `eventName: B` becomes `eventName: [A, B]`) and the events can be derived from it.

use serde_json::Value as Json;

use crate::user_rules::schema::{ConditionDoc, OneOrMany};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Test(Test),
}

/// One field tested by one operator.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Test {
    pub field: String,
    pub op: Op,
    pub ignore_case: bool,
}

/// The operators of [`ConditionDoc`]; the list ones hold alternatives (any matches).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    Equals(Vec<Json>),
    Wildcard(Vec<String>),
    Regex(Vec<String>),
    Contains(Vec<String>),
    StartsWith(Vec<String>),
    EndsWith(Vec<String>),
    Cidr(Vec<String>),
    Exists(bool),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
}

impl Test {
    /// Adds `other`'s alternatives to this test when both test the same field with the same
    /// list operator and case rule; otherwise gives `other` back.
    fn absorb(&mut self, other: Test) -> Result<(), Test> {
        if self.field != other.field || self.ignore_case != other.ignore_case {
            return Err(other);
        }
        match (&mut self.op, other.op) {
            (Op::Equals(a), Op::Equals(b)) => a.extend(b),
            (Op::Wildcard(a), Op::Wildcard(b))
            | (Op::Regex(a), Op::Regex(b))
            | (Op::Contains(a), Op::Contains(b))
            | (Op::StartsWith(a), Op::StartsWith(b))
            | (Op::EndsWith(a), Op::EndsWith(b))
            | (Op::Cidr(a), Op::Cidr(b)) => a.extend(b),
            (_, op) => return Err(Test { op, ..other }),
        }
        Ok(())
    }
}

/// A test of one field.
pub(super) fn test(field: &str, op: Op, ignore_case: bool) -> Node {
    Node::Test(Test {
        field: field.to_string(),
        op,
        ignore_case,
    })
}

/// Every part holds: nested `all`s flattened, one part is itself.
pub(super) fn all(parts: Vec<Node>) -> Node {
    let mut flat = Vec::new();
    for p in parts {
        match p {
            Node::All(inner) => flat.extend(inner),
            p => flat.push(p),
        }
    }
    if flat.len() == 1 {
        flat.remove(0)
    } else {
        Node::All(flat)
    }
}

/// At least one part holds: nested `any`s flattened, tests of one field and operator merged,
/// one part is itself.
pub(super) fn any(parts: Vec<Node>) -> Node {
    let mut flat: Vec<Node> = Vec::new();
    let push = |node: Node, flat: &mut Vec<Node>| match node {
        Node::Test(mut t) => {
            for existing in flat.iter_mut() {
                if let Node::Test(e) = existing {
                    match e.absorb(t) {
                        Ok(()) => return,
                        Err(back) => t = back,
                    }
                }
            }
            flat.push(Node::Test(t));
        }
        n => flat.push(n),
    };
    for p in parts {
        match p {
            Node::Any(inner) => inner.into_iter().for_each(|n| push(n, &mut flat)),
            p => push(p, &mut flat),
        }
    }
    if flat.len() == 1 {
        flat.remove(0)
    } else {
        Node::Any(flat)
    }
}

/// The part does not hold (`not not x` is `x`).
pub(super) fn not(part: Node) -> Node {
    match part {
        Node::Not(inner) => *inner,
        p => Node::Not(Box::new(p)),
    }
}

impl Node {
    pub fn into_doc(self) -> ConditionDoc {
        match self {
            Node::All(parts) => ConditionDoc {
                all: Some(parts.into_iter().map(Node::into_doc).collect()),
                ..Default::default()
            },
            Node::Any(parts) => ConditionDoc {
                any: Some(parts.into_iter().map(Node::into_doc).collect()),
                ..Default::default()
            },
            Node::Not(inner) => ConditionDoc {
                not: Some(Box::new(inner.into_doc())),
                ..Default::default()
            },
            Node::Test(t) => t.into_doc(),
        }
    }
}

fn one_or_many<T>(mut v: Vec<T>) -> Option<OneOrMany<T>> {
    Some(if v.len() == 1 {
        OneOrMany::One(v.remove(0))
    } else {
        OneOrMany::Many(v)
    })
}

impl Test {
    fn into_doc(self) -> ConditionDoc {
        let mut doc = ConditionDoc {
            field: Some(self.field),
            ignore_case: self.ignore_case,
            ..Default::default()
        };
        match self.op {
            Op::Equals(v) => doc.equals = one_or_many(v),
            Op::Wildcard(v) => doc.wildcard = one_or_many(v),
            Op::Regex(v) => doc.regex = one_or_many(v),
            Op::Contains(v) => doc.contains = one_or_many(v),
            Op::StartsWith(v) => doc.starts_with = one_or_many(v),
            Op::EndsWith(v) => doc.ends_with = one_or_many(v),
            Op::Cidr(v) => doc.cidr = one_or_many(v),
            Op::Exists(b) => doc.exists = Some(b),
            Op::Gt(n) => doc.gt = Some(n),
            Op::Gte(n) => doc.gte = Some(n),
            Op::Lt(n) => doc.lt = Some(n),
            Op::Lte(n) => doc.lte = Some(n),
        }
        doc
    }
}
