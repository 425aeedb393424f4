//! A Bedrock guardrail was updated to filter less, or the account-level enforced guardrail
//! was removed.

use serde_json::Value;

use crate::cloudtrail::record::s;
use crate::enrich::{LookupRequest, diff, guardrail_id, seen_guardrail_key};
use crate::rules::prelude::*;
use crate::rules::support::{Previous, Reasons, flag};

pub const RULE: BuiltinRule = BuiltinRule {
    metadata: Metadata {
        id: "bedrock.guardrail_weakened",
        title: "Bedrock guardrail weakened",
        severity: Severity::High,
        area: Area::Application,
        techniques: &["T1562.001", "AML.T0054"],
        description: "An UpdateGuardrail request left the guardrail filtering less, judged from \
            the request (UpdateGuardrail replaces the whole configuration, so the request is the \
            new state) and only on what the record shows: CloudTrail hides parts of guardrail \
            requests (HIDDEN_DUE_TO_SECURITY_REASONS placeholders) and may leave the content \
            filters, or the whole request when it is too large, out. An update whose content \
            filters are not in the record is reported low as \
            a change that could not be judged, naming GetGuardrail to fetch the new \
            configuration; it is never called weakened. High: the content filters emptied \
            (filtersConfig given as an empty list), a content filter at strength NONE, or a filter switched off \
            (inputEnabled/outputEnabled false) or set to detect only (action NONE). Medium: a \
            filter at strength LOW, one of the standard categories (SEXUAL, VIOLENCE, HATE, \
            INSULTS, MISCONDUCT, PROMPT_ATTACK) missing, or a contextual-grounding filter with a \
            threshold below 0.5, disabled or detect only. The output side of PROMPT_ATTACK is \
            ignored: the API requires it to be NONE. Deleting the account-level enforced \
            guardrail configuration (DeleteEnforcedGuardrailConfiguration) is also high: every \
            model call of the account stops passing through the mandatory guardrail. The finding \
            lists each weakening found. In the detector an update whose content filters the \
            record does not show is judged on the configuration read from Bedrock \
            (GetGuardrail; the finding says so, or why the read failed), and every update is \
            compared with the configuration seen put before it (kept when seen): a strength \
            lowered (\"PROMPT_ATTACK input strength HIGH -> NONE\": high to NONE, medium to LOW, \
            else low), a filter, check or whole policy removed, switched off or set to detect \
            only, fewer denied topics or PII filters are listed as changes since the previous \
            configuration.",
        remediation: "Compare the update with the guardrail's infrastructure code and restore \
            the missing filters and strengths (MEDIUM or HIGH for every category, grounding \
            thresholds of 0.5 or more), then publish a new guardrail version. Restore the \
            enforced guardrail configuration if it was removed. If the change was not planned, \
            review the caller's credentials and recent model invocations through the guardrail.",
        controls: &[],
        events: &[
            ("bedrock.amazonaws.com", "UpdateGuardrail"),
            ("bedrock.amazonaws.com", "DeleteEnforcedGuardrailConfiguration"),
        ],
        resource_types: &[],
        failed_calls: false,
        alert: AlertScope {
            per: DedupeScope::PrincipalResource,
            window_secs: HOUR,
        },
        samples: Samples {
            must_fire: &[
                "events/bedrock/UpdateGuardrail-content-filters-emptied.json",
                "events/bedrock/UpdateGuardrail-filters-not-shown.json",
                "events/bedrock/UpdateGuardrail-omitted.json",
                "events/bedrock/UpdateGuardrail-low-strength.json",
                "events/bedrock/UpdateGuardrail-filter-disabled.json",
                "events/bedrock/UpdateGuardrail-grounding-threshold.json",
                "events/bedrock/DeleteEnforcedGuardrailConfiguration.json",
            ],
            must_not_fire: &["events/bedrock/UpdateGuardrail.json"],
        },
    },
    check,
};

/// The content-filter categories every guardrail is expected to keep.
const CATEGORIES: &[&str] = &["SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT", "PROMPT_ATTACK"];

fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn filters<'v>(request: &'v Value, policy: &str) -> Option<&'v Vec<Value>> {
    request.get(policy)?.get("filtersConfig")?.as_array()
}

