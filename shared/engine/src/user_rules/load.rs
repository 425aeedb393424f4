//! Loading rule files: each file's text becomes rules, or the first error with its file, line
//! and a hint. A file holds one rule (a mapping) or a list of them (a sequence).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use super::SourceFile;
use super::error::CompileError;
use super::rule::{UserRule, compile};
use super::schema::RuleDoc;
use crate::yaml_text::TooDeep;

/// Why rule files could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file: a path or URL ([`SourceFile::origin`]).
    pub origin: String,
    /// From 1, when known.
    pub line: Option<usize>,
    /// From 1, when known.
    pub column: Option<usize>,
    /// The id of the rule concerned, once it was read.
    pub rule: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for LoadError {
    /// `rules/x.yaml:12:5: rule acme.x: message (hint: …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(rule) = &self.rule {
            write!(f, "rule {rule}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    fn whole(file: &SourceFile, message: impl Into<String>) -> LoadError {
        LoadError {
            origin: file.origin.clone(),
            line: None,
            column: None,
            rule: None,
            message: message.into(),
            hint: None,
        }
    }

    /// A YAML or schema error, at the place the parser names.
    fn yaml(file: &SourceFile, error: &yaml_serde::Error) -> LoadError {
        let location = error.location();
        let text = error.to_string();
        // The message ends with " at line L column C" when it has a place; that is ours to say.
        let message = match &location {
            Some(_) => text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m),
            None => &text,
        };
        let hint = message
            .contains("unknown field")
            .then(|| "keys are case-sensitive; see docs/rules.md for the format".to_owned());
        LoadError {
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            hint,
            ..LoadError::whole(file, message)
        }
    }

    /// A rule that does not compile: placed on the line of the offending text (else the key)
    /// nearest after the rule's id.
    pub(crate) fn compile(file: &SourceFile, id: &str, error: CompileError) -> LoadError {
        let key = error
            .at
            .rsplit('.')
            .next()
            .map(|k| k.split('[').next().unwrap_or(k))
            .filter(|k| !k.is_empty())
            .map(|k| format!("{k}:"));
        let place = error
            .text
            .as_deref()
            .filter(|t| !t.is_empty())
            .or(key.as_deref())
            .and_then(|needle| locate(&file.text, id_line(&file.text, id), needle))
            .or_else(|| id_line(&file.text, id).map(|line| (line, None)));
        LoadError {
            line: place.map(|(line, _)| line + 1),
            column: place.and_then(|(_, column)| column).map(|c| c + 1),
            rule: Some(id.to_owned()),
            hint: error.hint.clone(),
            ..LoadError::whole(file, format!("{}: {}", error.at, error.message))
        }
    }
}

/// The line (from 0) of `id: <id>` in `text`.
fn id_line(text: &str, id: &str) -> Option<usize> {
    text.lines().position(|line| {
        let line = line.trim_start().trim_start_matches("- ").trim_start();
        line.strip_prefix("id:")
            .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == id)
    })
}

/// The line and column (from 0; the column in characters) of `needle`: its first occurrence at
/// or after line `from`, else before it.
fn locate(text: &str, from: Option<usize>, needle: &str) -> Option<(usize, Option<usize>)> {
    let from = from.unwrap_or(0);
    let found = |(i, line): (usize, &str)| line.find(needle).map(|at| (i, Some(line[..at].chars().count())));
    text.lines()
        .enumerate()
        .skip(from)
        .find_map(found)
        .or_else(|| text.lines().enumerate().take(from).find_map(found))
}

/// `file` without a byte order mark at the start of its text, as every reader of rule files
/// takes it (lines and columns then count from the text's first character).
pub(crate) fn without_bom(file: &SourceFile) -> Cow<'_, SourceFile> {
    match crate::yaml_text::without_bom(&file.text) {
        text if text.len() == file.text.len() => Cow::Borrowed(file),
        text => Cow::Owned(SourceFile {
            origin: file.origin.clone(),
            text: text.to_owned(),
        }),
    }
}

