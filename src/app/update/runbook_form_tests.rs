//! The parameter form filled from what the console knows: pure, on the demo fleet.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};

use crate::app::effect::RunbookRequest;
use crate::app::msg::PromptKey;
use crate::app::runbooks::FormField;
use crate::app::state::View;
use crate::app::{Action, Effect, Mode, Msg, State, update};
use crate::config::TeamConfig;
use crate::incident::Catalog;
use crate::incident::snapshot::RunSnapshot;
use crate::runbook::engine::{Command, Engine, Mode as RunMode};
use crate::testing::fixtures;

const LEAKED: &str = "prod/payments/stripe-api-key";
const INTRUDER: &str = "arn:aws:iam::210987654321:user/svc-legacy-backup";
const PAYMENTS_API: &str = "arn:aws:iam::210987654321:role/clarivum-prod-payments-api";
const BREAK_GLASS: &str = "arn:aws:iam::210987654321:role/break-glass";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

/// The demo with the cursor on the secret that leaked.
fn demo() -> State {
    let mut state = fixtures::demo_state(now()).unwrap();
    super::runbooks::set_catalog(&mut state, &Catalog::load(&[]));
    let row = state
        .rows
        .iter()
        .position(|&i| state.inventory.entries[i].secret.name.ends_with(LEAKED))
        .unwrap();
    state.cursor.selected = row;
    state
}

/// The team's config file with a break-glass role.
fn team() -> TeamConfig {
    crate::config::parse(
        &format!("[runbook_defaults]\nbreak_glass = \"{BREAK_GLASS}\"\n"),
        "/home/oncall/.config/strongroom/config.toml",
    )
    .unwrap()
}

fn act(state: &mut State, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action))
}

fn key(state: &mut State, key: PromptKey) -> Vec<Effect> {
    update(state, Msg::Prompt(key))
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, PromptKey::Char(c));
    }
}

fn field<'a>(state: &'a State, name: &str) -> &'a FormField {
    let form = state.runbooks.form.as_ref().unwrap();
    form.fields.iter().find(|f| f.param.name == name).unwrap()
}

/// `b`, Enter: the compromised-secret form for the secret under the cursor.
fn open_form(state: &mut State) -> usize {
    act(state, Action::Runbooks);
    assert_eq!(state.view, View::Runbooks);
    assert_eq!(state.runbooks.catalog[0].id, "compromised-secret");
    act(state, Action::Open);
    assert_eq!(state.mode, Mode::Input);
    2
}

/// Enter until the run starts (at most `limit` times): the keys pressed and the parameters.
fn enter_until_started(state: &mut State, limit: usize) -> (usize, BTreeMap<String, String>) {
    for pressed in 1..=limit {
        for effect in key(state, PromptKey::Submit) {
            if let Effect::Runbook(RunbookRequest::Start { params, .. }) = effect {
                return (pressed, params);
            }
        }
    }
    let message = state.runbooks.form.as_ref().and_then(|f| f.message.clone());
    panic!("the run did not start after {limit} Enters: {message:?}");
}

/// The worker's answer to Start: the engine's first step, as the run view receives it.
fn first_step(state: &mut State, params: BTreeMap<String, String>) -> Command {
    let runbook = Catalog::load(&[])
        .entries
        .into_iter()
        .find(|e| e.id() == "compromised-secret")
        .unwrap()
        .runbook
        .unwrap();
    let mode = RunMode {
        dry_run: false,
        allow_write: false,
    };
    let (engine, commands) = Engine::new(runbook, params, state.now, mode).unwrap();
    let mut entries = Vec::new();
    let mut waiting = None;
    for command in commands {
        match command {
            Command::Journal(entry) => entries.push((entries.len() as u64 + 1, entry)),
            other => waiting = Some(other),
        }
    }
    let snapshot = RunSnapshot::build("run-1", &engine, &entries, waiting, None, true);
    update(state, Msg::RunUpdated(Box::new(snapshot)));
    assert_eq!(state.view, View::Run);
    state.run.operator_command().unwrap().clone()
}

