//! The findings view: grouping, filtering, moving, and jumping to the secret.

use super::audit_rows::{keep_visible, rebuild};
use crate::app::state::{AuditGroup, Mode, State, View};
use crate::app::{Action, Effect};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    let page = state.table_height();
    if state
        .audit_cursor
        .step(action, state.audit_rows.len(), page)
    {
        return Vec::new();
    }
    let sel = state.audit_cursor.selected;
    match action {
        Action::Filter => {
            state.mode = Mode::Filter;
            state.prompt = state.audit_filter.clone();
        }
        Action::ClearFilter => {
            state.audit_filter.clear();
            rebuild(state);
        }
        Action::GroupNext => {
            state.audit_group = match state.audit_group {
                AuditGroup::Rule => AuditGroup::Owner,
                AuditGroup::Owner => AuditGroup::Severity,
                AuditGroup::Severity => AuditGroup::Rule,
            };
            rebuild(state);
        }
        Action::Open => {
            if let Some(row) = state.audit_rows.get(sel).cloned() {
                state.detail = Some(row.arn);
                state.detail_scroll = 0;
                super::nav::open(state, View::Detail);
            }
        }
        _ => {}
    }
    keep_visible(state);
    Vec::new()
}

/// The owner a finding is grouped under: the secret's Owner tag, or "(no owner)".
pub fn owner_of(state: &State, arn: &str) -> String {
    state
        .inventory
        .entries
        .iter()
        .find(|e| e.secret.arn == arn)
        .and_then(|e| e.secret.tag("Owner"))
        .unwrap_or("(no owner)")
        .to_string()
}