/// The rule documents of one file (without a byte order mark: [`without_bom`]), in order:
/// each YAML document of it (documents are separated by `---` lines) is one rule or a list of
/// rules. Nesting too deep to read fast ([`crate::yaml_text::check_nesting`]) is an error.
// A load error is made at most once per load: its size does not matter.
#[allow(clippy::result_large_err)]
pub(crate) fn documents(file: &SourceFile) -> Result<Vec<RuleDoc>, LoadError> {
    use serde::Deserialize;
    use yaml_serde::{Deserializer, Value};

    if let Err(deep) = crate::yaml_text::check_nesting(&file.text) {
        return Err(LoadError {
            line: Some(deep.line),
            column: Some(deep.column),
            hint: Some(TooDeep::HINT.into()),
            ..LoadError::whole(file, deep.message)
        });
    }
    // Most files are documents of one rule each: read once as such. Anything else (a list of
    // rules, an empty document, an error) is read again as below.
    let rules: Result<Vec<RuleDoc>, _> = Deserializer::from_str(&file.text).map(RuleDoc::deserialize).collect();
    if let Ok(docs) = rules
        && !docs.is_empty()
    {
        return Ok(docs);
    }
    let yaml = |e: yaml_serde::Error| LoadError::yaml(file, &e);
    // Read twice: once for each document's shape, then into rules, so that errors keep the
    // place the parser names.
    let shapes: Vec<Value> = Deserializer::from_str(&file.text)
        .map(Value::deserialize)
        .collect::<Result<_, _>>()
        .map_err(yaml)?;
    let mut docs = Vec::new();
    for (document, shape) in Deserializer::from_str(&file.text).zip(&shapes) {
        match shape {
            Value::Mapping(_) => docs.push(RuleDoc::deserialize(document).map_err(yaml)?),
            Value::Sequence(_) => docs.extend(Vec::<RuleDoc>::deserialize(document).map_err(yaml)?),
            _ => {}
        }
    }
    if docs.is_empty() {
        let mut error = LoadError::whole(file, "the file holds no rule");
        error.hint = Some(
            "a file holds one rule (a mapping with `id:`), a list of rules, or documents of them separated by `---`"
                .into(),
        );
        return Err(error);
    }
    Ok(docs)
}

/// Compiles every rule of `files`, in order.
///
/// # Errors
/// The first [`LoadError`]: a file that is not YAML, a key the format does not have, a value
/// of the wrong type (each with its line and column), a rule that does not compile (with its
/// id, and the line of what is wrong where it can be found), or an id defined twice (naming
/// both files). No rule is returned then: never half a catalog.
#[allow(clippy::result_large_err)] // made at most once per load
pub fn load(files: &[SourceFile]) -> Result<Vec<UserRule>, LoadError> {
    let mut rules = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for file in files {
        let file = &*without_bom(file);
        for doc in documents(file)? {
            let rule = compile(&doc).map_err(|e| LoadError::compile(file, &doc.id, e))?;
            if let Some(first) = seen.insert(doc.id.clone(), file.origin.clone()) {
                let line = id_line(&file.text, &doc.id);
                let mut error = LoadError::whole(file, format!("the id is defined twice: in {first} and here"));
                error.rule = Some(doc.id.clone());
                error.line = line.map(|l| l + 1);
                error.hint = Some("rule ids are unique across every file loaded".into());
                return Err(error);
            }
            rules.push(rule);
        }
    }
    Ok(rules)
}

