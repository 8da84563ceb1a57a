//! Whole-screen snapshots of each view from fixture state, at 80x24 and 160x45, plus cell
//! checks where colour carries meaning.

use chrono::{TimeZone, Utc};
use ratatui::buffer::Buffer;

use super::screen_test::{draw, screen, text};
use crate::app::msg::PromptKey;
use crate::app::{Action, Msg, State, update};
use crate::testing::fixtures;
use crate::tui::theme::Theme;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

#[test]
fn inventory_80x24() {
    let mut state = fixtures::loaded_state(40, now());
    insta::assert_snapshot!(screen(&mut state, 80, 24));
}

#[test]
fn inventory_160x45() {
    let mut state = fixtures::loaded_state(60, now());
    insta::assert_snapshot!(screen(&mut state, 160, 45));
}

#[test]
fn inventory_filtered_to_nothing_says_how_to_clear() {
    let mut state = fixtures::loaded_state(10, now());
    update(&mut state, Msg::Action(Action::Filter));
    for c in "zzzz".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    insta::assert_snapshot!(screen(&mut state, 80, 24));
}

#[test]
fn inventory_while_loading_and_when_every_region_failed() {
    let mut state = fixtures::empty_state(now());
    crate::app::update::start(&mut state);
    let loading = screen(&mut state, 80, 24);
    assert!(
        loading.contains("Loading 2 account/region cells"),
        "{loading}"
    );
    assert!(loading.contains("eu-west-1 loading"), "{loading}");
    for (cell, cs) in state.cells.iter_mut() {
        cs.health = if cell.region == "eu-west-1" {
            crate::domain::CellHealth::Forbidden("AccessDeniedException: not allowed".into())
        } else {
            crate::domain::CellHealth::Down("connection refused".into())
        };
    }
    insta::assert_snapshot!(screen(&mut state, 80, 24));
}

#[test]
fn detail_80x24_and_160x45() {
    let mut state = fixtures::loaded_state(20, now());
    for _ in 0..3 {
        update(&mut state, Msg::Action(Action::Down));
    }
    update(&mut state, Msg::Action(Action::Open));
    insta::assert_snapshot!("detail_80x24", screen(&mut state, 80, 24));
    insta::assert_snapshot!("detail_160x45", screen(&mut state, 160, 45));
}

#[test]
fn help_80x24_and_160x45() {
    let mut state = fixtures::loaded_state(3, now());
    update(&mut state, Msg::Action(Action::Help));
    insta::assert_snapshot!("help_80x24", screen(&mut state, 80, 24));
    insta::assert_snapshot!("help_160x45", screen(&mut state, 160, 45));
}

#[test]
fn hostile_text_is_neutralised_on_screen() {
    let mut state = fixtures::empty_state(now());
    let mut secrets = fixtures::secrets(1, "us-east-1");
    secrets[0].name = "evil\u{1b}]0;owned\u{7}\u{1b}[2Jname".into();
    secrets[0].description = Some("\u{1b}[31mred\u{1b}[0m".into());
    for e in crate::app::update::start(&mut state) {
        if let crate::app::Effect::LoadCell { request, cell } = e {
            let result = Ok(if cell.region == "us-east-1" {
                secrets.clone()
            } else {
                vec![]
            });
            update(
                &mut state,
                Msg::CellLoaded {
                    request,
                    cell,
                    at: now(),
                    result,
                },
            );
        }
    }
    let inventory = screen(&mut state, 160, 45);
    assert!(
        inventory.contains("evil\\e]0;owned^G\\e[2Jname"),
        "{inventory}"
    );
    update(&mut state, Msg::Action(Action::Open));
    let detail = screen(&mut state, 160, 45);
    assert!(detail.contains("\\e[31mred\\e[0m"), "{detail}");
    assert!(!detail.contains('\u{1b}') && !inventory.contains('\u{1b}'));
}

