//! A verdict per row: pass, warn or fail, with each reason. Pure.
//!
//! Fail: no replica in the DR region where the policy requires one; the DR replica Failed; drift
//! (InSync but another AWSCURRENT); the primary says InSync but the DR region does not list the
//! replica; the AWS managed key where the policy requires a customer key; a value MISMATCH; a
//! failed promotion rehearsal. Warn: replication in progress; parity not verifiable (a region
//! down); a key ARN in another region; trouble in a region other than the DR region; a value that
//! could not be read; a secret scheduled for deletion.

use super::model::{Outcome, Parity, Presence, Primary, Reason, Replica, Row, ValueCheck};
use crate::domain::ReplicationState;
use crate::domain::untrusted::neutralise;

/// Sets `row.verdict` and `row.reasons` from its cells and evidence.
pub fn judge(row: &mut Row, dr_region: &str) {
    let mut reasons = Vec::new();
    let primary_region = row.key.primary_region.clone();
    if let Primary::Listed {
        scheduled_for_deletion: true,
        ..
    } = row.primary
    {
        reasons.push(warn(
            "scheduled-deletion",
            "the primary is scheduled for deletion".into(),
        ));
    }
    match &row.primary {
        Primary::Unreachable { health } => reasons.push(warn(
            "primary-unreachable",
            format!(
                "the primary's region {primary_region} is {}: {}",
                health.label(),
                neutralise(health.detail().unwrap_or(""))
            ),
        )),
        Primary::NotLoaded => reasons.push(warn(
            "primary-not-read",
            format!(
                "the primary's region {primary_region} was not read (add --region {primary_region})"
            ),
        )),
        Primary::NotListed => reasons.push(fail(
            "primary-missing",
            format!("{primary_region} does not list the primary; only replicas remain"),
        )),
        Primary::Listed { .. } => {}
    }
    for cell in &row.cells {
        let in_dr = cell.region == dr_region;
        match &cell.presence {
            Presence::Primary => {}
            Presence::Absent { required: true } => reasons.push(fail(
                "missing-replica",
                format!(
                    "no replica in {dr_region} (required: {})",
                    row.required_because.as_deref().unwrap_or("policy")
                ),
            )),
            Presence::Absent { required: false } => {}
            Presence::Unknown { why } if in_dr => reasons.push(warn(
                "dr-region-unreachable",
                format!("replica in {dr_region} not verified: {why}"),
            )),
            Presence::Unknown { .. } => {}
            Presence::Replica(r) if in_dr => dr_replica(&mut reasons, r, &cell.region),
            Presence::Replica(r) => other_replica(&mut reasons, r, &cell.region),
        }
    }
    match &row.value_check {
        Some(ValueCheck::Compared {
            primary,
            replica,
            matches: false,
        }) => reasons.push(fail(
            "value-mismatch",
            format!(
                "value MISMATCH: AWSCURRENT fingerprints {primary}… ({primary_region}) and {replica}… ({dr_region})"
            ),
        )),
        Some(ValueCheck::Failed { why }) => reasons.push(warn(
            "value-unverified",
            format!("value not verified: {}", neutralise(why)),
        )),
        _ => {}
    }
    if let Some(p) = &row.promotion
        && !p.succeeded
    {
        let failed = p.steps.iter().find(|s| !s.ok);
        reasons.push(fail(
            "promotion-failed",
            match failed {
                Some(s) => format!(
                    "promotion rehearsal failed at {} in {}: {}",
                    s.step,
                    s.region,
                    neutralise(&s.detail)
                ),
                None => "promotion rehearsal did not complete".into(),
            },
        ));
    }
    row.verdict = reasons
        .iter()
        .map(|r| r.level)
        .max()
        .unwrap_or(Outcome::Pass);
    row.reasons = reasons;
}

/// The replica in the DR region: what a failover depends on.
fn dr_replica(reasons: &mut Vec<Reason>, r: &Replica, region: &str) {
    let message = neutralise(r.message.as_deref().unwrap_or("")).into_owned();
    match r.status {
        ReplicationState::Failed => {
            reasons.push(fail(
                "replica-failed",
                format!("replication to {region} Failed: {message}"),
            ));
            return;
        }
        ReplicationState::InProgress => reasons.push(warn(
            "in-progress",
            format!("replication to {region} is in progress"),
        )),
        ReplicationState::InSync | ReplicationState::Unknown => {}
    }
    match &r.parity {
        Parity::Same { .. } => {}
        Parity::Behind { primary, replica } => reasons.push(fail(
            "drift",
            format!(
                "drift: {} in {region} but its AWSCURRENT is {replica}, the primary's is {primary}",
                r.status.label()
            ),
        )),
        Parity::NotListed if r.status == ReplicationState::InProgress => {}
        Parity::NotListed => reasons.push(fail(
            "replica-not-listed",
            format!(
                "the primary reports {} but {region} does not list the replica",
                r.status.label()
            ),
        )),
        Parity::Unverified { why } => reasons.push(warn(
            "parity-unverified",
            format!("version parity in {region} not verified: {why}"),
        )),
    }
    if r.key.aws_managed && r.key.customer_key_required {
        reasons.push(fail(
            "customer-key-required",
            format!(
                "the replica in {region} is encrypted with the AWS managed key aws/secretsmanager; the policy requires a customer managed key"
            ),
        ));
    }
    key_region(reasons, r, region);
}

/// A replica in another region: its trouble is worth knowing, not a failed drill.
fn other_replica(reasons: &mut Vec<Reason>, r: &Replica, region: &str) {
    if r.status == ReplicationState::Failed {
        reasons.push(warn(
            "other-replica-failed",
            format!(
                "replication to {region} Failed: {}",
                neutralise(r.message.as_deref().unwrap_or(""))
            ),
        ));
    }
    if let Parity::Behind { primary, replica } = &r.parity {
        reasons.push(warn(
            "other-replica-drift",
            format!("{region} serves AWSCURRENT {replica}, the primary's is {primary}"),
        ));
    }
    key_region(reasons, r, region);
}

fn key_region(reasons: &mut Vec<Reason>, r: &Replica, region: &str) {
    if let Some(key_region) = &r.key.key_region {
        reasons.push(warn(
            "key-in-other-region",
            format!(
                "the replica in {region} names a KMS key in {key_region}: {}",
                neutralise(r.kms_key_id.as_deref().unwrap_or(""))
            ),
        ));
    }
}

fn fail(code: &'static str, text: String) -> Reason {
    Reason {
        level: Outcome::Fail,
        code,
        text,
    }
}

fn warn(code: &'static str, text: String) -> Reason {
    Reason {
        level: Outcome::Warn,
        code,
        text,
    }
}
