//! The happy path, templates, dry run, write gating and confirmation.

use super::*;

#[test]
fn happy_path_runs_every_step_in_order_with_the_journal_first() {
    let (engine, batches) = run(compromised(), params(), WRITE, |_, _| None);
    assert_journal_first(&batches);
    assert_eq!(last_status(&batches), RunStatus::Completed);
    assert_eq!(engine.status(), Some(&RunStatus::Completed));
    let expected: Vec<&str> = vec![
        "triage",
        "leak-check",
        "leak-match",
        "leak-branch",
        "triage-real",
        "severity",
        "evidence-secret",
        "evidence-policy",
        "evidence-versions",
        "evidence-reads",
        "evidence-replicas",
        "revoke-at-provider",
        "contain",
        "contain-check",
        "tag",
        "rotate",
        "verify-rotated",
        "verify-replicas",
        "verify-dr-regions",
        "restart-workloads",
        "watch-suspect",
        "suspect-decision",
        "watch-old-credentials",
        "notify",
        "restore-decision",
        "restore-policy",
        "followups",
    ];
    assert_eq!(started(&batches), expected);
    let journal = entries(&batches);
    assert!(matches!(journal[0].kind, EntryKind::RunStarted { .. }));
    assert!(journal.iter().any(|e| e.kind
        == EntryKind::ApiCall {
            step: "evidence-secret".into(),
            request_id: Some("evidence-secret-request_id".into()),
            event_id: None,
        }));
    assert!(journal.iter().any(|e| e.kind
        == EntryKind::Note {
            step: "triage".into(),
            text: "note for triage".into(),
        }));
    // Each action was confirmed (journaled) before it ran.
    let stream: Vec<Command> = batches.iter().flatten().cloned().collect();
    for (index, command) in stream.iter().enumerate() {
        if let Command::RunAction { step, .. } = command {
            assert!(stream[..index].contains(&Command::Journal(Entry {
                at: match &stream[index - 1] {
                    Command::Journal(entry) => entry.at,
                    other => panic!("{other:?}"),
                },
                kind: EntryKind::Confirmed { step: step.clone() },
            })));
        }
    }
}

