//! The drill report's renderers on a hand-made drill: hostile text, the JSON's shape.

use super::*;
use crate::drill::record::{RehearsalRecord, ValueRecord};
use crate::drill::{Presence, Primary, RegionCell, SecretKey};

fn drill_with(name: &str) -> (Record, Drill) {
    let row = Row {
        key: SecretKey {
            account: "111122223333".into(),
            primary_region: "us-east-1".into(),
            name: name.into(),
        },
        arn: "arn".into(),
        primary: Primary::NotLoaded,
        required_because: None,
        fixture: false,
        cells: vec![RegionCell {
            region: "us-west-2".into(),
            presence: Presence::Absent { required: true },
        }],
        failover: None,
        value_check: None,
        promotion: None,
        verdict: Outcome::Fail,
        reasons: Vec::new(),
    };
    let record = Record {
        started_at: chrono::DateTime::UNIX_EPOCH,
        operator: "op@host".into(),
        source: "test".into(),
        source_kind: "snapshot",
        accounts: vec!["111122223333".into()],
        regions_read: vec!["us-west-2".into()],
        selection: "default".into(),
        allow_write: false,
        cells: Vec::new(),
        phases: Vec::new(),
        calls: Default::default(),
        value_verification: ValueRecord::default(),
        promotion_rehearsal: RehearsalRecord::default(),
        errors: vec!["region \u{1b}[2J down".into()],
        total_seconds: 0.0,
    };
    let drill = Drill {
        dr_region: "us-west-2".into(),
        regions: vec!["us-west-2".into()],
        rows: vec![row],
        overall: Outcome::Fail,
        counts: Counts {
            pass: 0,
            warn: 0,
            fail: 1,
        },
        notes: Vec::new(),
    };
    (record, drill)
}

#[test]
fn hostile_text_is_neutralised_in_the_table_and_markdown() {
    let (record, drill) = drill_with("prod/\u{1b}]0;pwned\u{7}|x`y");
    for out in [table(&record, &drill), markdown(&record, &drill)] {
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
        assert!(out.contains("MISSING"));
    }
    let md = markdown(&record, &drill);
    assert!(md.contains("\\|x'y"), "{md}");
    assert!(md.contains("**The run is incomplete:**"));
}

#[test]
fn json_has_the_run_and_the_matrix_at_the_top() {
    let (record, drill) = drill_with("prod/a");
    let v: serde_json::Value = serde_json::from_str(&json(&record, &drill).unwrap()).unwrap();
    for key in [
        "operator",
        "phases",
        "calls",
        "value_verification",
        "promotion_rehearsal",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["secrets"][0]["cells"][0]["state"], "absent");
    assert_eq!(v["secrets"][0]["primary"]["state"], "not_loaded");
}
