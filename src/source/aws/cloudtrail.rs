//! LookupEvents through a per-cell rate limiter.
//!
//! One lookup attribute per call, so one query per Secrets Manager event name (never by
//! EventSource: the console's own ListSecrets/DescribeSecret would drown the answer). Every call
//! waits for the cell's [`RateLimiter`]; a throttle slows the limiter and retries the same page,
//! and surfaces only when the retries run out. [`fetch_cached`] asks only for the time windows the
//! [`EvidenceStore`] does not hold yet.
//!
//! Cancellation is a [`CancellationToken`]: it stops waits and calls in flight, and the fetch
//! returns `Ok` with what it had, `Progress::cancelled` set.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{Region, SdkConfig};
use aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_runtime::client::retries::RetryPartition;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::errors;
use super::rate_limit::RateLimiter;
use crate::domain::{Cell, CellHealth};
use crate::source::CellError;
use crate::store::{EvidenceStore, missing};
use crate::trail::{AccessEvent, SecretRef, parse_record};

/// The SDK app name the console's own clients should carry (`SdkConfig` `app_name`): their
/// calls then show `app/strongroom` in CloudTrail's userAgent and are left out of the evidence.
pub const OWN_APP_NAME: &str = "strongroom";
const OWN_USER_AGENT: &str = "app/strongroom";
/// The read-only calls the console itself makes. Only these are dropped as our own traffic:
/// a user agent is whatever the caller says, so a GetSecretValue or a write that claims to be
/// Strongroom (which never reads values) is kept as evidence.
const OWN_CALLS: &[&str] = &[
    "ListSecrets",
    "DescribeSecret",
    "GetResourcePolicy",
    "ListSecretVersionIds",
];

/// Reads the console looks up, besides every write (`trail::event::WRITES`).
const READS: &[&str] = &["GetSecretValue", "BatchGetSecretValue", "ListSecrets"];

/// The rotation service events.
const SERVICE_EVENTS: &[&str] = &[
    "RotationStarted",
    "RotationSucceeded",
    "RotationFailed",
    "RotationAbandoned",
];

/// The Secrets Manager events the console looks up, one LookupEvents query each.
pub fn event_names() -> impl Iterator<Item = &'static str> {
    READS
        .iter()
        .chain(crate::trail::event::WRITES)
        .chain(SERVICE_EVENTS)
        .copied()
}

/// LookupEvents' largest page.
const PAGE_SIZE: i32 = 50;
/// Retries of one page after ThrottlingException; the limiter's halving makes the waits grow
/// (1, 2, 4, 8, 8… s at the default rate).
const THROTTLE_RETRIES: u32 = 8;
/// Retries of one page after a timeout, a dropped connection or a 5xx.
const TRANSIENT_RETRIES: u32 = 3;
/// CloudTrail may show an event in LookupEvents several minutes after it happened, so windows
/// are recorded as complete only up to this long before now; the rest is fetched again.
pub const SETTLE: TimeDelta = TimeDelta::minutes(15);
/// Problems kept in [`Progress::problems`] (the counts go on).
const MAX_PROBLEMS: usize = 20;

/// One LookupEvents lookup attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    EventName(String),
    ResourceName(String),
    /// Every event of a service (`secretsmanager.amazonaws.com`): one lookup where the
    /// per-name ones make 23, for short increments where little happened.
    EventSource(String),
}

impl Query {
    /// How the store names this query's windows, e.g. `EventName=GetSecretValue`.
    pub fn key(&self) -> String {
        match self {
            Self::EventName(n) => format!("EventName={n}"),
            Self::ResourceName(n) => format!("ResourceName={n}"),
            Self::EventSource(n) => format!("EventSource={n}"),
        }
    }

    /// Whether a stored event answers this query. For ResourceName this approximates
    /// CloudTrail's matching with the secret references the record carries.
    pub fn matches(&self, event: &AccessEvent) -> bool {
        match self {
            Self::EventName(n) => &event.name == n,
            Self::EventSource(n) => &event.source == n,
            Self::ResourceName(n) => event.secrets.iter().any(|r| match r {
                SecretRef::Arn(s) | SecretRef::PartialArn(s) | SecretRef::Name(s) => {
                    s == n || s.contains(&format!(":secret:{n}"))
                }
                SecretRef::Filter { .. } => false,
            }),
        }
    }

    fn attribute(&self) -> Result<LookupAttribute, CellError> {
        let (key, value) = match self {
            Self::EventName(n) => (LookupAttributeKey::EventName, n),
            Self::ResourceName(n) => (LookupAttributeKey::ResourceName, n),
            Self::EventSource(n) => (LookupAttributeKey::EventSource, n),
        };
        LookupAttribute::builder()
            .attribute_key(key)
            .attribute_value(value)
            .build()
            .map_err(|e| CellError::failed(format!("LookupEvents query {}: {e}", self.key())))
    }
}

