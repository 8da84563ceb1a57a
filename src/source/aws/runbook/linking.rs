//! Finding the CloudTrail event of each write a run made: LookupEvents by the write's event name
//! around the time the journal recorded it, in the secret's region, matched on the request id.
//! One lookup per (region, operation), through each cell's rate limiter.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use chrono::{TimeDelta, Utc};
use tokio_util::sync::CancellationToken;

use super::executor::AwsExecutor;
use crate::domain::Cell;
use crate::incident::executor::RecordedCall;
use crate::runbook::engine::StepError;
use crate::source::aws::cloudtrail::{self, Progress, Query};
use crate::trail::AccessEvent;

/// How far before and after the journal's time the event may be stamped.
const BEFORE: TimeDelta = TimeDelta::minutes(5);
const AFTER: TimeDelta = TimeDelta::minutes(5);

/// Event ids by request id, for the calls CloudTrail shows already.
pub(super) async fn find(
    exec: &AwsExecutor,
    calls: Vec<RecordedCall>,
) -> Result<BTreeMap<String, String>, StepError> {
    let mut groups: BTreeMap<(Cell, String), Vec<RecordedCall>> = BTreeMap::new();
    for call in calls {
        let cell = exec.locate(&call.secret_id)?;
        groups
            .entry((cell, call.operation.clone()))
            .or_default()
            .push(call);
    }
    let mut found = BTreeMap::new();
    for ((cell, operation), calls) in groups {
        let (Some(first), Some(last)) = (
            calls.iter().map(|c| c.at).min(),
            calls.iter().map(|c| c.at).max(),
        ) else {
            continue;
        };
        let (client, limiter) = exec.trail(&cell)?;
        let events: Mutex<Vec<AccessEvent>> = Mutex::new(Vec::new());
        let sink = |page: Vec<AccessEvent>, _: &Progress| {
            events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(page);
        };
        cloudtrail::fetch(
            &client,
            &limiter,
            &cell,
            &[Query::EventName(operation.clone())],
            first - BEFORE,
            (last + AFTER).min(Utc::now()),
            &sink,
            &CancellationToken::new(),
        )
        .await
        .map_err(|e| StepError {
            transient: true,
            message: format!("{}: CloudTrail: {e}", cell.region),
        })?;
        let events = events.into_inner().unwrap_or_else(PoisonError::into_inner);
        for call in &calls {
            if let Some(event) = events
                .iter()
                .find(|e| e.request_id.as_deref() == Some(call.request_id.as_str()))
            {
                found.insert(call.request_id.clone(), event.event_id.clone());
            }
        }
    }
    Ok(found)
}
