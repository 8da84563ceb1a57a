//! What the journal keeps of a check: the verdict, the candidates, the reads and calls, which
//! versions matched and which reads failed. Never a value, nor anything derived from one.

use serde_json::{Value, json};

use super::outcome::Outcome;
use super::plan::Plan;

pub fn journal_record(plan: &Plan, outcome: &Outcome, source: &str) -> Value {
    json!({
        "verdict": outcome.verdict().word(),
        "source": source,
        "candidates": plan.targets.iter().map(|t| json!({
            "name": t.name, "arn": t.arn, "account": t.account, "region": t.region,
        })).collect::<Vec<_>>(),
        "reads": outcome.reads,
        "calls": outcome.calls,
        "matches": outcome.matches,
        "failures": outcome.failures,
    })
}
