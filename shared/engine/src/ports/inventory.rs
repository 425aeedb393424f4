//! Where an inventory comes from: the live accounts (the `aidr-aws` collector) in the
//! inventory Lambda and the CLI, a saved file or a fixture elsewhere.

use std::future::Future;

use crate::inventory::Inventory;

/// Collects the AI inventory. A collection never fails as a whole: what could not be listed
/// is reported in [`Inventory::gaps`].
pub trait InventorySource: Send + Sync {
    /// Lists every resource it can reach; `now` (Unix seconds) stamps the snapshots and bounds
    /// "recent" jobs.
    fn collect(&self, now: i64) -> impl Future<Output = Inventory> + Send;
}

/// A fixed inventory (one read from a file): collecting returns it as it is.
impl InventorySource for Inventory {
    fn collect(&self, _now: i64) -> impl Future<Output = Inventory> + Send {
        std::future::ready(self.clone())
    }
}
