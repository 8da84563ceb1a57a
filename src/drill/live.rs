//! The drill's opt-in live steps: value fingerprints (`--verify-values`) and the promotion
//! rehearsal (`--rehearse-promotion`). The edge: AWS calls, the clock, the operator's answer.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::model::{Drill, Evidence, PromotionRecord, PromotionStep, SecretKey, ValueCheck};
use super::promotion::{Candidate, Plan};
use super::record::{PlannedPromotion, PlannedRequest, Record, SkippedPromotion};
use super::stopwatch::Phase;
use crate::domain::ReplicationState;
use crate::domain::untrusted::neutralise;
use crate::source::aws::AwsSource;
use crate::source::aws::drill::{self as aws, Fingerprint};

/// GetSecretValue calls in flight at once while fingerprinting.
const READS_AT_ONCE: usize = 8;
/// How long re-replication may take to report InSync, and how often to ask.
const INSYNC_TIMEOUT: Duration = Duration::from_secs(120);
const INSYNC_POLL: Duration = Duration::from_millis(500);

/// Both fingerprints of one secret, or why they could not be taken.
type Compared = Result<(Fingerprint, Fingerprint), String>;

/// Reads AWSCURRENT of each selected secret in its primary's region and in the DR region,
/// compares the SHA-256 fingerprints, and keeps only those.
pub async fn verify_values(
    src: &AwsSource,
    drill: &Drill,
    evidence: &mut Evidence,
    record: &mut Record,
) {
    let dr = drill.dr_region.clone();
    let mut targets = Vec::new();
    for row in &drill.rows {
        let replica = row
            .replica(&dr)
            .filter(|r| r.status != ReplicationState::Failed);
        match (
            row.primary_listed(),
            replica.and_then(|r| r.listing.as_ref()),
        ) {
            (true, Some(listing)) => {
                targets.push((row.key.clone(), row.arn.clone(), listing.arn.clone()));
            }
            _ => record.value_verification.not_verifiable += 1,
        }
    }
    let started = Instant::now();
    let results: Vec<(SecretKey, usize, Compared)> = futures::stream::iter(targets)
        .map(|(key, primary_arn, replica_arn)| {
            let dr = dr.clone();
            async move {
                let clients = src
                    .drill_client(&key.account, &key.primary_region)
                    .and_then(|p| Ok((p, src.drill_client(&key.account, &dr)?)));
                let (pc, rc) = match clients {
                    Ok(c) => c,
                    Err(e) => return (key, 0, Err(e.to_string())),
                };
                let (p, r) = futures::join!(
                    aws::fingerprint_current(&pc, &primary_arn),
                    aws::fingerprint_current(&rc, &replica_arn)
                );
                let result = match (p, r) {
                    (Ok(p), Ok(r)) => Ok((p, r)),
                    (Err(e), _) => Err(format!("{} in {}: {e}", key.name, key.primary_region)),
                    (_, Err(e)) => Err(format!("{} in {dr}: {e}", key.name)),
                };
                (key, 2, result)
            }
        })
        .buffer_unordered(READS_AT_ONCE)
        .collect()
        .await;
    let v = &mut record.value_verification;
    v.requested = true;
    for (key, reads, result) in results {
        v.reads += reads;
        let check = match result {
            Ok((p, r)) => {
                v.compared += 1;
                let matches = p.sha256 == r.sha256;
                v.mismatches += usize::from(!matches);
                ValueCheck::Compared {
                    primary: p.short(),
                    replica: r.short(),
                    matches,
                }
            }
            Err(why) => {
                record
                    .errors
                    .push(format!("value not verified: {}", neutralise(&why)));
                ValueCheck::Failed { why }
            }
        };
        evidence.values.insert(key, check);
    }
    v.note = format!(
        "{} GetSecretValue read(s) of AWSCURRENT, in the primaries' regions and in {dr}: they appear in \
         CloudTrail as GetSecretValue by this operator and move LastAccessedDate. Values were held in \
         memory only, hashed with SHA-256 and overwritten; only the first 8 hex characters of each \
         fingerprint are kept.",
        v.reads
    );
    let reads = v.reads;
    record.add_calls("GetSecretValue", reads);
    record.phases.push(Phase {
        name: "value verification (GetSecretValue)".into(),
        calls: Some(reads),
        seconds: started.elapsed().as_secs_f64(),
        note: Some(format!(
            "{READS_AT_ONCE} secrets at a time, both regions at once"
        )),
    });
}

/// Where the operator's confirmation comes from, and where prompts go.
pub struct Operator<'a> {
    pub allow_write: bool,
    /// `--confirm TEXT`; otherwise a line is read from `input`.
    pub confirm: Option<&'a str>,
    pub input: &'a mut dyn BufRead,
    pub prompt: &'a mut dyn Write,
}

