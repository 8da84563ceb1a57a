//! Headless outputs: the same rows the TUI shows, as a table, JSON or CSV.

pub mod audit;
pub mod csv_cell;
pub mod drill;
pub mod events;
pub mod incident;
pub mod inventory;
pub mod leak;
pub mod review;
pub mod runbook_plan;
pub mod verify;
