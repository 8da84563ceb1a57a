//! One test per rule edge case; fixtures are built here, times fixed.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::audit::{Policy, RotationHistory, RuleId, Severity, evaluate};
use crate::domain::{Entry, Inventory, ReplicaStatus, ReplicationState, Secret, Tag, Version};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
    pairs
        .iter()
        .map(|(k, v)| Tag {
            key: k.to_string(),
            value: v.to_string(),
        })
        .collect()
}

/// A compliant secret: rotated 10 days ago every 30, read yesterday, tagged, well named.
fn good() -> Secret {
    let mut s = crate::testing::fixtures::secrets(1, "us-east-1").remove(0);
    s.name = "/clarivum/stage/billing/api-key".into();
    s.arn = format!(
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:{}-AbCdEf",
        s.name
    );
    s.created = Some(now() - Duration::days(300));
    s.rotation.enabled = true;
    s.rotation.every_days = Some(30);
    s.last_rotated = Some(now() - Duration::days(10));
    s.last_accessed = Some(now() - Duration::days(1));
    s.deleted = None;
    s.kms_key_id = Some("arn:aws:kms:us-east-1:111122223333:key/abc".into());
    s.versions = vec![Version {
        id: "v1".into(),
        stages: vec!["AWSCURRENT".into()],
        created: None,
        last_accessed: None,
    }];
    s.tags = tags(&[
        ("Owner", "team-a"),
        ("RotationDays", "30"),
        ("Classification", "internal"),
    ]);
    s
}

fn run(secrets: Vec<Secret>, policy: &Policy) -> Vec<(RuleId, String)> {
    run_with(secrets, policy, &RotationHistory::default())
}

fn run_with(secrets: Vec<Secret>, policy: &Policy, h: &RotationHistory) -> Vec<(RuleId, String)> {
    let inv = Inventory::join(secrets);
    evaluate(&inv.entries, h, policy, now())
        .into_iter()
        .map(|f| (f.rule, f.message))
        .collect()
}

fn rules(secrets: Vec<Secret>) -> Vec<RuleId> {
    run(secrets, &Policy::default())
        .into_iter()
        .map(|(r, _)| r)
        .collect()
}

#[test]
fn a_compliant_secret_has_no_findings() {
    assert_eq!(rules(vec![good()]), vec![]);
}

#[test]
fn rotation_off_is_a_medium_finding_mapped_to_security_hub_1() {
    let mut s = good();
    s.rotation.enabled = false;
    let inv = Inventory::join(vec![s]);
    let f = evaluate(
        &inv.entries,
        &RotationHistory::default(),
        &Policy::default(),
        now(),
    );
    let off = f
        .iter()
        .find(|f| f.rule == RuleId::RotationEnabled)
        .unwrap();
    assert_eq!(off.severity, Severity::Medium);
    assert!(off.controls.contains(&"SecurityHub SecretsManager.1"));
    assert!(
        off.controls
            .contains(&"Config secretsmanager-rotation-enabled-check")
    );
}

#[test]
fn max_interval_is_optional_and_judges_the_interval() {
    let mut s = good();
    s.rotation.every_days = Some(120);
    s.tags = tags(&[
        ("Owner", "a"),
        ("RotationDays", "365"),
        ("Classification", "internal"),
    ]);
    assert!(!rules(vec![s.clone()]).contains(&RuleId::RotationEnabled));
    let policy = Policy {
        max_rotation_interval_days: Some(90),
        ..Policy::default()
    };
    let found = run(vec![s], &policy);
    assert!(
        found
            .iter()
            .any(|(r, m)| *r == RuleId::RotationEnabled && m.contains("every 120 days"))
    );
}

#[test]
fn never_rotated_counts_from_creation() {
    let mut s = good();
    s.last_rotated = None;
    s.created = Some(now() - Duration::days(200));
    let found = rules(vec![s.clone()]);
    assert!(found.contains(&RuleId::RotatedWithin));
    assert!(found.contains(&RuleId::RotationScheduled), "{found:?}");
    s.created = Some(now() - Duration::days(5));
    let found = rules(vec![s]);
    assert!(!found.contains(&RuleId::RotatedWithin));
    assert!(!found.contains(&RuleId::RotationScheduled));
}

#[test]
fn rotated_exactly_n_days_ago_is_compliant_and_one_more_day_is_not() {
    let mut s = good();
    s.rotation.every_days = Some(90);
    s.tags = tags(&[
        ("Owner", "a"),
        ("Classification", "internal"),
        ("RotationDays", "90"),
    ]);
    s.last_rotated = Some(now() - Duration::days(90));
    s.next_rotation = Some(now() + Duration::hours(1));
    assert!(!rules(vec![s.clone()]).contains(&RuleId::RotatedWithin));
    s.last_rotated = Some(now() - Duration::days(91));
    assert!(rules(vec![s]).contains(&RuleId::RotatedWithin));
}

