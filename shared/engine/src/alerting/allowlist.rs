//! Suppressions as data: a YAML allowlist of findings that are expected and must not alert,
//! each entry narrowed by rule, caller, account and resource, with a reason and an end date.
//!
//! ```yaml
//! suppressions:
//!   - rule: acme.sagemaker_*                      # rule id or pattern (required)
//!     principal: arn:aws:sts::111122223333:assumed-role/MLPlatform/*   # caller ARN pattern
//!     account: "111122223333"                     # the finding's account: one id or a list
//!     resource: arn:aws:sagemaker:*:*:endpoint/prod-*       # any of the finding's resources
//!     expires: 2027-03-31                         # required: last day it applies (UTC)
//!     reason: ML platform deploys endpoints       # required
//! ```
//!
//! Patterns take `*` (any run of characters) and `?` (one character) and match the whole
//! value, ignoring ASCII case (as [`wildcard_match`]). An entry matches a finding when every
//! key it gives matches. It applies up to and including its `expires` day, compared with the
//! wall-clock day (UTC) the finding is judged on, not the event's time: an allowlist says what
//! may go unalerted *now*, so a back-filled old event is judged by today's list and an entry
//! that ran out stops silencing at once, whatever the age of the events.
//!
//! Every mapping refuses unknown keys; errors name the file, line and column, with a hint.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use crate::aws_ids::is_account_id;
use crate::finding::Finding;
use crate::policy::wildcard_match;
use crate::registry::Registry;
use crate::time::{civil_from_days, days_from_civil};

/// The suppressions of one allowlist file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    origin: String,
    entries: Vec<Entry>,
}

/// One suppression: which findings (every key given must match), until when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A rule id, or a pattern over rule ids.
    pub rule: Pattern,
    /// A pattern over the caller's ARN; a finding without a caller ARN does not match.
    #[serde(default, deserialize_with = "principal")]
    pub principal: Option<Pattern>,
    /// Account ids (written as one id or a list); the finding's account must be one.
    #[serde(default, deserialize_with = "accounts")]
    pub account: Option<Vec<String>>,
    /// A pattern that at least one of the finding's resources (ARNs or names, as the finding
    /// lists them) must match.
    #[serde(default)]
    pub resource: Option<Pattern>,
    /// The last day (UTC) the entry applies.
    pub expires: Day,
    /// Why these findings are expected.
    #[serde(deserialize_with = "reason")]
    pub reason: String,
    /// The entry's number in its file, from 1 (for messages).
    #[serde(skip)]
    pub number: usize,
}

/// A pattern with `*` and `?` wildcards, matched against a whole value ignoring ASCII case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(String);

/// A calendar day (UTC), as days since 1970-01-01; written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

/// Why an allowlist could not be read: where (`origin`, and the 1-based line and column when
/// known), what, and a hint on how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}{}", at(*.line, *.column), hint.as_ref().map(|h| format!(" (hint: {h})")).unwrap_or_default())]
pub struct AllowlistError {
    pub origin: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

fn at(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// The file as written: one key, `suppressions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowlistDoc {
    suppressions: Vec<Entry>,
}

impl Allowlist {
    /// Reads an allowlist file's `text` (a byte order mark at its start is dropped); `origin`
    /// (a path, an `s3://` URL) is named in errors and reasons. A file without content (blank,
    /// or only comments) is an empty allowlist.
    ///
    /// # Errors
    /// The first error, with its line and column and a hint: nesting too deep to read
    /// ([`crate::yaml_text::check_nesting`]), YAML syntax, an unknown key, a
    /// missing `rule`, `expires` or `reason`, a date that is not `YYYY-MM-DD`, an empty or
    /// malformed pattern, an account that is not a 12-digit id.
    pub fn parse(text: &str, origin: &str) -> Result<Allowlist, AllowlistError> {
        let text = crate::yaml_text::without_bom(text);
        if let Err(deep) = crate::yaml_text::check_nesting(text) {
            return Err(AllowlistError {
                origin: origin.to_owned(),
                line: Some(deep.line),
                column: Some(deep.column),
                message: deep.message,
                hint: Some(crate::yaml_text::TooDeep::HINT.to_owned()),
            });
        }
        let blank = text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---");
        if blank {
            return Ok(Allowlist {
                origin: origin.to_owned(),
                entries: Vec::new(),
            });
        }
        let doc: AllowlistDoc = yaml_serde::from_str(text).map_err(|e| error(origin, &e))?;
        let mut entries = doc.suppressions;
        for (i, entry) in entries.iter_mut().enumerate() {
            entry.number = i + 1;
        }
        Ok(Allowlist {
            origin: origin.to_owned(),
            entries,
        })
    }

