//! The findings view's rows: grouped, filtered and sorted, the cursor kept on screen.

use crate::app::state::{AuditGroup, AuditRow, State};
use crate::audit::Finding;

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

pub fn keep_visible(state: &mut State) {
    let height = state.table_height();
    state
        .audit_cursor
        .keep_visible(state.audit_rows.len(), height);
}
