//! CloudTrail evidence of a secret: LookupEvents by the secret's ARN in its primary region and
//! in each replica region (a replica is read through its own ARN, and its events stay in its
//! region), through each cell's rate limiter.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use tokio_util::sync::CancellationToken;

use super::executor::{AwsExecutor, Described, arn_in_region};
use super::step_error::concise;
use crate::domain::{Cell, CellHealth, Rotation, Secret};
use crate::source::CellError;
use crate::source::aws::cloudtrail::{self, Progress, Query};
use crate::source::history::{HistoryAsk, TRAIL_FROM_HOURS};
use crate::trail::AccessEvent;
use crate::trail::athena::Question;

/// LookupEvents keeps this many days of management events.
pub(super) const LOOKUP_EVENTS_DAYS: i64 = 90;
use crate::trail::analysis::EventIndex;

/// One region of the secret and the secret's ARN there.
pub(super) struct Place {
    pub cell: Cell,
    pub arn: String,
}

/// The primary's region, then (when asked) every replica region, from DescribeSecret.
pub(super) fn places(described: &Described, include_replicas: bool) -> Vec<Place> {
    let arn = described.arn();
    let mut places = vec![Place {
        cell: described.cell.clone(),
        arn: arn.to_string(),
    }];
    if include_replicas {
        for replica in described.out.replication_status() {
            if let Some(region) = replica.region().filter(|r| !r.is_empty()) {
                places.push(Place {
                    cell: Cell::new(&described.cell.account, region),
                    arn: arn_in_region(arn, region),
                });
            }
        }
    }
    places
}

/// What CloudTrail said about the secret over a window.
pub(super) struct Lookup {
    pub events: Vec<AccessEvent>,
    /// Regions whose events were read.
    pub searched: Vec<String>,
    /// Regions whose events could not be read, and why.
    pub unavailable: Vec<(String, CellError)>,
    /// The organization trail's part, when the executor has a trail and the window is long.
    pub trail: Option<TrailAnswer>,
}

impl Lookup {
    /// `us-west-2: down (connection refused)`, one per region that could not be read.
    pub fn unavailable_lines(&self) -> Vec<String> {
        self.unavailable
            .iter()
            .map(|(region, error)| {
                format!(
                    "{region}: {} ({})",
                    error.health.label(),
                    concise(error.message())
                )
            })
            .collect()
    }

    /// Every region failed, and each failure is one that may pass (down, throttled).
    pub fn all_transient(&self) -> bool {
        self.unavailable
            .iter()
            .all(|(_, e)| matches!(e.health, CellHealth::Down(_) | CellHealth::Throttled(_)))
    }
}