#[test]
fn time_zones_do_not_move_the_boundary() {
    // 90 days ago at 12:00Z written as 14:00+02:00: the same instant, still compliant.
    let json = r#""2026-08-22T14:00:00+02:00""#;
    let t: DateTime<Utc> = serde_json::from_str(json).unwrap();
    assert_eq!(t, now() - Duration::days(90));
    let mut s = good();
    s.tags = tags(&[
        ("Owner", "a"),
        ("Classification", "internal"),
        ("RotationDays", "90"),
    ]);
    s.rotation.every_days = Some(90);
    s.last_rotated = Some(t);
    s.next_rotation = Some(now() + Duration::hours(1));
    assert!(!rules(vec![s]).contains(&RuleId::RotatedWithin));
}

#[test]
fn rotation_days_tag_is_the_limit_and_classification_can_be_stricter() {
    let mut s = good();
    s.rotation.every_days = Some(60);
    s.last_rotated = Some(now() - Duration::days(45));
    s.next_rotation = Some(now() + Duration::days(15));
    s.tags = tags(&[
        ("Owner", "a"),
        ("RotationDays", "30"),
        ("Classification", "critical"),
    ]);
    let found = run(vec![s.clone()], &Policy::default());
    let msg = &found
        .iter()
        .find(|(r, _)| *r == RuleId::RotatedWithin)
        .unwrap()
        .1;
    assert!(msg.contains("limit is 30"), "{msg}");
    s.tags = tags(&[
        ("Owner", "a"),
        ("RotationDays", "60"),
        ("Classification", "critical"),
    ]);
    assert!(!rules(vec![s.clone()]).contains(&RuleId::RotatedWithin));
    let mut policy = Policy::default();
    policy
        .classification_rotation_days
        .insert("critical".into(), 40);
    let found = run(vec![s], &policy);
    assert!(
        found
            .iter()
            .any(|(r, m)| *r == RuleId::RotatedWithin && m.contains("limit is 40"))
    );
}

#[test]
fn scheduled_rotation_missed_is_found_and_replicas_are_not_judged() {
    let mut s = good();
    s.last_rotated = Some(now() - Duration::days(40));
    s.next_rotation = Some(now() - Duration::days(10));
    let found = run(vec![s.clone()], &Policy::default());
    assert!(
        found
            .iter()
            .any(|(r, m)| *r == RuleId::RotationScheduled && m.contains("10 days ago"))
    );
    // The same secret seen only as a replica (primary not loaded) is left to its primary.
    let replica = crate::testing::fixtures::replica_of(&s, "eu-west-1");
    assert_eq!(rules(vec![replica]), vec![]);
}

#[test]
fn unused_is_replica_aware() {
    let mut s = good();
    s.last_accessed = Some(now() - Duration::days(120));
    assert!(rules(vec![s.clone()]).contains(&RuleId::Unused));
    let mut replica = crate::testing::fixtures::replica_of(&s, "ap-southeast-2");
    replica.last_accessed = Some(now() - Duration::days(3));
    assert!(!rules(vec![s.clone(), replica]).contains(&RuleId::Unused));
    s.last_accessed = None;
    s.created = Some(now() - Duration::days(91));
    let found = run(vec![s], &Policy::default());
    assert!(
        found
            .iter()
            .any(|(r, m)| *r == RuleId::Unused && m.contains("never read"))
    );
}

#[test]
fn exactly_n_days_unused_is_compliant() {
    let mut s = good();
    s.last_accessed = Some(now() - Duration::days(90));
    assert!(!rules(vec![s]).contains(&RuleId::Unused));
}

#[test]
fn tags_differing_in_case_are_named() {
    let mut s = good();
    s.tags = tags(&[("owner", "team-a"), ("RotationDays", "30")]);
    let found = run(vec![s], &Policy::default());
    let msg = &found
        .iter()
        .find(|(r, _)| *r == RuleId::RequiredTags)
        .unwrap()
        .1;
    assert!(msg.contains("missing Classification"), "{msg}");
    assert!(
        msg.contains("wrong key case Owner (found \"owner\")"),
        "{msg}"
    );
}

#[test]
fn pending_without_current_is_stuck_and_with_current_is_not() {
    let mut s = good();
    s.versions.push(Version {
        id: "v2".into(),
        stages: vec!["AWSPENDING".into()],
        created: None,
        last_accessed: None,
    });
    assert!(rules(vec![s.clone()]).contains(&RuleId::StuckRotation));
    s.versions = vec![Version {
        id: "v2".into(),
        stages: vec!["AWSCURRENT".into(), "AWSPENDING".into()],
        created: None,
        last_accessed: None,
    }];
    assert!(!rules(vec![s]).contains(&RuleId::StuckRotation));
}

