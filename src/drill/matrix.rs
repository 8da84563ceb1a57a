//! The replication matrix: from the inventory, the cells' health and the policy to one row per
//! selected secret and one cell per region. Pure: no I/O, no clock.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    Failover, KeyCheck, Parity, Presence, Primary, RegionCell, Replica, ReplicaListing, Row,
    SecretKey, Selection,
};
use crate::audit::naming::glob;
use crate::audit::{Policy, RuleId};
use crate::domain::{
    Cell, CellHealth, Inventory, ReplicaStatus, ReplicationState, Secret, environment_of,
};

/// The tag (value `true`) that marks a throw-away secret promotion may be rehearsed on.
pub const FIXTURE_TAG: &str = "DrillFixture";

/// A secret's listings gathered across regions: its primary (if listed) and replica listings.
#[derive(Debug, Default)]
pub(super) struct Group<'a> {
    pub primary: Option<&'a Secret>,
    pub replicas: Vec<&'a Secret>,
}

/// Groups the inventory by secret: replicas whose primary was not loaded stand as their own
/// entries in the inventory; here they join the other listings of the same secret.
pub(super) fn groups(inventory: &Inventory) -> BTreeMap<SecretKey, Group<'_>> {
    let mut out: BTreeMap<SecretKey, Group<'_>> = BTreeMap::new();
    for entry in &inventory.entries {
        let s = &entry.secret;
        if s.is_replica() {
            out.entry(key_of(s)).or_default().replicas.push(s);
            continue;
        }
        let group = out.entry(key_of(s)).or_default();
        group.primary = Some(s);
        group.replicas.extend(entry.replicas.iter().map(|s| &**s));
    }
    out
}

fn key_of(s: &Secret) -> SecretKey {
    let primary_region = if s.is_replica() {
        s.primary_region.clone().unwrap_or_default()
    } else {
        s.region.clone()
    };
    SecretKey {
        account: s.account.clone(),
        primary_region,
        name: s.name.clone(),
    }
}

/// The matrix's columns: every region of a cell, and the DR region.
pub fn regions(cells: &BTreeMap<Cell, CellHealth>, dr_region: &str) -> Vec<String> {
    let mut set: BTreeSet<String> = cells.keys().map(|c| c.region.clone()).collect();
    set.insert(dr_region.to_string());
    set.into_iter().collect()
}

/// Why the policy wants this secret replicated to `dr_region` (None: it does not).
pub fn required_because(secret: &Secret, policy: &Policy, dr_region: &str) -> Option<String> {
    if secret.deleted.is_some() {
        return None;
    }
    if !policy.dr_regions.is_empty() && !policy.dr_regions.iter().any(|r| r == dr_region) {
        return None;
    }
    if let Some(class) = secret.tag("Classification").map(str::to_ascii_lowercase)
        && policy.replicate_classifications.contains(&class)
    {
        return Some(format!("Classification={class}"));
    }
    environment_of(secret)
        .filter(|env| policy.replicate_environments.contains(env))
        .map(|env| format!("environment {env}"))
}

/// Whether the drill looks at this secret.
pub(super) fn selected(
    key: &SecretKey,
    group: &Group<'_>,
    policy: &Policy,
    dr_region: &str,
    selection: &Selection,
) -> bool {
    match selection {
        Selection::Glob(pattern) => glob(pattern, &key.name),
        Selection::Default => {
            if key.primary_region == dr_region {
                return false;
            }
            let replicated = group.replicas.iter().any(|r| r.region == dr_region)
                || group
                    .primary
                    .and_then(|p| p.replication.as_ref())
                    .is_some_and(|rs| rs.iter().any(|r| r.region == dr_region));
            let described = group.primary.or(group.replicas.first().copied());
            replicated || described.is_some_and(|s| required_in(s, policy, dr_region))
        }
    }
}

fn required_in(s: &Secret, policy: &Policy, dr_region: &str) -> bool {
    required_because(s, policy, dr_region).is_some()
}

