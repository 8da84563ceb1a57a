//! "Who read this secret in the last 24 hours", asked from the demo's inventory with the keys an
//! operator presses, and the pane it answers with at 160x45 and 80x24.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::screen_test::screen;
use super::snapshots_test::demo_state;
use crate::app::msg::PromptKey;
use crate::app::{Msg, State, View, update};
use crate::tui::keymap::Keymap;

const SECRET: &str = "/clarivum/prod/payments/stripe-api-key";

/// The demo's inventory with the cursor on the Stripe key.
fn on_the_stripe_key() -> State {
    let mut state = demo_state();
    update(&mut state, Msg::Action(crate::app::Action::Filter));
    for c in "prod/payments/stripe-api".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert_eq!(state.selected_entry().unwrap().secret.name, SECRET);
    state
}

/// Presses `keys` through the default keymap, as the runtime does; returns how many.
fn press(state: &mut State, keys: &str) -> usize {
    let keymap = Keymap::defaults();
    for c in keys.chars() {
        let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let action = keymap.action(state.view, key).unwrap();
        update(state, Msg::Action(action));
    }
    keys.chars().count()
}

/// The answer on screen: the 24h window, the reader of the last day, not the one of 5 days ago.
fn assert_answers_the_last_24_hours(state: &mut State) {
    assert_eq!(state.view, View::WhoRead);
    let pane = screen(state, 160, 45);
    assert!(
        pane.contains("Who read /clarivum/prod/payments/stripe-api-key · window 24h"),
        "{pane}"
    );
    assert!(pane.contains("clarivum-prod-payments-api"), "{pane}");
    assert!(
        !pane.contains("svc-legacy-backup  "),
        "its last read was 5 days ago: {pane}"
    );
}

#[test]
fn who_read_the_stripe_key_in_the_last_24h_takes_at_most_5_keys_from_the_inventory() {
    let mut state = on_the_stripe_key();
    let keys = press(&mut state, "tww");
    assert!(keys <= 5, "{keys} keys");
    assert_answers_the_last_24_hours(&mut state);
    // The number key asks for the window directly, whatever window was on before.
    let mut state = on_the_stripe_key();
    press(&mut state, "t4");
    update(&mut state, Msg::Action(crate::app::Action::Back));
    let keys = press(&mut state, "t2");
    assert_eq!(keys, 2);
    assert_answers_the_last_24_hours(&mut state);
}

#[test]
fn who_read_at_24h_lists_the_selected_principals_reads_160x45_and_80x24() {
    let mut state = on_the_stripe_key();
    press(&mut state, "tww");
    let wide = screen(&mut state, 160, 45);
    assert!(
        wide.contains("1 read in the last 24h by clarivum-prod-payments-api")
            && wide.contains("TIME (UTC)"),
        "{wide}"
    );
    insta::assert_snapshot!("who_read_24h_160x45", wide);
    insta::assert_snapshot!("who_read_24h_80x24", screen(&mut state, 80, 24));
}

/// With the team's registry loaded, who-read says which reader is not a consumer of the key in
/// that environment, and which was never seen before; without it, nothing of the kind.
#[test]
fn with_the_registry_who_read_names_the_reader_outside_deployment() {
    let mut state = on_the_stripe_key();
    press(&mut state, "t3");
    assert!(!state.ev.hints.iter().any(|h| h.contains("registry")));
    let mut state = on_the_stripe_key();
    let text = include_str!("../../../assets/registry.example.toml");
    let registry = crate::registry::parse(text, "registry.toml").unwrap();
    state.registry.registry = Some(std::sync::Arc::new(registry));
    press(&mut state, "t3");
    let registry_hints: Vec<&String> = state
        .ev
        .hints
        .iter()
        .filter(|h| h.starts_with("! registry: "))
        .collect();
    assert_eq!(registry_hints.len(), 2, "{:#?}", state.ev.hints);
    assert!(
        registry_hints[0].contains("svc-legacy-backup")
            && registry_hints[0].contains("not a consumer of `payments/stripe-api-key` in prod"),
        "{registry_hints:?}"
    );
    let pane = screen(&mut state, 160, 45);
    assert!(pane.contains("! registry: svc-legacy-backup"), "{pane}");
}

/// The events list says the registry's alerts of the window in one line above the events.
#[test]
fn with_the_registry_the_events_list_says_its_alerts() {
    let mut state = super::snapshots_test::demo_state();
    let text = include_str!("../../../assets/registry.example.toml");
    let registry = crate::registry::parse(text, "registry.toml").unwrap();
    state.registry.registry = Some(std::sync::Arc::new(registry));
    let events = state.events.events.clone();
    crate::app::update::events::index(&mut state, events);
    update(&mut state, Msg::Action(crate::app::Action::Command));
    for c in "events".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert_eq!(state.view, View::Events);
    let pane = screen(&mut state, 160, 45);
    let line = pane.lines().nth(1).unwrap_or_default();
    assert!(
        line.starts_with("! registry: 2 alert(s) in the window: svc-legacy-backup read"),
        "{pane}"
    );
}
