//! The access review, whole screens from the review fixture at 80x24 and 160x45 (policies with
//! a role, an account principal, `*` under a condition and `*` without; reads through IAM; a
//! recorded decision), the decision input, and the marks whose colour carries meaning.

use ratatui::buffer::Buffer;

use super::screen_test::{draw, screen, text};
use crate::app::msg::PromptKey;
use crate::app::{Action, Msg, State, update};
use crate::review::Decision;
use crate::testing::review::{self as fx, BILLING, DB, answer, opened};
use crate::tui::theme::Theme;

fn act(state: &mut State, action: Action) -> Vec<crate::app::Effect> {
    update(state, Msg::Action(action))
}

fn select(state: &mut State, name: &str) {
    act(state, Action::Left);
    act(state, Action::Top);
    for _ in 0..state.review.rows.len() {
        if state
            .review
            .selected(&state.inventory)
            .is_some_and(|r| r.secret.name == name)
        {
            return;
        }
        act(state, Action::Down);
    }
    panic!("{name} is not listed");
}

fn decide(state: &mut State, log: &mut Vec<Decision>, action: Action, note: &str) {
    act(state, action);
    for c in note.chars() {
        update(state, Msg::Prompt(PromptKey::Char(c)));
    }
    let effects = update(state, Msg::Prompt(PromptKey::Submit));
    answer(state, effects, log);
}

/// Billing kept; on prod/payments/db, role/reporting revoked, the cursor on it.
fn reviewed() -> State {
    let mut state = fx::state();
    let mut log = Vec::new();
    opened(&mut state, &mut log);
    select(&mut state, BILLING);
    decide(
        &mut state,
        &mut log,
        Action::Keep,
        "batch reads it through the account",
    );
    select(&mut state, DB);
    act(&mut state, Action::NextPane);
    act(&mut state, Action::Down);
    decide(
        &mut state,
        &mut log,
        Action::Revoke,
        "reporting moved to the warehouse",
    );
    // A key after the notice: the hint line comes back (the cursor back on role/reporting).
    act(&mut state, Action::Top);
    act(&mut state, Action::Down);
    state
}

#[test]
fn review_80x24_and_160x45() {
    let mut state = reviewed();
    let narrow = screen(&mut state, 80, 24);
    assert!(narrow.contains("Review 90d · decided 2/5"), "{narrow}");
    assert!(narrow.contains("REVOKE"), "{narrow}");
    insta::assert_snapshot!("review_80x24", narrow);
    let wide = screen(&mut state, 160, 45);
    assert!(
        wide.contains("Access review review-2026Q4-20261120 · window 90d"),
        "{wide}"
    );
    assert!(
        wide.contains("strongroom review export --format markdown"),
        "{wide}"
    );
    insta::assert_snapshot!("review_160x45", wide);
}

#[test]
fn everyone_under_a_condition_and_the_account_principal_160x45() {
    let mut state = reviewed();
    select(&mut state, "prod/shared/config");
    let shared = screen(&mut state, 160, 45);
    assert!(
        shared.contains("when StringEquals aws:PrincipalOrgID = o-abc123"),
        "{shared}"
    );
    insta::assert_snapshot!("review_shared_160x45", shared);
    select(&mut state, BILLING);
    let billing = screen(&mut state, 160, 45);
    assert!(billing.contains("via account root"), "{billing}");
    assert!(
        billing.contains("decision: keep — batch reads it through the account"),
        "{billing}"
    );
}

#[test]
fn the_decision_input_80x24() {
    let mut state = reviewed();
    select(&mut state, "prod/legacy/token");
    act(&mut state, Action::ChangeOwner);
    for c in "team-identity".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    let text = screen(&mut state, 80, 24);
    assert!(text.contains("owner: team-identity · note:"), "{text}");
    assert!(text.contains("A note is required"), "{text}");
    insta::assert_snapshot!("review_input_80x24", text);
}

#[test]
fn marks_carry_their_colour_and_lose_it_with_no_color() {
    use ratatui::style::Color;
    let mut state = reviewed();
    let find = |buffer: &Buffer, line_has: &str, word: &str| {
        let t = text(buffer);
        let (y, line) = t
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(line_has))
            .unwrap();
        let col = line.find(word).unwrap();
        let x = line[..col].chars().count() as u16;
        buffer[(x, y as u16)].fg
    };
    let coloured = draw(&mut state, 160, 45, Theme::new(true));
    assert_eq!(find(&coloured, "user/alice", "via IAM"), Color::Yellow);
    assert_eq!(find(&coloured, "role/reporting", "REVOKE"), Color::Red);
    assert_eq!(
        find(&coloured, "prod/billing/api-key ", "keep"),
        Color::Green
    );
    let plain = draw(&mut state, 160, 45, Theme::new(false));
    assert_eq!(find(&plain, "role/reporting", "REVOKE"), Color::Reset);
}

#[test]
fn hostile_notes_are_neutralised_and_tiny_terminals_survive() {
    let mut state = reviewed();
    let mut log = state.review.log.clone();
    select(&mut state, "prod/legacy/token");
    decide(
        &mut state,
        &mut log,
        Action::FollowUp,
        "ask\u{1b}]0;owned\u{7}alice",
    );
    act(&mut state, Action::Top);
    select(&mut state, "prod/legacy/token");
    let text = screen(&mut state, 160, 45);
    assert!(text.contains("ask\\e]0;owned^Galice"), "{text}");
    assert!(!text.contains('\u{1b}'));
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8), (60, 12)] {
        let text = screen(&mut state, w, h);
        assert_eq!(text.lines().count(), usize::from(h), "at {w}x{h}");
    }
}
