//! The checks `strongroom verify` makes of an inventory against the registry, for one
//! environment: each from what ListSecrets (and DescribeSecret, for replication) said.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::file::{KeyDecl, Presence, Registry};
use crate::domain::{Entry, ReplicationState};

/// What a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    Exists,
    NotDeleted,
    CurrentVersion,
    Tags,
    Rotation,
    DualPublish,
    Replicated,
    Forbidden,
    Owner,
    Unregistered,
}

impl CheckKind {
    pub const ALL: [CheckKind; 10] = [
        CheckKind::Exists,
        CheckKind::NotDeleted,
        CheckKind::CurrentVersion,
        CheckKind::Tags,
        CheckKind::Rotation,
        CheckKind::DualPublish,
        CheckKind::Replicated,
        CheckKind::Forbidden,
        CheckKind::Owner,
        CheckKind::Unregistered,
    ];

    pub fn id(self) -> &'static str {
        match self {
            CheckKind::Exists => "exists",
            CheckKind::NotDeleted => "not-deleted",
            CheckKind::CurrentVersion => "current-version",
            CheckKind::Tags => "tags",
            CheckKind::Rotation => "rotation",
            CheckKind::DualPublish => "dual-publish",
            CheckKind::Replicated => "replicated",
            CheckKind::Forbidden => "forbidden",
            CheckKind::Owner => "owner",
            CheckKind::Unregistered => "unregistered",
        }
    }

    /// What holds when the check passes.
    pub fn rule(self) -> &'static str {
        match self {
            CheckKind::Exists => "A secret the registry requires in the environment exists.",
            CheckKind::NotDeleted => "A required secret is not scheduled for deletion.",
            CheckKind::CurrentVersion => "A required secret has an AWSCURRENT version.",
            CheckKind::Tags => "The secret carries every tag the registry requires.",
            CheckKind::Rotation => {
                "Rotation is on, at least as often as the registry says, and not overdue."
            }
            CheckKind::DualPublish => {
                "A dual-published signing key keeps its previous version (AWSPREVIOUS)."
            }
            CheckKind::Replicated => "The secret is replicated, InSync, to each DR region.",
            CheckKind::Forbidden => "A secret the registry forbids in the environment is absent.",
            CheckKind::Owner => "The Owner tag names the owner the registry declares.",
            CheckKind::Unregistered => "Every secret named like the environment's is registered.",
        }
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    /// Worth a look; does not fail the gate.
    Warn,
    /// The registry does not hold.
    Fail,
    /// The check could not be made (a region unread, replication status unknown).
    Error,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
        }
    }
}

/// One check of one key (or one unregistered secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub key: String,
    pub kind: CheckKind,
    pub status: Status,
    /// The secret's expected (or found) name.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    pub detail: String,
    /// The registry line the key is declared on (0 for an unregistered secret).
    pub line: usize,
}

/// Every check for one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub env: String,
    pub checks: Vec<Check>,
}

impl Verification {
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// 0 every check holds, 1 something is missing or wrong, 2 a check could not be made.
    pub fn exit_code(&self) -> u8 {
        if self.count(Status::Error) > 0 {
            2
        } else if self.count(Status::Fail) > 0 {
            1
        } else {
            0
        }
    }
}

