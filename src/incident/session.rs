//! One run of a runbook with its journal: every entry the engine produces is committed before
//! the command that follows it is handed out, so a run killed at any point resumes from its
//! journal with nothing lost and nothing done twice unknowingly.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::catalog;
use crate::runbook::calls::ApiCall;
use crate::runbook::engine::{Command, Engine, EngineError, Entry, Event, Mode, RunStatus};
use crate::runbook::spec::{ActionKind, StepBody};
use crate::runbook::{Runbook, validate};
use crate::store::journal::{Journal, JournalError, Row};

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Runbook(String),
    #[error("no incident `{0}` in the journal; `strongroom incident list` shows them")]
    UnknownRun(String),
}

/// Who is at the keyboard and what the calls go to, written to the journal on start and resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub via: String,
}

impl Operator {
    /// `$USER@$HOSTNAME` (or what of it is known), calling `via`.
    pub fn local(via: String) -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".to_string());
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_string())
            })
            .filter(|h| !h.is_empty());
        let name = match host {
            Some(host) => format!("{user}@{host}"),
            None => user,
        };
        Operator { name, via }
    }
}

/// A write an earlier turn made: the action, the call as sent, and its outputs (plus `at`).
pub type Write = (ActionKind, ApiCall, BTreeMap<String, String>);

pub struct Session {
    pub run_id: String,
    engine: Engine,
    journal: Journal,
    waiting: Option<Command>,
    /// On resume: an approved write whose outcome was never recorded. It may have been made,
    /// so it is not sent again without the operator saying so.
    interrupted_write: Option<String>,
    /// Entries journaled since the last [`Session::take_fresh`], with their sequence numbers.
    fresh: Vec<(u64, Entry)>,
}

