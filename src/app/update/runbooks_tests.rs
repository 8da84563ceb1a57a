//! Runbook and run view tests: pure, no terminal, no worker. The worker's answers are fixture
//! snapshots driven by the pure engine.

use chrono::{TimeZone, Utc};

use crate::app::effect::RunbookRequest;
use crate::app::msg::PromptKey;
use crate::app::runbooks::RunInput;
use crate::app::state::View;
use crate::app::{Action, Effect, Mode, Msg, State, update};
use crate::incident::Catalog;
use crate::runbook::engine::{Command, Event};
use crate::testing::fixtures;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn state() -> State {
    let mut state = fixtures::loaded_state(10, now());
    super::runbooks::set_catalog(&mut state, &Catalog::load(&[]));
    state
}

fn command(state: &mut State, text: &str) -> Vec<Effect> {
    update(state, Msg::Action(Action::Command));
    for c in text.chars() {
        update(state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(state, Msg::Prompt(PromptKey::Submit))
}

fn type_text(state: &mut State, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(update(state, Msg::Prompt(PromptKey::Char(c))));
    }
    effects
}

fn key(state: &mut State, key: PromptKey) -> Vec<Effect> {
    update(state, Msg::Prompt(key))
}

fn act(state: &mut State, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action))
}

/// Answers sent to the worker.
fn answers(effects: &[Effect]) -> Vec<Event> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Runbook(RunbookRequest::Answer { event, .. }) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

/// Selects the secret on row `row`, opens `:runbooks` and Enter on compromised-secret.
fn form_for_row(state: &mut State, row: usize) -> String {
    for _ in 0..row {
        act(state, Action::Down);
    }
    let arn = state.selected_entry().unwrap().secret.arn.clone();
    let effects = command(state, "runbooks");
    assert_eq!(effects, [Effect::Runbook(RunbookRequest::ListRuns)]);
    assert_eq!(state.view, View::Runbooks);
    assert_eq!(state.runbooks.catalog[0].id, "compromised-secret");
    act(state, Action::Open);
    arn
}

#[test]
fn runbooks_opened_on_a_selected_secret_fill_its_secret_parameter() {
    let mut state = state();
    let arn = form_for_row(&mut state, 3);
    assert_eq!(state.mode, Mode::Input);
    let form = state.runbooks.form.as_ref().unwrap();
    let secret = form
        .fields
        .iter()
        .find(|f| f.param.name == "secret")
        .unwrap();
    assert_eq!(secret.value, arn);
    assert!(secret.from_secret);
    // The cursor starts on the first required field still empty; defaults are filled in.
    assert_eq!(form.fields[form.selected].param.name, "incident");
    let lookback = form
        .fields
        .iter()
        .find(|f| f.param.name == "lookback")
        .unwrap();
    assert_eq!(lookback.value, "90d");

    // From the help view no secret is selected: nothing is filled.
    let mut state = self::state();
    command(&mut state, "help");
    command(&mut state, "runbooks");
    act(&mut state, Action::Open);
    let form = state.runbooks.form.as_ref().unwrap();
    assert!(form.fields.iter().all(|f| !f.from_secret));
    assert!(form.fields[0].value.is_empty());
}