/// One row, without its verdict (see `verdict::judge`).
pub(super) fn row(
    key: &SecretKey,
    group: &Group<'_>,
    cells: &BTreeMap<Cell, CellHealth>,
    policy: &Policy,
    dr_region: &str,
    regions: &[String],
) -> Row {
    let described = group
        .primary
        .or(group.replicas.first().copied())
        .map(|s| (s, policy.for_secret(s)));
    let required_because = described
        .as_ref()
        .filter(|_| key.primary_region != dr_region)
        .and_then(|(s, _)| required_because(s, policy, dr_region));
    let customer_key_required = described.as_ref().is_some_and(|(_, eff)| {
        eff.rules
            .get(&RuleId::CustomerManagedKey)
            .is_some_and(|r| r.enabled)
    });
    let primary = primary_of(key, group, cells);
    let primary_version = match &primary {
        Primary::Listed {
            current_version, ..
        } => current_version.clone(),
        _ => None,
    };
    let ctx = CellCtx {
        key,
        group,
        cells,
        primary: &primary,
        primary_version: primary_version.as_deref(),
        customer_key_required,
    };
    let row_cells: Vec<RegionCell> = regions
        .iter()
        .map(|region| RegionCell {
            region: region.clone(),
            presence: ctx.presence(region, region == dr_region && required_because.is_some()),
        })
        .collect();
    let arn = group.primary.map_or_else(
        || {
            group.replicas.first().map_or_else(String::new, |r| {
                r.arn.replacen(
                    &format!(":{}:", r.region),
                    &format!(":{}:", key.primary_region),
                    1,
                )
            })
        },
        |p| p.arn.clone(),
    );
    let fixture = described.is_some_and(|(s, _)| {
        s.tag(FIXTURE_TAG)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    });
    let mut row = Row {
        key: key.clone(),
        arn,
        primary,
        required_because,
        fixture,
        cells: row_cells,
        failover: None,
        value_check: None,
        promotion: None,
        verdict: super::model::Outcome::Pass,
        reasons: Vec::new(),
    };
    row.failover = failover(&row, dr_region);
    row
}

fn primary_of(key: &SecretKey, group: &Group<'_>, cells: &BTreeMap<Cell, CellHealth>) -> Primary {
    if let Some(p) = group.primary {
        let current = p.current_version();
        return Primary::Listed {
            current_version: current.map(|v| v.id.clone()),
            last_changed: p.last_changed,
            last_accessed: p.last_accessed,
            kms_key_id: p.kms_key_id.clone(),
            scheduled_for_deletion: p.deleted.is_some(),
        };
    }
    match cells.get(&Cell::new(&key.account, &key.primary_region)) {
        None => Primary::NotLoaded,
        Some(CellHealth::Ok) => Primary::NotListed,
        Some(health) => Primary::Unreachable {
            health: health.clone(),
        },
    }
}

/// What every cell of one row needs to know.
struct CellCtx<'a> {
    key: &'a SecretKey,
    group: &'a Group<'a>,
    cells: &'a BTreeMap<Cell, CellHealth>,
    primary: &'a Primary,
    primary_version: Option<&'a str>,
    customer_key_required: bool,
}

