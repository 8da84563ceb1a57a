//! Promotion rehearsal, planned: which selected secrets may be promoted (only drill fixtures,
//! tagged `DrillFixture=true`) and the exact requests, shown before anything is sent. Pure.
//!
//! For each fixture: `StopReplicationToReplica` in the DR region on the replica's ARN (the
//! replica becomes a standalone secret there), then `ReplicateSecretToRegions` from the primary
//! with `ForceOverwriteReplicaSecret` to make it a replica again.

use serde_json::json;

use super::matrix::FIXTURE_TAG;
use super::model::{Drill, Parity, Row, SecretKey};
use crate::domain::ReplicationState;
use crate::runbook::calls::ApiCall;

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub dr_region: String,
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
}

/// A fixture whose DR replica will be promoted and then replicated again.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub key: SecretKey,
    pub primary_arn: String,
    pub replica_arn: String,
    /// Sent in the DR region.
    pub stop: ApiCall,
    /// Sent in the primary's region.
    pub replicate: ApiCall,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub key: SecretKey,
    pub why: String,
}

/// The fixtures among the drill's rows, and why every other row is skipped.
pub fn plan(drill: &Drill) -> Plan {
    let dr = drill.dr_region.as_str();
    let mut candidates = Vec::new();
    let mut skipped = Vec::new();
    for row in &drill.rows {
        match candidate(row, dr) {
            Ok(c) => candidates.push(c),
            Err(why) => skipped.push(Skipped {
                key: row.key.clone(),
                why,
            }),
        }
    }
    Plan {
        dr_region: drill.dr_region.clone(),
        candidates,
        skipped,
    }
}

fn candidate(row: &Row, dr: &str) -> Result<Candidate, String> {
    if !row.fixture {
        return Err(format!("not tagged {FIXTURE_TAG}=true"));
    }
    if !row.primary_listed() {
        return Err("its primary could not be listed, so it could not be replicated again".into());
    }
    let replica = row
        .replica(dr)
        .ok_or_else(|| format!("no replica in {dr}"))?;
    if replica.status == ReplicationState::Failed {
        return Err(format!("its replica in {dr} Failed"));
    }
    let listing = replica
        .listing
        .as_ref()
        .ok_or_else(|| format!("{dr} does not list the replica, so there is nothing to promote"))?;
    if matches!(replica.parity, Parity::Behind { .. }) {
        return Err(format!(
            "its replica in {dr} is behind the primary; fix the drift first"
        ));
    }
    let stop = ApiCall {
        operation: "StopReplicationToReplica",
        body: json_map(json!({ "SecretId": listing.arn })),
    };
    let mut region = json!({ "Region": dr });
    if let Some(key) = replica
        .kms_key_id
        .as_deref()
        .filter(|_| !replica.key.aws_managed)
    {
        region["KmsKeyId"] = json!(key);
    }
    let replicate = ApiCall {
        operation: "ReplicateSecretToRegions",
        body: json_map(json!({
            "SecretId": row.arn,
            "AddReplicaRegions": [region],
            "ForceOverwriteReplicaSecret": true,
        })),
    };
    Ok(Candidate {
        key: row.key.clone(),
        primary_arn: row.arn.clone(),
        replica_arn: listing.arn.clone(),
        stop,
        replicate,
    })
}

fn json_map(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

impl Plan {
    /// What the operator types to go ahead.
    pub fn confirmation(&self) -> String {
        format!("promote {} in {}", self.candidates.len(), self.dr_region)
    }

    /// The preview: every request, in order, with the region it goes to.
    pub fn preview(&self) -> String {
        let mut out = format!(
            "Promotion rehearsal in {}: {} secret(s) tagged {FIXTURE_TAG}=true; {} skipped.\n",
            self.dr_region,
            self.candidates.len(),
            self.skipped.len()
        );
        for (i, c) in self.candidates.iter().enumerate() {
            out.push_str(&format!(
                "\n{}. {}\n   in {}:\n{}\n   then, to replicate it again, in {}:\n{}\n",
                i + 1,
                crate::domain::untrusted::neutralise(&c.key.name),
                self.dr_region,
                indent(&c.stop.to_string()),
                c.key.primary_region,
                indent(&c.replicate.to_string()),
            ));
        }
        for s in &self.skipped {
            out.push_str(&format!(
                "\nskipped: {}: {}",
                crate::domain::untrusted::neutralise(&s.key.name),
                s.why
            ));
        }
        if !self.skipped.is_empty() {
            out.push('\n');
        }
        out
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("     {}", crate::domain::untrusted::neutralise(l)))
        .collect::<Vec<_>>()
        .join("\n")
}
