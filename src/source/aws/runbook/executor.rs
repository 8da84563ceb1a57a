//! The runbook executor on live AWS: the accounts it routes to and the clients it keeps per
//! (account, region), built on first use, and the DescribeSecret and GetResourcePolicy reads
//! the queries and checks share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_secretsmanager::operation::RequestId;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;

use super::step_error::{cell_step_error, fatal, sdk_error};
use crate::domain::Cell;
use crate::runbook::engine::StepError;
use crate::source::CellError;
use crate::source::aws::cloudtrail;
use crate::source::aws::rate_limit::RateLimiter;
use crate::source::aws::secrets_client::secrets_client;
use crate::source::aws::source::AwsSource;

/// Runs runbook calls against the accounts and regions of an [`AwsSource`]. Cheap to clone:
/// clones share the client caches.
#[derive(Clone)]
pub struct AwsExecutor {
    inner: Arc<Inner>,
}

struct Inner {
    accounts: Vec<AccountConfig>,
    default_region: String,
    secrets: Mutex<HashMap<Cell, aws_sdk_secretsmanager::Client>>,
    trails: Mutex<HashMap<Cell, (aws_sdk_cloudtrail::Client, RateLimiter)>>,
    /// The organization trail, when the source has one.
    history: Option<crate::source::aws::history::TrailAccess>,
}

/// One resolved profile: its account id, SDK config, and why it could not be resolved.
struct AccountConfig {
    id: String,
    config: aws_config::SdkConfig,
    failure: Option<CellError>,
}

impl AwsSource {
    /// An executor for runbooks over this source's profiles; the default region is the first
    /// of its regions. It reuses the source's clients and LookupEvents rate limiters, so a
    /// runbook and the events view share each cell's 2 calls/s.
    pub fn executor(&self) -> AwsExecutor {
        let accounts = self
            .profiles
            .iter()
            .map(|p| AccountConfig {
                id: p.account.id.clone(),
                config: p.config.clone(),
                failure: p.failure.clone(),
            })
            .collect();
        let default_region = self
            .regions
            .first()
            .cloned()
            .or_else(|| {
                self.profiles
                    .first()
                    .and_then(|p| p.config.region().map(|r| r.to_string()))
            })
            .unwrap_or_else(|| "us-east-1".to_string());
        AwsExecutor {
            inner: Arc::new(Inner {
                accounts,
                default_region,
                secrets: Mutex::new(self.clients.clone()),
                trails: Mutex::new(self.trails.clone()),
                history: self.trail_access(),
            }),
        }
    }
}

/// A secret as DescribeSecret reports it in its primary region.
pub(super) struct Described {
    pub cell: Cell,
    pub out: DescribeSecretOutput,
    pub request_ids: Vec<String>,
}

impl Described {
    pub fn arn(&self) -> &str {
        self.out.arn().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.out.name().unwrap_or_default()
    }

    /// The version carrying AWSCURRENT, from VersionIdsToStages.
    pub fn current_version(&self) -> Option<&str> {
        current_version(&self.out)
    }
}

pub(super) fn current_version(out: &DescribeSecretOutput) -> Option<&str> {
    out.version_ids_to_stages()?
        .iter()
        .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
        .map(|(id, _)| id.as_str())
}

impl AwsExecutor {
    /// The organization trail, when the source has one.
    pub(super) fn history(&self) -> Option<&crate::source::aws::history::TrailAccess> {
        self.inner.history.as_ref()
    }

    /// The accounts and default region runbook calls go to, as the run names its target.
    pub(super) fn target_label(&self) -> String {
        let ids: Vec<&str> = self.inner.accounts.iter().map(|a| a.id.as_str()).collect();
        let accounts = match ids.as_slice() {
            [] => "AWS (no account resolved)".to_string(),
            [one] => format!("AWS account {one}"),
            many => format!("AWS accounts {}", many.join(", ")),
        };
        format!("{accounts}, default region {}", self.inner.default_region)
    }

    /// The (account, region) a secret id is sent to.
    pub(super) fn locate(&self, secret_id: &str) -> Result<Cell, StepError> {
        let secret_id = secret_id.trim();
        if secret_id.is_empty() {
            return Err(fatal("the step gives no `secret_id`"));
        }
        let first = self
            .inner
            .accounts
            .first()
            .ok_or_else(|| fatal("no AWS profile could be loaded"))?;
        match parse_arn(secret_id) {
            Some(arn) => {
                let account = self
                    .inner
                    .accounts
                    .iter()
                    .find(|a| a.id == arn.account)
                    .unwrap_or(first);
                Ok(Cell::new(&account.id, arn.region))
            }
            None => Ok(Cell::new(&first.id, &self.inner.default_region)),
        }
    }

