//! Runs the core's effects against the adapters: the headless runner that drives `update` to
//! completion, the runbook worker (journal, executor) and the review worker (the review store).
//! Results come back to the core as messages.

pub mod review_worker;
pub mod runbook_worker;
pub mod runner;
