//! Incident speed: what a responder waits for between steps. Each journal entry is committed
//! (SQLite WAL, synchronous FULL) before the run moves on, and resuming replays the journal.

use std::collections::BTreeMap;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

use strongroom::incident::Catalog;
use strongroom::incident::session::replay_readonly;
use strongroom::runbook::engine::{Command, Event, Mode};
use strongroom::store::journal::Journal;

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path()).unwrap();
    let run = journal.start_run("bench", &json!({}), Utc::now()).unwrap();
    let entry = json!({"at": Utc::now(), "kind": {"type": "note", "step": "s", "text": "x"}});
    c.bench_function("journal: commit one entry (WAL, synchronous FULL)", |b| {
        b.iter(|| journal.append(&run, Utc::now(), &entry).unwrap())
    });

    // A compromised-secret run answered up to its last step, then replayed from the journal.
    let entry = Catalog::load(&[]).find("compromised-secret").unwrap();
    let params: BTreeMap<String, String> = [
        ("secret", "prod/db"),
        ("incident", "INC-1"),
        ("incident_start", "2026-01-01T00:00:00Z"),
        ("suspect", "arn:aws:iam::111122223333:user/x"),
        ("break_glass", "arn:aws:iam::111122223333:role/bg"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let mode = Mode {
        dry_run: true,
        allow_write: false,
    };
    let journal = Journal::open(dir.path()).unwrap();
    let operator = strongroom::incident::Operator {
        name: "bench".into(),
        via: "bench".into(),
    };
    let mut session =
        strongroom::incident::Session::start(journal, &entry, params, mode, Utc::now(), operator)
            .unwrap();
    while let Some(command) = session.waiting().cloned() {
        let at = Utc::now();
        let event = match command {
            Command::ShowManual {
                step, checklist, ..
            } => Event::ManualDone {
                step,
                at,
                ticked: vec![true; checklist.len()],
                note: None,
            },
            Command::AskDecision { step, .. } => Event::Decided {
                step,
                at,
                option: 0,
            },
            other => panic!("a dry run waits only on the operator: {other:?}"),
        };
        session.handle(event).unwrap();
    }
    let run_id = session.run_id.clone();
    let entries = session.journal().entries(&run_id).unwrap().len();
    let journal = Journal::open(dir.path()).unwrap();
    c.bench_function(
        &format!("incident: replay a finished run ({entries} entries) and verify its chain"),
        |b| {
            b.iter(|| {
                replay_readonly(&journal, &run_id).unwrap();
                journal.verify(&run_id).unwrap().unwrap();
            })
        },
    );
}

criterion_group!(incident, benches);
criterion_main!(incident);