/// Promotes each fixture's DR replica, checks it, replicates it again and waits for InSync.
pub async fn rehearse(
    src: &AwsSource,
    drill: &Drill,
    plan: &Plan,
    op: Operator<'_>,
    evidence: &mut Evidence,
    record: &mut Record,
) {
    let r = &mut record.promotion_rehearsal;
    r.requested = true;
    r.planned = plan
        .candidates
        .iter()
        .map(|c| planned(c, &drill.dr_region))
        .collect();
    r.skipped = plan
        .skipped
        .iter()
        .map(|s| SkippedPromotion {
            name: s.key.name.clone(),
            account: s.key.account.clone(),
            why: s.why.clone(),
        })
        .collect();
    let _ = writeln!(op.prompt, "{}", plan.preview());
    let refusal = if plan.candidates.is_empty() {
        Some(format!(
            "nothing to promote: no selected secret tagged DrillFixture=true has a replica in {}",
            plan.dr_region
        ))
    } else if !op.allow_write {
        Some("refused: --allow-write was not given; nothing was sent".to_string())
    } else {
        let expected = plan.confirmation();
        r.confirmation = Some(expected.clone());
        let typed = match op.confirm {
            Some(text) => text.to_string(),
            None => {
                let _ = write!(
                    op.prompt,
                    "Type `{expected}` to send these requests (anything else cancels): "
                );
                let _ = op.prompt.flush();
                let mut line = String::new();
                let _ = op.input.read_line(&mut line);
                line
            }
        };
        (typed.trim() != expected)
            .then(|| format!("not confirmed: `{expected}` was not typed; nothing was sent"))
    };
    if let Some(why) = refusal {
        let _ = writeln!(op.prompt, "strongroom: promotion rehearsal {why}");
        r.status = why.clone();
        record.errors.push(format!("promotion rehearsal {why}"));
        return;
    }
    let (mut promote_time, mut replicate_time) = (Duration::ZERO, Duration::ZERO);
    let mut calls = Calls::default();
    let mut all_ok = true;
    let (mut promote_calls_all, mut replicate_calls) = (0usize, 0usize);
    for c in &plan.candidates {
        let before = calls.total();
        let mut steps = Vec::new();
        let t = Instant::now();
        let promoted = promote(src, c, &plan.dr_region, &mut steps, &mut calls).await;
        promote_time += t.elapsed();
        let after_promotion = calls.total();
        let t = Instant::now();
        if promoted {
            replicate_again(src, c, &plan.dr_region, &mut steps, &mut calls, record).await;
        }
        replicate_time += t.elapsed();
        replicate_calls += calls.total() - after_promotion;
        promote_calls_all += after_promotion - before;
        let succeeded = steps.iter().all(|s| s.ok);
        all_ok &= succeeded;
        evidence
            .promotions
            .insert(c.key.clone(), PromotionRecord { steps, succeeded });
    }
    record.promotion_rehearsal.status = if all_ok { "done" } else { "done with failures" }.into();
    record.add_calls("StopReplicationToReplica", calls.stop);
    record.add_calls("ReplicateSecretToRegions", calls.replicate);
    record.add_calls("DescribeSecret (rehearsal checks)", calls.describe);
    record.phases.push(Phase {
        name: "promotion (StopReplicationToReplica + check)".into(),
        calls: Some(promote_calls_all),
        seconds: promote_time.as_secs_f64(),
        note: Some(format!(
            "{} secret(s), one after the other",
            plan.candidates.len()
        )),
    });
    record.phases.push(Phase {
        name: "re-replication (ReplicateSecretToRegions + wait InSync)".into(),
        calls: Some(replicate_calls),
        seconds: replicate_time.as_secs_f64(),
        note: Some("ForceOverwriteReplicaSecret=true; DescribeSecret polled until InSync".into()),
    });
}

/// Calls the rehearsal sent, by operation.
#[derive(Debug, Default)]
struct Calls {
    stop: usize,
    replicate: usize,
    describe: usize,
}

impl Calls {
    fn total(&self) -> usize {
        self.stop + self.replicate + self.describe
    }
}

fn planned(c: &Candidate, dr: &str) -> PlannedPromotion {
    PlannedPromotion {
        name: c.key.name.clone(),
        account: c.key.account.clone(),
        requests: vec![
            PlannedRequest {
                operation: c.stop.operation,
                region: dr.to_string(),
                body: serde_json::Value::Object(c.stop.body.clone()),
            },
            PlannedRequest {
                operation: c.replicate.operation,
                region: c.key.primary_region.clone(),
                body: serde_json::Value::Object(c.replicate.body.clone()),
            },
        ],
    }
}