#[test]
fn a_missing_or_invalid_parameter_blocks_the_start_and_says_which() {
    let mut state = state();
    let arn = form_for_row(&mut state, 0);
    // Enter through every field without typing: the run does not start.
    let effects = submit_until_said(&mut state);
    assert!(effects.is_empty(), "{effects:?}");
    let form = state.runbooks.form.as_ref().unwrap();
    let message = form.message.as_deref().unwrap();
    assert!(message.starts_with("`incident` is required"), "{message}");
    assert_eq!(form.fields[form.selected].param.name, "incident");
    assert_eq!(state.mode, Mode::Input);

    // A value that breaks the runbook's pattern is named too.
    type_text(&mut state, "7");
    assert!(submit_until_said(&mut state).is_empty());
    let message = state
        .runbooks
        .form
        .as_ref()
        .unwrap()
        .message
        .clone()
        .unwrap();
    assert!(message.starts_with("`incident`"), "{message}");

    // Filled in: the run starts read-only (the fixture is READ-ONLY) and the run view opens.
    key(&mut state, PromptKey::Backspace);
    type_text(&mut state, "INC-7");
    key(&mut state, PromptKey::Next);
    type_text(&mut state, "2026-11-19T22:00:00Z");
    key(&mut state, PromptKey::Next);
    type_text(
        &mut state,
        "arn:aws:iam::210987654321:user/svc-legacy-backup",
    );
    key(&mut state, PromptKey::Next);
    type_text(&mut state, "arn:aws:iam::210987654321:role/break-glass");
    let mut effects = Vec::new();
    for _ in 0..10 {
        effects.extend(key(&mut state, PromptKey::Submit));
    }
    let [
        Effect::Runbook(RunbookRequest::Start {
            runbook,
            params,
            mode,
        }),
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(runbook, "compromised-secret");
    assert_eq!(params["secret"], arn);
    assert_eq!(params["incident"], "INC-7");
    assert!(
        !params.contains_key("dr_regions"),
        "an empty optional value is left out"
    );
    assert!(!mode.allow_write && !mode.dry_run);
    assert_eq!((state.view, state.mode), (View::Run, Mode::Normal));
    assert!(state.run.busy);
}

/// Enter, field after field, until the form says something or the run starts.
fn submit_until_said(state: &mut State) -> Vec<Effect> {
    if let Some(form) = state.runbooks.form.as_mut() {
        form.message = None;
    }
    let mut effects = Vec::new();
    for _ in 0..10 {
        effects.extend(key(state, PromptKey::Submit));
        if state
            .runbooks
            .form
            .as_ref()
            .is_none_or(|f| f.message.is_some())
        {
            break;
        }
    }
    effects
}

fn with_run(stop_at: &str, read_only: bool) -> State {
    let mut state = state();
    state.read_only = read_only;
    command(&mut state, "runbooks");
    let snapshot = fixtures::run_snapshot(stop_at, !read_only, now()).unwrap();
    update(&mut state, Msg::RunUpdated(Box::new(snapshot)));
    command(&mut state, "run");
    assert_eq!(state.view, View::Run);
    state
}

#[test]
fn a_manual_step_is_done_only_when_every_item_is_ticked() {
    let mut state = with_run("revoke-at-provider", true);
    assert!(
        matches!(state.run.operator_command(), Some(Command::ShowManual { checklist, .. }) if checklist.len() == 2)
    );
    assert!(act(&mut state, Action::Open).is_empty());
    assert!(state.run.message.as_deref().unwrap().contains("0 of 2"));

    act(&mut state, Action::Toggle);
    act(&mut state, Action::Pick(2));
    act(&mut state, Action::Pick(2));
    assert!(
        act(&mut state, Action::Open).is_empty(),
        "item 2 was ticked then unticked"
    );
    assert_eq!(state.run.answer.ticked, [true, false]);

    act(&mut state, Action::Pick(2));
    act(&mut state, Action::Pick(9)); // no item 9: nothing changes
    act(&mut state, Action::Note);
    assert_eq!(state.mode, Mode::Input);
    type_text(&mut state, "key revoked in the Stripe console");
    key(&mut state, PromptKey::Submit);
    assert_eq!(state.mode, Mode::Normal);
    let effects = act(&mut state, Action::Open);
    let sent = answers(&effects);
    let [
        Event::ManualDone {
            step, ticked, note, ..
        },
    ] = sent.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(step, "revoke-at-provider");
    assert_eq!(ticked, &[true, true]);
    assert_eq!(note.as_deref(), Some("key revoked in the Stripe console"));
    // Sent once: Enter again while the worker works sends nothing.
    assert!(act(&mut state, Action::Open).is_empty());
    let Effect::Runbook(RunbookRequest::Answer { run_id, .. }) = &effects[0] else {
        unreachable!()
    };
    assert_eq!(run_id, fixtures::RUN_ID);
}

#[test]
fn a_decision_takes_the_option_selected_by_number() {
    let mut state = with_run("severity", true);
    act(&mut state, Action::Pick(2));
    let effects = act(&mut state, Action::Open);
    assert!(
        matches!(answers(&effects).as_slice(), [Event::Decided { step, option: 1, .. }] if step == "severity"),
        "{effects:?}"
    );
}

#[test]
fn a_wrong_confirmation_is_not_sent_and_the_exact_text_is() {
    let mut state = with_run("contain", false);
    let Some(Command::AskConfirmation { expected, .. }) = state.run.operator_command().cloned()
    else {
        panic!("{:?}", state.run.snapshot)
    };
    act(&mut state, Action::Open);
    assert_eq!(
        (state.mode, state.run.input),
        (Mode::Input, Some(RunInput::Confirm))
    );
    type_text(&mut state, &expected[..expected.len() - 1]);
    let effects = key(&mut state, PromptKey::Submit);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        state
            .run
            .message
            .as_deref()
            .unwrap()
            .contains("does not match")
    );
    assert_eq!(state.mode, Mode::Input, "still typing");

    type_text(&mut state, &format!("{expected} "));
    assert!(
        key(&mut state, PromptKey::Submit).is_empty(),
        "a trailing space is a mismatch"
    );
    type_text(&mut state, &expected);
    let effects = key(&mut state, PromptKey::Submit);
    assert!(
        matches!(answers(&effects).as_slice(), [Event::Confirmed { step, typed, .. }] if step == "contain" && *typed == expected),
        "{effects:?}"
    );
    assert_eq!(state.mode, Mode::Normal);
}

