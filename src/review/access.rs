//! Who may read a secret against who did: the [`AccessRow`]s of one secret (pure).
//!
//! Rows come first from the Allow statements that cover GetSecretValue (one per principal they
//! name, in policy order), then from the readers of the window the policy does not name (most
//! recent first). A reader named by the policy is counted in that principal's row; a reader an
//! account principal or `*` explains is its own row too, and counted in the account's or `*`'s.

use chrono::{DateTime, Utc};

use super::model::{AccessRow, Allowed, Highlight, PolicyStatus};
use super::policy::{
    Caller, Effect, PolicyDocument, PolicyPrincipal, Reach, Statement, arn_account,
};
use crate::trail::PrincipalKind;
use crate::trail::analysis::Reader;

/// A policy row while it is built: which statement and principal it stands for.
struct Granted {
    row: usize,
    statement: usize,
    /// None for an Allow with NotPrincipal (everyone but the listed).
    principal: Option<PolicyPrincipal>,
}

/// The rows of one secret. `doc` is the parsed policy, if there is one; `status` says why not.
pub fn rows(
    doc: Option<&PolicyDocument>,
    status: PolicyStatus,
    secret_arn: &str,
    readers: &[Reader],
) -> Vec<AccessRow> {
    let mut rows: Vec<AccessRow> = Vec::new();
    let mut granted: Vec<Granted> = Vec::new();
    let statements: &[Statement] = doc.map_or(&[], |d| d.statements.as_slice());
    let allows = || {
        statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.effect == Effect::Allow && s.covers_read(secret_arn))
    };
    for (i, s) in allows() {
        let principals: Vec<Option<&PolicyPrincipal>> = if s.principals.not {
            vec![None]
        } else {
            s.principals.list.iter().map(Some).collect()
        };
        for p in principals {
            let key = match p {
                Some(p) => p.text().to_string(),
                None => format!("* except {}", texts(&s.principals.list)),
            };
            let row = match rows.iter().position(|r| r.principal == key) {
                Some(row) => row,
                None => {
                    rows.push(policy_row(key, p));
                    rows.len() - 1
                }
            };
            grant(&mut rows[row], s);
            granted.push(Granted {
                row,
                statement: i,
                principal: p.cloned(),
            });
        }
    }
    for reader in readers {
        let account = reader_account(reader);
        let caller = Caller {
            key: &reader.principal_key,
            arn: reader.arn.as_deref(),
            account: account.as_deref(),
        };
        let mut own: Option<usize> = None;
        let mut counted: Vec<usize> = Vec::new();
        let mut best: Option<(Reach, usize)> = None;
        for g in &granted {
            let reach = match &g.principal {
                Some(p) => p.reach(&caller),
                None => statements[g.statement].reaches(&caller),
            };
            let Some(reach) = reach else { continue };
            if reach == Reach::Exact {
                own.get_or_insert(g.row);
            } else if !counted.contains(&g.row) {
                counted.push(g.row);
            }
            if best.is_none_or(|(r, _)| reach > r) {
                best = Some((reach, g.statement));
            }
        }
        let row = match own {
            Some(row) => row,
            None => {
                rows.push(reader_row(reader, best.map(|(r, _)| r), status));
                if let Some((_, i)) = best {
                    let s = &statements[i];
                    let last = rows.len() - 1;
                    grant(&mut rows[last], s);
                    // The row was granted through an account or `*`: it may have other paths.
                    for g in granted.iter().filter(|g| g.statement != i) {
                        let other = &statements[g.statement];
                        let reaches = match &g.principal {
                            Some(p) => p.reach(&caller).is_some(),
                            None => other.reaches(&caller).is_some(),
                        };
                        if reaches {
                            grant(&mut rows[last], other);
                        }
                    }
                }
                rows.len() - 1
            }
        };
        count(&mut rows[row], reader);
        for c in counted {
            count(&mut rows[c], reader);
        }
        for s in statements
            .iter()
            .filter(|s| s.effect == Effect::Deny && s.covers_read(secret_arn))
        {
            if s.reaches(&caller).is_some() {
                let r = &mut rows[row];
                let label = if s.conditions.is_empty() {
                    r.allowed = Allowed::Denied;
                    s.label()
                } else {
                    format!("{} (conditional)", s.label())
                };
                if !r.denied_by.contains(&label) {
                    r.denied_by.push(label);
                }
            }
        }
    }
    for r in &mut rows {
        r.highlight = highlight(r);
    }
    rows
}

