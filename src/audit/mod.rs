//! The compliance audit: pure rules from the inventory (and CloudTrail, once loaded) to findings,
//! with the thresholds AWS Config, Security Hub and Prowler use, so no AWS Config is needed.

pub mod finding;
pub mod history;
pub mod naming;
pub mod policy;
pub mod rules;

use chrono::{DateTime, Utc};

pub use finding::{Finding, RuleId, Severity};
pub use history::RotationHistory;
pub use policy::{Declared, Policy, PolicyError};

use crate::domain::Entry;

/// Every finding for every entry, in inventory order, rule order within a secret.
pub fn evaluate(
    entries: &[Entry],
    history: &RotationHistory,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    entries
        .iter()
        .flat_map(|e| rules::check(e, history, policy, now))
        .collect()
}

/// The highest severity among findings, for exit codes and badges.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

#[cfg(test)]
mod example_test;
