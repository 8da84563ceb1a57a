//! The runbook worker behind the TUI. It owns the open run (its session, and with it the only
//! SQLite connection to the journal) and the executor, on a thread of its own with a
//! current-thread runtime: journal writes never block the screen and the session is never
//! shared. Requests arrive on a channel; after every change the worker sends the run back as a
//! plain-data snapshot, and progress lines while automatic steps run.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::app::Msg;
use crate::app::effect::RunbookRequest;
use crate::incident::catalog::Catalog;
use crate::incident::driver::{self, Progress};
use crate::incident::executor::Executor;
use crate::incident::session::{Operator, Session, SessionError, replay_readonly};
use crate::incident::snapshot::{RunRow, RunSnapshot, status_line};
use crate::incident::timeline::describe;
use crate::runbook::engine::{Entry, Event, Mode};
use crate::store::journal::Journal;

/// What the worker needs: where the journal is, the runbooks, and what calls go to.
pub struct Config {
    pub state_dir: PathBuf,
    pub catalog: Catalog,
    pub executor: Arc<dyn Executor>,
}

/// Starts the worker thread; it stops when the returned sender is dropped.
pub fn spawn(
    config: Config,
    msgs: UnboundedSender<Msg>,
) -> std::io::Result<UnboundedSender<RunbookRequest>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("strongroom-runbooks".to_string())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(runtime) => runtime.block_on(Worker::new(config, msgs).serve(rx)),
                Err(error) => {
                    let _ = msgs.send(Msg::RunbookFailed(format!(
                        "the runbook worker cannot start: {error}"
                    )));
                }
            }
        })?;
    Ok(tx)
}

struct Worker {
    config: Config,
    msgs: UnboundedSender<Msg>,
    session: Option<Session>,
    /// Runs whose writes this process's executor has seen (made here, or replayed on resume),
    /// so a simulated write is never applied twice.
    seen: HashSet<String>,
}

impl Worker {
    fn new(config: Config, msgs: UnboundedSender<Msg>) -> Self {
        Worker {
            config,
            msgs,
            session: None,
            seen: HashSet::new(),
        }
    }

    async fn serve(mut self, mut requests: UnboundedReceiver<RunbookRequest>) {
        while let Some(request) = requests.recv().await {
            self.handle(request).await;
        }
    }

    async fn handle(&mut self, request: RunbookRequest) {
        match request {
            RunbookRequest::ListRuns => {
                let runs = list_runs(&self.config.state_dir).map_err(|e| e.to_string());
                self.send(Msg::RunsListed(runs));
            }
            RunbookRequest::Start {
                runbook,
                params,
                mode,
            } => match self.start(&runbook, params, mode) {
                Ok(()) => self.advance().await,
                Err(error) => self.fail(format!("cannot start {runbook}: {error}")),
            },
            RunbookRequest::Resume {
                run_id,
                allow_write,
            } => match self.resume(&run_id, allow_write) {
                Ok(()) => self.advance().await,
                Err(error) => self.fail(format!("cannot resume {run_id}: {error}")),
            },
            RunbookRequest::Answer { run_id, event } => self.answer(&run_id, event).await,
            RunbookRequest::Resend { run_id } => {
                match self.session.as_mut().filter(|s| s.run_id == run_id) {
                    Some(session) => session.resend_interrupted_write(),
                    None => return self.fail(not_open(&run_id)),
                }
                self.advance().await;
            }
        }
    }

    fn start(
        &mut self,
        runbook: &str,
        params: std::collections::BTreeMap<String, String>,
        mode: Mode,
    ) -> Result<(), String> {
        let entry = self.config.catalog.find(runbook)?;
        let journal = Journal::open(&self.config.state_dir).map_err(|e| e.to_string())?;
        let operator = Operator::local(self.config.executor.target());
        let session = Session::start(journal, &entry, params, mode, Utc::now(), operator)
            .map_err(|e| e.to_string())?;
        self.seen.insert(session.run_id.clone());
        self.session = Some(session);
        Ok(())
    }

    /// Opens a run from the journal, or keeps the open one when it is that run.
    fn resume(&mut self, run_id: &str, allow_write: bool) -> Result<(), SessionError> {
        if self.session.as_ref().is_none_or(|s| s.run_id != run_id) {
            self.session = None;
            let journal = Journal::open(&self.config.state_dir)?;
            let operator = Operator::local(self.config.executor.target());
            let session = Session::resume(journal, run_id, Utc::now(), operator)?;
            if self.seen.insert(run_id.to_string()) {
                driver::replay_writes(&session, self.config.executor.as_ref());
            }
            self.session = Some(session);
        }
        if let Some(session) = self.session.as_mut().filter(|_| allow_write) {
            session.allow_writes(Utc::now())?;
        }
        Ok(())
    }

