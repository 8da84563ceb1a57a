//! The review model on hand-built inventories, policies and CloudTrail records.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::domain::{Inventory, Secret};
use crate::trail::{AccessEvent, parse_record};

const ACCOUNT: &str = "111122223333";
const PARTNER: &str = "444455556666";

fn arn(name: &str, region: &str) -> String {
    format!("arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-AbCdEf")
}

fn secret(name: &str, region: &str, primary: Option<&str>) -> Secret {
    serde_json::from_value(json!({
        "arn": arn(name, region), "name": name, "account": ACCOUNT, "region": region,
        "primary_region": primary,
        "tags": [{"key": "Owner", "value": "team-payments"}],
    }))
    .unwrap()
}

fn inventory() -> Inventory {
    Inventory::join(vec![
        secret("prod/db", "us-east-1", Some("us-east-1")),
        secret("prod/db", "eu-west-1", Some("us-east-1")),
        secret("prod/api", "us-east-1", None),
    ])
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn role(name: &str, account: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// A GetSecretValue by `identity` of `secret_id` in `region`, `hours` before now.
fn read(
    identity: Value,
    secret_id: &str,
    region: &str,
    hours: i64,
    error: Option<&str>,
) -> AccessEvent {
    let time = now() - chrono::Duration::hours(hours);
    let mut record = json!({
        "eventTime": time.to_rfc3339(),
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "GetSecretValue",
        "awsRegion": region,
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
        "userIdentity": identity,
        "requestParameters": {"secretId": secret_id},
    });
    if let Some(code) = error {
        record["errorCode"] = json!(code);
    }
    parse_record(&record).unwrap()
}

fn session(role_name: &str, account: &str) -> Value {
    json!({"type": "AssumedRole", "accountId": account,
        "arn": format!("arn:aws:sts::{account}:assumed-role/{role_name}/s-1"),
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role(role_name, account)}}})
}

fn user(name: &str) -> Value {
    json!({"type": "IAMUser", "accountId": ACCOUNT, "userName": name,
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}")})
}

fn fetched(text: &str) -> PolicyInput {
    PolicyInput::Fetched {
        text: Some(text.to_string()),
        fetched_at: now(),
        cached: false,
    }
}

fn review(policies: &HashMap<String, PolicyInput>, events: Vec<AccessEvent>) -> Vec<SecretReview> {
    let inv = inventory();
    let secrets: Vec<Secret> = inv
        .entries
        .iter()
        .flat_map(|e| std::iter::once(&e.secret).chain(&e.replicas))
        .map(|s| Secret::clone(s))
        .collect();
    let index = EventIndex::build(events, &secrets);
    build(&Input {
        inventory: &inv,
        policies,
        events: &index,
        since: now() - chrono::Duration::days(90),
        selection: None,
    })
}

fn row<'a>(r: &'a SecretReview, principal: &str) -> &'a AccessRow {
    r.rows
        .iter()
        .find(|row| row.principal == principal)
        .unwrap_or_else(|| panic!("no row {principal} in {:#?}", r.rows))
}

fn db_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "App", "Effect": "Allow",
         "Principal": {"AWS": [role("payments-api", ACCOUNT), role("reporting", ACCOUNT)]},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:root")},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b"}}}
    ]})
    .to_string()
}

#[test]
fn unused_and_unexplained_principals_are_highlighted() {
    let db = arn("prod/db", "us-east-1");
    let policies = HashMap::from([
        (db.clone(), fetched(&db_policy())),
        (arn("prod/api", "us-east-1"), fetched("")),
    ]);
    let events = vec![
        read(
            session("payments-api", ACCOUNT),
            "prod/db",
            "us-east-1",
            1,
            None,
        ),
        // The replica's reads count for the secret.
        read(
            session("payments-api", ACCOUNT),
            &arn("prod/db", "eu-west-1"),
            "eu-west-1",
            2,
            None,
        ),
        read(user("alice"), "prod/db", "us-east-1", 3, None),
        read(session("auditor", PARTNER), &db, "us-east-1", 4, None),
        read(
            user("mallory"),
            "prod/db",
            "us-east-1",
            5,
            Some("AccessDenied"),
        ),
        // Before the window: not counted.
        read(user("old"), "prod/db", "us-east-1", 24 * 100, None),
    ];
    let reviews = review(&policies, events);
    let db_review = reviews.iter().find(|r| r.secret.name == "prod/db").unwrap();
    assert_eq!(db_review.secret.owner.as_deref(), Some("team-payments"));
    assert_eq!(db_review.secret.replica_regions, ["eu-west-1"]);
    let app = row(db_review, &role("payments-api", ACCOUNT));
    assert_eq!(
        (app.allowed, app.reads, app.highlight),
        (Allowed::Explicitly, 2, None)
    );
    assert_eq!(app.statements, ["App"]);
    let reporting = row(db_review, &role("reporting", ACCOUNT));
    assert_eq!(reporting.highlight, Some(Highlight::Unused));
    let alice = row(db_review, &format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    assert_eq!(alice.allowed, Allowed::NotByResourcePolicy);
    assert_eq!(alice.highlight, Some(Highlight::ThroughIam));
    let partner = row(db_review, PARTNER);
    assert_eq!(partner.allowed, Allowed::ViaAccountRoot);
    assert!(partner.conditional);
    assert_eq!(
        partner.conditions,
        ["StringEquals aws:SourceVpce = vpce-1a2b"]
    );
    assert_eq!(
        (partner.reads, partner.readers, partner.highlight),
        (1, 1, None)
    );
    let auditor = row(db_review, &role("auditor", PARTNER));
    assert_eq!(auditor.allowed, Allowed::ViaAccountRoot);
    assert_eq!(auditor.highlight, None, "explained by the partner account");
    let mallory = row(db_review, &format!("arn:aws:iam::{ACCOUNT}:user/mallory"));
    assert_eq!(mallory.highlight, Some(Highlight::DeniedAttempts));
    assert!(
        !db_review
            .rows
            .iter()
            .any(|r| r.principal.ends_with("user/old"))
    );
    let kinds: Vec<FindingKind> = db_review.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FindingKind::CrossAccountRead]);
    let api = reviews
        .iter()
        .find(|r| r.secret.name == "prod/api")
        .unwrap();
    assert_eq!(api.policy.status, PolicyStatus::None);
    assert_eq!(api.findings[0].kind, FindingKind::NoPolicy);
    assert!(api.rows.is_empty());
    let s = summary(&reviews, &[]);
    assert_eq!(
        (s.allowed_unused, s.read_through_iam, s.undecided),
        (1, 1, 2)
    );
}

