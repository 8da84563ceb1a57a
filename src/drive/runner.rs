//! Runs effects against a source and turns their results into messages. The TUI and the
//! headless commands share it, so both drive exactly the same `update`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio_util::sync::CancellationToken;

use crate::app::effect::{RequestId, ReviewRequest, RunbookRequest};
use crate::app::{Effect, Msg, State, update};
use crate::source::InventorySource;

/// Spawns effects; results come back on the channel as messages tagged with their request.
#[derive(Clone)]
pub struct Runner {
    source: Arc<dyn InventorySource>,
    tx: UnboundedSender<Msg>,
    cancels: Arc<Mutex<HashMap<RequestId, CancellationToken>>>,
    /// The runbook worker, in the interactive console.
    runbooks: Option<UnboundedSender<RunbookRequest>>,
    /// The review worker (the review store), in the interactive console.
    reviews: Option<UnboundedSender<ReviewRequest>>,
    /// Where leak checks are journaled (`journal.sqlite`), in the interactive console.
    journal_dir: Option<std::path::PathBuf>,
}

impl Runner {
    pub fn new(source: Arc<dyn InventorySource>) -> (Self, UnboundedReceiver<Msg>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let runner = Self {
            source,
            tx,
            cancels: Arc::default(),
            runbooks: None,
            reviews: None,
            journal_dir: None,
        };
        (runner, rx)
    }

    /// Where results go: the runbook worker answers on the same channel.
    pub fn sender(&self) -> UnboundedSender<Msg> {
        self.tx.clone()
    }

    /// Sends `Effect::Runbook` requests to this worker.
    pub fn with_runbooks(mut self, worker: UnboundedSender<RunbookRequest>) -> Self {
        self.runbooks = Some(worker);
        self
    }

    /// Journals leak checks in `dir` (the state directory).
    pub fn with_journal_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.journal_dir = Some(dir);
        self
    }

    /// Sends `Effect::Review` requests to this worker.
    pub fn with_reviews(mut self, worker: UnboundedSender<ReviewRequest>) -> Self {
        self.reviews = Some(worker);
        self
    }

    /// Spawns one effect. `Quit` is the caller's business.
    pub fn spawn(&self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::LoadCell { request, cell } => {
                let pages = tx.clone();
                let page_cell = cell.clone();
                let fut = self.source.load_cell(
                    cell.clone(),
                    Box::new(move |secrets| {
                        let _ = pages.send(Msg::CellPage {
                            request,
                            cell: page_cell.clone(),
                            secrets: secrets.to_vec(),
                        });
                    }),
                );
                tokio::spawn(async move {
                    let result = fut.await;
                    let _ = tx.send(Msg::CellLoaded {
                        request,
                        cell,
                        at: Utc::now(),
                        result,
                    });
                });
            }
            Effect::DescribeReplication { request, secret } => {
                let fut = self.source.describe_replication(&secret);
                tokio::spawn(async move {
                    let result = fut.await;
                    let _ = tx.send(Msg::ReplicationLoaded {
                        request,
                        arn: secret.arn.clone(),
                        result,
                    });
                });
            }
            Effect::FetchEvents {
                request,
                cell,
                start,
                end,
            } => {
                let cancel = CancellationToken::new();
                if let Ok(mut c) = self.cancels.lock() {
                    c.insert(request, cancel.clone());
                }
                let pages = tx.clone();
                let fut = self.source.fetch_events(
                    cell.clone(),
                    start,
                    end,
                    Box::new(move |events, progress| {
                        let _ = pages.send(Msg::EventsPage {
                            request,
                            events,
                            progress,
                        });
                    }),
                    cancel,
                );
                let cancels = self.cancels.clone();
                tokio::spawn(async move {
                    let result = fut.await;
                    if let Ok(mut c) = cancels.lock() {
                        c.remove(&request);
                    }
                    let _ = tx.send(Msg::EventsDone {
                        request,
                        cell,
                        result,
                    });
                });
            }
            Effect::CancelFetch { requests } => {
                if let Ok(c) = self.cancels.lock() {
                    for r in requests {
                        if let Some(token) = c.get(&r) {
                            token.cancel();
                        }
                    }
                }
            }
            Effect::Runbook(request) => {
                let sent = self
                    .runbooks
                    .as_ref()
                    .is_some_and(|worker| worker.send(request).is_ok());
                if !sent {
                    let _ = tx.send(Msg::RunbookFailed(
                        "the runbook worker is not running; runbooks work in the interactive console"
                            .to_string(),
                    ));
                }
            }
            Effect::FetchPolicies { request, secrets } => {
                let fut = self.source.resource_policies(secrets);
                tokio::spawn(async move {
                    let answer = fut.await;
                    let _ = tx.send(Msg::PoliciesFetched { request, answer });
                });
            }
            Effect::Review(request) => {
                let unsent = match &self.reviews {
                    Some(worker) => worker.send(request).err().map(|e| e.0),
                    None => Some(request),
                };
                if let Some(request) = unsent {
                    let _ = tx.send(no_review_worker(request));
                }
            }
            Effect::LeakCheck {
                suspect,
                plan,
                reason,
                source,
            } => {
                let fut = self.source.leak_check(suspect, plan.clone());
                let dir = self.journal_dir.clone();
                tokio::spawn(async move {
                    let result = fut.await.map(|outcome| {
                        let id = dir.and_then(|dir| {
                            journal_leak_check(&dir, &reason, &source, &plan, &outcome)
                                .map_err(|e| tracing::warn!("leak check not journaled: {e}"))
                                .ok()
                        });
                        (outcome, id)
                    });
                    let _ = tx.send(Msg::LeakChecked(result));
                });
            }
            Effect::Quit => {}
        }
    }
}

