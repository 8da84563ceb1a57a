//! Incidents: runs of a runbook against AWS (or the demo), journaled step by step.
//!
//! The runbook engine (`runbook::engine`) is pure; this module is its edge: the
//! [`Executor`](executor::Executor) port that queries, writes and checks, the session that
//! journals every entry before moving on, the driver that runs the automatic steps, the
//! timeline export, and the worker that runs a session for the TUI.

pub mod catalog;
pub mod driver;
pub mod executor;
pub mod leak_journal;
pub mod leak_match;
pub mod offline;
pub mod prompt;
pub mod session;
pub mod snapshot;
pub mod timeline;
pub mod verdicts;

pub use catalog::Catalog;
pub use executor::{ActionOutput, CheckOutcome, Executor, QueryOutput};
pub use session::{Operator, Session, SessionError};
