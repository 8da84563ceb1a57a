//! Verdicts shared by every executor: the same evidence gives the same answer whether it came
//! from live AWS or from the demo.

use chrono::{DateTime, Utc};

use super::executor::CheckOutcome;
use crate::trail::analysis::Reader;

/// The verdict of `no_reads_by` over the readers since `since` (shared with live AWS).
pub fn no_reads_verdict(readers: &[Reader], principal: &str, since: DateTime<Utc>) -> CheckOutcome {
    let by_suspect: Vec<&Reader> = readers
        .iter()
        .filter(|r| r.reads > 0 && reader_is(r, principal))
        .collect();
    if let Some(reader) = by_suspect.first() {
        return CheckOutcome {
            passed: false,
            detail: format!(
                "{} read it {} times since {}; last at {} from {} in {}",
                reader.label,
                reader.reads,
                since.to_rfc3339(),
                reader.last_seen.to_rfc3339(),
                reader
                    .ips
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "an unknown IP".to_string()),
                reader.regions.join(", ")
            ),
        };
    }
    let others: usize = readers.iter().map(|r| r.reads).sum();
    CheckOutcome {
        passed: true,
        detail: format!(
            "no reads by {principal} since {}; {others} reads by others. CloudTrail can deliver \
             events up to 15 minutes late: check again later to be sure.",
            since.to_rfc3339()
        ),
    }
}

/// Whether a reader is `principal`: its ARN, the role behind its sessions, or its account.
fn reader_is(reader: &Reader, principal: &str) -> bool {
    reader.principal_key == principal
        || reader.arn.as_deref() == Some(principal)
        || reader.principal_key == format!("account:{principal}")
        || reader
            .arn
            .as_deref()
            .is_some_and(|arn| arn.split(':').nth(4) == Some(principal))
}
