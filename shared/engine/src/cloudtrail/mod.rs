//! CloudTrail records: the lenient record, the event view rules read, and the caller
//! distilled from `userIdentity`. (`input.rs` reads them out of the forms they arrive in.)

pub mod event;
pub mod principal;
pub mod record;

pub use event::Event;
pub use principal::{Credential, Principal};
pub use record::Record;
