//! `L` on the demo's Stripe key: the masked prompt (the value typed is never on screen), the
//! effect it asks for, and the answer from the demo's fingerprints, at 160x45 and 80x24.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::screen_test::screen;
use super::snapshots_test::demo_state;
use crate::app::leak_prompt::LeakStage;
use crate::app::msg::PromptKey;
use crate::app::{Effect, Mode, Msg, State, update};
use crate::source::InventorySource;
use crate::tui::keymap::Keymap;

const LEAKED: &str = "sk_live_51DemoQx7LeakedPrevious0000";

fn on_the_stripe_key() -> State {
    let mut state = demo_state();
    update(&mut state, Msg::Action(crate::app::Action::Filter));
    for c in "prod/payments/stripe-api".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    let keymap = Keymap::defaults();
    let key = KeyEvent::new(KeyCode::Char('L'), KeyModifiers::SHIFT);
    let action = keymap.action(state.view, key).expect("L is bound");
    update(&mut state, Msg::Action(action));
    assert_eq!(state.mode, Mode::Input);
    state
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, Msg::Prompt(PromptKey::Char(c)));
    }
}

#[test]
fn the_masked_prompt_never_draws_the_value_and_answers_previous() {
    let mut state = on_the_stripe_key();
    let empty = screen(&mut state, 160, 45);
    assert!(empty.contains("(type or paste it)"), "{empty}");
    assert!(
        empty.contains("/clarivum/prod/payments/stripe-api-key"),
        "{empty}"
    );
    assert!(
        empty.contains("1 secret(s), 2 version(s) to read in 2 call(s)"),
        "{empty}"
    );
    type_text(&mut state, LEAKED);
    let typed = screen(&mut state, 160, 45);
    assert!(
        !typed.contains("sk_live"),
        "the value is on screen: {typed}"
    );
    assert!(typed.contains("(typed, hidden)"), "{typed}");
    insta::assert_snapshot!("leak_prompt_160x45", typed);
    insta::assert_snapshot!("leak_prompt_80x24", screen(&mut state, 80, 24));
    assert!(
        !format!("{state:?}").contains("sk_live"),
        "Debug shows the value"
    );

    let effects = update(&mut state, Msg::Prompt(PromptKey::Submit));
    let [
        Effect::LeakCheck {
            suspect,
            plan,
            reason,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(reason, "leak check from the console");
    assert_eq!(plan.reads(), 2);
    assert!(matches!(
        state.leak.as_ref().map(|l| &l.stage),
        Some(LeakStage::Checking)
    ));

    // The runner's part, on the demo source: its shipped fingerprints answer.
    let snap = crate::source::demo::load(state.now).unwrap();
    let source =
        crate::source::snapshot_source::SnapshotSource::new(snap, crate::source::SourceKind::Demo);
    let outcome =
        futures::executor::block_on(source.leak_check(suspect.clone(), plan.clone())).unwrap();
    update(&mut state, Msg::LeakChecked(Ok((outcome, Some(3)))));
    let answer = screen(&mut state, 160, 45);
    assert!(answer.contains("NOT CURRENT"), "{answer}");
    assert!(answer.contains("[AWSPREVIOUS]  field apiKey"), "{answer}");
    assert!(answer.contains("leak check 3."), "{answer}");
    insta::assert_snapshot!("leak_answer_160x45", answer);
    insta::assert_snapshot!("leak_answer_80x24", screen(&mut state, 80, 24));
    update(&mut state, Msg::Prompt(PromptKey::Cancel));
    assert!(state.leak.is_none());
    assert_eq!(state.mode, Mode::Normal);
}

#[test]
fn the_listed_scope_needs_the_count_typed_above_fifty_reads() {
    let mut state = demo_state();
    let keymap = Keymap::defaults();
    let key = KeyEvent::new(KeyCode::Char('L'), KeyModifiers::SHIFT);
    let action = keymap.action(state.view, key).unwrap();
    update(&mut state, Msg::Action(action));
    type_text(&mut state, "x");
    // ←→: every listed secret.
    update(&mut state, Msg::Prompt(PromptKey::Right));
    let reads = state.leak.as_ref().unwrap().plan.reads();
    assert!(reads > 50, "{reads}");
    assert!(update(&mut state, Msg::Prompt(PromptKey::Submit)).is_empty());
    let shown = screen(&mut state, 160, 45);
    assert!(
        shown.contains(&format!("type {reads} to read them")),
        "{shown}"
    );
    type_text(&mut state, "1");
    assert!(update(&mut state, Msg::Prompt(PromptKey::Submit)).is_empty());
    update(&mut state, Msg::Prompt(PromptKey::Backspace));
    type_text(&mut state, &reads.to_string());
    let effects = update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert!(
        matches!(effects.as_slice(), [Effect::LeakCheck { plan, .. }] if plan.reads() == reads)
    );
}