#[test]
fn templates_resolve_params_outputs_and_times() {
    let (engine, batches) = run(compromised(), params(), WRITE, |_, _| None);
    let all = commands(&batches);
    let Some(Command::ShowManual {
        instructions,
        checklist,
        ..
    }) = all.first()
    else {
        panic!("{all:?}")
    };
    assert!(instructions.contains("`2025-03-01T09:30:00Z`"));
    assert!(instructions.contains(SECRET));
    assert_eq!(checklist[2], format!("Owner of {SECRET} paged"));
    let contain = all
        .iter()
        .find_map(|c| match c {
            Command::RunAction {
                step,
                args,
                preview,
                ..
            } if step == "contain" => Some((args.clone(), preview.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(contain.0["secret_id"], SECRET);
    assert_eq!(
        contain.0["except_principals"],
        format!("[\"{BREAK_GLASS}\"]")
    );
    assert_eq!(contain.0["previous_policy"], "evidence-policy-policy");
    assert!(contain.1.starts_with("secretsmanager:PutResourcePolicy"));
    assert!(contain.1.contains(SECRET));
    let restore = all
        .iter()
        .find_map(|c| match c {
            Command::RunAction { step, args, .. } if step == "restore-policy" => Some(args),
            _ => None,
        })
        .unwrap();
    assert_eq!(restore["policy"], "{\"old\":true}");
    let watch = all
        .iter()
        .find_map(|c| match c {
            Command::EvaluateCheck {
                step,
                args,
                assertion,
            } if step == "watch-suspect" => Some((assertion.clone(), args.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(watch.0, "no_reads_by");
    let finished = engine.record_of("contain").unwrap().finished_at.unwrap();
    assert_eq!(
        watch.1["since"],
        finished.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    assert_eq!(watch.1["secret_id"], SECRET);
    assert_eq!(
        engine.value_of(&ValueRef::Param("lookback".into())),
        Some("90d".into())
    );
}

#[test]
fn dry_run_makes_no_write_and_notes_each_call() {
    let mode = Mode {
        dry_run: true,
        allow_write: false,
    };
    let (_, batches) = run(compromised(), params(), mode, |_, _| None);
    assert_journal_first(&batches);
    assert_eq!(last_status(&batches), RunStatus::Completed);
    let all = commands(&batches);
    assert!(!all.iter().any(|c| matches!(
        c,
        Command::RunAction { .. } | Command::AskConfirmation { .. }
    )));
    let notes: Vec<String> = entries(&batches)
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Note { step, text } if step == "contain" => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with("dry run: would call secretsmanager:PutResourcePolicy"),
        "{}",
        notes[0]
    );
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn an_action_without_allow_write_waits_until_writes_are_allowed() {
    let (mut engine, batches) = run(compromised(), params(), Mode::default(), |_, _| None);
    assert_eq!(engine.status(), None, "the run must not end");
    let Some(Command::NeedsWriteAccess { step, preview }) = commands(&batches).last().cloned()
    else {
        panic!(
            "expected NeedsWriteAccess, got {:?}",
            commands(&batches).last()
        );
    };
    assert_eq!(step, "contain");
    assert!(
        preview.starts_with("secretsmanager:PutResourcePolicy"),
        "{preview}"
    );
    assert!(!commands(&batches).iter().any(|c| matches!(
        c,
        Command::AskConfirmation { .. } | Command::RunAction { .. }
    )));
    let more = engine.allow_writes(t(500));
    assert!(matches!(
        more.first(),
        Some(Command::Journal(Entry {
            kind: EntryKind::WritesAllowed,
            ..
        }))
    ));
    assert!(matches!(
        more.last(),
        Some(Command::AskConfirmation { step, .. }) if step == "contain"
    ));
    assert!(engine.allow_writes(t(501)).is_empty(), "allowed once");
    let mut journal = entries(&batches);
    journal.extend(more.iter().filter_map(|c| match c {
        Command::Journal(entry) => Some(entry.clone()),
        _ => None,
    }));
    let (replayed, next) = Engine::replay(compromised(), &journal).unwrap();
    assert!(replayed.mode().allow_write);
    assert!(matches!(next.last(), Some(Command::AskConfirmation { .. })));
}

#[test]
fn a_confirmation_mismatch_asks_again_without_moving_on() {
    let runbook = small(
        r#"
[[step]]
id = "rotate"
title = "Rotate"
kind = "action"
action = "rotate_now"
args = { secret_id = "{{param.secret}}" }
confirm = "{{param.secret}}"
"#,
    );
    let (mut engine, first) = Engine::new(runbook, secret_param(), t(0), WRITE).unwrap();
    assert!(matches!(
        first.last(),
        Some(Command::AskConfirmation { expected, message: None, .. }) if expected == "db/main"
    ));
    let again = engine.handle(Event::Confirmed {
        step: "rotate".into(),
        at: t(1),
        typed: "db/mian".into(),
    });
    assert_eq!(again.len(), 1);
    assert!(matches!(
        &again[0],
        Command::AskConfirmation { message: Some(m), preview, .. }
            if m.contains("`db/main`") && preview.contains("RotateSecret")
    ));
    let go = engine.handle(Event::Confirmed {
        step: "rotate".into(),
        at: t(2),
        typed: "db/main".into(),
    });
    assert!(matches!(
        &go[0],
        Command::Journal(Entry {
            kind: EntryKind::Confirmed { .. },
            ..
        })
    ));
    assert!(matches!(
        go.last(),
        Some(Command::RunAction { action, args, .. })
            if action == "rotate_now" && args["secret_id"] == "db/main"
    ));
}
