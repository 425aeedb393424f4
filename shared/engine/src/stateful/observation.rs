//! Observations: the few facts of a call that the stateful detections keep, taken from a
//! record once (the record itself is borrowed and gone by the time state is written).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::bedrock;
use crate::cloudtrail::principal::Principal;
use crate::cloudtrail::record::{Record, s};
use crate::detection::EventKey;
use crate::time::parse_millis;

/// The facts of one consumed call that the stateful detections keep.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Event time, Unix seconds.
    pub time: i64,
    pub event_id: String,
    pub account: Arc<str>,
    pub region: Arc<str>,
    pub principal: Arc<Principal>,
    /// The access key, or for calls without one the principal ARN: what an incident follows.
    pub identity: Arc<str>,
    /// Whose habits the baselines (first-seen, volume) follow: the role behind an assumed-role
    /// session (sessions of one application come and go), except for IAM Identity Center
    /// (`AWSReservedSSO_*`) roles, whose sessions are people; else the principal's ARN.
    pub baseline: Arc<str>,
    /// `eventSource`, as the registry spells it.
    pub source: &'static str,
    /// `eventName`, as the registry spells it.
    pub action: &'static str,
    /// `requestParameters.modelId` (or `model` on `bedrock-mantle`), when the call names a model.
    pub model: Option<Arc<str>>,
    /// `sourceIPAddress`.
    pub source_ip: Option<Arc<str>>,
    /// The public network of the source: first three octets of a public IPv4 address
    /// (`203.0.113`) or first three groups of a global IPv6 one. `None` for private and
    /// link-local addresses (traffic from inside your networks) and AWS service names.
    pub ip_prefix: Option<Arc<str>>,
    /// `errorCode` of a failed call.
    pub error: Option<Arc<str>>,
    /// The stateful detections that consume this call: bit `i` for the registry's `i`-th.
    pub wanted: u64,
}

impl Observation {
    /// Long-term key or root: the credentials LLMjacking runs on.
    pub fn long_term(&self) -> bool {
        self.principal.long_term_key() || self.principal.is_root()
    }

    /// True when the call failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// True when the call counts as done: it succeeded, or it is an invocation that failed with
    /// an error proving access to the model (see [`bedrock::reached_model`]).
    pub fn took_effect(&self) -> bool {
        self.error.as_deref().is_none_or(|code| {
            bedrock::reached_model(code) && bedrock::is_in(bedrock::INVOKE, self.source, self.action)
        })
    }
}

/// The public network prefix of a source address; `None` for private, shared, loopback and
/// link-local addresses, AWS service names and garbage.
pub fn ip_prefix(ip: &str) -> Option<String> {
    if let Ok(v4) = ip.parse::<std::net::Ipv4Addr>() {
        let [a, b, c, _] = v4.octets();
        let shared = a == 100 && (64..128).contains(&b); // carrier-grade NAT, 100.64.0.0/10
        if v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified() || shared {
            return None;
        }
        return Some(format!("{a}.{b}.{c}"));
    }
    let v6 = ip.parse::<std::net::Ipv6Addr>().ok()?;
    let g = v6.segments();
    let local = (g[0] & 0xfe00) == 0xfc00 || (g[0] & 0xffc0) == 0xfe80 || v6.is_loopback() || v6.is_unspecified();
    (!local).then(|| format!("{:x}:{:x}:{:x}", g[0], g[1], g[2]))
}

/// The baseline principal of a caller (see [`Observation::baseline`]).
fn baseline(principal: &Principal) -> Option<String> {
    let sso = |role: &str| {
        role.rsplit('/')
            .next()
            .is_some_and(|name| name.starts_with("AWSReservedSSO_"))
    };
    match principal.role_arn.as_deref() {
        Some(role) if !sso(role) => Some(role.to_owned()),
        _ => principal.arn.clone().or_else(|| Some(principal.name.clone())),
    }
}

/// (ARN, access key id, invokedBy): a service acting for the caller is a principal of its own.
type PrincipalKey = (Option<Arc<str>>, Option<Arc<str>>, Option<Arc<str>>);

/// Shares the strings and principals that repeat across observations (a month of traffic
/// has millions of calls but few principals, models and regions).
#[derive(Debug, Default)]
pub struct Interner {
    strings: HashSet<Arc<str>>,
    /// By [`PrincipalKey`].
    principals: HashMap<PrincipalKey, Arc<Principal>>,
}

impl Interner {
    /// The shared copy of `text`.
    pub fn string(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.strings.get(text) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        self.strings.insert(Arc::clone(&shared));
        shared
    }

    fn principal(&mut self, record: &Record<'_>) -> Arc<Principal> {
        let identity = record.user_identity.as_ref();
        let arn = identity.and_then(|u| s(&u.arn)).map(|a| self.string(a));
        let key = identity.and_then(|u| s(&u.access_key_id)).map(|k| self.string(k));
        let invoked_by = identity.and_then(|u| s(&u.invoked_by)).map(|k| self.string(k));
        self.principals
            .entry((arn, key, invoked_by))
            .or_insert_with(|| Arc::new(Principal::of(record)))
            .clone()
    }
}

