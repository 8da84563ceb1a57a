//! Recording a decision in `:review`: a key chooses keep, revoke (the principal under the
//! cursor), change owner or follow up; a one-line input asks for the new owner and a note;
//! Enter sends it to the review worker, and the view shows it once the store confirms.

use super::review_state::{notice, reviewer};
use crate::app::effect::ReviewRequest;
use crate::app::msg::PromptKey;
use crate::app::review::{DecisionField, DecisionInput, DecisionKind, StoreState};
use crate::app::state::{Mode, NoticeLevel, State};
use crate::app::{Action, Effect};
use crate::review::Decision;

/// A decision key: opens the input for the selected secret (and principal, for revoke).
pub fn begin(state: &mut State, action: Action) -> Vec<Effect> {
    let kind = match action {
        Action::Keep => DecisionKind::Keep,
        Action::Revoke => DecisionKind::Revoke,
        Action::ChangeOwner => DecisionKind::ChangeOwner,
        _ => DecisionKind::FollowUp,
    };
    let refused = match &state.review.store {
        StoreState::Open { .. } if state.review.recording => {
            Some("The previous decision is still being recorded.".to_string())
        }
        StoreState::Open { .. } => None,
        StoreState::Failed(why) => Some(format!(
            "Decisions cannot be recorded: the review store did not open ({why})"
        )),
        StoreState::Closed | StoreState::Opening(_) => Some(
            "The review is still opening (it waits for the inventory); decide in a moment."
                .to_string(),
        ),
    };
    if let Some(why) = refused {
        notice(state, NoticeLevel::Warning, why);
        return Vec::new();
    }
    let Some(&i) = state.review.rows.get(state.review.cursor.selected) else {
        return Vec::new();
    };
    let Some(entry) = state.inventory.entries.get(i) else {
        return Vec::new();
    };
    let (secret_arn, secret_name) = (entry.secret.arn.clone(), entry.secret.name.clone());
    let principal = state
        .review
        .selected(&state.inventory)
        .and_then(|r| r.rows.get(state.review.principal))
        .map(|row| row.principal.clone());
    if kind == DecisionKind::Revoke && principal.is_none() {
        notice(
            state,
            NoticeLevel::Warning,
            format!(
                "Nobody to revoke on {secret_name}: its policy names no reader and nobody read it in the window."
            ),
        );
        return Vec::new();
    }
    state.review.input = Some(DecisionInput {
        kind,
        secret_arn,
        secret_name,
        principal: principal.filter(|_| kind == DecisionKind::Revoke),
        owner: String::new(),
        note: String::new(),
        field: if kind == DecisionKind::ChangeOwner {
            DecisionField::Owner
        } else {
            DecisionField::Note
        },
        problem: None,
    });
    state.mode = Mode::Input;
    Vec::new()
}

/// A key typed into the decision's input.
pub fn input(state: &mut State, key: PromptKey) -> Vec<Effect> {
    let Some(input) = state.review.input.as_mut() else {
        state.mode = Mode::Normal;
        return Vec::new();
    };
    let field = match input.field {
        DecisionField::Owner => &mut input.owner,
        DecisionField::Note => &mut input.note,
    };
    match key {
        PromptKey::Char(c) => {
            field.push(c);
            input.problem = None;
        }
        PromptKey::Backspace => {
            field.pop();
        }
        PromptKey::Next | PromptKey::Previous if input.kind == DecisionKind::ChangeOwner => {
            input.field = match input.field {
                DecisionField::Owner => DecisionField::Note,
                DecisionField::Note => DecisionField::Owner,
            };
        }
        PromptKey::Next | PromptKey::Previous | PromptKey::Left | PromptKey::Right => {}
        PromptKey::Cancel => {
            state.review.input = None;
            state.mode = Mode::Normal;
            notice(state, NoticeLevel::Info, "Nothing recorded.".to_string());
        }
        PromptKey::Submit => return submit(state),
    }
    Vec::new()
}

/// Enter: the owner first (change owner), then a note; an empty one is asked again.
fn submit(state: &mut State) -> Vec<Effect> {
    let (who, now) = (reviewer(state), state.now);
    let Some(review) = state.review.info().map(|i| i.id.clone()) else {
        return Vec::new();
    };
    let Some(input) = state.review.input.as_mut() else {
        return Vec::new();
    };
    if input.field == DecisionField::Owner || input.verdict().is_none() {
        if input.owner.trim().is_empty() {
            input.field = DecisionField::Owner;
            input.problem = Some("Who owns it now? e.g. team-payments".to_string());
        } else {
            input.field = DecisionField::Note;
        }
        return Vec::new();
    }
    if input.note.trim().is_empty() {
        input.problem = Some("A note is required: say why, an auditor reads it.".to_string());
        return Vec::new();
    }
    let Some(verdict) = input.verdict() else {
        return Vec::new();
    };
    let decision = Decision {
        seq: 0,
        secret_arn: input.secret_arn.clone(),
        secret_name: input.secret_name.clone(),
        verdict,
        note: input.note.trim().to_string(),
        reviewer: who,
        at: now,
        hash: String::new(),
    };
    state.review.input = None;
    state.review.recording = true;
    state.mode = Mode::Normal;
    vec![Effect::Review(ReviewRequest::Decide { review, decision })]
}