#[test]
fn without_a_policy_every_reader_reads_through_iam() {
    let policies = HashMap::from([
        (
            arn("prod/db", "us-east-1"),
            PolicyInput::NoneInSource("demo".into()),
        ),
        (
            arn("prod/api", "us-east-1"),
            PolicyInput::NoneInSource("demo".into()),
        ),
    ]);
    let reviews = review(
        &policies,
        vec![read(user("bob"), "prod/api", "us-east-1", 1, None)],
    );
    let api = reviews
        .iter()
        .find(|r| r.secret.name == "prod/api")
        .unwrap();
    assert_eq!(api.rows.len(), 1);
    assert_eq!(api.rows[0].allowed, Allowed::NoPolicy);
    assert_eq!(api.rows[0].highlight, Some(Highlight::ThroughIam));
    assert_eq!(api.findings[0].detail, findings::NO_POLICY);
}

#[test]
fn a_bad_policy_is_that_secrets_error_while_the_other_loads() {
    let policies = HashMap::from([
        (arn("prod/db", "us-east-1"), fetched("{\"Statement\": [")),
        (arn("prod/api", "us-east-1"), fetched(&db_policy())),
    ]);
    let reviews = review(
        &policies,
        vec![read(user("bob"), "prod/db", "us-east-1", 1, None)],
    );
    let db = reviews.iter().find(|r| r.secret.name == "prod/db").unwrap();
    assert_eq!(db.policy.status, PolicyStatus::Unreadable);
    assert!(
        db.policy
            .detail
            .as_deref()
            .unwrap()
            .contains("not valid JSON")
    );
    assert_eq!(db.policy.document.as_deref(), Some("{\"Statement\": ["));
    assert_eq!(db.rows[0].allowed, Allowed::Unknown);
    assert_eq!(
        db.rows[0].highlight, None,
        "nobody can tell it is through IAM"
    );
    let api = reviews
        .iter()
        .find(|r| r.secret.name == "prod/api")
        .unwrap();
    assert_eq!(api.policy.status, PolicyStatus::Attached);
    assert_eq!(api.policy.statements.len(), 2);
}

#[test]
fn public_read_and_denies_show_on_their_rows() {
    let policy = json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"},
        {"Sid": "NoMallory", "Effect": "Deny",
         "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:user/mallory")},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        {"Sid": "OnlyVpce", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}
    ]})
    .to_string();
    let policies = HashMap::from([(arn("prod/api", "us-east-1"), fetched(&policy))]);
    let events = vec![
        read(user("bob"), "prod/api", "us-east-1", 1, None),
        read(
            user("mallory"),
            "prod/api",
            "us-east-1",
            2,
            Some("AccessDenied"),
        ),
    ];
    let reviews = review(&policies, events);
    let api = reviews
        .iter()
        .find(|r| r.secret.name == "prod/api")
        .unwrap();
    let star = row(api, "*");
    assert_eq!(star.highlight, Some(Highlight::Public));
    assert_eq!((star.reads, star.readers), (1, 2));
    assert_eq!(api.findings[0].kind, FindingKind::PublicRead);
    let bob = row(api, &format!("arn:aws:iam::{ACCOUNT}:user/bob"));
    assert_eq!(bob.allowed, Allowed::ViaEveryone);
    assert_eq!(bob.denied_by, ["OnlyVpce (conditional)"]);
    let mallory = row(api, &format!("arn:aws:iam::{ACCOUNT}:user/mallory"));
    assert_eq!(mallory.allowed, Allowed::Denied);
    assert_eq!(mallory.denied_by, ["NoMallory", "OnlyVpce (conditional)"]);
    // prod/db has no entry in the map: reviewed as unavailable, not as "no policy".
    let db = reviews.iter().find(|r| r.secret.name == "prod/db").unwrap();
    assert_eq!(db.policy.status, PolicyStatus::Unavailable);
}

#[test]
fn review_ids_name_the_quarter_and_the_day() {
    assert_eq!(review_id(now()), "review-2026Q4-20261120");
    let feb = Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap();
    assert_eq!(review_id(feb), "review-2027Q1-20270201");
}

#[test]
fn secrets_are_named_by_name_arn_prefix_or_replica() {
    let reviews = review(&HashMap::new(), Vec::new());
    let db = reviews.iter().find(|r| r.secret.name == "prod/db").unwrap();
    assert!(db.is_named("prod/db"));
    assert!(db.is_named(&arn("prod/db", "us-east-1")));
    assert!(db.is_named(&format!(
        "arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db"
    )));
    assert!(db.is_named(&arn("prod/db", "eu-west-1")));
    assert!(!db.is_named("prod/d"));
}