#[test]
fn read_only_never_sends_a_confirmation() {
    // A run started with writes allowed, reopened in a READ-ONLY console.
    let mut state = with_run("contain", false);
    state.read_only = true;
    let Some(Command::AskConfirmation { expected, .. }) = state.run.operator_command().cloned()
    else {
        panic!()
    };
    let mut effects = act(&mut state, Action::Open);
    assert_eq!(state.mode, Mode::Normal, "no confirmation field opens");
    assert!(
        state
            .run
            .message
            .as_deref()
            .unwrap()
            .contains("--allow-write")
    );
    // Even with the field forced open, the exact text sends nothing.
    state.mode = Mode::Input;
    state.run.input = Some(RunInput::Confirm);
    effects.extend(type_text(&mut state, &expected));
    effects.extend(key(&mut state, PromptKey::Submit));
    for action in [Action::Toggle, Action::Pick(1), Action::Open, Action::Note] {
        effects.extend(act(&mut state, action));
    }
    assert!(effects.is_empty(), "{effects:?}");

    // A run started read-only waits for write access and offers nothing else.
    let mut state = with_run("contain", true);
    assert!(matches!(
        state.run.operator_command(),
        Some(Command::NeedsWriteAccess { .. })
    ));
    assert!(act(&mut state, Action::Open).is_empty());
    assert_eq!(state.mode, Mode::Normal);
    assert!(
        state
            .run
            .message
            .as_deref()
            .unwrap()
            .contains("--allow-write")
    );
}

#[test]
fn a_new_command_starts_a_new_answer_and_abort_needs_a_reason() {
    let mut state = with_run("revoke-at-provider", true);
    act(&mut state, Action::Toggle);
    // The same command again (the worker re-sends it) keeps the ticks.
    let same = fixtures::run_snapshot("revoke-at-provider", false, now()).unwrap();
    update(&mut state, Msg::RunUpdated(Box::new(same)));
    assert_eq!(state.run.answer.ticked, [true, false]);
    let next = fixtures::run_snapshot("restart-workloads", true, now()).unwrap();
    update(&mut state, Msg::RunUpdated(Box::new(next)));
    assert_eq!(state.run.answer.ticked, [false, false]);

    assert!(command(&mut state, "abort").is_empty());
    assert!(state.notice.as_ref().unwrap().text.contains("REASON"));
    let effects = command(&mut state, "abort false alarm, see INC-7");
    assert!(
        matches!(answers(&effects).as_slice(), [Event::Abort { reason, .. }] if reason == "false alarm, see INC-7"),
        "{effects:?}"
    );
}

#[test]
fn incidents_are_listed_and_enter_resumes_the_selected_one() {
    let mut state = state();
    let effects = command(&mut state, "incidents");
    assert_eq!(effects, [Effect::Runbook(RunbookRequest::ListRuns)]);
    let row = |id: &str| crate::incident::snapshot::RunRow {
        run_id: id.to_string(),
        runbook: "compromised-secret".into(),
        started_at: now(),
        entries: 12,
        status: "waiting at triage".into(),
        chain_ok: true,
    };
    update(
        &mut state,
        Msg::RunsListed(Ok(vec![row("run-b"), row("run-a")])),
    );
    act(&mut state, Action::Down);
    let effects = act(&mut state, Action::Open);
    assert_eq!(
        effects,
        [Effect::Runbook(RunbookRequest::Resume {
            run_id: "run-a".into(),
            allow_write: false
        })]
    );
    assert_eq!(state.view, View::Run);
    // Esc goes back to the list; the run stays with the worker.
    act(&mut state, Action::Back);
    assert_eq!(state.view, View::Runbooks);
}

#[test]
fn an_interrupted_write_is_sent_again_only_after_typing_resend_with_writes_allowed() {
    let interrupted = |read_only: bool| {
        let mut state = with_run("contain", false);
        state.read_only = read_only;
        let mut snapshot = state.run.snapshot.clone().unwrap();
        snapshot.interrupted_write = Some("contain".into());
        snapshot.waiting = Some(Command::RunAction {
            step: "contain".into(),
            action: "put_deny_all_policy".into(),
            args: Default::default(),
            preview: String::new(),
        });
        update(&mut state, Msg::RunUpdated(Box::new(snapshot)));
        state
    };
    let mut state = interrupted(false);
    act(&mut state, Action::Open);
    assert_eq!(state.run.input, Some(RunInput::Resend));
    type_text(&mut state, "yes");
    assert!(key(&mut state, PromptKey::Submit).is_empty());
    type_text(&mut state, "resend");
    assert_eq!(
        key(&mut state, PromptKey::Submit),
        [Effect::Runbook(RunbookRequest::Resend {
            run_id: fixtures::RUN_ID.into()
        })]
    );

    let mut state = interrupted(true);
    assert!(act(&mut state, Action::Open).is_empty());
    assert_eq!(state.mode, Mode::Normal);
    assert!(
        state
            .run
            .message
            .as_deref()
            .unwrap()
            .contains("--allow-write")
    );
}