/// Checks `entries` against the registry for `env`. `unreadable` names the accounts and
/// regions that could not be listed: a secret missing there may only be unseen, so its
/// absence is a check not made rather than a failure.
pub fn verify(
    registry: &Registry,
    env: &str,
    entries: &[Entry],
    unreadable: &[String],
    now: DateTime<Utc>,
) -> Verification {
    let mut checks = Vec::new();
    let account = registry.accounts.get(env);
    // By name once: an organization's inventory is tens of thousands of secrets.
    let mut by_name: std::collections::HashMap<&str, Vec<&Entry>> = Default::default();
    for e in entries
        .iter()
        .filter(|e| account.is_none_or(|a| &e.secret.account == a))
    {
        by_name.entry(e.secret.name.as_str()).or_default().push(e);
    }
    let found = |name: &str| -> Vec<&Entry> { by_name.get(name).cloned().unwrap_or_default() };
    for key in &registry.keys {
        let name = key.name(env);
        let here = found(&name);
        let check = |kind, status, detail: String, arn: Option<&str>| Check {
            key: key.key.clone(),
            kind,
            status,
            name: name.clone(),
            arn: arn.map(str::to_string),
            detail,
            line: key.line,
        };
        match key.presence(env) {
            Presence::Required => {
                let Some(entry) = here.first() else {
                    let (status, detail) = if unreadable.is_empty() {
                        (Status::Fail, format!("MISSING: no secret named {name}"))
                    } else {
                        (
                            Status::Error,
                            format!("not found, but {} could not be read", unreadable.join(", ")),
                        )
                    };
                    checks.push(check(CheckKind::Exists, status, detail, None));
                    continue;
                };
                let arn = Some(entry.secret.arn.as_str());
                checks.push(check(
                    CheckKind::Exists,
                    Status::Pass,
                    format!("{} {}", entry.secret.account, entry.secret.region),
                    arn,
                ));
                for (kind, status, detail) in required_checks(registry, key, env, entry, now) {
                    checks.push(check(kind, status, detail, arn));
                }
            }
            Presence::Forbidden => match here.iter().find(|e| e.secret.deleted.is_none()) {
                Some(e) => checks.push(check(
                    CheckKind::Forbidden,
                    Status::Fail,
                    format!(
                        "present in {env} ({} {}), where the registry forbids it",
                        e.secret.account, e.secret.region
                    ),
                    Some(&e.secret.arn),
                )),
                None => checks.push(check(
                    CheckKind::Forbidden,
                    Status::Pass,
                    "absent".into(),
                    None,
                )),
            },
            Presence::Unlisted => {}
            Presence::Optional => {
                // Present or not, nothing is required; present, it is held to the same tags
                // and cadence.
                if let Some(entry) = here.first().filter(|e| e.secret.deleted.is_none()) {
                    let arn = Some(entry.secret.arn.as_str());
                    for (kind, status, detail) in required_checks(registry, key, env, entry, now) {
                        if matches!(
                            kind,
                            CheckKind::Tags | CheckKind::Rotation | CheckKind::Owner
                        ) {
                            checks.push(check(kind, status, detail, arn));
                        }
                    }
                }
            }
        }
    }
    checks.extend(unregistered(registry, env, entries, account));
    Verification {
        env: env.to_string(),
        checks,
    }
}