impl Session {
    /// Starts a run of `entry` and journals its first entries.
    pub fn start(
        mut journal: Journal,
        entry: &catalog::Entry,
        params: BTreeMap<String, String>,
        mode: Mode,
        at: DateTime<Utc>,
        operator: Operator,
    ) -> Result<Self, SessionError> {
        let runbook = entry.runbook.clone().map_err(|errors| {
            SessionError::Runbook(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        let (mut engine, mut commands) = Engine::new(runbook.clone(), params.clone(), at, mode)?;
        let params_json = serde_json::to_value(&params).unwrap_or(Value::Null);
        let run_id = journal.start_run(&runbook.meta.id, &params_json, at)?;
        journal.save_source(&run_id, &entry.file, &entry.text)?;
        // RunStarted first, then who started it, then the rest.
        let who = engine.operator(at, operator.name, operator.via);
        let rest = commands.split_off(commands.len().min(1));
        let mut session = Session {
            run_id,
            engine,
            journal,
            waiting: None,
            interrupted_write: None,
            fresh: Vec::new(),
        };
        session.absorb(commands)?;
        session.absorb(who)?;
        session.absorb(rest)?;
        Ok(session)
    }

    /// Rebuilds a run from its journal and the runbook text it started with.
    pub fn resume(
        mut journal: Journal,
        run_id: &str,
        at: DateTime<Utc>,
        operator: Operator,
    ) -> Result<Self, SessionError> {
        let (file, text) = journal
            .source(run_id)?
            .ok_or_else(|| SessionError::UnknownRun(run_id.to_string()))?;
        let runbook = load(&file, &text)?;
        let entries = entries_of(&journal.entries(run_id)?)?;
        let (mut engine, commands) = Engine::replay(runbook, &entries)?;
        let interrupted_write = commands.iter().find_map(|c| match c {
            Command::RunAction { step, .. } => Some(step.clone()),
            _ => None,
        });
        if engine.status().is_none() {
            for command in engine.operator(at, operator.name, operator.via) {
                if let Command::Journal(entry) = command {
                    append(&mut journal, run_id, &entry)?;
                }
            }
        }
        let mut session = Session {
            run_id: run_id.to_string(),
            engine,
            journal,
            waiting: None,
            interrupted_write,
            fresh: Vec::new(),
        };
        session.absorb(commands)?;
        Ok(session)
    }

    /// Applies what happened; the entries it leads to are committed before this returns.
    pub fn handle(&mut self, event: Event) -> Result<(), SessionError> {
        let commands = self.engine.handle(event);
        self.absorb(commands)
    }

    /// Allows writes from here on (resumed with `--allow-write`), journaled.
    pub fn allow_writes(&mut self, at: DateTime<Utc>) -> Result<(), SessionError> {
        let commands = self.engine.allow_writes(at);
        self.absorb(commands)
    }

    /// The command the run waits on: an automatic one for the driver, or one for the operator.
    pub fn waiting(&self) -> Option<&Command> {
        self.waiting.as_ref()
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn runbook(&self) -> &Runbook {
        self.engine.runbook()
    }

    pub fn status(&self) -> Option<&RunStatus> {
        self.engine.status()
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The entries journaled since the last call, oldest first.
    pub fn take_fresh(&mut self) -> Vec<(u64, Entry)> {
        std::mem::take(&mut self.fresh)
    }

    /// The step whose approved write may or may not have been made before the process stopped.
    pub fn interrupted_write(&self) -> Option<&str> {
        self.interrupted_write.as_deref()
    }

    /// The operator re-approved the interrupted write: it may be sent again.
    pub fn resend_interrupted_write(&mut self) {
        self.interrupted_write = None;
    }

    /// Every successful write of this run so far (oldest first), rebuilt from the journal.
    pub fn writes(&self) -> Vec<Write> {
        let mut writes: Vec<(DateTime<Utc>, Write)> = Vec::new();
        for step in &self.runbook().steps {
            let StepBody::Action { action, .. } = &step.body else {
                continue;
            };
            let Some(record) = self.engine.record_of(&step.id) else {
                continue;
            };
            let (Some(at), Some(operation), Some(body)) = (
                record.finished_at,
                record.outputs.get("operation"),
                record.outputs.get("request"),
            ) else {
                continue;
            };
            if let Some(call) = crate::runbook::calls::from_journal(operation, body) {
                let mut outputs = record.outputs.clone();
                outputs.insert("at".to_string(), at.to_rfc3339());
                writes.push((at, (*action, call, outputs)));
            }
        }
        writes.sort_by_key(|w| w.0);
        writes.into_iter().map(|(_, write)| write).collect()
    }

    fn absorb(&mut self, commands: Vec<Command>) -> Result<(), SessionError> {
        for command in commands {
            match command {
                Command::Journal(entry) => {
                    let seq = append(&mut self.journal, &self.run_id, &entry)?;
                    self.fresh.push((seq, entry));
                }
                Command::Finished { .. } => self.waiting = None,
                other => self.waiting = Some(other),
            }
        }
        Ok(())
    }
}

fn append(journal: &mut Journal, run_id: &str, entry: &Entry) -> Result<u64, SessionError> {
    let value = serde_json::to_value(entry)
        .map_err(|e| SessionError::Runbook(format!("cannot encode a journal entry: {e}")))?;
    Ok(journal.append(run_id, entry.at, &value)?)
}

fn load(file: &str, text: &str) -> Result<Runbook, SessionError> {
    validate(text, file).map_err(|errors| {
        SessionError::Runbook(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// The engine entries of journal rows; a row that does not decode is named.
pub fn entries_of(rows: &[Row]) -> Result<Vec<Entry>, SessionError> {
    rows.iter()
        .map(|row| {
            serde_json::from_value::<Entry>(row.entry.clone()).map_err(|e| {
                SessionError::Engine(EngineError::Journal(format!(
                    "entry {} does not decode: {e}",
                    row.seq
                )))
            })
        })
        .collect()
}

/// Rebuilds a run's engine from the journal without touching it (list, export, the TUI).
pub fn replay_readonly(journal: &Journal, run_id: &str) -> Result<Engine, SessionError> {
    let (file, text) = journal
        .source(run_id)?
        .ok_or_else(|| SessionError::UnknownRun(run_id.to_string()))?;
    let runbook = load(&file, &text)?;
    let entries = entries_of(&journal.entries(run_id)?)?;
    let (engine, _) = Engine::replay(runbook, &entries)?;
    Ok(engine)
}
