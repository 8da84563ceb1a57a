//! Live AWS through the SDK: one client per (account, region) cell, each with its own retry
//! partition, timeouts, and throttling-aware retries. Inventory uses ListSecrets pages and
//! DescribeSecret only where replication status is needed; it never calls GetSecretValue.

pub mod athena;
pub mod cloudtrail;
mod connect;
mod convert;
pub mod diagnose;
pub mod drill;
pub(crate) mod errors;
mod fan_out;
mod history;
mod leak;
mod options;
pub mod org;
pub mod policies;
mod policies_port;
mod profiles;
pub mod rate_limit;
mod regions;
mod role;
pub mod runbook;
pub mod s3_trail;
mod secrets_client;
mod source;

use futures::FutureExt;
use futures::future::BoxFuture;

pub use connect::connect;
pub use options::{AwsOptions, ConnectError, DEFAULT_CELLS};
pub use org::OrgOptions;
pub use source::AwsSource;

use std::sync::Arc;

use super::{
    CellError, CellResult, FetchProgress, InventorySource, OnEvents, OnPage, ResourcePolicies,
    SourceInfo, SourceKind,
};
use crate::domain::{Cell, ReplicaStatus, Secret};

impl InventorySource for AwsSource {
    fn runbook_executor(&self) -> Arc<dyn crate::incident::Executor> {
        Arc::new(self.executor())
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: SourceKind::Live,
            label: self.label.clone(),
            accounts: self.profiles.iter().map(|p| p.account.clone()).collect(),
            cells: self.cells(),
            notes: self.notes.clone(),
        }
    }

    fn load_cell(&self, cell: Cell, on_page: OnPage) -> BoxFuture<'static, CellResult> {
        if let Some(failure) = self.failure_of(&cell.account) {
            return async move { Err(failure) }.boxed();
        }
        let Some(client) = self.clients.get(&cell).cloned() else {
            let msg = format!("no client for {} {}", cell.account, cell.region);
            return async move { Err(CellError::failed(msg)) }.boxed();
        };
        let permits = self.permits.clone();
        async move {
            // The fan-out bound: a closed semaphore cannot happen (it is never closed).
            let _permit = permits.acquire_owned().await.ok();
            list_cell(&client, &cell, &on_page).await
        }
        .boxed()
    }

    fn live_events(&self) -> bool {
        true
    }

    fn trail_table(&self) -> Option<String> {
        self.trail_access().map(|t| t.source())
    }

    fn trail_history(
        &self,
        ask: crate::source::history::HistoryAsk,
    ) -> BoxFuture<'static, Result<crate::source::history::HistoryAnswer, String>> {
        self.trail_history_of(ask)
    }

    fn resource_policies(&self, secrets: Vec<Secret>) -> BoxFuture<'static, ResourcePolicies> {
        self.policies_port(secrets)
    }

    fn leak_check(
        &self,
        suspect: Arc<crate::leak::Suspect>,
        plan: crate::leak::Plan,
    ) -> BoxFuture<'static, Result<crate::leak::Outcome, String>> {
        self.leak_port(suspect, plan)
    }

    fn fetch_events(
        &self,
        cell: Cell,
        start: chrono::DateTime<chrono::Utc>,
        end: chrono::DateTime<chrono::Utc>,
        on_page: OnEvents,
        cancel: tokio_util::sync::CancellationToken,
    ) -> BoxFuture<'static, Result<(), CellError>> {
        if let Some(failure) = self.failure_of(&cell.account) {
            return async move { Err(failure) }.boxed();
        }
        let trail = self.trails.get(&cell).cloned();
        let store = self.store(&cell.account);
        // With the organization trail (Athena or S3), the trail answers the window up to the
        // minutes it has not delivered yet, and LookupEvents only those: the TUI's views, the
        // review and the incident evidence read long windows at the trail's cost. Short
        // windows and refreshes go to LookupEvents alone.
        let now = chrono::Utc::now();
        let reach = chrono::Duration::hours(crate::source::history::TRAIL_FROM_HOURS);
        let history = (self.trail_table().is_some() && start < now - reach).then(|| {
            self.trail_history_of(crate::source::history::HistoryAsk {
                question: crate::trail::athena::Question::Window,
                accounts: vec![cell.account.clone()],
                regions: vec![cell.region.clone()],
                start,
                end,
                errors_only: false,
                now,
            })
        });
        async move {
            let (client, limiter) =
                trail.ok_or_else(|| CellError::failed("no CloudTrail client for this cell"))?;
            let store = store?;
            let mut start = start;
            let mut trail_failed = None;
            if let Some(history) = history {
                match history.await {
                    Ok(answer) => {
                        tracing::info!(
                            cell = %format!("{} {}", cell.account, cell.region),
                            trail = %answer.table,
                            events = answer.events.len(),
                            queries = answer.queries.len(),
                            "events from the organization trail up to {}",
                            answer.covered_end
                        );
                        let until = answer.covered_end;
                        let progress = trail_progress(&answer.events, answer.table, until);
                        on_page(answer.events, progress);
                        start = start.max(until);
                        if start >= end {
                            return Ok(());
                        }
                    }
                    // LookupEvents still answers its 90 days; the failure is reported after.
                    Err(why) => {
                        tracing::warn!(cell = %format!("{} {}", cell.account, cell.region), "organization trail: {why}");
                        trail_failed = Some(why);
                    }
                }
            }
            let forward = move |events: Vec<crate::trail::AccessEvent>,
                                p: &cloudtrail::Progress| {
                on_page(
                    events,
                    FetchProgress {
                        events: p.events + p.cached,
                        pages: p.pages,
                        calls: p.calls,
                        throttled: p.throttled,
                        calls_per_sec: p.calls_per_sec,
                        oldest: p.oldest,
                        newest: p.newest,
                        trail: None,
                    },
                )
            };
            cloudtrail::fetch_cached(
                &store,
                &client,
                &limiter,
                &cell,
                &cloudtrail::default_queries(),
                start,
                end,
                &forward,
                &cancel,
            )
            .await?;
            match trail_failed {
                Some(why) => Err(CellError::failed(format!(
                    "the organization trail did not answer ({why}); LookupEvents answered its 90 days"
                ))),
                None => Ok(()),
            }
        }
        .boxed()
    }

    fn describe_replication(
        &self,
        secret: &Secret,
    ) -> BoxFuture<'static, Result<Vec<ReplicaStatus>, CellError>> {
        let client = self.clients.get(&secret.cell()).cloned();
        let arn = secret.arn.clone();
        async move {
            let client = client.ok_or_else(|| CellError::failed("no client for this cell"))?;
            let out = client
                .describe_secret()
                .secret_id(&arn)
                .send()
                .await
                .map_err(errors::classify)?;
            Ok(convert::replication(out.replication_status()))
        }
        .boxed()
    }
}

/// Every secret of one cell, ListSecrets pages of 100, secrets pending deletion included.
async fn list_cell(
    client: &aws_sdk_secretsmanager::Client,
    cell: &Cell,
    on_page: &OnPage,
) -> CellResult {
    let mut pages = client
        .list_secrets()
        .max_results(100)
        .include_planned_deletion(true)
        .into_paginator()
        .send();
    let mut secrets = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            errors::classify_in(
                e,
                diagnose::Context {
                    profile: None,
                    region: Some(&cell.region),
                },
            )
        })?;
        let start = secrets.len();
        secrets.extend(
            page.secret_list()
                .iter()
                .map(|entry| convert::secret(entry, cell)),
        );
        on_page(&secrets[start..]);
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests;

/// The progress of a page the organization trail answered.
fn trail_progress(
    events: &[crate::trail::AccessEvent],
    source: String,
    until: chrono::DateTime<chrono::Utc>,
) -> FetchProgress {
    FetchProgress {
        events: events.len(),
        oldest: events.iter().map(|e| e.time).min(),
        newest: events.iter().map(|e| e.time).max(),
        trail: Some(crate::source::TrailPart { source, until }),
        ..Default::default()
    }
}
