//! Manual steps, stale events, replay from the journal, serialisation, parameters.

use super::*;

#[test]
fn a_manual_step_needs_every_box_ticked() {
    let (mut engine, first) = Engine::new(compromised(), params(), t(0), WRITE).unwrap();
    assert!(
        matches!(first.last(), Some(Command::ShowManual { step, note: true, .. }) if step == "triage")
    );
    let again = engine.handle(Event::ManualDone {
        step: "triage".into(),
        at: t(1),
        ticked: vec![true, false, true],
        note: None,
    });
    assert!(matches!(
        again.as_slice(),
        [Command::ShowManual { message: Some(m), .. }] if m.contains("2 of 3")
    ));
    let short = engine.handle(Event::ManualDone {
        step: "triage".into(),
        at: t(2),
        ticked: vec![true, true],
        note: None,
    });
    assert_eq!(short.len(), 1);
    let done = engine.handle(Event::ManualDone {
        step: "triage".into(),
        at: t(3),
        ticked: vec![true; 3],
        note: None,
    });
    assert!(matches!(
        &done[0],
        Command::Journal(Entry { kind: EntryKind::StepOutcome { step, outcome: Outcome::Succeeded, .. }, .. })
            if step == "triage"
    ));
    assert!(matches!(done.last(), Some(Command::ShowManual { step, .. }) if step == "leak-check"));
    assert_eq!(engine.record_of("triage").unwrap().finished_at, Some(t(3)));
}

#[test]
fn stale_and_out_of_order_events_are_ignored() {
    let (mut engine, _) = Engine::new(compromised(), params(), t(0), WRITE).unwrap();
    let stale = [
        Event::QueryDone {
            step: "evidence-secret".into(),
            at: t(1),
            result: Ok(BTreeMap::new()),
        },
        Event::Decided {
            step: "severity".into(),
            at: t(1),
            option: 0,
        },
        Event::Confirmed {
            step: "triage".into(),
            at: t(1),
            typed: SECRET.into(),
        },
        Event::CheckDone {
            step: "triage".into(),
            at: t(1),
            passed: true,
            detail: String::new(),
        },
        Event::ActionDone {
            step: "contain".into(),
            at: t(1),
            result: Ok(BTreeMap::new()),
        },
    ];
    for event in stale {
        assert_eq!(engine.handle(event), Vec::new());
    }
    assert_eq!(engine.current_step().map(|s| s.id.as_str()), Some("triage"));
    // After the run ends nothing moves it.
    let aborted = engine.handle(Event::Abort {
        at: t(2),
        reason: "false alarm".into(),
    });
    assert_eq!(
        aborted.last(),
        Some(&Command::Finished {
            status: RunStatus::Aborted {
                reason: "false alarm".into()
            }
        })
    );
    assert!(matches!(
        &aborted[0],
        Command::Journal(Entry {
            kind: EntryKind::RunFinished { .. },
            ..
        })
    ));
    let late = Event::ManualDone {
        step: "triage".into(),
        at: t(3),
        ticked: vec![true; 3],
        note: None,
    };
    assert_eq!(engine.handle(late), Vec::new());
    assert_eq!(
        engine.handle(Event::Abort {
            at: t(4),
            reason: "again".into()
        }),
        Vec::new()
    );
}

#[test]
fn an_action_result_before_confirmation_is_ignored() {
    let runbook = small(
        r#"
[[step]]
id = "rotate"
title = "Rotate"
kind = "action"
action = "rotate_now"
args = { secret_id = "{{param.secret}}" }
confirm = "yes"
"#,
    );
    let (mut engine, _) = Engine::new(runbook, secret_param(), t(0), WRITE).unwrap();
    let early = Event::ActionDone {
        step: "rotate".into(),
        at: t(1),
        result: Ok(BTreeMap::new()),
    };
    assert_eq!(engine.handle(early), Vec::new());
}

#[test]
fn replay_after_every_prefix_matches_the_live_engine() {
    let (_, batches) = run(compromised(), params(), WRITE, |_, _| None);
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn replay_rejects_foreign_or_broken_journals() {
    assert!(matches!(
        Engine::replay(compromised(), &[]),
        Err(EngineError::Journal(_))
    ));
    let (_, batches) = run(small(GOTO), secret_param(), WRITE, |_, _| None);
    let journal = entries(&batches);
    assert!(matches!(
        Engine::replay(compromised(), &journal),
        Err(EngineError::Journal(_))
    ));
    assert!(matches!(
        Engine::replay(small(GOTO), &journal[1..]),
        Err(EngineError::Journal(_))
    ));
}

#[test]
fn entries_and_commands_round_trip_through_json() {
    let (_, batches) = run(compromised(), params(), WRITE, |_, _| None);
    let all: Vec<Command> = batches.into_iter().flatten().collect();
    let json = serde_json::to_string(&all).unwrap();
    let back: Vec<Command> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, all);
}

#[test]
fn params_are_checked_and_defaults_filled() {
    let mut missing = params();
    missing.remove("break_glass");
    assert_eq!(
        Engine::new(compromised(), missing, t(0), WRITE).err(),
        Some(EngineError::MissingParam("break_glass".into()))
    );
    let mut bad = params();
    bad.insert("incident".into(), "2041".into());
    assert!(matches!(
        Engine::new(compromised(), bad, t(0), WRITE),
        Err(EngineError::InvalidParam { name, .. }) if name == "incident"
    ));
    let mut unknown = params();
    unknown.insert("colour".into(), "red".into());
    assert_eq!(
        Engine::new(compromised(), unknown, t(0), WRITE).err(),
        Some(EngineError::UnknownParam("colour".into()))
    );
    let mut regions = params();
    regions.insert("dr_regions".into(), "eu-west-1, us-east-2".into());
    let (engine, first) = Engine::new(compromised(), regions, t(0), WRITE).unwrap();
    let Command::Journal(Entry {
        kind:
            EntryKind::RunStarted {
                params: stored,
                mode,
                ..
            },
        ..
    }) = &first[0]
    else {
        panic!("{first:?}")
    };
    assert_eq!(stored["lookback"], "90d");
    assert_eq!(stored["dr_regions"], "eu-west-1,us-east-2");
    assert_eq!(*mode, WRITE);
    assert_eq!(
        engine.value_of(&ValueRef::Param("dr_regions".into())),
        Some("eu-west-1,us-east-2".into())
    );
    let mut bad_region = params();
    bad_region.insert("dr_regions".into(), "Europe".into());
    assert!(Engine::new(compromised(), bad_region, t(0), WRITE).is_err());
}
