//! Transition tests: no terminal, no network, no clock.

use chrono::TimeZone;

use super::*;
use crate::runbook::validate;

const COMPROMISED: &str = include_str!("../../../runbooks/compromised-secret.toml");
const SECRET: &str = "prod/payments/stripe";
const BREAK_GLASS: &str = "arn:aws:iam::123456789012:role/BreakGlass";

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_740_000_000 + seconds, 0)
        .single()
        .unwrap()
}

fn compromised() -> Runbook {
    validate(COMPROMISED, "compromised-secret.toml").unwrap()
}

fn params() -> BTreeMap<String, String> {
    [
        ("secret", SECRET),
        ("incident", "INC-2041"),
        ("incident_start", "2025-03-01T09:30:00Z"),
        ("suspect", "arn:aws:iam::123456789012:user/mallory"),
        ("break_glass", BREAK_GLASS),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

const WRITE: Mode = Mode {
    dry_run: false,
    allow_write: true,
};

fn small(body: &str) -> Runbook {
    let text = format!(
        r#"[runbook]
id = "t"
title = "Test"
when_to_use = "Tests."
roles = ["tester"]
version = 1

[[param]]
name = "secret"
type = "secret"
required = true
{body}"#
    );
    validate(&text, "t.toml").unwrap()
}

fn secret_param() -> BTreeMap<String, String> {
    BTreeMap::from([("secret".to_string(), "db/main".to_string())])
}

/// The default answer to each waiting command; `None` for `Finished`.
fn answer(command: &Command, at: DateTime<Utc>) -> Option<Event> {
    Some(match command {
        Command::RunQuery { step, .. } => Event::QueryDone {
            step: step.clone(),
            at,
            result: Ok([
                "secret",
                "policy",
                "versions",
                "reads",
                "replicas",
                "request_id",
            ]
            .into_iter()
            .map(|key| (key.to_string(), format!("{step}-{key}")))
            .collect()),
        },
        Command::RunAction { step, .. } => Event::ActionDone {
            step: step.clone(),
            at,
            result: Ok(BTreeMap::from([
                ("previous_policy".to_string(), "{\"old\":true}".to_string()),
                ("new_version".to_string(), "v2".to_string()),
                ("request_id".to_string(), format!("req-{step}")),
            ])),
        },
        Command::AskConfirmation { step, expected, .. } => Event::Confirmed {
            step: step.clone(),
            at,
            typed: expected.clone(),
        },
        Command::EvaluateCheck { step, .. } => Event::CheckDone {
            step: step.clone(),
            at,
            passed: true,
            detail: "ok".to_string(),
        },
        Command::ShowManual {
            step, checklist, ..
        } => Event::ManualDone {
            step: step.clone(),
            at,
            ticked: vec![true; checklist.len()],
            note: Some(format!("note for {step}")),
        },
        Command::AskDecision { step, .. } => Event::Decided {
            step: step.clone(),
            at,
            option: 0,
        },
        Command::Finished { .. } | Command::Journal(_) => return None,
    })
}

/// Runs to the end, letting `script` override the default answer; returns every batch.
fn run(
    runbook: Runbook,
    params: BTreeMap<String, String>,
    mode: Mode,
    mut script: impl FnMut(&Command, DateTime<Utc>) -> Option<Event>,
) -> (Engine, Vec<Vec<Command>>) {
    let (mut engine, first) = Engine::new(runbook, params, t(0), mode).unwrap();
    let mut batches = vec![first];
    for tick in 1..500 {
        let last = batches.last().unwrap();
        let Some(waiting) = last
            .iter()
            .rev()
            .find(|c| !matches!(c, Command::Journal(_)))
        else {
            panic!("a batch without a command: {last:?}");
        };
        let at = t(tick * 60);
        let Some(event) = script(waiting, at).or_else(|| answer(waiting, at)) else {
            break;
        };
        batches.push(engine.handle(event));
    }
    (engine, batches)
}

fn entries(batches: &[Vec<Command>]) -> Vec<Entry> {
    batches
        .iter()
        .flatten()
        .filter_map(|c| match c {
            Command::Journal(entry) => Some(entry.clone()),
            _ => None,
        })
        .collect()
}

fn started(batches: &[Vec<Command>]) -> Vec<String> {
    entries(batches)
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::StepStarted { step } => Some(step),
            _ => None,
        })
        .collect()
}

fn last_status(batches: &[Vec<Command>]) -> RunStatus {
    match batches.last().and_then(|b| b.last()) {
        Some(Command::Finished { status }) => status.clone(),
        other => panic!("not finished: {other:?}"),
    }
}

fn commands(batches: &[Vec<Command>]) -> Vec<Command> {
    batches
        .iter()
        .flatten()
        .filter(|c| !matches!(c, Command::Journal(_)))
        .cloned()
        .collect()
}

