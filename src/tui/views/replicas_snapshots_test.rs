//! The replication matrix and a replica's detail, whole screens from the drill fixture at
//! 80x24 and 160x45, and the cells whose colour carries meaning.

use chrono::{Duration, TimeZone, Utc};
use ratatui::buffer::Buffer;

use super::screen_test::{draw, screen, text};
use crate::app::msg::PromptKey;
use crate::app::{Action, Msg, State, update};
use crate::testing::drill as fixtures_drill;
use crate::tui::theme::Theme;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn command(state: &mut State, text: &str) {
    update(state, Msg::Action(Action::Command));
    for c in text.chars() {
        update(state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(state, Msg::Prompt(PromptKey::Submit));
}

/// The matrix with the cursor on the Failed replica in the DR region.
fn on_the_failed_replica() -> State {
    let mut state = fixtures_drill::state(now());
    command(&mut state, "replicas");
    let drill = state.replicas.drill.clone().unwrap();
    let pos = state
        .replicas
        .rows
        .iter()
        .position(|&i| drill.rows[i].key.name.ends_with("jwt-signing-key"))
        .unwrap();
    for _ in 0..pos {
        update(&mut state, Msg::Action(Action::Down));
    }
    state
}

#[test]
fn replicas_80x24_and_160x45() {
    let mut state = on_the_failed_replica();
    let narrow = screen(&mut state, 80, 24);
    assert!(narrow.contains("us-west-2*"), "{narrow}");
    insta::assert_snapshot!("replicas_80x24", narrow);
    let wide = screen(&mut state, 160, 45);
    assert!(wide.contains("eu-west-1 DOWN: failover view"), "{wide}");
    assert!(
        wide.contains("serves 5e2b7d10…, changed 2026-11-08, parity unverified"),
        "{wide}"
    );
    insta::assert_snapshot!("replicas_160x45", wide);
}

#[test]
fn replica_detail_80x24_and_160x45() {
    let mut state = on_the_failed_replica();
    update(&mut state, Msg::Action(Action::Open));
    let narrow = screen(&mut state, 80, 24);
    insta::assert_snapshot!("replica_failed_80x24", narrow);
    let wide = screen(&mut state, 160, 45);
    assert!(wide.contains("is disabled or not found"), "{wide}");
    insta::assert_snapshot!("replica_failed_160x45", wide);
    // The drifted replica says what it serves against the primary.
    update(&mut state, Msg::Action(Action::Back));
    update(&mut state, Msg::Action(Action::Down));
    update(&mut state, Msg::Action(Action::Open));
    let drift = screen(&mut state, 160, 45);
    assert!(
        drift.contains("replica 0c28c98c-30") && drift.contains("primary 78948a18-33"),
        "{drift}"
    );
}

#[test]
fn a_finished_drill_shows_its_stopwatch_and_summary_160x45() {
    let mut state = on_the_failed_replica();
    let effects = update(&mut state, Msg::Action(Action::Drill));
    let running = screen(&mut state, 160, 45);
    assert!(
        running.contains("Drill → us-west-2 running 0.0 s · 3 cell(s)"),
        "{running}"
    );
    let at = now() + Duration::milliseconds(1_370);
    update(&mut state, Msg::Tick(at));
    fixtures_drill::answer(&mut state, effects, &fixtures_drill::listings(), at);
    // Any key after the notice: the hint line comes back.
    update(&mut state, Msg::Action(Action::Top));
    insta::assert_snapshot!("replicas_drill_done_160x45", screen(&mut state, 160, 45));
}

#[test]
fn cell_colours_carry_meaning_and_vanish_with_no_color() {
    use ratatui::style::Color;
    let mut state = on_the_failed_replica();
    update(&mut state, Msg::Action(Action::Top));
    let find = |buffer: &Buffer, word: &str| {
        let t = text(buffer);
        let line = t.lines().position(|l| l.contains(word)).unwrap();
        let col = t.lines().nth(line).unwrap().find(word).unwrap();
        let x = t.lines().nth(line).unwrap()[..col].chars().count() as u16;
        buffer[(x, line as u16)].fg
    };
    let coloured = draw(&mut state, 160, 45, Theme::new(true));
    assert_eq!(find(&coloured, "Failed "), Color::Red);
    assert_eq!(find(&coloured, "MISSING"), Color::Red);
    assert_eq!(find(&coloured, "InProgress"), Color::Yellow);
    let plain = draw(&mut state, 160, 45, Theme::new(false));
    assert_eq!(find(&plain, "Failed "), Color::Reset);
}

#[test]
fn hostile_names_are_neutralised_and_tiny_terminals_survive() {
    let mut state = on_the_failed_replica();
    if let Some(drill) = state.replicas.drill.as_mut() {
        drill.rows[0].key.name = "evil\u{1b}]0;owned\u{7}name".into();
    }
    update(&mut state, Msg::Action(Action::Top));
    let text = screen(&mut state, 160, 45);
    assert!(text.contains("evil\\e]0;owned^Gname"), "{text}");
    assert!(!text.contains('\u{1b}'));
    for view in ["replicas", "inventory"] {
        command(&mut state, view);
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8)] {
            let text = screen(&mut state, w, h);
            assert_eq!(text.lines().count(), usize::from(h), "{view} at {w}x{h}");
        }
    }
    command(&mut state, "replicas");
    update(&mut state, Msg::Action(Action::Open));
    for (w, h) in [(1, 1), (12, 4), (40, 8)] {
        let _ = screen(&mut state, w, h);
    }
}