/// Windows up to this long are asked by event source (one lookup, the console's own calls
/// dropped locally); longer ones by event name, where skipping the noise pays off.
pub const BY_SOURCE_UP_TO: TimeDelta = TimeDelta::hours(2);

/// One EventName query per event in [`event_names`].
pub fn default_queries() -> Vec<Query> {
    event_names()
        .map(|n| Query::EventName(n.to_string()))
        .collect()
}

/// Where a fetch stands; passed with every page and returned at the end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Events delivered to `on_page` (newly fetched; `cached` not included).
    pub events: usize,
    /// LookupEvents answers received.
    pub pages: usize,
    /// LookupEvents calls made, throttled ones included.
    pub calls: usize,
    /// Calls answered with ThrottlingException (retried, not surfaced).
    pub throttled: usize,
    pub calls_per_sec: f64,
    /// The oldest and newest event delivered, cached ones included.
    pub oldest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
    /// Events served from the evidence store by [`fetch_cached`].
    pub cached: usize,
    /// Records that could not be parsed (see `problems`).
    pub skipped: usize,
    /// The console's own ListSecrets/DescribeSecret calls, left out.
    pub own: usize,
    /// Events of other services with the same name (TagResource on a Lambda), left out.
    pub other_services: usize,
    /// The first few records that could not be parsed, and why.
    pub problems: Vec<String>,
    /// The fetch was cancelled before it finished.
    pub cancelled: bool,
}

impl Progress {
    /// Widens `oldest`/`newest` to cover `events`.
    fn span(&mut self, events: &[AccessEvent]) {
        for e in events {
            self.oldest = Some(self.oldest.map_or(e.time, |t| t.min(e.time)));
            self.newest = Some(self.newest.map_or(e.time, |t| t.max(e.time)));
        }
    }
}

/// Receives each page's new events with the progress so far.
pub type OnPage<'a> = &'a (dyn Fn(Vec<AccessEvent>, &Progress) + Send + Sync);

/// A CloudTrail client for one cell: its region, its own retry partition, and no SDK retries,
/// because the rate limiter owns retrying (the SDK's retries would burn the quota blindly).
pub fn cloudtrail_client(config: &SdkConfig, cell: &Cell) -> aws_sdk_cloudtrail::Client {
    let conf = aws_sdk_cloudtrail::config::Builder::from(config)
        .region(Region::new(cell.region.clone()))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .retry_partition(RetryPartition::new(format!(
            "strongroom-cloudtrail-{}-{}",
            cell.account, cell.region
        )))
        .build();
    aws_sdk_cloudtrail::Client::from_conf(conf)
}

/// Every event of `queries` in `[start, end]` (inclusive; LookupEvents keeps 90 days), page by
/// page, newest first within a query. Duplicates across queries are delivered once.
#[allow(clippy::too_many_arguments)]
pub async fn fetch(
    client: &aws_sdk_cloudtrail::Client,
    limiter: &RateLimiter,
    cell: &Cell,
    queries: &[Query],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    on_page: OnPage<'_>,
    cancel: &CancellationToken,
) -> Result<Progress, CellError> {
    let mut fetcher = Fetcher::new(client, limiter, cell, cancel);
    for query in queries {
        let done = fetcher
            .window(query, start, end, &mut |page, progress| {
                on_page(page.events, progress);
                Ok(())
            })
            .await?;
        if !done {
            break;
        }
    }
    Ok(fetcher.finish())
}

