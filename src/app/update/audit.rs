//! The findings view: grouping, filtering, moving, and jumping to the secret.

use crate::app::state::{AuditGroup, AuditRow, Mode, State, View};
use crate::app::{Action, Effect};
use crate::audit::Finding;

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
                super::open(state, View::Detail);
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

/// Re-lists the findings in group order, applying the filter (case-insensitive substring over
/// severity, rule, secret, owner and message).
pub fn rebuild(state: &mut State) {
    let needle = state.audit_filter.trim().to_lowercase();
    let owners: std::collections::HashMap<&str, &str> = state
        .inventory
        .entries
        .iter()
        .map(|e| {
            (
                e.secret.arn.as_str(),
                e.secret.tag("Owner").unwrap_or("(no owner)"),
            )
        })
        .collect();
    let mut rows: Vec<(AuditRow, &Finding, &str)> = state
        .findings
        .iter()
        .flat_map(|(arn, fs)| {
            let owner = owners.get(arn.as_str()).copied().unwrap_or("(no owner)");
            fs.iter().enumerate().map(move |(index, f)| {
                (
                    AuditRow {
                        arn: arn.clone(),
                        index,
                    },
                    f,
                    owner,
                )
            })
        })
        .filter(|(_, f, owner)| {
            needle.is_empty()
                || [
                    f.severity.label(),
                    f.rule.name(),
                    &f.name,
                    owner,
                    &f.message,
                ]
                .iter()
                .any(|t| t.to_lowercase().contains(&needle))
        })
        .collect();
    let group = state.audit_group;
    let weight = |f: &Finding| {
        state
            .policy
            .rules
            .get(&f.rule)
            .map_or(f.severity, |r| r.severity)
    };
    rows.sort_by(|(_, a, oa), (_, b, ob)| {
        let by_group = match group {
            // The most severe rules first, each rule's findings together.
            AuditGroup::Rule => weight(b).cmp(&weight(a)).then(a.rule.cmp(&b.rule)),
            AuditGroup::Owner => oa.cmp(ob),
            AuditGroup::Severity => std::cmp::Ordering::Equal,
        };
        by_group
            .then(b.severity.cmp(&a.severity))
            .then(a.rule.cmp(&b.rule))
            .then(a.name.cmp(&b.name))
            .then(a.region.cmp(&b.region))
    });
    state.audit_rows = rows.into_iter().map(|(r, _, _)| r).collect();
    keep_visible(state);
}

fn keep_visible(state: &mut State) {
    let height = state.table_height();
    state
        .audit_cursor
        .keep_visible(state.audit_rows.len(), height);
}
