//! GetResourcePolicy for the access review: one call per secret (replicas share their
//! primary's policy), at most [`CONCURRENCY`] at once, each (account, region) held to the
//! operation's 50 calls/s quota (shared with Put/Delete/ValidateResourcePolicy) by its own
//! [`RateLimiter`]. Throttles slow that cell down and are retried; any other failure is that
//! secret's error while the others load.

use std::collections::HashMap;
use std::time::Instant;

use chrono::Utc;
use futures::StreamExt;

use super::errors;
use super::rate_limit::RateLimiter;
use super::source::AwsSource;
use crate::domain::{Cell, CellHealth};
use crate::source::CellError;
pub use crate::source::{FetchedPolicy, PolicyFetchStats};

/// Secrets Manager's GetResourcePolicy quota: calls per second per account and region.
pub const GET_RESOURCE_POLICY_PER_SECOND: f64 = 50.0;
/// Added to every interval: calls 20 ms apart put 51 in a closed one-second window, and the
/// quota is counted where the calls arrive.
pub const GET_RESOURCE_POLICY_MARGIN: std::time::Duration = std::time::Duration::from_millis(1);
/// Calls in flight at once, across cells.
pub const CONCURRENCY: usize = 16;
/// Attempts of one secret's call when it is throttled.
const THROTTLE_ATTEMPTS: u32 = 5;

/// A secret whose policy to fetch: the primary (or a replica whose primary is not listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyTarget {
    pub arn: String,
    pub account: String,
    pub region: String,
}

impl AwsSource {
    /// The resource policy of each target, in the targets' order. Never reads a value.
    pub async fn resource_policies(
        &self,
        targets: &[PolicyTarget],
    ) -> (Vec<FetchedPolicy>, PolicyFetchStats) {
        let started = Instant::now();
        let mut limiters: HashMap<Cell, RateLimiter> = HashMap::new();
        let jobs: Vec<_> = targets
            .iter()
            .map(|t| {
                let cell = Cell::new(&t.account, &t.region);
                let limiter = limiters
                    .entry(cell.clone())
                    .or_insert_with(|| {
                        RateLimiter::new(GET_RESOURCE_POLICY_PER_SECOND, 1)
                            .with_margin(GET_RESOURCE_POLICY_MARGIN)
                    })
                    .clone();
                let client = match self.failure_of(&t.account) {
                    Some(failure) => Err(failure),
                    None => self.clients.get(&cell).cloned().ok_or_else(|| {
                        CellError::failed(format!(
                            "account {} region {} is not among the regions read",
                            t.account, t.region
                        ))
                    }),
                };
                (t.arn.clone(), client, limiter)
            })
            .collect();
        let answers: Vec<(FetchedPolicy, usize, usize)> = futures::stream::iter(jobs)
            .map(|(arn, client, limiter)| async move {
                match client {
                    Ok(client) => fetch_one(&client, &limiter, arn).await,
                    Err(e) => (
                        FetchedPolicy {
                            arn,
                            result: Err(e),
                            fetched_at: Utc::now(),
                        },
                        0,
                        0,
                    ),
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut stats = PolicyFetchStats::default();
        let mut out = Vec::with_capacity(answers.len());
        for (fetched, calls, throttled) in answers {
            stats.calls += calls;
            stats.throttled += throttled;
            out.push(fetched);
        }
        stats.seconds = started.elapsed().as_secs_f64();
        (out, stats)
    }
}

/// One secret's policy, retried while throttled; returns it with the calls and throttles.
async fn fetch_one(
    client: &aws_sdk_secretsmanager::Client,
    limiter: &RateLimiter,
    arn: String,
) -> (FetchedPolicy, usize, usize) {
    let (mut calls, mut throttled) = (0, 0);
    loop {
        limiter.acquire().await;
        calls += 1;
        let sent = client.get_resource_policy().secret_id(&arn).send().await;
        let fetched_at = Utc::now();
        let result = match sent {
            Ok(out) => {
                limiter.on_success();
                Ok(out
                    .resource_policy()
                    .filter(|p| !p.trim().is_empty())
                    .map(str::to_string))
            }
            Err(e) => {
                let e = errors::classify(e);
                if matches!(e.health, CellHealth::Throttled(_)) {
                    throttled += 1;
                    limiter.on_throttle();
                    if calls < THROTTLE_ATTEMPTS as usize {
                        continue;
                    }
                }
                Err(e)
            }
        };
        return (
            FetchedPolicy {
                arn,
                result,
                fetched_at,
            },
            calls,
            throttled,
        );
    }
}
