//! Posture checks: detections over a resource as it is configured (a [`ResourceSnapshot`]),
//! one file per check, grouped by service. A check file holds its metadata, its check and the
//! names of its sample snapshots under `samples/posture/`. The snapshots' configuration
//! fields are those listed in [`crate::inventory::types`].

pub mod agentcore;
pub mod bedrock;
pub mod iam;
pub mod sagemaker;
pub(crate) mod support;

use crate::detection::{Hit, Metadata, Organization};
use crate::resource::ResourceSnapshot;

/// A detection over one resource snapshot.
pub trait PostureCheck: Send + Sync {
    /// The check's metadata; `resource_types` says which snapshots reach
    /// [`PostureCheck::assess`].
    fn metadata(&self) -> &Metadata;
    /// Judges one snapshot whose type is in `metadata().resource_types`; a hit means the
    /// resource fails the check.
    fn assess(&self, resource: &ResourceSnapshot, org: &Organization) -> Option<Hit>;
}

/// A compiled-in posture check: metadata plus a check function.
pub struct BuiltinCheck {
    pub metadata: Metadata,
    pub check: fn(&ResourceSnapshot, &Organization) -> Option<Hit>,
}

impl PostureCheck for BuiltinCheck {
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }
    fn assess(&self, resource: &ResourceSnapshot, org: &Organization) -> Option<Hit> {
        (self.check)(resource, org)
    }
}

/// Every built-in posture check, in catalog order.
pub fn all() -> Vec<Box<dyn PostureCheck>> {
    let mut checks = sagemaker::all();
    checks.extend(bedrock::all());
    checks.extend(agentcore::all());
    checks.extend(iam::all());
    checks
}

/// What a check file uses.
pub(crate) mod prelude {
    pub use crate::detection::{Hit, Metadata, Organization, Samples};
    pub use crate::inventory::types;
    pub use crate::posture::BuiltinCheck;
    pub(crate) use crate::posture::support::PER_RESOURCE_DAY;
    pub use crate::resource::ResourceSnapshot;
    pub use crate::severity::{Area, Severity};
}
