//! A finding as a Slack message in Block Kit: a header with severity and title, the summary,
//! the facts (account, region, principal, credential, resource, time, rule, techniques), the
//! remediation, the event ids and dedupe key, and a button that opens the event in the
//! CloudTrail console. The JSON is the body of `chat.postMessage` or of an incoming webhook
//! (add `channel` or `thread_ts` for the former).
//!
//! The message keeps within the limits of Slack's Block Kit reference (at most 50 blocks; a
//! header's text at most 150 characters, a section's 3,000, a field's 2,000 and at most 10
//! fields; at most 10 context elements; a button's text at most 75, its URL 3,000), and within
//! aidr's own tighter ones: the notification text at most [`FALLBACK_MAX`], and all the text
//! together at most [`TOTAL_MAX`] (Slack has been seen to refuse messages of about 13,200
//! characters with `msg_blocks_too_long`, slackapi/bolt-js#2509). [`validate`] checks them all.
//! Text from records is escaped for mrkdwn (`&`, `<`, `>`, per Slack's "Formatting text"
//! reference), so that it cannot mention users or forge links.

use serde_json::{Value, json};

use super::{CONSOLE_DOMAIN, credential_label, finding_event_url};
use crate::finding::Finding;
use crate::severity::Severity;
use crate::text::{self, ELLIPSIS, one_line, truncate};

/// Blocks in a message (Slack).
pub const MAX_BLOCKS: usize = 50;
/// A header block's text (Slack).
pub const HEADER_MAX: usize = 150;
/// A section block's text (Slack).
pub const SECTION_MAX: usize = 3000;
/// One field of a section (Slack).
pub const FIELD_MAX: usize = 2000;
/// Fields in a section (Slack).
pub const MAX_FIELDS: usize = 10;
/// Elements in a context block (Slack).
pub const MAX_CONTEXT_ELEMENTS: usize = 10;
/// A text object, such as a context element's (Slack).
pub const TEXT_MAX: usize = 3000;
/// A button's text (Slack).
pub const BUTTON_TEXT_MAX: usize = 75;
/// A button's URL (Slack).
pub const URL_MAX: usize = 3000;
/// A `block_id` or `action_id` (Slack).
pub const ID_MAX: usize = 255;
/// Elements in an actions block (Slack).
pub const MAX_ACTIONS: usize = 25;
/// The message's `text`, shown in notifications (aidr's limit).
pub const FALLBACK_MAX: usize = 300;
/// All text of a message together (aidr's limit, below what Slack was seen to refuse).
pub const TOTAL_MAX: usize = 12_000;

/// A field's value as aidr writes it: well under [`FIELD_MAX`], to keep within [`TOTAL_MAX`].
const FIELD_VALUE_MAX: usize = 300;
/// The summary section as aidr writes it.
const SUMMARY_MAX: usize = 2000;
/// The remediation section as aidr writes it.
const REMEDIATION_MAX: usize = 2500;
/// The note and repeat sections as aidr writes them.
const NOTE_MAX: usize = 1000;
/// Each context element as aidr writes it.
const CONTEXT_MAX: usize = 600;
/// Event ids listed in the context line.
const IDS_SHOWN: usize = 5;

/// What a message is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kind {
    /// A new alert.
    #[default]
    Alert,
    /// A repeat of an alert already sent (see [`Repeat`]).
    Update,
    /// What was done in response to an alert (see [`Context::note`]).
    Response,
}

/// A repeat of the same alert: how often it was seen and its latest CloudTrail event ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repeat {
    /// Occurrences so far, the first included.
    pub count: u64,
    /// The latest event ids, newest first (the message shows the first five).
    pub latest_event_ids: Vec<String>,
}

/// The extras of a message beyond the finding. [`Context::default`] is an alert with links to
/// the commercial partition's console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub kind: Kind,
    /// The account's alias, shown beside its id.
    pub account_alias: Option<String>,
    /// The console domain CloudTrail links go to ([`CONSOLE_DOMAIN`]); `None` for no button.
    pub console_domain: Option<String>,
    /// For an update: the repeat count and latest event ids.
    pub repeat: Option<Repeat>,
    /// A line of the sender's, shown under the summary (for a response: what was done).
    /// Written as mrkdwn, not escaped.
    pub note: Option<String>,
}

impl Default for Context {
    fn default() -> Context {
        Context {
            kind: Kind::Alert,
            account_alias: None,
            console_domain: Some(CONSOLE_DOMAIN.to_owned()),
            repeat: None,
            note: None,
        }
    }
}

