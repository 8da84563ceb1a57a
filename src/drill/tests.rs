//! The drill's pure core on hand-made inventories: one test per case the drill must tell apart.

use std::collections::BTreeMap;

use super::*;
use crate::audit::finding::RuleId;
use crate::domain::{ReplicaStatus, ReplicationState, Rotation, Secret, Tag, Version};

const ACCOUNT: &str = "111122223333";
const PRIMARY: &str = "us-east-1";
const DR: &str = "us-west-2";

fn secret(name: &str, region: &str, primary_region: Option<&str>, current: &str) -> Secret {
    Secret {
        arn: format!("arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-AbCdEf"),
        name: name.into(),
        account: ACCOUNT.into(),
        region: region.into(),
        description: None,
        kms_key_id: None,
        owning_service: None,
        primary_region: primary_region.map(Into::into),
        created: None,
        last_changed: None,
        last_accessed: None,
        last_rotated: None,
        next_rotation: None,
        deleted: None,
        rotation: Rotation::default(),
        tags: vec![Tag {
            key: "Classification".into(),
            value: "critical".into(),
        }],
        versions: vec![Version {
            id: current.into(),
            stages: vec!["AWSCURRENT".into()],
            created: None,
            last_accessed: None,
        }],
        replication: None,
    }
}

fn status(region: &str, state: ReplicationState, key: Option<&str>) -> ReplicaStatus {
    ReplicaStatus {
        region: region.into(),
        kms_key_id: key.map(Into::into),
        status: state,
        message: (state == ReplicationState::Failed).then(|| "KMS key disabled".to_string()),
        last_accessed: None,
    }
}

/// A primary in us-east-1 replicated to us-west-2 with `state`, the replica listing `replica_v`.
fn replicated(name: &str, state: ReplicationState, replica_v: Option<&str>) -> Vec<Secret> {
    let mut p = secret(name, PRIMARY, Some(PRIMARY), "v2");
    p.replication = Some(vec![status(DR, state, Some(CMK_DR))]);
    let mut out = vec![p];
    if let Some(v) = replica_v {
        let mut r = secret(name, DR, Some(PRIMARY), v);
        r.kms_key_id = Some(CMK_DR.into());
        out.push(r);
    }
    out
}

const CMK_DR: &str = "arn:aws:kms:us-west-2:111122223333:key/dr";

fn ok_cells() -> BTreeMap<Cell, CellHealth> {
    [PRIMARY, DR]
        .into_iter()
        .map(|r| (Cell::new(ACCOUNT, r), CellHealth::Ok))
        .collect()
}

fn run(secrets: Vec<Secret>, cells: &BTreeMap<Cell, CellHealth>, policy: &Policy) -> Drill {
    run_with(
        secrets,
        cells,
        policy,
        &Selection::Default,
        &Evidence::default(),
    )
}

fn run_with(
    secrets: Vec<Secret>,
    cells: &BTreeMap<Cell, CellHealth>,
    policy: &Policy,
    selection: &Selection,
    evidence: &Evidence,
) -> Drill {
    let inventory = Inventory::join(secrets);
    check(&Input {
        inventory: &inventory,
        cells,
        policy,
        dr_region: DR,
        selection,
        evidence,
    })
}

fn codes(row: &Row) -> Vec<&'static str> {
    row.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn insync_at_the_primarys_version_passes_and_would_serve_it() {
    let d = run(
        replicated("prod/a/db", ReplicationState::InSync, Some("v2")),
        &ok_cells(),
        &Policy::default(),
    );
    assert_eq!(d.regions, vec![PRIMARY, DR]);
    assert_eq!(d.rows.len(), 1);
    let row = &d.rows[0];
    assert_eq!(row.verdict, Outcome::Pass, "{:?}", row.reasons);
    assert_eq!(
        row.required_because.as_deref(),
        Some("Classification=critical")
    );
    let f = row.failover.as_ref().unwrap();
    assert_eq!(f.version_id.as_deref(), Some("v2"));
    assert!(f.parity_verified);
    assert_eq!(d.overall, Outcome::Pass);
}

