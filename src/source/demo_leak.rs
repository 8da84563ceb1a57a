//! Leak triage on the demo: no value exists, so the demo answers from the SHA-256 fingerprints
//! it ships (`assets/demo-fingerprints.json`, of invented values the README gives), making the
//! same reads and calls a live check would make, so the flow can be rehearsed without an account.

use std::collections::HashMap;
use std::time::Instant;

use serde::Deserialize;

use crate::domain::Secret;
use crate::leak::{Match, Outcome, Plan, Suspect, parts_matching_digests};

const FINGERPRINTS: &str = include_str!("../../assets/demo-fingerprints.json");

#[derive(Deserialize)]
struct Shipped {
    versions: Vec<ShippedVersion>,
}

#[derive(Deserialize)]
struct ShippedVersion {
    version_id: String,
    whole: String,
    #[serde(default)]
    fields: std::collections::BTreeMap<String, String>,
}

struct Fingerprint {
    whole: Option<[u8; 32]>,
    fields: Vec<(String, [u8; 32])>,
}

/// The shipped fingerprints by version id. A malformed entry is skipped, not fatal.
fn shipped() -> Result<HashMap<String, Fingerprint>, String> {
    let doc: Shipped = serde_json::from_str(FINGERPRINTS)
        .map_err(|e| format!("the demo's fingerprints do not parse: {e}"))?;
    Ok(doc
        .versions
        .into_iter()
        .map(|v| {
            let fp = Fingerprint {
                whole: digest(&v.whole),
                fields: v
                    .fields
                    .iter()
                    .filter_map(|(k, h)| Some((k.clone(), digest(h)?)))
                    .collect(),
            };
            (v.version_id, fp)
        })
        .collect())
}

fn digest(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The demo's answer for `plan`: the reads and calls a live check would make, matches from the
/// shipped fingerprints (a version without one matches nothing).
pub fn check(secrets: &[Secret], suspect: &Suspect, plan: &Plan) -> Result<Outcome, String> {
    let started = Instant::now();
    let shipped = shipped()?;
    let mut outcome = Outcome {
        candidates: plan.targets.len(),
        reads: plan.reads(),
        ..Default::default()
    };
    outcome.add_calls("BatchGetSecretValue", plan.current_batches().len());
    outcome.add_calls("GetSecretValue", plan.older_reads());
    for t in &plan.targets {
        let listed = secrets.iter().find(|s| s.arn == t.arn);
        for r in &t.reads {
            let version = listed.and_then(|s| {
                s.versions
                    .iter()
                    .find(|v| v.id == r.version_id || (r.version_id.is_empty() && r.is_current()))
            });
            let id = version.map_or(r.version_id.clone(), |v| v.id.clone());
            let Some(fp) = shipped.get(&id) else {
                continue;
            };
            for part in parts_matching_digests(suspect, fp.whole.as_ref(), &fp.fields) {
                outcome.matches.push(Match {
                    secret: t.name.clone(),
                    arn: t.arn.clone(),
                    account: t.account.clone(),
                    region: t.region.clone(),
                    version_id: id.clone(),
                    stages: version.map_or(r.stages.clone(), |v| v.stages.clone()),
                    part,
                    created: version.and_then(|v| v.created),
                });
            }
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_fingerprint_is_a_full_sha256_of_a_demo_version() {
        let shipped = shipped().unwrap();
        assert_eq!(shipped.len(), 4);
        let snap = crate::source::demo::load(chrono::Utc::now()).unwrap();
        for (id, fp) in &shipped {
            assert!(fp.whole.is_some(), "{id}");
            assert!(!fp.fields.is_empty(), "{id}");
            assert!(
                snap.secrets
                    .iter()
                    .any(|s| s.versions.iter().any(|v| &v.id == id)),
                "{id} is not a demo version"
            );
        }
    }
}