    /// Where the allowlist was read from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry that silences `f` on `today` (UTC), if any.
    pub fn matches(&self, f: &Finding, today: Day) -> Option<&Entry> {
        self.entries.iter().find(|e| e.matches(f, today))
    }

    /// The entries whose end date is before `today`: they silence nothing any more.
    pub fn expired(&self, today: Day) -> Vec<&Entry> {
        self.entries.iter().filter(|e| !e.applies_on(today)).collect()
    }

    /// The entries whose `rule` matches no detection of `registry` (a misspelt id, or rules
    /// not loaded): worth a warning at start, not an error.
    pub fn unknown_rules(&self, registry: &Registry) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| !registry.detections().iter().any(|d| e.rule.matches(d.metadata().id)))
            .collect()
    }
}

impl Entry {
    /// Whether the entry applies on `today` and every key it gives matches `f`.
    pub fn matches(&self, f: &Finding, today: Day) -> bool {
        let caller = || f.principal().and_then(|p| p.arn.as_deref());
        self.applies_on(today)
            && self.rule.matches(&f.rule_id)
            && self
                .principal
                .as_ref()
                .is_none_or(|p| caller().is_some_and(|arn| p.matches(arn)))
            && self
                .account
                .as_ref()
                .is_none_or(|ids| f.account.as_ref().is_some_and(|a| ids.contains(a)))
            && self
                .resource
                .as_ref()
                .is_none_or(|p| f.resources.iter().any(|r| p.matches(r)))
    }

    /// Whether `today` is on or before the entry's last day.
    pub fn applies_on(&self, today: Day) -> bool {
        today <= self.expires
    }

    /// Why a finding it matches does not alert: `allowlisted: <reason> (until <expires>)`.
    pub fn silence_reason(&self) -> String {
        format!("allowlisted: {} (until {})", self.reason, self.expires)
    }
}

impl fmt::Display for Entry {
    /// `entry 2 (rule acme.x_*, until 2027-03-31)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {} (rule {}, until {})", self.number, self.rule, self.expires)
    }
}

impl Pattern {
    /// A pattern of `text`.
    ///
    /// # Errors
    /// A message when `text` is empty or holds whitespace or control characters (which no
    /// rule id, ARN or resource name holds: such a pattern would never match).
    pub fn new(text: &str) -> Result<Pattern, String> {
        if text.is_empty() {
            return Err("a pattern is empty: it would match nothing (write * to match anything)".into());
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "pattern {text:?} holds whitespace or a control character: it would match nothing"
            ));
        }
        Ok(Pattern(text.to_owned()))
    }

    /// Whether `text` matches the whole pattern (ASCII case ignored).
    pub fn matches(&self, text: &str) -> bool {
        wildcard_match(&self.0, text)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, "a pattern", Pattern::new)
    }
}

impl Day {
    /// The day (UTC) of a Unix time in seconds.
    pub fn of_unix_secs(secs: i64) -> Day {
        Day(secs.div_euclid(86_400))
    }

    /// The day of a `YYYY-MM-DD` date.
    ///
    /// # Errors
    /// A message naming the text when it is no such date.
    pub fn parse(text: &str) -> Result<Day, String> {
        crate::trail::parse_day(text).map(Day)
    }

    /// The day of a year, month (1–12) and day of the month.
    pub fn from_ymd(y: i64, m: i64, d: i64) -> Day {
        Day(days_from_civil(y, m, d))
    }

    /// The next day.
    pub fn next(self) -> Day {
        Day(self.0 + 1)
    }
}

impl fmt::Display for Day {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, "a date (YYYY-MM-DD)", Day::parse)
    }
}

/// A string checked by `check`, whose error is reported at the string (its line and column).
fn checked<'de, D, T>(d: D, what: &'static str, check: fn(&str) -> Result<T, String>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct Checked<T>(&'static str, fn(&str) -> Result<T, String>);
    impl<T> Visitor<'_> for Checked<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.1)(v).map_err(E::custom)
        }
    }
    d.deserialize_str(Checked(what, check))
}

/// A caller pattern: a whole ARN, so it starts with `arn:` or a wildcard.
fn principal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Pattern>, D::Error> {
    let check = |text: &str| {
        let pattern = Pattern::new(text)?;
        match text.starts_with("arn:") || text.starts_with(['*', '?']) {
            true => Ok(pattern),
            false => Err(format!(
                "principal {text:?} is matched against the caller's whole ARN and would match nothing: \
                 write arn:aws:sts::*:assumed-role/NAME/* or \"*{text}*\""
            )),
        }
    };
    checked(d, "a pattern over caller ARNs", check).map(Some)
}