#[test]
fn insync_but_behind_is_drift_and_fails() {
    let d = run(
        replicated("prod/a/db", ReplicationState::InSync, Some("v1")),
        &ok_cells(),
        &Policy::default(),
    );
    let row = &d.rows[0];
    assert_eq!(row.verdict, Outcome::Fail);
    assert_eq!(codes(row), vec!["drift"]);
    assert!(matches!(
        row.replica(DR).unwrap().parity,
        Parity::Behind { ref primary, ref replica } if primary == "v2" && replica == "v1"
    ));
    assert!(!row.failover.as_ref().unwrap().parity_verified);
    assert_eq!(d.overall, Outcome::Fail);
}

#[test]
fn a_failed_replica_fails_with_its_message() {
    let d = run(
        replicated("prod/a/db", ReplicationState::Failed, None),
        &ok_cells(),
        &Policy::default(),
    );
    let row = &d.rows[0];
    assert_eq!(codes(row), vec!["replica-failed"]);
    assert!(row.reasons[0].text.contains("KMS key disabled"));
    assert!(row.failover.is_none());
}

#[test]
fn a_required_secret_without_a_replica_is_missing() {
    let d = run(
        vec![secret("prod/a/db", PRIMARY, None, "v1")],
        &ok_cells(),
        &Policy::default(),
    );
    let row = &d.rows[0];
    assert_eq!(codes(row), vec!["missing-replica"]);
    assert!(matches!(
        row.cell(DR).unwrap().presence,
        Presence::Absent { required: true }
    ));
}

#[test]
fn a_secret_the_policy_does_not_require_is_not_selected_unless_named() {
    let mut s = secret("prod/a/cache", PRIMARY, None, "v1");
    s.tags.clear();
    let d = run(vec![s.clone()], &ok_cells(), &Policy::default());
    assert!(d.rows.is_empty());
    let d = run_with(
        vec![s],
        &ok_cells(),
        &Policy::default(),
        &Selection::Glob("prod/*".into()),
        &Evidence::default(),
    );
    let row = &d.rows[0];
    assert_eq!(row.verdict, Outcome::Pass);
    assert!(matches!(
        row.cell(DR).unwrap().presence,
        Presence::Absent { required: false }
    ));
}

#[test]
fn a_replicated_secret_is_selected_even_when_not_required() {
    let mut secrets = replicated("dev/a/db", ReplicationState::InSync, Some("v2"));
    for s in &mut secrets {
        s.tags.clear();
    }
    let d = run(secrets, &ok_cells(), &Policy::default());
    assert_eq!(d.rows.len(), 1);
    assert_eq!(d.rows[0].required_because, None);
}

#[test]
fn the_aws_managed_key_fails_where_the_policy_requires_a_customer_key() {
    let mut policy = Policy::default();
    if let Some(r) = policy.rules.get_mut(&RuleId::CustomerManagedKey) {
        r.enabled = true;
    }
    let mut secrets = replicated("prod/a/db", ReplicationState::InSync, Some("v2"));
    secrets[0].replication = Some(vec![status(
        DR,
        ReplicationState::InSync,
        Some("alias/aws/secretsmanager"),
    )]);
    secrets[1].kms_key_id = None;
    let d = run(secrets.clone(), &ok_cells(), &policy);
    assert_eq!(codes(&d.rows[0]), vec!["customer-key-required"]);
    // Without the requirement the AWS managed key is fine.
    let d = run(secrets, &ok_cells(), &Policy::default());
    assert_eq!(d.rows[0].verdict, Outcome::Pass);
    assert!(d.rows[0].replica(DR).unwrap().key.aws_managed);
}

