//! Alert volume: the month's findings replayed through aidr's own alerting protocol
//! ([`aidr_engine::alerting::deliver`]) on the in-memory store, as the detector Lambda would
//! deliver them at the given policy, to learn which findings open an alert.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use aidr_engine::Finding;
use aidr_engine::alerting::{Alert, AlertKind, AlertPolicy, Outcome, deliver};
use aidr_engine::ports::{MemoryStore, PublishError, Publisher, now_or_never};

/// A publisher that only counts what it is asked to publish.
#[derive(Debug, Default)]
pub struct CountingPublisher {
    published: AtomicUsize,
}

impl CountingPublisher {
    /// Alerts published so far (updates on repeats are not alerts).
    pub fn count(&self) -> usize {
        self.published.load(Ordering::Relaxed)
    }
}

impl Publisher for CountingPublisher {
    fn publish(&self, alert: &Alert<'_>) -> impl Future<Output = Result<(), PublishError>> + Send {
        if alert.kind == AlertKind::Alert {
            self.published.fetch_add(1, Ordering::Relaxed);
        }
        std::future::ready(Ok(()))
    }
}

/// Delivers `findings` once each, in event-time order (findings without a time keep their
/// place after the one before), with the wall clock at each finding's event time. Returns, in
/// the input's order, what each finding sent.
///
/// # Errors
/// A message when the protocol fails, which on the in-memory store means a bug.
pub fn replay(findings: &[Finding], policy: &AlertPolicy) -> Result<Vec<Sent>, String> {
    let mut clock = i64::MIN;
    let times: Vec<i64> = findings
        .iter()
        .map(|f| {
            clock = f.time_millis().map_or(clock, |ms| ms.div_euclid(1000));
            clock
        })
        .collect();
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| times[i]);
    let (store, publisher) = (MemoryStore::default(), CountingPublisher::default());
    let mut sent = vec![Sent::Nothing; findings.len()];
    for i in order {
        let now = times[i].max(0);
        let outcome = now_or_never(deliver(&findings[i], &store, &publisher, policy, now))
            .ok_or("the in-memory store never waits")?
            .map_err(|e| format!("alerting finding {} ({}): {e}", i + 1, findings[i].rule_id))?;
        sent[i] = match outcome {
            Outcome::Alerted => Sent::Alert,
            Outcome::Updated { .. } => Sent::Update,
            _ => Sent::Nothing,
        };
    }
    let flagged = sent.iter().filter(|s| **s == Sent::Alert).count();
    if flagged != publisher.count() {
        return Err(format!(
            "{flagged} findings alerted but {} alerts published",
            publisher.count()
        ));
    }
    Ok(sent)
}

/// What delivering one finding sent: an alert, an update on repeats of an open alert (see
/// `AlertPolicy::update_interval_secs`), or nothing (merged silently, a duplicate, silenced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Nothing,
    Alert,
    Update,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding of the long-term-key rule by `user` at `time`, as `aidr scan` writes it.
    fn finding(id: &str, time: &str, user: &str, severity: &str) -> Finding {
        let line = format!(
            r#"{{"rule_id":"bedrock.invocation_long_term_key","severity":"{severity}","title":"t","area":"model",
            "techniques":[],"summary":"s","account":"1","region":"us-east-1","event_time":"{time}","event_ids":["{id}"],
            "event_source":"bedrock.amazonaws.com","event_name":"InvokeModel","error_code":null,
            "principal":{{"arn":"arn:aws:iam::1:user/{user}","type":"IAMUser","name":"{user}","account":"1",
            "access_key_id":"AKIA1","credential":"long_term","role_arn":null}},"source_ip":null,"user_agent":null,
            "resources":[],"dedupe_key":"bedrock.invocation_long_term_key|1|{user}|{severity}",
            "dedupe_window_secs":86400,"remediation":"r"}}"#
        );
        serde_json::from_str(&line).unwrap()
    }

    #[test]
    fn replays_in_event_time_order_with_each_findings_window() {
        let findings = [
            finding("c", "2026-03-02T09:00:00Z", "legacy", "low"),
            finding("a", "2026-03-01T10:00:00Z", "legacy", "low"),
            finding("b", "2026-03-01T23:00:00Z", "legacy", "low"),
            finding("d", "2026-03-02T10:00:00Z", "legacy", "low"),
            finding("e", "2026-03-01T23:30:00Z", "legacy", "medium"),
        ];
        let sent = replay(&findings, &AlertPolicy::default()).unwrap();
        // a opens the day; b and c merge into it, each more than the update interval after the
        // last message, so each sends an update; d is a day after a; e has its own key.
        use Sent::{Alert, Update};
        assert_eq!(sent, [Update, Alert, Update, Alert, Alert]);
        let hourly = AlertPolicy {
            dedupe_window_override_secs: Some(3600),
            ..AlertPolicy::default()
        };
        assert_eq!(replay(&findings, &hourly).unwrap(), [Alert, Alert, Alert, Alert, Alert]);
    }
}