/// A Slack limit a message breaks (see [`validate`]); `path` is a JSON pointer to the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("{path} is {len} characters long, over the limit of {max}")]
    TooLong { path: String, len: usize, max: usize },
    #[error("{path} has {count} items, over the limit of {max}")]
    TooMany { path: String, count: usize, max: usize },
    #[error("{path} is missing or empty")]
    Missing { path: String },
    #[error("{path} is a block or element of type {kind:?}, which is not checked")]
    Unchecked { path: String, kind: String },
    #[error("the message's text adds up to {len} characters, over the limit of {max}")]
    TotalTooLong { len: usize, max: usize },
}

/// The Block Kit message of a finding: `{"text": …, "blocks": […]}`, within every limit
/// [`validate`] checks, whatever the size of the finding.
pub fn message(f: &Finding, ctx: &Context) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": header(f, ctx.kind), "emoji": true },
    })];
    blocks.push(section(mrkdwn(&f.summary, SUMMARY_MAX)));
    if let Some(note) = ctx.note.as_deref().filter(|n| !n.trim().is_empty()) {
        blocks.push(section(truncate(note, NOTE_MAX).into_owned()));
    }
    if let Some(repeat) = &ctx.repeat {
        blocks.push(section(repeat_text(repeat)));
    }
    let fields: Vec<Value> = facts(f, ctx)
        .into_iter()
        .take(MAX_FIELDS)
        .map(|(label, value)| text_object(format!("*{label}*\n{value}")))
        .collect();
    blocks.push(json!({ "type": "section", "fields": fields }));
    if !f.remediation.trim().is_empty() {
        let remediation = mrkdwn(&f.remediation, REMEDIATION_MAX);
        blocks.push(section(format!("*Remediation*\n{remediation}")));
    }
    blocks.push(json!({ "type": "context", "elements": context_elements(f) }));
    let url = ctx
        .console_domain
        .as_deref()
        .and_then(|domain| finding_event_url(f, domain))
        .filter(|url| text::len(url) <= URL_MAX);
    if let Some(url) = url {
        blocks.push(json!({
            "type": "actions",
            "elements": [{
                "type": "button",
                "action_id": "open_cloudtrail_event",
                "text": { "type": "plain_text", "text": "Open in CloudTrail" },
                "url": url,
            }],
        }));
    }
    json!({ "text": fallback(f, ctx.kind), "blocks": blocks })
}

/// Checks a message against the limits in the module documentation: the blocks aidr writes
/// (header, section, context, actions with buttons, divider) and the `text`.
///
/// # Errors
/// The first limit broken, a required text missing, or a block or element of a type not
/// checked here.
pub fn validate(message: &Value) -> Result<(), LimitError> {
    let mut total = 0;
    let fallback = message.get("text").and_then(Value::as_str).unwrap_or("");
    check_text("/text", fallback, FALLBACK_MAX, &mut total)?;
    let blocks = message
        .get("blocks")
        .and_then(Value::as_array)
        .ok_or(missing("/blocks"))?;
    check_count("/blocks", blocks.len(), MAX_BLOCKS)?;
    for (i, block) in blocks.iter().enumerate() {
        let path = format!("/blocks/{i}");
        if let Some(id) = block.get("block_id").and_then(Value::as_str) {
            check_len(&format!("{path}/block_id"), id, ID_MAX)?;
        }
        match block.get("type").and_then(Value::as_str).unwrap_or("") {
            "header" => check_text(&format!("{path}/text/text"), text_of(block), HEADER_MAX, &mut total)?,
            "section" => check_section(block, &path, &mut total)?,
            "context" => {
                let elements = array(block, "elements", &path)?;
                check_count(&format!("{path}/elements"), elements.len(), MAX_CONTEXT_ELEMENTS)?;
                for (j, element) in elements.iter().enumerate() {
                    let at = format!("{path}/elements/{j}");
                    match element.get("type").and_then(Value::as_str).unwrap_or("") {
                        "mrkdwn" | "plain_text" => {
                            check_text(&format!("{at}/text"), str_at(element, "text"), TEXT_MAX, &mut total)?
                        }
                        other => return Err(unchecked(&at, other)),
                    }
                }
            }
            "actions" => {
                let elements = array(block, "elements", &path)?;
                check_count(&format!("{path}/elements"), elements.len(), MAX_ACTIONS)?;
                for (j, element) in elements.iter().enumerate() {
                    let at = format!("{path}/elements/{j}");
                    match element.get("type").and_then(Value::as_str).unwrap_or("") {
                        "button" => {
                            check_text(
                                &format!("{at}/text/text"),
                                text_of(element),
                                BUTTON_TEXT_MAX,
                                &mut total,
                            )?;
                            if let Some(url) = element.get("url").and_then(Value::as_str) {
                                check_len(&format!("{at}/url"), url, URL_MAX)?;
                            }
                            if let Some(id) = element.get("action_id").and_then(Value::as_str) {
                                check_len(&format!("{at}/action_id"), id, ID_MAX)?;
                            }
                        }
                        other => return Err(unchecked(&at, other)),
                    }
                }
            }
            "divider" => {}
            other => return Err(unchecked(&path, other)),
        }
    }
    if total > TOTAL_MAX {
        return Err(LimitError::TotalTooLong {
            len: total,
            max: TOTAL_MAX,
        });
    }
    Ok(())
}