fn triage_instructions(command: &Command) -> &str {
    match command {
        Command::ShowManual {
            step, instructions, ..
        } if step == "triage" => instructions,
        other => panic!("the first step is not triage: {other:?}"),
    }
}

#[test]
fn from_the_inventory_to_the_first_step_takes_eight_keys_and_the_incident_id() {
    let mut state = demo();
    state.runbooks.team = team();
    let mut keys = open_form(&mut state);
    // The cursor waits on the only value nobody knows.
    let form = state.runbooks.form.as_ref().unwrap();
    assert_eq!(form.fields[form.selected].param.name, "incident");
    type_text(&mut state, "INC-2041");
    let (enters, params) = enter_until_started(&mut state, 15);
    keys += enters;
    assert!(keys <= 15, "{keys} keys");
    assert_eq!(keys, 8);
    assert_eq!(params["incident"], "INC-2041");
    // The reader a hint flags for enumeration, from its first read; the team's break-glass
    // role; the secret's replica region.
    assert_eq!(params["suspect"], INTRUDER);
    assert_eq!(params["incident_start"], "2026-11-14T02:45:36Z");
    assert_eq!(params["break_glass"], BREAK_GLASS);
    assert_eq!(params["dr_regions"], "ap-southeast-2");
    let step = first_step(&mut state, params);
    assert!(
        triage_instructions(&step).contains(&format!("Named at the start: `{INTRUDER}`")),
        "{step:?}"
    );
}

#[test]
fn the_form_says_where_each_value_comes_from() {
    let mut state = demo();
    state.runbooks.team = team();
    open_form(&mut state);
    let suspect = field(&state, "suspect");
    assert_eq!(
        suspect.prefilled.as_deref(),
        Some("reader svc-legacy-backup, 4 reads, flagged: possible enumeration")
    );
    // "unknown yet", then the readers: flagged ones first, by how alarming.
    let offered: Vec<&str> = suspect.choices.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(offered[..3], ["", INTRUDER, PAYMENTS_API]);
    assert_eq!(
        field(&state, "incident_start").prefilled.as_deref(),
        Some("first read by svc-legacy-backup")
    );
    assert_eq!(
        field(&state, "break_glass").prefilled.as_deref(),
        Some("team default, /home/oncall/.config/strongroom/config.toml")
    );
    assert_eq!(
        field(&state, "dr_regions").prefilled.as_deref(),
        Some("the secret's replica regions")
    );
}

#[test]
fn without_a_team_default_break_glass_must_be_typed() {
    let mut state = demo();
    open_form(&mut state);
    type_text(&mut state, "INC-2041");
    assert!(field(&state, "break_glass").value.is_empty());
    while state.runbooks.form.as_ref().unwrap().message.is_none() {
        assert!(key(&mut state, PromptKey::Submit).is_empty());
    }
    let form = state.runbooks.form.as_ref().unwrap();
    let message = form.message.as_deref().unwrap();
    assert!(
        message.starts_with("`break_glass` is required"),
        "{message}"
    );
    assert_eq!(form.fields[form.selected].param.name, "break_glass");
    type_text(&mut state, BREAK_GLASS);
    let (_, params) = enter_until_started(&mut state, 5);
    assert_eq!(params["break_glass"], BREAK_GLASS);
}

