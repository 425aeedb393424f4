//! CloudTrail input: the lenient record, the forms records arrive in (EventBridge events, log
//! files, JSON lines), the event view rules read, and the caller distilled from `userIdentity`.

pub mod event;
pub mod input;
pub mod principal;
pub mod record;

pub use event::Event;
pub use principal::{Credential, Principal};
pub use record::Record;
