//! The worker on the demo fleet in a temporary state directory: a run started as the TUI
//! starts one, answered step by step, listed, and resumed by a second worker.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc::unbounded_channel;

use super::*;
use crate::incident::snapshot::StepState;
use crate::runbook::engine::Command;
use crate::source::snapshot_source::SnapshotSource;
use crate::source::{InventorySource, SourceKind, demo};

const SECRET: &str = "/clarivum/prod/payments/stripe-api-key";

fn params() -> BTreeMap<String, String> {
    [
        ("secret", SECRET),
        ("incident", "INC-7"),
        ("incident_start", "2026-01-01T00:00:00Z"),
        (
            "suspect",
            "arn:aws:iam::210987654321:user/svc-legacy-backup",
        ),
        ("break_glass", "arn:aws:iam::210987654321:role/break-glass"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn worker(dir: &std::path::Path) -> (UnboundedSender<RunbookRequest>, UnboundedReceiver<Msg>) {
    let source = SnapshotSource::new(demo::load(Utc::now()).unwrap(), SourceKind::Demo);
    let (msgs, rx) = unbounded_channel();
    let config = Config {
        state_dir: dir.to_path_buf(),
        catalog: Catalog::load(&[]),
        executor: source.runbook_executor(),
    };
    (spawn(config, msgs).unwrap(), rx)
}

/// The next message that is not progress; panics after 30 s (the demo answers in milliseconds).
async fn next(rx: &mut UnboundedReceiver<Msg>, progress: &mut Vec<String>) -> Msg {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("the worker answers")
            .expect("the worker is running");
        match msg {
            Msg::RunProgress(line) => progress.push(line),
            Msg::RunUpdated(snapshot) if snapshot.busy => {}
            other => return other,
        }
    }
}

async fn settled(rx: &mut UnboundedReceiver<Msg>, progress: &mut Vec<String>) -> RunSnapshot {
    match next(rx, progress).await {
        Msg::RunUpdated(snapshot) => *snapshot,
        other => panic!("expected a snapshot, got {other:?}"),
    }
}

fn answer(run_id: &str, event: Event) -> RunbookRequest {
    RunbookRequest::Answer {
        run_id: run_id.to_string(),
        event,
    }
}

#[tokio::test]
async fn a_run_started_from_the_tui_waits_for_each_answer_and_resumes_in_a_new_worker() {
    let dir = tempfile::tempdir().unwrap();
    let (requests, mut rx) = worker(dir.path());
    let mut progress = Vec::new();
    requests
        .send(RunbookRequest::Start {
            runbook: "compromised-secret".into(),
            params: params(),
            mode: Mode {
                dry_run: false,
                allow_write: false,
            },
        })
        .unwrap();
    let first = settled(&mut rx, &mut progress).await;
    let Some(Command::ShowManual {
        step, checklist, ..
    }) = &first.waiting
    else {
        panic!("{:?}", first.waiting)
    };
    assert_eq!((step.as_str(), checklist.len()), ("triage", 3));
    assert_eq!(first.steps[0].state, StepState::Current);
    assert_eq!(first.params["secret"], SECRET);

    requests
        .send(answer(
            &first.run_id,
            Event::ManualDone {
                step: "triage".into(),
                at: Utc::now(),
                ticked: vec![true; 3],
                note: Some("leaked in a gist".into()),
            },
        ))
        .unwrap();
    let leak = settled(&mut rx, &mut progress).await;
    assert!(
        matches!(&leak.waiting, Some(Command::ShowManual { step, .. }) if step == "leak-check"),
        "{:?}",
        leak.waiting
    );
    // No leak check was run: the leak_match query answers `unknown` and the run asks as before.
    requests
        .send(answer(
            &first.run_id,
            Event::ManualDone {
                step: "leak-check".into(),
                at: Utc::now(),
                ticked: vec![true],
                note: None,
            },
        ))
        .unwrap();
    let second = settled(&mut rx, &mut progress).await;
    assert!(
        matches!(&second.waiting, Some(Command::AskDecision { step, .. }) if step == "triage-real"),
        "{:?}",
        second.waiting
    );
    assert_eq!(second.steps[0].state, StepState::Done);
    assert!(
        second
            .journal
            .iter()
            .any(|l| l.what.contains("leaked in a gist"))
    );

    // An answer meant for another run is refused, not applied to this one.
    requests
        .send(answer(
            "compromised-secret-other",
            Event::Decided {
                step: "triage-real".into(),
                at: Utc::now(),
                option: 1,
            },
        ))
        .unwrap();
    assert!(
        matches!(next(&mut rx, &mut progress).await, Msg::RunbookFailed(m) if m.contains("not the open run"))
    );

    // Yes, Sev2: the evidence queries run on their own up to the next manual step.
    for option in [0, 1] {
        let waiting = settled_step(&requests, &mut rx, &mut progress, &first.run_id, option).await;
        assert!(waiting.is_some());
    }
    let evidence = requests_snapshot(&requests, &mut rx, &mut progress).await;
    assert!(
        matches!(&evidence.waiting, Some(Command::ShowManual { step, .. }) if step == "revoke-at-provider"),
        "{:?}",
        evidence.waiting
    );
    // The leak check's answer is evidence too.
    assert_eq!(evidence.evidence.len(), 6);
    // Showing the open run again journals nobody new.
    let operators = |s: &RunSnapshot| {
        s.journal
            .iter()
            .filter(|l| l.what.contains("carries the run"))
            .count()
    };
    assert_eq!(operators(&evidence), 1);
    assert!(
        progress
            .iter()
            .any(|p| p == "evidence-reads: query who_read"),
        "{progress:?}"
    );

    requests.send(RunbookRequest::ListRuns).unwrap();
    let Msg::RunsListed(Ok(runs)) = next(&mut rx, &mut progress).await else {
        panic!("no list")
    };
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, "waiting at revoke-at-provider");
    assert!(runs[0].chain_ok);
    drop(requests);

    // A second worker (a new process) resumes the run where it was.
    let (requests, mut rx) = worker(dir.path());
    requests
        .send(RunbookRequest::Resume {
            run_id: first.run_id.clone(),
            allow_write: false,
        })
        .unwrap();
    let resumed = settled(&mut rx, &mut progress).await;
    assert_eq!(resumed.waiting, evidence.waiting);
    assert_eq!(resumed.evidence, evidence.evidence);
    assert_eq!(operators(&resumed), 2, "the resume is attributed");
}

/// Answers the waiting decision with `option` and returns what waits next.
async fn settled_step(
    requests: &UnboundedSender<RunbookRequest>,
    rx: &mut UnboundedReceiver<Msg>,
    progress: &mut Vec<String>,
    run_id: &str,
    option: usize,
) -> Option<Command> {
    let step = match requests_snapshot(requests, rx, progress).await.waiting {
        Some(Command::AskDecision { step, .. }) => step,
        other => panic!("expected a decision, got {other:?}"),
    };
    requests
        .send(answer(
            run_id,
            Event::Decided {
                step,
                at: Utc::now(),
                option,
            },
        ))
        .unwrap();
    settled(rx, progress).await.waiting
}

/// The open run as it stands now (resuming the open run only shows it again).
async fn requests_snapshot(
    requests: &UnboundedSender<RunbookRequest>,
    rx: &mut UnboundedReceiver<Msg>,
    progress: &mut Vec<String>,
) -> RunSnapshot {
    requests.send(RunbookRequest::ListRuns).unwrap();
    let Msg::RunsListed(Ok(runs)) = next(rx, progress).await else {
        panic!("no list")
    };
    requests
        .send(RunbookRequest::Resume {
            run_id: runs[0].run_id.clone(),
            allow_write: false,
        })
        .unwrap();
    settled(rx, progress).await
}
