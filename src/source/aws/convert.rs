//! SDK shapes to domain shapes.

use chrono::{DateTime, TimeZone, Utc};

use aws_sdk_secretsmanager::types::{ReplicationStatusType, SecretListEntry};

use crate::domain::{Cell, ReplicaStatus, ReplicationState, Rotation, Secret, Tag, Version};

pub fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| Utc.timestamp_opt(t.secs(), t.subsec_nanos()).single())
}

pub fn secret(entry: &SecretListEntry, cell: &Cell) -> Secret {
    let arn = entry.arn().unwrap_or_default().to_string();
    let rules = entry.rotation_rules();
    let mut versions: Vec<Version> = entry
        .secret_versions_to_stages()
        .map(|m| {
            m.iter()
                .map(|(id, stages)| Version {
                    id: id.clone(),
                    stages: stages.clone(),
                    created: None,
                    last_accessed: None,
                })
                .collect()
        })
        .unwrap_or_default();
    versions.sort_by(|a, b| stage_rank(a).cmp(&stage_rank(b)).then(a.id.cmp(&b.id)));
    Secret {
        name: entry.name().unwrap_or_default().to_string(),
        account: cell.account.clone(),
        region: region_of(&arn).unwrap_or(&cell.region).to_string(),
        arn,
        description: entry.description().map(Into::into),
        kms_key_id: entry.kms_key_id().map(Into::into),
        owning_service: entry.owning_service().map(Into::into),
        primary_region: entry.primary_region().map(Into::into),
        created: time(entry.created_date()),
        last_changed: time(entry.last_changed_date()),
        last_accessed: time(entry.last_accessed_date()),
        last_rotated: time(entry.last_rotated_date()),
        next_rotation: time(entry.next_rotation_date()),
        deleted: time(entry.deleted_date()),
        rotation: Rotation {
            enabled: entry.rotation_enabled().unwrap_or(false),
            lambda_arn: entry.rotation_lambda_arn().map(Into::into),
            every_days: rules.and_then(|r| r.automatically_after_days()),
            schedule_expression: rules.and_then(|r| r.schedule_expression()).map(Into::into),
            window: rules.and_then(|r| r.duration()).map(Into::into),
        },
        tags: entry
            .tags()
            .iter()
            .map(|t| Tag {
                key: t.key().unwrap_or_default().to_string(),
                value: t.value().unwrap_or_default().to_string(),
            })
            .collect(),
        versions,
        replication: None,
    }
}

pub fn replication(status: &[ReplicationStatusType]) -> Vec<ReplicaStatus> {
    status
        .iter()
        .map(|r| ReplicaStatus {
            region: r.region().unwrap_or_default().to_string(),
            kms_key_id: r.kms_key_id().map(Into::into),
            status: r
                .status()
                .map(|s| ReplicationState::parse(s.as_str()))
                .unwrap_or(ReplicationState::Unknown),
            message: r.status_message().map(Into::into),
            last_accessed: time(r.last_accessed_date()),
        })
        .collect()
}

/// AWSCURRENT first, then AWSPENDING, AWSPREVIOUS, then the rest.
fn stage_rank(v: &Version) -> u8 {
    ["AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"]
        .iter()
        .position(|s| v.has_stage(s))
        .map_or(3, |p| p as u8)
}

/// The region field of an ARN: `arn:aws:secretsmanager:<region>:...`.
fn region_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}