fn check(ev: &Event, _: &Organization) -> Option<Hit> {
    if ev.name() == "DeleteEnforcedGuardrailConfiguration" {
        let config = ev.req_str("configId");
        let action = format!(
            "deleted the account-level enforced guardrail configuration {}",
            config.unwrap_or("(unknown)")
        );
        return Some(Hit::new(Severity::High, action).resource(config));
    }
    let id = ev
        .req_str("guardrailIdentifier")
        .or_else(|| ev.resp_str("guardrailArn"))
        .or_else(|| ev.resp_str("guardrailId"));
    let place = match (ev.account(), s(&ev.record.aws_region), id) {
        (Some(account), Some(region), Some(id)) => Some((account, region, guardrail_id(id))),
        _ => None,
    };
    let key = place.map(|(account, region, id)| seen_guardrail_key(account, region, id));
    // Asked first: a lookup asked only once another is answered would not be made.
    if let Some(key) = &key {
        ev.look_up(LookupRequest::kept(key.clone()));
    }
    let mut reasons = Reasons::default();
    // The request left out (omitted for size, null) or its content filters not shown: read
    // the configuration from Bedrock where lookups are made; else (or when that fails) a
    // change that could not be judged, not evidence of a weakening.
    let shown = ev.request().filter(|r| filters(r, "contentPolicyConfig").is_some());
    let (config, note) = match shown {
        Some(request) => (request, ""),
        None => {
            let hidden = if ev.request().is_none() {
                "the request is not in the record"
            } else {
                "its content filters are not in the record"
            };
            let live = place.and_then(|(account, region, id)| {
                ev.look_up(LookupRequest::Guardrail {
                    account: account.to_owned(),
                    region: region.to_owned(),
                    id: id.to_owned(),
                })
            });
            match live {
                Some(answer) => match answer.doc().filter(|d| filters(d, "contentPolicyConfig").is_some()) {
                    Some(config) => (
                        config,
                        " (configuration read from Bedrock: the record does not show it)",
                    ),
                    None => {
                        let why = answer
                            .failure()
                            .unwrap_or_else(|| "the guardrail was not found or shows no content filters".into());
                        return Some(unjudged(
                            id,
                            &format!("{hidden}, and reading it from Bedrock failed ({why})"),
                        ));
                    }
                },
                None => return Some(unjudged(id, hidden)),
            }
        }
    };
    judge_config(config, &mut reasons);
    let mut previous = Previous::compare(ev, key.map(LookupRequest::kept), config, diff::guardrail);
    previous.add_to(&mut reasons);
    reasons
        .hit(&format!("weakened guardrail {}", id.unwrap_or("(unknown)")))
        .map(|mut hit| {
            hit.action.push_str(note);
            previous.noted(hit).resource(id)
        })
}

/// The weakenings of a guardrail configuration whose content filters are shown.
fn judge_config(config: &Value, reasons: &mut Reasons) {
    match filters(config, "contentPolicyConfig") {
        Some(content) if content.is_empty() => reasons.add(Severity::High, "content filters emptied"),
        None => {}
        Some(content) => {
            for filter in content {
                content_filter(filter, reasons);
            }
            let missing: Vec<&str> = CATEGORIES
                .iter()
                .filter(|c| !content.iter().any(|f| text(f, "type") == Some(**c)))
                .copied()
                .collect();
            if !missing.is_empty() {
                reasons.add(Severity::Medium, format!("no filter for {}", missing.join(", ")));
            }
        }
    }
    for filter in filters(config, "contextualGroundingPolicyConfig").into_iter().flatten() {
        let kind = text(filter, "type").unwrap_or("?");
        match filter.get("threshold").and_then(Value::as_f64) {
            Some(t) if t < 0.5 => reasons.add(Severity::Medium, format!("{kind} check threshold {t} below 0.5")),
            _ => {}
        }
        if flag(filter.get("enabled")) == Some(false) {
            reasons.add(Severity::Medium, format!("{kind} check disabled"));
        }
        if text(filter, "action") == Some("NONE") {
            reasons.add(Severity::Medium, format!("{kind} check detects only"));
        }
    }
}

/// A low hit for an update the record does not show enough of: `what` was not visible.
fn unjudged(id: Option<&str>, what: &str) -> Hit {
    let action = format!(
        "updated guardrail {}; {what} (CloudTrail hides parts of guardrail requests), so the change \
         could not be judged: fetch the new configuration with GetGuardrail",
        id.unwrap_or("(unknown)")
    );
    Hit::new(Severity::Low, action).resource(id)
}

/// The weakenings of one content filter, on its input and output side.
fn content_filter(filter: &Value, reasons: &mut Reasons) {
    let kind = text(filter, "type").unwrap_or("?");
    for side in ["input", "output"] {
        if kind == "PROMPT_ATTACK" && side == "output" {
            continue; // prompt attacks are judged on input only; the API requires NONE here
        }
        match text(filter, &format!("{side}Strength")) {
            Some("NONE") => reasons.add(Severity::High, format!("{kind} {side} strength NONE")),
            Some("LOW") => reasons.add(Severity::Medium, format!("{kind} {side} strength LOW")),
            _ => {}
        }
        if flag(filter.get(format!("{side}Enabled"))) == Some(false) {
            reasons.add(Severity::High, format!("{kind} {side} filter disabled"));
        }
        if text(filter, &format!("{side}Action")) == Some("NONE") {
            reasons.add(Severity::High, format!("{kind} {side} filter detects only"));
        }
    }
}
