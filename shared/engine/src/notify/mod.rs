//! Alert messages for a finding, one module a destination: [`slack`] (a Block Kit message),
//! [`pagerduty`] (an Events API v2 trigger), [`chat`] (an Amazon Q Developer in chat
//! applications custom notification). Each is a pure function from a finding to the JSON the
//! destination takes, kept within the destination's documented limits; sending is the
//! notifier's work. This module holds what they share: how a finding's credential, service and
//! CloudTrail link read.

pub mod chat;
pub mod pagerduty;
pub mod slack;

use crate::cloudtrail::Credential;
use crate::finding::Finding;

/// The console domain of the commercial partition: CloudTrail links read
/// `https://<region>.console.aws.amazon.com/…`.
pub const CONSOLE_DOMAIN: &str = "console.aws.amazon.com";

/// The kind of credential behind a finding's call, for people: `"long-term key"` (AKIA),
/// `"temporary credentials"` (ASIA), `"Bedrock API key"` (with `long-term` / `short-term` when
/// known) when the summary says the call was made with one (calls with a Bedrock API key carry
/// no access key id), else `"unknown"`; `None` for a finding about a resource.
pub fn credential_label(f: &Finding) -> Option<&'static str> {
    let principal = f.principal()?;
    // The phrases the Bedrock rules use for a call made with an API key (bearer token).
    const API_KEY: [(&str, &str); 4] = [
        ("with a long-term Bedrock API key", "Bedrock API key (long-term)"),
        ("with a short-term Bedrock API key", "Bedrock API key (short-term)"),
        ("with a Bedrock API key", "Bedrock API key"),
        ("used a Bedrock API key", "Bedrock API key"),
    ];
    if let Some((_, label)) = API_KEY.iter().find(|(phrase, _)| f.summary.contains(phrase)) {
        return Some(label);
    }
    Some(match principal.credential {
        Credential::LongTerm => "long-term key",
        Credential::Temporary => "temporary credentials",
        Credential::Unknown => "unknown",
    })
}

/// The AWS service a finding is about, in lower case: the event source without
/// `.amazonaws.com` (`bedrock`, `iam`), or the service of the resource's type
/// (`AWS::SageMaker::NotebookInstance` gives `sagemaker`).
pub fn service(f: &Finding) -> Option<String> {
    match (f.evidence(), f.resource()) {
        (Some(e), _) if !e.event_source.is_empty() => {
            Some(e.event_source.trim_end_matches(".amazonaws.com").to_ascii_lowercase())
        }
        (_, Some(r)) => r.resource_type.split("::").nth(1).map(str::to_ascii_lowercase),
        _ => None,
    }
}

/// The CloudTrail console's event history page of one event:
/// `https://<region>.<domain>/cloudtrail/home?region=<region>#/events/<event id>` (the page
/// the console opens for an event). The event id is percent-encoded.
pub fn cloudtrail_event_url(domain: &str, region: &str, event_id: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');
    let region_part = utf8_percent_encode(region, KEEP);
    let id = utf8_percent_encode(event_id, KEEP);
    format!("https://{region_part}.{domain}/cloudtrail/home?region={region_part}#/events/{id}")
}

/// The link to a finding's first CloudTrail event in the console of `domain`; `None` for a
/// finding about a resource or without an event id or region.
pub fn finding_event_url(f: &Finding, domain: &str) -> Option<String> {
    let id = f.event_ids().first()?;
    Some(cloudtrail_event_url(domain, f.region.as_deref()?, id))
}