/// StopReplicationToReplica in the DR region, then DescribeSecret there: it must answer as a
/// standalone secret. False when the replica was not promoted.
async fn promote(
    src: &AwsSource,
    c: &Candidate,
    dr: &str,
    steps: &mut Vec<PromotionStep>,
    calls: &mut Calls,
) -> bool {
    let client = match src.drill_client(&c.key.account, dr) {
        Ok(client) => client,
        Err(e) => {
            steps.push(step(
                "StopReplicationToReplica",
                dr,
                Err(e.to_string()),
                Instant::now(),
                None,
            ));
            return false;
        }
    };
    let t = Instant::now();
    calls.stop += 1;
    let sent = aws::stop_replication(&client, &c.stop).await;
    let ok = sent.is_ok();
    let (detail, id) = match sent {
        Ok(id) => (
            Ok(format!("{} is now standalone in {dr}", c.replica_arn)),
            id,
        ),
        Err(e) => (Err(e.to_string()), None),
    };
    steps.push(step("StopReplicationToReplica", dr, detail, t, id));
    if !ok {
        return false;
    }
    let t = Instant::now();
    calls.describe += 1;
    let checked = match aws::describe(&client, &c.replica_arn).await {
        Ok(d) if d.primary_region.as_deref().is_none_or(|p| p == dr) => (
            Ok(format!(
                "answers in {dr} as a standalone secret ({})",
                d.arn
            )),
            d.request_id,
        ),
        Ok(d) => (
            Err(format!(
                "still a replica of {}",
                d.primary_region.unwrap_or_default()
            )),
            d.request_id,
        ),
        Err(e) => (Err(e.to_string()), None),
    };
    steps.push(step(
        "check promoted (DescribeSecret)",
        dr,
        checked.0,
        t,
        checked.1,
    ));
    true
}

/// ReplicateSecretToRegions from the primary, then DescribeSecret until the DR region is InSync
/// and the DR region answers with a replica again.
async fn replicate_again(
    src: &AwsSource,
    c: &Candidate,
    dr: &str,
    steps: &mut Vec<PromotionStep>,
    calls: &mut Calls,
    record: &mut Record,
) {
    let region = c.key.primary_region.as_str();
    let standalone = || {
        format!(
            "ATTENTION: {} is standalone in {dr} until it is replicated again: send {} in {region}",
            neutralise(&c.key.name),
            c.replicate.body_json()
        )
    };
    let (primary, replica) = match (
        src.drill_client(&c.key.account, region),
        src.drill_client(&c.key.account, dr),
    ) {
        (Ok(p), Ok(r)) => (p, r),
        (Err(e), _) | (_, Err(e)) => {
            steps.push(step(
                "ReplicateSecretToRegions",
                region,
                Err(e.to_string()),
                Instant::now(),
                None,
            ));
            record.errors.push(standalone());
            return;
        }
    };
    let t = Instant::now();
    calls.replicate += 1;
    match aws::replicate(&primary, &c.replicate).await {
        Ok((_, id)) => steps.push(step(
            "ReplicateSecretToRegions",
            region,
            Ok(format!("replicating to {dr}")),
            t,
            id,
        )),
        Err(e) => {
            steps.push(step(
                "ReplicateSecretToRegions",
                region,
                Err(e.to_string()),
                t,
                None,
            ));
            record.errors.push(standalone());
            return;
        }
    }
    let t = Instant::now();
    let outcome = loop {
        calls.describe += 1;
        match aws::describe(&primary, &c.primary_arn).await {
            Ok(d) => match d
                .replication
                .iter()
                .find(|r| r.region == dr)
                .map(|r| (r.status, r.message.clone()))
            {
                Some((ReplicationState::InSync, _)) => break Ok(format!("{dr} InSync")),
                Some((ReplicationState::Failed, m)) => {
                    break Err(format!("{dr} Failed: {}", m.unwrap_or_default()));
                }
                _ if t.elapsed() >= INSYNC_TIMEOUT => {
                    break Err(format!(
                        "{dr} not InSync after {} s",
                        INSYNC_TIMEOUT.as_secs()
                    ));
                }
                _ => tokio::time::sleep(INSYNC_POLL).await,
            },
            Err(e) => break Err(e.to_string()),
        }
    };
    let synced = outcome.is_ok();
    steps.push(step(
        "wait InSync (DescribeSecret)",
        region,
        outcome,
        t,
        None,
    ));
    if !synced {
        record.errors.push(standalone());
        return;
    }
    let t = Instant::now();
    calls.describe += 1;
    let checked = match aws::describe(&replica, &c.replica_arn).await {
        Ok(d) if d.primary_region.as_deref() == Some(region) => (
            Ok(format!("answers in {dr} as a replica of {region}")),
            d.request_id,
        ),
        Ok(d) => (
            Err(format!(
                "answers in {dr} with primary region {:?}",
                d.primary_region
            )),
            d.request_id,
        ),
        Err(e) => (Err(e.to_string()), None),
    };
    steps.push(step(
        "check replica (DescribeSecret)",
        dr,
        checked.0,
        t,
        checked.1,
    ));
}

fn step(
    name: &str,
    region: &str,
    outcome: Result<String, String>,
    started: Instant,
    request_id: Option<String>,
) -> PromotionStep {
    let ok = outcome.is_ok();
    PromotionStep {
        step: name.to_string(),
        region: region.to_string(),
        ok,
        detail: outcome.unwrap_or_else(|e| e),
        seconds: started.elapsed().as_secs_f64(),
        request_id,
    }
}
