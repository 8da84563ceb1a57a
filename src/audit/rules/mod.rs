//! The rules, one function each, from one inventory entry to its findings.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::finding::{Finding, RuleId};
use super::history::RotationHistory;
use super::naming::fits;
use super::policy::{Effective, Policy};
use crate::domain::rotation::next_due;
use crate::domain::{Entry, ReplicationState, RotationStatus, environment_of};

type Evidence = Vec<(&'static str, String)>;

/// Everything wrong with one entry. Replica rows are judged through their primary, and a secret
/// scheduled for deletion only through that.
pub fn check(
    entry: &Entry,
    history: &RotationHistory,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let s = &entry.secret;
    if s.is_replica() {
        return Vec::new();
    }
    let eff = policy.for_secret(s);
    let mut raw: Vec<(RuleId, String, Evidence)> = Vec::new();
    if let Some(d) = s.deleted {
        raw.push((
            RuleId::ScheduledDeletion,
            "scheduled for deletion; restore it if anything still reads it".into(),
            vec![("deleted_date", day(d))],
        ));
    } else {
        raw.extend(rotation_enabled(entry, policy));
        raw.extend(rotation_scheduled(entry, now));
        raw.extend(rotated_within(entry, &eff, now));
        raw.extend(unused(entry, &eff, now));
        raw.extend(required_tags(entry, policy));
        raw.extend(customer_key(entry));
        raw.extend(naming(entry, policy));
        raw.extend(stuck(entry, history));
        raw.extend(due_soon(entry, policy, now));
        raw.extend(replication(entry, policy));
    }
    let (arn, name): (Arc<str>, Arc<str>) = (s.arn.as_str().into(), s.name.as_str().into());
    let (account, region): (Arc<str>, Arc<str>) =
        (s.account.as_str().into(), s.region.as_str().into());
    raw.into_iter()
        .filter_map(|(rule, message, evidence)| {
            let setting = eff.rules.get(&rule)?;
            setting.enabled.then(|| Finding {
                rule,
                severity: setting.severity,
                controls: rule.info().controls,
                arn: arn.clone(),
                name: name.clone(),
                account: account.clone(),
                region: region.clone(),
                message,
                evidence,
            })
        })
        .collect()
}

type Found = Option<(RuleId, String, Evidence)>;

fn ev(pairs: &[(&'static str, String)]) -> Evidence {
    pairs.to_vec()
}

fn day(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn rotation_enabled(e: &Entry, policy: &Policy) -> Found {
    let r = &e.secret.rotation;
    if !r.enabled {
        return Some((
            RuleId::RotationEnabled,
            "automatic rotation is off".into(),
            ev(&[("rotation_enabled", "false".into())]),
        ));
    }
    let (max, every) = (policy.max_rotation_interval_days?, r.every_days?);
    (every > max).then(|| {
        (
            RuleId::RotationEnabled,
            format!("rotates every {every} days, more than the allowed {max}"),
            ev(&[
                ("rotation_interval_days", every.to_string()),
                ("max_interval_days", max.to_string()),
            ]),
        )
    })
}

fn rotation_scheduled(e: &Entry, now: DateTime<Utc>) -> Found {
    let s = &e.secret;
    if !s.rotation.enabled {
        return None;
    }
    let since = s.last_rotated.or(s.created)?;
    let due = next_due(s, since)?;
    (due < now).then(|| {
        let late = (now - due).num_days();
        let last = s.last_rotated.map_or_else(|| "never".into(), day);
        (
            RuleId::RotationScheduled,
            format!(
                "scheduled rotation did not happen: due {}, {late} days ago",
                day(due)
            ),
            ev(&[
                ("last_rotated", last),
                ("next_due", day(due)),
                ("days_late", late.to_string()),
            ]),
        )
    })
}

fn rotated_within(e: &Entry, eff: &Effective, now: DateTime<Utc>) -> Found {
    let s = &e.secret;
    let tag_limit = s
        .tag("RotationDays")
        .and_then(|v| v.trim().parse::<i64>().ok());
    // The secret's own RotationDays is its limit; the policy (and classification) may be stricter.
    let limit = match tag_limit {
        Some(t) => t.min(eff.rotation_max_days),
        None => eff.rotation_max_days,
    };
    let (since, what) = match (s.last_rotated, s.created) {
        (Some(r), _) => (r, "last_rotated"),
        (None, Some(c)) => (c, "created (never rotated)"),
        (None, None) => {
            return Some((
                RuleId::RotatedWithin,
                "never rotated and its creation date is unknown".into(),
                ev(&[("limit_days", limit.to_string())]),
            ));
        }
    };
    let age = (now - since).num_days();
    (age > limit).then(|| {
        (
            RuleId::RotatedWithin,
            format!("not rotated for {age} days; the limit is {limit}"),
            ev(&[
                (what, day(since)),
                ("days_since", age.to_string()),
                ("limit_days", limit.to_string()),
                (
                    "limit_from",
                    if tag_limit.is_some_and(|t| t <= eff.rotation_max_days) {
                        "RotationDays tag".into()
                    } else {
                        "policy".into()
                    },
                ),
            ]),
        )
    })
}

fn unused(e: &Entry, eff: &Effective, now: DateTime<Utc>) -> Found {
    let limit = eff.unused_days;
    match e.last_accessed() {
        Some(last) => {
            let idle = (now - last).num_days();
            (idle > limit).then(|| {
                (
                    RuleId::Unused,
                    format!("not read in any region for {idle} days; the limit is {limit}"),
                    ev(&[
                        ("last_accessed", day(last)),
                        ("days_unused", idle.to_string()),
                        ("regions_checked", regions(e)),
                    ]),
                )
            })
        }
        None => {
            let created = e.secret.created?;
            let age = (now - created).num_days();
            (age > limit).then(|| {
                (
                    RuleId::Unused,
                    format!("never read in any region since it was created {age} days ago"),
                    ev(&[
                        ("last_accessed", "never".into()),
                        ("created", day(created)),
                        ("regions_checked", regions(e)),
                    ]),
                )
            })
        }
    }
}

fn regions(e: &Entry) -> String {
    std::iter::once(e.secret.region.as_str())
        .chain(e.replica_regions())
        .collect::<Vec<_>>()
        .join(",")
}

fn required_tags(e: &Entry, policy: &Policy) -> Found {
    let s = &e.secret;
    let mut missing = Vec::new();
    let mut wrong_case = Vec::new();
    for key in &policy.required_tags {
        if s.tags
            .iter()
            .any(|t| t.key == *key && !t.value.trim().is_empty())
        {
            continue;
        }
        match s.tags.iter().find(|t| t.key.eq_ignore_ascii_case(key)) {
            Some(t) if t.key != *key => wrong_case.push(format!("{} (found \"{}\")", key, t.key)),
            _ => missing.push(key.clone()),
        }
    }
    if missing.is_empty() && wrong_case.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", missing.join(", ")));
    }
    if !wrong_case.is_empty() {
        parts.push(format!("wrong key case {}", wrong_case.join(", ")));
    }
    Some((
        RuleId::RequiredTags,
        parts.join("; "),
        ev(&[
            ("missing", missing.join(",")),
            ("wrong_case", wrong_case.join(",")),
            ("required", policy.required_tags.join(",")),
        ]),
    ))
}

fn customer_key(e: &Entry) -> Found {
    let key = e.secret.kms_key_id.as_deref();
    let aws_managed = key.is_none_or(|k| k.ends_with("alias/aws/secretsmanager"));
    aws_managed.then(|| {
        (
            RuleId::CustomerManagedKey,
            "encrypted with the AWS managed key aws/secretsmanager".into(),
            ev(&[("kms_key_id", key.unwrap_or("aws/secretsmanager").into())]),
        )
    })
}

fn naming(e: &Entry, policy: &Policy) -> Found {
    let name = &e.secret.name;
    let ok = policy
        .naming_patterns
        .iter()
        .any(|p| fits(p, name, &policy.environments));
    (!ok).then(|| {
        (
            RuleId::NamingConvention,
            format!(
                "name does not follow {}",
                policy.naming_patterns.join(" or ")
            ),
            ev(&[("name", name.clone())]),
        )
    })
}

fn stuck(e: &Entry, history: &RotationHistory) -> Found {
    let s = &e.secret;
    if let Some(v) = s.stuck_pending() {
        return Some((
            RuleId::StuckRotation,
            "a rotation left an AWSPENDING version that never became AWSCURRENT".into(),
            ev(&[
                ("pending_version", v.id.clone()),
                (
                    "current_version",
                    s.current_version()
                        .map_or_else(|| "none".into(), |c| c.id.clone()),
                ),
            ]),
        ));
    }
    let failed = history.last_failed.get(&s.arn)?;
    let succeeded = history.last_succeeded.get(&s.arn);
    succeeded.is_none_or(|ok| ok < failed).then(|| {
        (
            RuleId::StuckRotation,
            format!(
                "last rotation failed {} with no success since",
                failed.format("%Y-%m-%d %H:%M UTC")
            ),
            ev(&[
                ("last_rotation_failed", failed.to_rfc3339()),
                (
                    "last_rotation_succeeded",
                    succeeded
                        .map_or_else(|| "none in the events loaded".into(), |t| t.to_rfc3339()),
                ),
            ]),
        )
    })
}

fn due_soon(e: &Entry, policy: &Policy, now: DateTime<Utc>) -> Found {
    match RotationStatus::of(&e.secret, now) {
        RotationStatus::DueSoon { days } | RotationStatus::Ok { due_in_days: days }
            if days <= policy.due_soon_days =>
        {
            Some((
                RuleId::RotationDueSoon,
                format!("next rotation due in {days} days"),
                ev(&[("due_in_days", days.to_string())]),
            ))
        }
        _ => None,
    }
}

fn replication(e: &Entry, policy: &Policy) -> Found {
    let s = &e.secret;
    let class = s.tag("Classification").map(str::to_ascii_lowercase);
    let env = environment_of(s);
    let covered = class
        .as_ref()
        .is_some_and(|c| policy.replicate_classifications.contains(c))
        || env
            .as_ref()
            .is_some_and(|v| policy.replicate_environments.contains(v));
    if !covered {
        return None;
    }
    let views = e.replica_views();
    let healthy = |region: &str| {
        views
            .iter()
            .any(|v| v.region == region && v.status != ReplicationState::Failed)
    };
    let problems: Vec<String> = if policy.dr_regions.is_empty() {
        if views.iter().any(|v| v.status != ReplicationState::Failed) {
            Vec::new()
        } else if views.is_empty() {
            vec!["no replica in any region".into()]
        } else {
            views
                .iter()
                .map(|v| {
                    format!(
                        "replica in {} failed: {}",
                        v.region,
                        v.message.unwrap_or("")
                    )
                })
                .collect()
        }
    } else {
        policy
            .dr_regions
            .iter()
            .filter(|r| **r != s.region && !healthy(r))
            .map(|r| match views.iter().find(|v| v.region == r.as_str()) {
                Some(v) => format!("replica in {r} failed: {}", v.message.unwrap_or("")),
                None => format!("no replica in {r}"),
            })
            .collect()
    };
    (!problems.is_empty()).then(|| {
        let why = match (&class, &env) {
            (Some(c), _) if policy.replicate_classifications.contains(c) => {
                format!("Classification={c}")
            }
            (_, Some(v)) => format!("environment {v}"),
            _ => "policy".into(),
        };
        (
            RuleId::ReplicationRequired,
            format!("{} (required for {why})", problems.join("; ")),
            ev(&[
                ("replicas", e.replica_regions().join(",")),
                ("dr_regions", policy.dr_regions.join(",")),
                ("required_because", why),
            ]),
        )
    })
}

#[cfg(test)]
mod tests;
