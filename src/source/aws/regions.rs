//! `--all-regions`: the regions enabled in one account (the Account API's `ListRegions`), opt-in
//! regions the account turned on included; the disabled ones are skipped and said so.

use aws_sdk_account::types::RegionOptStatus;

use super::{diagnose, errors};
use crate::source::CellError;

/// One account's regions: those to read, and those skipped (not enabled) with their state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountRegions {
    pub enabled: Vec<String>,
    pub skipped: Vec<(String, String)>,
    pub calls: usize,
}

/// Asks the account (through `config`, its own credentials or its role) for its regions.
pub async fn enabled_regions(config: &aws_config::SdkConfig) -> Result<AccountRegions, CellError> {
    // The Account API is global: its endpoint lives in us-east-1.
    let conf = aws_sdk_account::config::Builder::from(config)
        .region(aws_config::Region::new("us-east-1"))
        .build();
    let client = aws_sdk_account::Client::from_conf(conf);
    let mut out = AccountRegions::default();
    let mut pages = client
        .list_regions()
        .max_results(50)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        out.calls += 1;
        let page = page.map_err(|e| {
            errors::classify_in(
                e,
                diagnose::Context {
                    profile: None,
                    region: Some("us-east-1"),
                },
            )
        })?;
        for region in page.regions() {
            let Some(name) = region.region_name() else {
                continue;
            };
            match region.region_opt_status() {
                Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault) | None => {
                    out.enabled.push(name.to_string());
                }
                Some(other) => out
                    .skipped
                    .push((name.to_string(), other.as_str().to_lowercase())),
            }
        }
    }
    out.enabled.sort();
    out.skipped.sort();
    Ok(out)
}