#[test]
fn rotation_failed_after_the_last_success_is_stuck() {
    let s = good();
    let mut h = RotationHistory::default();
    h.last_failed
        .insert(s.arn.clone(), now() - Duration::days(2));
    h.last_succeeded
        .insert(s.arn.clone(), now() - Duration::days(30));
    let found = run_with(vec![s.clone()], &Policy::default(), &h);
    assert!(found.iter().any(|(r, _)| *r == RuleId::StuckRotation));
    h.last_succeeded
        .insert(s.arn.clone(), now() - Duration::days(1));
    let found = run_with(vec![s], &Policy::default(), &h);
    assert!(!found.iter().any(|(r, _)| *r == RuleId::StuckRotation));
}

#[test]
fn scheduled_deletion_is_the_only_finding_of_a_deleted_secret() {
    let mut s = good();
    s.deleted = Some(now() - Duration::days(1));
    s.rotation.enabled = false;
    assert_eq!(rules(vec![s]), vec![RuleId::ScheduledDeletion]);
}

#[test]
fn due_soon_is_a_warning() {
    let mut s = good();
    s.last_rotated = Some(now() - Duration::days(25));
    let inv = Inventory::join(vec![s]);
    let f = evaluate(
        &inv.entries,
        &RotationHistory::default(),
        &Policy::default(),
        now(),
    );
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].rule, f[0].severity),
        (RuleId::RotationDueSoon, Severity::Info)
    );
}

#[test]
fn customer_key_rule_is_off_by_default() {
    let mut s = good();
    s.kms_key_id = None;
    assert!(!rules(vec![s.clone()]).contains(&RuleId::CustomerManagedKey));
    let mut policy = Policy::default();
    policy
        .rules
        .get_mut(&RuleId::CustomerManagedKey)
        .unwrap()
        .enabled = true;
    assert!(
        run(vec![s], &policy)
            .iter()
            .any(|(r, _)| *r == RuleId::CustomerManagedKey)
    );
}

#[test]
fn naming_convention_accepts_both_forms() {
    let mut s = good();
    s.name = "stage/db/app-primary".into();
    assert!(!rules(vec![s.clone()]).contains(&RuleId::NamingConvention));
    s.name = "legacy_db_password".into();
    assert!(rules(vec![s]).contains(&RuleId::NamingConvention));
}

fn replicated(mut s: Secret, region: &str, status: ReplicationState) -> Secret {
    s.primary_region = Some(s.region.clone());
    s.replication = Some(vec![ReplicaStatus {
        region: region.into(),
        kms_key_id: None,
        status,
        message: Some("KMS key disabled".into()),
        last_accessed: None,
    }]);
    s
}

#[test]
fn critical_or_prod_secrets_need_a_healthy_replica_in_the_dr_region() {
    let mut s = good();
    s.tags = tags(&[
        ("Owner", "a"),
        ("RotationDays", "30"),
        ("Classification", "critical"),
    ]);
    let policy = Policy {
        dr_regions: vec!["ap-southeast-2".into()],
        ..Policy::default()
    };
    let found = run(vec![s.clone()], &policy);
    assert!(
        found.iter().any(|(r, m)| *r == RuleId::ReplicationRequired
            && m.contains("no replica in ap-southeast-2"))
    );
    let ok = replicated(s.clone(), "ap-southeast-2", ReplicationState::InSync);
    assert!(
        !run(vec![ok], &policy)
            .iter()
            .any(|(r, _)| *r == RuleId::ReplicationRequired)
    );
    let failed = replicated(s.clone(), "ap-southeast-2", ReplicationState::Failed);
    let found = run(vec![failed], &policy);
    assert!(
        found
            .iter()
            .any(|(r, m)| *r == RuleId::ReplicationRequired
                && m.contains("failed: KMS key disabled"))
    );
    let elsewhere = replicated(s, "eu-west-1", ReplicationState::InSync);
    assert!(
        run(vec![elsewhere], &policy)
            .iter()
            .any(|(r, _)| *r == RuleId::ReplicationRequired)
    );
}

#[test]
fn entries_are_evaluated_in_order() {
    let a = good();
    let mut b = good();
    b.name = "/clarivum/prod/billing/other".into();
    b.arn =
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:/clarivum/prod/billing/other-XyZ123"
            .into();
    b.rotation.enabled = false;
    let entries: Vec<Entry> = Inventory::join(vec![a, b]).entries;
    let f = evaluate(
        &entries,
        &RotationHistory::default(),
        &Policy::default(),
        now(),
    );
    assert!(f.iter().all(|f| f.name.ends_with("other")));
    assert!(f.iter().any(|f| f.rule == RuleId::RotationEnabled));
}