#[test]
fn status_colours_carry_meaning_and_vanish_with_no_color() {
    use ratatui::style::Color;
    let mut state = fixtures::loaded_state(40, now());
    update(&mut state, Msg::Action(Action::Command));
    for c in "sort status".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    let find = |buffer: &Buffer, word: &str| {
        let t = text(buffer);
        let line = t.lines().position(|l| l.contains(word)).unwrap();
        let col = t.lines().nth(line).unwrap().find(word).unwrap();
        let x = t.lines().nth(line).unwrap()[..col].chars().count() as u16;
        buffer[(x, line as u16)].fg
    };
    let coloured = draw(&mut state, 160, 45, Theme::new(true));
    assert_eq!(find(&coloured, "overdue"), Color::Red);
    let plain = draw(&mut state, 160, 45, Theme::new(false));
    assert_eq!(find(&plain, "overdue"), Color::Reset);
}

#[test]
fn demo_badge_is_on_screen() {
    use crate::source::{InventorySource, SourceKind, demo, snapshot_source::SnapshotSource};
    let source = SnapshotSource::new(demo::load(now()).unwrap(), SourceKind::Demo);
    let mut state = State::new(source.info(), true, now());
    let screen = screen(&mut state, 80, 24);
    assert!(
        screen.lines().next().unwrap().contains(" DEMO "),
        "{screen}"
    );
    assert!(screen.contains("READ-ONLY"));
}

#[test]
fn audit_view_80x24_and_160x45() {
    let mut state = fixtures::loaded_state(30, now());
    update(&mut state, Msg::Action(Action::Command));
    for c in "audit".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    insta::assert_snapshot!("audit_80x24", screen(&mut state, 80, 24));
    let wide = screen(&mut state, 160, 45);
    assert!(wide.lines().nth(2).unwrap().starts_with("high"), "{wide}");
    insta::assert_snapshot!("audit_160x45", wide);
    // Enter jumps to the finding's secret, whose detail lists it.
    let first = state.audit_finding(&state.audit_rows[0]).unwrap().clone();
    update(&mut state, Msg::Action(Action::Open));
    let detail = screen(&mut state, 160, 45);
    assert!(detail.contains(&first.message), "{detail}");
}

/// The demo, loaded as the TUI would (inventory and its events), at a fixed moment.
pub(super) fn demo_state() -> State {
    use crate::source::{InventorySource, SourceKind, demo, snapshot_source::SnapshotSource};
    let snap = demo::load(now()).unwrap();
    let events = snap
        .events
        .iter()
        .filter_map(|r| crate::trail::parse_record(r).ok())
        .collect();
    let source = SnapshotSource::new(snap, SourceKind::Demo);
    let mut state = State::new(source.info(), true, now());
    crate::app::update::events::index(&mut state, events);
    let effects = crate::app::update::start(&mut state);
    fixtures::answer_loads(&mut state, &source, effects, now());
    state
}