/// Every Secrets Manager event naming the secret in `[start, end]`, region by region in
/// parallel. A region that cannot be read is reported in `unavailable`, the others still count.
/// With the organization trail (`--athena`, `--cloudtrail s3://`), a window that reaches back
/// further than a few hours is answered by the trail up to its delivery lag, and LookupEvents
/// answers the rest; without it, LookupEvents answers its last 90 days.
pub(super) async fn lookup(
    exec: &AwsExecutor,
    places: &[Place],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Lookup {
    let mut lookup = Lookup {
        events: Vec::new(),
        searched: Vec::new(),
        unavailable: Vec::new(),
        trail: None,
    };
    let mut from = start.max(end - TimeDelta::days(LOOKUP_EVENTS_DAYS));
    let reach = TimeDelta::hours(TRAIL_FROM_HOURS);
    if let (Some(access), Some(first)) = (exec.history(), places.first())
        && start < end - reach
    {
        let ask = HistoryAsk {
            question: Question::Secret {
                secret: first.arn.clone(),
            },
            accounts: vec![first.cell.account.clone()],
            regions: places.iter().map(|p| p.cell.region.clone()).collect(),
            start,
            end,
            errors_only: false,
            now: Utc::now(),
        };
        lookup.trail = Some(match access.ask(ask).await {
            Ok(answer) => {
                from = answer.covered_end.max(start);
                lookup.events = answer.events;
                TrailAnswer::Covered {
                    source: answer.table,
                    until: answer.covered_end,
                    events: lookup.events.len(),
                }
            }
            Err(why) => TrailAnswer::Failed {
                source: access.source(),
                why,
            },
        });
        if from >= end {
            lookup.searched = places.iter().map(|p| p.cell.region.clone()).collect();
            return lookup;
        }
    }
    let results =
        futures::future::join_all(places.iter().map(|p| lookup_one(exec, p, from, end))).await;
    let trail_answered = matches!(lookup.trail, Some(TrailAnswer::Covered { .. }));
    for (place, result) in places.iter().zip(results) {
        match result {
            Ok(events) => {
                lookup.events.extend(events);
                lookup.searched.push(place.cell.region.clone());
            }
            // The trail answered this region's window but the last minutes: still searched.
            Err(error) if trail_answered => {
                lookup.searched.push(place.cell.region.clone());
                lookup.unavailable.push((place.cell.region.clone(), error));
            }
            Err(error) => lookup.unavailable.push((place.cell.region.clone(), error)),
        }
    }
    let mut seen = std::collections::HashSet::new();
    lookup.events.retain(|e| seen.insert(e.event_id.clone()));
    lookup
}

/// What the organization trail said, when the executor has one.
pub(super) enum TrailAnswer {
    Covered {
        source: String,
        until: DateTime<Utc>,
        events: usize,
    },
    Failed {
        source: String,
        why: String,
    },
}

impl TrailAnswer {
    /// One clause for the operator: what the trail covered, or why it did not.
    pub fn line(&self) -> String {
        match self {
            TrailAnswer::Covered {
                source,
                until,
                events,
            } => format!(
                "{events} event(s) from the organization trail {source} up to {} UTC, \
                 LookupEvents after",
                until.format("%Y-%m-%d %H:%M")
            ),
            TrailAnswer::Failed { source, why } => format!(
                "the organization trail {source} did not answer ({why}): LookupEvents' 90 days only"
            ),
        }
    }
}

async fn lookup_one(
    exec: &AwsExecutor,
    place: &Place,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<AccessEvent>, CellError> {
    let (client, limiter) = exec.trail(&place.cell).map_err(|e| match e.transient {
        true => CellError::down(e.message),
        false => CellError::failed(e.message),
    })?;
    let found: Mutex<Vec<AccessEvent>> = Mutex::new(Vec::new());
    let sink = |events: Vec<AccessEvent>, _: &Progress| {
        found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(events);
    };
    cloudtrail::fetch(
        &client,
        &limiter,
        &place.cell,
        &[Query::ResourceName(place.arn.clone())],
        start,
        end,
        &sink,
        &CancellationToken::new(),
    )
    .await?;
    Ok(found.into_inner().unwrap_or_else(PoisonError::into_inner))
}

/// The events indexed against the secret's listings in every place, so reads by name, by
/// partial ARN and through a replica's ARN all count for the secret.
pub(super) fn index(
    described: &Described,
    places: &[Place],
    events: Vec<AccessEvent>,
) -> EventIndex {
    let primary = described.cell.region.as_str();
    let listings: Vec<Secret> = places
        .iter()
        .map(|p| listing(&p.arn, described.name(), &p.cell, primary))
        .collect();
    EventIndex::build(events, &listings)
}

/// The ARNs of the secret in every place, for `EventIndex::readers`.
pub(super) fn arns(places: &[Place]) -> Vec<String> {
    places.iter().map(|p| p.arn.clone()).collect()
}

/// The least a listing needs for the index to resolve references to it.
fn listing(arn: &str, name: &str, cell: &Cell, primary_region: &str) -> Secret {
    Secret {
        arn: arn.to_string(),
        name: name.to_string(),
        account: cell.account.clone(),
        region: cell.region.clone(),
        description: None,
        kms_key_id: None,
        owning_service: None,
        primary_region: Some(primary_region.to_string()),
        created: None,
        last_changed: None,
        last_accessed: None,
        last_rotated: None,
        next_rotation: None,
        deleted: None,
        rotation: Rotation::default(),
        tags: Vec::new(),
        versions: Vec::new(),
        replication: None,
    }
}
