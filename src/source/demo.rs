//! The bundled demo fleet: a snapshot in `assets/`, moved in time so that it was captured "now".

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::snapshot::{self, Snapshot, SnapshotError};

const DEMO: &str = include_str!("../../assets/demo-snapshot.json");

/// Loads the demo and shifts every date by the same whole number of days so its story happened
/// within the last day; whole days keep times of day (a night-time read stays at night).
pub fn load(now: DateTime<Utc>) -> Result<Snapshot, SnapshotError> {
    let loaded = snapshot::parse(DEMO, "assets/demo-snapshot.json")?;
    let mut snap = loaded.snapshot;
    let shift = Duration::days((now - snap.captured_at).num_days());
    shift_snapshot(&mut snap, shift);
    Ok(snap)
}

fn shift_snapshot(snap: &mut Snapshot, by: Duration) {
    snap.captured_at += by;
    // Whole days keep day-truncated dates (LastAccessedDate) on midnight.
    let days = Duration::days(by.num_days());
    for s in &mut snap.secrets {
        for date in [
            &mut s.created,
            &mut s.last_changed,
            &mut s.last_rotated,
            &mut s.next_rotation,
            &mut s.deleted,
        ]
        .into_iter()
        .flatten()
        {
            *date += by;
        }
        if let Some(d) = &mut s.last_accessed {
            *d += days;
        }
        for v in &mut s.versions {
            if let Some(d) = &mut v.created {
                *d += by;
            }
            if let Some(d) = &mut v.last_accessed {
                *d += days;
            }
        }
        for r in s.replication.iter_mut().flatten() {
            if let Some(d) = &mut r.last_accessed {
                *d += days;
            }
        }
    }
    for event in &mut snap.events {
        shift_event_time(event, by);
    }
}

fn shift_event_time(event: &mut Value, by: Duration) {
    let Some(Value::String(time)) = event.get_mut("eventTime") else {
        return;
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(time) {
        *time = (t.with_timezone(&Utc) + by)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Inventory, RotationStatus};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 5, 17, 10, 30, 0).unwrap()
    }

    #[test]
    fn demo_is_captured_within_a_day_and_events_stay_in_the_last_90_days() {
        let snap = load(now()).unwrap();
        assert!(snap.captured_at <= now() && snap.captured_at > now() - Duration::days(1));
        assert_eq!(snap.captured_at.format("%H:%M").to_string(), "09:00");
        for e in &snap.events {
            let t = e["eventTime"].as_str().unwrap();
            let t = DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
            assert!(t <= now() && t > now() - Duration::days(92), "{t}");
        }
    }

    #[test]
    fn demo_is_a_fleet_a_reviewer_would_believe() {
        let snap = load(now()).unwrap();
        let inv = Inventory::join(snap.secrets.clone());
        assert!(inv.len() >= 80, "{} secrets", inv.len());
        let regions: std::collections::BTreeSet<_> =
            snap.secrets.iter().map(|s| s.region.as_str()).collect();
        assert!(regions.len() >= 3, "{regions:?}");
        assert!(snap.events.len() >= 2000, "{} events", snap.events.len());
        let statuses: Vec<RotationStatus> = inv
            .entries
            .iter()
            .map(|e| RotationStatus::of(&e.secret, now()))
            .collect();
        assert!(
            statuses
                .iter()
                .any(|s| matches!(s, RotationStatus::Overdue { .. }))
        );
        assert!(statuses.contains(&RotationStatus::Stuck));
        assert!(statuses.contains(&RotationStatus::PendingDeletion));
        assert!(inv.entries.iter().any(|e| e.has_failed_replica()));
        assert!(inv.entries.iter().any(|e| e.secret.tag("Owner").is_none()));
        for env in ["dev", "stage", "prod"] {
            assert!(
                inv.entries
                    .iter()
                    .any(|e| crate::domain::environment_of(&e.secret).as_deref() == Some(env)),
                "no {env} secret"
            );
        }
    }
}
