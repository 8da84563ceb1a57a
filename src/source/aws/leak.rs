//! Leak triage's reads (`strongroom leak-check --read-values`): AWSCURRENT of up to 20 secrets
//! a BatchGetSecretValue call, each older stage (AWSPREVIOUS, AWSPENDING) one GetSecretValue by
//! its stage. Each value is hashed in
//! memory against the suspect and zeroed at once; only which version matched leaves here.
//! The SDK's own response buffers are freed, not zeroed: that part is beyond this process's
//! reach, as it is for every SDK user.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_secretsmanager::Client;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use zeroize::Zeroizing;

use super::source::AwsSource;
use super::{convert, errors};
use crate::leak::{Failure, Match, Outcome, Plan, Suspect, Target, parts_matching};
use crate::source::CellError;

/// Calls in flight at once. GetSecretValue's quota is 10,000 a second; this keeps a check of
/// hundreds of candidates to a second or two without crowding the account.
const AT_ONCE: usize = 16;

/// One call's work: a batch of AWSCURRENT, or one older version.
enum Call {
    Batch(Vec<Target>),
    Older { target: Target, stage: String },
}

/// What one call found.
#[derive(Default)]
struct Found {
    operation: &'static str,
    reads: usize,
    matches: Vec<Match>,
    failures: Vec<Failure>,
}

impl AwsSource {
    pub(super) fn leak_port(
        &self,
        suspect: Arc<Suspect>,
        plan: Plan,
    ) -> BoxFuture<'static, Result<Outcome, String>> {
        let mut clients: BTreeMap<(String, String), Result<Client, CellError>> = BTreeMap::new();
        for t in &plan.targets {
            clients
                .entry((t.account.clone(), t.region.clone()))
                .or_insert_with(|| self.drill_client(&t.account, &t.region));
        }
        async move { Ok(check(clients, suspect, plan).await) }.boxed()
    }
}

