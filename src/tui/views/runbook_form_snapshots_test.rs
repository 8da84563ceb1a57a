//! The compromised-secret form on the demo, filled from what the console knows, at 160x45 and
//! 80x24.

use chrono::{TimeZone, Utc};

use super::screen_test::screen;
use crate::app::msg::PromptKey;
use crate::app::{Action, Msg, State, update};
use crate::incident::Catalog;
use crate::testing::fixtures;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

/// `b`, Enter on the leaked secret of the demo, with a team default for break_glass, and the
/// incident id typed.
fn form() -> State {
    let mut state = fixtures::demo_state(now()).unwrap();
    crate::app::update::runbooks::set_catalog(&mut state, &Catalog::load(&[]));
    state.runbooks.team = crate::config::parse(
        "[runbook_defaults]\nbreak_glass = \"arn:aws:iam::210987654321:role/break-glass\"\n",
        "~/.config/strongroom/config.toml",
    )
    .unwrap();
    state.cursor.selected = state
        .rows
        .iter()
        .position(|&i| {
            state.inventory.entries[i]
                .secret
                .name
                .ends_with("prod/payments/stripe-api-key")
        })
        .unwrap();
    update(&mut state, Msg::Action(Action::Runbooks));
    update(&mut state, Msg::Action(Action::Open));
    for c in "INC-2041".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    state
}

#[test]
fn the_form_offers_what_the_console_knows_160x45_and_80x24() {
    let mut state = form();
    let wide = screen(&mut state, 160, 45);
    assert!(
        wide.contains("arn:aws:iam::210987654321:user/svc-legacy-backup  ←→ 2 of 4"),
        "{wide}"
    );
    assert!(
        wide.contains("(team default, ~/.config/strongroom/config.toml)"),
        "{wide}"
    );
    insta::assert_snapshot!("runbook_form_demo_160x45", wide);
    insta::assert_snapshot!("runbook_form_demo_80x24", screen(&mut state, 80, 24));
    // "unknown yet" on the suspect.
    update(&mut state, Msg::Prompt(PromptKey::Next));
    update(&mut state, Msg::Prompt(PromptKey::Next));
    update(&mut state, Msg::Prompt(PromptKey::Left));
    insta::assert_snapshot!("runbook_form_unknown_yet_80x24", screen(&mut state, 80, 24));
}