fn policy_row(principal: String, p: Option<&PolicyPrincipal>) -> AccessRow {
    let (allowed, kind, label) = match p {
        None => (
            Allowed::ViaEveryone,
            "everyone but".to_string(),
            principal.clone(),
        ),
        Some(PolicyPrincipal::Everyone) => (Allowed::ViaEveryone, "everyone".into(), "*".into()),
        Some(PolicyPrincipal::Account(a)) => (
            Allowed::ViaAccountRoot,
            "account".into(),
            format!("account {a}"),
        ),
        Some(other) => (
            Allowed::Explicitly,
            other.kind_label().into(),
            short(other.text()),
        ),
    };
    AccessRow {
        principal,
        label,
        kind,
        in_policy: true,
        allowed,
        conditional: true,
        conditions: Vec::new(),
        statements: Vec::new(),
        denied_by: Vec::new(),
        reads: 0,
        readers: 0,
        denied: 0,
        failed: 0,
        last_read: None,
        highlight: None,
    }
}

fn reader_row(reader: &Reader, reach: Option<Reach>, status: PolicyStatus) -> AccessRow {
    let allowed = match (reach, status) {
        (Some(Reach::Exact), _) => Allowed::Explicitly,
        (Some(Reach::Account), _) => Allowed::ViaAccountRoot,
        (Some(Reach::Everyone), _) => Allowed::ViaEveryone,
        (None, PolicyStatus::Attached) => Allowed::NotByResourcePolicy,
        (None, PolicyStatus::None) => Allowed::NoPolicy,
        (None, PolicyStatus::Unreadable | PolicyStatus::Unavailable) => Allowed::Unknown,
    };
    AccessRow {
        principal: reader.principal_key.clone(),
        // A role's row stands for all its sessions: name the role, not the latest session.
        label: if reader.principal_key.contains(":iam::") {
            short(&reader.principal_key)
        } else {
            reader.label.clone()
        },
        kind: kind_label(
            &reader.kind,
            reader.principal_key.starts_with("arn:aws:iam:"),
        ),
        in_policy: false,
        allowed,
        // A row no statement grants has no conditions to meet.
        conditional: reach.is_some(),
        conditions: Vec::new(),
        statements: Vec::new(),
        denied_by: Vec::new(),
        reads: 0,
        readers: 0,
        denied: 0,
        failed: 0,
        last_read: None,
        highlight: None,
    }
}

/// Notes that `s` grants the row: its label, its conditions; unconditional wins.
fn grant(row: &mut AccessRow, s: &Statement) {
    let label = s.label();
    if !row.statements.contains(&label) {
        row.statements.push(label);
    }
    if s.conditions.is_empty() {
        row.conditional = false;
    }
    for c in s.condition_summary() {
        if !row.conditions.contains(&c) {
            row.conditions.push(c);
        }
    }
}

fn count(row: &mut AccessRow, reader: &Reader) {
    row.reads += reader.reads;
    row.denied += reader.denied;
    row.failed += reader.failed;
    row.readers += 1;
    if reader.reads > 0 {
        row.last_read = max_time(row.last_read, Some(reader.last_seen));
    }
}

fn highlight(r: &AccessRow) -> Option<Highlight> {
    match r.allowed {
        Allowed::ViaEveryone if r.in_policy && !r.conditional => Some(Highlight::Public),
        Allowed::Explicitly | Allowed::ViaAccountRoot if r.in_policy && r.reads == 0 => {
            Some(Highlight::Unused)
        }
        Allowed::NotByResourcePolicy | Allowed::NoPolicy if r.reads > 0 => {
            Some(Highlight::ThroughIam)
        }
        _ if !r.in_policy && r.reads == 0 && r.denied > 0 => Some(Highlight::DeniedAttempts),
        _ => None,
    }
}

/// The account of a reader: from its key (a role or user ARN, `account:A`) or its ARN.
fn reader_account(reader: &Reader) -> Option<String> {
    arn_account(&reader.principal_key)
        .or_else(|| reader.principal_key.strip_prefix("account:"))
        .or_else(|| reader.arn.as_deref().and_then(arn_account))
        .map(str::to_string)
}

fn kind_label(kind: &PrincipalKind, role_known: bool) -> String {
    match kind {
        PrincipalKind::IamUser => "user".into(),
        PrincipalKind::AssumedRole if role_known => "role".into(),
        PrincipalKind::AssumedRole => "role session".into(),
        PrincipalKind::Root => "account root".into(),
        PrincipalKind::AwsService => "service".into(),
        PrincipalKind::FederatedUser => "federated user".into(),
        PrincipalKind::AwsAccount => "account".into(),
        PrincipalKind::Unknown(k) if !k.is_empty() => k.clone(),
        PrincipalKind::Unknown(_) => "unknown".into(),
    }
}

/// `arn:aws:iam::1:role/path/name` -> `role/name`; other text as it is.
fn short(text: &str) -> String {
    let Some(resource) = text.splitn(6, ':').nth(5) else {
        return text.to_string();
    };
    match (resource.split('/').next(), resource.rsplit('/').next()) {
        (Some(kind), Some(name)) if kind != name => format!("{kind}/{name}"),
        _ => resource.to_string(),
    }
}

fn texts(list: &[PolicyPrincipal]) -> String {
    list.iter()
        .map(PolicyPrincipal::text)
        .collect::<Vec<_>>()
        .join(", ")
}

fn max_time(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