/// A non-empty reason, trimmed.
fn reason<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let check = |text: &str| match text.trim() {
        "" => Err("the reason is empty: say why these findings are expected".to_owned()),
        trimmed => Ok(trimmed.to_owned()),
    };
    checked(d, "a reason", check)
}

/// One account id or a list of them, each a 12-digit id.
fn accounts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    d.deserialize_any(Accounts).map(Some)
}

struct Accounts;

impl<'de> Visitor<'de> for Accounts {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a 12-digit account id or a list of them")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
        match is_account_id(v) {
            true => Ok(vec![v.to_owned()]),
            false => Err(E::custom(format!("{v:?} is not a 12-digit AWS account id"))),
        }
    }

    /// An unquoted id: YAML reads one with a leading zero as a string, so a 12-digit number
    /// is the id as written.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<String>, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<String>, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut ids = Vec::new();
        while let Some(mut one) = seq.next_element_seed(OneAccount)? {
            ids.append(&mut one);
        }
        match ids.is_empty() {
            true => Err(de::Error::custom("the account list is empty: it would match nothing")),
            false => Ok(ids),
        }
    }
}

/// One element of an account list: a single id, not a nested list.
struct OneAccount;

impl<'de> de::DeserializeSeed<'de> for OneAccount {
    type Value = Vec<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        struct Single;
        impl<'de> Visitor<'de> for Single {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 12-digit account id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
                Accounts.visit_str(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<String>, E> {
                Accounts.visit_u64(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<String>, E> {
                Accounts.visit_i64(v)
            }
        }
        d.deserialize_any(Single)
    }
}

/// The [`AllowlistError`] of a YAML error: its location, its message without the location
/// suffix, and a hint for the usual mistakes.
fn error(origin: &str, e: &yaml_serde::Error) -> AllowlistError {
    let location = e.location();
    let text = e.to_string();
    let message = match &location {
        Some(l) => {
            let suffix = format!(" at line {} column {}", l.line(), l.column());
            text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
        }
        None => text,
    };
    AllowlistError {
        origin: origin.to_owned(),
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        hint: hint(&message).map(str::to_owned),
        message,
    }
}

/// How to fix the usual mistakes, by the error's message.
fn hint(message: &str) -> Option<&'static str> {
    const HINTS: [(&str, &str); 9] = [
        (
            "while scanning an alias",
            "quote values that start with * (rule: \"*\"): YAML reads *name as an alias",
        ),
        (
            "missing field `expires`",
            "every entry needs an end, expires: YYYY-MM-DD (UTC), the last day it applies: an allowlist entry without an end is how real alerts get lost",
        ),
        (
            "missing field `reason`",
            "say why these findings are expected, for whoever wonders later why nothing alerted",
        ),
        (
            "missing field `rule`",
            "rule: a rule id (see `aidr rules`) or a pattern such as acme.sagemaker_*",
        ),
        (
            "missing field `suppressions`",
            "the file holds one key, suppressions: a list of entries",
        ),
        (
            "expected `suppressions`",
            "the file's only key is suppressions, a list of entries",
        ),
        ("not a date", "write the day as YYYY-MM-DD, such as 2027-03-31"),
        (
            "12-digit AWS account id",
            "account: \"111122223333\", or a list: account: [\"111122223333\", \"444455556666\"]",
        ),
        (
            "invalid type",
            "suppressions is a list of mappings (- rule: …), and every value a string (quote it when unsure)",
        ),
    ];
    HINTS
        .iter()
        .find(|(key, _)| message.contains(key))
        .map(|(_, hint)| *hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_print_and_parse_alike() {
        let day = Day::parse("2027-03-31").unwrap();
        assert_eq!(day, Day::from_ymd(2027, 3, 31));
        assert_eq!(day.to_string(), "2027-03-31");
        assert_eq!(day.next().to_string(), "2027-04-01");
        assert_eq!(Day::of_unix_secs(86_400 * 2 - 1), Day(1));
        assert!(Day::parse("2027-02-30").is_err());
    }

    #[test]
    fn patterns_refuse_what_never_matches() {
        assert!(Pattern::new("").is_err());
        assert!(Pattern::new("acme. x").is_err());
        assert!(Pattern::new("acme.*").unwrap().matches("ACME.sagemaker_endpoint"));
    }
}