impl CellCtx<'_> {
    fn presence(&self, region: &str, required: bool) -> Presence {
        if region == self.key.primary_region {
            return Presence::Primary;
        }
        let status: Option<&ReplicaStatus> = self
            .group
            .primary
            .and_then(|p| p.replication.as_ref())
            .and_then(|rs| rs.iter().find(|r| r.region == region));
        let listing = self
            .group
            .replicas
            .iter()
            .copied()
            .find(|r| r.region == region);
        let health = self.cells.get(&Cell::new(&self.key.account, region));
        if status.is_none() && listing.is_none() {
            let described = self.group.primary.is_some_and(|p| p.replication.is_some());
            return match health {
                Some(CellHealth::Ok) => Presence::Absent { required },
                _ if described => Presence::Absent { required },
                None => Presence::Unknown {
                    why: format!("{region} was not read"),
                },
                Some(h) => Presence::Unknown {
                    why: format!("{region} is {}", h.label()),
                },
            };
        }
        Presence::Replica(Box::new(self.replica(region, status, listing, health)))
    }

    fn replica(
        &self,
        region: &str,
        status: Option<&ReplicaStatus>,
        listing: Option<&Secret>,
        health: Option<&CellHealth>,
    ) -> Replica {
        let kms_key_id = status
            .and_then(|s| s.kms_key_id.clone())
            .or_else(|| listing.and_then(|l| l.kms_key_id.clone()));
        let aws_managed = kms_key_id
            .as_deref()
            .is_none_or(|k| k.ends_with("alias/aws/secretsmanager"));
        let key_region = kms_key_id
            .as_deref()
            .and_then(|k| k.strip_prefix("arn:"))
            .and_then(|k| k.split(':').nth(2))
            .filter(|r| !r.is_empty() && *r != region)
            .map(str::to_string);
        let listing_out = listing.map(|l| {
            let current = l.current_version();
            ReplicaListing {
                arn: l.arn.clone(),
                current_version: current.map(|v| v.id.clone()),
                current_created: current.and_then(|v| v.created),
                last_changed: l.last_changed,
            }
        });
        let parity = self.parity(region, listing_out.as_ref(), health);
        Replica {
            status: status.map_or(ReplicationState::Unknown, |s| s.status),
            message: status.and_then(|s| s.message.clone()),
            kms_key_id,
            last_accessed: status
                .and_then(|s| s.last_accessed)
                .or_else(|| listing.and_then(|l| l.last_accessed)),
            listing: listing_out,
            parity,
            key: KeyCheck {
                aws_managed,
                customer_key_required: self.customer_key_required,
                key_region,
            },
        }
    }

    fn parity(
        &self,
        region: &str,
        listing: Option<&ReplicaListing>,
        health: Option<&CellHealth>,
    ) -> Parity {
        let unverified = |why: String| Parity::Unverified { why };
        let Some(listing) = listing else {
            return match health {
                Some(CellHealth::Ok) => Parity::NotListed,
                None => unverified(format!("{region} was not read")),
                Some(h) => unverified(format!("{region} is {}", h.label())),
            };
        };
        let primary = match (self.primary, self.primary_version) {
            (Primary::Listed { .. }, Some(v)) => v,
            (Primary::Listed { .. }, None) => {
                return unverified("the primary has no AWSCURRENT version".into());
            }
            (Primary::Unreachable { health }, _) => {
                return unverified(format!(
                    "the primary's region {} is {}",
                    self.key.primary_region,
                    health.label()
                ));
            }
            (Primary::NotLoaded, _) => {
                return unverified(format!(
                    "the primary's region {} was not read",
                    self.key.primary_region
                ));
            }
            (Primary::NotListed, _) => {
                return unverified(format!(
                    "{} does not list the primary",
                    self.key.primary_region
                ));
            }
        };
        match listing.current_version.as_deref() {
            None => unverified("the replica lists no AWSCURRENT version".into()),
            Some(v) if v == primary => Parity::Same {
                version: v.to_string(),
            },
            Some(v) => Parity::Behind {
                primary: primary.to_string(),
                replica: v.to_string(),
            },
        }
    }
}

/// What the DR region would serve: the replica's AWSCURRENT, when the DR region lists it.
fn failover(row: &Row, dr_region: &str) -> Option<Failover> {
    let replica = row.replica(dr_region)?;
    let listing = replica.listing.as_ref()?;
    let parity_verified = matches!(replica.parity, Parity::Same { .. });
    let caveat = match &replica.parity {
        Parity::Same { .. } => None,
        Parity::Behind { primary, .. } => Some(format!(
            "behind the primary: the primary's AWSCURRENT is {primary}"
        )),
        Parity::NotListed => None,
        Parity::Unverified { why } => Some(format!("parity could not be verified: {why}")),
    };
    Some(Failover {
        region: dr_region.to_string(),
        arn: listing.arn.clone(),
        version_id: listing.current_version.clone(),
        version_created: listing.current_created,
        last_changed: listing.last_changed,
        last_accessed: replica.last_accessed,
        parity_verified,
        caveat,
    })
}