/// Every batch: journal entries first, then exactly one command to wait on.
fn assert_journal_first(batches: &[Vec<Command>]) {
    for batch in batches {
        let (last, before) = batch.split_last().unwrap();
        assert!(!matches!(last, Command::Journal(_)), "{batch:?}");
        assert!(
            before.iter().all(|c| matches!(c, Command::Journal(_))),
            "{batch:?}"
        );
    }
}

/// Replaying each prefix of the journal gives the commands the live engine emitted after it.
fn assert_replay_matches(runbook: &Runbook, batches: &[Vec<Command>]) {
    let stream: Vec<Command> = batches.iter().flatten().cloned().collect();
    let mut journal = Vec::new();
    for (index, command) in stream.iter().enumerate() {
        let Command::Journal(entry) = command else {
            continue;
        };
        journal.push(entry.clone());
        let end = stream[index + 1..]
            .iter()
            .position(|c| !matches!(c, Command::Journal(_)))
            .unwrap();
        let expected = &stream[index + 1..=index + 1 + end];
        let (_, replayed) = Engine::replay(runbook.clone(), &journal).unwrap();
        assert_eq!(replayed, expected, "after {} entries", journal.len());
    }
}

#[test]
fn happy_path_runs_every_step_in_order_with_the_journal_first() {
    let (engine, batches) = run(compromised(), params(), WRITE, |_, _| None);
    assert_journal_first(&batches);
    assert_eq!(last_status(&batches), RunStatus::Completed);
    assert_eq!(engine.status(), Some(&RunStatus::Completed));
    let expected: Vec<&str> = vec![
        "triage",
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
fn an_action_without_allow_write_stops_the_run() {
    let (_, batches) = run(compromised(), params(), Mode::default(), |_, _| None);
    let stopped = RunStatus::Stopped {
        step: "contain".into(),
        reason: "writes need --allow-write".into(),
    };
    assert_eq!(last_status(&batches), stopped);
    let journal = entries(&batches);
    assert_eq!(
        journal.last().unwrap().kind,
        EntryKind::RunFinished { status: stopped }
    );
    assert!(!commands(&batches).iter().any(|c| matches!(
        c,
        Command::AskConfirmation { .. } | Command::RunAction { .. }
    )));
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

fn transient(step: &str, at: DateTime<Utc>, action: bool) -> Event {
    let result = Err(StepError {
        transient: true,
        message: "ThrottlingException".into(),
    });
    if action {
        Event::ActionDone {
            step: step.into(),
            at,
            result,
        }
    } else {
        Event::QueryDone {
            step: step.into(),
            at,
            result,
        }
    }
}

#[test]
fn transient_errors_are_retried_then_stop_by_default() {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } if step == "evidence-secret" => {
                Some(transient(step, at, false))
            }
            _ => None,
        },
    );
    assert_journal_first(&batches);
    let attempts = entries(&batches)
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::AttemptFailed { .. }))
        .count();
    assert_eq!(attempts, 4, "one attempt and three retries");
    let queries = commands(&batches)
        .iter()
        .filter(|c| matches!(c, Command::RunQuery { step, .. } if step == "evidence-secret"))
        .count();
    assert_eq!(queries, 4);
    assert!(matches!(
        last_status(&batches),
        RunStatus::Stopped { step, reason } if step == "evidence-secret"
            && reason.contains("ThrottlingException") && reason.contains("4 attempts")
    ));
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn retries_then_continue_and_denials_are_not_retried() {
    let mut reads = 0;
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } if step == "evidence-reads" => {
                reads += 1;
                Some(transient(step, at, false))
            }
            Command::RunQuery { step, .. } if step == "evidence-replicas" => {
                Some(Event::QueryDone {
                    step: step.clone(),
                    at,
                    result: Err(StepError {
                        transient: false,
                        message: "AccessDenied".into(),
                    }),
                })
            }
            Command::RunAction { step, .. } if step == "tag" => Some(transient(step, at, true)),
            _ => None,
        },
    );
    assert_eq!(reads, 4);
    assert_eq!(last_status(&batches), RunStatus::Completed);
    let journal = entries(&batches);
    let failed = |id: &str| {
        journal.iter().any(|e| {
            matches!(&e.kind, EntryKind::StepOutcome { step, outcome: Outcome::Failed { .. }, .. } if step == id)
        })
    };
    assert!(failed("evidence-reads") && failed("evidence-replicas") && failed("tag"));
    let replica_attempts = journal
        .iter()
        .filter(|e| matches!(&e.kind, EntryKind::AttemptFailed { step, .. } if step == "evidence-replicas"))
        .count();
    assert_eq!(replica_attempts, 1);
    // A retried action is not confirmed again.
    let tag_asks = commands(&batches)
        .iter()
        .filter(|c| matches!(c, Command::AskConfirmation { step, .. } if step == "tag"))
        .count();
    assert_eq!(tag_asks, 1);
    assert_replay_matches(&compromised(), &batches);
}