    fn account(&self, cell: &Cell) -> Result<&AccountConfig, StepError> {
        let account = self
            .inner
            .accounts
            .iter()
            .find(|a| a.id == cell.account)
            .ok_or_else(|| fatal(format!("no profile for account {}", cell.account)))?;
        match &account.failure {
            Some(failure) => Err(cell_step_error(&cell.region, "connect", failure)),
            None => Ok(account),
        }
    }

    /// The Secrets Manager client of a cell, built on first use.
    pub(super) fn secrets(&self, cell: &Cell) -> Result<aws_sdk_secretsmanager::Client, StepError> {
        let account = self.account(cell)?;
        let mut clients = self
            .inner
            .secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(clients
            .entry(cell.clone())
            .or_insert_with(|| secrets_client(&account.config, cell))
            .clone())
    }

    /// The CloudTrail client and LookupEvents rate limiter of a cell, built on first use.
    pub(super) fn trail(
        &self,
        cell: &Cell,
    ) -> Result<(aws_sdk_cloudtrail::Client, RateLimiter), StepError> {
        let account = self.account(cell)?;
        let mut trails = self
            .inner
            .trails
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(trails
            .entry(cell.clone())
            .or_insert_with(|| {
                (
                    cloudtrail::cloudtrail_client(&account.config, cell),
                    RateLimiter::lookup_events(),
                )
            })
            .clone())
    }

    /// DescribeSecret where `secret_id` points, then on the primary when that was a replica.
    pub(super) async fn describe_primary(&self, secret_id: &str) -> Result<Described, StepError> {
        let cell = self.locate(secret_id)?;
        let (out, request_id) = self.describe(&cell, secret_id).await?;
        let mut request_ids: Vec<String> = request_id.into_iter().collect();
        let primary = out
            .primary_region()
            .filter(|p| !p.is_empty() && *p != cell.region)
            .map(str::to_string);
        let (Some(primary), Some(arn)) = (primary, out.arn()) else {
            return Ok(Described {
                cell,
                out,
                request_ids,
            });
        };
        let primary_cell = Cell::new(&cell.account, &primary);
        let primary_arn = arn_in_region(arn, &primary);
        let (out, request_id) = self.describe(&primary_cell, &primary_arn).await?;
        request_ids.extend(request_id);
        Ok(Described {
            cell: primary_cell,
            out,
            request_ids,
        })
    }

    /// One DescribeSecret call in `cell`, with its request id.
    pub(super) async fn describe(
        &self,
        cell: &Cell,
        secret_id: &str,
    ) -> Result<(DescribeSecretOutput, Option<String>), StepError> {
        let client = self.secrets(cell)?;
        let out = client
            .describe_secret()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeSecret", &cell.region, e))?;
        let request_id = out.request_id().map(str::to_string);
        Ok((out, request_id))
    }

    /// The resource policy attached to the secret ("" when none), with the request id.
    pub(super) async fn resource_policy(
        &self,
        secret_id: &str,
    ) -> Result<(String, Option<String>), StepError> {
        let cell = self.locate(secret_id)?;
        let client = self.secrets(&cell)?;
        let out = client
            .get_resource_policy()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| sdk_error("GetResourcePolicy", &cell.region, e))?;
        let request_id = out.request_id().map(str::to_string);
        Ok((
            out.resource_policy().unwrap_or_default().to_string(),
            request_id,
        ))
    }
}

/// The parts of a Secrets Manager ARN the executor routes by.
struct SecretArn<'a> {
    region: &'a str,
    account: &'a str,
}

/// `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx`, or None for a name.
fn parse_arn(text: &str) -> Option<SecretArn<'_>> {
    let parts: Vec<&str> = text.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "secretsmanager", region, account, "secret", name]
            if !region.is_empty() && !account.is_empty() && !name.is_empty() =>
        {
            Some(SecretArn { region, account })
        }
        _ => None,
    }
}

/// The same secret's ARN in another region: a replica keeps the primary's ARN but its region.
pub(super) fn arn_in_region(arn: &str, region: &str) -> String {
    let mut parts: Vec<&str> = arn.splitn(7, ':').collect();
    if parts.len() == 7 {
        parts[3] = region;
    }
    parts.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbC123";

    #[test]
    fn arns_route_by_region_and_account_and_names_do_not() {
        let arn = parse_arn(ARN).unwrap();
        assert_eq!((arn.region, arn.account), ("eu-west-1", "111122223333"));
        assert!(parse_arn("prod/db").is_none());
        assert!(parse_arn("arn:aws:iam::111122223333:role/x").is_none());
        let with_colon = "arn:aws:secretsmanager:us-east-1:1:secret:a:b-xyz";
        assert_eq!(parse_arn(with_colon).unwrap().region, "us-east-1");
    }

    #[test]
    fn a_replica_arn_is_the_primary_arn_in_its_region() {
        assert_eq!(
            arn_in_region(ARN, "us-west-2"),
            "arn:aws:secretsmanager:us-west-2:111122223333:secret:prod/db-AbC123"
        );
        assert_eq!(arn_in_region("prod/db", "us-west-2"), "prod/db");
    }
}