/// The checks of a required secret that exists.
fn required_checks(
    registry: &Registry,
    key: &KeyDecl,
    env: &str,
    entry: &Entry,
    now: DateTime<Utc>,
) -> Vec<(CheckKind, Status, String)> {
    let s = &entry.secret;
    let mut out = Vec::new();
    out.push(match s.deleted {
        Some(when) => (
            CheckKind::NotDeleted,
            Status::Fail,
            format!("scheduled for deletion on {}", when.format("%Y-%m-%d")),
        ),
        None => (
            CheckKind::NotDeleted,
            Status::Pass,
            "not scheduled for deletion".into(),
        ),
    });
    out.push(match s.current_version() {
        Some(v) => (
            CheckKind::CurrentVersion,
            Status::Pass,
            format!("AWSCURRENT {}", v.id),
        ),
        None if s.versions.is_empty() => (
            CheckKind::CurrentVersion,
            Status::Fail,
            "no version at all: the secret holds no value".into(),
        ),
        None => (
            CheckKind::CurrentVersion,
            Status::Fail,
            "no version carries AWSCURRENT".into(),
        ),
    });
    let missing: Vec<&str> = registry
        .required_tags
        .iter()
        .chain(&key.required_tags)
        .filter(|t| s.tag(t).is_none_or(|v| v.trim().is_empty()))
        .map(String::as_str)
        .collect();
    out.push(if missing.is_empty() {
        (CheckKind::Tags, Status::Pass, "every required tag".into())
    } else {
        (
            CheckKind::Tags,
            Status::Fail,
            format!("missing tags: {}", missing.join(", ")),
        )
    });
    if let (Some(owner), Some(tagged)) = (&key.owner, s.tag("Owner"))
        && tagged != owner
    {
        out.push((
            CheckKind::Owner,
            Status::Warn,
            format!("the Owner tag says {tagged}; the registry says {owner}"),
        ));
    }
    if let Some(days) = key.rotation_days {
        out.push(rotation(s, days, now));
        if key.dual_publish {
            out.push(
                if s.last_rotated.is_none() || s.versions.iter().any(|v| v.has_stage("AWSPREVIOUS"))
                {
                    (
                        CheckKind::DualPublish,
                        Status::Pass,
                        "the previous version is kept".into(),
                    )
                } else {
                    (
                        CheckKind::DualPublish,
                        Status::Fail,
                        "rotated, but no AWSPREVIOUS version: verifiers of the old key fail".into(),
                    )
                },
            );
        }
    }
    for region in key.dr_regions_in(env) {
        let views = entry.replica_views();
        let view = views.iter().find(|v| v.region == region);
        out.push(match view.map(|v| v.status) {
            None => (
                CheckKind::Replicated,
                Status::Fail,
                format!("not replicated to {region}"),
            ),
            Some(ReplicationState::InSync) => (
                CheckKind::Replicated,
                Status::Pass,
                format!("{region} InSync"),
            ),
            Some(ReplicationState::Unknown) => (
                CheckKind::Replicated,
                Status::Error,
                format!("{region}: replication status unknown (DescribeSecret did not answer)"),
            ),
            Some(other) => (
                CheckKind::Replicated,
                Status::Fail,
                format!(
                    "{region} {}{}",
                    other.label(),
                    view.and_then(|v| v.message)
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                ),
            ),
        });
    }
    out
}

fn rotation(
    s: &crate::domain::Secret,
    days: i64,
    now: DateTime<Utc>,
) -> (CheckKind, Status, String) {
    let kind = CheckKind::Rotation;
    if !s.rotation.enabled {
        return (
            kind,
            Status::Fail,
            format!("rotation is off; the registry says every {days} days"),
        );
    }
    if let Some(every) = s.rotation.every_days
        && every > days
    {
        return (
            kind,
            Status::Fail,
            format!("rotates every {every} days; the registry says at least every {days}"),
        );
    }
    let since = s.last_rotated.or(s.created);
    match since {
        Some(t) if now - t > Duration::days(days) => (
            kind,
            Status::Fail,
            format!(
                "overdue: {} {} days ago; the registry says every {days}",
                if s.last_rotated.is_some() {
                    "last rotated"
                } else {
                    "never rotated, created"
                },
                (now - t).num_days()
            ),
        ),
        _ => (
            kind,
            Status::Pass,
            format!(
                "every {} days (registry: {days})",
                s.rotation
                    .every_days
                    .map_or("?".to_string(), |d| d.to_string())
            ),
        ),
    }
}

/// Secrets named like the environment's (by any template the registry uses) that no key
/// declares.
fn unregistered(
    registry: &Registry,
    env: &str,
    entries: &[Entry],
    account: Option<&String>,
) -> Vec<Check> {
    let mut templates: Vec<&super::Template> = Vec::new();
    for k in &registry.keys {
        if !templates.contains(&&k.template) {
            templates.push(&k.template);
        }
    }
    let known: std::collections::HashSet<String> =
        registry.keys.iter().map(|k| k.name(env)).collect();
    entries
        .iter()
        .filter(|e| e.secret.deleted.is_none())
        .filter(|e| account.is_none_or(|a| &e.secret.account == a))
        .filter(|e| !known.contains(&e.secret.name))
        .filter_map(|e| {
            let key = templates
                .iter()
                .find_map(|t| t.key_of(env, &e.secret.name))?;
            Some(Check {
                key: key.to_string(),
                kind: CheckKind::Unregistered,
                status: Status::Warn,
                name: e.secret.name.clone(),
                arn: Some(e.secret.arn.clone()),
                detail: format!(
                    "no key `{key}` in the registry ({} {})",
                    e.secret.account, e.secret.region
                ),
                line: 0,
            })
        })
        .collect()
}
