//! The in-memory state store passes the conformance suite every store passes.

use aidr_engine::ports::{MemoryStore, now_or_never};
use aidr_testkit::conformance::conformance;

#[test]
fn memory_store_conforms() {
    let store = MemoryStore::default();
    now_or_never(conformance(&store, "t/")).expect("memory store never waits");
    assert_eq!(store.len(), 4);
}
