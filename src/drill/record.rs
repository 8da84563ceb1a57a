//! What a drill run did, for the report: who, when, against what, each phase and its duration,
//! the calls made, and whether values were read or a promotion rehearsed. Pure data.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::stopwatch::Phase;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub started_at: DateTime<Utc>,
    /// `$USER@host`.
    pub operator: String,
    pub source: String,
    /// `live`, `demo` or `snapshot`.
    pub source_kind: &'static str,
    pub accounts: Vec<String>,
    /// The regions read (the DR region included).
    pub regions_read: Vec<String>,
    /// `default (...)` or the `--secrets` glob.
    pub selection: String,
    pub allow_write: bool,
    pub cells: Vec<CellRecord>,
    pub phases: Vec<Phase>,
    /// API calls made by the drill, by operation (empty for the demo and snapshots).
    pub calls: BTreeMap<String, usize>,
    pub value_verification: ValueRecord,
    pub promotion_rehearsal: RehearsalRecord,
    /// Anything that makes the run incomplete (exit code 2).
    pub errors: Vec<String>,
    pub total_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellRecord {
    pub account: String,
    pub region: String,
    pub health: &'static str,
    pub detail: Option<String>,
}

/// `--verify-values`: whether values were read, how many, and what came of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValueRecord {
    pub requested: bool,
    /// Secrets whose AWSCURRENT was compared.
    pub compared: usize,
    /// GetSecretValue calls made (each one is in CloudTrail).
    pub reads: usize,
    pub mismatches: usize,
    /// Selected secrets with no listed replica in the DR region (or no listed primary).
    pub not_verifiable: usize,
    pub note: String,
}

/// `--rehearse-promotion`: what was planned, whether it ran, and why not.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RehearsalRecord {
    pub requested: bool,
    /// `not requested`, `refused: ...`, `not confirmed: ...`, `done`, `done with failures`.
    pub status: String,
    /// The confirmation text that was asked for.
    pub confirmation: Option<String>,
    pub planned: Vec<PlannedPromotion>,
    pub skipped: Vec<SkippedPromotion>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedPromotion {
    pub name: String,
    pub account: String,
    /// The exact requests, as previewed: operation, region and JSON body.
    pub requests: Vec<PlannedRequest>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedRequest {
    pub operation: &'static str,
    pub region: String,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedPromotion {
    pub name: String,
    pub account: String,
    pub why: String,
}

impl Record {
    pub fn add_calls(&mut self, operation: &str, n: usize) {
        if n > 0 {
            *self.calls.entry(operation.to_string()).or_default() += n;
        }
    }
}
