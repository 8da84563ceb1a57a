//! Inventory columns: one entry to one row of text, pure and shared by the TUI and the reports.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::audit::{Finding, Severity};
use crate::domain::rotation::next_due;
use crate::domain::untrusted::neutralise;
use crate::domain::{Entry, RotationStatus, environment_of};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Account,
    Region,
    Replicas,
    Env,
    Owner,
    Class,
    Rotation,
    LastRotated,
    NextDue,
    Status,
    LastAccessed,
    Audit,
}

/// Findings by secret ARN.
pub type Findings = HashMap<String, Vec<Finding>>;

/// What a row needs besides its entry: the moment, and the audit's findings.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub findings: &'a Findings,
    /// Account names by id: the ACCOUNT column shows the name where there is one.
    pub accounts: &'a HashMap<String, String>,
}

impl Ctx<'_> {
    /// How an account reads: its name, else its id.
    pub fn account<'b>(&'b self, id: &'b str) -> &'b str {
        self.accounts.get(id).map_or(id, String::as_str)
    }
}

impl<'a> Ctx<'a> {
    pub fn findings_of(&self, entry: &Entry) -> &'a [Finding] {
        self.findings
            .get(&entry.secret.arn)
            .map_or(&[], Vec::as_slice)
    }
}

pub struct Spec {
    pub column: Column,
    pub title: &'static str,
    /// Width the column asks for; Name takes what is left.
    pub width: u16,
    /// Lower numbers stay longest as the terminal narrows.
    pub priority: u8,
}

pub const SPECS: &[Spec] = &[
    spec(Column::Name, "NAME", 30, 0),
    spec(Column::Account, "ACCOUNT", 14, 2),
    spec(Column::Region, "REGION", 14, 1),
    spec(Column::Replicas, "REPLICAS", 16, 6),
    spec(Column::Env, "ENV", 5, 4),
    spec(Column::Owner, "OWNER", 18, 7),
    spec(Column::Class, "CLASS", 12, 9),
    spec(Column::Rotation, "ROTATION", 8, 3),
    spec(Column::LastRotated, "ROTATED", 10, 8),
    spec(Column::NextDue, "NEXT DUE", 10, 10),
    spec(Column::Status, "STATUS", 12, 2),
    spec(Column::Audit, "AUDIT", 5, 3),
    spec(Column::LastAccessed, "ACCESSED", 10, 4),
];

const fn spec(column: Column, title: &'static str, width: u16, priority: u8) -> Spec {
    Spec {
        column,
        title,
        width,
        priority,
    }
}

/// The order `s` cycles through: every column, in screen order.
pub const SORTABLE: &[Column] = &[
    Column::Name,
    Column::Account,
    Column::Region,
    Column::Replicas,
    Column::Env,
    Column::Owner,
    Column::Class,
    Column::Rotation,
    Column::LastRotated,
    Column::NextDue,
    Column::Status,
    Column::Audit,
    Column::LastAccessed,
];

impl Column {
    pub fn spec(self) -> &'static Spec {
        SPECS.iter().find(|s| s.column == self).unwrap_or(&SPECS[0])
    }

    pub fn title(self) -> &'static str {
        self.spec().title
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.to_ascii_lowercase();
        SPECS
            .iter()
            .find(|s| s.title.to_ascii_lowercase().replace(' ', "_") == n.replace(' ', "_"))
            .map(|s| s.column)
    }
}

/// Columns that fit `width` (one space between columns), in screen order, dropping the
/// least important first. The account column appears only when several accounts are loaded.
pub fn fit(width: u16, multi_account: bool) -> Vec<Column> {
    let mut chosen: Vec<&Spec> = SPECS
        .iter()
        .filter(|s| multi_account || s.column != Column::Account)
        .collect();
    let min_name = 36;
    loop {
        let used: u16 = chosen
            .iter()
            .filter(|s| s.column != Column::Name)
            .map(|s| s.width + 1)
            .sum();
        if used + min_name <= width || chosen.len() == 1 {
            break;
        }
        let Some(worst) = chosen
            .iter()
            .enumerate()
            .max_by_key(|(_, s)| s.priority)
            .map(|(i, _)| i)
        else {
            break;
        };
        chosen.remove(worst);
    }
    chosen.into_iter().map(|s| s.column).collect()
}

