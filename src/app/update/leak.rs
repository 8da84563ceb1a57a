//! `L` on a secret: the masked prompt, its keys, and the answer. The value is typed into a
//! [`Masked`](crate::leak::Masked) buffer, hashed on Enter and never kept; the check runs as an
//! effect against the source (live AWS reads, or the demo's fingerprints) and is journaled.

use std::sync::Arc;

use crate::app::Effect;
use crate::app::leak_prompt::{LeakField, LeakPrompt, LeakStage};
use crate::app::msg::PromptKey;
use crate::app::state::{Mode, State, View};
use crate::leak::Outcome;

/// Opens the prompt on the selected secret (Detail: the one shown).
pub fn open(state: &mut State) -> Vec<Effect> {
    let selected = if state.view == View::Detail {
        state.detail_entry()
    } else {
        state.selected_entry()
    };
    let Some(selected) = selected.map(|e| e.secret.clone()) else {
        return Vec::new();
    };
    let listed = state
        .rows
        .iter()
        .filter_map(|&i| state.inventory.entries.get(i))
        .map(|e| e.secret.clone())
        .collect();
    state.leak = Some(LeakPrompt::new(selected, listed));
    state.mode = Mode::Input;
    Vec::new()
}

pub fn input(state: &mut State, key: PromptKey) -> Vec<Effect> {
    let Some(prompt) = state.leak.as_mut() else {
        state.mode = Mode::Normal;
        return Vec::new();
    };
    if prompt.stage != LeakStage::Typing {
        // The answer (or a check in flight) is shown: Enter or Esc closes it.
        if matches!(key, PromptKey::Submit | PromptKey::Cancel)
            && prompt.stage != LeakStage::Checking
        {
            close(state);
        }
        return Vec::new();
    }
    match key {
        PromptKey::Cancel => close(state),
        PromptKey::Next => {
            prompt.field = match prompt.field {
                LeakField::Value => LeakField::Reason,
                LeakField::Reason if prompt.needs_count(prompt.plan.reads()) => LeakField::Confirm,
                _ => LeakField::Value,
            };
        }
        PromptKey::Previous => {
            prompt.field = match prompt.field {
                LeakField::Confirm => LeakField::Reason,
                _ => LeakField::Value,
            };
        }
        PromptKey::Left | PromptKey::Right => {
            prompt.toggle_scope();
            prompt.confirm.clear();
        }
        PromptKey::Char(c) => match prompt.field {
            LeakField::Value => {
                if !prompt.value.push(c) {
                    prompt.message = Some("a secret holds at most 64 KiB".to_string());
                }
            }
            LeakField::Reason => prompt.reason.push(c),
            LeakField::Confirm if c.is_ascii_digit() => prompt.confirm.push(c),
            LeakField::Confirm => {}
        },
        PromptKey::Backspace => match prompt.field {
            LeakField::Value => prompt.value.pop(),
            LeakField::Reason => {
                prompt.reason.pop();
            }
            LeakField::Confirm => {
                prompt.confirm.pop();
            }
        },
        PromptKey::Submit => return submit(state),
    }
    Vec::new()
}

fn submit(state: &mut State) -> Vec<Effect> {
    let Some(prompt) = state.leak.as_mut() else {
        return Vec::new();
    };
    let plan = prompt.plan.clone();
    let reads = plan.reads();
    if prompt.value.is_empty() {
        prompt.field = LeakField::Value;
        prompt.message = Some("type or paste the leaked value first".to_string());
        return Vec::new();
    }
    if prompt.reason.trim().is_empty() {
        prompt.field = LeakField::Reason;
        prompt.message = Some("say why the values are read (it is journaled)".to_string());
        return Vec::new();
    }
    if plan.targets.is_empty() {
        prompt.message =
            Some("no candidate: a secret scheduled for deletion cannot be read".into());
        return Vec::new();
    }
    if prompt.needs_count(reads) && prompt.confirm.trim() != reads.to_string() {
        prompt.field = LeakField::Confirm;
        prompt.message = Some(format!(
            "{reads} version reads is more than {}: type {reads} to read them",
            crate::app::leak_prompt::MAX_READS
        ));
        return Vec::new();
    }
    let suspect = match prompt.value.take_suspect() {
        Ok(s) => Arc::new(s),
        Err(e) => {
            prompt.message = Some(e.to_string());
            return Vec::new();
        }
    };
    prompt.stage = LeakStage::Checking;
    prompt.message = None;
    vec![Effect::LeakCheck {
        suspect,
        plan,
        reason: prompt.reason.trim().to_string(),
        source: state.source.label.clone(),
    }]
}

/// The check's answer: shown in the prompt until Enter or Esc.
pub fn checked(state: &mut State, result: Result<(Outcome, Option<i64>), String>) {
    let Some(prompt) = state.leak.as_mut() else {
        return;
    };
    prompt.stage = match result {
        Ok((outcome, journal)) => LeakStage::Done { outcome, journal },
        Err(why) => LeakStage::Failed(why),
    };
}

fn close(state: &mut State) {
    state.leak = None;
    state.mode = Mode::Normal;
}
