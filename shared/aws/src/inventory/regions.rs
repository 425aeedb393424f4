//! The regions an account is collected in: those `account:ListRegions` reports enabled
//! (`ENABLED`, `ENABLED_BY_DEFAULT`); when it cannot be asked (or answers only in part), the
//! configuration's region too, with a gap.

use aws_config::SdkConfig;
use aws_sdk_account::types::RegionOptStatus;

use super::found::Found;

/// The region used when neither the caller nor `ListRegions` gives one.
const FALLBACK: &str = "us-east-1";

/// The enabled regions of the account `config` acts in; gaps go to `found` (the account's
/// `global` scope).
pub(super) async fn enabled(config: &SdkConfig, found: &mut Found) -> Vec<String> {
    let pages = aws_sdk_account::Client::new(config)
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .into_paginator()
        .items()
        .send();
    let (listed, complete) = found.all("account", "ListRegions", pages).await;
    let mut regions: Vec<String> = listed.into_iter().filter_map(|r| r.region_name).collect();
    if !complete || regions.is_empty() {
        regions.push(config.region().map_or(FALLBACK, |r| r.as_ref()).to_owned());
    }
    regions.sort();
    regions.dedup();
    regions
}