    async fn answer(&mut self, run_id: &str, event: Event) {
        let Some(session) = self.session.as_mut().filter(|s| s.run_id == run_id) else {
            return self.fail(not_open(run_id));
        };
        match session.handle(event) {
            Ok(()) => self.advance().await,
            Err(error) => self.snapshot(false, Some(error.to_string())),
        }
    }

    /// Runs the automatic steps until the operator is needed, reporting as it goes.
    async fn advance(&mut self) {
        self.snapshot(true, None);
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let msgs = self.msgs.clone();
        let mut report = |progress: Progress<'_>| {
            let line = match progress {
                Progress::Journaled(_, entry) => journaled(entry),
                Progress::Running(running) if running.attempt > 1 => format!(
                    "{}: {} (attempt {})",
                    running.step, running.what, running.attempt
                ),
                Progress::Running(running) => format!("{}: {}", running.step, running.what),
            };
            let _ = msgs.send(Msg::RunProgress(line));
        };
        let result = driver::advance(
            session,
            self.config.executor.as_ref(),
            Utc::now,
            &mut report,
        )
        .await;
        self.snapshot(false, result.err().map(|e| e.to_string()));
    }

    fn snapshot(&self, busy: bool, error: Option<String>) {
        if let Some(session) = &self.session {
            let mut snapshot = snapshot_of(session);
            snapshot.busy = busy;
            if error.is_some() {
                snapshot.error = error;
            }
            self.send(Msg::RunUpdated(Box::new(snapshot)));
        }
    }

    fn fail(&self, message: String) {
        self.send(Msg::RunbookFailed(message));
    }

    fn send(&self, msg: Msg) {
        // The screen is gone when nobody listens; the journal holds everything.
        let _ = self.msgs.send(msg);
    }
}

fn not_open(run_id: &str) -> String {
    format!("{run_id} is not the open run; reopen it from :incidents")
}

fn journaled(entry: &Entry) -> String {
    let (step, what) = describe(&entry.kind);
    match step {
        Some(step) => format!("{step}: {what}"),
        None => what,
    }
}

/// The session as the run view shows it, read back from the journal.
pub fn snapshot_of(session: &Session) -> RunSnapshot {
    let journal = session.journal();
    let run_id = &session.run_id;
    let (entries, mut error) = match journal.entries(run_id) {
        Ok(rows) => {
            let entries: Vec<(u64, Entry)> = rows
                .iter()
                .filter_map(|row| {
                    serde_json::from_value::<Entry>(row.entry.clone())
                        .ok()
                        .map(|entry| (row.seq, entry))
                })
                .collect();
            let unreadable = rows.len() - entries.len();
            let error = (unreadable > 0)
                .then(|| format!("{unreadable} journal entries cannot be read by this version"));
            (entries, error)
        }
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let chain_ok = match journal.verify(run_id) {
        Ok(chain) => chain.is_ok(),
        Err(e) => {
            error.get_or_insert(e.to_string());
            false
        }
    };
    let mut snapshot = RunSnapshot::build(
        run_id,
        session.engine(),
        &entries,
        session.waiting().cloned(),
        session.interrupted_write().map(str::to_string),
        chain_ok,
    );
    snapshot.error = error;
    snapshot
}

/// Every run in the journal, newest first, with where it stands.
pub fn list_runs(state_dir: &std::path::Path) -> Result<Vec<RunRow>, SessionError> {
    let journal = Journal::open(state_dir)?;
    let mut rows = Vec::new();
    for run in journal.runs()? {
        let chain_ok = journal.verify(&run.run_id)?.is_ok();
        let status = match replay_readonly(&journal, &run.run_id) {
            Ok(engine) => status_line(&engine),
            Err(error) => format!("unreadable: {error}"),
        };
        rows.push(RunRow {
            run_id: run.run_id,
            runbook: run.runbook,
            started_at: run.started_at,
            entries: run.entries,
            status,
            chain_ok,
        });
    }
    Ok(rows)
}

#[cfg(test)]
#[path = "runbook_worker_tests.rs"]
mod tests;
