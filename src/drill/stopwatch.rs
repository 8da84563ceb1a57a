//! Timing the drill: a source wrapper that records when each cell's listing and each
//! DescribeSecret started and ended (and counts ListSecrets pages), and the phases the report
//! shows. This is the edge (it reads the clock); the core never sees it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Serialize;

use crate::domain::{Cell, ReplicaStatus, Secret};
use crate::source::{CellError, CellResult, InventorySource, OnPage, SourceInfo};

/// One phase of the drill as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    pub name: String,
    /// API calls made in the phase (None where the source makes none: snapshots, the demo).
    pub calls: Option<usize>,
    pub seconds: f64,
    pub note: Option<String>,
}

/// When one cell's listing ran, relative to the stopwatch's start.
#[derive(Debug, Clone, Default)]
struct CellTiming {
    start: Duration,
    end: Option<Duration>,
    pages: usize,
}

#[derive(Debug, Default)]
struct Log {
    cells: BTreeMap<Cell, CellTiming>,
    /// (start, end) of each DescribeSecret.
    describes: Vec<(Duration, Duration)>,
}

/// Wraps a source; clones share the log.
#[derive(Clone)]
pub struct Stopwatch {
    inner: Arc<dyn InventorySource>,
    started: Instant,
    log: Arc<Mutex<Log>>,
    live: bool,
}

impl Stopwatch {
    pub fn new(inner: Arc<dyn InventorySource>, live: bool) -> Self {
        Self {
            inner,
            started: Instant::now(),
            log: Arc::default(),
            live,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Listing per region (its cells' calls run in parallel) and DescribeSecret.
    pub fn phases(&self) -> Vec<Phase> {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let mut by_region: BTreeMap<&str, (Duration, Duration, usize)> = BTreeMap::new();
        for (cell, t) in &log.cells {
            let end = t.end.unwrap_or(t.start);
            let e = by_region
                .entry(cell.region.as_str())
                .or_insert((t.start, end, 0));
            e.0 = e.0.min(t.start);
            e.1 = e.1.max(end);
            e.2 += t.pages;
        }
        let mut phases: Vec<Phase> = by_region
            .into_iter()
            .map(|(region, (start, end, pages))| Phase {
                name: format!("list {region}"),
                calls: self.live.then_some(pages),
                seconds: (end - start).as_secs_f64(),
                note: self
                    .live
                    .then(|| "ListSecrets pages of 100, accounts in parallel".to_string()),
            })
            .collect();
        let n = log.describes.len();
        if n > 0 || self.live {
            let first = log.describes.iter().map(|d| d.0).min().unwrap_or_default();
            let last = log.describes.iter().map(|d| d.1).max().unwrap_or_default();
            let busy: Duration = log.describes.iter().map(|d| d.1 - d.0).sum();
            let listed_by = log
                .cells
                .values()
                .filter_map(|t| t.end)
                .max()
                .unwrap_or_default();
            phases.push(Phase {
                name: "DescribeSecret (replicated primaries)".to_string(),
                calls: self.live.then_some(n),
                seconds: (last.saturating_sub(first)).as_secs_f64(),
                note: (n > 0).then(|| {
                    format!(
                        "{:.1} ms per call on average, in parallel; started while listing, last answer {:.2} s after the last listing",
                        busy.as_secs_f64() * 1000.0 / n as f64,
                        last.saturating_sub(listed_by).as_secs_f64()
                    )
                }),
            });
        }
        phases
    }

    /// ListSecrets pages and DescribeSecret calls made so far.
    pub fn calls(&self) -> (usize, usize) {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        (
            log.cells.values().map(|t| t.pages).sum(),
            log.describes.len(),
        )
    }

    /// The mean duration of one DescribeSecret, if any was made.
    pub fn describe_latency(&self) -> Option<Duration> {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let n = u32::try_from(log.describes.len()).ok().filter(|n| *n > 0)?;
        Some(log.describes.iter().map(|d| d.1 - d.0).sum::<Duration>() / n)
    }
}

impl InventorySource for Stopwatch {
    fn info(&self) -> SourceInfo {
        self.inner.info()
    }

    fn load_cell(&self, cell: Cell, on_page: OnPage) -> BoxFuture<'static, CellResult> {
        let started = self.started;
        let log = self.log.clone();
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cells
            .insert(
                cell.clone(),
                CellTiming {
                    start: started.elapsed(),
                    ..Default::default()
                },
            );
        let page_log = log.clone();
        let page_cell = cell.clone();
        let counting: OnPage = Box::new(move |secrets: &[Secret]| {
            if let Some(t) = page_log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .cells
                .get_mut(&page_cell)
            {
                t.pages += 1;
            }
            on_page(secrets);
        });
        let fut = self.inner.load_cell(cell.clone(), counting);
        async move {
            let result = fut.await;
            if let Some(t) = log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .cells
                .get_mut(&cell)
            {
                t.end = Some(started.elapsed());
            }
            result
        }
        .boxed()
    }

    fn describe_replication(
        &self,
        secret: &Secret,
    ) -> BoxFuture<'static, Result<Vec<ReplicaStatus>, CellError>> {
        let started = self.started;
        let log = self.log.clone();
        let fut = self.inner.describe_replication(secret);
        async move {
            let start = started.elapsed();
            let result = fut.await;
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .describes
                .push((start, started.elapsed()));
            result
        }
        .boxed()
    }

    fn runbook_executor(&self) -> Arc<dyn crate::incident::Executor> {
        self.inner.runbook_executor()
    }
}
