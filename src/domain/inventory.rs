//! The inventory: every listed secret, with replicas joined to their primary.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{ReplicaStatus, ReplicationState, Secret};

/// One row of the inventory: a primary secret (or a replica whose primary was not loaded)
/// and the replica listings found in other regions.
///
/// The secrets are shared (`Arc`) with the per-cell listings they were joined from: an
/// organization's inventory is tens of thousands of secrets, joined again as cells arrive.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub secret: Arc<Secret>,
    pub replicas: Vec<Arc<Secret>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub entries: Vec<Entry>,
}

impl Inventory {
    /// Joins listings from every cell: a replica attaches to the primary with the same
    /// account and name in its primary region; otherwise it stands as its own row.
    pub fn join<S: Into<Arc<Secret>>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let (replicas, primaries): (Vec<Arc<Secret>>, Vec<Arc<Secret>>) = secrets
            .into_iter()
            .map(Into::into)
            .partition(|s| s.is_replica());
        let mut entries: Vec<Entry> = primaries
            .into_iter()
            .map(|secret| Entry {
                secret,
                replicas: Vec::new(),
            })
            .collect();
        let index: HashMap<(String, String, String), usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let s = &e.secret;
                ((s.account.clone(), s.region.clone(), s.name.clone()), i)
            })
            .collect();
        for replica in replicas {
            let key = (
                replica.account.clone(),
                replica.primary_region.clone().unwrap_or_default(),
                replica.name.clone(),
            );
            match index.get(&key) {
                Some(&i) => entries[i].replicas.push(replica),
                None => entries.push(Entry {
                    secret: replica,
                    replicas: Vec::new(),
                }),
            }
        }
        for entry in &mut entries {
            entry.replicas.sort_by(|a, b| a.region.cmp(&b.region));
        }
        Self { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What the operator sees for one replica region, from DescribeSecret and/or its own listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaView<'a> {
    pub region: &'a str,
    pub status: ReplicationState,
    pub message: Option<&'a str>,
    pub listing: Option<&'a Secret>,
}

impl Entry {
    /// Every replica region, from the primary's replication status and from listings found.
    pub fn replica_views(&self) -> Vec<ReplicaView<'_>> {
        let mut views: Vec<ReplicaView<'_>> = self
            .secret
            .replication
            .iter()
            .flatten()
            .map(|r: &ReplicaStatus| ReplicaView {
                region: &r.region,
                status: r.status,
                message: r.message.as_deref(),
                listing: self
                    .replicas
                    .iter()
                    .find(|s| s.region == r.region)
                    .map(|s| &**s),
            })
            .collect();
        for listing in &self.replicas {
            if !views.iter().any(|v| v.region == listing.region) {
                views.push(ReplicaView {
                    region: &listing.region,
                    status: ReplicationState::Unknown,
                    message: None,
                    listing: Some(listing),
                });
            }
        }
        views.sort_by(|a, b| a.region.cmp(b.region));
        views
    }

    pub fn replica_regions(&self) -> Vec<&str> {
        self.replica_views().into_iter().map(|v| v.region).collect()
    }

    pub fn has_failed_replica(&self) -> bool {
        self.replica_views()
            .iter()
            .any(|v| v.status == ReplicationState::Failed)
    }

    /// Latest read in any region: a secret read only in its DR region is still in use.
    pub fn last_accessed(&self) -> Option<DateTime<Utc>> {
        std::iter::once(&self.secret)
            .chain(&self.replicas)
            .filter_map(|s| s.last_accessed)
            .chain(
                self.secret
                    .replication
                    .iter()
                    .flatten()
                    .filter_map(|r| r.last_accessed),
            )
            .max()
    }

    /// Whether this row's replication status is known (DescribeSecret was called or not needed).
    pub fn needs_describe(&self) -> bool {
        self.secret.replication.is_none()
            && !self.secret.is_replica()
            && (!self.replicas.is_empty() || self.secret.primary_region.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rotation;

    fn listed(name: &str, region: &str, primary: Option<&str>) -> Secret {
        Secret {
            arn: format!("arn:aws:secretsmanager:{region}:111122223333:secret:{name}-AbCdEf"),
            name: name.into(),
            account: "111122223333".into(),
            region: region.into(),
            description: None,
            kms_key_id: None,
            owning_service: None,
            primary_region: primary.map(Into::into),
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

    #[test]
    fn replicas_join_their_primary_by_account_name_and_region() {
        let inv = Inventory::join(vec![
            listed("a", "eu-west-1", Some("us-east-1")),
            listed("a", "us-east-1", None),
            listed("b", "us-east-1", None),
        ]);
        assert_eq!(inv.len(), 2);
        let a = &inv.entries[0];
        assert_eq!(a.secret.region, "us-east-1");
        assert_eq!(a.replica_regions(), vec!["eu-west-1"]);
        assert!(a.needs_describe());
        assert!(!inv.entries[1].needs_describe());
    }

    #[test]
    fn replica_without_a_loaded_primary_is_its_own_row() {
        let inv = Inventory::join(vec![listed("a", "eu-west-1", Some("us-east-1"))]);
        assert_eq!(inv.len(), 1);
        assert!(inv.entries[0].secret.is_replica());
        assert!(!inv.entries[0].needs_describe());
    }

    #[test]
    fn failed_replica_known_only_from_describe_is_shown() {
        let mut p = listed("a", "us-east-1", Some("us-east-1"));
        p.replication = Some(vec![ReplicaStatus {
            region: "ap-southeast-2".into(),
            kms_key_id: None,
            status: ReplicationState::Failed,
            message: Some("KMS key not found".into()),
            last_accessed: None,
        }]);
        let inv = Inventory::join(vec![p]);
        assert!(inv.entries[0].has_failed_replica());
        assert_eq!(inv.entries[0].replica_regions(), vec!["ap-southeast-2"]);
    }

    #[test]
    fn last_accessed_takes_the_latest_region() {
        use chrono::TimeZone;
        let mut p = listed("a", "us-east-1", None);
        p.last_accessed = Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let mut r = listed("a", "eu-west-1", Some("us-east-1"));
        r.last_accessed = Some(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap());
        let inv = Inventory::join(vec![p, r]);
        assert_eq!(
            inv.entries[0].last_accessed(),
            Some(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())
        );
    }
}
