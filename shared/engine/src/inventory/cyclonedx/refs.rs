//! References between entries: S3 data, and models and resources named by ARN or id, which
//! get an entry of their own when the inventory has none.

use serde_json::json;

use super::Bom;
use super::entry::{partition, property};
use crate::resource::ResourceSnapshot;

/// What an IRI reference (RFC 3987) holds only percent-encoded, among ASCII: controls, space,
/// `"`, `%` (a key's own, not an escape), `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}` (letters
/// beyond ASCII are escaped too, as a URI writes them).
const NOT_IN_IRI: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Geographic prefixes of system-defined (cross-region) inference profile ids.
const PROFILE_PREFIXES: &[&str] = &["us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca."];

impl Bom<'_> {
    /// A data component for an S3 location (a URI or a bucket ARN), once.
    pub(super) fn data(&mut self, location: &str, what: String) {
        let url = match location.strip_prefix("arn:") {
            Some(_) => format!("s3://{}", location.rsplit(':').next().unwrap_or(location)),
            None => location.to_owned(),
        };
        // S3 keys may hold spaces, `%` and other characters an IRI does not allow as they are.
        let url = percent_encoding::utf8_percent_encode(&url, NOT_IN_IRI).to_string();
        let c = json!({
            "type": "data",
            "bom-ref": location,
            "name": location,
            "data": [{ "type": "dataset", "name": location, "description": what, "contents": { "url": url } }],
        });
        self.push(c, false);
    }

    /// The `bom-ref` of a model `r` names (an ARN or a model id), adding an entry for it when
    /// the inventory has none.
    pub(super) fn model_ref(&mut self, r: &ResourceSnapshot, reference: &str) -> String {
        let arn = if reference.starts_with("arn:") {
            reference.to_owned()
        } else {
            let (p, region, account) = (partition(&r.arn), &r.region, &r.account);
            if PROFILE_PREFIXES.iter().any(|prefix| reference.starts_with(prefix)) {
                format!("arn:{p}:bedrock:{region}:{account}:inference-profile/{reference}")
            } else {
                format!("arn:{p}:bedrock:{region}::foundation-model/{reference}")
            }
        };
        if self.inv.by_arn(&arn).is_none() {
            let name = arn.split_once('/').map_or(arn.as_str(), |(_, n)| n);
            let kind = if arn.contains(":foundation-model/") {
                "Amazon Bedrock foundation model"
            } else {
                "Amazon Bedrock model"
            };
            let c = json!({
                "type": "machine-learning-model",
                "bom-ref": arn,
                "name": name,
                "description": format!("{kind}, referenced by {}", r.display_name()),
                "properties": [property("aidr:collected", "false")],
            });
            self.push(c, false);
        }
        arn
    }

    /// The `bom-ref` of a resource `r` names by id or ARN (`kind` is the ARN's resource
    /// part), adding a service for it when the inventory has none.
    pub(super) fn resource_ref(&mut self, r: &ResourceSnapshot, resource_type: &str, id: &str, kind: &str) -> String {
        if let Some(found) = self.inv.by_arn(id).or_else(|| self.sibling(r, resource_type, id)) {
            return found.arn.clone();
        }
        let arn = match id.starts_with("arn:") {
            true => id.to_owned(),
            false => format!(
                "arn:{}:bedrock:{}:{}:{kind}/{id}",
                partition(&r.arn),
                r.region,
                r.account
            ),
        };
        let s = json!({
            "bom-ref": arn,
            "name": id,
            "description": format!("{resource_type}, referenced by {}", r.display_name()),
            "properties": [property("aidr:collected", "false"), property("aidr:resource-type", resource_type)],
        });
        self.push(s, true);
        arn
    }
}