/// The text of one cell, neutralised: it is safe to print.
pub fn text(column: Column, entry: &Entry, ctx: &Ctx<'_>) -> String {
    let now = ctx.now;
    let s = &entry.secret;
    let raw = match column {
        Column::Name => s.name.clone(),
        Column::Account => ctx.account(&s.account).to_string(),
        Column::Region => {
            if s.is_replica() {
                format!("{} (replica)", s.region)
            } else {
                s.region.clone()
            }
        }
        Column::Replicas => replicas(entry),
        Column::Env => environment_of(s).unwrap_or_else(|| "-".into()),
        Column::Owner => s.tag("Owner").unwrap_or("-").to_string(),
        Column::Class => s.tag("Classification").unwrap_or("-").to_string(),
        Column::Rotation => match (s.rotation.enabled, s.rotation.every_days) {
            (false, _) => "off".into(),
            (true, Some(d)) => format!("{d}d"),
            (true, None) => s
                .rotation
                .schedule_expression
                .clone()
                .unwrap_or_else(|| "on".into()),
        },
        Column::LastRotated => date(s.last_rotated),
        Column::NextDue => date(
            s.last_rotated
                .and_then(|l| next_due(s, l))
                .or(s.next_rotation)
                .filter(|_| s.rotation.enabled),
        ),
        Column::Status => status(entry, now),
        Column::LastAccessed => date(entry.last_accessed()),
        Column::Audit => badge(ctx.findings_of(entry)),
    };
    neutralise(&raw).into_owned()
}

/// Rotation status plus the replica problems an operator must not miss.
pub fn status(entry: &Entry, now: DateTime<Utc>) -> String {
    let rotation = RotationStatus::of(&entry.secret, now);
    if entry.has_failed_replica() {
        format!("{} !repl", rotation.label())
    } else {
        rotation.label()
    }
}

fn replicas(entry: &Entry) -> String {
    let views = entry.replica_views();
    if views.is_empty() {
        return "-".into();
    }
    views
        .iter()
        .map(|v| match v.status {
            crate::domain::ReplicationState::Failed => format!("{}!", v.region),
            crate::domain::ReplicationState::InProgress => format!("{}~", v.region),
            _ => v.region.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The audit badge: worst severity's letter and how many findings (warnings left out), or "ok".
pub fn badge(findings: &[Finding]) -> String {
    let counted: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .collect();
    match counted.iter().map(|f| f.severity).max() {
        Some(worst) => format!("{}{}", worst.letter(), counted.len()),
        None => "ok".into(),
    }
}

fn audit_rank(findings: &[Finding]) -> (Option<Severity>, usize) {
    let counted = findings.iter().filter(|f| f.severity > Severity::Info);
    (counted.clone().map(|f| f.severity).max(), counted.count())
}

/// How bad a row looks: its rotation posture, raised to "overdue" by a failed replica.
pub fn severity(entry: &Entry, now: DateTime<Utc>) -> u8 {
    let rotation = RotationStatus::of(&entry.secret, now).severity();
    if entry.has_failed_replica() {
        rotation.max(5)
    } else {
        rotation
    }
}

pub fn date(d: Option<DateTime<Utc>>) -> String {
    d.map_or_else(|| "-".into(), |d| d.format("%Y-%m-%d").to_string())
}

/// Orders two entries by a column; ties fall back to name so the order is stable.
pub fn compare(column: Column, a: &Entry, b: &Entry, ctx: &Ctx<'_>) -> Ordering {
    let now = ctx.now;
    let (x, y) = (&a.secret, &b.secret);
    let primary = match column {
        Column::Name => Ordering::Equal,
        Column::Status => severity(b, now).cmp(&severity(a, now)),
        Column::LastRotated => x.last_rotated.cmp(&y.last_rotated),
        Column::LastAccessed => a.last_accessed().cmp(&b.last_accessed()),
        Column::NextDue => x.next_rotation.cmp(&y.next_rotation),
        Column::Rotation => (x.rotation.enabled, x.rotation.every_days)
            .cmp(&(y.rotation.enabled, y.rotation.every_days)),
        Column::Audit => audit_rank(ctx.findings_of(b)).cmp(&audit_rank(ctx.findings_of(a))),
        other => text(other, a, ctx).cmp(&text(other, b, ctx)),
    };
    primary
        .then_with(|| x.name.cmp(&y.name))
        .then_with(|| x.region.cmp(&y.region))
        .then_with(|| x.account.cmp(&y.account))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_name_region_and_status() {
        let cols = fit(80, false);
        assert!(cols.contains(&Column::Name));
        assert!(cols.contains(&Column::Region));
        assert!(cols.contains(&Column::Status));
        assert!(!cols.contains(&Column::Account));
        let used: u16 = cols
            .iter()
            .filter(|c| **c != Column::Name)
            .map(|c| c.spec().width + 1)
            .sum();
        assert!(used + 36 <= 80);
    }

    #[test]
    fn wide_terminals_show_every_column_and_account_only_when_several() {
        assert_eq!(fit(250, true).len(), SPECS.len());
        assert_eq!(fit(250, false).len(), SPECS.len() - 1);
    }

    #[test]
    fn columns_are_found_by_title() {
        assert_eq!(Column::from_name("next_due"), Some(Column::NextDue));
        assert_eq!(Column::from_name("STATUS"), Some(Column::Status));
        assert_eq!(Column::from_name("nope"), None);
    }
}
