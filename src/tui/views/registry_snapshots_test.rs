//! The registry's environment matrix on the demo fleet with `assets/registry.example.toml`,
//! opened with `:registry`, at 160x45 and 80x24; Enter opens the secret under the cursor.

use super::screen_test::screen;
use super::snapshots_test::demo_state;
use crate::app::msg::PromptKey;
use crate::app::{Action, Msg, State, View, update};

fn with_registry() -> State {
    let mut state = demo_state();
    let text = include_str!("../../../assets/registry.example.toml");
    let registry = crate::registry::parse(text, "assets/registry.example.toml").unwrap();
    state.registry.registry = Some(std::sync::Arc::new(registry));
    update(&mut state, Msg::Action(Action::Command));
    for c in "registry".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert_eq!(state.view, View::Registry);
    state
}

#[test]
fn the_matrix_shows_each_key_in_each_environment_160x45_and_80x24() {
    let mut state = with_registry();
    let wide = screen(&mut state, 160, 45);
    assert!(
        wide.contains("MISSING"),
        "adyen-hmac-key is required in prod:\n{wide}"
    );
    assert!(wide.contains("not replicated"), "{wide}");
    assert!(
        wide.contains("? billing/avalara-api-key"),
        "unregistered rows follow:\n{wide}"
    );
    insta::assert_snapshot!("registry_160x45", wide);
    insta::assert_snapshot!("registry_80x24", screen(&mut state, 80, 24));
}

#[test]
fn enter_opens_the_secret_of_the_cell_under_the_cursor() {
    let mut state = with_registry();
    // The first key, payments/stripe-api-key; → twice to prod.
    update(&mut state, Msg::Action(Action::Right));
    update(&mut state, Msg::Action(Action::Right));
    let cell = state.registry.selected_cell().unwrap().clone();
    assert_eq!(cell.name, "/clarivum/prod/payments/stripe-api-key");
    update(&mut state, Msg::Action(Action::Open));
    assert_eq!(state.view, View::Detail);
    assert_eq!(state.detail, cell.arn);
    // The missing one has nothing to open.
    update(&mut state, Msg::Action(Action::Back));
    update(&mut state, Msg::Action(Action::Down));
    assert_eq!(state.registry.selected_cell().unwrap().arn, None);
    update(&mut state, Msg::Action(Action::Open));
    assert_eq!(state.view, View::Registry);
}
