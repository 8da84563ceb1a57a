//! The compromised-secret runbook rehearsed end to end on the demo fleet: sessions, the driver,
//! the journal and the simulated writes, with no terminal and no network.

use std::collections::BTreeMap;

use super::*;
use crate::domain::{ReplicaStatus, ReplicationState};
use crate::incident::catalog::Catalog;
use crate::incident::driver::{Pause, advance, replay_writes};
use crate::incident::session::{Operator, Session};
use crate::incident::timeline;
use crate::runbook::engine::{Command, Event, Mode, RunStatus};
use crate::store::journal::Journal;

const SECRET: &str = "/clarivum/prod/payments/stripe-api-key";
const SUSPECT: &str = "arn:aws:iam::210987654321:user/svc-legacy-backup";
const BREAK_GLASS: &str = "arn:aws:iam::210987654321:role/break-glass";

fn demo() -> OfflineExecutor {
    let snapshot = crate::source::demo::load(Utc::now()).unwrap();
    let events = snapshot
        .events
        .iter()
        .filter_map(|r| crate::trail::parse_record(r).ok())
        .collect();
    OfflineExecutor::new("the demo fleet".into(), snapshot.secrets, events, true)
}

fn params() -> BTreeMap<String, String> {
    [
        ("secret", SECRET),
        ("incident", "INC-7"),
        ("incident_start", "2026-01-01T00:00:00Z"),
        ("suspect", SUSPECT),
        ("break_glass", BREAK_GLASS),
        ("dr_regions", "ap-southeast-2"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn operator() -> Operator {
    Operator {
        name: "tester".into(),
        via: "the demo fleet".into(),
    }
}

/// The operator answers everything: ticks, first options, the expected confirmation.
fn answer(command: &Command) -> Event {
    let at = Utc::now();
    match command {
        Command::ShowManual {
            step, checklist, ..
        } => Event::ManualDone {
            step: step.clone(),
            at,
            ticked: vec![true; checklist.len()],
            note: Some(format!("{step} done")),
        },
        Command::AskDecision { step, .. } => Event::Decided {
            step: step.clone(),
            at,
            option: 0,
        },
        Command::AskConfirmation { step, expected, .. } => Event::Confirmed {
            step: step.clone(),
            at,
            typed: expected.clone(),
        },
        other => panic!("not an operator command: {other:?}"),
    }
}

async fn run_to_end(session: &mut Session, executor: &OfflineExecutor) -> RunStatus {
    loop {
        match advance(session, executor, Utc::now, &mut |_| {})
            .await
            .unwrap()
        {
            Pause::Finished(status) => return status,
            Pause::Operator => {
                let command = session.waiting().cloned().unwrap();
                session.handle(answer(&command)).unwrap();
            }
            Pause::InterruptedWrite { .. } => panic!("no write was interrupted"),
        }
    }
}

#[tokio::test]
async fn the_compromised_secret_runbook_runs_to_the_end_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let entry = Catalog::load(&[]).find("compromised-secret").unwrap();
    let executor = demo();
    let mode = Mode {
        dry_run: false,
        allow_write: true,
    };
    let journal = Journal::open(dir.path()).unwrap();
    let mut session =
        Session::start(journal, &entry, params(), mode, Utc::now(), operator()).unwrap();
    assert_eq!(
        run_to_end(&mut session, &executor).await,
        RunStatus::Completed
    );

    let engine = session.engine();
    let output = |step: &str, key: &str| {
        engine
            .record_of(step)
            .and_then(|r| r.outputs.get(key).cloned())
            .unwrap_or_default()
    };
    // Evidence: the suspect is among the readers of the last 90 days.
    assert!(output("evidence-reads", "reads").contains("svc-legacy-backup"));
    // The demo had no policy: containment saved "none" and restoring deletes ours.
    assert_eq!(output("contain", "previous_policy"), "");
    assert_eq!(
        output("restore-policy", "operation"),
        "DeleteResourcePolicy"
    );
    assert_eq!(output("contain-check", "passed"), "true");
    assert_eq!(output("verify-rotated", "passed"), "true");
    assert_eq!(output("verify-replicas", "passed"), "true");
    let new_version = output("rotate", "new_version");
    assert!(output("verify-rotated", "detail").contains(&new_version));

    let run_id = session.run_id.clone();
    let journal = Journal::open(dir.path()).unwrap();
    let run = journal.run(&run_id).unwrap().unwrap();
    let rows = journal.entries(&run_id).unwrap();
    let chain = journal.verify(&run_id).unwrap();
    let replayed = crate::incident::session::replay_readonly(&journal, &run_id).unwrap();
    let timeline = timeline::build(
        &run,
        &rows,
        &replayed,
        chain,
        journal.head(&run_id).unwrap(),
    );
    assert_eq!(timeline.status, "completed");
    assert!(timeline.integrity.verified);
    assert!(timeline.time_to_contain.is_some() && timeline.time_to_rotate.is_some());
    assert!(timeline.entries.iter().all(|line| line.who == "tester"));
    // Five queries of AWS evidence and the leak check's answer (none was journaled: unknown).
    assert_eq!(timeline.evidence.len(), 6);
    assert_eq!(output("leak-match", "match"), "unknown");
    let markdown = crate::report::incident::markdown(&timeline);
    assert!(
        markdown.contains("| Rotate now | action | done |"),
        "{markdown}"
    );
}

#[tokio::test]
async fn a_resumed_run_rebuilds_the_simulated_writes_before_checking() {
    let dir = tempfile::tempdir().unwrap();
    let entry = Catalog::load(&[]).find("compromised-secret").unwrap();
    let mode = Mode {
        dry_run: false,
        allow_write: true,
    };
    let first = demo();
    let journal = Journal::open(dir.path()).unwrap();
    let mut session =
        Session::start(journal, &entry, params(), mode, Utc::now(), operator()).unwrap();
    // Answer up to and including the contain step's approval, then stop (a new process).
    loop {
        match advance(&mut session, &first, Utc::now, &mut |_| {})
            .await
            .unwrap()
        {
            Pause::Operator => {
                let command = session.waiting().cloned().unwrap();
                if matches!(&command, Command::AskConfirmation { step, .. } if step == "tag") {
                    break;
                }
                session.handle(answer(&command)).unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let run_id = session.run_id.clone();
    drop(session);

    // A fresh demo knows nothing of the policy until the journal's writes are replayed.
    let second = demo();
    let journal = Journal::open(dir.path()).unwrap();
    let mut resumed = Session::resume(journal, &run_id, Utc::now(), operator()).unwrap();
    replay_writes(&resumed, &second);
    let check = second
        .check(
            "policy_denies_all_except",
            &BTreeMap::from([
                ("secret_id".to_string(), SECRET.to_string()),
                ("principal".to_string(), BREAK_GLASS.to_string()),
            ]),
        )
        .await;
    assert!(check.passed, "{}", check.detail);
    assert_eq!(
        run_to_end(&mut resumed, &second).await,
        RunStatus::Completed
    );
}

#[tokio::test]
async fn a_snapshot_refuses_writes_and_the_step_fails_with_why() {
    let snapshot = crate::source::demo::load(Utc::now()).unwrap();
    let executor = OfflineExecutor::new(
        "snapshot s.json".into(),
        snapshot.secrets,
        Vec::new(),
        false,
    );
    let call = crate::runbook::calls::plan(
        ActionKind::RotateNow,
        &BTreeMap::from([("secret_id".to_string(), SECRET.to_string())]),
    )
    .unwrap();
    let error = executor
        .action(ActionKind::RotateNow, &call)
        .await
        .unwrap_err();
    assert!(!error.transient);
    assert!(
        error.message.contains("writes need live AWS"),
        "{}",
        error.message
    );
    let missing = executor
        .query(
            QueryKind::DescribeSecret,
            &BTreeMap::from([("secret_id".to_string(), "nope".to_string())]),
        )
        .await
        .unwrap_err();
    assert!(missing.message.contains("no secret `nope`"));
}

#[tokio::test]
async fn no_reads_by_fails_for_a_principal_that_read_after_the_time() {
    let executor = demo();
    let args = |since: &str| {
        BTreeMap::from([
            ("secret_id".to_string(), SECRET.to_string()),
            ("principal".to_string(), SUSPECT.to_string()),
            ("since".to_string(), since.to_string()),
        ])
    };
    let long_ago = (Utc::now() - chrono::Duration::days(30)).to_rfc3339();
    let outcome = executor.check("no_reads_by", &args(&long_ago)).await;
    assert!(!outcome.passed);
    assert!(
        outcome.detail.contains("198.51.100.23"),
        "{}",
        outcome.detail
    );
    let now = Utc::now().to_rfc3339();
    assert!(executor.check("no_reads_by", &args(&now)).await.passed);
}

/// A fixture secret replicated to us-west-2 and tagged for drills, plus its replica listing.
fn drill_fleet(tagged: bool) -> (OfflineExecutor, String) {
    let mut primary = crate::testing::fixtures::secrets(1, "us-east-1").remove(0);
    primary.versions[0].created = Some(Utc::now() - chrono::Duration::days(3));
    if tagged {
        primary.tags.push(crate::domain::Tag {
            key: "DrillFixture".into(),
            value: "true".into(),
        });
    }
    primary.replication = Some(vec![ReplicaStatus {
        region: "us-west-2".into(),
        kms_key_id: None,
        status: ReplicationState::InSync,
        message: None,
        last_accessed: None,
    }]);
    let replica = crate::testing::fixtures::replica_of(&primary, "us-west-2");
    let arn = primary.arn.clone();
    let executor = OfflineExecutor::new(
        "the demo fleet".into(),
        vec![primary, replica],
        Vec::new(),
        true,
    );
    (executor, arn)
}

#[tokio::test]
async fn the_dr_drill_promotes_a_fixture_and_replicates_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let entry = Catalog::load(&[]).find("dr-drill").unwrap();
    let (executor, arn) = drill_fleet(true);
    let params = BTreeMap::from([
        ("secret".to_string(), arn.clone()),
        ("dr_region".to_string(), "us-west-2".to_string()),
        ("drill".to_string(), "DR-2026-Q4".to_string()),
    ]);
    let mode = Mode {
        dry_run: false,
        allow_write: true,
    };
    let journal = Journal::open(dir.path()).unwrap();
    let mut session =
        Session::start(journal, &entry, params, mode, Utc::now(), operator()).unwrap();
    // Stop right after the promotion to look at the fleet in between.
    loop {
        match advance(&mut session, &executor, Utc::now, &mut |_| {})
            .await
            .unwrap()
        {
            Pause::Operator => {
                let command = session.waiting().cloned().unwrap();
                if matches!(&command, Command::ShowManual { step, .. } if step == "serve-from-dr") {
                    break;
                }
                session.handle(answer(&command)).unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let promoted = session
        .engine()
        .record_of("promote")
        .and_then(|r| r.outputs.get("promoted_arn").cloned())
        .unwrap();
    assert!(promoted.contains(":us-west-2:"), "{promoted}");
    let region_args = BTreeMap::from([
        ("secret_id".to_string(), arn.clone()),
        ("regions".to_string(), "us-west-2".to_string()),
    ]);
    let between = executor.check("replicated_to", &region_args).await;
    assert!(
        !between.passed,
        "the promoted replica is standalone: {}",
        between.detail
    );
    assert_eq!(
        run_to_end(&mut session, &executor).await,
        RunStatus::Completed
    );
    assert!(executor.check("replicated_to", &region_args).await.passed);
    assert_eq!(
        session
            .engine()
            .record_of("re-replicate")
            .and_then(|r| r.outputs.get("request").cloned())
            .map(|body| body.contains("\"ForceOverwriteReplicaSecret\":true")),
        Some(true)
    );
}

#[tokio::test]
async fn a_secret_without_the_fixture_tag_is_never_promoted() {
    let (executor, arn) = drill_fleet(false);
    let call = crate::runbook::calls::plan(
        ActionKind::PromoteReplica,
        &BTreeMap::from([
            ("secret_id".to_string(), arn),
            ("region".to_string(), "us-west-2".to_string()),
        ]),
    )
    .unwrap();
    let error = executor
        .action(ActionKind::PromoteReplica, &call)
        .await
        .unwrap_err();
    assert!(
        error.message.contains("not tagged DrillFixture=true"),
        "{}",
        error.message
    );
}