/// Like [`fetch`], through the evidence store: first delivers the stored events of this region
/// that match `queries` (one `on_page` call), then fetches only the windows the store does not
/// cover yet, per query. Each page is stored before `on_page` sees it; a window is recorded
/// once its pages are stored (up to [`SETTLE`] before now), so a cancelled or failed run keeps
/// what it finished and the next one fetches only the rest and what is newer.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_cached(
    store: &Mutex<EvidenceStore>,
    client: &aws_sdk_cloudtrail::Client,
    limiter: &RateLimiter,
    cell: &Cell,
    queries: &[Query],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    on_page: OnPage<'_>,
    cancel: &CancellationToken,
) -> Result<Progress, CellError> {
    // The store keeps microseconds: finer bounds would leave sub-microsecond gaps to fetch.
    let (start, end) = (start.trunc_subsecs(6), end.trunc_subsecs(6));
    let lock = || store.lock().unwrap_or_else(PoisonError::into_inner);
    let stored = lock()
        .events(start, end, Some(&cell.region))
        .map_err(store_failed)?;
    let mut fetcher = Fetcher::new(client, limiter, cell, cancel);
    fetcher
        .seen
        .extend(stored.iter().map(|e| e.event_id.clone()));
    let cached: Vec<AccessEvent> = stored
        .into_iter()
        .filter(|e| queries.iter().any(|q| q.matches(e)))
        .collect();
    fetcher.progress.cached = cached.len();
    fetcher.progress.span(&cached);
    if !cached.is_empty() {
        on_page(cached, &fetcher.progress);
    }
    let settled = end.min(Utc::now() - SETTLE);
    let (queries, also_covers, (ask_from, ask_to)) = plan(&lock(), cell, queries, start, end)?;
    'queries: for query in &queries {
        let key = query.key();
        let covered = lock().covered(&cell.region, &key).map_err(store_failed)?;
        for (from, to) in missing(&covered, ask_from, ask_to) {
            let mut store_page = |page: Page, progress: &Progress| {
                let mut store = lock();
                store.insert(&page.events).map_err(store_failed)?;
                // Pages come newest first: everything after the oldest event's second is in.
                if page.more
                    && let Some(oldest) = page.oldest_seen
                {
                    let from = oldest + TimeDelta::seconds(1);
                    store
                        .record_window(&cell.region, &key, from, to.min(settled))
                        .map_err(store_failed)?;
                }
                drop(store);
                if !page.events.is_empty() {
                    on_page(page.events, progress);
                }
                Ok(())
            };
            if !fetcher.window(query, from, to, &mut store_page).await? {
                break 'queries;
            }
            let mut store = lock();
            for key in std::iter::once(&key).chain(&also_covers) {
                store
                    .record_window(&cell.region, key, from, to.min(settled))
                    .map_err(store_failed)?;
            }
        }
    }
    Ok(fetcher.finish())
}

/// The queries to send, the keys whose coverage their answers also record, and the window.
type Plan = (Vec<Query>, Vec<String>, (DateTime<Utc>, DateTime<Utc>));

/// What to ask. When what the per-name queries lack is short (a refresh's recent stretch, or a
/// short window), it is asked once by event source (one call when little happened, where the
/// names would make one each), and that stretch is then recorded for every name too.
fn plan(
    store: &EvidenceStore,
    cell: &Cell,
    queries: &[Query],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Plan, CellError> {
    let as_asked = || (queries.to_vec(), Vec::new(), (start, end));
    let by_name = queries.len() > 1 && queries.iter().all(|q| matches!(q, Query::EventName(_)));
    if !by_name {
        return Ok(as_asked());
    }
    let mut span: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for q in queries {
        let covered = store
            .covered(&cell.region, &q.key())
            .map_err(store_failed)?;
        for (a, b) in missing(&covered, start, end) {
            span = Some(span.map_or((a, b), |(s, e)| (s.min(a), e.max(b))));
        }
    }
    match span {
        Some((a, b)) if b - a <= BY_SOURCE_UP_TO => Ok((
            vec![Query::EventSource("secretsmanager.amazonaws.com".into())],
            queries.iter().map(Query::key).collect(),
            (a, b),
        )),
        _ => Ok(as_asked()),
    }
}

fn store_failed(e: crate::store::StoreError) -> CellError {
    CellError::failed(e.to_string())
}

/// One LookupEvents answer, filtered.
struct Page {
    /// New events for the caller: parsed, Secrets Manager's, not our own, not seen before.
    events: Vec<AccessEvent>,
    /// The oldest time of any event in the answer, kept or not.
    oldest_seen: Option<DateTime<Utc>>,
    /// Another page follows.
    more: bool,
}

type PageSink<'s> = dyn FnMut(Page, &Progress) -> Result<(), CellError> + Send + 's;

struct Fetcher<'a> {
    client: &'a aws_sdk_cloudtrail::Client,
    limiter: &'a RateLimiter,
    cell: &'a Cell,
    cancel: &'a CancellationToken,
    began: Instant,
    seen: HashSet<String>,
    progress: Progress,
}

impl<'a> Fetcher<'a> {
    fn new(
        client: &'a aws_sdk_cloudtrail::Client,
        limiter: &'a RateLimiter,
        cell: &'a Cell,
        cancel: &'a CancellationToken,
    ) -> Self {
        Self {
            client,
            limiter,
            cell,
            cancel,
            began: Instant::now(),
            seen: HashSet::new(),
            progress: Progress::default(),
        }
    }

