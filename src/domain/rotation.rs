//! Rotation posture of one secret at a given moment.

use chrono::{DateTime, Duration, Utc};

use super::Secret;

/// Days before the due date at which a rotation counts as "due soon".
pub const DUE_SOON_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationStatus {
    /// Scheduled for deletion: rotation no longer matters.
    PendingDeletion,
    /// A rotation started and left an AWSPENDING version that never became AWSCURRENT.
    Stuck,
    Disabled,
    /// Rotation is on but no rotation has ever completed.
    NeverRotated,
    Overdue {
        days: i64,
    },
    DueSoon {
        days: i64,
    },
    Ok {
        due_in_days: i64,
    },
    /// Rotation is on but neither a schedule nor a next date says when it is due.
    Unscheduled,
}

impl RotationStatus {
    pub fn of(secret: &Secret, now: DateTime<Utc>) -> Self {
        if secret.deleted.is_some() {
            return Self::PendingDeletion;
        }
        if secret.stuck_pending().is_some() {
            return Self::Stuck;
        }
        if !secret.rotation.enabled {
            return Self::Disabled;
        }
        let Some(last) = secret.last_rotated else {
            return Self::NeverRotated;
        };
        let Some(due) = next_due(secret, last) else {
            return Self::Unscheduled;
        };
        let days = (due - now).num_days();
        if due < now {
            Self::Overdue {
                days: (now - due).num_days().max(1),
            }
        } else if days <= DUE_SOON_DAYS {
            Self::DueSoon { days }
        } else {
            Self::Ok { due_in_days: days }
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::PendingDeletion => "deleting".into(),
            Self::Stuck => "stuck".into(),
            Self::Disabled => "off".into(),
            Self::NeverRotated => "never".into(),
            Self::Overdue { days } => format!("overdue {days}d"),
            Self::DueSoon { days } => format!("due {days}d"),
            Self::Ok { .. } => "ok".into(),
            Self::Unscheduled => "no schedule".into(),
        }
    }

    /// Sort weight: the worse the posture, the higher.
    pub fn severity(&self) -> u8 {
        match self {
            Self::Stuck => 6,
            Self::Overdue { .. } => 5,
            Self::NeverRotated => 4,
            Self::Disabled => 3,
            Self::DueSoon { .. } | Self::Unscheduled => 2,
            Self::Ok { .. } => 1,
            Self::PendingDeletion => 0,
        }
    }

    pub fn is_problem(&self) -> bool {
        self.severity() >= 3
    }
}

/// When the next rotation is due: AWS's own NextRotationDate, else last rotation + interval.
pub fn next_due(secret: &Secret, last_rotated: DateTime<Utc>) -> Option<DateTime<Utc>> {
    secret.next_rotation.or_else(|| {
        secret
            .rotation
            .every_days
            .map(|d| last_rotated + Duration::days(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Rotation, Version};
    use chrono::TimeZone;

    fn secret() -> Secret {
        Secret {
            arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf".into(),
            name: "a".into(),
            account: "111122223333".into(),
            region: "us-east-1".into(),
            description: None,
            kms_key_id: None,
            owning_service: None,
            primary_region: None,
            created: None,
            last_changed: None,
            last_accessed: None,
            last_rotated: None,
            next_rotation: None,
            deleted: None,
            rotation: Rotation::default(),
            tags: vec![],
            versions: vec![],
            replication: None,
        }
    }

    fn at(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn disabled_when_rotation_off() {
        assert_eq!(
            RotationStatus::of(&secret(), at(1)),
            RotationStatus::Disabled
        );
    }

    #[test]
    fn never_rotated_when_enabled_without_a_date() {
        let mut s = secret();
        s.rotation.enabled = true;
        s.rotation.every_days = Some(30);
        assert_eq!(RotationStatus::of(&s, at(1)), RotationStatus::NeverRotated);
    }

    #[test]
    fn overdue_counts_days_past_the_interval() {
        let mut s = secret();
        s.rotation.enabled = true;
        s.rotation.every_days = Some(7);
        s.last_rotated = Some(at(1));
        assert_eq!(
            RotationStatus::of(&s, at(20)),
            RotationStatus::Overdue { days: 12 }
        );
    }

    #[test]
    fn next_rotation_date_from_aws_wins_over_the_interval() {
        let mut s = secret();
        s.rotation.enabled = true;
        s.rotation.every_days = Some(7);
        s.last_rotated = Some(at(1));
        s.next_rotation = Some(at(30));
        assert_eq!(
            RotationStatus::of(&s, at(20)),
            RotationStatus::DueSoon { days: 10 }
        );
    }

    #[test]
    fn stuck_pending_beats_everything_but_deletion() {
        let mut s = secret();
        s.versions = vec![
            Version {
                id: "v1".into(),
                stages: vec!["AWSCURRENT".into()],
                created: None,
                last_accessed: None,
            },
            Version {
                id: "v2".into(),
                stages: vec!["AWSPENDING".into()],
                created: None,
                last_accessed: None,
            },
        ];
        assert_eq!(RotationStatus::of(&s, at(1)), RotationStatus::Stuck);
        s.deleted = Some(at(1));
        assert_eq!(
            RotationStatus::of(&s, at(1)),
            RotationStatus::PendingDeletion
        );
    }

    #[test]
    fn pending_that_is_also_current_is_not_stuck() {
        let mut s = secret();
        s.versions = vec![Version {
            id: "v1".into(),
            stages: vec!["AWSCURRENT".into(), "AWSPENDING".into()],
            created: None,
            last_accessed: None,
        }];
        assert_eq!(RotationStatus::of(&s, at(1)), RotationStatus::Disabled);
    }
}