/// `text` escaped for mrkdwn (`&amp;`, `&lt;`, `&gt;`) and cut to `max` characters after
/// escaping, never inside an escape.
pub fn mrkdwn(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let piece = match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            c => c.to_string(),
        };
        let width = text::len(&piece);
        let room = if chars.peek().is_some() {
            max.saturating_sub(1)
        } else {
            max
        };
        if used + width > room {
            if max > 0 {
                out.push(ELLIPSIS);
            }
            break;
        }
        used += width;
        out.push_str(&piece);
    }
    out
}

/// `text` for an inline code span: escaped, without backticks (which would end the span).
fn code(text: &str, max: usize) -> String {
    format!("`{}`", mrkdwn(&text.replace('`', "'"), max.saturating_sub(2)))
}

fn header(f: &Finding, kind: Kind) -> String {
    let prefix = match kind {
        Kind::Alert => "",
        Kind::Update => "Update: ",
        Kind::Response => "Response: ",
    };
    let severity = f.severity.as_str().to_ascii_uppercase();
    let text = format!("{} {severity} {prefix}{}", emoji(f.severity), one_line(&f.title));
    truncate(&text, HEADER_MAX).into_owned()
}

/// The emoji code of a severity (Slack's standard emoji).
fn emoji(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => ":red_circle:",
        Severity::High => ":large_orange_circle:",
        Severity::Medium => ":large_yellow_circle:",
        Severity::Low => ":large_blue_circle:",
        Severity::Info => ":white_circle:",
    }
}

/// The notification text: severity, title and summary on one line.
fn fallback(f: &Finding, kind: Kind) -> String {
    let lead = match kind {
        Kind::Alert => "",
        Kind::Update => "update: ",
        Kind::Response => "response: ",
    };
    let line = format!(
        "[{}] {lead}{}: {}",
        f.severity.as_str().to_ascii_uppercase(),
        one_line(&f.title),
        one_line(&f.summary)
    );
    mrkdwn(&line, FALLBACK_MAX)
}

/// A `mrkdwn` text object taken as written (`verbatim`): Slack then neither turns bare URLs
/// into links nor parses `@here`-style mentions in text that came from a CloudTrail record
/// (Block Kit reference, text object `verbatim`).
fn text_object(text: impl Into<String>) -> Value {
    json!({ "type": "mrkdwn", "text": text.into(), "verbatim": true })
}

fn section(text: String) -> Value {
    json!({ "type": "section", "text": text_object(text) })
}

fn repeat_text(repeat: &Repeat) -> String {
    let ids = id_list(&repeat.latest_event_ids);
    let text = match ids {
        Some(ids) => format!("Seen {} times; latest events: {ids}", repeat.count),
        None => format!("Seen {} times", repeat.count),
    };
    truncate(&text, NOTE_MAX).into_owned()
}

/// Up to [`IDS_SHOWN`] ids as code spans, then how many more.
fn id_list(ids: &[String]) -> Option<String> {
    if ids.is_empty() {
        return None;
    }
    let shown: Vec<String> = ids.iter().take(IDS_SHOWN).map(|id| code(id, 80)).collect();
    let more = ids.len().saturating_sub(IDS_SHOWN);
    Some(match more {
        0 => shown.join(", "),
        n => format!("{} (+{n} more)", shown.join(", ")),
    })
}

