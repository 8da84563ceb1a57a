//! The runbook engine: a pure state machine (no I/O, no clock reads, no async).
//!
//! [`Engine::new`] starts a run and [`Engine::handle`] turns each [`Event`] (what happened, with its
//! time) into the [`Command`]s the driver must carry out. Every state change is an [`Entry`] that is
//! returned as [`Command::Journal`] *before* the command that moves on, and the state is a fold of
//! those entries: [`Engine::replay`] rebuilds it from a journal and returns the commands that
//! continue the run (re-issuing the pending step's command without re-journaling anything).

mod drive;
mod resolve;
mod run;
mod state;
#[cfg(test)]
mod tests;
mod transitions;
mod types;

pub use resolve::{action_name, assertion_name, check_params, preview, query_name};
pub use state::Engine;
pub use types::{
    Command, EngineError, Entry, EntryKind, Event, Mode, Outcome, RunStatus, StepError, StepRecord,
};

// Only the tests use these through `super::*`.
#[cfg(test)]
use super::refs::ValueRef;
#[cfg(test)]
use super::spec::Runbook;
#[cfg(test)]
use chrono::{DateTime, SecondsFormat, Utc};
#[cfg(test)]
use std::collections::BTreeMap;
