//! The Secrets Manager client of one (account, region) cell.

use aws_config::{Region, SdkConfig};
use aws_smithy_runtime::client::retries::RetryPartition;

use crate::domain::Cell;

/// A Secrets Manager client for one cell, with a retry partition of its own: the SDK's default
/// partition is shared per region, so one throttled account would slow every other account.
pub fn secrets_client(config: &SdkConfig, cell: &Cell) -> aws_sdk_secretsmanager::Client {
    let conf = aws_sdk_secretsmanager::config::Builder::from(config)
        .region(Region::new(cell.region.clone()))
        .retry_partition(RetryPartition::new(format!(
            "strongroom-secretsmanager-{}-{}",
            cell.account, cell.region
        )))
        .build();
    aws_sdk_secretsmanager::Client::from_conf(conf)
}