/// The facts shown as fields, at most [`MAX_FIELDS`], values escaped and cut.
fn facts(f: &Finding, ctx: &Context) -> Vec<(&'static str, String)> {
    let value = |text: &str| mrkdwn(text, FIELD_VALUE_MAX);
    let mut account = value(f.account.as_deref().unwrap_or("unknown"));
    if let Some(alias) = ctx.account_alias.as_deref().filter(|a| !a.is_empty()) {
        account = format!("{account} ({})", value(alias));
    }
    let mut facts = vec![
        ("Account", truncate(&account, FIELD_VALUE_MAX).into_owned()),
        ("Region", value(f.region.as_deref().unwrap_or("unknown"))),
    ];
    if let Some(e) = f.evidence() {
        let who = e.principal.arn.as_deref().unwrap_or(&e.principal.name);
        facts.push(("Principal", value(who)));
        facts.push(("Credential", credential_label(f).unwrap_or("unknown").to_owned()));
        let mut call = format!("{}:{}", e.event_source.trim_end_matches(".amazonaws.com"), e.event_name);
        if let Some(code) = &e.error_code {
            call.push_str(&format!(" (failed: {code})"));
        }
        facts.push(("API call", value(&call)));
    }
    if let Some(r) = f.resource() {
        facts.push(("Resource type", value(&r.resource_type)));
    }
    let resource = match f.resources.as_slice() {
        [] => "-".to_owned(),
        [one] => value(one),
        [first, rest @ ..] => {
            truncate(&format!("{} (+{} more)", value(first), rest.len()), FIELD_VALUE_MAX).into_owned()
        }
    };
    facts.push(("Resource", resource));
    let when = if f.evidence().is_some() {
        "Event time"
    } else {
        "Observed"
    };
    facts.push((when, value(f.time().unwrap_or("unknown"))));
    facts.push(("Rule", code(&f.rule_id, FIELD_VALUE_MAX)));
    let techniques = if f.techniques.is_empty() {
        "-".to_owned()
    } else {
        value(&f.techniques.join(", "))
    };
    facts.push(("Techniques", techniques));
    facts
}

fn context_elements(f: &Finding) -> Vec<Value> {
    let mut elements = Vec::new();
    if let Some(ids) = id_list(f.event_ids()) {
        let text = truncate(&format!("Events: {ids}"), CONTEXT_MAX).into_owned();
        elements.push(text_object(text));
    }
    let key = format!("Dedupe key: {}", code(&f.dedupe_key, CONTEXT_MAX - 12));
    elements.push(text_object(key));
    elements
}

fn missing(path: &str) -> LimitError {
    LimitError::Missing { path: path.to_owned() }
}

fn unchecked(path: &str, kind: &str) -> LimitError {
    LimitError::Unchecked {
        path: path.to_owned(),
        kind: kind.to_owned(),
    }
}

fn str_at<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn text_of(v: &Value) -> &str {
    v.get("text").map_or("", |t| str_at(t, "text"))
}

fn array<'v>(block: &'v Value, key: &str, path: &str) -> Result<&'v Vec<Value>, LimitError> {
    block
        .get(key)
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| missing(&format!("{path}/{key}")))
}

fn check_section(block: &Value, path: &str, total: &mut usize) -> Result<(), LimitError> {
    let text = block.get("text");
    let fields = block.get("fields").and_then(Value::as_array);
    if text.is_none() && fields.is_none_or(Vec::is_empty) {
        return Err(missing(&format!("{path}/text")));
    }
    if text.is_some() {
        check_text(&format!("{path}/text/text"), text_of(block), SECTION_MAX, total)?;
    }
    if let Some(fields) = fields {
        check_count(&format!("{path}/fields"), fields.len(), MAX_FIELDS)?;
        for (j, field) in fields.iter().enumerate() {
            check_text(
                &format!("{path}/fields/{j}/text"),
                str_at(field, "text"),
                FIELD_MAX,
                total,
            )?;
        }
    }
    Ok(())
}

/// A required, non-blank text within `max`, added to the total.
fn check_text(path: &str, text: &str, max: usize, total: &mut usize) -> Result<(), LimitError> {
    if text.trim().is_empty() {
        return Err(missing(path));
    }
    check_len(path, text, max)?;
    *total += text::len(text);
    Ok(())
}

fn check_len(path: &str, text: &str, max: usize) -> Result<(), LimitError> {
    let len = text::len(text);
    if len > max {
        return Err(LimitError::TooLong {
            path: path.to_owned(),
            len,
            max,
        });
    }
    Ok(())
}

fn check_count(path: &str, count: usize, max: usize) -> Result<(), LimitError> {
    if count > max {
        return Err(LimitError::TooMany {
            path: path.to_owned(),
            count,
            max,
        });
    }
    Ok(())
}