#[test]
fn a_replica_key_in_another_region_is_suspect() {
    let mut secrets = replicated("prod/a/db", ReplicationState::InSync, Some("v2"));
    secrets[0].replication = Some(vec![status(
        DR,
        ReplicationState::InSync,
        Some("arn:aws:kms:us-east-1:111122223333:key/primary"),
    )]);
    let d = run(secrets, &ok_cells(), &Policy::default());
    let row = &d.rows[0];
    assert_eq!(row.verdict, Outcome::Warn);
    assert_eq!(codes(row), vec!["key-in-other-region"]);
    assert_eq!(
        row.replica(DR).unwrap().key.key_region.as_deref(),
        Some("us-east-1")
    );
}

#[test]
fn primary_region_down_shows_the_replica_and_what_a_failover_would_serve() {
    let mut cells = ok_cells();
    cells.insert(
        Cell::new(ACCOUNT, PRIMARY),
        CellHealth::Down("connection failed".into()),
    );
    // Only the DR region answered: its replica listing stands alone in the inventory.
    let mut replica = secret("prod/a/db", DR, Some(PRIMARY), "v1");
    replica.last_accessed = Some(chrono::Utc::now());
    let d = run(vec![replica], &cells, &Policy::default());
    assert_eq!(d.rows.len(), 1);
    let row = &d.rows[0];
    assert_eq!(row.key.primary_region, PRIMARY);
    assert!(row.arn.contains(":us-east-1:"), "{}", row.arn);
    assert!(matches!(row.primary, Primary::Unreachable { .. }));
    assert_eq!(row.verdict, Outcome::Warn);
    assert_eq!(codes(row), vec!["primary-unreachable", "parity-unverified"]);
    let f = row.failover.as_ref().unwrap();
    assert_eq!(f.version_id.as_deref(), Some("v1"));
    assert!(!f.parity_verified);
    assert!(
        f.caveat
            .as_deref()
            .unwrap()
            .contains("could not be verified")
    );
    assert!(f.last_accessed.is_some());
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("without a replica in") && n.contains("a failover would lose them")),
        "{:?}",
        d.notes
    );
}

#[test]
fn dr_region_down_cannot_verify_parity_but_keeps_the_primarys_status() {
    let mut cells = ok_cells();
    cells.insert(
        Cell::new(ACCOUNT, DR),
        CellHealth::Down("connection failed".into()),
    );
    let mut secrets = replicated("prod/a/db", ReplicationState::InSync, None);
    let mut b = secret("prod/b/db", PRIMARY, Some(PRIMARY), "v1");
    b.replication = Some(Vec::new());
    secrets.push(b);
    let d = run(secrets, &cells, &Policy::default());
    let a = &d.rows[0];
    assert_eq!(a.verdict, Outcome::Warn);
    assert_eq!(codes(a), vec!["parity-unverified"]);
    assert!(a.failover.is_none());
    // The primary's DescribeSecret says there is no replica: missing, whatever the DR region.
    assert_eq!(codes(&d.rows[1]), vec!["missing-replica"]);
    assert!(d.notes.iter().any(|n| n.contains("down")), "{:?}", d.notes);
}

#[test]
fn dr_region_down_and_no_status_is_unknown() {
    let mut cells = ok_cells();
    cells.insert(
        Cell::new(ACCOUNT, DR),
        CellHealth::Forbidden("denied".into()),
    );
    let d = run(
        vec![secret("prod/a/db", PRIMARY, None, "v1")],
        &cells,
        &Policy::default(),
    );
    assert_eq!(codes(&d.rows[0]), vec!["dr-region-unreachable"]);
}

#[test]
fn insync_but_not_listed_in_a_readable_dr_region_fails() {
    let d = run(
        replicated("prod/a/db", ReplicationState::InSync, None),
        &ok_cells(),
        &Policy::default(),
    );
    assert_eq!(codes(&d.rows[0]), vec!["replica-not-listed"]);
}

#[test]
fn in_progress_warns() {
    let d = run(
        replicated("prod/a/db", ReplicationState::InProgress, None),
        &ok_cells(),
        &Policy::default(),
    );
    assert_eq!(d.rows[0].verdict, Outcome::Warn);
    assert_eq!(codes(&d.rows[0]), vec!["in-progress"]);
}