const GOTO: &str = r#"
[[step]]
id = "look"
title = "Look"
kind = "query"
query = "describe_secret"
args = { secret_id = "{{param.secret}}" }
output = "secret"
on_failure = "goto:recover"

[[step]]
id = "skipped"
title = "Skipped on failure"
kind = "manual"
instructions = "Only after a good look."

[[step]]
id = "recover"
title = "Recover"
kind = "manual"
instructions = "Recover: {{steps.look.output.secret}}"
"#;

#[test]
fn on_failure_goto_jumps_to_the_named_step() {
    let runbook = small(GOTO);
    let (_, batches) = run(
        runbook.clone(),
        secret_param(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } => Some(Event::QueryDone {
                step: step.clone(),
                at,
                result: Err(StepError {
                    transient: false,
                    message: "ResourceNotFound".into(),
                }),
            }),
            _ => None,
        },
    );
    assert_eq!(started(&batches), vec!["look", "recover"]);
    assert_eq!(last_status(&batches), RunStatus::Completed);
    // An output that never arrived stays visible as written in text for the operator.
    assert!(commands(&batches).iter().any(|c| matches!(
        c,
        Command::ShowManual { instructions, .. } if instructions == "Recover: {{steps.look.output.secret}}"
    )));
    assert_replay_matches(&runbook, &batches);
}

#[test]
fn an_unresolved_reference_in_args_fails_the_step() {
    let runbook = small(
        r#"
[[step]]
id = "maybe"
title = "Maybe"
kind = "query"
query = "describe_secret"
args = { secret_id = "{{param.secret}}" }
output = "secret"
on_failure = "continue"

[[step]]
id = "later"
title = "Later"
kind = "query"
query = "versions"
args = { secret_id = "{{steps.maybe.output.secret}}" }
output = "versions"
"#,
    );
    let (_, batches) = run(
        runbook,
        secret_param(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } if step == "maybe" => Some(Event::QueryDone {
                step: step.clone(),
                at,
                result: Err(StepError {
                    transient: false,
                    message: "denied".into(),
                }),
            }),
            _ => None,
        },
    );
    assert!(matches!(
        last_status(&batches),
        RunStatus::Stopped { step, reason }
            if step == "later" && reason.contains("{{steps.maybe.output.secret}}")
    ));
}

#[test]
fn a_question_decision_branches_on_the_option() {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::AskDecision { step, options, .. } if step == "triage-real" => {
                assert_eq!(options.len(), 2);
                Some(Event::Decided {
                    step: step.clone(),
                    at,
                    option: 1,
                })
            }
            _ => None,
        },
    );
    assert_eq!(started(&batches), vec!["triage", "triage-real"]);
    assert_eq!(last_status(&batches), RunStatus::Completed);
    assert!(entries(&batches).iter().any(|e| matches!(
        &e.kind,
        EntryKind::Decision { step, goto, .. } if step == "triage-real" && goto == "end"
    )));
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn a_check_decision_branches_on_the_recorded_outcome() {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::EvaluateCheck { step, .. } if step == "watch-suspect" => {
                Some(Event::CheckDone {
                    step: step.clone(),
                    at,
                    passed: false,
                    detail: "2 reads by mallory after containment".into(),
                })
            }
            _ => None,
        },
    );
    let steps = started(&batches);
    let position = steps.iter().position(|s| s == "suspect-decision").unwrap();
    assert_eq!(steps[position + 1], "escalate");
    assert_eq!(steps[position + 2], "watch-old-credentials");
    assert_eq!(last_status(&batches), RunStatus::Completed);
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn a_failed_check_stops_with_its_on_fail_instructions() {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::EvaluateCheck { step, .. } if step == "verify-replicas" => {
                Some(Event::CheckDone {
                    step: step.clone(),
                    at,
                    passed: false,
                    detail: "eu-west-1 is Failed".into(),
                })
            }
            _ => None,
        },
    );
    let RunStatus::Stopped { step, reason } = last_status(&batches) else {
        panic!()
    };
    assert_eq!(step, "verify-replicas");
    assert!(reason.starts_with("eu-west-1 is Failed"), "{reason}");
    assert!(reason.contains("resync before going on"), "{reason}");
    assert!(entries(&batches).iter().any(|e| e.kind
        == EntryKind::CheckResult {
            step: "verify-replicas".into(),
            passed: false,
            detail: "eu-west-1 is Failed".into(),
        }));
    assert_replay_matches(&compromised(), &batches);
}

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
    assert!(
        matches!(done.last(), Some(Command::AskDecision { step, .. }) if step == "triage-real")
    );
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
    missing.remove("suspect");
    assert_eq!(
        Engine::new(compromised(), missing, t(0), WRITE).err(),
        Some(EngineError::MissingParam("suspect".into()))
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