#[test]
fn a_relative_exposure_time_is_read_against_the_message_clock() {
    let mut state = demo();
    state.runbooks.team = team();
    open_form(&mut state);
    type_text(&mut state, "INC-2041");
    key(&mut state, PromptKey::Next);
    // Typing over the offered time replaces it.
    type_text(&mut state, "3d");
    assert_eq!(field(&state, "incident_start").value, "3d");
    update(
        &mut state,
        Msg::Tick(Utc.with_ymd_and_hms(2026, 11, 20, 12, 34, 56).unwrap()),
    );
    key(&mut state, PromptKey::Next);
    let start = field(&state, "incident_start");
    assert_eq!(start.value, "2026-11-17T12:34:56Z");
    assert_eq!(
        start.prefilled.as_deref(),
        Some("3d before 2026-11-20 12:34 UTC")
    );
    // Another suspect does not move a time the operator gave.
    key(&mut state, PromptKey::Right);
    assert_eq!(field(&state, "suspect").value, PAYMENTS_API);
    assert_eq!(
        field(&state, "incident_start").value,
        "2026-11-17T12:34:56Z"
    );
    let (_, params) = enter_until_started(&mut state, 10);
    assert_eq!(params["incident_start"], "2026-11-17T12:34:56Z");

    // A time with an offset is read as UTC.
    let mut state = demo();
    state.runbooks.team = team();
    open_form(&mut state);
    type_text(&mut state, "INC-2041");
    key(&mut state, PromptKey::Next);
    type_text(&mut state, "2026-11-19T23:00:00+01:00");
    for _ in 0..4 {
        key(&mut state, PromptKey::Next);
    }
    let (_, params) = enter_until_started(&mut state, 1);
    assert_eq!(params["incident_start"], "2026-11-19T22:00:00Z");
}

#[test]
fn the_exposure_time_follows_the_suspect_picked() {
    let mut state = demo();
    state.runbooks.team = team();
    open_form(&mut state);
    for _ in 0..2 {
        key(&mut state, PromptKey::Next);
    }
    assert_eq!(state.runbooks.form.as_ref().unwrap().selected, 3);
    key(&mut state, PromptKey::Right);
    assert_eq!(field(&state, "suspect").value, PAYMENTS_API);
    let start = field(&state, "incident_start");
    assert_eq!(start.value, "2026-09-08T21:48:27Z");
    assert_eq!(
        start.prefilled.as_deref(),
        Some("first read by clarivum-prod-payments-api")
    );
    // The flagged reader's first read stays on offer.
    assert_eq!(start.choices.len(), 2);
    assert_eq!(start.choices[1].value, "2026-11-14T02:45:36Z");
}

#[test]
fn unknown_yet_starts_the_run_and_triage_asks_who() {
    let mut state = demo();
    state.runbooks.team = team();
    open_form(&mut state);
    type_text(&mut state, "INC-2041");
    key(&mut state, PromptKey::Next);
    key(&mut state, PromptKey::Next);
    key(&mut state, PromptKey::Left);
    let suspect = field(&state, "suspect");
    assert!(suspect.value.is_empty());
    assert_eq!(suspect.choice, Some(0));
    // Nobody picked: the exposure time is still the first suspicious read.
    let start = field(&state, "incident_start");
    assert_eq!(start.value, "2026-11-14T02:45:36Z");
    assert_eq!(
        start.prefilled.as_deref(),
        Some("first suspicious read: by svc-legacy-backup, flagged: possible enumeration")
    );
    let (_, params) = enter_until_started(&mut state, 10);
    assert!(!params.contains_key("suspect"), "{params:?}");
    let step = first_step(&mut state, params);
    let instructions = triage_instructions(&step);
    assert!(
        instructions.contains("Who is the suspect") && instructions.contains("`none`"),
        "{instructions}"
    );
}

#[test]
fn a_leak_noticed_a_week_late_still_points_at_the_flagged_reader() {
    let mut state = demo();
    // The enumeration was on 2026-11-14: eight days before the form opens.
    update(
        &mut state,
        Msg::Tick(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()),
    );
    open_form(&mut state);
    assert_eq!(field(&state, "suspect").value, INTRUDER);
    assert_eq!(
        field(&state, "incident_start").value,
        "2026-11-14T02:45:36Z"
    );
}
