//! The state keys of the stateful detections. Every item expires; `acct` is the account, `id`
//! the access key (or the principal ARN for calls without one):
//! - `llm#learn#acct`: first Bedrock invocation time seen in the account (2 years);
//! - `llm#seen#acct#p#principal`, `…#pm#principal#model`, `…#r#region`, `…#pr#principal#region`,
//!   `…#ip#prefix`: first-seen markers, value = first time (`first_seen_ttl_secs`);
//! - `llm#enable_at#acct#id` / `llm#enable_ids#…`: last model enablement and its event ids;
//!   `llm#recon_at#…` / `llm#recon_ids#…`: last recon by a long-term key (their windows);
//! - `llm#breadth#acct#id`: distinct recon/enablement/evasion actions (sliding window);
//! - `llm#probe#acct#id`: failed-call counter (sliding window);
//! - `llm#vol#acct#principal#model#hour`: invocations in that hour (kept for the history);
//! - `llm#regions#acct#id`: regions invoked (sliding window);
//! - `llm#incident#acct#id`: the incident's signals and event ids (sliding window);
//! - `llm#obs#acct#event id`: the event was observed (`sightings.rs`: each event counts once).

/// The key `llm#part#part…`.
pub fn key(parts: &[&str]) -> String {
    let mut k = String::from("llm");
    for p in parts {
        k.push('#');
        k.push_str(p);
    }
    k
}