/// Records a console leak check in the journal: who (the local operator), why, and what
/// matched; never a value.
fn journal_leak_check(
    dir: &std::path::Path,
    reason: &str,
    source: &str,
    plan: &crate::leak::Plan,
    outcome: &crate::leak::Outcome,
) -> Result<i64, crate::store::journal::JournalError> {
    let operator = crate::incident::session::Operator::local("the console".to_string()).name;
    let reads = crate::incident::leak_journal::Reads {
        operator: &operator,
        reason,
        incident: None,
        source,
    };
    crate::incident::leak_journal::record(dir, &reads, plan, outcome, Utc::now())
}

/// The answer to a review request when no worker runs (headless commands use the store
/// directly), so nothing waits for it.
fn no_review_worker(request: ReviewRequest) -> Msg {
    let why = "the review store is open only in the interactive console".to_string();
    match request {
        ReviewRequest::Open { request, .. } => Msg::ReviewOpened {
            request,
            result: Err(why),
        },
        ReviewRequest::Decide { review, .. } => Msg::ReviewDecided {
            review,
            result: Err(why),
        },
        ReviewRequest::SavePolicies { .. } | ReviewRequest::Observe(_) => Msg::ReviewFailed(why),
    }
}

/// Whether a message closes an effect (pages are progress within one).
fn closes(msg: &Msg) -> bool {
    !matches!(msg, Msg::CellPage { .. } | Msg::EventsPage { .. })
}

/// Whether an effect will answer with a closing message.
fn answers(effect: &Effect) -> bool {
    matches!(
        effect,
        Effect::LoadCell { .. }
            | Effect::DescribeReplication { .. }
            | Effect::FetchEvents { .. }
            | Effect::FetchPolicies { .. }
            | Effect::LeakCheck { .. }
    )
}

/// Drives the update loop from `first` until no effect is outstanding (headless commands).
pub async fn drive(state: &mut State, source: Arc<dyn InventorySource>, first: Vec<Effect>) {
    let (runner, mut rx) = Runner::new(source);
    let mut outstanding = 0usize;
    for effect in first {
        outstanding += usize::from(answers(&effect));
        runner.spawn(effect);
    }
    while outstanding > 0 {
        let Some(msg) = rx.recv().await else { break };
        if closes(&msg) {
            outstanding -= 1;
        }
        update(state, Msg::Tick(Utc::now()));
        for effect in update(state, msg) {
            outstanding += usize::from(answers(&effect));
            runner.spawn(effect);
        }
    }
}

/// Loads the inventory to completion (headless commands).
pub async fn run_to_completion(state: &mut State, source: Arc<dyn InventorySource>) {
    update(state, Msg::Tick(Utc::now()));
    let first = crate::app::update::start(state);
    drive(state, source, first).await;
}