    /// Every page of one query over `[start, end]`. `Ok(false)`: cancelled.
    async fn window(
        &mut self,
        query: &Query,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        sink: &mut PageSink<'_>,
    ) -> Result<bool, CellError> {
        let request = self
            .client
            .lookup_events()
            .lookup_attributes(query.attribute()?)
            .start_time(smithy_time(start))
            .end_time(smithy_time(end))
            .max_results(PAGE_SIZE);
        let mut token: Option<String> = None;
        loop {
            let mut call = request.clone();
            if let Some(t) = &token {
                call = call.next_token(t);
            }
            let Some(out) = self.send(call, query).await? else {
                return Ok(false);
            };
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            let page = self.page(&out, token.is_some());
            sink(page, &self.progress)?;
            if token.is_none() {
                return Ok(true);
            }
            if self.cancel.is_cancelled() {
                return Ok(false);
            }
        }
    }

    /// One call, through the limiter, retried on throttles and transient failures.
    /// `Ok(None)`: cancelled.
    async fn send(
        &mut self,
        call: aws_sdk_cloudtrail::operation::lookup_events::builders::LookupEventsFluentBuilder,
        query: &Query,
    ) -> Result<Option<LookupEventsOutput>, CellError> {
        let mut throttles = 0;
        let mut transient = 0;
        loop {
            tokio::select! {
                biased;
                () = self.cancel.cancelled() => return Ok(None),
                () = self.limiter.acquire() => {}
            }
            self.progress.calls += 1;
            let sent = tokio::select! {
                biased;
                () = self.cancel.cancelled() => return Ok(None),
                sent = call.clone().send() => sent,
            };
            self.update_rate();
            let err = match sent {
                Ok(out) => {
                    self.limiter.on_success();
                    self.progress.pages += 1;
                    return Ok(Some(out));
                }
                Err(e) => errors::classify(e),
            };
            match &err.health {
                CellHealth::Throttled(why) => {
                    self.progress.throttled += 1;
                    self.limiter.on_throttle();
                    throttles += 1;
                    if throttles > THROTTLE_RETRIES {
                        return Err(CellError::throttled(format!(
                            "LookupEvents ({}) in {} {} still throttled after {} attempts: {why}. \
                             Another tool may be using this account's quota (2 calls/s); try again later.",
                            query.key(),
                            self.cell.account,
                            self.cell.region,
                            throttles
                        )));
                    }
                }
                CellHealth::Down(_) if transient < TRANSIENT_RETRIES => {
                    transient += 1;
                    let wait = Duration::from_millis(500) * transient;
                    tokio::select! {
                        biased;
                        () = self.cancel.cancelled() => return Ok(None),
                        () = tokio::time::sleep(wait) => {}
                    }
                }
                _ => return Err(err),
            }
        }
    }

    /// Parses and filters one answer, updating the progress.
    fn page(&mut self, out: &LookupEventsOutput, more: bool) -> Page {
        let mut events = Vec::new();
        let mut oldest_seen: Option<DateTime<Utc>> = None;
        for raw in out.events() {
            let parsed = match raw.cloud_trail_event() {
                Some(text) => serde_json::from_str(text)
                    .map_err(|e| format!("CloudTrailEvent is not JSON: {e}"))
                    .and_then(|v| parse_record(&v)),
                None => Err("no CloudTrailEvent".to_string()),
            };
            let event = match parsed {
                Ok(e) => e,
                Err(why) => {
                    self.progress.skipped += 1;
                    if self.progress.problems.len() < MAX_PROBLEMS {
                        let id = raw.event_id().unwrap_or("(no id)");
                        self.progress.problems.push(format!(
                            "{} {}: event {id}: {why}",
                            self.cell.account, self.cell.region
                        ));
                    }
                    continue;
                }
            };
            oldest_seen = Some(oldest_seen.map_or(event.time, |t| t.min(event.time)));
            if !event.is_secrets_manager() {
                self.progress.other_services += 1;
            } else if is_own(&event) {
                self.progress.own += 1;
            } else if self.seen.insert(event.event_id.clone()) {
                events.push(event);
            }
        }
        self.progress.events += events.len();
        self.progress.span(&events);
        Page {
            events,
            oldest_seen,
            more,
        }
    }

    fn update_rate(&mut self) {
        let secs = self.began.elapsed().as_secs_f64();
        self.progress.calls_per_sec = if secs > 0.0 {
            self.progress.calls as f64 / secs
        } else {
            0.0
        };
    }

    fn finish(mut self) -> Progress {
        self.update_rate();
        self.progress.cancelled = self.cancel.is_cancelled();
        self.progress
    }
}

/// The console's own list/describe calls, by the app name in their user agent.
fn is_own(event: &AccessEvent) -> bool {
    OWN_CALLS.contains(&event.name.as_str())
        && event
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.contains(OWN_USER_AGENT))
}

fn smithy_time(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs_and_nanos(t.timestamp(), t.timestamp_subsec_nanos())
}

#[cfg(test)]
mod tests;
