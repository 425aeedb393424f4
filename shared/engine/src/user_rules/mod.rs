//! User rules: detections written as data (YAML), loaded at start, compiled once (paths
//! resolved, regular expressions compiled) and run as event rules in the same registry and
//! pipeline as the built-in catalog.
//!
//! - [`schema`]: the file format, as written;
//! - [`compile`]: a [`RuleDoc`] becomes a [`UserRule`], an [`crate::rules::EventRule`];
//! - [`load`]: rule files (origin and text) become rules, or the first error with its file,
//!   line and a hint — never half a catalog.

pub mod schema;

pub use schema::{Adjustments, ConditionDoc, DedupeDoc, EventsDoc, OneOrMany, PolicyTest, RuleDoc, SamplesDoc};

/// One rule file's text and where it came from (a path, an `s3://` URL), named in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub origin: String,
    pub text: String,
}
pub mod known_fields;