#[test]
fn value_mismatch_fails_and_match_passes() {
    let secrets = replicated("prod/a/db", ReplicationState::InSync, Some("v2"));
    let key = SecretKey {
        account: ACCOUNT.into(),
        primary_region: PRIMARY.into(),
        name: "prod/a/db".into(),
    };
    let mut evidence = Evidence::default();
    evidence.values.insert(
        key.clone(),
        ValueCheck::Compared {
            primary: "0a1b2c3d".into(),
            replica: "ffee0011".into(),
            matches: false,
        },
    );
    let d = run_with(
        secrets.clone(),
        &ok_cells(),
        &Policy::default(),
        &Selection::Default,
        &evidence,
    );
    assert_eq!(codes(&d.rows[0]), vec!["value-mismatch"]);
    assert!(d.rows[0].reasons[0].text.contains("0a1b2c3d"));
    evidence.values.insert(
        key,
        ValueCheck::Compared {
            primary: "0a1b2c3d".into(),
            replica: "0a1b2c3d".into(),
            matches: true,
        },
    );
    let d = run_with(
        secrets,
        &ok_cells(),
        &Policy::default(),
        &Selection::Default,
        &evidence,
    );
    assert_eq!(d.rows[0].verdict, Outcome::Pass);
}

#[test]
fn dr_regions_in_the_policy_limit_what_is_required() {
    let policy = Policy {
        dr_regions: vec!["eu-west-1".into()],
        ..Policy::default()
    };
    let d = run(
        vec![secret("prod/a/db", PRIMARY, None, "v1")],
        &ok_cells(),
        &policy,
    );
    assert!(d.rows.is_empty());
    assert!(d.notes[0].contains("not one of the policy's DR regions"));
}

#[test]
fn promotion_is_planned_only_for_fixtures_with_a_listed_replica() {
    let mut fixture = replicated("drill/fixture", ReplicationState::InSync, Some("v2"));
    for s in &mut fixture {
        s.tags.push(Tag {
            key: "DrillFixture".into(),
            value: "true".into(),
        });
    }
    let mut secrets = fixture;
    secrets.extend(replicated(
        "prod/a/db",
        ReplicationState::InSync,
        Some("v2"),
    ));
    let d = run(secrets, &ok_cells(), &Policy::default());
    let plan = promotion::plan(&d);
    assert_eq!(plan.candidates.len(), 1);
    let c = &plan.candidates[0];
    assert_eq!(c.stop.operation, "StopReplicationToReplica");
    assert_eq!(
        c.stop.secret_id(),
        format!("arn:aws:secretsmanager:{DR}:{ACCOUNT}:secret:drill/fixture-AbCdEf")
    );
    assert_eq!(c.replicate.operation, "ReplicateSecretToRegions");
    assert_eq!(c.replicate.body["ForceOverwriteReplicaSecret"], true);
    assert_eq!(c.replicate.body["AddReplicaRegions"][0]["KmsKeyId"], CMK_DR);
    assert_eq!(c.replicate.secret_id(), d.rows[0].arn);
    assert_eq!(plan.skipped.len(), 1);
    assert!(plan.skipped[0].why.contains("DrillFixture=true"));
    assert_eq!(plan.confirmation(), format!("promote 1 in {DR}"));
    assert!(plan.preview().contains("StopReplicationToReplica"));
}

#[test]
fn hostile_names_are_neutralised_in_reasons_and_previews() {
    let mut secrets = replicated("prod/a/\u{1b}[31mevil", ReplicationState::Failed, None);
    secrets[0].replication = Some(vec![ReplicaStatus {
        message: Some("bad\u{7}".into()),
        ..status(DR, ReplicationState::Failed, None)
    }]);
    let d = run(secrets, &ok_cells(), &Policy::default());
    assert!(!d.rows[0].reasons[0].text.chars().any(char::is_control));
    assert!(!promotion::plan(&d).preview().contains('\u{1b}'));
}
