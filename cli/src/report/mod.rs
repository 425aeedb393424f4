//! One self-contained HTML page: findings (counts by severity, area and account, a timeline of
//! incidents, the list), attack paths drawn as SVG, the inventory and its gaps; filters by
//! severity and account, also read from the URL fragment (`#severity=high&account=…`).
//!
//! The page loads nothing: its Content-Security-Policy forbids every fetch and runs only its
//! own inline style and script (allowed by hash). The data is JSON in a
//! `<script type="application/json">` element with `<`, `>` and `&` escaped, so no value can
//! close the element; the script writes every value as text, never as markup.

mod command;
mod data;
mod inputs;

use base64::Engine;
use sha2::{Digest, Sha256};

pub use command::{ReportArgs, main};
pub use data::{Page, Row, paths_of};

const TEMPLATE: &str = include_str!("template.html");
const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

impl Page {
    /// The HTML page.
    pub fn render(&self) -> String {
        let csp = format!(
            "default-src 'none'; script-src '{}'; style-src '{}'; base-uri 'none'; form-action 'none'",
            hash(SCRIPT),
            hash(STYLE)
        );
        let data = for_script(&self.data().to_string());
        fill(
            TEMPLATE,
            &[
                ("csp", &csp),
                ("title", &escape_html(&self.title)),
                ("style", STYLE),
                ("script", SCRIPT),
                ("data", &data),
            ],
        )
    }
}

/// A CSP source allowing an inline element whose text is `text`.
fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// `template` with each `{{name}}` replaced by its value (values are not scanned again).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else { break };
        let name = &rest[start + 2..start + len];
        out.push_str(&rest[..start]);
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// JSON text made safe inside a `<script>` element: `<`, `>`, `&` and the line separators
/// escaped (outside strings JSON has none of them, inside they mean the same escaped).
fn for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for HTML element content and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_leave_its_script_element() {
        let hostile = r#"</script><script>alert(1)</script><!-- &amp; "#;
        let mut page = Page::new("t</title>");
        page.sources.push(hostile.into());
        let html = page.render();
        assert_eq!(html.matches("</script>").count(), 2, "the data's and the code's own");
        assert!(!html.contains("<!--"));
        assert!(html.contains("<title>t&lt;/title&gt;</title>"));
        let start = html.find(r#"<script type="application/json" id="aidr-data">"#).unwrap();
        let text = &html[start..];
        let text = &text[text.find('>').unwrap() + 1..text.find("</script>").unwrap()];
        let data: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(data["sources"][0], hostile, "the same text once parsed");
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_style_and_script() {
        let html = Page::new("t").render();
        let csp = html.split("Content-Security-Policy\" content=\"").nth(1).unwrap();
        let csp = &csp[..csp.find('"').unwrap()];
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        assert!(csp.contains(&format!("script-src '{}'", hash(SCRIPT))));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        for attribute in ["src=\"http", "href=\"http", "src='http", "href='http"] {
            assert!(!html.contains(attribute), "a remote {attribute}");
        }
    }

    #[test]
    fn fill_leaves_unknown_placeholders_and_values_alone() {
        assert_eq!(fill("a {{x}} b {{y}} {{", &[("x", "{{y}}")]), "a {{y}} b {{y}} {{");
    }
}
