//! A small replicated fleet for the replication views' tests: primaries in us-east-1, the DR
//! region us-west-2 (named by the policy), and eu-west-1 down. One secret per case the matrix
//! tells apart: InSync, Failed, drift, missing where required, the AWS managed key where a
//! customer key is required, in progress, a primary whose region is down, and one the drill
//! does not select.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::fixtures::ACCOUNT;
use crate::app::msg::Msg;
use crate::app::state::State;
use crate::app::{Effect, update};
use crate::audit::{Policy, RuleId};
use crate::domain::{
    Account, Cell, CellHealth, ReplicaStatus, ReplicationState, Rotation, Secret, Tag, Version,
};
use crate::source::{CellError, CellResult, SourceInfo, SourceKind};

pub const PRIMARY: &str = "us-east-1";
pub const DR: &str = "us-west-2";
pub const DOWN: &str = "eu-west-1";

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn key(region: &str, id: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{id}")
}

fn secret(name: &str, region: &str, primary_region: &str, version: &str, class: &str) -> Secret {
    let suffix = "Xy12Ab";
    Secret {
        arn: format!("arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-{suffix}"),
        name: name.into(),
        account: ACCOUNT.into(),
        region: region.into(),
        description: None,
        kms_key_id: Some(key(region, "cmk")),
        owning_service: None,
        primary_region: Some(primary_region.into()),
        created: Some(epoch() - Duration::days(300)),
        last_changed: Some(epoch() - Duration::days(12)),
        last_accessed: Some(epoch() - Duration::days(1)),
        last_rotated: None,
        next_rotation: None,
        deleted: None,
        rotation: Rotation::default(),
        tags: vec![
            Tag {
                key: "Classification".into(),
                value: class.into(),
            },
            Tag {
                key: "Owner".into(),
                value: "team-platform".into(),
            },
        ],
        versions: vec![Version {
            id: version.into(),
            stages: vec!["AWSCURRENT".into()],
            created: Some(epoch() - Duration::days(12)),
            last_accessed: None,
        }],
        replication: None,
    }
}

fn status(region: &str, state: ReplicationState, message: Option<&str>) -> ReplicaStatus {
    ReplicaStatus {
        region: region.into(),
        kms_key_id: Some(key(region, "cmk")),
        status: state,
        message: message.map(Into::into),
        last_accessed: Some(epoch() - Duration::days(3)),
    }
}

/// What each cell lists: us-east-1 and us-west-2 answer, eu-west-1 is down.
pub fn listings() -> BTreeMap<Cell, CellResult> {
    use ReplicationState::*;
    let p = |name: &str, v: &str| secret(name, PRIMARY, PRIMARY, v, "critical");
    let r = |name: &str, v: &str| secret(name, DR, PRIMARY, v, "critical");

    let mut insync = p("/clarivum/prod/payments/stripe-api-key", "4f1c2a9e-11");
    insync.replication = Some(vec![status(DR, InSync, Some("Replication succeeded"))]);
    let mut failed = p("/clarivum/prod/identity/jwt-signing-key", "c31f9709-22");
    let failure = format!(
        "Replication failed: KMS key {} is disabled or not found.",
        key(DR, "e500bddf")
    );
    failed.replication = Some(vec![status(DR, Failed, Some(&failure))]);
    let mut drift = p("/clarivum/prod/ledger/db-password", "78948a18-33");
    drift.replication = Some(vec![status(DR, InSync, Some("Replication succeeded"))]);
    let mut missing = p("/clarivum/prod/web/session-secret", "9b157fa0-44");
    missing.primary_region = None;
    let mut aws_key = p("/clarivum/prod/billing/webhook-secret", "f1567ac7-55");
    let mut managed = status(DR, InSync, Some("Replication succeeded"));
    managed.kms_key_id = None;
    aws_key.replication = Some(vec![managed]);
    let mut progress = p("/clarivum/prod/search/api-key", "aa54edd3-66");
    progress.replication = Some(vec![
        status(DOWN, InSync, Some("Replication succeeded")),
        status(DR, InProgress, Some("Replication in progress")),
    ]);
    let mut dev = secret(
        "/clarivum/dev/tools/sandbox-token",
        PRIMARY,
        PRIMARY,
        "0d1e-77",
        "internal",
    );
    dev.primary_region = None;

    let mut webhook_replica = r("/clarivum/prod/billing/webhook-secret", "f1567ac7-55");
    webhook_replica.kms_key_id = None;
    let orphan = secret(
        "/clarivum/prod/gdpr/export-key",
        DR,
        DOWN,
        "5e2b7d10-88",
        "critical",
    );
    let mut out = BTreeMap::new();
    out.insert(
        Cell::new(ACCOUNT, PRIMARY),
        Ok(vec![insync, failed, drift, missing, aws_key, progress, dev]),
    );
    out.insert(
        Cell::new(ACCOUNT, DR),
        Ok(vec![
            r("/clarivum/prod/payments/stripe-api-key", "4f1c2a9e-11"),
            r("/clarivum/prod/ledger/db-password", "0c28c98c-30"),
            webhook_replica,
            orphan,
        ]),
    );
    out.insert(
        Cell::new(ACCOUNT, DOWN),
        Err(CellError {
            health: CellHealth::Down("connection timed out (secretsmanager.eu-west-1)".into()),
        }),
    );
    out
}

/// The policy: DR region us-west-2, critical secrets replicated, customer keys required.
pub fn policy() -> Policy {
    let mut policy = Policy {
        dr_regions: vec![DR.into()],
        ..Policy::default()
    };
    if let Some(rule) = policy.rules.get_mut(&RuleId::CustomerManagedKey) {
        rule.enabled = true;
    }
    policy
}

/// The fleet loaded, nothing opened.
pub fn state(now: DateTime<Utc>) -> State {
    let info = SourceInfo {
        kind: SourceKind::Snapshot("drill-fixture.json".into()),
        label: "snapshot drill-fixture.json".into(),
        accounts: vec![Account {
            id: ACCOUNT.into(),
            alias: None,
            profile: None,
        }],
        cells: listings().into_keys().collect(),
        notes: Vec::new(),
    };
    let mut state = State::new(info, true, now);
    state.policy = std::sync::Arc::new(policy());
    update(&mut state, Msg::Tick(now));
    let effects = crate::app::update::start(&mut state);
    answer(&mut state, effects, &listings(), now);
    state
}

/// Answers every `LoadCell` in `effects` from `listings`, as the runtime would.
pub fn answer(
    state: &mut State,
    effects: Vec<Effect>,
    listings: &BTreeMap<Cell, CellResult>,
    at: DateTime<Utc>,
) -> Vec<Effect> {
    let mut more = Vec::new();
    for effect in effects {
        if let Effect::LoadCell { request, cell } = effect {
            let result = listings
                .get(&cell)
                .cloned()
                .unwrap_or_else(|| Ok(Vec::new()));
            more.extend(update(
                state,
                Msg::CellLoaded {
                    request,
                    cell,
                    at,
                    result,
                },
            ));
        } else {
            more.push(effect);
        }
    }
    more
}