/// The observation of a record, whose (eventSource, eventName) is `event` (the registry's
/// copy), for the stateful detections in `wanted` (see [`Observation::wanted`]); `None` when
/// the record has no parseable `eventTime` or no caller.
pub fn observe(record: &Record<'_>, event: EventKey, wanted: u64, interner: &mut Interner) -> Option<Observation> {
    let time = parse_millis(s(&record.event_time)?)?.div_euclid(1000);
    let principal = interner.principal(record);
    let identity = principal.access_key_id.as_deref().or(principal.arn.as_deref())?;
    let identity = interner.string(identity);
    let baseline = interner.string(&baseline(&principal)?);
    let model = record.request_parameters.and_then(|raw| {
        #[derive(serde::Deserialize)]
        struct Request<'a> {
            #[serde(rename = "modelId", borrow)]
            model_id: Option<std::borrow::Cow<'a, str>>,
            /// `bedrock-mantle` names the model `model`.
            #[serde(borrow)]
            model: Option<std::borrow::Cow<'a, str>>,
        }
        let request = serde_json::from_str::<Request>(raw.get()).ok()?;
        request.model_id.or(request.model)
    });
    let source_ip = s(&record.source_ip_address);
    Some(Observation {
        time,
        event_id: s(&record.event_id).unwrap_or("").to_owned(),
        account: interner.string(record.account().unwrap_or("unknown")),
        region: interner.string(s(&record.aws_region).unwrap_or("unknown")),
        identity,
        baseline,
        source: event.0,
        action: event.1,
        model: model.map(|m| interner.string(&m)),
        ip_prefix: source_ip.and_then(ip_prefix).map(|p| interner.string(&p)),
        source_ip: source_ip.map(|ip| interner.string(ip)),
        error: s(&record.error_code)
            .filter(|c| !c.is_empty())
            .map(|c| interner.string(c)),
        wanted,
        principal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(ip_prefix("203.0.113.24").as_deref(), Some("203.0.113"));
        for private in [
            "10.1.2.3",
            "172.16.0.9",
            "192.168.1.1",
            "100.64.3.4",
            "127.0.0.1",
            "fd00::1",
            "fe80::1",
        ] {
            assert_eq!(ip_prefix(private), None, "{private}");
        }
        assert_eq!(
            ip_prefix("2001:db8:85a3::8a2e:370:7334").as_deref(),
            Some("2001:db8:85a3")
        );
        assert_eq!(ip_prefix("bedrock.amazonaws.com"), None);
    }

    #[test]
    fn observes_a_call() {
        let text = r#"{"eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel","eventTime":"2026-03-02T10:15:30Z",
            "eventID":"e1","recipientAccountId":"111122223333","awsRegion":"us-east-1","sourceIPAddress":"185.220.101.4",
            "errorCode":"ValidationException","requestParameters":{"modelId":"anthropic.claude-3-haiku-20240307-v1:0"},
            "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u","accessKeyId":"AKIAX","userName":"u"}}"#;
        let mut interner = Interner::default();
        let event = ("bedrock.amazonaws.com", "InvokeModel");
        let o = observe(&serde_json::from_str(text).unwrap(), event, 0b101, &mut interner).unwrap();
        assert_eq!(
            (o.action, &*o.identity, o.model.as_deref()),
            ("InvokeModel", "AKIAX", Some("anthropic.claude-3-haiku-20240307-v1:0"))
        );
        assert_eq!((o.error.as_deref(), o.wanted), (Some("ValidationException"), 0b101));
        assert!(o.failed() && o.long_term());
        assert_eq!(o.time, 1_772_446_530);
        assert_eq!(&*o.baseline, "arn:aws:iam::111122223333:user/u");
        let again = observe(&serde_json::from_str(text).unwrap(), event, 1, &mut interner).unwrap();
        assert!(
            Arc::ptr_eq(&o.principal, &again.principal) && Arc::ptr_eq(&o.account, &again.account),
            "shared"
        );
        let untimed =
            r#"{"eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel","userIdentity":{"accessKeyId":"A"}}"#;
        assert!(observe(&serde_json::from_str(untimed).unwrap(), event, 1, &mut interner).is_none());
    }
}

#[cfg(test)]
mod baselines {
    use crate::cloudtrail::principal::Principal;

    fn role_session(role: &str) -> Principal {
        let text = format!(
            r#"{{"userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/{role}/s-1","accessKeyId":"ASIA1",
            "sessionContext":{{"sessionIssuer":{{"arn":"arn:aws:iam::1:role/{role}"}}}}}}}}"#
        );
        Principal::of(&serde_json::from_str(&text).unwrap())
    }

    #[test]
    fn applications_by_role_people_by_session() {
        assert_eq!(
            super::baseline(&role_session("Orders")).as_deref(),
            Some("arn:aws:iam::1:role/Orders")
        );
        let sso = role_session("AWSReservedSSO_Dev_0123");
        assert_eq!(
            super::baseline(&sso).as_deref(),
            Some("arn:aws:sts::1:assumed-role/AWSReservedSSO_Dev_0123/s-1")
        );
    }
}