/// The rule files at `path`: the file itself, or every `*.yaml` / `*.yml` file under the
/// folder (recursively; symbolic links to folders are not followed), sorted by path. Each
/// [`SourceFile::origin`] is the path as displayed.
///
/// # Errors
/// The first I/O error (a missing path, an unreadable file or folder, text not UTF-8); one of a
/// file found in the folder names that file.
pub fn read_dir(path: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut paths = Vec::new();
    if std::fs::metadata(path)?.is_dir() {
        collect(path, &mut paths)?;
        paths.sort();
    } else {
        paths.push(path.to_path_buf());
    }
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| match p == path {
                true => e,
                false => std::io::Error::new(e.kind(), format!("{}: {e}", p.display())),
            })?;
            Ok(SourceFile {
                text,
                origin: p.display().to_string(),
            })
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") && path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(origin: &str, text: &str) -> SourceFile {
        SourceFile {
            origin: origin.into(),
            text: text.into(),
        }
    }

    const RULE: &str = "id: acme.one\ntitle: One\nseverity: low\narea: access\ndescription: d\n\
        events:\n  - source: iam.amazonaws.com\n    names: [CreateUser]\n";

    #[test]
    fn one_rule_or_a_list() {
        let one = load(&[file("a.yaml", RULE)]).unwrap();
        assert_eq!(one.len(), 1);
        let list = format!(
            "- {}\n- {}",
            RULE.replace('\n', "\n  ").trim_end(),
            RULE.replace("acme.one", "acme.two").replace('\n', "\n  ").trim_end()
        );
        let two = load(&[file("b.yaml", &list)]).unwrap();
        let ids: Vec<&str> = two.iter().map(UserRule::id).collect();
        assert_eq!(ids, ["acme.one", "acme.two"]);
    }

    #[test]
    fn documents_separated_by_dashes() {
        let (two, three) = (
            RULE.replace("acme.one", "acme.two"),
            RULE.replace("acme.one", "acme.three"),
        );
        let text = format!("---\n{RULE}---\n- {}\n---\n", three.replace('\n', "\n  ").trim_end());
        let rules = load(&[file("a.yaml", &format!("{text}{two}"))]).unwrap();
        let ids: Vec<&str> = rules.iter().map(UserRule::id).collect();
        assert_eq!(ids, ["acme.one", "acme.three", "acme.two"]);
        // Errors are placed in the whole file.
        let bad = format!("{RULE}---\n{}", two.replace("severity: low", "severity: urgent"));
        let e = load(&[file("a.yaml", &bad)]).unwrap_err();
        assert_eq!(e.line, Some(RULE.lines().count() + 4), "{e}");
    }

    #[test]
    fn unknown_keys_have_their_line_and_column() {
        let text = format!("{RULE}condition:\n  field: eventName\n  equal: CreateUser\n");
        let e = load(&[file("rules/x.yaml", &text)]).unwrap_err();
        assert_eq!((e.line, e.column), (Some(11), Some(3)), "{e}");
        assert!(
            e.message
                .starts_with("condition: unknown field `equal`, expected one of"),
            "{e}"
        );
        assert!(!e.message.contains("at line"), "{e}");
        assert!(
            e.to_string()
                .starts_with("rules/x.yaml:11:3: condition: unknown field `equal`"),
            "{e}"
        );
        let text = RULE.replace("severity: low", "severity: urgent");
        let e = load(&[file("x.yaml", &text)]).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let e = load(&[file("x.yaml", "id: [unclosed")]).unwrap_err();
        assert!(e.line.is_some(), "{e}");
        for empty in ["", "# nothing\n", "[]", "7"] {
            let e = load(&[file("x.yaml", empty)]).unwrap_err();
            assert!(e.message.contains("holds no rule"), "{empty:?}: {e}");
        }
    }

    #[test]
    fn operands_of_the_wrong_type_are_said_in_words_at_their_line() {
        let cases = [
            (
                "contains: {a: 1}",
                11,
                "condition.contains: invalid type: map, expected a string (numbers and booleans are read as their text), or a list of them",
            ),
            (
                "contains: null",
                11,
                "condition.contains: invalid type: unit value, expected a string",
            ),
            (
                "regex: [a, [b]]",
                11,
                "condition.regex[1]: invalid type: sequence, expected a string, number or boolean",
            ),
            (
                "equals: [.nan]",
                11,
                "condition.equals[0]: invalid value: floating point `NaN`, expected a finite number",
            ),
            (
                "equals: {a: 1}",
                11,
                "condition.equals: invalid type: map, expected a string, number, boolean or null",
            ),
            (
                "gt: many",
                11,
                "condition.gt: invalid type: string \"many\", expected a number",
            ),
        ];
        for (operand, line, message) in cases {
            let text = format!("{RULE}condition:\n  field: requestParameters.userName\n  {operand}\n");
            let e = load(&[file("x.yaml", &text)]).unwrap_err();
            assert_eq!(e.line, Some(line), "{operand}: {e}");
            assert!(e.message.starts_with(message), "{operand}: {e}");
        }
        for shape in ["condition: [x]", "condition:\n  not: [x]", "condition:\n  all: [x]"] {
            let e = load(&[file("x.yaml", &format!("{RULE}{shape}\n"))]).unwrap_err();
            assert!(
                e.message.contains("expected a condition: a mapping of `field:`"),
                "{shape}: {e}"
            );
        }
        let e = load(&[file("x.yaml", "- just text\n")]).unwrap_err();
        assert!(e.message.contains("expected a rule: a mapping of id"), "{e}");
        let text = format!("{RULE}condition: {{field: requestParameters.userName, equals: null}}\n");
        assert_eq!(load(&[file("x.yaml", &text)]).unwrap().len(), 1);
    }

    #[test]
    fn compile_errors_name_the_rule_and_line() {
        let text = format!("{RULE}condition:\n  any:\n    - field: eventName\n      regex: '(oops'\n");
        let e = load(&[file("x.yaml", &text)]).unwrap_err();
        assert_eq!(e.rule.as_deref(), Some("acme.one"));
        assert_eq!((e.line, e.column), (Some(12), Some(15)), "{e}");
        assert!(
            e.message
                .starts_with("condition.any[0].regex: invalid regular expression"),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with("x.yaml:12:15: rule acme.one: condition.any[0].regex"),
            "{e}"
        );
        let text = format!("{RULE}dedupe:\n  per: everyone\n");
        let e = load(&[file("x.yaml", &text)]).unwrap_err();
        assert_eq!(e.line, Some(10), "{e}");
        let text = RULE.replace("acme.one", "bedrock.one");
        let e = load(&[file("x.yaml", &text)]).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert_eq!(e.hint.as_deref(), Some("use your own namespace, e.g. acme.one"));
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let rules = load(&[file("a.yaml", &format!("\u{feff}{RULE}"))]).unwrap();
        assert_eq!(rules[0].id(), "acme.one");
        // Places count from the text after it.
        let text = format!("\u{feff}{}", RULE.replace("acme.one", "bedrock.one"));
        let e = load(&[file("a.yaml", &text)]).unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
    }

    #[test]
    fn nesting_too_deep_is_refused_before_parsing() {
        let deep = format!("{RULE}condition: {}", "{not: ".repeat(100_000));
        let e = load(&[file("deep.yaml", &deep)]).unwrap_err();
        assert_eq!(e.line, Some(RULE.lines().count() + 1), "{e}");
        assert!(e.message.contains("more than 64 `[` / `{` open at once"), "{e}");
        let mut block = RULE.to_owned() + "condition:\n";
        for level in 1..2_000 {
            block += &format!("{}not:\n", " ".repeat(level));
        }
        let e = load(&[file("deep.yaml", &block)]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("deep.yaml:522:514: content starts at column 514"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_ids_name_both_files() {
        let e = load(&[file("a.yaml", RULE), file("b.yaml", RULE)]).unwrap_err();
        assert_eq!(e.origin, "b.yaml");
        assert_eq!(e.rule.as_deref(), Some("acme.one"));
        assert!(e.message.contains("in a.yaml and here"), "{e}");
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn reads_folders_recursively_and_sorted() {
        let dir = std::env::temp_dir().join(format!("aidr-rules-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for name in ["b.yaml", "a.yml", "sub/c.yaml", "notes.txt"] {
            std::fs::write(dir.join(name), RULE).unwrap();
        }
        let files = read_dir(&dir).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.origin.strip_prefix(&dir.display().to_string()).unwrap().to_owned())
            .collect();
        assert_eq!(names, ["/a.yml", "/b.yaml", "/sub/c.yaml"]);
        assert_eq!(files[0].text, RULE);
        let one = read_dir(&dir.join("notes.txt")).unwrap();
        assert_eq!(one.len(), 1, "a file named directly is read whatever its name");
        assert!(read_dir(&dir.join("missing")).is_err());
        std::fs::write(dir.join("sub/binary.yaml"), [0xff, 0xfe]).unwrap();
        let e = read_dir(&dir).unwrap_err().to_string();
        assert!(
            e.starts_with(&dir.join("sub/binary.yaml").display().to_string()),
            "the file in the folder is named: {e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