fn type_command(state: &mut State, text: &str) {
    update(state, Msg::Action(Action::Command));
    for c in text.chars() {
        update(state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(state, Msg::Prompt(PromptKey::Submit));
}

#[test]
fn events_view_finds_the_intruder_80x24_and_160x45() {
    let mut state = demo_state();
    type_command(&mut state, "events");
    update(&mut state, Msg::Action(Action::Filter));
    for c in "svc-legacy".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert_eq!(state.ev.rows.len(), 15);
    insta::assert_snapshot!("events_80x24", screen(&mut state, 80, 24));
    insta::assert_snapshot!("events_160x45", screen(&mut state, 160, 45));
    // Errors only narrows to the denied reads.
    update(&mut state, Msg::Action(Action::ErrorsOnly));
    assert_eq!(state.ev.rows.len(), 5);
    // Enter shows the whole record, neutralised.
    update(&mut state, Msg::Action(Action::Open));
    let record = screen(&mut state, 160, 45);
    assert!(
        record.contains("AccessDenied") && record.contains("198.51.100.23"),
        "{record}"
    );
}

#[test]
fn who_read_shows_the_intruder_with_a_hint_and_pivots_to_its_reads() {
    let mut state = demo_state();
    update(&mut state, Msg::Action(Action::Filter));
    for c in "prod/payments/stripe-api".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert!(
        state
            .selected_entry()
            .unwrap()
            .secret
            .name
            .ends_with("prod/payments/stripe-api-key")
    );
    update(&mut state, Msg::Action(Action::WhoRead));
    let pane = screen(&mut state, 160, 45);
    assert!(pane.contains("svc-legacy-backup"), "{pane}");
    assert!(
        pane.contains("! svc-legacy-backup: possible enumeration"),
        "{pane}"
    );
    insta::assert_snapshot!("who_read_160x45", pane);
    let row = crate::app::update::events::readers_of_focus(&state)
        .iter()
        .position(|r| r.label == "svc-legacy-backup")
        .unwrap();
    for _ in 0..row {
        update(&mut state, Msg::Action(Action::Down));
    }
    update(&mut state, Msg::Action(Action::Open));
    let pivot = screen(&mut state, 160, 45);
    assert!(
        pivot.contains("Secrets read by") && pivot.contains("stripe-api-key"),
        "{pivot}"
    );
}

#[test]
fn every_view_survives_tiny_terminals() {
    let mut state = demo_state();
    for command in ["inventory", "audit", "events", "help"] {
        type_command(&mut state, command);
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8)] {
            let text = screen(&mut state, w, h);
            assert_eq!(text.lines().count(), usize::from(h), "{command} at {w}x{h}");
        }
    }
    update(&mut state, Msg::Action(Action::Open));
    let _ = screen(&mut state, 12, 4);
    update(&mut state, Msg::Action(Action::Back));
    type_command(&mut state, "inventory");
    update(&mut state, Msg::Action(Action::WhoRead));
    let _ = screen(&mut state, 12, 4);
}

/// The inventory with the built-in runbooks, an invalid one, and two incidents in the journal.
fn runbooks_state() -> State {
    let mut state = fixtures::loaded_state(20, now());
    crate::app::update::runbooks::set_catalog(&mut state, &crate::incident::Catalog::load(&[]));
    state
        .runbooks
        .catalog
        .push(crate::app::runbooks::RunbookInfo {
            id: "broken".into(),
            title: String::new(),
            file: "runbooks/broken.toml".into(),
            when_to_use: String::new(),
            params: Vec::new(),
            problem: Some("runbooks/broken.toml:2: runbook.id: expected a string".into()),
        });
    for _ in 0..3 {
        update(&mut state, Msg::Action(Action::Down));
    }
    type_command(&mut state, "runbooks");
    let run = |id: &str, status: &str, minutes: i64| crate::incident::snapshot::RunRow {
        run_id: id.to_string(),
        runbook: "compromised-secret".into(),
        started_at: now() - chrono::Duration::minutes(minutes),
        entries: 31,
        status: status.to_string(),
        chain_ok: true,
    };
    update(
        &mut state,
        Msg::RunsListed(Ok(vec![
            run(fixtures::RUN_ID, "waiting at revoke-at-provider", 5),
            run(
                "rotate-secret-20261118T140211Z",
                "completed",
                60 * 24 * 2 - 3,
            ),
        ])),
    );
    state
}

#[test]
fn runbooks_80x24_and_160x45() {
    let mut state = runbooks_state();
    insta::assert_snapshot!("runbooks_80x24", screen(&mut state, 80, 24));
    insta::assert_snapshot!("runbooks_160x45", screen(&mut state, 160, 45));
    // Enter opens the form with the selected secret filled in.
    update(&mut state, Msg::Action(Action::Open));
    for c in "INC-7".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Next));
    insta::assert_snapshot!("runbook_form_80x24", screen(&mut state, 80, 24));
}

