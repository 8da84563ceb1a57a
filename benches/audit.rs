//! Audit speed: 10,000 secrets from a snapshot file, every rule on (target < 100 ms).

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

use strongroom::audit::{Policy, RotationHistory, RuleId, evaluate};
use strongroom::domain::Inventory;
use strongroom::source::snapshot::{self, SCHEMA_VERSION, Snapshot};
use strongroom::testing::fixtures;

fn benches(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let snap = Snapshot {
        schema_version: SCHEMA_VERSION,
        captured_at: now,
        source: "bench".into(),
        accounts: vec![],
        regions: vec!["us-east-1".into()],
        cells: vec![],
        secrets: fixtures::secrets(10_000, "us-east-1"),
        events: vec![],
        access_events: vec![],
    };
    let text = serde_json::to_string(&snap).unwrap();
    let mut policy = Policy::default();
    policy
        .rules
        .get_mut(&RuleId::CustomerManagedKey)
        .unwrap()
        .enabled = true;
    c.bench_function(
        "audit 10k secrets from a snapshot (parse, join, evaluate)",
        |b| {
            b.iter(|| {
                let loaded = snapshot::parse(&text, "bench.json").unwrap();
                let inv = Inventory::join(loaded.snapshot.secrets);
                evaluate(&inv.entries, &RotationHistory::default(), &policy, now).len()
            })
        },
    );
    let inv = Inventory::join(snap.secrets.clone());
    c.bench_function("audit 10k secrets, evaluate only", |b| {
        b.iter(|| evaluate(&inv.entries, &RotationHistory::default(), &policy, now).len())
    });
}

criterion_group!(audit, benches);
criterion_main!(audit);
