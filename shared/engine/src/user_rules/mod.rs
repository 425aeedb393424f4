//! User rules: detections written as data (YAML), loaded at start, compiled once (paths
//! resolved, regular expressions compiled) and run as event rules in the same registry and
//! pipeline as the built-in catalog.
//!
//! - [`schema`]: the file format, as written;
//! - [`compile`]: a [`RuleDoc`] becomes a [`UserRule`], an [`crate::rules::EventRule`];
//!   [`validate`]: whether it would, without keeping anything;
//! - [`load`]: rule files (origin and text) become rules, or the first error with its file,
//!   line and a hint — never half a catalog;
//! - [`run_samples`]: a rule's own samples, run through the real pipeline;
//! - [`lint`]: every problem of rule files at once, errors and warnings, for `aidr rules lint`;
//!   [`known_fields`]: the fields known in records of each event, which it checks against.
//!
//! Compiling resolves field paths ([`field`]), conditions ([`condition`]) and the summary
//! template ([`template`]); a rule then joins the registry with
//! [`crate::registry::Registry::with_user_rules`], where its events may hold wildcards
//! ([`wildcard`]).

pub mod condition;
pub mod error;
pub mod field;
pub mod known_fields;
pub mod lint;
pub mod load;
pub mod needle;
mod operands;
pub mod rule;
pub mod samples;
pub mod schema;
pub mod template;
pub mod wildcard;

pub use error::CompileError;
pub use load::{LoadError, load, read_dir};
pub use rule::{UserRule, builtin_namespaces, compile, validate};
pub use samples::{SampleOutcome, run_samples};
pub use schema::{Adjustments, ConditionDoc, DedupeDoc, EventsDoc, OneOrMany, PolicyTest, RuleDoc, SamplesDoc};

/// One rule file's text and where it came from (a path, an `s3://` URL), named in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub origin: String,
    pub text: String,
}