/// The run view on a fixture run stopped at `stop_at`.
fn run_state(stop_at: &str, read_only: bool) -> State {
    let mut state = runbooks_state();
    state.read_only = read_only;
    let snapshot = fixtures::run_snapshot(stop_at, !read_only, now()).unwrap();
    update(&mut state, Msg::RunUpdated(Box::new(snapshot)));
    type_command(&mut state, "run");
    state
}

#[test]
fn run_on_a_manual_step_80x24_and_160x45() {
    let mut state = run_state("revoke-at-provider", true);
    update(&mut state, Msg::Action(Action::Toggle));
    update(&mut state, Msg::Action(Action::Note));
    for c in "revoked in the Stripe console".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    insta::assert_snapshot!("run_manual_80x24", screen(&mut state, 80, 24));
    insta::assert_snapshot!("run_manual_160x45", screen(&mut state, 160, 45));
}

#[test]
fn run_on_a_write_to_confirm_80x24_and_160x45() {
    let mut state = run_state("contain", false);
    update(&mut state, Msg::Action(Action::Open));
    for c in "/clarivum/prod/pay".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    insta::assert_snapshot!("run_confirm_80x24", screen(&mut state, 80, 24));
    insta::assert_snapshot!("run_confirm_160x45", screen(&mut state, 160, 45));
    // READ-ONLY shows why nothing can be typed.
    let mut state = run_state("contain", true);
    let text = screen(&mut state, 160, 45);
    assert!(text.contains("writes need --allow-write"), "{text}");
    assert!(!text.contains("to approve this write"), "{text}");
}

#[test]
fn run_text_is_neutralised_and_tiny_terminals_survive() {
    use crate::runbook::engine::Command;
    let mut state = run_state("revoke-at-provider", true);
    let snapshot = state.run.snapshot.as_mut().unwrap();
    snapshot.steps[0].title = "evil\u{1b}[2Jtitle".into();
    snapshot.journal[0].what = "note: \u{1b}]0;owned\u{7}".into();
    if let Some(Command::ShowManual {
        instructions,
        checklist,
        ..
    }) = &mut snapshot.waiting
    {
        *instructions = "Do \u{1b}[31mthis\u{1b}[0m".into();
        checklist[0] = "tick \u{9b}2J".into();
    }
    state.run.steps.selected = 0;
    state.run.pane = crate::app::runbooks::RunPane::Steps;
    let text = screen(&mut state, 160, 45);
    assert!(text.contains("evil\\e[2Jtitle"), "{text}");
    assert!(text.contains("Do \\e[31mthis\\e[0m"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{9b}'));
    for view in ["run", "runbooks"] {
        type_command(&mut state, view);
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8)] {
            let text = screen(&mut state, w, h);
            assert_eq!(text.lines().count(), usize::from(h), "{view} at {w}x{h}");
        }
    }
    update(&mut state, Msg::Action(Action::Open));
    let _ = screen(&mut state, 12, 4);
}

#[test]
fn organization_names_accounts_counts_cells_and_filters_by_account() {
    let mut state = fixtures::organization_state(now());
    let wide = screen(&mut state, 160, 45);
    assert!(wide.contains("3/4 accounts · cells 7/8"), "{wide}");
    assert!(wide.contains("payments-prod"), "{wide}");
    assert!(!wide.contains("│ 210987654321"), "names, not ids: {wide}");
    insta::assert_snapshot!("organization_160x45", wide);
    insta::assert_snapshot!("organization_80x24", screen(&mut state, 80, 24));
    update(&mut state, Msg::Action(Action::Filter));
    for c in "account:payments-s*".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    let filtered = screen(&mut state, 160, 45);
    let rows: Vec<&str> = filtered
        .lines()
        .filter(|l| l.contains("/clarivum/"))
        .collect();
    assert_eq!(rows.len(), 3, "{filtered}");
    assert!(
        rows.iter().all(|r| r.contains("payments-stage")),
        "{filtered}"
    );
}