async fn check(
    clients: BTreeMap<(String, String), Result<Client, CellError>>,
    suspect: Arc<Suspect>,
    plan: Plan,
) -> Outcome {
    let started = Instant::now();
    let mut calls: Vec<Call> = plan
        .current_batches()
        .into_iter()
        .map(|b| Call::Batch(b.into_iter().cloned().collect()))
        .collect();
    for t in &plan.targets {
        for r in t.reads.iter().filter(|r| !r.is_current()) {
            calls.push(Call::Older {
                target: t.clone(),
                stage: r.stage().to_string(),
            });
        }
    }
    let clients = &clients;
    let suspect = &suspect;
    let found: Vec<Found> = futures::stream::iter(calls)
        .map(|call| async move {
            let target = match &call {
                Call::Batch(b) => &b[0],
                Call::Older { target, .. } => target,
            };
            let client = match clients.get(&(target.account.clone(), target.region.clone())) {
                Some(Ok(c)) => c.clone(),
                Some(Err(e)) => return unreachable_cell(&call, &e.to_string()),
                None => return unreachable_cell(&call, "no client for this account and region"),
            };
            match call {
                Call::Batch(targets) => batch(&client, suspect, &targets).await,
                Call::Older { target, stage } => older(&client, suspect, &target, &stage).await,
            }
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    let mut outcome = Outcome {
        candidates: plan.targets.len(),
        ..Default::default()
    };
    for f in found {
        outcome.reads += f.reads;
        outcome.add_calls(f.operation, 1);
        outcome.matches.extend(f.matches);
        outcome.failures.extend(f.failures);
    }
    outcome
        .matches
        .sort_by(|a, b| (&a.secret, &a.version_id).cmp(&(&b.secret, &b.version_id)));
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}

fn unreachable_cell(call: &Call, why: &str) -> Found {
    let (operation, failures) = match call {
        Call::Batch(ts) => (
            "BatchGetSecretValue",
            ts.iter().map(|t| failure(t, "AWSCURRENT", why)).collect(),
        ),
        Call::Older { target, stage } => ("GetSecretValue", vec![failure(target, stage, why)]),
    };
    Found {
        operation,
        failures,
        ..Default::default()
    }
}

fn failure(t: &Target, version: &str, why: &str) -> Failure {
    Failure {
        secret: t.name.clone(),
        account: t.account.clone(),
        region: t.region.clone(),
        version: version.to_string(),
        why: why.to_string(),
    }
}

/// BatchGetSecretValue of the targets' AWSCURRENT (one account and region, at most 20).
async fn batch(client: &Client, suspect: &Suspect, targets: &[Target]) -> Found {
    let mut found = Found {
        operation: "BatchGetSecretValue",
        ..Default::default()
    };
    let ids: Vec<String> = targets.iter().map(|t| t.arn.clone()).collect();
    let result = client
        .batch_get_secret_value()
        .set_secret_id_list(Some(ids))
        .send()
        .await;
    let mut out = match result {
        Ok(out) => out,
        Err(e) => {
            let why = errors::classify(e).to_string();
            found.failures = targets
                .iter()
                .map(|t| failure(t, "AWSCURRENT", &why))
                .collect();
            return found;
        }
    };
    let mut answered = Vec::new();
    for mut entry in out.secret_values.take().unwrap_or_default() {
        let arn = entry.arn.take().unwrap_or_default();
        let Some(target) = targets.iter().find(|t| t.arn == arn) else {
            continue;
        };
        answered.push(arn);
        found.reads += 1;
        let value = take_value(entry.secret_string.take(), entry.secret_binary.take());
        let stages = entry.version_stages.take().unwrap_or_default();
        let version_id = entry.version_id.take().unwrap_or_default();
        let created = convert::time(entry.created_date.as_ref());
        record(
            &mut found, suspect, target, value, version_id, stages, created,
        );
    }
    for e in out.errors.take().unwrap_or_default() {
        let id = e.secret_id().unwrap_or_default();
        if let Some(t) = targets.iter().find(|t| t.arn == id || t.name == id) {
            answered.push(t.arn.clone());
            let why = format!(
                "{}: {}",
                e.error_code().unwrap_or("error"),
                e.message().unwrap_or_default()
            );
            found.failures.push(failure(t, "AWSCURRENT", &why));
        }
    }
    for t in targets.iter().filter(|t| !answered.contains(&t.arn)) {
        found.failures.push(failure(
            t,
            "AWSCURRENT",
            "BatchGetSecretValue did not answer for it",
        ));
    }
    found
}

/// GetSecretValue of one older stage; the answer says which version bears it now, and its
/// other stages.
async fn older(client: &Client, suspect: &Suspect, target: &Target, stage: &str) -> Found {
    let mut found = Found {
        operation: "GetSecretValue",
        ..Default::default()
    };
    let result = client
        .get_secret_value()
        .secret_id(&target.arn)
        .version_stage(stage)
        .send()
        .await;
    match result {
        Ok(mut out) => {
            found.reads = 1;
            let value = take_value(out.secret_string.take(), out.secret_binary.take());
            let stages = out.version_stages.take().unwrap_or_default();
            let created = convert::time(out.created_date.as_ref());
            let id = out.version_id.take().unwrap_or_default();
            record(&mut found, suspect, target, value, id, stages, created);
        }
        Err(e) => {
            let why = errors::classify(e).to_string();
            found.failures.push(failure(target, stage, &why));
        }
    }
    found
}

/// The value's bytes, owned by a buffer that is zeroed when dropped.
fn take_value(
    text: Option<String>,
    binary: Option<aws_smithy_types::Blob>,
) -> Option<Zeroizing<Vec<u8>>> {
    text.map(String::into_bytes)
        .or_else(|| binary.map(aws_smithy_types::Blob::into_inner))
        .map(Zeroizing::new)
}

fn record(
    found: &mut Found,
    suspect: &Suspect,
    target: &Target,
    value: Option<Zeroizing<Vec<u8>>>,
    version_id: String,
    stages: Vec<String>,
    created: Option<chrono::DateTime<chrono::Utc>>,
) {
    let Some(value) = value else {
        found
            .failures
            .push(failure(target, &version_id, "the version has no value"));
        return;
    };
    for part in parts_matching(suspect, value) {
        found.matches.push(Match {
            secret: target.name.clone(),
            arn: target.arn.clone(),
            account: target.account.clone(),
            region: target.region.clone(),
            version_id: version_id.clone(),
            stages: stages.clone(),
            part,
            created,
        });
    }
}
