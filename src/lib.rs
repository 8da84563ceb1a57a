//! Strongroom: an operations console for AWS Secrets Manager.
//!
//! `domain`, `app` and `report` are the pure core; `source` and `tui` are the adapters at the edge.

pub mod app;
pub mod audit;
pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod drill;
pub mod drive;
pub mod incident;
pub mod leak;
pub mod logging;
pub mod registry;
pub mod report;
pub mod review;
pub mod runbook;
pub mod source;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod trail;
pub mod tui;
