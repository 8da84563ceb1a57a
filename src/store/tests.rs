use std::path::Path;

use chrono::{Duration, TimeZone};
use serde_json::json;

use super::*;
use crate::trail::parse_record;

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap()
}

fn event(id: &str, time: DateTime<Utc>, region: &str) -> AccessEvent {
    parse_record(&json!({
        "eventID": id,
        "eventTime": time.to_rfc3339(),
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "GetSecretValue",
        "awsRegion": region,
        "eventType": "AwsApiCall",
        "recipientAccountId": "123456789012",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "requestParameters": {"secretId": "prod/db"},
    }))
    .unwrap()
}

fn ids(events: &[AccessEvent]) -> Vec<&str> {
    events.iter().map(|e| e.event_id.as_str()).collect()
}

#[test]
fn one_file_per_account_in_the_state_dir_created_when_missing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("nested/state");
    let store = EvidenceStore::open(&state, "123456789012").unwrap();
    assert_eq!(store.path(), state.join("evidence-123456789012.sqlite"));
    assert!(store.path().exists());
    let odd = EvidenceStore::open(&state, "profile:dev/x").unwrap();
    assert_eq!(odd.path(), state.join("evidence-profile_dev_x.sqlite"));
}

#[test]
fn insert_ignores_duplicates_and_counts_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = EvidenceStore::open(dir.path(), "1").unwrap();
    let page = [event("a", t(1), "us-east-1"), event("b", t(2), "us-east-1")];
    assert_eq!(store.insert(&page).unwrap(), 2);
    let again = [event("b", t(2), "us-east-1"), event("c", t(3), "eu-west-1")];
    assert_eq!(store.insert(&again).unwrap(), 1);
    assert_eq!(store.len().unwrap(), 3);
    assert_eq!(store.insert(&[]).unwrap(), 0);
}

#[test]
fn events_come_back_whole_newest_first_by_time_and_region() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = EvidenceStore::open(dir.path(), "1").unwrap();
    let all = [
        event("a", t(1), "us-east-1"),
        event("b", t(5), "us-east-1"),
        event("c", t(3), "eu-west-1"),
        event("d", t(9), "us-east-1"),
    ];
    store.insert(&all).unwrap();
    assert_eq!(
        ids(&store.events(t(0), t(23), None).unwrap()),
        ["d", "b", "c", "a"]
    );
    assert_eq!(
        ids(&store.events(t(1), t(5), Some("us-east-1")).unwrap()),
        ["b", "a"],
        "both bounds inclusive"
    );
    let back = store.events(t(3), t(3), None).unwrap();
    assert_eq!(back, [all[2].clone()], "the event round-trips unchanged");
    assert_eq!(store.newest("us-east-1").unwrap(), Some(t(9)));
    assert_eq!(store.newest("ap-south-1").unwrap(), None);
}

#[test]
fn windows_merge_per_region_and_query() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = EvidenceStore::open(dir.path(), "1").unwrap();
    store.record_window("us-east-1", "q", t(1), t(3)).unwrap();
    store.record_window("us-east-1", "q", t(3), t(5)).unwrap();
    store.record_window("us-east-1", "q", t(8), t(9)).unwrap();
    store
        .record_window("us-east-1", "other", t(0), t(23))
        .unwrap();
    store.record_window("eu-west-1", "q", t(0), t(23)).unwrap();
    store.record_window("us-east-1", "q", t(7), t(6)).unwrap(); // inverted: ignored
    assert_eq!(
        store.covered("us-east-1", "q").unwrap(),
        [(t(1), t(5)), (t(8), t(9))]
    );
    assert_eq!(
        missing(&store.covered("us-east-1", "q").unwrap(), t(0), t(10)),
        [(t(9), t(10)), (t(5), t(8)), (t(0), t(1))]
    );
    assert!(store.covered("us-west-2", "q").unwrap().is_empty());
}

#[test]
fn everything_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = EvidenceStore::open(dir.path(), "1").unwrap();
        store.insert(&[event("a", t(1), "us-east-1")]).unwrap();
        store.record_window("us-east-1", "q", t(0), t(2)).unwrap();
    }
    let store = EvidenceStore::open(dir.path(), "1").unwrap();
    assert_eq!(ids(&store.events(t(0), t(23), None).unwrap()), ["a"]);
    assert_eq!(store.covered("us-east-1", "q").unwrap(), [(t(0), t(2))]);
}

/// Copies the database and its WAL as they are on disk at this instant: what a crash (or a
/// power cut, with synchronous=FULL) would leave behind.
fn crash_image(store: &EvidenceStore, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let name = store
        .path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    std::fs::copy(store.path(), to.join(&name)).unwrap();
    let wal = store.path().with_file_name(format!("{name}-wal"));
    if wal.exists() {
        std::fs::copy(&wal, to.join(format!("{name}-wal"))).unwrap();
    }
}

#[test]
fn a_crash_keeps_committed_pages_and_loses_no_half_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = EvidenceStore::open(&dir.path().join("live"), "1").unwrap();
    store.insert(&[event("a", t(1), "us-east-1")]).unwrap();
    store.record_window("us-east-1", "q", t(0), t(2)).unwrap();

    // A page being written when the process dies: its transaction never commits. Enough rows
    // that SQLite spills uncommitted pages into the WAL.
    store.conn.execute_batch("BEGIN").unwrap();
    for i in 0..2000 {
        let e = event(
            &format!("half-{i}"),
            t(4) + Duration::seconds(i),
            "us-east-1",
        );
        store
            .conn
            .execute(
                "INSERT INTO events (event_id, time, region, name, json) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![e.event_id, e.time.timestamp_micros(), e.region, e.name, "x".repeat(500)],
            )
            .unwrap();
    }
    let crashed = dir.path().join("after-crash");
    crash_image(&store, &crashed);
    drop(store);

    let mut reopened = EvidenceStore::open(&crashed, "1").unwrap();
    assert_eq!(ids(&reopened.events(t(0), t(23), None).unwrap()), ["a"]);
    assert_eq!(reopened.covered("us-east-1", "q").unwrap(), [(t(0), t(2))]);
    let check: String = reopened
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(
        reopened.insert(&[event("b", t(5), "us-east-1")]).unwrap(),
        1
    );
}

#[test]
fn a_newer_schema_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let store = EvidenceStore::open(dir.path(), "1").unwrap();
    store
        .conn
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(store);
    let err = EvidenceStore::open(dir.path(), "1").err().unwrap();
    let text = err.to_string();
    assert!(text.contains("evidence-1.sqlite"), "{text}");
    assert!(text.contains("newer Strongroom"), "{text}");
}

#[test]
fn a_file_that_is_not_sqlite_names_the_file_and_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("evidence-1.sqlite"),
        "not a database at all, no",
    )
    .unwrap();
    let err = EvidenceStore::open(dir.path(), "1").err().unwrap();
    let text = err.to_string();
    assert!(text.contains("evidence-1.sqlite"), "{text}");
    assert!(text.contains("move it aside"), "{text}");
}
