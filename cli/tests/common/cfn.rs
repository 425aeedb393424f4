//! The stack templates as YAML values, CloudFormation's short tags (`!If`, `!Sub`, `!Ref`,
//! `!GetAtt`…) kept: a template's resources, the values a condition may leave, intrinsic
//! functions written out as text, and a part of a template as the JSON the engine's policy
//! analyzer reads.

use serde_json::Value as Json;
use yaml_serde::Value;

/// A parsed template.
pub struct Template {
    /// Where it was read from (for messages).
    pub path: String,
    root: Value,
}

/// One resource of a template.
pub struct Resource<'t> {
    /// Its logical id.
    pub id: &'t str,
    /// Its `Type` (`AWS::IAM::Role`…), empty when missing.
    pub kind: &'t str,
    /// Its whole entry (`Type`, `Condition`, `Metadata`, `Properties`…).
    pub body: &'t Value,
}

impl Resource<'_> {
    /// Property `key`, if set.
    pub fn property(&self, key: &str) -> Option<&Value> {
        self.body.get("Properties").and_then(|p| p.get(key))
    }
}

impl Template {
    /// Reads and parses `path`, relative to the repository root; panics naming the file when it
    /// cannot (these are tests).
    pub fn load(path: &str) -> Template {
        let text = std::fs::read_to_string(super::root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        Template::parse(path, &text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Parses `text`, the template at `path`.
    ///
    /// # Errors
    /// The YAML error, or a template without a `Resources` mapping, naming `path`.
    pub fn parse(path: &str, text: &str) -> Result<Template, String> {
        let root: Value = yaml_serde::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        if !root.get("Resources").is_some_and(Value::is_mapping) {
            return Err(format!("{path}: no Resources mapping"));
        }
        Ok(Template {
            path: path.to_owned(),
            root,
        })
    }

    /// The resources, in template order.
    pub fn resources(&self) -> Vec<Resource<'_>> {
        let Some(Value::Mapping(resources)) = self.root.get("Resources") else {
            return Vec::new();
        };
        resources
            .iter()
            .filter_map(|(id, body)| {
                Some(Resource {
                    id: id.as_str()?,
                    kind: body.get("Type").and_then(Value::as_str).unwrap_or(""),
                    body,
                })
            })
            .collect()
    }

    /// The resources of type `kind`.
    pub fn of_type(&self, kind: &str) -> Vec<Resource<'_>> {
        self.resources().into_iter().filter(|r| r.kind == kind).collect()
    }

    /// The resource with logical id `id`.
    pub fn resource(&self, id: &str) -> Option<Resource<'_>> {
        self.resources().into_iter().find(|r| r.id == id)
    }
}

/// An intrinsic function as (name, argument), in its short form (`!GetAtt X.Arn`) or its long
/// one (`{"Fn::GetAtt": …}`, `{"Ref": …}`); the name without `!` or `Fn::`.
pub fn intrinsic(v: &Value) -> Option<(&str, &Value)> {
    match v {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            // The tag's text is the name with its `!`; keep a borrowed name from a fixed list.
            NAMES
                .iter()
                .find(|name| tag.trim_start_matches('!') == **name)
                .map(|name| (*name, &tagged.value))
        }
        Value::Mapping(map) if map.len() == 1 => {
            let (key, arg) = map.iter().next()?;
            let key = key.as_str()?;
            let name = key.strip_prefix("Fn::").unwrap_or(key);
            (key == "Ref" || key.starts_with("Fn::"))
                .then(|| NAMES.iter().find(|n| **n == name))
                .flatten()
                .map(|name| (*name, arg))
        }
        _ => None,
    }
}

/// The intrinsic functions and condition functions a template may use.
const NAMES: &[&str] = &[
    "Ref",
    "If",
    "Sub",
    "GetAtt",
    "Join",
    "Select",
    "Split",
    "ImportValue",
    "FindInMap",
    "GetAZs",
    "Base64",
    "Cidr",
    "Equals",
    "Not",
    "And",
    "Or",
    "Condition",
    "ToJsonString",
    "Length",
];

/// True for `!Ref AWS::NoValue`, which removes the property or list item it stands for.
fn is_no_value(v: &Value) -> bool {
    matches!(intrinsic(v), Some(("Ref", arg)) if arg.as_str() == Some("AWS::NoValue"))
}

/// The values `v` may take once the conditions are decided: both branches of an `!If` (each
/// in turn), none for `!Ref AWS::NoValue`, else `v` itself.
pub fn alternatives(v: &Value) -> Vec<&Value> {
    if is_no_value(v) {
        return Vec::new();
    }
    match intrinsic(v) {
        Some(("If", Value::Sequence(args))) if args.len() == 3 => args[1..].iter().flat_map(alternatives).collect(),
        _ => vec![v],
    }
}

/// The items of a list, or a lone value, each `!If` among them spread into its alternatives.
pub fn items(v: &Value) -> Vec<&Value> {
    alternatives(v)
        .into_iter()
        .flat_map(|v| match v {
            Value::Sequence(seq) => seq.iter().flat_map(alternatives).collect(),
            one => vec![one],
        })
        .collect()
}

/// A scalar as its text, an intrinsic written out (`!GetAtt Queue.Arn`, `!Ref AlertTopic`,
/// `!Sub arn:${AWS::Partition}:…`, the template of a `!Sub` with variables), anything else as
/// compact JSON.
pub fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        _ => match intrinsic(v) {
            Some(("Sub", Value::Sequence(args))) if !args.is_empty() => {
                format!("!Sub {}", render(&args[0]))
            }
            Some(("GetAtt", Value::Sequence(args))) => {
                format!("!GetAtt {}", args.iter().map(render).collect::<Vec<_>>().join("."))
            }
            Some((name, arg @ (Value::String(_) | Value::Number(_) | Value::Bool(_)))) => {
                format!("!{name} {}", render(arg))
            }
            Some((name, arg)) => format!("!{name} {}", to_json(arg)),
            None => to_json(v).to_string(),
        },
    }
}

/// `v` as JSON: every intrinsic as its [`render`]ed text, every `!If` as the list of its
/// alternatives (spread into an enclosing list), `!Ref AWS::NoValue` dropped from lists and
/// mappings.
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(Json::from)
            .or_else(|| n.as_f64().map(Json::from))
            .unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.clone()),
        Value::Sequence(_) => Json::Array(items(v).into_iter().map(to_json).collect()),
        Value::Mapping(map) if intrinsic(v).is_none() => Json::Object(
            map.iter()
                .filter(|(_, value)| !is_no_value(value))
                .map(|(key, value)| (render(key), to_json(value)))
                .collect(),
        ),
        Value::Mapping(_) | Value::Tagged(_) => match intrinsic(v) {
            Some(("If", _)) => match alternatives(v).as_slice() {
                [one] => to_json(one),
                several => Json::Array(several.iter().map(|v| to_json(v)).collect()),
            },
            Some(_) => Json::String(render(v)),
            // A tag CloudFormation does not know: kept as text, for the checks to see.
            None => match v {
                Value::Tagged(tagged) => Json::String(format!("{} {}", tagged.tag, to_json(&tagged.value))),
                _ => Json::Null,
            },
        },
    }
}
